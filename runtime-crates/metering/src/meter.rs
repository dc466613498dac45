//! The usage of one request, gathered while it runs.
//!
//! The API runs each request inside [`RequestMeter::run`]; code deep in the storage layer
//! then reports what it consumed with the free functions here, without a meter being
//! passed through every call. Outside a metered request (a test of the storage crate, a
//! step without metering, the roll-up's own writes, which the API makes once the request's
//! meter has stopped and before it returns the response) they do nothing.
//!
//! The meter lives in a `tokio` task-local, so it follows the request's future across
//! `.await`s and threads, but not into tasks spawned with `tokio::spawn`: work a handler
//! hands to another task is not metered.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::types::ConsumedCapacity;
use todo_domain::{TenantId, UserId};

tokio::task_local! {
    static METER: RequestMeter;
}

/// What one request consumed, and whom it is billed to.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestUsage {
    /// Who pays: the caller, until the request is attributed to a list, then the list's
    /// owner (a member's requests count for the owner).
    pub owner: UserId,
    /// The list (tenant) the request worked on; `None` for requests on no list.
    pub list: Option<TenantId>,
    /// DynamoDB read capacity units, summed over every call.
    pub read_units: f64,
    /// DynamoDB write capacity units, summed over every call.
    pub write_units: f64,
    /// How many todos the request added (positive) or removed (negative).
    pub stored_items_delta: i64,
    /// Whether the request deleted its list.
    pub list_deleted: bool,
}

impl RequestUsage {
    fn new(caller: UserId) -> Self {
        Self {
            owner: caller,
            list: None,
            read_units: 0.0,
            write_units: 0.0,
            stored_items_delta: 0,
            list_deleted: false,
        }
    }
}

/// The meter of one request. Cloning shares it.
#[derive(Debug, Clone)]
pub struct RequestMeter {
    usage: Arc<Mutex<RequestUsage>>,
}

impl RequestMeter {
    /// A meter for a request of `caller`, billed to them until [`attribute_to_list`] says
    /// otherwise.
    pub fn new(caller: UserId) -> Self {
        Self {
            usage: Arc::new(Mutex::new(RequestUsage::new(caller))),
        }
    }

    /// Runs `request` with this meter as the current one.
    pub async fn run<F: Future>(&self, request: F) -> F::Output {
        METER.scope(self.clone(), request).await
    }

    /// What the request has consumed so far.
    pub fn usage(&self) -> RequestUsage {
        self.usage
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn update(&self, change: impl FnOnce(&mut RequestUsage)) {
        change(&mut self.usage.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Applies `change` to the current request's usage, if there is a current request.
fn update(change: impl FnOnce(&mut RequestUsage)) {
    // `try_with` fails only outside a metered request, where there is nothing to record.
    let _ = METER.try_with(|meter| meter.update(change));
}

/// Bills the current request to `owner`, on `list`. Called once the list (and so its
/// owner) is known; a member's request is billed to the list's owner.
pub fn attribute_to_list(list: &TenantId, owner: &UserId) {
    update(|usage| {
        usage.list = Some(list.clone());
        usage.owner = owner.clone();
    });
}

/// Counts todos the current request added (`delta > 0`) or removed (`delta < 0`).
pub fn add_stored_items(delta: i64) {
    update(|usage| usage.stored_items_delta += delta);
}

/// Notes that the current request deleted its list (and so all of the list's todos).
pub fn list_deleted() {
    update(|usage| usage.list_deleted = true);
}

/// Whether a DynamoDB operation reads or writes, which decides where capacity reported as
/// a bare total (`CapacityUnits`) is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// GetItem, Query, BatchGetItem, TransactGetItems.
    Read,
    /// PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems.
    Write,
}

/// The read and write units of one `ConsumedCapacity`. With `ReturnConsumedCapacity::Total`
/// DynamoDB reports `CapacityUnits` and, for some operations (transactions), the read/write
/// split too; the split wins when present, else the total counts as `access`.
pub fn capacity_units(consumed: &ConsumedCapacity, access: Access) -> (f64, f64) {
    match (
        consumed.read_capacity_units(),
        consumed.write_capacity_units(),
    ) {
        (None, None) => {
            let total = consumed.capacity_units().unwrap_or_default();
            match access {
                Access::Read => (total, 0.0),
                Access::Write => (0.0, total),
            }
        }
        (read, write) => (read.unwrap_or_default(), write.unwrap_or_default()),
    }
}

/// Records the capacity a DynamoDB call reported (its `consumed_capacity()`; `None` when
/// the table reported none).
pub fn record_capacity(consumed: Option<&ConsumedCapacity>, access: Access) {
    record_capacities(consumed, access);
}

/// Records the capacity of a call that reports one entry per table (transactions, batches).
pub fn record_capacities<'a>(
    consumed: impl IntoIterator<Item = &'a ConsumedCapacity>,
    access: Access,
) {
    let (read, write) = consumed
        .into_iter()
        .map(|c| capacity_units(c, access))
        .fold((0.0, 0.0), |(r, w), (dr, dw)| (r + dr, w + dw));
    if read != 0.0 || write != 0.0 {
        update(|usage| {
            usage.read_units += read;
            usage.write_units += write;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> UserId {
        UserId::new(name).unwrap()
    }

    fn total(units: f64) -> ConsumedCapacity {
        ConsumedCapacity::builder()
            .table_name("t")
            .capacity_units(units)
            .build()
    }

    #[tokio::test]
    async fn a_request_gathers_capacity_items_and_attribution() {
        let meter = RequestMeter::new(user("member"));
        let list = TenantId::generate();
        meter
            .run(async {
                record_capacity(Some(&total(0.5)), Access::Read);
                tokio::task::yield_now().await;
                record_capacity(Some(&total(1.0)), Access::Write);
                record_capacities(
                    &[ConsumedCapacity::builder()
                        .capacity_units(3.0)
                        .read_capacity_units(1.0)
                        .write_capacity_units(2.0)
                        .build()],
                    Access::Write,
                );
                record_capacity(None, Access::Read);
                attribute_to_list(&list, &user("owner"));
                add_stored_items(2);
                add_stored_items(-1);
                list_deleted();
            })
            .await;
        assert_eq!(
            meter.usage(),
            RequestUsage {
                owner: user("owner"),
                list: Some(list),
                read_units: 1.5,
                write_units: 3.0,
                stored_items_delta: 1,
                list_deleted: true,
            }
        );
    }

    #[tokio::test]
    async fn outside_a_request_nothing_is_recorded_and_nothing_fails() {
        record_capacity(Some(&total(1.0)), Access::Write);
        add_stored_items(1);
        list_deleted();
        attribute_to_list(&TenantId::generate(), &user("o"));
    }

    #[tokio::test]
    async fn concurrent_requests_keep_their_own_meters() {
        let (a, b) = (RequestMeter::new(user("a")), RequestMeter::new(user("b")));
        let work = |units: f64| async move {
            for _ in 0..10 {
                record_capacity(Some(&total(units)), Access::Read);
                tokio::task::yield_now().await;
            }
        };
        tokio::join!(a.run(work(1.0)), b.run(work(0.5)));
        assert_eq!(a.usage().read_units, 10.0);
        assert_eq!(b.usage().read_units, 5.0);
    }
}
