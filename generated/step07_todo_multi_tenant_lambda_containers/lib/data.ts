// The control table: the users' list index, the owners' usage and the event consumers'
// idempotency markers. Each list's todos live in a table of its own, which the provisioner
// creates at run time (see events.ts and tenant-access.ts).
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/**
 * A single table with generic `pk`/`sk` keys, so later steps can store lists, members and
 * tenants beside todos (single-table design) without a schema migration.
 */
export class Data extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      // On-demand: a course app is idle most of the time and pays nothing then.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // A course deploys and destroys each step many times: `cdk destroy` removes the table
      // instead of leaving one orphan per deploy. With point-in-time recovery on, DynamoDB still
      // keeps a restorable backup of a deleted table for 35 days.
      removalPolicy: RemovalPolicy.DESTROY,
      // The consumers' idempotency markers (`EVENT#<eventId>`) carry their expiry in epoch seconds,
      // 7 days on, longer than an event can wait in a queue (4 days); DynamoDB then deletes them
      // at no cost.
      timeToLiveAttribute: 'expiresAt',
    });
  }
}
