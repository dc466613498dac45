// The todo REST API: API Gateway in front of one Rust Lambda that serves every route.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RustFunction } from './rust-function';
import { TenantAccess } from './tenant-access';

export interface ApiProps {
  readonly table: dynamodb.ITable;
  /** The only browser origin allowed to call the API (the SPA's https:// URL). */
  readonly allowedOrigin: string;
  /** The folder of the Lambda's crate. */
  readonly crateDir: string;
  /** The Cargo binary in that crate. */
  readonly binaryName: string;
  readonly architecture: lambda.Architecture;
  /** Every method but CORS preflights requires an ID token from this pool's app client. */
  readonly userPool: cognito.IUserPool;
  readonly userPoolClient: cognito.IUserPoolClient;
  /** The CloudWatch namespace of the per-tenant metrics the Lambda writes (EMF lines on stdout). */
  readonly metricsNamespace: string;
  /** Each tenant's table is named this prefix and the list id; the provisioner creates it with the list. */
  readonly tenantTablePrefix: string;
}

/**
 * The routes the Rust router serves. API Gateway knows them too, so an unknown path is
 * answered at the edge without invoking (and paying for) the Lambda.
 */
const ROUTES: Record<string, string[]> = {
  '/health': ['GET'],
  '/lists': ['GET', 'POST'],
  '/lists/{listId}': ['GET', 'PATCH', 'DELETE'],
  '/lists/{listId}/todos': ['GET', 'POST'],
  '/lists/{listId}/todos/{todoId}': ['GET', 'PATCH', 'DELETE'],
  '/lists/{listId}/members': ['GET', 'POST'],
  '/lists/{listId}/members/{userId}': ['DELETE'],
  '/usage': ['GET'],
};

