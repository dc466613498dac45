//! The silo model's tenant tables: one DynamoDB table per tenant (list), named
//! `<prefix><listId>`, and the session policy that confines a tenant's credentials to its
//! own table.
//!
//! The table is the isolation boundary, so the policy needs no `dynamodb:LeadingKeys`
//! condition: it names exactly one table ARN. Inside the table, items keep the pool's layout
//! (`pk = TENANT#<listId>`), so the stores' partition code serves both models.

use serde_json::{Value, json};
use todo_auth::ConfigError;
use todo_domain::TenantId;

use crate::config::{TenantRole, variable};
use crate::credentials::SessionScope;
use crate::policy::TENANT_ACTIONS;

/// DynamoDB's longest table name.
pub const MAX_TABLE_NAME_LEN: usize = 255;

/// The longest tenant id (`TenantId` accepts 1 to 64 characters, all of them valid in a
/// table name: letters, digits, `-`, `_`).
const MAX_TENANT_ID_LEN: usize = 64;

/// The longest prefix: any tenant id appended to it still fits in a table name.
pub const MAX_TABLE_PREFIX_LEN: usize = MAX_TABLE_NAME_LEN - MAX_TENANT_ID_LEN;

/// The validated prefix of every tenant table's name (`TENANT_TABLE_PREFIX`), e.g.
/// `Step05TodoMultiTenantSiloModel-tenant-`.
///
/// DynamoDB table names are 3 to 255 characters of `A-Z a-z 0-9 _ - .`. A tenant id is 1 to
/// 64 of `A-Z a-z 0-9 _ -`, so a prefix of 2 to 191 such characters always yields a valid
/// name. It must not be empty: the IAM grants are on `table/<prefix>*`, and an empty prefix
/// would grant every table of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantTablePrefix(String);

impl TenantTablePrefix {
    /// Validates `prefix`; the error names `TENANT_TABLE_PREFIX` and says what is allowed.
    pub fn new(prefix: impl Into<String>) -> Result<Self, ConfigError> {
        let prefix = prefix.into();
        let valid_chars = prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if (2..=MAX_TABLE_PREFIX_LEN).contains(&prefix.len()) && valid_chars {
            Ok(Self(prefix))
        } else {
            Err(ConfigError::Invalid {
                name: "TENANT_TABLE_PREFIX",
                value: prefix,
                reason: format!(
                    "expected 2 to {MAX_TABLE_PREFIX_LEN} letters, digits, '_', '-' or '.' \
                     (DynamoDB table names are 3 to {MAX_TABLE_NAME_LEN} such characters, and \
                     a list id of up to {MAX_TENANT_ID_LEN} is appended), e.g. \
                     Step05TodoMultiTenantSiloModel-tenant-"
                ),
            })
        }
    }

    /// Reads `TENANT_TABLE_PREFIX` through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let prefix = variable(lookup, "TENANT_TABLE_PREFIX").ok_or(ConfigError::Missing {
            name: "TENANT_TABLE_PREFIX",
            hint: "set it to the prefix of the tenant tables' names, e.g. \
                       Step05TodoMultiTenantSiloModel-tenant- (the CDK app sets it in Lambda)",
        })?;
        Self::new(prefix)
    }

    /// The prefix as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name of `tenant`'s table: `<prefix><listId>`.
    pub fn table_name(&self, tenant: &TenantId) -> String {
        format!("{}{tenant}", self.0)
    }
}

/// What the silo's tenant-scoped credentials need: the tenant-access role, and where the
/// tenant tables are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiloConfig {
    /// `TENANT_ROLE_ARN` (required): the role assumed, with [`silo_session_policy`], for
    /// each tenant's requests.
    pub tenant_role_arn: String,
    /// `TENANT_TABLE_PREFIX` (required).
    pub table_prefix: TenantTablePrefix,
    /// `arn:<partition>:dynamodb:<region>:<account>:table/`: the role's partition and
    /// account, and `AWS_REGION`.
    pub table_arn_base: String,
}

impl SiloConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads `TENANT_ROLE_ARN`, `TENANT_TABLE_PREFIX` and `AWS_REGION` through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let TenantRole {
            arn: tenant_role_arn,
            partition,
            account,
        } = TenantRole::from_lookup(&lookup)?;
        let region = variable(&lookup, "AWS_REGION").ok_or(ConfigError::Missing {
            name: "AWS_REGION",
            hint: "set it to the tenant tables' region (Lambda does)",
        })?;
        let table_arn_base = format!("arn:{partition}:dynamodb:{region}:{account}:table/");
        Ok(Self {
            table_prefix: TenantTablePrefix::from_lookup(lookup)?,
            tenant_role_arn,
            table_arn_base,
        })
    }

    /// The ARN of `tenant`'s table.
    pub fn table_arn(&self, tenant: &TenantId) -> String {
        format!(
            "{}{}",
            self.table_arn_base,
            self.table_prefix.table_name(tenant)
        )
    }
}

