//! Per-tenant metering of the list routes (step04): every signed-in request runs under a
//! todo-metering meter, and once it is answered the layer here prints its CloudWatch EMF
//! line and adds it to the owner's daily roll-up.
//!
//! A request is billed to the caller until [`ListAccess`](crate::lists) names a list; then
//! to that list's **owner**, whoever the caller is, because the owner is the customer who
//! pays for the list, members included. POST /lists is billed to the list it creates.
//!
//! Metering never changes an answer: a failure to write the roll-up is logged and the
//! response goes out as it was. The roll-up is written before the response is returned
//! (not in a spawned task), because Lambda freezes the process as soon as it has answered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use lambda_http::RequestExt;
use time::OffsetDateTime;
use todo_auth::{Caller, ConfigError};
use todo_domain::{Role, TenantId, UserId};
use todo_metering::{
    EmfDocument, EmfSink, RequestMeter, RequestUsage, StdoutSink, Unit, Usage, UsageStore,
};
use todo_storage::TenantPartition;
use todo_tenancy::{TenantContext, caller_user_id};

/// `METRICS_NAMESPACE`: the CloudWatch namespace of the metrics (the CDK app sets it, and
/// the dashboard reads the same one).
pub fn metrics_namespace_from_env() -> Result<String, ConfigError> {
    std::env::var("METRICS_NAMESPACE")
        .ok()
        .filter(|namespace| !namespace.trim().is_empty())
        .ok_or(ConfigError::Missing {
            name: "METRICS_NAMESPACE",
            hint: "set it to the CloudWatch namespace of the usage metrics (the CDK app sets \
                   it in Lambda; the local runner sets it from the synthesized template)",
        })
}

/// At most this many lists' owners are remembered; past it the cache starts over.
const MAX_CACHED_OWNERS: usize = 10_000;

/// What the metering layer needs: built once by [`AppState::with_metering`](crate::AppState::with_metering).
#[derive(Clone)]
pub(crate) struct Metering {
    pub(crate) store: Arc<dyn UsageStore>,
    namespace: Arc<str>,
    sink: Arc<dyn EmfSink>,
    owners: Arc<ListOwners>,
}

impl Metering {
    pub(crate) fn new(store: Arc<dyn UsageStore>, namespace: String) -> Self {
        Self {
            store,
            namespace: namespace.into(),
            sink: Arc::new(StdoutSink),
            owners: Arc::default(),
        }
    }

    pub(crate) fn set_sink(&mut self, sink: Arc<dyn EmfSink>) {
        self.sink = sink;
    }
}

/// Each list's owner, as read from the list's record. A list's owner never changes, so an
/// entry never goes stale; the cache saves a GetItem on every member request.
#[derive(Debug, Default)]
pub(crate) struct ListOwners(Mutex<HashMap<TenantId, UserId>>);

impl ListOwners {
    async fn owner_of(&self, tenant: &TenantId, partition: &dyn TenantPartition) -> Option<UserId> {
        if let Some(owner) = self.cached().get(tenant) {
            return Some(owner.clone());
        }
        match partition.list(tenant).await {
            Ok(list) => {
                let mut owners = self.cached();
                if owners.len() >= MAX_CACHED_OWNERS {
                    owners.clear();
                }
                owners.insert(tenant.clone(), list.owner.clone());
                Some(list.owner)
            }
            Err(error) => {
                tracing::warn!(%tenant, %error, "metering: cannot read the list's owner; the request is billed to the caller");
                None
            }
        }
    }

