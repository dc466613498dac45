// The step's stack: the SPA on CloudFront, the REST API on API Gateway and a Rust Lambda, the
// todos in DynamoDB (a table per tenant), the users in Cognito (a trigger writes their tenant ids into their tokens),
// usage by tenant in CloudWatch,
// domain events on an EventBridge bus, read by queued consumers. Each construct owns one concern; this file only wires them together.
import * as path from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { Api } from './api';
import { Auth } from './auth';
import { Data } from './data';
import { Events } from './events';
import { Metering } from './metering';
import { TenantClaims } from './tenant-claims';
import { Web } from './web';

/** This step's folder: the Lambda crates and the SPA sit beside the CDK app. */
const STEP_DIR = path.join(import.meta.dirname, '..');

export interface TodoStackProps extends StackProps {
  /** The CPU the Lambdas are compiled for and run on. */
  readonly architecture: lambda.Architecture;
}

export class TodoStack extends Stack {
  constructor(scope: Construct, id: string, props: TodoStackProps) {
    super(scope, id, props);

    const data = new Data(this, 'Data');
    const tenantClaims = new TenantClaims(this, 'TenantClaims', {
      table: data.table,
      crateDir: path.join(STEP_DIR, 'lambdas', 'token'),
      binaryName: 'step07-token',
      architecture: props.architecture,
    });
    const auth = new Auth(this, 'Auth', { preTokenGeneration: tenantClaims.trigger.function });
    // One namespace per deployed stack, so steps deployed side by side keep their metrics apart.
    const metricsNamespace = `TodoSaaS/${this.stackName}`;
    // Each tenant's table is `<prefix><listId>`, created by the provisioner with the list. The
    // stack's name keeps steps deployed side by side apart, and IAM grants on `table/<prefix>*`.
    const tenantTablePrefix = `${this.stackName}-tenant-`;
    const web = new Web(this, 'Web', { spaDir: path.join(STEP_DIR, 'web') });
    const api = new Api(this, 'Api', {
      table: data.table,
      allowedOrigin: web.url,
      crateDir: path.join(STEP_DIR, 'lambdas', 'api'),
      binaryName: 'step07-api',
      architecture: props.architecture,
      userPool: auth.userPool,
      userPoolClient: auth.client,
      metricsNamespace,
      tenantTablePrefix,
    });
    const events = new Events(this, 'Events', {
      table: data.table,
      tenantTablePrefix,
      tenantAccess: api.tenantAccess,
      provisioner: {
        crateDir: path.join(STEP_DIR, 'lambdas', 'provisioner'),
        binaryName: 'step07-provisioner',
      },
      rollUp: {
        crateDir: path.join(STEP_DIR, 'lambdas', 'rollup'),
        binaryName: 'step07-rollup',
      },
      architecture: props.architecture,
    });
    // The API publishes an event for every change it makes; the consumers do the rest.
    events.addPublisher(api.handler.function);
    const metering = new Metering(this, 'Metering', {
      namespace: metricsNamespace,
      apiLogGroup: api.handler.function.logGroup,
      deadLetterAlarms: [events.provisioning.deadLettersAlarm, events.rollUp.deadLettersAlarm],
    });
    web.publish({
      apiUrl: api.url,
      auth: {
        region: this.region,
        userPoolId: auth.userPool.userPoolId,
        userPoolClientId: auth.client.userPoolClientId,
        flow: 'USER_SRP_AUTH',
      },
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the REST API' });
    new CfnOutput(this, 'SiteUrl', { value: web.url, description: 'Open this in a browser' });
    new CfnOutput(this, 'TableName', {
      value: data.table.tableName,
      description: "DynamoDB control table: the users' list index and usage; each list's todos are in its own table",
    });
    new CfnOutput(this, 'TenantTablePrefix', {
      value: tenantTablePrefix,
      description: "Name prefix of the tenants' DynamoDB tables (one per list, created at run time)",
    });
    new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId, description: 'Cognito user pool of the users' });
    new CfnOutput(this, 'UserPoolClientId', { value: auth.client.userPoolClientId, description: "The SPA's app client" });
    new CfnOutput(this, 'EventBusName', { value: events.bus.eventBusName, description: 'EventBridge bus of the domain events' });
    new CfnOutput(this, 'DashboardUrl', { value: metering.dashboardUrl, description: 'CloudWatch dashboard of usage by tenant' });
  }
}
