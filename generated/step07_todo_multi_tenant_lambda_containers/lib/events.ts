// The event-driven architecture: the API publishes a domain event to a custom EventBridge bus for
// every change it makes; consumers subscribe to the events they need instead of being called by
// the API. Each consumer has an EventBridge rule that selects its events and sends them to an SQS
// queue, and a Rust Lambda that reads the queue in batches. The queue absorbs bursts and outages:
// a record the Lambda cannot handle now is delivered again later, and after 5 receives it moves to
// a dead-letter queue, where an alarm reports it.
//
// - provisioning: creates a list's table when the list is created (`ListCreated`), fills it and
//   marks the list ready, then announces `TenantReady`; deletes the table with the list.
// - roll-up: adds each request's usage and the todo counts to the owner's roll-up.
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LOG_RETENTION } from './api';
import { RustFunction } from './rust-function';
import { partitionStatement, TABLE_LIFECYCLE_ACTIONS, type TenantAccess } from './tenant-access';

/** The `source` of every event the API publishes. */
const API_SOURCE = 'todo.api';

/** A consumer's Lambda: its crate and the binary in it. */
export interface ConsumerCode {
  /** The folder of the consumer's crate. */
  readonly crateDir: string;
  /** The Cargo binary in that crate. */
  readonly binaryName: string;
}

export interface EventsProps {
  /** The control table: the users' list index, the owners' roll-ups, the idempotency markers. */
  readonly table: dynamodb.ITable;
  /** Every tenant table's name is this prefix and the list id (env `TENANT_TABLE_PREFIX`). */
  readonly tenantTablePrefix: string;
  /** The tenant access role, which the provisioner assumes to fill a new list's table. */
  readonly tenantAccess: TenantAccess;
  readonly provisioner: ConsumerCode;
  readonly rollUp: ConsumerCode;
  readonly architecture: lambda.Architecture;
}

export class Events extends Construct {
  readonly bus: events.EventBus;
  /** The bus's name, a literal (`<stack name>-events`): `stepgen dev` reads it from the template. */
  readonly busName: string;
  /** Creates and deletes tenants' tables (`ListCreated`, `ListDeleted`). */
  readonly provisioning: EventConsumer;
  /** Rolls usage and todo counts up to the owners (`UsageRecorded`, `TodoAdded`, `TodoRemoved`, `ListDeleted`). */
  readonly rollUp: EventConsumer;

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);

    // A custom bus rather than the account's default one: only this stack's events are on it.
    // Each of this stack's publishers may put events of its own source only.
    this.busName = `${Stack.of(this).stackName}-events`;
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: this.busName,
      description: 'Domain events of the todo app: what the API did, and what the provisioner did',
    });

    this.provisioning = new EventConsumer(this, 'Provisioning', {
      bus: this.bus,
      description: "Creates and deletes tenants' tables as lists are created and deleted (EventBridge via SQS)",
      detailTypes: ['ListCreated', 'ListDeleted'],
      code: props.provisioner,
      architecture: props.architecture,
      // A new table is usually ACTIVE within seconds; the provisioner waits up to ~20 s for it,
      // then fails the record, which SQS delivers again after the visibility timeout.
      timeout: Duration.minutes(1),
      environment: {
        TABLE_NAME: props.table.tableName,
        // Literals, not tokens: `stepgen dev` reads them from the template too.
        TENANT_TABLE_PREFIX: props.tenantTablePrefix,
        EVENT_BUS_NAME: this.busName,
        TENANT_ROLE_ARN: props.tenantAccess.role.roleArn,
      },
    });
    const provisionerRole = this.provisioning.handler.function.role!;
    // The tables' lifecycle: create one with a list (tagged `tenant=<listId>`, which needs
    // TagResource), wait until it is active, delete it with the list. None of their items.
    provisionerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: TABLE_LIFECYCLE_ACTIONS, resources: [props.tenantAccess.tenantTables] }),
    );
    // Reads the owner's index entry (is the list still `preparing`?) and marks it ready; its
    // steps are idempotent by themselves, so it keeps no markers.
    provisionerRole.addToPrincipalPolicy(partitionStatement(props.table, ENTRY_ACTIONS, 'USER#*'));
    // The list record and the owner's membership go into the new table with the tenant's
    // credentials, the same ones the API uses, never with the provisioner's own role.
    props.tenantAccess.allowAssumeBy(provisionerRole);
    // Announces `TenantReady` once the list is usable, and nothing in the API's name.
    provisionerRole.addToPrincipalPolicy(putEvents(this.bus, 'todo.provisioning'));
    Validations.of(provisionerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/${props.tenantTablePrefix}*]`,
      reason:
        'The provisioner creates and deletes tenant tables at run time, one per tenant (list), so their names cannot be known at deploy time; ' +
        "the wildcard follows this stack's own prefix (`<prefix><listId>`), so no other table of the account matches it.",
    });

    this.rollUp = new EventConsumer(this, 'RollUp', {
      bus: this.bus,
      description: "Rolls requests' usage and todo counts up to the lists' owners (EventBridge via SQS)",
      detailTypes: ['UsageRecorded', 'TodoAdded', 'TodoRemoved', 'ListDeleted'],
      code: props.rollUp,
      architecture: props.architecture,
      // One small transaction per record.
      timeout: Duration.seconds(30),
      environment: { TABLE_NAME: props.table.tableName },
    });
    const rollUpRole = this.rollUp.handler.function.role!;
    // The owners' roll-ups: atomic `ADD` updates, and a deleted list's count made a tombstone.
    rollUpRole.addToPrincipalPolicy(partitionStatement(props.table, ROLL_UP_ACTIONS, 'OWNER#*'));
    // Each update is one transaction with its idempotency marker (`EVENT#<eventId>`, put only if
    // absent); a transaction needs the permissions of its parts and no permission of its own.
    rollUpRole.addToPrincipalPolicy(partitionStatement(props.table, MARKER_ACTIONS, 'EVENT#*'));
  }

  /**
   * Lets `publisher` (the API) put events on the bus, and nothing else there; it finds the bus
   * by the name in `EVENT_BUS_NAME`.
   */
  addPublisher(publisher: lambda.Function): void {
    publisher.addToRolePolicy(putEvents(this.bus, 'todo.api'));
    publisher.addEnvironment('EVENT_BUS_NAME', this.busName);
  }
}

