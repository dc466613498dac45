//! The silo model's tenant tables (step05 on). The API creates one DynamoDB table per tenant
//! (list) at run time, named `<prefix><listId>`, so they are not resources of the stack and
//! deleting the stack leaves them behind. The stack publishes the prefix as its
//! `TenantTablePrefix` output; `stepgen destroy` deletes the tables with that prefix after the
//! stack, and never a table whose name does not start with it.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata as _};

use super::{DeployError, say};

/// The stack output that names the tenant tables' prefix.
pub const PREFIX_OUTPUT: &str = "TenantTablePrefix";

/// How long a table that is still being created (or already being deleted) is waited for.
const IN_USE_POLL: Duration = Duration::from_secs(2);
const IN_USE_TRIES: u32 = 30;

/// The prefix `stack_name` published, or `None` when it has no tenant tables. Any prefix
/// but the one the CDK app sets, `<stack name>-tenant-`, is refused before anything is
/// deleted: a shorter one could name another stack's tables (`<stack name>-eu-tenant-…`).
pub fn prefix(
    stack_name: &str,
    outputs: &[(String, String, Option<String>)],
) -> Result<Option<String>, DeployError> {
    let Some((_, prefix, _)) = outputs.iter().find(|(key, ..)| key == PREFIX_OUTPUT) else {
        return Ok(None);
    };
    if *prefix != format!("{stack_name}-tenant-") {
        return Err(DeployError::Failed(format!(
            "{stack_name}'s {PREFIX_OUTPUT} output is {prefix:?}, which could name tables that are not its own; nothing was deleted\n  help: the CDK app sets it to `{stack_name}-tenant-`; delete the stack with `npx cdk destroy` in the step's folder and its tenant tables in the DynamoDB console"
        )));
    }
    Ok(Some(prefix.clone()))
}

/// The names of the tables whose names start with `prefix`, every page of ListTables read.
pub async fn list(client: &Client, prefix: &str) -> Result<Vec<String>, DeployError> {
    let mut names = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .list_tables()
            .set_exclusive_start_table_name(start)
            .send()
            .await
            .map_err(|err| {
                DeployError::Aws(format!(
                    "listing the DynamoDB tables: {}",
                    DisplayErrorContext(&err)
                ))
            })?;
        names.extend(
            page.table_names()
                .iter()
                .filter(|name| name.starts_with(prefix))
                .cloned(),
        );
        start = page.last_evaluated_table_name().map(str::to_owned);
        if start.is_none() {
            return Ok(names);
        }
    }
}

/// `n tenant table(s)`.
pub fn count(n: usize) -> String {
    format!("{n} tenant table{}", if n == 1 { "" } else { "s" })
}

/// Deletes each of `names` that starts with `prefix`, printing it; a table already gone is
/// fine, one still being created is waited for.
pub async fn delete(client: &Client, prefix: &str, names: &[String]) -> Result<(), DeployError> {
    for name in names.iter().filter(|name| name.starts_with(prefix)) {
        let mut tries = 0;
        loop {
            match client.delete_table().table_name(name).send().await {
                Ok(_) => break,
                Err(err) if err.code() == Some("ResourceNotFoundException") => break,
                Err(err)
                    if err.code() == Some("ResourceInUseException") && tries < IN_USE_TRIES =>
                {
                    tries += 1;
                    tokio::time::sleep(IN_USE_POLL).await;
                }
                Err(err) => {
                    return Err(DeployError::Aws(format!(
                        "deleting the tenant table {name}: {}\n  help: the stack is gone, so `stepgen destroy` will not find them again; delete the tables whose names start with {prefix} in the DynamoDB console, or with `aws dynamodb list-tables` and `aws dynamodb delete-table` (the step's README has the loop)",
                        DisplayErrorContext(&err)
                    )));
                }
            }
        }
        say(&format!("  deleted table {name}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STACK: &str = "Step05TodoMultiTenantSiloModel";

    fn outputs(prefix: &str) -> Vec<(String, String, Option<String>)> {
        vec![
            ("TableName".into(), "Step05-DataTable".into(), None),
            (PREFIX_OUTPUT.into(), prefix.into(), None),
        ]
    }

    #[test]
    fn the_prefix_comes_from_the_stack_output() {
        let prefix = prefix(STACK, &outputs("Step05TodoMultiTenantSiloModel-tenant-")).unwrap();
        assert_eq!(
            prefix.as_deref(),
            Some("Step05TodoMultiTenantSiloModel-tenant-")
        );
        assert_eq!(super::prefix(STACK, &outputs("")[..1]).unwrap(), None);
    }

    #[test]
    fn a_prefix_that_could_name_other_tables_is_refused() {
        for bad in [
            "",
            "S",
            "Step05",
            "tenant-",
            "Step05TodoMultiTenantSiloModelV2-tenant-",
            "Step05TodoMultiTenantSiloModel-",
        ] {
            let err = prefix(STACK, &outputs(bad)).unwrap_err().to_string();
            assert!(err.contains("nothing was deleted"), "{bad:?}: {err}");
        }
    }
}
