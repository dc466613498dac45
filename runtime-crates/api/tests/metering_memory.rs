//! Step04's metering on memory stores (`MemoryPool`, `MemoryUsageStore`), with tokens signed
//! by todo-test-support's test keys: the fast version of `metering_moto.rs`.

mod common;
mod metering;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use axum::http::{Method, StatusCode};
use common::Api;
use common::lists::User;
use common::users::{self, SignIn, USERS};
use serde_json::json;
use time::Date;
use todo_api::{AllowedOrigin, AppState, MemorySink, MemoryUsageStore, UsageStore};
use todo_domain::{ApiError, TenantId, UserId};
use todo_metering::{Usage, UsageRow};
use todo_storage::MemoryPool;
use todo_test_support::tokens::id_claims;

const NAMESPACE: &str = "TodoTest/Usage";

struct World {
    sign_in: SignIn,
    api: Api,
    sink: Arc<MemorySink>,
    store: Arc<dyn UsageStore>,
}

impl World {
    /// Step04's state as far as metering goes: step03's, metered.
    async fn start() -> Self {
        Self::with_store(Arc::new(MemoryUsageStore::new())).await
    }

    async fn with_store(store: Arc<dyn UsageStore>) -> Self {
        let sign_in = SignIn::start().await;
        let sink = Arc::new(MemorySink::default());
        let state = AppState::pool(Arc::new(MemoryPool::new()), sign_in.verifier())
            .with_sharing(Arc::new(users::directory()))
            .with_metering(store.clone(), NAMESPACE)
            .with_metrics_sink(sink.clone());
        Self {
            sign_in,
            api: Api::from_state(state, &AllowedOrigin::Any),
            sink,
            store,
        }
    }

    fn user(&self, n: usize) -> User {
        users::user(&self.api, n, &self.sign_in.token(n, []))
    }
}

#[tokio::test]
async fn two_owners_and_a_shared_list_in_memory() {
    let world = World::start().await;
    let (alice, bob) = (world.user(0), world.user(1));
    let lines = metering::two_owners_and_a_shared_list(&alice, &bob, &world.sink, NAMESPACE).await;
    // The memory pool reports no DynamoDB capacity.
    let all = lines.all;
    assert_eq!(
        (all.requests, all.read_units, all.write_units),
        (16, 0.0, 0.0)
    );
    metering::usage_matches_the_lines(&alice, &bob, &world.sink, &lines).await;
}

#[tokio::test]
async fn parallel_requests_lose_no_count_in_memory() {
    let world = World::start().await;
    metering::parallel_requests_lose_no_count(&world.user(0), 50).await;
}

#[tokio::test]
async fn bad_usage_queries_are_400_in_memory() {
    let world = World::start().await;
    metering::bad_usage_queries_are_400(&world.user(0)).await;
    assert!(
        world.sink.lines().len() >= 6,
        "refused queries are metered too"
    );
}

#[tokio::test]
async fn a_deleted_lists_count_does_not_come_back_in_memory() {
    let world = World::start().await;
    metering::a_deleted_lists_count_does_not_come_back(&world.user(0), world.store.as_ref()).await;
}

/// The memory roll-up, except that reading a period panics (a bug in a handler's path).
struct PanicsOnRead(MemoryUsageStore);

#[async_trait]
impl UsageStore for PanicsOnRead {
    async fn record(
        &self,
        owner: &UserId,
        list: Option<&TenantId>,
        day: Date,
        usage: &Usage,
    ) -> Result<(), ApiError> {
        self.0.record(owner, list, day, usage).await
    }

    async fn adjust_items(
        &self,
        owner: &UserId,
        list: &TenantId,
        delta: i64,
    ) -> Result<Option<i64>, ApiError> {
        self.0.adjust_items(owner, list, delta).await
    }

    async fn remove_list(&self, owner: &UserId, list: &TenantId) -> Result<(), ApiError> {
        self.0.remove_list(owner, list).await
    }

    async fn period(&self, _: &UserId, _: Date, _: Date) -> Result<Vec<UsageRow>, ApiError> {
        panic!("reading the roll-up went wrong")
    }

    async fn items(&self, owner: &UserId) -> Result<BTreeMap<TenantId, i64>, ApiError> {
        self.0.items(owner).await
    }
}

#[tokio::test]
async fn a_panicking_request_is_metered_in_memory() {
    let world = World::with_store(Arc::new(PanicsOnRead(MemoryUsageStore::new()))).await;
    metering::a_panicking_request_is_metered(&world.user(0), &world.sink).await;
}

#[tokio::test]
async fn without_metering_there_is_no_usage_route_and_no_line() {
    let sign_in = SignIn::start().await;
    let sink = Arc::new(MemorySink::default());
    // A sink without metering does nothing, and neither does metering on a single tenant.
    let state = AppState::pool(Arc::new(MemoryPool::new()), sign_in.verifier())
        .with_metrics_sink(sink.clone());
    let mut claims = id_claims();
    claims["sub"] = json!(USERS[0].0);
    let api = Api::from_state(state, &AllowedOrigin::Any).with_token(&sign_in.key.sign(&claims));
    api.call(Method::GET, "/usage")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(api.call(Method::GET, "/lists").await.status, StatusCode::OK);

    let single = AppState::single_tenant(Arc::new(todo_storage::MemoryStore::new()))
        .with_metering(Arc::new(MemoryUsageStore::new()), NAMESPACE)
        .with_metrics_sink(sink.clone());
    let single = Api::from_state(single, &AllowedOrigin::Any);
    single
        .call(Method::GET, "/usage")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        single.call(Method::GET, "/todos").await.status,
        StatusCode::OK
    );
    assert!(sink.lines().is_empty());
}