/** What the provisioner does in the users' index: read the owner's entry, mark it ready. */
const ENTRY_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'];
/** What the roll-up does in an owner's partition: `ADD` to counts, turn a deleted list's into a tombstone. */
const ROLL_UP_ACTIONS = ['dynamodb:UpdateItem'];
/** An idempotency marker is put once, with `attribute_not_exists(pk)`; TTL removes it. */
const MARKER_ACTIONS = ['dynamodb:PutItem'];

/**
 * PutEvents on `bus` for events of `source` only, so that a consumer cannot pass for the API
 * (a `ListDeleted` in its name would delete a tenant's table) nor the API for the provisioner.
 */
function putEvents(bus: events.IEventBus, source: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['events:PutEvents'],
    resources: [bus.eventBusArn],
    conditions: { StringEquals: { 'events:source': source } },
  });
}

/** The dead-letter queues keep a failed event this long: time to find the bug and redrive it. */
const DEAD_LETTER_RETENTION = Duration.days(14);
/** Receives of one message before it moves to the dead-letter queue. */
const MAX_RECEIVE_COUNT = 5;

interface EventConsumerProps {
  readonly bus: events.IEventBus;
  readonly description: string;
  /** The API's events (`source` `todo.api`) this consumer handles. */
  readonly detailTypes: string[];
  readonly code: ConsumerCode;
  readonly architecture: lambda.Architecture;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
}

/** A rule on the bus -> an SQS queue (with a dead-letter queue) -> a Rust Lambda. */
export class EventConsumer extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule: events.Rule;
  readonly handler: RustFunction;
  /** In alarm while the dead-letter queue holds a message. */
  readonly deadLettersAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: EventConsumerProps) {
    super(scope, id);

    // No dead-letter queue of its own: cdk-nag's AwsSolutions-SQS3 (every queue needs one) knows
    // a queue that is another queue's dead-letter queue, so there is nothing to acknowledge.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS recommends at least 6 times the function's timeout for a Lambda event source, so a
      // batch whose invocation is throttled and retried is not delivered twice at once.
      visibilityTimeout: Duration.seconds(props.timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    // The SqsQueue target adds the queue policy that lets this rule, and only this rule, send to
    // the queue. The message body is the whole EventBridge event, envelope in `detail`.
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      description: `${id}: ${props.detailTypes.join(', ')} from ${API_SOURCE}`,
      eventPattern: { source: [API_SOURCE], detailType: props.detailTypes },
      targets: [new targets.SqsQueue(this.queue)],
    });

    this.handler = new RustFunction(this, 'Handler', {
      description: props.description,
      crateDir: props.code.crateDir,
      binaryName: props.code.binaryName,
      architecture: props.architecture,
      memorySize: 128,
      timeout: props.timeout,
      logRetention: LOG_RETENTION,
      environment: props.environment,
    });
    // Also grants the role what reading the queue needs (receive, delete, change visibility).
    // With ReportBatchItemFailures, only the records the handler names fail and come back; the
    // rest of the batch is deleted.
    this.handler.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    this.deadLettersAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: `${id}: events its Lambda failed ${MAX_RECEIVE_COUNT} times are in the dead-letter queue; read them, fix the cause, then redrive them`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // An idle queue reports no data points: nothing to alarm about.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
