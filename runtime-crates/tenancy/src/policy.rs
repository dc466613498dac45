//! The session policy that scopes a tenant's credentials to its own DynamoDB items.
//!
//! A session policy is passed to STS AssumeRole and can only narrow what the role allows:
//! the credentials it returns may do what both the role's policies and the session policy
//! allow. Here it allows a fixed set of item actions on the one table, and only on items
//! whose partition key (DynamoDB's "leading key") is the tenant's own `TENANT#<id>`.

use serde_json::{Value, json};
use todo_domain::TenantId;

/// The DynamoDB actions a tenant-scoped session may use: item reads and writes, Query,
/// batch and transactional writes (a transaction needs the actions of its parts, plus
/// ConditionCheckItem). Never Scan or PartiQL: they name no leading key, and
/// `ForAllValues` is true for a request that names none, so the condition below would not
/// stop them.
pub const TENANT_ACTIONS: [&str; 7] = [
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
];

/// The partition key of every item of `tenant`: `TENANT#<id>`. The one definition that both
/// the stores and the session policy use, so they cannot disagree.
pub fn tenant_partition_key(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}")
}

/// The partition-key pattern the Lambda's own role is limited to (the users' list index),
/// for the IAM policy of the base role: `USER#*`.
pub const USER_PARTITION_PATTERN: &str = "USER#*";

/// The session policy for `tenant` on the table `table_arn`, as the JSON document sent to
/// STS.
pub fn session_policy(table_arn: &str, tenant: &TenantId) -> String {
    session_policy_value(table_arn, tenant).to_string()
}

fn session_policy_value(table_arn: &str, tenant: &TenantId) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OneTenantsItemsOnly",
            "Effect": "Allow",
            "Action": TENANT_ACTIONS,
            "Resource": table_arn,
            "Condition": {
                "ForAllValues:StringEquals": {
                    "dynamodb:LeadingKeys": [tenant_partition_key(tenant)]
                }
            }
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "arn:aws:dynamodb:eu-west-1:123456789012:table/todos";

    #[test]
    fn the_policy_allows_one_leading_key_on_one_table() {
        let tenant = TenantId::generate();
        let policy: Value = serde_json::from_str(&session_policy(TABLE, &tenant)).unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        let statement = &statements[0];
        assert_eq!(statement["Effect"], "Allow");
        assert_eq!(statement["Resource"], TABLE);
        assert_eq!(
            statement["Condition"],
            json!({"ForAllValues:StringEquals": {
                "dynamodb:LeadingKeys": [format!("TENANT#{tenant}")]
            }})
        );
        let actions: Vec<_> = statement["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(actions, TENANT_ACTIONS);
        assert!(
            !actions
                .iter()
                .any(|a| a.contains("Scan") || a.contains("PartiQL"))
        );
    }

    #[test]
    fn the_policy_fits_the_sts_limit() {
        // STS accepts session policies of up to 2048 characters (before its own packing).
        let tenant = TenantId::new("x".repeat(64)).unwrap();
        assert!(session_policy(TABLE, &tenant).len() < 1024);
    }
}
