//! Publishing events: [`EventPublisher`], on an EventBridge bus ([`EventBridgePublisher`])
//! or in memory ([`MemoryPublisher`], for tests and local runs).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use todo_domain::ApiError;
use todo_tenancy::ConfigError;

use crate::DomainEvent;

/// At most this many entries go in one `PutEvents` call (EventBridge's limit).
pub const MAX_ENTRIES_PER_CALL: usize = 10;

/// Where events go. Shared by every request, so `Send + Sync` behind an `Arc`.
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes `events`, in as few calls as the bus allows. An error means some may not
    /// have been published; publishing them again is safe (consumers are idempotent per
    /// `eventId`).
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), ApiError>;
}

/// Events onto an EventBridge bus with `PutEvents`.
///
/// IAM: `events:PutEvents` on the bus.
#[derive(Debug, Clone)]
pub struct EventBridgePublisher {
    client: Client,
    bus_name: String,
}

impl EventBridgePublisher {
    /// A publisher to `bus_name` (its name or ARN) through a client of `sdk_config`. Build
    /// it once at startup.
    pub fn new(sdk_config: &SdkConfig, bus_name: impl Into<String>) -> Self {
        Self::with_client(Client::new(sdk_config), bus_name)
    }

    /// A publisher through an already configured client.
    pub fn with_client(client: Client, bus_name: impl Into<String>) -> Self {
        Self {
            client,
            bus_name: bus_name.into(),
        }
    }

    /// A publisher to the bus named by `EVENT_BUS_NAME`.
    pub fn from_env(sdk_config: &SdkConfig) -> Result<Self, ConfigError> {
        Self::from_lookup(sdk_config, |name| std::env::var(name).ok())
    }

    /// [`Self::from_env`], reading variables through `lookup` (a map in tests).
    pub fn from_lookup(
        sdk_config: &SdkConfig,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let bus_name = crate::required_var(
            &lookup,
            "EVENT_BUS_NAME",
            "set it to the name of the stack's event bus, e.g. \
             Step06TodoMultiTenantEventDrivenArch-events (the CDK app sets it in Lambda)",
        )?;
        Ok(Self::new(sdk_config, bus_name))
    }

    /// The bus events go to.
    pub fn bus_name(&self) -> &str {
        &self.bus_name
    }

    fn entry(&self, event: &DomainEvent) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus_name)
            .source(event.source())
            .detail_type(event.detail_type())
            .detail(event.detail().to_string())
            // The delivered event's `time` is when it happened, not when it was sent.
            .time({
                let at = event.occurred_at.as_datetime();
                DateTime::from_secs_and_nanos(at.unix_timestamp(), at.nanosecond())
            })
            .build()
    }
}

#[async_trait]
impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), ApiError> {
        for chunk in events.chunks(MAX_ENTRIES_PER_CALL) {
            let output = self
                .client
                .put_events()
                .set_entries(Some(chunk.iter().map(|event| self.entry(event)).collect()))
                .send()
                .await
                .map_err(|e| {
                    ApiError::internal(format!(
                        "EventBridge PutEvents on bus {:?} failed: {}",
                        self.bus_name,
                        DisplayErrorContext(e)
                    ))
                })?;
            // PutEvents succeeds as a call even when entries fail; each failed entry has an
            // error code in its result, in the order of the request.
            if output.failed_entry_count() > 0 {
                let failures: Vec<String> = chunk
                    .iter()
                    .zip(output.entries())
                    .filter_map(|(event, result)| {
                        let code = result.error_code()?;
                        Some(format!(
                            "{} {} ({code}: {})",
                            event.detail_type(),
                            event.event_id,
                            result.error_message().unwrap_or("no message")
                        ))
                    })
                    .collect();
                return Err(ApiError::internal(format!(
                    "EventBridge PutEvents on bus {:?}: {} of {} entries failed: {}",
                    self.bus_name,
                    output.failed_entry_count(),
                    chunk.len(),
                    failures.join("; ")
                )));
            }
            tracing::debug!(bus = %self.bus_name, count = chunk.len(), "events published");
        }
        Ok(())
    }
}

/// Events kept in memory, in the order published. Cheap to clone; clones share the list,
/// so a test keeps one and hands the other to the code under test.
#[derive(Debug, Clone, Default)]
pub struct MemoryPublisher {
    events: Arc<Mutex<Vec<DomainEvent>>>,
}

impl MemoryPublisher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every event published so far.
    pub fn events(&self) -> Vec<DomainEvent> {
        self.lock().clone()
    }

    /// Every event published so far, forgetting them.
    pub fn take(&self) -> Vec<DomainEvent> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Vec<DomainEvent>> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl EventPublisher for MemoryPublisher {
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), ApiError> {
        self.lock().extend(events);
        Ok(())
    }
}
