// Offline tests of the synthesized template: no Rust compile, no SPA build, no AWS account.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
{%- if s.image %}
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BINARY_FILE, cargoLambdaBuildArgs, DOCKERFILE, RustFunction } from '../lib/rust-function';
{%- else %}
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
{%- endif %}
import { defineTodoApp } from '../lib/todo-app';

const STEP_DIR = path.join(import.meta.dirname, '..');

/** Where the test apps synthesize; removed after the tests, so runs leave nothing behind. */
const outdirs: string[] = [];
afterAll(() => {
  for (const outdir of outdirs) fs.rmSync(outdir, { recursive: true, force: true });
});

/**
 * An app like `cdk synth`'s, with cdk.json's feature flags, but with bundling skipped for every
 * stack. CDK's built-in template validation is off here because it takes ~9 s; CI runs cfn-lint
 * on the synthesized template instead.
 */
function testApp(): App {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(STEP_DIR, 'cdk.json'), 'utf8'));
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk.out'));
  outdirs.push(outdir);
  return new App({
    outdir,
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
}

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string; severity: string }[] }[];
}

let template: Template;
let validationReport: ValidationReport;
{%- if s.image %}
/** The cloud assembly's folder: its asset manifest and staged assets. */
let assemblyDir: string;
{%- endif %}

beforeAll(() => {
  const app = testApp();
  const stack = defineTodoApp(app);
  // One synthesis runs cdk-nag (it throws on unacknowledged errors) and writes the template.
  const assembly = app.synth();
  template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
{%- if s.image %}
  assemblyDir = assembly.directory;
{%- endif %}
  validationReport = JSON.parse(
    fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
  );
});

describe('cdk-nag AwsSolutions checks', () => {
  test('leave no unacknowledged error or warning', () => {
    const findings = validationReport.pluginReports
      .flatMap((report) => report.violations)
      .filter((violation) => violation.ruleName.startsWith('AwsSolutions-'))
      .map((violation) => `${violation.severity}: ${violation.ruleName}`);
    expect(findings).toEqual([]);
  });

  test('run on the app (an unencrypted, unlogged bucket fails synthesis)', () => {
    const app = testApp();
    const stack = defineTodoApp(app);
    new s3.Bucket(stack, 'NonCompliantProbe');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});

describe('Data', () => {
  test('one on-demand table keyed by pk/sk with point-in-time recovery, deleted with the stack', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
{%- if s.events %}
        // The consumers' idempotency markers expire.
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
{%- endif %}
      },
      DeletionPolicy: 'Delete',
    });
  });
});

