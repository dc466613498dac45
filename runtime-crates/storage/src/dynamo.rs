//! `DynamoStore`: todos in one DynamoDB table, one partition per tenant.
//!
//! Item layout (the CDK app creates the table with the same key schema):
//!
//! | attribute   | type | value                                   |
//! |-------------|------|-----------------------------------------|
//! | `pk`        | S    | `TENANT#<tenant id>` (partition key)    |
//! | `sk`        | S    | `TODO#<todo id>` (sort key)             |
//! | `id`        | S    | the todo id (UUID v7)                   |
//! | `title`     | S    |                                         |
//! | `done`      | BOOL |                                         |
//! | `createdAt` | S    | RFC 3339 UTC                            |
//! | `updatedAt` | S    | RFC 3339 UTC                            |
//!
//! Every read is a Query or GetItem inside one tenant's partition, never a Scan: a Scan
//! reads (and bills) every tenant's data, and in the multi-tenant steps it would be one
//! missing filter away from a data leak.

use std::collections::HashMap;
use std::fmt;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use todo_domain::{ApiError, NewTodo, TenantId, Timestamp, Todo, TodoId, TodoPatch};
use todo_metering::dynamodb::query_all;
/// The item type and SDK error wording are todo-metering's (this crate depends on it), so
/// the roll-up and the stores word failures alike; the pool and silo use them from here.
pub(crate) use todo_metering::dynamodb::{Item, sdk_error};
use todo_tenancy::tenant_partition_key;

use crate::{TodoStore, todo_not_found};

/// The sort-key prefix of todo items; other item kinds can share a tenant's partition later.
pub(crate) const TODO_SK_PREFIX: &str = "TODO#";

/// A `TodoStore` backed by a DynamoDB table with a `pk`/`sk` string key.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table_name: String,
    page_limit: Option<i32>,
}

impl DynamoStore {
    /// A store using the default AWS configuration of the environment: region and
    /// credentials from the Lambda runtime, or the usual `AWS_*` variables and profiles
    /// locally. `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB`) points it at an emulator.
    /// Call once at startup; the client is meant to be shared.
    pub async fn from_env(table_name: impl Into<String>) -> Self {
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        Self::new(Client::new(&config), table_name)
    }

    /// A store using an already configured client.
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        Self {
            client,
            table_name: table_name.into(),
            page_limit: None,
        }
    }

    /// Caps how many items each Query page returns. DynamoDB already pages at 1 MB; a small
    /// cap makes pagination observable in tests without writing a megabyte of todos.
    pub fn with_page_limit(mut self, items_per_page: i32) -> Self {
        self.page_limit = Some(items_per_page);
        self
    }

    /// The name of the table this store reads and writes.
    pub fn table_name(&self) -> &str {
        &self.table_name
    }

    /// Turns an SDK failure into an internal error that names the operation and table.
    fn sdk_error<E, R>(&self, operation: &str, error: SdkError<E, R>) -> ApiError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        sdk_error(&self.table_name, operation, &error)
    }
}

fn partition_key(tenant: &TenantId) -> AttributeValue {
    AttributeValue::S(tenant_partition_key(tenant))
}

fn sort_key(id: TodoId) -> AttributeValue {
    AttributeValue::S(format!("{TODO_SK_PREFIX}{id}"))
}

fn key(tenant: &TenantId, id: TodoId) -> Item {
    HashMap::from([
        ("pk".to_owned(), partition_key(tenant)),
        ("sk".to_owned(), sort_key(id)),
    ])
}

fn to_item(tenant: &TenantId, todo: &Todo) -> Item {
    let mut item = key(tenant, todo.id);
    item.extend(todo_attributes(todo));
    item
}

/// A todo's attributes, without its key.
pub(crate) fn todo_attributes(todo: &Todo) -> Item {
    HashMap::from([
        ("id".to_owned(), AttributeValue::S(todo.id.to_string())),
        ("title".to_owned(), AttributeValue::S(todo.title.clone())),
        ("done".to_owned(), AttributeValue::Bool(todo.done)),
        (
            "createdAt".to_owned(),
            AttributeValue::S(todo.created_at.to_string()),
        ),
        (
            "updatedAt".to_owned(),
            AttributeValue::S(todo.updated_at.to_string()),
        ),
    ])
}

/// Reads a todo back from an item. A malformed item is our bug (or someone editing the
/// table by hand), so it is an internal error that says which attribute is wrong.
pub(crate) fn from_item(item: &Item) -> Result<Todo, ApiError> {
    fn string<'a>(item: &'a Item, name: &str) -> Result<&'a str, ApiError> {
        match item.get(name) {
            Some(AttributeValue::S(value)) => Ok(value),
            other => Err(malformed(name, "a string", other)),
        }
    }
    fn malformed(name: &str, expected: &str, found: Option<&AttributeValue>) -> ApiError {
        ApiError::internal(format!(
            "todo item attribute {name:?} should be {expected}, found {found:?}"
        ))
    }
    let done = match item.get("done") {
        Some(AttributeValue::Bool(done)) => *done,
        other => return Err(malformed("done", "a boolean", other)),
    };
    let id = string(item, "id")?;
    Ok(Todo {
        id: id
            .parse()
            .map_err(|_| malformed("id", "a UUID", item.get("id")))?,
        title: string(item, "title")?.to_owned(),
        done,
        created_at: Timestamp::parse(string(item, "createdAt")?)?,
        updated_at: Timestamp::parse(string(item, "updatedAt")?)?,
    })
}

