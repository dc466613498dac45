//! The roll-up: each owner's usage per UTC day and list, and each list's todo count, kept
//! where the usage page can read a month in one Query.
//!
//! | pk              | sk                         | attributes                                         |
//! |-----------------|----------------------------|----------------------------------------------------|
//! | `OWNER#<sub>`   | `USAGE#<YYYY-MM-DD>#<list>` | `requests`, `durationMs`, `readUnits`, `writeUnits` (N) |
//! | `OWNER#<sub>`   | `ITEMS#<list>`             | `items` (N): the list's todos now                  |
//!
//! `<list>` is the list id, or `-` for requests on no list (`GET /lists`, `GET /usage`).
//! Every count changes with one `UpdateItem … ADD`, which DynamoDB applies atomically on
//! the server: parallel requests each add their own numbers and none is lost, which a
//! read-modify-write from several Lambdas at once could not promise. The event-driven
//! roll-up ([`IdempotentUsageStore`]) turns a deleted list's `ITEMS#` item into a
//! tombstone (`listDeleted`, `expiresAt`) instead of deleting it.

mod dynamo;
mod memory;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;
use todo_domain::{ApiError, TenantId, UserId};

pub use dynamo::DynamoUsageStore;
pub use memory::MemoryUsageStore;

/// What a set of requests consumed. Sums of requests, so adding two is adding fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub requests: u64,
    /// Wall-clock time spent handling them, in whole milliseconds.
    pub duration_ms: u64,
    pub read_units: f64,
    pub write_units: f64,
}

impl Usage {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &Usage) {
        self.requests += other.requests;
        self.duration_ms += other.duration_ms;
        self.read_units += other.read_units;
        self.write_units += other.write_units;
    }
}

/// One roll-up item: an owner's usage on one day, on one list (`None`: on no list).
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    pub day: Date,
    pub list: Option<TenantId>,
    pub usage: Usage,
}

/// Where the roll-up is kept: DynamoDB ([`DynamoUsageStore`]) or memory
/// ([`MemoryUsageStore`]).
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Adds `usage` to `owner`'s total for `day` on `list`.
    async fn record(
        &self,
        owner: &UserId,
        list: Option<&TenantId>,
        day: Date,
        usage: &Usage,
    ) -> Result<(), ApiError>;

    /// Adds `delta` to the todo count of `owner`'s `list`; returns the new count. An
    /// increase starts a missing count; a decrease applies only to an existing one and
    /// returns `None` otherwise, so a todo deleted while its list is being deleted does not
    /// leave a negative count behind. (A todo created meanwhile can bring a count back:
    /// `GET /usage` counts only the lists the owner still has.)
    async fn adjust_items(
        &self,
        owner: &UserId,
        list: &TenantId,
        delta: i64,
    ) -> Result<Option<i64>, ApiError>;

    /// Forgets the todo count of a deleted list. Its usage history stays.
    async fn remove_list(&self, owner: &UserId, list: &TenantId) -> Result<(), ApiError>;

    /// Every roll-up item of `owner` from `first` to `last` (both included), by day, then
    /// list (`None` first).
    async fn period(
        &self,
        owner: &UserId,
        first: Date,
        last: Date,
    ) -> Result<Vec<UsageRow>, ApiError>;

    /// The todo count of each of `owner`'s lists that has one.
    async fn items(&self, owner: &UserId) -> Result<BTreeMap<TenantId, i64>, ApiError>;
}

/// The idempotency marker of one effect: an item `pk` / `sk` in the same table, written in
/// the same transaction as the effect and only if it is not there yet, so an event that is
/// delivered twice changes the roll-up once. Its key format belongs to the caller
/// (todo-events: `EVENT#<eventId>` / `<consumer>`); `expires_at` (epoch seconds, the table's
/// TTL attribute `expiresAt`) lets DynamoDB forget it once no redelivery can come.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyMarker {
    pub pk: String,
    pub sk: String,
    pub expires_at: i64,
}

/// Whether an effect guarded by an [`IdempotencyMarker`] was made now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The marker and the effect were written together.
    Now,
    /// The marker was there: this effect was made before, nothing changed.
    Already,
    /// The list was deleted before: its todo count is not kept any more, nothing changed.
    ListGone,
}

