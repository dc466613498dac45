//! `MemoryUsageStore`: the roll-up in a map, for unit tests and the API's in-memory runs.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use time::Date;
use todo_domain::{ApiError, TenantId, UserId};

use super::{Applied, IdempotencyMarker, IdempotentUsageStore, Usage, UsageRow, UsageStore};

/// A `UsageStore` in memory. Every change holds one lock, which is what DynamoDB's
/// atomic `ADD` gives the real store.
#[derive(Debug, Default)]
pub struct MemoryUsageStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    usage: BTreeMap<(UserId, Date, Option<TenantId>), Usage>,
    items: BTreeMap<(UserId, TenantId), i64>,
    /// The lists whose counts `remove_list_once` removed: their tombstones.
    deleted_lists: HashSet<(UserId, TenantId)>,
    /// The idempotency markers written, by `pk` and `sk` (they never expire here).
    markers: HashSet<(String, String)>,
}

impl State {
    /// Records `marker`; `false` if it was there already.
    fn mark(&mut self, marker: &IdempotencyMarker) -> bool {
        self.markers.insert((marker.pk.clone(), marker.sk.clone()))
    }

    fn is_marked(&self, marker: &IdempotencyMarker) -> bool {
        self.markers
            .contains(&(marker.pk.clone(), marker.sk.clone()))
    }
}

impl MemoryUsageStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many idempotency markers were written.
    pub fn marker_count(&self) -> usize {
        self.state().markers.len()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl UsageStore for MemoryUsageStore {
    async fn record(
        &self,
        owner: &UserId,
        list: Option<&TenantId>,
        day: Date,
        usage: &Usage,
    ) -> Result<(), ApiError> {
        self.state()
            .usage
            .entry((owner.clone(), day, list.cloned()))
            .or_default()
            .add(usage);
        Ok(())
    }

    async fn adjust_items(
        &self,
        owner: &UserId,
        list: &TenantId,
        delta: i64,
    ) -> Result<Option<i64>, ApiError> {
        let mut state = self.state();
        let key = (owner.clone(), list.clone());
        let count = if delta > 0 {
            state.items.entry(key).or_default()
        } else {
            match state.items.get_mut(&key) {
                Some(count) => count,
                None => return Ok(None),
            }
        };
        *count += delta;
        Ok(Some(*count))
    }

    async fn remove_list(&self, owner: &UserId, list: &TenantId) -> Result<(), ApiError> {
        self.state().items.remove(&(owner.clone(), list.clone()));
        Ok(())
    }

    async fn period(
        &self,
        owner: &UserId,
        first: Date,
        last: Date,
    ) -> Result<Vec<UsageRow>, ApiError> {
        Ok(self
            .state()
            .usage
            .iter()
            .filter(|((o, day, _), _)| o == owner && (first..=last).contains(day))
            .map(|((_, day, list), usage)| UsageRow {
                day: *day,
                list: list.clone(),
                usage: *usage,
            })
            .collect())
    }

    async fn items(&self, owner: &UserId) -> Result<BTreeMap<TenantId, i64>, ApiError> {
        Ok(self
            .state()
            .items
            .iter()
            .filter(|((o, _), _)| o == owner)
            .map(|((_, list), count)| (list.clone(), *count))
            .collect())
    }
}

/// Each change holds the lock for the marker and the effect together: the transaction.
#[async_trait]
impl IdempotentUsageStore for MemoryUsageStore {
    async fn record_once(
        &self,
        marker: &IdempotencyMarker,
        owner: &UserId,
        list: Option<&TenantId>,
        day: Date,
        usage: &Usage,
    ) -> Result<Applied, ApiError> {
        let mut state = self.state();
        if !state.mark(marker) {
            return Ok(Applied::Already);
        }
        state
            .usage
            .entry((owner.clone(), day, list.cloned()))
            .or_default()
            .add(usage);
        Ok(Applied::Now)
    }

    async fn adjust_items_once(
        &self,
        marker: &IdempotencyMarker,
        owner: &UserId,
        list: &TenantId,
        delta: i64,
    ) -> Result<Applied, ApiError> {
        let mut state = self.state();
        let key = (owner.clone(), list.clone());
        if state.deleted_lists.contains(&key) && !state.is_marked(marker) {
            return Ok(Applied::ListGone);
        }
        if !state.mark(marker) {
            return Ok(Applied::Already);
        }
        *state.items.entry(key).or_default() += delta;
        Ok(Applied::Now)
    }

    async fn remove_list_once(
        &self,
        marker: &IdempotencyMarker,
        owner: &UserId,
        list: &TenantId,
    ) -> Result<Applied, ApiError> {
        let mut state = self.state();
        if !state.mark(marker) {
            return Ok(Applied::Already);
        }
        let key = (owner.clone(), list.clone());
        state.items.remove(&key);
        state.deleted_lists.insert(key);
        Ok(Applied::Now)
    }
}
