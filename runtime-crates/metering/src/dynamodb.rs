//! DynamoDB helpers shared by the roll-up here and by todo-storage (which depends on this
//! crate): one wording for SDK failures, and a Query that follows pagination and reports
//! each page's capacity to the current request's meter.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use todo_domain::ApiError;

use crate::meter::{Access, record_capacity};

/// A DynamoDB item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// An SDK failure as an internal error that names the operation and table. A service error
/// is summed up by its code and message; a transport failure (timeout, refused connection)
/// keeps its whole chain of causes, which is where the reason is.
pub fn sdk_error<E, R>(table_name: &str, operation: &str, error: &SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    let detail = match error.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("unknown error code"),
            service.message().unwrap_or("no message")
        ),
        None => DisplayErrorContext(error).to_string(),
    };
    ApiError::internal(format!(
        "DynamoDB {operation} on table {table_name:?} failed: {detail}"
    ))
}

/// Every item `query` matches, page after page, in sort-key order. Each page's consumed
/// capacity, when the query asked for it (`ReturnConsumedCapacity`), is recorded as reads
/// of the current request.
pub async fn query_all(query: QueryFluentBuilder) -> Result<Vec<Item>, ApiError> {
    let mut items = Vec::new();
    let mut start_key: Option<Item> = None;
    loop {
        let page = query
            .clone()
            .set_exclusive_start_key(start_key.take())
            .send()
            .await
            .map_err(|e| {
                let table = query.get_table_name().as_deref().unwrap_or_default();
                sdk_error(table, "Query", &e)
            })?;
        record_capacity(page.consumed_capacity(), Access::Read);
        items.extend(page.items.unwrap_or_default());
        // DynamoDB returns LastEvaluatedKey while more items may follow; an absent or empty
        // key means the query has been read to the end.
        match page.last_evaluated_key {
            Some(next) if !next.is_empty() => start_key = Some(next),
            _ => return Ok(items),
        }
    }
}
