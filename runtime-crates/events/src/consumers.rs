//! The step06 consumers, each behind an EventBridge rule, an SQS queue (with a dead-letter
//! queue) and a Lambda function:
//!
//! - [`Provisioner`] (`ListCreated`, `ListDeleted`): creates a new list's table, waits until
//!   it is active, writes the list into it and marks the owner's entry ready, then
//!   announces `TenantReady`; deletes the table of a deleted list.
//! - [`Rollup`] (`UsageRecorded`, `TodoAdded`, `TodoRemoved`, `ListDeleted`): the owners'
//!   usage and todo counts, each event counted exactly once.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use serde_json::Value;
use todo_domain::{ApiError, Member, Role, TenantId};
use todo_metering::{Applied, DynamoUsageStore, IdempotentUsageStore};
use todo_storage::silo::{activate, table_preparing};
use todo_storage::{SiloPool, SiloStore, TableStatus, Tier};
use todo_tenancy::{ConfigError, TenantTablePrefix};

use crate::idempotency::marker;
use crate::publish::{EventBridgePublisher, EventPublisher};
use crate::sqs::{EventHandler, Processing, handle_sqs_event};
use crate::{DomainEvent, EventData, EventType, ListCreated, UsageRecorded};

/// The provisioner's name (its idempotency markers' sort key, were it to write any).
pub const PROVISIONING_CONSUMER: &str = "provisioning";

/// The roll-up's name: the sort key of its idempotency markers.
pub const ROLLUP_CONSUMER: &str = "rollup";

const TABLE_NAME_HINT: &str = "set it to the name of the control table (the CDK app sets it \
                               in Lambda)";

/// How the provisioner waits for a new table to become active: `DescribeTable` every
/// `interval`, at most `attempts` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveWait {
    pub interval: Duration,
    pub attempts: u32,
}

impl Default for ActiveWait {
    /// About a second apart for up to ~20 s: on-demand tables are usually active within
    /// seconds, and a table that takes longer is left to the redelivery (the record fails,
    /// SQS delivers it again after the visibility timeout), not to a Lambda that waits.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            attempts: 20,
        }
    }
}

/// The provisioning consumer. Its steps are idempotent on their own (CreateTable finds
/// the table of an earlier attempt, activation writes the same list and marks the entry
/// ready only while it is preparing, DeleteTable of a missing table is fine), so it
/// needs no idempotency marker: a redelivered event finds the work done.
#[derive(Clone)]
pub struct Provisioner {
    silo: Arc<dyn SiloStore>,
    prefix: TenantTablePrefix,
    tier: Tier,
    publisher: Arc<dyn EventPublisher>,
    wait: ActiveWait,
}

impl Provisioner {
    /// The detail types its rule forwards.
    pub const DETAIL_TYPES: [EventType; 2] = [EventType::ListCreated, EventType::ListDeleted];

    /// A provisioner of `silo`'s tables (named `<prefix><listId>`, for `TenantReady`) with
    /// [`Tier::STANDARD`], announcing through `publisher`.
    pub fn new(
        silo: Arc<dyn SiloStore>,
        prefix: TenantTablePrefix,
        publisher: Arc<dyn EventPublisher>,
    ) -> Self {
        Self {
            silo,
            prefix,
            tier: Tier::STANDARD,
            publisher,
            wait: ActiveWait::default(),
        }
    }

    /// Waits for tables as `wait` says (tests wait a few milliseconds).
    #[must_use]
    pub fn with_wait(mut self, wait: ActiveWait) -> Self {
        self.wait = wait;
        self
    }

    /// The provisioner of the Lambda: the silo of `TABLE_NAME` (the users' index),
    /// `TENANT_TABLE_PREFIX`, `TENANT_ROLE_ARN` (the list is written into its table with
    /// that tenant's credentials) and `AWS_REGION`; `TenantReady` onto `EVENT_BUS_NAME`.
    pub fn from_env(sdk_config: &SdkConfig) -> Result<Self, ConfigError> {
        Self::from_lookup(sdk_config, |name| std::env::var(name).ok())
    }

    /// [`Self::from_env`], reading variables through `lookup` (a map in tests).
    pub fn from_lookup(
        sdk_config: &SdkConfig,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let table = crate::required_var(&lookup, "TABLE_NAME", TABLE_NAME_HINT)?;
        let silo = SiloPool::from_lookup(sdk_config, &table, &lookup)?;
        let prefix = silo.credentials().config().table_prefix.clone();
        let publisher = EventBridgePublisher::from_lookup(sdk_config, &lookup)?;
        Ok(Self::new(Arc::new(silo), prefix, Arc::new(publisher)))
    }

    /// One SQS batch (the Lambda's event), answered with its failed records.
    pub async fn handle_sqs(&self, event: Value) -> Result<Value, ApiError> {
        handle_sqs_event(self, event, Processing::Concurrent).await
    }

