// Tenant claims: a Cognito pre-token-generation trigger writes the user's list (tenant) ids into
// the ID token, so the API finds the caller's tenants in the token it already verifies.
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { LOG_RETENTION } from './api';
import { RustFunction } from './rust-function';
import { partitionStatement } from './tenant-access';

export interface TenantClaimsProps {
  readonly table: dynamodb.ITable;
  /** The folder of the trigger's crate. */
  readonly crateDir: string;
  /** The Cargo binary in that crate. */
  readonly binaryName: string;
  readonly architecture: lambda.Architecture;
}

export class TenantClaims extends Construct {
  /** The user pool's pre-token-generation trigger. */
  readonly trigger: RustFunction;

  constructor(scope: Construct, id: string, props: TenantClaimsProps) {
    super(scope, id);

    this.trigger = new RustFunction(this, 'Trigger', {
      description: "Adds the user's list ids to the ID token (Cognito pre-token-generation trigger)",
      crateDir: props.crateDir,
      binaryName: props.binaryName,
      architecture: props.architecture,
      memorySize: 128,
      // Cognito gives a trigger 5 seconds, then fails the sign-in or token refresh.
      timeout: Duration.seconds(5),
      logRetention: LOG_RETENTION,
      environment: { TABLE_NAME: props.table.tableName },
    });
    // One Query of the user's own index partition (`USER#<sub>`): no tenant's items, no writes.
    this.trigger.function.role!.addToPrincipalPolicy(partitionStatement(props.table, ['dynamodb:Query'], 'USER#*'));
  }
}