describe('Api', () => {
{%- if s.image %}
  const rustFunction = { PackageType: 'Image' };
{%- else %}
  const rustFunction = { Runtime: 'provided.al2023' };
{%- endif %}

  test('{% if s.tenant_claims %}the API{% else %}one{% endif %} Rust Lambda {% if s.image %}as a container image{% else %}on provided.al2023{% endif %}, {= s.architecture =}, with its configuration in the environment', () => {
    template.resourcePropertiesCountIs('AWS::Lambda::Function', rustFunction, {% if s.events %}4{% else if s.tenant_claims %}2{% else %}1{% endif %});
    template.hasResourceProperties('AWS::Lambda::Function', {
      ...rustFunction,
{%- if !s.image %}
      Handler: 'bootstrap',
{%- endif %}
      Architectures: ['{= s.architecture =}'],
      Environment: {
        Variables: {
          TABLE_NAME: { Ref: Match.stringLikeRegexp('^DataTable') },
          ALLOWED_ORIGIN: {
            'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebDistribution'), 'DomainName'] }]],
          },
          AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH: 'true',
{%- if s.sign_in %}
          COGNITO_USER_POOL_ID: { Ref: Match.stringLikeRegexp('^AuthUserPool') },
          COGNITO_CLIENT_ID: { Ref: Match.stringLikeRegexp('^AuthUserPoolSpaClient') },
{%- endif %}
{%- if s.multi_tenant %}
          TENANT_ROLE_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiTenantAccessRole'), 'Arn'] },
{%- if s.silo %}
          // A literal: `stepgen dev` reads the environment from the template.
          TENANT_TABLE_PREFIX: '{= s.stack_name =}-tenant-',
          TABLE_ARN: Match.absent(),
{%- else %}
          TABLE_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataTable'), 'Arn'] },
{%- endif %}
{%- endif %}
{%- if s.metering %}
          METRICS_NAMESPACE: 'TodoSaaS/{= s.stack_name =}',
{%- endif %}
{%- if s.events %}
          EVENT_BUS_NAME: '{= s.stack_name =}-events',
{%- endif %}
        },
      },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ApiHandlerLogs') } },
    });
  });
{%- if s.multi_tenant %}

  const indexActions = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
  const tenantActions = ['dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', ...indexActions];
  const onlyPartitions = (actions: string[], pattern: string) => ({
    Action: actions,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [pattern] } },
    Effect: 'Allow',
    Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DataTable/), 'Arn'] },
  });
  const statementsOf = (rolePrefix: string) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(rolePrefix))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
{%- if s.silo %}
  /** `arn:<partition>:dynamodb:<region>:<account>:table/<prefix>*`: this stack's tenant tables, and no other table. */
  const tenantTables = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':dynamodb:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':table/{= s.stack_name =}-tenant-*',
      ],
    ],
  };
{%- endif %}

  test({% if s.events %}"the Lambda's own role reaches the users' index and reads the owners' usage roll-ups only, describes tenant tables, publishes to the bus, and may assume the tenant access role"{% else %}"the Lambda's own role reaches the users' index{% if s.metering %} and the owners' usage roll-ups{% endif %} only{% if s.silo %}, creates and deletes tenant tables{% endif %}, and may assume the tenant access role"{% endif %}, () => {
    const statements = statementsOf('ApiHandlerRole');
    const dynamo = statements.filter((statement) => JSON.stringify(statement.Action).includes('dynamodb:'));
{%- if s.events %}
    expect(dynamo).toEqual([
      onlyPartitions(indexActions, 'USER#*'),
      // The roll-up consumer writes the roll-ups; the API only reads them.
      onlyPartitions(['dynamodb:GetItem', 'dynamodb:Query'], 'OWNER#*'),
      // Is a new list's table active yet? The provisioner creates and deletes the tables.
      { Action: 'dynamodb:DescribeTable', Effect: 'Allow', Resource: tenantTables },
    ]);
    expect(JSON.stringify(statements)).not.toContain('TENANT#');
    expect(statements.filter((statement) => JSON.stringify(statement.Action).includes('events:'))).toEqual([
      {
        Action: 'events:PutEvents',
        Condition: { StringEquals: { 'events:source': 'todo.api' } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsBus/), 'Arn'] },
      },
    ]);
{%- else if s.silo %}
    expect(dynamo).toEqual([
      onlyPartitions(indexActions, 'USER#*'),
{%- if s.metering %}
      onlyPartitions(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], 'OWNER#*'),
{%- endif %}
      // The tables' lifecycle, none of their items: those need a tenant's credentials.
      {
        Action: ['dynamodb:CreateTable', 'dynamodb:DeleteTable', 'dynamodb:DescribeTable', 'dynamodb:TagResource'],
        Effect: 'Allow',
        Resource: tenantTables,
      },
    ]);
    expect(JSON.stringify(statements)).not.toContain('TENANT#');
{%- else if s.metering %}
    expect(dynamo).toEqual([
      onlyPartitions(indexActions, 'USER#*'),
      onlyPartitions(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], 'OWNER#*'),
    ]);
{%- else %}
    expect(dynamo).toEqual([onlyPartitions(indexActions, 'USER#*')]);
{%- endif %}
    expect(statements).toContainEqual({
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ApiTenantAccessRole/), 'Arn'] },
    });
    for (const statement of statements) expect(JSON.stringify(statement.Action)).not.toMatch(/Scan|PartiQL|dynamodb:\*/);
  });

  test({% if s.events %}"the tenant access role reaches items of this stack's tenant tables only, never the control table, and only the API's and the provisioner's roles may assume it"{% else if s.silo %}"the tenant access role reaches items of this stack's tenant tables only, never the control table, and only the API's role may assume it"{% else %}"the tenant access role reaches tenants' items only, and only the API's role may assume it"{% endif %}, () => {
{%- if s.silo %}
    // No leading-keys condition: the session policy names one tenant's table, the table is the boundary.
    expect(statementsOf('ApiTenantAccessRole')).toEqual([{ Action: tenantActions, Effect: 'Allow', Resource: tenantTables }]);
{%- else %}
    expect(statementsOf('ApiTenantAccessRole')).toEqual([onlyPartitions(tenantActions, 'TENANT#*')]);
{%- endif %}
{%- if s.events %}
    // The provisioner writes a new list's first items with the tenant's credentials too.
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: {
              AWS: [
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiHandlerRole'), 'Arn'] },
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsProvisioningHandlerRole'), 'Arn'] },
              ],
            },
          },
        ],
      },
    });
{%- else %}
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiHandlerRole'), 'Arn'] } },
          },
        ],
      },
    });
{%- endif %}
  });
{%- if s.sharing %}

  test('the Lambda may look users up in the pool by email, and do nothing else there', () => {
    const cognito = statementsOf('ApiHandlerRole').filter((statement) => JSON.stringify(statement.Action).includes('cognito'));
    expect(cognito).toEqual([
      {
        Action: 'cognito-idp:ListUsers',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^AuthUserPool/), 'Arn'] },
      },
    ]);
  });
{%- endif %}
{%- else %}

  test('the Lambda writes only its own log group and reads and writes the table', () => {
    const roles = Object.entries(template.findResources('AWS::IAM::Role'));
    const [, handlerRole] = roles.find(([id]) => id.startsWith('ApiHandlerRole')) ?? [];
    expect(handlerRole?.Properties.ManagedPolicyArns).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ApiHandlerRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiHandlerLogs'), 'Arn'] },
          }),
          Match.objectLike({
            Action: Match.arrayWith([
              'dynamodb:DeleteItem',
              'dynamodb:GetItem',
              'dynamodb:PutItem',
              'dynamodb:Query',
              'dynamodb:UpdateItem',
            ]),
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataTable'), 'Arn'] },
          }),
        ]),
      },
    });
  });
{%- endif %}

  test('logs are kept for 30 days and deleted with the stack', () => {
    for (const prefix of ['ApiHandlerLogs', 'ApiAccessLogs'{% if s.tenant_claims %}, 'TenantClaimsTriggerLogs'{% endif %}{% if s.events %}, 'EventsProvisioningHandlerLogs', 'EventsRollUpHandlerLogs'{% endif %}]) {
      const groups = template.findResources('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: 'Delete',
      });
      expect(Object.keys(groups).some((id) => id.startsWith(prefix))).toBe(true);
    }
  });

  test('a REST API whose stage is throttled and writes JSON access logs', () => {
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::ApiGateway::Stage', 1);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: [
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      ],
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
  });

  test.each([
    ['GET', 'health'],
{%- if s.multi_tenant %}
    ['GET', 'lists'],
    ['POST', 'lists'],
    ['GET', 'listslistId'],
    ['PATCH', 'listslistId'],
    ['DELETE', 'listslistId'],
    ['GET', 'listslistIdtodos'],
    ['POST', 'listslistIdtodos'],
    ['GET', 'listslistIdtodostodoId'],
    ['PATCH', 'listslistIdtodostodoId'],
    ['DELETE', 'listslistIdtodostodoId'],
{%- if s.sharing %}
    ['GET', 'listslistIdmembers'],
    ['POST', 'listslistIdmembers'],
    ['DELETE', 'listslistIdmembersuserId'],
{%- endif %}
{%- if s.metering %}
    ['GET', 'usage'],
{%- endif %}
{%- else %}
    ['GET', 'todos'],
    ['POST', 'todos'],
    ['GET', 'todosid'],
    ['PATCH', 'todosid'],
    ['DELETE', 'todosid'],
{%- endif %}
  ])('%s on resource %s is proxied to the Lambda', (method, resource) => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: method,
      ResourceId: { Ref: Match.stringLikeRegexp(`^ApiRestApi${resource}[0-9A-F]{8}$`) },
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
      RequestValidatorId: { Ref: Match.stringLikeRegexp('^ApiRestApiValidator') },
    });
  });

  test('API Gateway validates path parameters and answers CORS preflights for the site only', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestParameters: true,
      ValidateRequestBody: true,
    });
{%- if s.multi_tenant %}
    const withListId = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
      (method) => method.Properties.RequestParameters?.['method.request.path.listId'] === true,
    );
    expect(withListId).toHaveLength({% if s.sharing %}11{% else %}8{% endif %});
    template.resourcePropertiesCountIs(
      'AWS::ApiGateway::Method',
      { RequestParameters: { 'method.request.path.listId': true, 'method.request.path.todoId': true } },
      3,
    );
{%- else %}
    template.resourcePropertiesCountIs(
      'AWS::ApiGateway::Method',
      { RequestParameters: { 'method.request.path.id': true } },
      3,
    );
{%- endif %}
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      ResourceId: { Ref: Match.stringLikeRegexp('^ApiRestApi{% if s.multi_tenant %}lists{% else %}todos{% endif %}[0-9A-F]{8}$') },
      Integration: {
        IntegrationResponses: [
          Match.objectLike({
            ResponseParameters: Match.objectLike({
              'method.response.header.Access-Control-Allow-Headers': "'Content-Type{% if s.sign_in %},Authorization{% endif %}'",
              'method.response.header.Access-Control-Allow-Origin': {
                'Fn::Join': ['', ["'https://", { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebDistribution'), 'DomainName'] }, "'"]],
              },
            }),
          }),
        ],
      },
    });
  });

  test("API Gateway's own errors are JSON with the CORS header, and an unknown route is a 404", () => {
    const siteOrigin = {
      'Fn::Join': ['', ["'https://", { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebDistribution'), 'DomainName'] }, "'"]],
    };
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX', 'MISSING_AUTHENTICATION_TOKEN', 'THROTTLED'{% if s.sign_in %}, 'UNAUTHORIZED'{% endif %}]) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': siteOrigin },
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"error": ') },
      });
    }
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
    });
  });
});