impl SessionScope for SiloConfig {
    fn role_arn(&self) -> &str {
        &self.tenant_role_arn
    }

    fn session_policy(&self, tenant: &TenantId) -> String {
        silo_session_policy(&self.table_arn(tenant))
    }
}

/// The silo's session policy: the tenant actions ([`TENANT_ACTIONS`]) on the one table
/// `table_arn`, and nothing else — no Scan, no PartiQL, no index, no other table.
///
/// There is no `dynamodb:TransactWriteItems` (or `TransactGetItems`) IAM action: a
/// transaction is authorized by the actions of its parts (`PutItem`, `UpdateItem`,
/// `DeleteItem`, `ConditionCheckItem`), all of them here.
pub fn silo_session_policy(table_arn: &str) -> String {
    silo_session_policy_value(table_arn).to_string()
}

fn silo_session_policy_value(table_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OneTenantsTableOnly",
            "Effect": "Allow",
            "Action": TENANT_ACTIONS,
            "Resource": table_arn,
        }]
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/todo-tenant-access";
    const PREFIX: &str = "Step05TodoMultiTenantSiloModel-tenant-";

    fn config(vars: &[(&str, &str)]) -> Result<SiloConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SiloConfig::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn the_policy_text_names_one_table_and_the_item_actions() {
        let tenant = TenantId::new("0190b8a4-7f3e-7c4d-9a1b-2c3d4e5f6a7b").unwrap();
        let config = config(&[
            ("TENANT_ROLE_ARN", ROLE),
            ("TENANT_TABLE_PREFIX", PREFIX),
            ("AWS_REGION", "eu-west-1"),
        ])
        .unwrap();
        assert_eq!(config.role_arn(), ROLE);
        assert_eq!(
            config.session_policy(&tenant),
            r#"{"Statement":[{"Action":["dynamodb:BatchWriteItem","dynamodb:ConditionCheckItem","dynamodb:DeleteItem","dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query","dynamodb:UpdateItem"],"Effect":"Allow","Resource":"arn:aws:dynamodb:eu-west-1:123456789012:table/Step05TodoMultiTenantSiloModel-tenant-0190b8a4-7f3e-7c4d-9a1b-2c3d4e5f6a7b","Sid":"OneTenantsTableOnly"}],"Version":"2012-10-17"}"#
        );
    }

    #[test]
    fn the_longest_policy_fits_the_sts_limit() {
        // STS accepts session policies of up to 2048 characters (before its own packing).
        let prefix = TenantTablePrefix::new("p".repeat(MAX_TABLE_PREFIX_LEN)).unwrap();
        let tenant = TenantId::new("x".repeat(MAX_TENANT_ID_LEN)).unwrap();
        let name = prefix.table_name(&tenant);
        assert_eq!(name.len(), MAX_TABLE_NAME_LEN);
        let arn = format!("arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/{name}");
        assert!(silo_session_policy(&arn).len() < 1024);
    }

    #[test]
    fn table_names_are_the_prefix_and_the_list_id() {
        let prefix = TenantTablePrefix::new(PREFIX).unwrap();
        let tenant = TenantId::generate();
        assert_eq!(prefix.table_name(&tenant), format!("{PREFIX}{tenant}"));
    }

    #[test]
    fn prefixes_that_could_make_an_invalid_or_too_broad_name_are_refused() {
        for bad in ["", "x", "a b", "tenant#", "tenänt-", &"p".repeat(192)] {
            let error = TenantTablePrefix::new(bad).unwrap_err().to_string();
            assert!(error.contains("TENANT_TABLE_PREFIX"), "{bad:?}: {error}");
        }
        for good in ["t-", "app.tenant_", &"p".repeat(191)] {
            assert!(TenantTablePrefix::new(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn missing_settings_are_named() {
        let missing = |vars: &[(&str, &str)], name: &str| {
            let error = config(vars).unwrap_err().to_string();
            assert!(error.contains(&format!("{name} is not set")), "{error}");
        };
        missing(
            &[("TENANT_TABLE_PREFIX", PREFIX), ("AWS_REGION", "eu-west-1")],
            "TENANT_ROLE_ARN",
        );
        missing(
            &[("TENANT_ROLE_ARN", ROLE), ("AWS_REGION", "eu-west-1")],
            "TENANT_TABLE_PREFIX",
        );
        missing(
            &[("TENANT_ROLE_ARN", ROLE), ("TENANT_TABLE_PREFIX", PREFIX)],
            "AWS_REGION",
        );
    }
}
