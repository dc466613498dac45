//! Where tenant-scoped credentials come from: the tenant-access role and the table ARN,
//! read from environment variables once at startup.

use todo_auth::ConfigError;

/// What [`crate::TenantCredentials`] needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenancyConfig {
    /// `TENANT_ROLE_ARN` (required): the role assumed, with a session policy, for each
    /// tenant's requests, e.g. `arn:aws:iam::123456789012:role/todo-tenant-access`.
    pub tenant_role_arn: String,
    /// `TABLE_ARN` (optional): the table the session policy allows. Derived from the role's
    /// partition and account, `AWS_REGION` and `TABLE_NAME` when not set.
    pub table_arn: String,
}

impl TenancyConfig {
    /// Reads the configuration from the process environment, for the table `table_name`.
    pub fn from_env(table_name: &str) -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok(), table_name)
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        table_name: &str,
    ) -> Result<Self, ConfigError> {
        let get = |name| variable(&lookup, name);
        let TenantRole {
            arn: tenant_role_arn,
            partition,
            account,
        } = TenantRole::from_lookup(&lookup)?;
        let table_arn = match get("TABLE_ARN") {
            Some(table_arn) => {
                let expected_suffix = format!(":table/{table_name}");
                let well_formed = table_arn.starts_with("arn:")
                    && table_arn.split(':').nth(2) == Some("dynamodb")
                    && table_arn.ends_with(&expected_suffix);
                if !well_formed {
                    return Err(ConfigError::Invalid {
                        name: "TABLE_ARN",
                        value: table_arn,
                        reason: format!(
                            "expected the ARN of TABLE_NAME's table, like \
                             arn:aws:dynamodb:us-east-1:123456789012:table/{table_name}"
                        ),
                    });
                }
                table_arn
            }
            None => {
                let region = get("AWS_REGION").ok_or(ConfigError::Missing {
                    name: "AWS_REGION",
                    hint: "set it (Lambda does), or set TABLE_ARN so that the table's ARN \
                           need not be derived",
                })?;
                format!("arn:{partition}:dynamodb:{region}:{account}:table/{table_name}")
            }
        };
        Ok(Self {
            tenant_role_arn,
            table_arn,
        })
    }
}

/// `name`'s value through `lookup`, without surrounding white space; `None` if it is unset
/// or blank.
pub(crate) fn variable(lookup: impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// `TENANT_ROLE_ARN`, the role assumed for each tenant's requests, and the partition and
/// account that tenants' tables are in.
pub(crate) struct TenantRole {
    pub(crate) arn: String,
    pub(crate) partition: String,
    pub(crate) account: String,
}

impl TenantRole {
    /// Reads and checks `TENANT_ROLE_ARN` through `lookup`.
    pub(crate) fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let arn = variable(lookup, "TENANT_ROLE_ARN").ok_or(ConfigError::Missing {
            name: "TENANT_ROLE_ARN",
            hint: "set it to the ARN of the tenant-access role the API assumes for each list \
                   (the CDK app sets it in Lambda; any role ARN works with a local emulator)",
        })?;
        let Some((partition, account)) = role_partition_and_account(&arn) else {
            return Err(ConfigError::Invalid {
                name: "TENANT_ROLE_ARN",
                value: arn,
                reason: "expected a role ARN like arn:aws:iam::123456789012:role/tenant-access"
                    .to_owned(),
            });
        };
        let (partition, account) = (partition.to_owned(), account.to_owned());
        Ok(Self {
            arn,
            partition,
            account,
        })
    }
}

/// `("aws", "123456789012")` from `arn:aws:iam::123456789012:role/name`.
pub(crate) fn role_partition_and_account(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (arn_prefix, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let well_formed = arn_prefix == "arn"
        && !partition.is_empty()
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource
            .strip_prefix("role/")
            .is_some_and(|name| !name.is_empty());
    well_formed.then_some((partition, account))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/todo-tenant-access";

    fn config(vars: &[(&str, &str)]) -> Result<TenancyConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TenancyConfig::from_lookup(|name| vars.get(name).cloned(), "todos")
    }

    #[test]
    fn the_table_arn_is_derived_from_the_role_and_region() {
        let config = config(&[("TENANT_ROLE_ARN", ROLE), ("AWS_REGION", "eu-west-1")]).unwrap();
        assert_eq!(config.tenant_role_arn, ROLE);
        assert_eq!(
            config.table_arn,
            "arn:aws:dynamodb:eu-west-1:123456789012:table/todos"
        );
    }

    #[test]
    fn an_explicit_table_arn_wins_and_must_name_the_table() {
        let arn = "arn:aws:dynamodb:us-east-1:210987654321:table/todos";
        let config = config(&[("TENANT_ROLE_ARN", ROLE), ("TABLE_ARN", arn)]).unwrap();
        assert_eq!(config.table_arn, arn);
        let other = "arn:aws:dynamodb:us-east-1:210987654321:table/other";
        let error = super::tests::config(&[("TENANT_ROLE_ARN", ROLE), ("TABLE_ARN", other)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("TABLE_ARN"), "{error}");
    }

    #[test]
    fn missing_and_malformed_values_are_named() {
        let missing = config(&[("AWS_REGION", "eu-west-1")])
            .unwrap_err()
            .to_string();
        assert!(missing.contains("TENANT_ROLE_ARN is not set"), "{missing}");
        for bad in [
            "todo-tenant-access",
            "arn:aws:iam::1234:role/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:user/bob",
        ] {
            let error = config(&[("TENANT_ROLE_ARN", bad), ("AWS_REGION", "eu-west-1")])
                .unwrap_err()
                .to_string();
            assert!(error.contains("TENANT_ROLE_ARN"), "{bad}: {error}");
        }
        let no_region = config(&[("TENANT_ROLE_ARN", ROLE)])
            .unwrap_err()
            .to_string();
        assert!(no_region.contains("AWS_REGION is not set"), "{no_region}");
    }
}
