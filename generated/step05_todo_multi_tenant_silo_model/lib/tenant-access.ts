// Isolation in depth for the pool model: the API reaches a tenant's items only with credentials
// scoped to that tenant. The Lambda's own role reads and writes the users' list index
// (`USER#<sub>` partitions) and the owners' usage roll-ups (`OWNER#<sub>`), nothing else; for
// each request on a list it assumes the tenant access role with a session policy naming that
// list's partition (`TENANT#<listId>`), so a bug in a handler cannot reach another tenant's items.
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

// Item actions only: Scan and PartiQL name no partition key, and a `ForAllValues` condition
// holds for a request that names none, so granting them would defeat the condition.
/** What the API does in the users' index. */
const INDEX_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
/** What the API does in a tenant's partition: the index's actions and batch or conditional writes. */
const TENANT_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', ...INDEX_ACTIONS];
/** What the API does in an owner's usage roll-up: atomic `ADD` updates, reads, and removal with a list. */
const OWNER_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];

export interface TenantAccessProps {
  readonly table: dynamodb.ITable;
  /** The API Lambda's role: it may assume the tenant access role, and reach the index. */
  readonly apiRole: iam.IRole;
}

export class TenantAccess extends Construct {
  /** Assumed per tenant, with a session policy narrowing it to `TENANT#<listId>`. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TenantAccessProps) {
    super(scope, id);

    this.role = new iam.Role(this, 'Role', {
      description: "Reaches tenants' items; assumed by the API with a session policy naming one tenant",
      assumedBy: new iam.ArnPrincipal(props.apiRole.roleArn),
    });
    // Even without a session policy, this role never reaches the users' index.
    this.role.addToPolicy(partitionStatement(props.table, TENANT_ACTIONS, 'TENANT#*'));
    this.role.grantAssumeRole(props.apiRole);

    props.apiRole.addToPrincipalPolicy(partitionStatement(props.table, INDEX_ACTIONS, 'USER#*'));
    // Usage is rolled up per owner, across the owner's lists, so it lives outside every tenant's
    // partition and the API writes it with its own role.
    props.apiRole.addToPrincipalPolicy(partitionStatement(props.table, OWNER_ACTIONS, 'OWNER#*'));
  }
}

/** `actions` on the table, for items whose partition key matches `pattern` only. */
export function partitionStatement(table: dynamodb.ITable, actions: string[], pattern: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions,
    resources: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [pattern] } },
  });
}