    fn cached(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, UserId>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Bills the current request to the list `context` is on and to that list's owner: the
/// caller when they own it, else the owner from the list's record, read through
/// `partition` (a list still being prepared has none open, and only its owner reaches it).
/// Does nothing when the request is not metered.
pub(crate) async fn attribute(
    parts: &Parts,
    context: &TenantContext,
    partition: Option<&dyn TenantPartition>,
) {
    let Some(owners) = parts.extensions.get::<Arc<ListOwners>>() else {
        return;
    };
    let tenant = context.tenant();
    let owner = match (context.role(), partition) {
        (Role::Owner, _) => Some(context.user().clone()),
        (Role::Member, Some(partition)) => owners.owner_of(tenant, partition).await,
        (Role::Member, None) => None,
    };
    if let Some(owner) = owner {
        todo_metering::attribute_to_list(tenant, &owner);
    }
}

/// The metering middleware, inside the sign-in layer (so the caller is known).
pub(crate) async fn meter_request(
    State(metering): State<Metering>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(caller) = request
        .extensions()
        .get::<Caller>()
        .and_then(|caller| caller_user_id(caller).ok())
    else {
        // Sign-in refuses such requests before they get here; there is nobody to bill.
        return next.run(request).await;
    };
    let facts = RequestFacts {
        route: request.extensions().get::<MatchedPath>().map_or_else(
            || request.uri().path().to_owned(),
            |path| path.as_str().to_owned(),
        ),
        method: request.method().to_string(),
        request_id: request
            .lambda_context_ref()
            .map(|context| context.request_id.clone())
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        started_at: SystemTime::now(),
    };
    request.extensions_mut().insert(metering.owners.clone());
    let meter = RequestMeter::new(caller);
    let started = Instant::now();
    let response = meter.run(next.run(request)).await;
    let duration = started.elapsed();
    metering
        .finish(&facts, response.status().as_u16(), duration, meter.usage())
        .await;
    response
}

/// What the layer knows of a request besides its usage.
struct RequestFacts {
    /// The route template (`/lists/{listId}/todos`), so lines group by route, not by id.
    route: String,
    method: String,
    /// Lambda's request id, or a fresh id when served locally.
    request_id: String,
    started_at: SystemTime,
}

impl Metering {
    /// Updates the roll-up and prints the request's EMF line.
    async fn finish(
        &self,
        facts: &RequestFacts,
        status: u16,
        duration: Duration,
        usage: RequestUsage,
    ) {
        let day = OffsetDateTime::from(facts.started_at).date();
        let duration_ms = duration.as_secs_f64() * 1000.0;
        let rolled_up = Usage {
            requests: 1,
            // Whole milliseconds in the roll-up; the metric keeps the fraction.
            duration_ms: duration_ms.round() as u64,
            read_units: usage.read_units,
            write_units: usage.write_units,
        };
        let (stored_items, recorded) = tokio::join!(
            self.stored_items(&usage),
            self.store
                .record(&usage.owner, usage.list.as_ref(), day, &rolled_up)
        );
        if let Err(error) = recorded {
            tracing::error!(%error, owner = %usage.owner, "metering: the usage roll-up was not updated");
        }
        let timestamp_ms = facts
            .started_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_millis() as u64);
        let mut line = EmfDocument::new(self.namespace.as_ref(), timestamp_ms)
            .dimension("Owner", usage.owner.as_str());
        line = match &usage.list {
            Some(list) => line
                .dimension("ListId", list.as_str())
                .dimension_set(&["Owner", "ListId"])
                .dimension_set(&["Owner"]),
            None => line.dimension_set(&["Owner"]),
        };
        line = line
            .metric("Requests", Unit::Count, 1.0)
            .metric(
                "Duration",
                Unit::Milliseconds,
                (duration_ms * 1000.0).round() / 1000.0,
            )
            .metric("ReadCapacityUnits", Unit::Count, usage.read_units)
            .metric("WriteCapacityUnits", Unit::Count, usage.write_units);
        if let Some(count) = stored_items {
            line = line.metric("StoredItems", Unit::Count, count as f64);
        }
        let line = line
            .property("route", facts.route.as_str())
            .property("method", facts.method.as_str())
            .property("status", status)
            .property("requestId", facts.request_id.as_str());
        self.sink.write_line(&line.to_line());
    }

    /// The list's todo count after the request, if the request changed it.
    async fn stored_items(&self, usage: &RequestUsage) -> Option<i64> {
        let list = usage.list.as_ref()?;
        let result = if usage.list_deleted {
            self.store
                .remove_list(&usage.owner, list)
                .await
                .map(|()| Some(0))
        } else if usage.stored_items_delta != 0 {
            self.store
                .adjust_items(&usage.owner, list, usage.stored_items_delta)
                .await
        } else {
            return None;
        };
        result
            .inspect_err(|error| {
                tracing::error!(%error, %list, "metering: the list's todo count was not updated");
            })
            .ok()
            .flatten()
    }
}