export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export class Api extends Construct {
  readonly handler: RustFunction;
  readonly tenantAccess: TenantAccess;
  readonly restApi: apigateway.RestApi;
  /** The stage's base URL, ending in `/`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.handler = new RustFunction(this, 'Handler', {
      description: 'Serves the todo REST API',
      crateDir: props.crateDir,
      binaryName: props.binaryName,
      architecture: props.architecture,
      memorySize: 256,
      timeout: Duration.seconds(10),
      logRetention: LOG_RETENTION,
      environment: {
        TABLE_NAME: props.table.tableName,
        ALLOWED_ORIGIN: props.allowedOrigin,
        // The Lambda verifies the token again (signature, expiry, token_use, client, issuer):
        // the same rules hold when it runs locally, with no API Gateway in front.
        COGNITO_USER_POOL_ID: props.userPool.userPoolId,
        COGNITO_CLIENT_ID: props.userPoolClient.userPoolClientId,
        // lambda_http would otherwise prefix every path with the REST API's stage (`/prod/todos`).
        AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH: 'true',
        METRICS_NAMESPACE: props.metricsNamespace,
      },
    });
    // No grant on any table's items: the handler reaches the users' index with its own role and
    // each tenant's table with credentials scoped to that table.
    const handlerRole = this.handler.function.role!;
    this.tenantAccess = new TenantAccess(this, 'TenantAccess', {
      table: props.table,
      apiRole: handlerRole,
      tenantTablePrefix: props.tenantTablePrefix,
    });
    this.handler.function.addEnvironment('TENANT_ROLE_ARN', this.tenantAccess.role.roleArn);
    // A literal, not a token: `stepgen dev` reads it from the template too.
    this.handler.function.addEnvironment('TENANT_TABLE_PREFIX', props.tenantTablePrefix);
    // Sharing finds a user by email in the pool.
    props.userPool.grant(handlerRole, 'cognito-idp:ListUsers');

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      description: 'Todo REST API',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // The browser asks API Gateway before each cross-origin call; the Lambda adds the same
      // Access-Control-Allow-Origin to its own responses.
      defaultCorsPreflightOptions: {
        allowOrigins: [props.allowedOrigin],
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Content-Type', 'Authorization'],
        maxAge: Duration.hours(1),
      },
      deployOptions: {
        stageName: 'prod',
        // Caps what a runaway client (or a bill) can do; the numbers apply to the whole stage.
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    this.url = this.restApi.url;
    // RestApi always adds an `Endpoint` output; the stack's `ApiUrl` output replaces it.
    this.restApi.node.tryRemoveChild('Endpoint');

    // One resource-policy statement for all methods instead of one per method.
    const integration = new apigateway.LambdaIntegration(this.handler.function, {
      scopePermissionToMethod: false,
    });
    // API Gateway rejects a request that lacks a declared path parameter, or whose body does not
    // match a method's request model. Step 00 declares no models: the Rust domain validates
    // bodies, one source of truth for the rules.
    const validator = this.restApi.addRequestValidator('Validator', {
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    // API Gateway checks the ID token before invoking the Lambda, so a request without a valid
    // one costs no Lambda invocation. Preflight OPTIONS methods (added by CORS) stay open, as
    // browsers send them without credentials.
    const authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [props.userPool],
      identitySource: apigateway.IdentitySource.header('Authorization'),
      resultsCacheTtl: Duration.minutes(5),
    });
    for (const [path, methods] of Object.entries(ROUTES)) {
      const resource = this.restApi.root.resourceForPath(path);
      const requestParameters = Object.fromEntries(
        pathParameters(path).map((name) => [`method.request.path.${name}`, true]),
      );
      for (const method of methods) {
        resource.addMethod(method, integration, {
          requestParameters,
          requestValidator: validator,
          authorizer,
          authorizationType: apigateway.AuthorizationType.COGNITO,
        });
      }
    }

    this.addGatewayResponses(props.allowedOrigin);
    this.acknowledgeNagFindings();
  }

  /**
   * Errors that API Gateway answers itself (an unknown route, throttling, a failed integration)
   * get the same JSON shape as the Rust API's errors, and the CORS header, so the SPA can read
   * them. REST APIs report an unknown route as a 403 "Missing Authentication Token"; it is a 404.
   */
  private addGatewayResponses(allowedOrigin: string): void {
    const responseHeaders = { 'Access-Control-Allow-Origin': `'${allowedOrigin}'` };
    const body = (code: string) => ({
      'application/json': `{"error": "${code}", "message": $context.error.messageString}`,
    });
    this.restApi.addGatewayResponse('UnknownRoute', {
      type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
      statusCode: '404',
      responseHeaders,
      templates: {
        'application/json': '{"error": "not_found", "message": "no such route: $context.httpMethod $context.path"}',
      },
    });
    this.restApi.addGatewayResponse('Unauthorized', {
      type: apigateway.ResponseType.UNAUTHORIZED,
      statusCode: '401',
      responseHeaders: { ...responseHeaders, 'WWW-Authenticate': "'Bearer'" },
      templates: {
        'application/json': '{"error": "unauthorized", "message": "sign in first: this request has no valid ID token"}',
      },
    });
    this.restApi.addGatewayResponse('Throttled', {
      type: apigateway.ResponseType.THROTTLED,
      responseHeaders,
      templates: body('too_many_requests'),
    });
    this.restApi.addGatewayResponse('Default4xx', {
      type: apigateway.ResponseType.DEFAULT_4XX,
      responseHeaders,
      templates: body('request_refused'),
    });
    this.restApi.addGatewayResponse('Default5xx', {
      type: apigateway.ResponseType.DEFAULT_5XX,
      responseHeaders,
      templates: body('internal'),
    });
  }

  private acknowledgeNagFindings(): void {
    Validations.of(this.restApi).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'A WAF web ACL costs a monthly fee per ACL and rule, too much for a course app; stage throttling bounds abuse instead.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          "Execution logs need the account-wide API Gateway CloudWatch role, a setting shared by every API in the student's account; access logs (on) record every request and the Lambda logs record the rest.",
      },
    );
  }
}

/** `'/todos/{id}'` -> `['id']` */
function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\+?\}/g)].map((match) => match[1]);
}