{%- if s.sign_in %}
describe('Auth', () => {
  test('users sign in with their email address and a strong password; only an administrator adds users', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: {% if s.signup %}false{% else %}true{% endif %} },
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
  });

  test('the SPA client has no secret, signs in with SRP and writes no attribute that decides access', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      WriteAttributes: ['email'],
    });
  });

  test('every method but CORS preflights requires a token from the user pool', () => {
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^AuthUserPool'), 'Arn'] }],
    });
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    const open = methods.filter((m) => m.Properties.AuthorizationType !== 'COGNITO_USER_POOLS');
    expect(open.map((m) => m.Properties.HttpMethod)).toEqual(open.map(() => 'OPTIONS'));
    expect(methods.length - open.length).toBe({% if s.metering %}15{% else if s.sharing %}14{% else if s.multi_tenant %}11{% else %}6{% endif %});
    for (const method of methods.filter((m) => m.Properties.HttpMethod !== 'OPTIONS')) {
      expect(method.Properties.AuthorizerId).toEqual({ Ref: expect.stringMatching(/^ApiAuthorizer/) });
    }
  });
});
{%- if s.tenant_claims %}

describe('TenantClaims', () => {
  const triggerArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^TenantClaimsTriggerFunction'), 'Arn'] };

  test('the pre-token-generation trigger is a Rust Lambda that knows only the table', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
{%- if s.image %}
      PackageType: 'Image',
{%- else %}
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
{%- endif %}
      Architectures: ['{= s.architecture =}'],
      Timeout: 5,
      Environment: { Variables: Match.objectEquals({ TABLE_NAME: { Ref: Match.stringLikeRegexp('^DataTable') } }) },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^TenantClaimsTriggerLogs') } },
    });
  });

  test("its own role queries the users' index and writes its own logs, nothing else", () => {
    const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) => id.startsWith('TenantClaimsTriggerRole'));
    expect(roles).toHaveLength(1);
    expect(roles[0][1].Properties.ManagedPolicyArns).toBeUndefined();
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^TenantClaimsTriggerRole') }] },
      }),
    );
    expect(policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement)).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TenantClaimsTriggerLogs/), 'Arn'] },
      },
      {
        Action: 'dynamodb:Query',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['USER#*'] } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DataTable/), 'Arn'] },
      },
    ]);
  });

  test('the user pool calls it before issuing tokens (V1 event), and only Cognito may invoke it', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: Match.objectEquals({ PreTokenGeneration: triggerArn }),
    });
    template.resourcePropertiesCountIs('AWS::Lambda::Permission', { FunctionName: triggerArn }, 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: triggerArn,
      Principal: 'cognito-idp.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuthUserPool'), 'Arn'] },
    });
  });
});
{%- endif %}
{%- if s.metering %}