    /// Provisions and activates a new list, if its owner's entry is still preparing.
    async fn list_created(
        &self,
        event: &DomainEvent,
        list: &TenantId,
        data: &ListCreated,
    ) -> Result<(), ApiError> {
        let owner = &event.owner;
        let entry = match self.silo.membership(owner, list).await? {
            Some(entry) if entry.role == Role::Owner => entry,
            // Deleted before it was provisioned (the events came out of order): a table
            // created meanwhile, by an earlier delivery that found the entry, goes too.
            None => {
                tracing::info!(%list, %owner, "list is gone; nothing to provision");
                return self.silo.deprovision(list).await;
            }
            // Not a list of this owner: nothing to do.
            Some(_) => {
                tracing::warn!(%list, %owner, "ListCreated by someone who does not own the list");
                return Ok(());
            }
        };
        if entry.status.is_ready() {
            tracing::info!(%list, "list is ready already");
            return Ok(());
        }
        self.silo.provision(list, &self.tier).await?;
        if !self.wait_until_active(list).await? {
            tracing::warn!(%list, wait = ?self.wait, "table not active in time; will retry");
            return Err(table_preparing(list));
        }
        let member = Member {
            user_id: owner.clone(),
            email: data.owner_email.clone(),
            role: Role::Owner,
        };
        match activate(self.silo.as_ref(), &self.tier, &member, entry).await {
            Ok(_) => {}
            // The table and the entry went away meanwhile: the list was deleted, and a table
            // asked for again by the activation must go too.
            Err(ApiError::NotFound(_)) => return self.silo.deprovision(list).await,
            Err(error) => return Err(error),
        }
        // The entry is marked ready only while it exists, so a list deleted while it was
        // being activated has no entry now, and its table (created above) must go too;
        // its ListDeleted may well have been handled before the table existed.
        if self.silo.membership(owner, list).await?.is_none() {
            tracing::info!(%list, "list deleted while it was provisioned; deleting its table");
            return self.silo.deprovision(list).await;
        }
        let table = self.prefix.table_name(list);
        self.publisher
            .publish(vec![DomainEvent::tenant_ready(list, owner, &table)])
            .await
    }

    /// Whether `list`'s table became active within the wait.
    async fn wait_until_active(&self, list: &TenantId) -> Result<bool, ApiError> {
        for attempt in 1..=self.wait.attempts {
            if self.silo.status(list).await? == TableStatus::Active {
                return Ok(true);
            }
            if attempt < self.wait.attempts {
                tokio::time::sleep(self.wait.interval).await;
            }
        }
        Ok(false)
    }
}

#[async_trait]
impl EventHandler for Provisioner {
    async fn handle(&self, event: &DomainEvent) -> Result<(), ApiError> {
        match &event.data {
            EventData::ListCreated(data) => self.list_created(event, event.list()?, data).await,
            // While the table is being created, DeleteTable is refused (503): the record
            // fails and is delivered again once it can be deleted.
            EventData::ListDeleted => self.silo.deprovision(event.list()?).await,
            _ => Ok(()),
        }
    }
}

/// The roll-up consumer: each event's change to the usage roll-up (todo-metering's
/// `OWNER#<sub>` items) in one transaction with its idempotency marker, so a redelivered
/// event changes nothing.
#[derive(Clone)]
pub struct Rollup {
    store: Arc<dyn IdempotentUsageStore>,
}

impl Rollup {
    /// The detail types its rule forwards.
    pub const DETAIL_TYPES: [EventType; 4] = [
        EventType::UsageRecorded,
        EventType::TodoAdded,
        EventType::TodoRemoved,
        EventType::ListDeleted,
    ];

    /// A roll-up into `store`.
    pub fn new(store: Arc<dyn IdempotentUsageStore>) -> Self {
        Self { store }
    }

    /// The roll-up of the Lambda: in `TABLE_NAME`, with the function's own credentials.
    pub fn from_env(sdk_config: &SdkConfig) -> Result<Self, ConfigError> {
        Self::from_lookup(sdk_config, |name| std::env::var(name).ok())
    }

    /// [`Self::from_env`], reading variables through `lookup` (a map in tests).
    pub fn from_lookup(
        sdk_config: &SdkConfig,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let table = crate::required_var(&lookup, "TABLE_NAME", TABLE_NAME_HINT)?;
        Ok(Self::new(Arc::new(DynamoUsageStore::new(
            sdk_config, table,
        ))))
    }

    /// One SQS batch (the Lambda's event), answered with its failed records.
    pub async fn handle_sqs(&self, event: Value) -> Result<Value, ApiError> {
        handle_sqs_event(self, event, Processing::Sequential).await
    }
}

#[async_trait]
impl EventHandler for Rollup {
    async fn handle(&self, event: &DomainEvent) -> Result<(), ApiError> {
        let marker = marker(&event.event_id, ROLLUP_CONSUMER);
        let owner = &event.owner;
        let store = self.store.as_ref();
        // Additions commute, so a TodoRemoved counted before its TodoAdded nets out to
        // zero once both are in.
        let applied = match &event.data {
            EventData::UsageRecorded(UsageRecorded { day, usage }) => {
                store
                    .record_once(&marker, owner, event.tenant_id.as_ref(), *day, usage)
                    .await?
            }
            EventData::TodoAdded(_) => {
                store
                    .adjust_items_once(&marker, owner, event.list()?, 1)
                    .await?
            }
            EventData::TodoRemoved(_) => {
                store
                    .adjust_items_once(&marker, owner, event.list()?, -1)
                    .await?
            }
            EventData::ListDeleted => {
                store
                    .remove_list_once(&marker, owner, event.list()?)
                    .await?
            }
            _ => return Ok(()),
        };
        let (event_id, detail_type) = (&event.event_id, event.detail_type());
        match applied {
            Applied::Now => {}
            Applied::Already => tracing::info!(%event_id, detail_type, "already counted"),
            Applied::ListGone => {
                tracing::info!(%event_id, detail_type, "the list is deleted; not counted");
            }
        }
        Ok(())
    }
}