#[async_trait]
impl TodoStore for DynamoStore {
    async fn list(&self, tenant: &TenantId) -> Result<Vec<Todo>, ApiError> {
        query_all(
            self.client
                .query()
                .table_name(&self.table_name)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", partition_key(tenant))
                .expression_attribute_values(":prefix", AttributeValue::S(TODO_SK_PREFIX.into()))
                // A student who creates a todo and lists at once expects to see it.
                .consistent_read(true)
                .set_limit(self.page_limit),
        )
        .await?
        .iter()
        .map(from_item)
        .collect()
    }

    async fn create(&self, tenant: &TenantId, new: NewTodo) -> Result<Todo, ApiError> {
        let todo = Todo::create(new);
        self.client
            .put_item()
            .table_name(&self.table_name)
            .set_item(Some(to_item(tenant, &todo)))
            // UUID v7 ids do not collide in practice; the condition makes sure that if one
            // ever did, it fails loudly instead of overwriting another todo.
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| self.sdk_error("PutItem", e))?;
        Ok(todo)
    }

    async fn get(&self, tenant: &TenantId, id: TodoId) -> Result<Todo, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table_name)
            .set_key(Some(key(tenant, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.sdk_error("GetItem", e))?;
        match output.item {
            Some(item) => from_item(&item),
            None => Err(todo_not_found(id)),
        }
    }

    async fn update(
        &self,
        tenant: &TenantId,
        id: TodoId,
        patch: &TodoPatch,
    ) -> Result<Todo, ApiError> {
        // Attribute names go through placeholders so no field can clash with DynamoDB's
        // long list of reserved words.
        let mut assignments = vec!["#updatedAt = :updatedAt"];
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table_name)
            .set_key(Some(key(tenant, id)))
            .expression_attribute_names("#updatedAt", "updatedAt")
            .expression_attribute_values(
                ":updatedAt",
                AttributeValue::S(Timestamp::now().to_string()),
            );
        if let Some(title) = patch.title() {
            assignments.push("#title = :title");
            request = request
                .expression_attribute_names("#title", "title")
                .expression_attribute_values(":title", AttributeValue::S(title.as_str().into()));
        }
        if let Some(done) = patch.done() {
            assignments.push("#done = :done");
            request = request
                .expression_attribute_names("#done", "done")
                .expression_attribute_values(":done", AttributeValue::Bool(done));
        }
        let output = request
            .update_expression(format!("SET {}", assignments.join(", ")))
            // Without the condition, UpdateItem on a missing key would create a partial item.
            .condition_expression("attribute_exists(pk)")
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(se) if se.is_conditional_check_failed_exception() => todo_not_found(id),
                _ => self.sdk_error("UpdateItem", e),
            })?;
        match output.attributes {
            Some(item) => from_item(&item),
            None => Err(ApiError::internal(format!(
                "DynamoDB UpdateItem on table {:?} returned no attributes for todo {id}",
                self.table_name
            ))),
        }
    }

    async fn delete(&self, tenant: &TenantId, id: TodoId) -> Result<(), ApiError> {
        self.client
            .delete_item()
            .table_name(&self.table_name)
            .set_key(Some(key(tenant, id)))
            // DeleteItem on a missing key succeeds silently; the condition turns that into
            // the 404 the API promises.
            .condition_expression("attribute_exists(pk)")
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(se) if se.is_conditional_check_failed_exception() => todo_not_found(id),
                _ => self.sdk_error("DeleteItem", e),
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use todo_domain::{NewTodo, Title};

    use super::*;

    #[test]
    fn items_round_trip_and_use_the_tenant_partition() {
        let tenant = TenantId::new("list-1").unwrap();
        let todo = Todo::create(NewTodo {
            title: Title::parse("a").unwrap(),
        });
        let item = to_item(&tenant, &todo);
        assert_eq!(item["pk"], AttributeValue::S("TENANT#list-1".into()));
        assert_eq!(item["sk"], AttributeValue::S(format!("TODO#{}", todo.id)));
        assert_eq!(from_item(&item).unwrap(), todo);
    }

    #[test]
    fn malformed_items_are_internal_errors_naming_the_attribute() {
        let todo = Todo::create(NewTodo {
            title: Title::parse("a").unwrap(),
        });
        let mut item = to_item(&TenantId::default(), &todo);
        item.insert("done".into(), AttributeValue::S("yes".into()));
        let error = from_item(&item).unwrap_err();
        assert!(error.is_internal());
        assert!(error.to_string().contains("\"done\""), "{error}");
    }
}