describe('Metering', () => {
  const namespace = 'TodoSaaS/{= s.stack_name =}';
  const search = (dimensions: string, metric: string, statistic: string) =>
    `SEARCH('{"${namespace}",${dimensions}} MetricName="${metric}"', '${statistic}')`;

  interface DashboardBody {
    widgets: { type: string; properties: { title?: string; metrics?: { expression?: string }[][] } }[];
  }

  /** The dashboard's body as JSON; its tokens (the region) read `<token>`. */
  function dashboardBody(): DashboardBody {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body: string | { 'Fn::Join': [string, unknown[]] } = dashboards[0].Properties.DashboardBody;
    const text =
      typeof body === 'string'
        ? body
        : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<token>')).join('');
    return JSON.parse(text);
  }

  test('the dashboard by tenant finds every series with SEARCH over the namespace and the Owner, ListId dimensions', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: '{= s.stack_name =}-by-tenant' });
    const expressions = dashboardBody()
      .widgets.flatMap((widget) => widget.properties.metrics ?? [])
      .flat()
      .map((metric) => metric.expression);
    expect(expressions).toEqual([
      search('Owner,ListId', 'Requests', 'Sum'),
      search('Owner', 'Requests', 'Sum'),
      search('Owner,ListId', 'Duration', 'p50'),
      search('Owner,ListId', 'Duration', 'p90'),
      search('Owner,ListId', 'ReadCapacityUnits', 'Sum'),
      search('Owner,ListId', 'WriteCapacityUnits', 'Sum'),
      search('Owner,ListId', 'StoredItems', 'Maximum'),
      `SORT(${search('Owner,ListId', 'Requests', 'Sum')}, SUM, DESC, 10)`,
      `SORT(${search('Owner', 'Requests', 'Sum')}, SUM, DESC, 10)`,
    ]);
  });
{%- if s.events %}

  test("the dashboard shows the state of the event consumers' dead-letter alarms", () => {
    const alarmWidgets = dashboardBody().widgets.filter((widget) => widget.type === 'alarm');
    expect(alarmWidgets).toEqual([
      expect.objectContaining({ properties: expect.objectContaining({ title: 'Events in dead-letter queues', alarms: ['<token>', '<token>'] }) }),
    ]);
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(body).toMatch(/"EventsProvisioningDeadLettersAlarm[0-9A-F]{8}","Arn"/);
    expect(body).toMatch(/"EventsRollUpDeadLettersAlarm[0-9A-F]{8}","Arn"/);
  });
{%- endif %}

  test("saved Logs Insights queries read the API's metering records by list, owner, route and status", () => {
    const queries = Object.values(template.findResources('AWS::Logs::QueryDefinition')).map((query) => query.Properties);
    expect(queries.map((query) => query.Name)).toEqual([
      '{= s.stack_name =}/Requests and capacity per list',
      '{= s.stack_name =}/Requests and capacity per owner',
      '{= s.stack_name =}/Slowest routes per tenant',
      '{= s.stack_name =}/Failed requests per tenant',
    ]);
    const [perList, perOwner, slowest, failed] = queries.map((query) => query.QueryString as string);
    for (const query of queries) {
      expect(query.LogGroupNames).toEqual([{ Ref: expect.stringMatching(/^ApiHandlerLogs/) }]);
      expect(query.QueryString).toMatch(/^filter ispresent\(Requests\)\n/);
    }
    expect(perList).toMatch(/sum\(ReadCapacityUnits\).*sum\(WriteCapacityUnits\).*max\(StoredItems\).* by Owner, ListId\n/);
    expect(perOwner).toMatch(/sum\(Requests\).*count_distinct\(ListId\).* by Owner\n/);
    expect(slowest).toMatch(/pct\(Duration, 90\).* by ListId, method, route\n\| sort p90Ms desc/);
    expect(failed).toMatch(/\| filter status >= 400\n.* by Owner, ListId, method, route, status\n/);
  });

  test('the dashboard URL is an output', () => {
    template.hasOutput('DashboardUrl', {
      Value: {
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: 'AWS::Region' },
            '.console.aws.amazon.com/cloudwatch/home?region=',
            { Ref: 'AWS::Region' },
            '#dashboards/dashboard/',
            { Ref: Match.stringLikeRegexp('^MeteringDashboard') },
          ],
        ],
      },
    });
  });
});
{%- endif %}
{%- if s.events %}

