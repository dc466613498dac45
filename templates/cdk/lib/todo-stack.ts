// The step's stack: the SPA on CloudFront, the REST API on API Gateway and a Rust Lambda, the
// todos in DynamoDB{% if s.silo %} (a table per tenant){% endif %}{% if s.sign_in %}, the users in Cognito{% endif %}{% if s.tenant_claims %} (a trigger writes their tenant ids into their tokens){% endif %}{% if s.metering %},
// usage by tenant in CloudWatch{% endif %}{% if s.events %},
// domain events on an EventBridge bus, read by queued consumers{% endif %}. Each construct owns one concern; this file only wires them together.
import * as path from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { Api } from './api';
{%- if s.sign_in %}
import { Auth } from './auth';
{%- endif %}
import { Data } from './data';
{%- if s.events %}
import { Events } from './events';
{%- endif %}
{%- if s.metering %}
import { Metering } from './metering';
{%- endif %}
{%- if s.tenant_claims %}
import { TenantClaims } from './tenant-claims';
{%- endif %}
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
{%- if s.tenant_claims %}
    const tenantClaims = new TenantClaims(this, 'TenantClaims', {
      table: data.table,
      crateDir: path.join(STEP_DIR, 'lambdas', 'token'),
      binaryName: '{= s.token_crate =}',
      architecture: props.architecture,
    });
    const auth = new Auth(this, 'Auth', { preTokenGeneration: tenantClaims.trigger.function });
{%- else if s.sign_in %}
    const auth = new Auth(this, 'Auth');
{%- endif %}
{%- if s.metering %}
    // One namespace per deployed stack, so steps deployed side by side keep their metrics apart.
    const metricsNamespace = `TodoSaaS/${this.stackName}`;
{%- endif %}
{%- if s.silo %}
{%- if s.events %}
    // Each tenant's table is `<prefix><listId>`, created by the provisioner with the list. The
    // stack's name keeps steps deployed side by side apart, and IAM grants on `table/<prefix>*`.
{%- else %}
    // Each tenant's table is `<prefix><listId>`, created by the API with the list. The stack's
    // name keeps steps deployed side by side apart, and IAM grants on `table/<prefix>*`.
{%- endif %}
    const tenantTablePrefix = `${this.stackName}-tenant-`;
{%- endif %}
    const web = new Web(this, 'Web', { spaDir: path.join(STEP_DIR, 'web') });
    const api = new Api(this, 'Api', {
      table: data.table,
      allowedOrigin: web.url,
      crateDir: path.join(STEP_DIR, 'lambdas', 'api'),
      binaryName: '{= s.api_crate =}',
      architecture: props.architecture,
{%- if s.sign_in %}
      userPool: auth.userPool,
      userPoolClient: auth.client,
{%- endif %}
{%- if s.metering %}
      metricsNamespace,
{%- endif %}
{%- if s.silo %}
      tenantTablePrefix,
{%- endif %}
    });
{%- if s.events %}
    const events = new Events(this, 'Events', {
      table: data.table,
      tenantTablePrefix,
      tenantAccess: api.tenantAccess,
      provisioner: {
        crateDir: path.join(STEP_DIR, 'lambdas', 'provisioner'),
        binaryName: '{= s.provisioner_crate =}',
      },
      rollUp: {
        crateDir: path.join(STEP_DIR, 'lambdas', 'rollup'),
        binaryName: '{= s.rollup_crate =}',
      },
      architecture: props.architecture,
    });
    // The API publishes an event for every change it makes; the consumers do the rest.
    events.addPublisher(api.handler.function);
{%- endif %}
{%- if s.metering %}
    const metering = new Metering(this, 'Metering', {
      namespace: metricsNamespace,
      apiLogGroup: api.handler.function.logGroup,
{%- if s.events %}
      deadLetterAlarms: [events.provisioning.deadLettersAlarm, events.rollUp.deadLettersAlarm],
{%- endif %}
    });
{%- endif %}
{%- if s.sign_in %}
    web.publish({
      apiUrl: api.url,
      auth: {
        region: this.region,
        userPoolId: auth.userPool.userPoolId,
        userPoolClientId: auth.client.userPoolClientId,
        flow: 'USER_SRP_AUTH',
      },
    });
{%- else %}
    web.publish({ apiUrl: api.url });
{%- endif %}

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the REST API' });
    new CfnOutput(this, 'SiteUrl', { value: web.url, description: 'Open this in a browser' });
{%- if s.silo %}
    new CfnOutput(this, 'TableName', {
      value: data.table.tableName,
      description: "DynamoDB control table: the users' list index and usage; each list's todos are in its own table",
    });
    new CfnOutput(this, 'TenantTablePrefix', {
      value: tenantTablePrefix,
      description: "Name prefix of the tenants' DynamoDB tables (one per list, created at run time)",
    });
{%- else %}
    new CfnOutput(this, 'TableName', { value: data.table.tableName, description: 'DynamoDB table of todos' });
{%- endif %}
{%- if s.sign_in %}
    new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId, description: 'Cognito user pool of the users' });
    new CfnOutput(this, 'UserPoolClientId', { value: auth.client.userPoolClientId, description: "The SPA's app client" });
{%- endif %}
{%- if s.events %}
    new CfnOutput(this, 'EventBusName', { value: events.bus.eventBusName, description: 'EventBridge bus of the domain events' });
{%- endif %}
{%- if s.metering %}
    new CfnOutput(this, 'DashboardUrl', { value: metering.dashboardUrl, description: 'CloudWatch dashboard of usage by tenant' });
{%- endif %}
  }
}
