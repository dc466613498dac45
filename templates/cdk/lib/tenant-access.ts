{% if s.silo -%}
{% if s.events -%}
// Isolation in depth for the silo model: each tenant (list) has a DynamoDB table of its own,
// `<prefix><listId>`, which the provisioner (events.ts) creates with the list and deletes with
// it. Those tables are not in the stack (they come and go at run time), so IAM names them by a
// prefix that only this stack's tenant tables carry: `table/<prefix>*`.
//
// The API Lambda's own role reads and writes the users' list index (`USER#<sub>` partitions of
// the shared control table) and reads the owners' usage roll-ups (`OWNER#<sub>`); of tenant
// tables it only describes them, and it reads no tenant's items. For each request on a list it
// assumes the tenant access role with a session policy naming that list's table, so a bug in a
// handler cannot reach another tenant's table. The provisioner assumes the same role to write a
// new list's first items. The tenant access role reaches items of tenant tables only, never the
// control table; the table is the boundary, so no `dynamodb:LeadingKeys` condition is needed.
{%- else -%}
// Isolation in depth for the silo model: each tenant (list) has a DynamoDB table of its own,
// `<prefix><listId>`, which the API creates with the list and deletes with it. Those tables are
// not in the stack (they come and go at run time), so IAM names them by a prefix that only this
// stack's tenant tables carry: `table/<prefix>*`.
//
// The Lambda's own role reads and writes the users' list index (`USER#<sub>` partitions of the
{%- if s.metering %}
// shared control table) and the owners' usage roll-ups (`OWNER#<sub>`); it creates, describes and
{%- else %}
// shared control table); it creates, describes and
{%- endif %}
// deletes tenant tables, but reads no tenant's items. For each request on a list it assumes the
// tenant access role with a session policy naming that list's table, so a bug in a handler
// cannot reach another tenant's table. The tenant access role reaches items of tenant tables
// only, never the control table; the table is the boundary, so no `dynamodb:LeadingKeys`
// condition is needed.
{%- endif %}
{%- else -%}
// Isolation in depth for the pool model: the API reaches a tenant's items only with credentials
// scoped to that tenant. The Lambda's own role reads and writes the users' list index
{%- if s.metering %}
// (`USER#<sub>` partitions) and the owners' usage roll-ups (`OWNER#<sub>`), nothing else; for
// each request on a list it assumes the tenant access role with a session policy naming that
// list's partition (`TENANT#<listId>`), so a bug in a handler cannot reach another tenant's items.
{%- else %}
// (`USER#<sub>` partitions) and nothing else; for each request on a list it assumes the tenant
// access role with a session policy naming that list's partition (`TENANT#<listId>`), so a bug
// in a handler cannot reach another tenant's items.
{%- endif %}
{%- endif %}
{%- if s.silo %}
import { Stack, Validations } from 'aws-cdk-lib';
{%- endif %}
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

// Item actions only: Scan and PartiQL name no partition key, and a `ForAllValues` condition
// holds for a request that names none, so granting them would defeat the condition.
/** What the API does in the users' index. */
const INDEX_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
/** What the API does in a tenant's {% if s.silo %}table{% else %}partition{% endif %}: the index's actions and batch or conditional writes. */
const TENANT_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', ...INDEX_ACTIONS];
{%- if s.events %}
/** What the API does in an owner's usage roll-up: reads it (the roll-up consumer writes it). */
const OWNER_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];
{%- else %}
{%- if s.metering %}
/** What the API does in an owner's usage roll-up: atomic `ADD` updates, reads, and removal with a list. */
const OWNER_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
{%- endif %}
{%- endif %}
{%- if s.silo %}
/**
 * What {% if s.events %}the provisioner{% else %}the API{% endif %} does to tenant tables themselves: create one with a list (tagged `tenant=<listId>`,
 * which needs TagResource), wait until it is active, delete it with the list.
 */
{% if s.events %}export {% endif %}const TABLE_LIFECYCLE_ACTIONS = ['dynamodb:CreateTable', 'dynamodb:DeleteTable', 'dynamodb:DescribeTable', 'dynamodb:TagResource'];
{%- endif %}

export interface TenantAccessProps {
  readonly table: dynamodb.ITable;
  /** The API Lambda's role: it may assume the tenant access role, and reach the index. */
  readonly apiRole: iam.IRole;
{%- if s.silo %}
  /** Every tenant table's name is this prefix and the list id (env `TENANT_TABLE_PREFIX`). */
  readonly tenantTablePrefix: string;
{%- endif %}
}

