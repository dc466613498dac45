//! `DynamoUsageStore`: the roll-up in the course's one table, under `OWNER#<sub>`
//! partitions reached with the Lambda's own credentials.
//!
//! Every call asks for its consumed capacity and reports it to the current request's
//! meter: reading usage (`GET /usage`) costs capacity too. The API makes the roll-up's
//! writes once the handler has answered and before it returns the response, outside the
//! request's meter: they are in neither its capacity nor its `Duration`.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnConsumedCapacity, ReturnValue, TransactWriteItem, Update,
};
use time::Date;
use todo_domain::{ApiError, TenantId, UserId};

use super::{
    Applied, ITEMS_SK_PREFIX, IdempotencyMarker, IdempotentUsageStore, USAGE_SK_PREFIX, Usage,
    UsageRow, UsageStore, format_day, items_sort_key, owner_key, parse_usage_sort_key,
    usage_sort_key,
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

/// The TTL attribute of the table: DynamoDB deletes an item some time after this epoch
/// second has passed.
const EXPIRES_AT: &str = "expiresAt";

/// Marks a deleted list's todo count: a tombstone, which `items` skips and todo events'
/// changes may not touch.
const LIST_DELETED: &str = "listDeleted";

/// What `record` adds to a day's usage item.
const RECORD_EXPRESSION: &str =
    "ADD requests :requests, durationMs :duration, readUnits :read, writeUnits :write";

fn usage_values(usage: &Usage) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (":requests".to_owned(), n(usage.requests)),
        (":duration".to_owned(), n(usage.duration_ms)),
        (":read".to_owned(), n(usage.read_units)),
        (":write".to_owned(), n(usage.write_units)),
    ])
}

impl DynamoUsageStore {
    /// Writes `marker` (only if absent) and `effect` in one transaction: both or neither.
    ///
    /// DynamoDB cancels a transaction that touches an item another transaction is writing
    /// (`TransactionConflict`), which concurrent roll-up consumers do to a busy owner's day;
    /// the SDK does not retry that, so it is retried here a few times, a little later each
    /// time, before the failure is left to the event's redelivery.
    async fn transact_once(
        &self,
        marker: &IdempotencyMarker,
        effect: TransactWriteItem,
    ) -> Result<Applied, ApiError> {
        let put_marker = Put::builder()
            .table_name(&self.table_name)
            .item("pk", s(&marker.pk))
            .item("sk", s(&marker.sk))
            .item(EXPIRES_AT, n(marker.expires_at))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(ApiError::internal)?;
        let mut attempt = 1;
        loop {
            let result = self
                .client
                .transact_write_items()
                .transact_items(TransactWriteItem::builder().put(put_marker.clone()).build())
                .transact_items(effect.clone())
                .send()
                .await;
            let error = match result {
                Ok(_) => return Ok(Applied::Now),
                Err(error) => error,
            };
            let reasons: Vec<&str> = match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(canceled)) => canceled
                    .cancellation_reasons()
                    .iter()
                    .map(|reason| reason.code().unwrap_or("None"))
                    .collect(),
                _ => Vec::new(),
            };
            // The first reason is the marker's: its condition failed, so this effect was
            // made by an earlier delivery of the same event. The second is the effect's own
            // condition, which only a todo count has: its list is deleted.
            match reasons.as_slice() {
                ["ConditionalCheckFailed", ..] => return Ok(Applied::Already),
                [_, "ConditionalCheckFailed"] => return Ok(Applied::ListGone),
                _ => {}
            }
            if reasons.contains(&"TransactionConflict") && attempt < MAX_TRANSACTION_ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(20 << attempt)).await;
                attempt += 1;
                continue;
            }
            return Err(self.error("TransactWriteItems", &error));
        }
    }
}

/// How many times a transaction cancelled by a conflict is tried in all.
const MAX_TRANSACTION_ATTEMPTS: u32 = 4;

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
            .update_expression(RECORD_EXPRESSION)
            .set_expression_attribute_values(Some(usage_values(usage)))
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
            .filter(|item| !item.contains_key(LIST_DELETED))
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

#[async_trait]
impl IdempotentUsageStore for DynamoUsageStore {
    async fn record_once(
        &self,
        marker: &IdempotencyMarker,
        owner: &UserId,
        list: Option<&TenantId>,
        day: Date,
        usage: &Usage,
    ) -> Result<Applied, ApiError> {
        let update = Update::builder()
            .table_name(&self.table_name)
            .set_key(Some(key(owner, usage_sort_key(day, list))))
            .update_expression(RECORD_EXPRESSION)
            .set_expression_attribute_values(Some(usage_values(usage)))
            .build()
            .map_err(ApiError::internal)?;
        self.transact_once(marker, TransactWriteItem::builder().update(update).build())
            .await
    }

    async fn adjust_items_once(
        &self,
        marker: &IdempotencyMarker,
        owner: &UserId,
        list: &TenantId,
        delta: i64,
    ) -> Result<Applied, ApiError> {
        let update = Update::builder()
            .table_name(&self.table_name)
            .set_key(Some(key(owner, items_sort_key(list))))
            .update_expression("ADD #items :delta")
            .condition_expression("attribute_not_exists(#deleted)")
            .expression_attribute_names("#items", "items")
            .expression_attribute_names("#deleted", LIST_DELETED)
            .expression_attribute_values(":delta", n(delta))
            .build()
            .map_err(ApiError::internal)?;
        self.transact_once(marker, TransactWriteItem::builder().update(update).build())
            .await
    }

    async fn remove_list_once(
        &self,
        marker: &IdempotencyMarker,
        owner: &UserId,
        list: &TenantId,
    ) -> Result<Applied, ApiError> {
        // An update, so that the roll-up's role needs no other action on owners' items.
        let tombstone = Update::builder()
            .table_name(&self.table_name)
            .set_key(Some(key(owner, items_sort_key(list))))
            .update_expression("SET #deleted = :deleted, #expires = :expires REMOVE #items")
            .expression_attribute_names("#deleted", LIST_DELETED)
            .expression_attribute_names("#expires", EXPIRES_AT)
            .expression_attribute_names("#items", "items")
            .expression_attribute_values(":deleted", AttributeValue::Bool(true))
            .expression_attribute_values(":expires", n(marker.expires_at))
            .build()
            .map_err(ApiError::internal)?;
        self.transact_once(
            marker,
            TransactWriteItem::builder().update(tombstone).build(),
        )
        .await
    }
}