describe('Events', () => {
  const tableArn = { 'Fn::GetAtt': [expect.stringMatching(/^DataTable/), 'Arn'] };
  const busArn = { 'Fn::GetAtt': [expect.stringMatching(/^EventsBus/), 'Arn'] };
  /** `actions` on the control table, for items whose partition key matches `pattern` only. */
  const onlyPartitions = (actions: string | string[], pattern: string) => ({
    Action: actions,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [pattern] } },
    Effect: 'Allow',
    Resource: tableArn,
  });
  /** The one resource of `type` whose logical id starts with `prefix`: its id and properties. */
  const only = (type: string, prefix: string) => {
    const found = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
    expect(found.map(([id]) => id)).toEqual([expect.stringMatching(new RegExp(`^${prefix}[0-9A-F]{8}$`))]);
    const [id, resource] = found[0];
    return { id, properties: resource.Properties };
  };
  const statementsOf = (rolePrefix: string) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(rolePrefix))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  /** Writes its own log group and consumes its own queue (the grants of SqsEventSource). */
  const consumerBasics = (name: string) => [
    {
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^Events${name}HandlerLogs`)), 'Arn'] },
    },
    {
      Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^Events${name}Queue`)), 'Arn'] },
    },
  ];

  /** Each consumer: its construct id, the API's events it handles, its function's timeout (s). */
  const consumers: [string, string[], number][] = [
    ['Provisioning', ['ListCreated', 'ListDeleted'], 60],
    ['RollUp', ['UsageRecorded', 'TodoAdded', 'TodoRemoved', 'ListDeleted'], 30],
  ];

  test('one custom bus, named after the stack; two consumers, each a rule, a queue, a dead-letter queue and a Lambda', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    expect(only('AWS::Events::EventBus', 'EventsBus').properties).toEqual({
      Name: '{= s.stack_name =}-events',
      Description: expect.any(String),
    });
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.resourceCountIs('AWS::SQS::Queue', 4);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });

  test.each(consumers)("%s: a rule on the bus sends the API's events it handles to its queue, and nothing else", (name, detailTypes) => {
    const queue = only('AWS::SQS::Queue', `Events${name}Queue`);
    const rule = only('AWS::Events::Rule', `Events${name}Rule`);
    expect(rule.properties).toEqual({
      Description: expect.any(String),
      EventBusName: { Ref: expect.stringMatching(/^EventsBus/) },
      EventPattern: { source: ['todo.api'], 'detail-type': detailTypes },
      State: 'ENABLED',
      // No input transformation: the message body is the whole EventBridge event.
      Targets: [{ Arn: { 'Fn::GetAtt': [queue.id, 'Arn'] }, Id: 'Target0' }],
    });
    // The queue accepts messages from this rule only, and requests over TLS only.
    expect(only('AWS::SQS::QueuePolicy', `Events${name}QueuePolicy`).properties.PolicyDocument.Statement).toEqual([
      {
        Action: 'sqs:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: { 'Fn::GetAtt': [queue.id, 'Arn'] },
      },
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule.id, 'Arn'] } } },
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Resource: { 'Fn::GetAtt': [queue.id, 'Arn'] },
      },
    ]);
  });

  test.each(consumers)(
    '%s: an encrypted, TLS-only queue; a message received 5 times moves to an encrypted, TLS-only dead-letter queue kept 14 days',
    (name, _detailTypes, timeout) => {
      const deadLetters = only('AWS::SQS::Queue', `Events${name}DeadLetterQueue`);
      expect(only('AWS::SQS::Queue', `Events${name}Queue`).properties).toEqual({
        SqsManagedSseEnabled: true,
        // 6 times the function's timeout, as AWS recommends for a Lambda event source.
        VisibilityTimeout: 6 * timeout,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters.id, 'Arn'] }, maxReceiveCount: 5 },
      });
      expect(deadLetters.properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      expect(only('AWS::SQS::QueuePolicy', `Events${name}DeadLetterQueuePolicy`).properties.PolicyDocument.Statement).toEqual([
        {
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Resource: { 'Fn::GetAtt': [deadLetters.id, 'Arn'] },
        },
      ]);
    },
  );

  test.each(consumers)('%s: its Rust Lambda reads the queue in batches of 10 and reports which records failed', (name, _detailTypes, timeout) => {
    const handler = only('AWS::Lambda::Function', `Events${name}HandlerFunction`);
    expect(handler.properties).toMatchObject({
{%- if s.image %}
      PackageType: 'Image',
{%- else %}
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
{%- endif %}
      Architectures: ['{= s.architecture =}'],
      Timeout: timeout,
      LoggingConfig: { LogGroup: { Ref: expect.stringMatching(new RegExp(`^Events${name}HandlerLogs`)) } },
    });
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter(
      (mapping) => mapping.Properties.FunctionName.Ref === handler.id,
    );
    expect(mappings.map((mapping) => mapping.Properties)).toEqual([
      {
        EventSourceArn: { 'Fn::GetAtt': [only('AWS::SQS::Queue', `Events${name}Queue`).id, 'Arn'] },
        FunctionName: { Ref: handler.id },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    ]);
  });

  test.each(consumers)('%s: an alarm goes off while its dead-letter queue holds a message', (name) => {
    expect(only('AWS::CloudWatch::Alarm', `Events${name}DeadLettersAlarm`).properties).toEqual({
      AlarmDescription: expect.any(String),
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [only('AWS::SQS::Queue', `Events${name}DeadLetterQueue`).id, 'QueueName'] } },
      ],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('the provisioner knows the control table, the tenant table prefix, the tenant access role and the bus', () => {
    expect(only('AWS::Lambda::Function', 'EventsProvisioningHandlerFunction').properties.Environment.Variables).toEqual({
      TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
      // Literals: `stepgen dev` reads the environment from the template.
      TENANT_TABLE_PREFIX: '{= s.stack_name =}-tenant-',
      EVENT_BUS_NAME: '{= s.stack_name =}-events',
      TENANT_ROLE_ARN: { 'Fn::GetAtt': [expect.stringMatching(/^ApiTenantAccessRole/), 'Arn'] },
    });
  });

  test("the provisioner's role creates and deletes tenant tables, marks owners' entries ready, records handled events, assumes the tenant access role and announces TenantReady", () => {
    expect(statementsOf('EventsProvisioningHandlerRole')).toEqual([
      ...consumerBasics('Provisioning'),
      {
        Action: ['dynamodb:CreateTable', 'dynamodb:DeleteTable', 'dynamodb:DescribeTable', 'dynamodb:TagResource'],
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':dynamodb:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':table/{= s.stack_name =}-tenant-*',
            ],
          ],
        },
      },
      onlyPartitions(['dynamodb:GetItem', 'dynamodb:UpdateItem'], 'USER#*'),
      { Action: 'sts:AssumeRole', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ApiTenantAccessRole/), 'Arn'] } },
      {
        Action: 'events:PutEvents',
        Condition: { StringEquals: { 'events:source': 'todo.provisioning' } },
        Effect: 'Allow',
        Resource: busArn,
      },
    ]);
  });

  test('the roll-up knows the control table only', () => {
    expect(only('AWS::Lambda::Function', 'EventsRollUpHandlerFunction').properties.Environment.Variables).toEqual({
      TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
    });
  });

  test("the roll-up's role updates the owners' roll-ups and records handled events, nothing else", () => {
    expect(statementsOf('EventsRollUpHandlerRole')).toEqual([
      ...consumerBasics('RollUp'),
      onlyPartitions('dynamodb:UpdateItem', 'OWNER#*'),
      // A TransactWriteItems is authorized by its parts: no permission of its own.
      onlyPartitions('dynamodb:PutItem', 'EVENT#*'),
    ]);
  });
});
{%- endif %}