/// The roll-up's changes made exactly once per marker: each is one transaction of the
/// marker (put only if absent) and the change, so a retried or redelivered event can never
/// count twice, and a failure leaves neither behind (the retry then applies both).
///
/// Unlike [`UsageStore::adjust_items`], [`Self::adjust_items_once`] adds unconditionally:
/// events may arrive out of order, and a removal counted before its addition must net out
/// to zero once both are in.
#[async_trait]
pub trait IdempotentUsageStore: UsageStore {
    /// [`UsageStore::record`], once per `marker`.
    async fn record_once(
        &self,
        marker: &IdempotencyMarker,
        owner: &UserId,
        list: Option<&TenantId>,
        day: Date,
        usage: &Usage,
    ) -> Result<Applied, ApiError>;

    /// Adds `delta` to the todo count of `owner`'s `list` (starting a missing count at 0),
    /// once per `marker`; [`Applied::ListGone`] once [`Self::remove_list_once`] removed it.
    async fn adjust_items_once(
        &self,
        marker: &IdempotencyMarker,
        owner: &UserId,
        list: &TenantId,
        delta: i64,
    ) -> Result<Applied, ApiError>;

    /// [`UsageStore::remove_list`], once per `marker`, leaving a tombstone until the
    /// marker expires: a todo event of the list handled later (events come in any order)
    /// must not start its count again.
    async fn remove_list_once(
        &self,
        marker: &IdempotencyMarker,
        owner: &UserId,
        list: &TenantId,
    ) -> Result<Applied, ApiError>;
}

/// `YYYY-MM-DD`, the form of days in keys and in the usage API.
pub fn format_day(day: Date) -> String {
    day.format(format_description!("[year]-[month]-[day]"))
        .expect("a calendar date always formats as YYYY-MM-DD")
}

/// Reads a `YYYY-MM-DD` day; `None` if it is not one (or not a real date).
pub fn parse_day(text: &str) -> Option<Date> {
    if text.len() != 10 {
        return None;
    }
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

const OWNER_PK_PREFIX: &str = "OWNER#";
const USAGE_SK_PREFIX: &str = "USAGE#";
const ITEMS_SK_PREFIX: &str = "ITEMS#";
/// The list part of the sort key of usage on no list.
const NO_LIST: &str = "-";

fn owner_key(owner: &UserId) -> String {
    format!("{OWNER_PK_PREFIX}{owner}")
}

fn usage_sort_key(day: Date, list: Option<&TenantId>) -> String {
    let list = list.map_or(NO_LIST, TenantId::as_str);
    format!("{USAGE_SK_PREFIX}{}#{list}", format_day(day))
}

fn items_sort_key(list: &TenantId) -> String {
    format!("{ITEMS_SK_PREFIX}{list}")
}

/// The day and list of a usage sort key.
fn parse_usage_sort_key(sk: &str) -> Result<(Date, Option<TenantId>), ApiError> {
    let malformed = || ApiError::internal(format!("malformed usage sort key {sk:?}"));
    let rest = sk.strip_prefix(USAGE_SK_PREFIX).ok_or_else(malformed)?;
    let (day, list) = rest.split_once('#').ok_or_else(malformed)?;
    let day = parse_day(day).ok_or_else(malformed)?;
    let list = match list {
        NO_LIST => None,
        id => Some(TenantId::new(id).map_err(|_| malformed())?),
    };
    Ok((day, list))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn keys_round_trip() {
        let list = TenantId::generate();
        let day = date!(2026 - 11 - 01);
        let sk = usage_sort_key(day, Some(&list));
        assert_eq!(sk, format!("USAGE#2026-11-01#{list}"));
        assert_eq!(parse_usage_sort_key(&sk).unwrap(), (day, Some(list)));
        assert_eq!(usage_sort_key(day, None), "USAGE#2026-11-01#-");
        assert_eq!(
            parse_usage_sort_key("USAGE#2026-11-01#-").unwrap(),
            (day, None)
        );
        for bad in ["USAGE#2026-13-01#-", "USAGE#2026-11-01", "ITEMS#x"] {
            assert!(parse_usage_sort_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn days_parse_strictly() {
        assert_eq!(parse_day("2026-02-28"), Some(date!(2026 - 02 - 28)));
        for bad in [
            "2026-02-30",
            "2026-2-1",
            "26-02-01",
            "2026-02-01x",
            "",
            "today",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        assert_eq!(format_day(date!(2026 - 01 - 05)), "2026-01-05");
    }
}
