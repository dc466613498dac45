//! A consumer Lambda's SQS batch: each record's body is an EventBridge event; the answer
//! names the records that failed (`ReportBatchItemFailures`), so SQS deletes the others and
//! delivers only those again, after the queue's visibility timeout. A record that fails
//! `maxReceiveCount` times ends in the dead-letter queue.
//!
//! A consumer picks how a batch's records run ([`Processing`]). A standard queue promises no
//! order anyway, and the consumers' effects do not depend on one (idempotent steps,
//! additions that commute), so either way gives the same result; the choice is about time
//! and contention:
//!
//! - the provisioner runs them **concurrently**: it may wait up to ~20 s for each new
//!   table, and ten of those in a row would outlast the function's timeout;
//! - the roll-up runs them **sequentially**: its records mostly change the same few items
//!   (one owner's day), and DynamoDB cancels a transaction that touches an item another
//!   transaction is writing (`TransactionConflict`), so concurrent records would mostly
//!   fail each other, while one after the other they take a few milliseconds each.

use async_trait::async_trait;
use futures_util::future::join_all;
use serde_json::{Value, json};
use todo_domain::ApiError;

use crate::DomainEvent;

/// A consumer: what it does with one event. Events it has no business with are a success
/// (nothing to do), so a wider rule never fails records.
#[async_trait]
pub trait EventHandler: Send + Sync {
    /// Makes the event's effect. Called again for the same event on redelivery, so it must
    /// be idempotent. An error fails the record: it is delivered again later.
    async fn handle(&self, event: &DomainEvent) -> Result<(), ApiError>;
}

/// How the records of one batch are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processing {
    /// All at once.
    Concurrent,
    /// One after the other, in the batch's order.
    Sequential,
}

/// Runs `handler` over every record of an SQS Lambda event and answers
/// `{"batchItemFailures": [{"itemIdentifier": "<messageId>"}, …]}` with the records whose
/// body is not an event this crate reads or whose handling failed (each logged with its
/// reason). An event that is not an SQS batch at all is an error: the invocation fails.
pub async fn handle_sqs_event<H: EventHandler + ?Sized>(
    handler: &H,
    event: Value,
    processing: Processing,
) -> Result<Value, ApiError> {
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_event",
                "the event has no Records array; expected an SQS event (attach this function \
                 to its queue with an event source mapping)",
            )
        })?;
    let mut messages = Vec::with_capacity(records.len());
    for record in records {
        let id = record.get("messageId").and_then(Value::as_str);
        let body = record.get("body").and_then(Value::as_str);
        match id {
            // A record without a body fails on its own (an empty body is no event).
            Some(id) => messages.push((id, body.unwrap_or_default())),
            // Without its id, a record cannot be reported failed: the batch fails whole.
            None => {
                return Err(ApiError::bad_request(
                    "invalid_event",
                    "an SQS record has no messageId",
                ));
            }
        }
    }
    let handled = match processing {
        Processing::Concurrent => {
            join_all(
                messages
                    .iter()
                    .map(|&(id, body)| handle_record(handler, id, body)),
            )
            .await
        }
        Processing::Sequential => {
            let mut handled = Vec::with_capacity(messages.len());
            for &(id, body) in &messages {
                handled.push(handle_record(handler, id, body).await);
            }
            handled
        }
    };
    let failures: Vec<Value> = messages
        .iter()
        .zip(handled)
        .filter(|(_, ok)| !ok)
        .map(|((id, _), _)| json!({"itemIdentifier": id}))
        .collect();
    Ok(json!({"batchItemFailures": failures}))
}

/// Handles one record; `false` if it failed (logged here, with its reason).
async fn handle_record<H: EventHandler + ?Sized>(handler: &H, id: &str, body: &str) -> bool {
    let event = match DomainEvent::from_eventbridge_json(body) {
        Ok(event) => event,
        Err(error) => {
            tracing::error!(message_id = id, %error, "unreadable message; it will end in the dead-letter queue");
            return false;
        }
    };
    match handler.handle(&event).await {
        Ok(()) => true,
        Err(error) => {
            tracing::error!(
                message_id = id,
                event_id = %event.event_id,
                detail_type = event.detail_type(),
                %error,
                cause = ?error,
                "event handling failed; the message will be delivered again"
            );
            false
        }
    }
}

/// An SQS Lambda event with one record per `(messageId, body)`, the way Lambda's event
/// source mapping delivers it (the fields consumers read, and a few more). For tests and
/// for `POST /` to a consumer running locally.
pub fn sqs_event<'a>(messages: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let records: Vec<Value> = messages
        .into_iter()
        .map(|(id, body)| {
            json!({
                "messageId": id,
                "receiptHandle": format!("receipt-{id}"),
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:local",
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    json!({"Records": records})
}