{% endif -%}
{% if s.image -%}
describe('Lambda container images', () => {
  /** Each Rust Lambda: its function's logical id (less the hash) and its crate's folder under lambdas/. */
  const rustFunctions: [string, string][] = [
    ['ApiHandlerFunction', 'api'],
{%- if s.events %}
    ['EventsProvisioningHandlerFunction', 'provisioner'],
    ['EventsRollUpHandlerFunction', 'rollup'],
{%- endif %}
{%- if s.tenant_claims %}
    ['TenantClaimsTriggerFunction', 'token'],
{%- endif %}
  ];
  /** The image platform of the functions' architecture, {= s.architecture =}. */
  const platform = '{% if s.architecture == "arm64" %}linux/arm64{% else %}linux/amd64{% endif %}';

  interface DockerImageAsset {
    source: { directory: string; platform?: string };
  }
  /** The docker image assets of a cloud assembly (its `*.assets.json`), by hash, which is also the image tag. */
  const dockerImagesIn = (dir: string): Record<string, DockerImageAsset> =>
    Object.assign(
      {},
      ...fs
        .readdirSync(dir)
        .filter((file) => file.endsWith('.assets.json'))
        .map((file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')).dockerImages ?? {}),
    );
  /** The image functions of the template, by logical id. */
  const imageFunctions = () =>
    Object.entries(template.findResources('AWS::Lambda::Function')).filter(([, fn]) => fn.Properties.PackageType === 'Image');
  /** The tag in a function's `Code.ImageUri` (`<account>.dkr.ecr.<region>.<suffix>/<repository>:<tag>`). */
  const imageTag = (imageUri: { 'Fn::Sub': string }) => imageUri['Fn::Sub'].split(':').at(-1) ?? '';
  const dockerfileOf = (crate: string) => fs.readFileSync(path.join(STEP_DIR, 'lambdas', crate, DOCKERFILE), 'utf8');

  test('every Rust Lambda is a container image for {= s.architecture =}, with no runtime and no handler; only CDK\'s own helpers are zip archives', () => {
    const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
    const images = imageFunctions();
    expect(images.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(rustFunctions.map(([id]) => id));
    for (const [, fn] of images) {
      expect(fn.Properties).toMatchObject({
        Architectures: ['{= s.architecture =}'],
        Code: { ImageUri: { 'Fn::Sub': expect.stringMatching(/\.dkr\.ecr\..*:[0-9a-f]{64}$/) } },
      });
      expect(fn.Properties.Code.ZipFile ?? fn.Properties.Code.S3Key).toBeUndefined();
      expect(fn.Properties.Runtime).toBeUndefined();
      expect(fn.Properties.Handler).toBeUndefined();
    }
    // The rest are CDK's own functions (the SPA deployment's), none on a provided.* runtime.
    for (const [, fn] of functions.filter(([id]) => !images.some(([imageId]) => imageId === id))) {
      expect(fn.Properties.Runtime).not.toMatch(/^provided/);
    }
  });

  test(`the cloud assembly has one docker image asset per function, for {= s.architecture =} (${platform}), staged from a context holding only its Dockerfile (no binary without bundling)`, () => {
    const assets = dockerImagesIn(assemblyDir);
    const tags = imageFunctions().map(([, fn]) => imageTag(fn.Properties.Code.ImageUri));
    expect(new Set(tags).size).toBe(rustFunctions.length);
    expect(Object.keys(assets).sort()).toEqual([...tags].sort());
    const stagedDockerfiles = Object.values(assets).map((asset) => {
      expect(asset.source.platform).toBe(platform);
      const staged = path.join(assemblyDir, asset.source.directory);
      // With bundling, `bootstrap` sits beside it (the last test); never the crate's sources.
      expect(fs.readdirSync(staged)).toEqual([DOCKERFILE]);
      return fs.readFileSync(path.join(staged, DOCKERFILE), 'utf8');
    });
    expect(stagedDockerfiles.sort()).toEqual(rustFunctions.map(([, crate]) => dockerfileOf(crate)).sort());
  });

  test.each(rustFunctions)("%s: lambdas/%s/Dockerfile puts only the binary on Lambda's OS-only base image, where its entrypoint runs it", (_id, crate) => {
    const instructions = dockerfileOf(crate)
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(instructions).toEqual([
      'FROM public.ecr.aws/lambda/provided:al2023',
      // BINARY_FILE is the name `cargo lambda build --flatten` gives the binary in the context.
      `COPY ${BINARY_FILE} \${LAMBDA_RUNTIME_DIR}/bootstrap`,
      'CMD ["bootstrap"]',
    ]);
  });

  test('cargo lambda build writes the binary for {= s.architecture =} straight into the context folder, as bootstrap', () => {
    const args = cargoLambdaBuildArgs('{= s.api_crate =}', lambda.Architecture.{= s.cdk_architecture =}, '/context');
    const valueOf = (flag: string) => args[args.indexOf(flag) + 1];
    expect(args.slice(0, 3)).toEqual(['lambda', 'build', '--release']);
    expect(valueOf('--bin')).toBe('{= s.api_crate =}');
    expect(args).toContain('{% if s.architecture == "arm64" %}--arm64{% else %}--x86-64{% endif %}');
    expect(valueOf('--lambda-dir')).toBe('/context');
    // Without --flatten, cargo lambda writes <lambda-dir>/<binary>/bootstrap, which the Dockerfile would miss.
    expect(valueOf('--flatten')).toBe('{= s.api_crate =}');
    expect(BINARY_FILE).toBe('bootstrap');
  });

  // A stand-in for `cargo lambda build`: records its folder and arguments, then writes
  // $FAKE_BINARY where `--lambda-dir D --flatten B` makes cargo lambda write the binary, D/bootstrap.
  // (Synthesizing with the real build is `npx cdk synth`, which compiles the crates.)
  const FAKE_CARGO = `#!/bin/sh
pwd > "$FAKE_CARGO_LOG"
printf '%s\\n' "$@" >> "$FAKE_CARGO_LOG"
while [ $# -gt 0 ]; do
  if [ "$1" = --lambda-dir ]; then dir=$2; fi
  shift
done
printf '%s' "$FAKE_BINARY" > "$dir/bootstrap"
`;

  test.skipIf(process.platform === 'win32')(
    'with bundling, the context is the Dockerfile and the binary cargo lambda built into it, and the image hash follows the binary',
    () => {
      const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cargo'));
      outdirs.push(bin);
      fs.writeFileSync(path.join(bin, 'cargo'), FAKE_CARGO, { mode: 0o755 });
      fs.writeFileSync(path.join(bin, 'cargo-lambda'), '#!/bin/sh\n', { mode: 0o755 });
      const log = path.join(bin, 'calls.log');
      const crateDir = path.join(STEP_DIR, 'lambdas', 'api');
      const saved = { PATH: process.env.PATH, FAKE_BINARY: process.env.FAKE_BINARY, FAKE_CARGO_LOG: process.env.FAKE_CARGO_LOG };

      /** Synthesizes one RustFunction, bundling on, with `binary` as what cargo lambda builds. */
      const synthesize = (binary: string) => {
        process.env.FAKE_BINARY = binary;
        const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk.out'));
        outdirs.push(outdir);
        const app = new App({ outdir }); // no aws:cdk:bundling-stacks: every stack bundles, as in `cdk synth`
        new RustFunction(new Stack(app, 'Probe'), 'Handler', {
          crateDir,
          binaryName: '{= s.api_crate =}',
          architecture: lambda.Architecture.{= s.cdk_architecture =},
          description: 'probe',
          environment: {},
          memorySize: 128,
          timeout: Duration.seconds(3),
          logRetention: logs.RetentionDays.ONE_DAY,
        });
        const assembly = app.synth();
        const [[hash, asset], ...others] = Object.entries(dockerImagesIn(assembly.directory));
        expect(others).toEqual([]);
        const staged = path.join(assembly.directory, asset.source.directory);
        const [context, ...moreContexts] = fs.readdirSync(outdir).filter((name) => name.startsWith('image-context-'));
        expect(moreContexts).toEqual([]);
        const [cwd, ...args] = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
        return { hash, asset, staged, contextDir: path.join(outdir, context), cwd, args };
      };

      try {
        process.env.PATH = `${bin}${path.delimiter}${saved.PATH}`;
        process.env.FAKE_CARGO_LOG = log;
        const first = synthesize('binary, version 1');
        expect(fs.realpathSync(first.cwd)).toBe(fs.realpathSync(crateDir));
        expect(first.args).toEqual(cargoLambdaBuildArgs('{= s.api_crate =}', lambda.Architecture.{= s.cdk_architecture =}, first.contextDir));
        expect(first.asset.source).toEqual({ directory: `asset.${first.hash}`, platform });
        expect(fs.readdirSync(first.staged).sort()).toEqual([DOCKERFILE, BINARY_FILE]);
        expect(fs.readFileSync(path.join(first.staged, BINARY_FILE), 'utf8')).toBe('binary, version 1');
        expect(fs.readFileSync(path.join(first.staged, DOCKERFILE), 'utf8')).toBe(dockerfileOf('api'));

        // Another synthesis of the same binary, into another folder: the same image.
        expect(synthesize('binary, version 1').hash).toBe(first.hash);
        // A changed binary: a new image.
        expect(synthesize('binary, version 2').hash).not.toBe(first.hash);
      } finally {
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    },
  );
});

{% endif -%}
describe('Web', () => {
  test('private, TLS-only buckets', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.allResourcesProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^WebLogs') } },
    });
    template.resourcePropertiesCountIs(
      'AWS::S3::BucketPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      2,
    );
  });

  test('a CloudFront distribution reads the site bucket through origin access control', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          // AWS managed SecurityHeadersPolicy
          ResponseHeadersPolicyId: '67f7725c-6f97-4210-82d7-5512b31e9d03',
        }),
        // A missing file stays an error (no SPA fallback): the app has no client-side routes.
        CustomErrorResponses: Match.absent(),
        Origins: [
          Match.objectLike({
            OriginAccessControlId: { 'Fn::GetAtt': [Match.stringLikeRegexp('OriginAccessControl'), 'Id'] },
          }),
        ],
      }),
    });
  });

  test('the SPA is deployed with a config.json holding the API URL{% if s.sign_in %} and the user pool{% endif %}, then CloudFront is invalidated', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: Match.stringLikeRegexp('^WebSite') },
      DistributionId: { Ref: Match.stringLikeRegexp('^WebDistribution') },
      DistributionPaths: ['/*'],
      SourceMarkers: [
        {},
        Match.objectLike({
          '<<marker:0xbaba:0>>': { Ref: Match.stringLikeRegexp('^ApiRestApi') },
{%- if s.sign_in %}
          '<<marker:0xbaba:5>>': { Ref: Match.stringLikeRegexp('^AuthUserPool') },
          '<<marker:0xbaba:6>>': { Ref: Match.stringLikeRegexp('^AuthUserPoolSpaClient') },
{%- endif %}
        }),
      ],
    });
  });
});

