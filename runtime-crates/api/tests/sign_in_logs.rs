//! What a signed-in request logs: the caller's `sub`, on every line logged while the request
//! is handled, and never the token.
//!
//! A binary of its own with a single test: `tracing` caches per call site whether anyone
//! listens, so a subscriber set for one test thread races with tests on other threads.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use todo_api::{AllowedOrigin, AppState, AuthConfig, TokenVerifier, router};
use todo_domain::{ApiError, NewTodo, TenantId, Todo, TodoId, TodoPatch};
use todo_storage::TodoStore;
use todo_test_support::tokens::{CLIENT_ID, JwksServer, POOL_ID, REGION, TestKey, id_claims, now};
use tower::ServiceExt;

const ALICE: &str = "4f1c2a2e-0000-4000-8000-000000000001";

/// A store whose every call fails, so that the router logs an error inside the request.
struct BrokenStore;

#[async_trait]
impl TodoStore for BrokenStore {
    async fn list(&self, _: &TenantId) -> Result<Vec<Todo>, ApiError> {
        Err(ApiError::internal("the database is down"))
    }
    async fn create(&self, _: &TenantId, _: NewTodo) -> Result<Todo, ApiError> {
        Err(ApiError::internal("the database is down"))
    }
    async fn get(&self, _: &TenantId, _: TodoId) -> Result<Todo, ApiError> {
        Err(ApiError::internal("the database is down"))
    }
    async fn update(&self, _: &TenantId, _: TodoId, _: &TodoPatch) -> Result<Todo, ApiError> {
        Err(ApiError::internal("the database is down"))
    }
    async fn delete(&self, _: &TenantId, _: TodoId) -> Result<(), ApiError> {
        Err(ApiError::internal("the database is down"))
    }
}

/// Everything logged, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_name_the_callers_sub_and_never_the_token() {
    use lambda_http::tracing::subscriber;

    let captured = Captured::default();
    let writer = captured.clone();
    let logger = subscriber::fmt()
        .with_max_level(lambda_http::tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // This test's runtime is single-threaded, so the subscriber sees the whole request.
    let _guard = tracing::subscriber::set_default(logger);

    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let config = AuthConfig::cognito(REGION, POOL_ID, CLIENT_ID).with_jwks_url(&jwks.url);
    let state = AppState::single_tenant(Arc::new(BrokenStore))
        .with_sign_in(TokenVerifier::new(config).unwrap());
    let api = router(state, &AllowedOrigin::Any);
    let get_todos = |token: &str| {
        Request::get("/todos")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };

    let token = key.sign(&id_claims());
    let response = api.clone().oneshot(get_todos(&token)).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let mut expired = id_claims();
    expired["exp"] = json!(now() - 3600);
    let expired = key.sign(&expired);
    let response = api.oneshot(get_todos(&expired)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let failure = log
        .lines()
        .find(|line| line.contains("request failed"))
        .unwrap_or_else(|| panic!("no error logged:\n{log}"));
    assert!(failure.contains(&format!("sub={ALICE}")), "{failure}");
    assert!(log.contains("token refused"), "{log}");
    for secret in [&token, &expired] {
        // Any part of a JWT (header, claims, signature) would be a leak.
        for part in secret.split('.') {
            assert!(!log.contains(part), "the log contains a token:\n{log}");
        }
    }
}