export class TenantAccess extends Construct {
  /** Assumed per tenant, with a session policy narrowing it to {% if s.silo %}the table `<prefix><listId>`{% else %}`TENANT#<listId>`{% endif %}. */
  readonly role: iam.Role;
{%- if s.events %}
  /** `arn:<partition>:dynamodb:<region>:<account>:table/<prefix>*`: this stack's tenant tables. */
  readonly tenantTables: string;
{%- endif %}

  constructor(scope: Construct, id: string, props: TenantAccessProps) {
    super(scope, id);

    this.role = new iam.Role(this, 'Role', {
{%- if s.events %}
      description: "Reaches items of tenants' tables; assumed by the API and the provisioner with a session policy naming one tenant's table",
{%- else if s.silo %}
      description: "Reaches items of tenants' tables; assumed by the API with a session policy naming one tenant's table",
{%- else %}
      description: "Reaches tenants' items; assumed by the API with a session policy naming one tenant",
{%- endif %}
      assumedBy: new iam.ArnPrincipal(props.apiRole.roleArn),
    });
{%- if s.silo %}
    // `arn:<partition>:dynamodb:<region>:<account>:table/<prefix>*`: this stack's tenant tables.
    const tenantTables = Stack.of(this).formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: `${props.tenantTablePrefix}*`,
    });
{%- if s.events %}
    this.tenantTables = tenantTables;
{%- endif %}
    // Even without a session policy, this role never reaches the control table.
    this.role.addToPolicy(new iam.PolicyStatement({ actions: TENANT_ACTIONS, resources: [tenantTables] }));
{%- else %}
    // Even without a session policy, this role never reaches the users' index.
    this.role.addToPolicy(partitionStatement(props.table, TENANT_ACTIONS, 'TENANT#*'));
{%- endif %}
    this.role.grantAssumeRole(props.apiRole);

    props.apiRole.addToPrincipalPolicy(partitionStatement(props.table, INDEX_ACTIONS, 'USER#*'));
{%- if s.metering %}
{%- if s.events %}
    // Usage is rolled up per owner, across the owner's lists, so it lives outside every tenant's
    // table; the roll-up consumer writes it, the API reads it with its own role.
{%- else %}
    // Usage is rolled up per owner, across the owner's lists, so it lives outside every tenant's
    // {% if s.silo %}table{% else %}partition{% endif %} and the API writes it with its own role.
{%- endif %}
    props.apiRole.addToPrincipalPolicy(partitionStatement(props.table, OWNER_ACTIONS, 'OWNER#*'));
{%- endif %}
{%- if s.silo %}
{%- if s.events %}
    // Whether a new list's table is active yet (a list is `preparing` until then), and nothing
    // else of the tables' lifecycle: the provisioner creates and deletes them.
{%- else %}
    // The table's lifecycle, but none of its items: those need the tenant's credentials.
{%- endif %}
    props.apiRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: {% if s.events %}['dynamodb:DescribeTable']{% else %}TABLE_LIFECYCLE_ACTIONS{% endif %}, resources: [tenantTables] }));

    const reason =
      'Tenant tables are created at run time, one per tenant (list), so their names cannot be known at deploy time; ' +
      "the wildcard follows this stack's own prefix (`<prefix><listId>`), so no other table of the account matches it.";
    const finding = {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/${props.tenantTablePrefix}*]`,
      reason,
    };
    Validations.of(this.role).acknowledge(finding);
    Validations.of(props.apiRole).acknowledge(finding);
{%- endif %}
  }
{%- if s.events %}

  /**
   * Lets `role` assume the tenant access role as the API does: the role's trust policy names it
   * and `role` may call sts:AssumeRole on it (the provisioner writes a new list's first items).
   */
  allowAssumeBy(role: iam.IRole): void {
    this.role.assumeRolePolicy!.addStatements(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: [new iam.ArnPrincipal(role.roleArn)] }),
    );
    this.role.grantAssumeRole(role);
  }
{%- endif %}
}

/** `actions` on the table, for items whose partition key matches `pattern` only. */
{% if s.tenant_claims %}export {% endif %}function partitionStatement(table: dynamodb.ITable, actions: string[], pattern: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions,
    resources: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [pattern] } },
  });
}
