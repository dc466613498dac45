//! `DynamoUsageStore`: the roll-up in the course's one table, under `OWNER#<sub>`
//! partitions reached with the Lambda's own credentials.
//!
//! Every call asks for its consumed capacity and reports it to the current request's
//! meter: reading usage (`GET /usage`) costs capacity too. The API makes the roll-up's
//! writes once the handler has answered and before it returns the response, outside the
//! request's meter: they are in neither its capacity nor its `Duration`.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, ReturnValue};
use time::Date;
use todo_domain::{ApiError, TenantId, UserId};

use super::{
    ITEMS_SK_PREFIX, USAGE_SK_PREFIX, Usage, UsageRow, UsageStore, format_day, items_sort_key,
    owner_key, parse_usage_sort_key, usage_sort_key,
};
use crate::dynamodb::{Item, query_all, sdk_error};
use crate::meter::{Access, record_capacity};

/// A `UsageStore` on a DynamoDB table with a `pk`/`sk` string key.
#[derive(Debug, Clone)]
pub struct DynamoUsageStore {
    client: Client,
    table_name: String,
}

impl DynamoUsageStore {
    /// The roll-up in `table_name`, through a client of `sdk_config` (the Lambda's own
    /// credentials). Build it once at startup.
    pub fn new(sdk_config: &SdkConfig, table_name: impl Into<String>) -> Self {
        Self::with_client(Client::new(sdk_config), table_name)
    }

    /// The roll-up through an already configured client.
    pub fn with_client(client: Client, table_name: impl Into<String>) -> Self {
        Self {
            client,
            table_name: table_name.into(),
        }
    }

    fn error<E, R>(&self, operation: &str, error: &SdkError<E, R>) -> ApiError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        sdk_error(&self.table_name, operation, error)
    }

    /// Every item of `owner`'s partition with a sort key from `low` to `high`.
    async fn query(&self, owner: &UserId, low: &str, high: &str) -> Result<Vec<Item>, ApiError> {
        query_all(
            self.client
                .query()
                .table_name(&self.table_name)
                .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
                .expression_attribute_values(":pk", s(owner_key(owner)))
                .expression_attribute_values(":low", s(low))
                .expression_attribute_values(":high", s(high))
                .return_consumed_capacity(ReturnConsumedCapacity::Total),
        )
        .await
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn key(owner: &UserId, sk: String) -> Item {
    HashMap::from([
        ("pk".to_owned(), s(owner_key(owner))),
        ("sk".to_owned(), s(sk)),
    ])
}

/// A number attribute of a roll-up item; absent counts as zero (an item only has what was
/// ever added to it).
fn number<T: std::str::FromStr + Default>(item: &Item, name: &str) -> Result<T, ApiError> {
    match item.get(name) {
        None => Ok(T::default()),
        Some(AttributeValue::N(text)) => text.parse().map_err(|_| {
            ApiError::internal(format!(
                "usage item attribute {name:?} is not a number: {text}"
            ))
        }),
        Some(other) => Err(ApiError::internal(format!(
            "usage item attribute {name:?} should be a number, found {other:?}"
        ))),
    }
}

fn sort_key(item: &Item) -> Result<&str, ApiError> {
    match item.get("sk") {
        Some(AttributeValue::S(sk)) => Ok(sk),
        other => Err(ApiError::internal(format!(
            "usage item has no string sort key: {other:?}"
        ))),
    }
}

#[async_trait]
impl UsageStore for DynamoUsageStore {
    async fn record(
        &self,
        owner: &UserId,
        list: Option<&TenantId>,
        day: Date,
        usage: &Usage,
    ) -> Result<(), ApiError> {
        // ADD creates the item and its attributes at zero the first time, and adds on the
        // server every time after, so concurrent requests never overwrite each other.
        let output = self
            .client
            .update_item()
            .table_name(&self.table_name)
            .set_key(Some(key(owner, usage_sort_key(day, list))))
            .update_expression(
                "ADD requests :requests, durationMs :duration, readUnits :read, \
                 writeUnits :write",
            )
            .expression_attribute_values(":requests", n(usage.requests))
            .expression_attribute_values(":duration", n(usage.duration_ms))
            .expression_attribute_values(":read", n(usage.read_units))
            .expression_attribute_values(":write", n(usage.write_units))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| self.error("UpdateItem", &e))?;
        record_capacity(output.consumed_capacity(), Access::Write);
        Ok(())
    }

    async fn adjust_items(
        &self,
        owner: &UserId,
        list: &TenantId,
        delta: i64,
    ) -> Result<Option<i64>, ApiError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table_name)
            .set_key(Some(key(owner, items_sort_key(list))))
            .update_expression("ADD #items :delta")
            .expression_attribute_names("#items", "items")
            .expression_attribute_values(":delta", n(delta))
            .return_values(ReturnValue::UpdatedNew)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        if delta <= 0 {
            update = update.condition_expression("attribute_exists(pk)");
        }
        match update.send().await {
            Ok(output) => {
                record_capacity(output.consumed_capacity(), Access::Write);
                number(&output.attributes.unwrap_or_default(), "items").map(Some)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(self.error("UpdateItem", &e)),
        }
    }

    async fn remove_list(&self, owner: &UserId, list: &TenantId) -> Result<(), ApiError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table_name)
            .set_key(Some(key(owner, items_sort_key(list))))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| self.error("DeleteItem", &e))?;
        record_capacity(output.consumed_capacity(), Access::Write);
        Ok(())
    }

    async fn period(
        &self,
        owner: &UserId,
        first: Date,
        last: Date,
    ) -> Result<Vec<UsageRow>, ApiError> {
        // `~` sorts after every character of a list id and after `-`, so the range ends
        // after the last day's last item.
        let low = format!("{USAGE_SK_PREFIX}{}", format_day(first));
        let high = format!("{USAGE_SK_PREFIX}{}~", format_day(last));
        self.query(owner, &low, &high)
            .await?
            .iter()
            .map(|item| {
                let (day, list) = parse_usage_sort_key(sort_key(item)?)?;
                Ok(UsageRow {
                    day,
                    list,
                    usage: Usage {
                        requests: number(item, "requests")?,
                        duration_ms: number(item, "durationMs")?,
                        read_units: number(item, "readUnits")?,
                        write_units: number(item, "writeUnits")?,
                    },
                })
            })
            .collect()
    }

    async fn items(&self, owner: &UserId) -> Result<BTreeMap<TenantId, i64>, ApiError> {
        let low = ITEMS_SK_PREFIX.to_owned();
        let high = format!("{ITEMS_SK_PREFIX}~");
        self.query(owner, &low, &high)
            .await?
            .iter()
            .map(|item| {
                let sk = sort_key(item)?;
                let malformed = || ApiError::internal(format!("malformed items sort key {sk:?}"));
                let id = sk.strip_prefix(ITEMS_SK_PREFIX).ok_or_else(malformed)?;
                let list = TenantId::new(id).map_err(|_| malformed())?;
                Ok((list, number(item, "items")?))
            })
            .collect()
    }
}
