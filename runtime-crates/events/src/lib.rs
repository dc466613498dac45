//! Domain events (step06): what the API tells the rest of the system after a user action
//! succeeded, on a custom EventBridge bus, and the consumers that react to them from SQS.
//!
//! - [`schema`]: the events and their envelope (below), built by the API and read back by
//!   the consumers from the EventBridge event as SQS delivers it.
//! - [`publish`]: [`EventPublisher`], on EventBridge ([`EventBridgePublisher`]) or in memory
//!   ([`MemoryPublisher`]).
//! - [`sqs`]: one SQS batch through an [`EventHandler`], answered with the records that
//!   failed (`ReportBatchItemFailures`), so only those are delivered again.
//! - [`idempotency`]: the marker that makes a consumer's effect happen once per event.
//! - [`consumers`]: the [`Provisioner`] (a table per new list, deleted with the list) and
//!   the [`Rollup`] (each owner's usage and todo counts).
//! - [`usage`]: [`PublishedUsage`], the API's usage store that publishes instead of writing.
//!
//! Delivery is at least once and in no particular order: EventBridge and SQS may both
//! deliver an event twice, and a batch's records arrive in any order. So every effect is
//! either idempotent by nature (creating or deleting a table, activating a list) or guarded
//! by an idempotency marker written in the same transaction ([`idempotency`]), and the
//! roll-up's counts are additions that net out in any order.
//!
//! # The event schema, version 1
//!
//! Each event is one EventBridge entry on the stack's bus (`EVENT_BUS_NAME`):
//!
//! - `Source`: `todo.api` ([`API_SOURCE`]) for everything the API publishes,
//!   `todo.provisioning` ([`PROVISIONING_SOURCE`]) for `TenantReady`.
//! - `DetailType`: the event's name (the table below).
//! - `Detail`: the envelope, a JSON object with camelCase fields:
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `schemaVersion` | number | `1` ([`SCHEMA_VERSION`]); a consumer refuses any other |
//! | `eventId` | string | a UUID v7, unique per event: the key of idempotency markers |
//! | `occurredAt` | string | RFC 3339, UTC, milliseconds (`2026-01-31T09:30:00.123Z`) |
//! | `tenantId` | string or `null` | the list id; `null` for usage on no list |
//! | `owner` | string | the `sub` of the list's owner (of the caller when there is no list) |
//! | `actor` | string | the `sub` of the user who did it |
//! | `data` | object | per type, below |
//!
//! | `DetailType` | `data` | published when |
//! |---|---|---|
//! | `ListCreated` | `{"name", "ownerEmail"}` | `POST /lists` (the owner's index entry is written `preparing` first) |
//! | `ListDeleted` | `{}` | `DELETE /lists/{id}` (after the members' entries are removed, before the owner's) |
//! | `TodoAdded` | `{"todoId", "title"}` | `POST` a todo |
//! | `TodoCompleted` | `{"todoId"}` | a `PATCH` that sets `done: true` (from false) |
//! | `TodoReopened` | `{"todoId"}` | a `PATCH` that sets `done: false` (from true) |
//! | `TodoRemoved` | `{"todoId"}` | `DELETE` a todo |
//! | `MemberAdded` | `{"userId", "email"}` | `POST` a member |
//! | `MemberRemoved` | `{"userId"}` | `DELETE` a member (the owner removes, or a member leaves) |
//! | `UsageRecorded` | `{"day": "YYYY-MM-DD", "requests", "durationMs", "readUnits", "writeUnits"}` | after every metered request (one request's `Usage`) |
//! | `TenantReady` (`todo.provisioning`) | `{"table"}` | the provisioner activated a list in its table |
//!
//! Version 1 may gain fields (consumers ignore fields they do not know); removing or
//! changing one is a new `schemaVersion`, which old consumers refuse rather than misread:
//! the record fails and ends in the queue's dead-letter queue.
//!
//! Delivered to an SQS target, the message body is the whole EventBridge event:
//! `{"version": "0", "id", "detail-type", "source", "account", "time", "region",
//! "resources": [], "detail": {…the envelope…}}` ([`DomainEvent::from_eventbridge_json`]).

pub mod consumers;
pub mod idempotency;
pub mod publish;
pub mod schema;
pub mod sqs;
pub mod usage;

pub use consumers::{ActiveWait, PROVISIONING_CONSUMER, Provisioner, ROLLUP_CONSUMER, Rollup};
pub use publish::{EventBridgePublisher, EventPublisher, MAX_ENTRIES_PER_CALL, MemoryPublisher};
pub use schema::{
    API_SOURCE, DomainEvent, EventData, EventError, EventType, ListCreated, MemberAdded,
    MemberRemoved, PROVISIONING_SOURCE, SCHEMA_VERSION, TenantReady, TodoAdded, TodoRef,
    UsageRecorded,
};
pub use sqs::{EventHandler, Processing, handle_sqs_event, sqs_event};
pub use todo_tenancy::ConfigError;
pub use usage::PublishedUsage;

/// A required environment variable, trimmed; the error names it and says what to set.
fn required_var(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    hint: &'static str,
) -> Result<String, ConfigError> {
    lookup(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .ok_or(ConfigError::Missing { name, hint })
}
