//! Per-tenant metering: what each request consumed, published as CloudWatch metrics and
//! rolled up per list owner.
//!
//! - [`meter`]: the usage of the request being served (DynamoDB capacity, todos added or
//!   removed, the list and owner it is billed to), gathered in a task-local so the storage
//!   layer can report capacity without a meter in every signature.
//! - [`emf`]: the CloudWatch Embedded Metric Format line each request prints, and a
//!   validator for tests.
//! - [`store`]: the roll-up per owner, day and list, and each list's todo count
//!   ([`UsageStore`]; DynamoDB or memory), and the same changes made exactly once per
//!   event ([`IdempotentUsageStore`], for the step06 roll-up consumer).
//! - [`dynamodb`]: the SDK error wording and the metered, paginated Query that todo-storage
//!   uses too.

pub mod dynamodb;
pub mod emf;
pub mod meter;
pub mod store;

pub use emf::{EmfDocument, EmfSink, MemorySink, StdoutSink, Unit};
pub use meter::{
    Access, RequestMeter, RequestUsage, add_stored_items, attribute_to_list, list_deleted,
    record_capacities, record_capacity,
};
pub use store::{
    Applied, DynamoUsageStore, IdempotencyMarker, IdempotentUsageStore, MemoryUsageStore, Usage,
    UsageRow, UsageStore, format_day, parse_day,
};