test('outputs the API URL, the site URL{% if s.events %}, the control table, the tenant table prefix, the user pool, the usage dashboard and the event bus{% else if s.silo %}, the control table, the tenant table prefix, the user pool and the usage dashboard{% else if s.metering %}, the table name, the user pool and the usage dashboard{% else if s.sign_in %}, the table name and the user pool{% else %} and the table name{% endif %}', () => {
  expect(Object.keys(template.findOutputs('*')).sort()).toEqual([{% if s.sign_in %}
    'ApiUrl',
{%- if s.metering %}
    'DashboardUrl',
{%- endif %}
{%- if s.events %}
    'EventBusName',
{%- endif %}
    'SiteUrl',
    'TableName',
{%- if s.silo %}
    'TenantTablePrefix',
{%- endif %}
    'UserPoolClientId',
    'UserPoolId',
  {% else %}'ApiUrl', 'SiteUrl', 'TableName'{% endif %}]);
  template.hasOutput('SiteUrl', {
    Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebDistribution'), 'DomainName'] }]] },
  });
  template.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('^DataTable') } });
{%- if s.silo %}
  // `stepgen destroy` deletes the tables with this prefix once the stack is gone.
  template.hasOutput('TenantTablePrefix', { Value: '{= s.stack_name =}-tenant-' });
{%- endif %}
{%- if s.events %}
  template.hasOutput('EventBusName', { Value: { Ref: Match.stringLikeRegexp('^EventsBus') } });
{%- endif %}
});

test('template snapshot (asset hashes normalized)', async () => {
  // Asset hashes depend on the Rust and SPA sources; the snapshot is about the infrastructure.
  const json = JSON.stringify(template.toJSON(), null, 2).replace(/[0-9a-f]{64}/g, '<asset-hash>');
  await expect(json).toMatchFileSnapshot('__snapshots__/TodoApp.template.json');
});
