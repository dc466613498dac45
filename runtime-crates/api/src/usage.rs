//! `GET /usage?period=day|month&date=YYYY-MM-DD` (step04): the caller's usage as an owner,
//! read from the roll-up — per list, in total, and per day for a chart.
//!
//! `period` defaults to `month`, `date` (any day of the period) to today (UTC). `lists`
//! holds the caller's lists with usage in the period, most requests first, named from the
//! caller's list index (`null` for a list deleted since). `total` and `days` count every
//! request billed to the caller, including those on no list (`GET /lists`, `GET /usage`);
//! `storedItems` is the todo count now: per list, and in `total` across the lists the
//! caller still owns.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::Uri;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use todo_auth::Caller;
use todo_domain::{ApiError, Role, TenantId};
use todo_metering::{Usage, UsageStore, format_day, parse_day};
use todo_storage::PoolStore;
use todo_tenancy::caller_user_id;

use crate::HttpError;

/// What the usage handler reads.
#[derive(Clone)]
pub(crate) struct UsageState {
    pub(crate) pool: Arc<dyn PoolStore>,
    pub(crate) store: Arc<dyn UsageStore>,
}

pub(crate) fn routes(state: UsageState) -> Router {
    Router::new().route("/usage", get(usage)).with_state(state)
}

/// The length of a usage report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    Month,
}

/// The body of `GET /usage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UsageReport {
    pub period: Period,
    /// The first day of the period, `YYYY-MM-DD`.
    pub start: String,
    /// The last day of the period (included).
    pub end: String,
    pub lists: Vec<ListUsage>,
    pub total: UsageTotal,
    pub days: Vec<DayUsage>,
}

/// One list's usage in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListUsage {
    pub list_id: TenantId,
    /// `None` when the list has been deleted since.
    pub name: Option<String>,
    #[serde(flatten)]
    pub usage: Usage,
    /// The list's todos now; 0 for a list deleted since.
    pub stored_items: i64,
}

/// Every request billed to the caller in the period, and their todos now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTotal {
    #[serde(flatten)]
    pub usage: Usage,
    /// The todos of the lists the caller owns now.
    pub stored_items: i64,
}

/// One day of the period (days without requests included, at zero).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayUsage {
    pub date: String,
    #[serde(flatten)]
    pub usage: Usage,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageParams {
    period: Option<String>,
    date: Option<String>,
}

/// Reads and checks the query string: 400 `invalid_query` for anything but a known period
/// and a real `YYYY-MM-DD` date.
fn parse_query(uri: &Uri) -> Result<(Period, Date), ApiError> {
    let bad = |message: String| ApiError::bad_request("invalid_query", message);
    let Query(params) = Query::<UsageParams>::try_from_uri(uri).map_err(|e| {
        bad(format!(
            "the query string may have only period=day|month and date=YYYY-MM-DD: {e}"
        ))
    })?;
    let period = match params.period.as_deref() {
        None | Some("month") => Period::Month,
        Some("day") => Period::Day,
        Some(other) => return Err(bad(format!("period must be day or month, not {other:?}"))),
    };
    let date = match params.date.as_deref() {
        None => OffsetDateTime::now_utc().date(),
        Some(text) => parse_day(text).ok_or_else(|| {
            bad(format!(
                "date must be a calendar date written YYYY-MM-DD, not {text:?}"
            ))
        })?,
    };
    Ok((period, date))
}

/// The first and last day of the period that contains `date`.
fn bounds(period: Period, date: Date) -> (Date, Date) {
    match period {
        Period::Day => (date, date),
        Period::Month => {
            let days = date.month().length(date.year());
            let first = date.replace_day(1).expect("every month has a first day");
            let last = date
                .replace_day(days)
                .expect("a month's length is one of its days");
            (first, last)
        }
    }
}

async fn usage(
    State(state): State<UsageState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Json<UsageReport>, HttpError> {
    let (period, date) = parse_query(&uri)?;
    let owner = caller_user_id(&caller)?;
    let (first, last) = bounds(period, date);
    let (rows, items, memberships) = tokio::try_join!(
        state.store.period(&owner, first, last),
        state.store.items(&owner),
        state.pool.memberships(&owner),
    )?;
    // The caller's own lists now. A deleted list's count can come back (a todo created
    // while the list was being deleted adds to it after it was removed), so counts are
    // read only for the lists the caller still owns.
    let names: HashMap<TenantId, String> = memberships
        .into_iter()
        .filter(|entry| entry.role == Role::Owner)
        .map(|entry| (entry.list_id, entry.name))
        .collect();
    let stored_items = |list: &TenantId| {
        if names.contains_key(list) {
            items.get(list).copied().unwrap_or_default()
        } else {
            0
        }
    };

    let mut days: BTreeMap<Date, Usage> = std::iter::successors(Some(first), |day| {
        day.next_day().filter(|next| *next <= last)
    })
    .map(|day| (day, Usage::default()))
    .collect();
    let mut per_list: BTreeMap<TenantId, Usage> = BTreeMap::new();
    let mut total = Usage::default();
    for row in &rows {
        total.add(&row.usage);
        days.entry(row.day).or_default().add(&row.usage);
        if let Some(list) = &row.list {
            per_list.entry(list.clone()).or_default().add(&row.usage);
        }
    }

    let mut lists: Vec<ListUsage> = per_list
        .into_iter()
        .map(|(list, usage)| ListUsage {
            name: names.get(&list).cloned(),
            stored_items: stored_items(&list),
            list_id: list,
            usage,
        })
        .collect();
    // Most used first; the id (oldest first, UUID v7) breaks ties so the order is stable.
    lists.sort_by(|a, b| {
        b.usage
            .requests
            .cmp(&a.usage.requests)
            .then_with(|| a.list_id.cmp(&b.list_id))
    });

    Ok(Json(UsageReport {
        period,
        start: format_day(first),
        end: format_day(last),
        lists,
        total: UsageTotal {
            usage: total,
            stored_items: names.keys().map(stored_items).sum(),
        },
        days: days
            .into_iter()
            .map(|(day, usage)| DayUsage {
                date: format_day(day),
                usage,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn query(text: &str) -> Result<(Period, Date), ApiError> {
        parse_query(&format!("/usage{text}").parse::<Uri>().unwrap())
    }

    #[test]
    fn periods_cover_a_day_or_the_whole_month() {
        assert_eq!(
            bounds(Period::Month, date!(2024 - 02 - 17)),
            (date!(2024 - 02 - 01), date!(2024 - 02 - 29))
        );
        assert_eq!(
            bounds(Period::Month, date!(2026 - 12 - 31)),
            (date!(2026 - 12 - 01), date!(2026 - 12 - 31))
        );
        assert_eq!(
            bounds(Period::Day, date!(2026 - 11 - 05)),
            (date!(2026 - 11 - 05), date!(2026 - 11 - 05))
        );
    }

    #[test]
    fn the_query_is_checked() {
        assert_eq!(
            query("?period=day&date=2026-11-05").unwrap(),
            (Period::Day, date!(2026 - 11 - 05))
        );
        let (period, today) = query("").unwrap();
        assert_eq!(period, Period::Month);
        assert_eq!(today, OffsetDateTime::now_utc().date());
        for bad in [
            "?period=week",
            "?period=",
            "?date=2026-02-30",
            "?date=05/11/2026",
            "?date=",
            "?tenant=x",
            "?period=day&period=month",
        ] {
            let error = query(bad).expect_err(bad);
            assert_eq!(
                (error.status(), error.code()),
                (400, "invalid_query"),
                "{bad}"
            );
        }
    }
}
