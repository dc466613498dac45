//! The metering roll-up on events (step06): the API's metering layer writes each request's
//! usage through a [`UsageStore`]; [`PublishedUsage`] is the store that publishes it as a
//! `UsageRecorded` event instead, for the roll-up consumer to add up. Reads (`GET /usage`)
//! still come from the roll-up in the control table.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use time::Date;
use todo_domain::{ApiError, TenantId, UserId};
use todo_metering::{Usage, UsageRow, UsageStore};

use crate::{DomainEvent, EventPublisher};

/// Usage written as events, read from `reads`.
pub struct PublishedUsage {
    publisher: Arc<dyn EventPublisher>,
    reads: Arc<dyn UsageStore>,
}

impl PublishedUsage {
    /// Publishes usage through `publisher`; reads the roll-up from `reads`.
    pub fn new(publisher: Arc<dyn EventPublisher>, reads: Arc<dyn UsageStore>) -> Self {
        Self { publisher, reads }
    }
}

#[async_trait]
impl UsageStore for PublishedUsage {
    /// One `UsageRecorded` event. The store is not told who made the request, so the
    /// event's actor is the owner it is billed to.
    async fn record(
        &self,
        owner: &UserId,
        list: Option<&TenantId>,
        day: Date,
        usage: &Usage,
    ) -> Result<(), ApiError> {
        let event = DomainEvent::usage_recorded(owner, list, owner, day, usage);
        self.publisher.publish(vec![event]).await
    }

    /// Nothing: the roll-up counts todos from `TodoAdded` and `TodoRemoved`, so the new
    /// count is not known here (and the request's EMF line has no `StoredItems`).
    async fn adjust_items(
        &self,
        _: &UserId,
        _: &TenantId,
        _: i64,
    ) -> Result<Option<i64>, ApiError> {
        Ok(None)
    }

    /// Nothing: the roll-up forgets a list's count on `ListDeleted`.
    async fn remove_list(&self, _: &UserId, _: &TenantId) -> Result<(), ApiError> {
        Ok(())
    }

    async fn period(
        &self,
        owner: &UserId,
        first: Date,
        last: Date,
    ) -> Result<Vec<UsageRow>, ApiError> {
        self.reads.period(owner, first, last).await
    }

    async fn items(&self, owner: &UserId) -> Result<BTreeMap<TenantId, i64>, ApiError> {
        self.reads.items(owner).await
    }
}
