//! Sign-in on `MemoryStore`, with tokens signed by todo-test-support's test keys and a JWKS
//! served on a loopback port: every todo route refuses a request without a good ID token
//! before the store is touched; `/health` and CORS preflights need none; a good token gets
//! the normal behaviour; without sign-in (step00) nothing changes.

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, AUTHORIZATION, ORIGIN, WWW_AUTHENTICATE,
};
use axum::http::{Method, Request, StatusCode};
use common::{Api, Reply, crud_lifecycle};
use serde_json::json;
use todo_api::{AllowedOrigin, AppState, AuthConfig, TokenVerifier};
use todo_domain::{ApiError, NewTodo, TenantId, Todo, TodoId, TodoPatch};
use todo_storage::{MemoryStore, TodoStore};
use todo_test_support::tokens::{
    CLIENT_ID, JwksServer, POOL_ID, REGION, TestKey, access_claims, id_claims, now,
};

/// The test pool's published key, its JWKS server, and a verifier that fetches from it.
struct Pool {
    key: TestKey,
    // Kept alive for the test: the server task stops with the runtime.
    _jwks: JwksServer,
    verifier: TokenVerifier,
}

impl Pool {
    async fn start() -> Self {
        let key = TestKey::first();
        let jwks = JwksServer::start(&[&key]).await;
        let config = AuthConfig::cognito(REGION, POOL_ID, CLIENT_ID).with_jwks_url(&jwks.url);
        Self {
            key,
            _jwks: jwks,
            verifier: TokenVerifier::new(config).unwrap(),
        }
    }

    /// A good ID token of the test pool, for the user `sub`.
    fn id_token(&self, sub: &str) -> String {
        let mut claims = id_claims();
        claims["sub"] = json!(sub);
        claims["cognito:username"] = json!(sub);
        self.key.sign(&claims)
    }

    /// The router with sign-in on, over `store`.
    fn api(&self, store: Arc<dyn TodoStore>) -> Api {
        let state = AppState::single_tenant(store).with_sign_in(self.verifier.clone());
        assert!(state.requires_sign_in());
        Api::from_state(state, &AllowedOrigin::Any)
    }
}

const ALICE: &str = "4f1c2a2e-0000-4000-8000-000000000001";
const BOB: &str = "9b2d7c1a-0000-4000-8000-00000000000b";

/// A store that must never be reached: any call panics, which the router turns into a 500,
/// so a 401 from it proves the request was refused before the store was touched.
struct UntouchableStore;

#[async_trait]
impl TodoStore for UntouchableStore {
    async fn list(&self, _: &TenantId) -> Result<Vec<Todo>, ApiError> {
        panic!("the store was called")
    }
    async fn create(&self, _: &TenantId, _: NewTodo) -> Result<Todo, ApiError> {
        panic!("the store was called")
    }
    async fn get(&self, _: &TenantId, _: TodoId) -> Result<Todo, ApiError> {
        panic!("the store was called")
    }
    async fn update(&self, _: &TenantId, _: TodoId, _: &TodoPatch) -> Result<Todo, ApiError> {
        panic!("the store was called")
    }
    async fn delete(&self, _: &TenantId, _: TodoId) -> Result<(), ApiError> {
        panic!("the store was called")
    }
}

/// Every todo route, each with a request that would succeed (or fail with a 4xx) if it
/// were let in — including bodies and ids that are invalid, which must not be looked at
/// before the caller is known.
async fn every_todo_route(api: &Api) -> Vec<(String, Reply)> {
    let item = format!("/todos/{}", TodoId::generate());
    vec![
        ("GET /todos".into(), api.call(Method::GET, "/todos").await),
        (
            "POST /todos".into(),
            api.json(Method::POST, "/todos", json!({"title": "a"}))
                .await,
        ),
        (
            "POST /todos (bad JSON)".into(),
            api.raw(Method::POST, "/todos", Some("application/json"), "{")
                .await,
        ),
        (format!("GET {item}"), api.call(Method::GET, &item).await),
        (
            format!("PATCH {item}"),
            api.json(Method::PATCH, &item, json!({"done": true})).await,
        ),
        (
            format!("DELETE {item}"),
            api.call(Method::DELETE, &item).await,
        ),
        (
            "GET /todos/not-a-uuid".into(),
            api.call(Method::GET, "/todos/not-a-uuid").await,
        ),
    ]
}

fn assert_unauthorized(route: &str, reply: &Reply, challenge: &str) {
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(
        reply
            .headers
            .get(WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap()),
        Some(challenge),
        "{route}"
    );
}

#[tokio::test]
async fn every_todo_route_without_a_token_is_a_json_401_before_the_store() {
    let pool = Pool::start().await;
    let api = pool.api(Arc::new(UntouchableStore));
    for (route, reply) in every_todo_route(&api).await {
        assert_unauthorized(&route, &reply, "Bearer");
        let message = reply.json()["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains("Authorization: Bearer"),
            "{route}: {message}"
        );
    }
}

#[tokio::test]
async fn bad_tokens_are_401s_on_every_todo_route() {
    let pool = Pool::start().await;
    let api = pool.api(Arc::new(UntouchableStore));
    let mut expired = id_claims();
    expired["exp"] = json!(now() - 3600);
    let mut other_client = id_claims();
    other_client["aud"] = json!("another-app-client");
    let mut other_pool = id_claims();
    other_pool["iss"] = json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other");
    let unpublished_key = TestKey::second();
    let cases = [
        ("expired", pool.key.sign(&expired), "expired"),
        (
            "wrong audience",
            pool.key.sign(&other_client),
            "another app client",
        ),
        ("another pool", pool.key.sign(&other_pool), "another issuer"),
        (
            "access token",
            pool.key.sign(&access_claims()),
            "invalid token",
        ),
        (
            "unpublished key",
            unpublished_key.sign(&id_claims()),
            "invalid token",
        ),
        ("garbage", "not.a.jwt".to_owned(), "malformed token"),
    ];
    for (case, token, reason) in cases {
        for (route, reply) in every_todo_route(&api.with_token(&token)).await {
            let route = format!("{case}: {route}");
            assert_unauthorized(&route, &reply, r#"Bearer error="invalid_token""#);
            let message = reply.json()["message"].as_str().unwrap().to_owned();
            assert!(message.contains(reason), "{route}: {message}");
            assert!(!message.contains(&token), "{route}: the token is echoed");
        }
    }
}

#[tokio::test]
async fn a_good_id_token_gets_the_whole_api() {
    let pool = Pool::start().await;
    let api = pool.api(Arc::new(MemoryStore::new()));
    crud_lifecycle(&api.with_token(&pool.id_token(ALICE))).await;
}

#[tokio::test]
async fn every_signed_in_user_shares_the_one_todo_list() {
    let pool = Pool::start().await;
    let api = pool.api(Arc::new(MemoryStore::new()));
    let (alice, bob) = (
        api.with_token(&pool.id_token(ALICE)),
        api.with_token(&pool.id_token(BOB)),
    );
    let created = alice
        .json(Method::POST, "/todos", json!({"title": "shared"}))
        .await
        .todo(StatusCode::CREATED);
    let listed = bob.call(Method::GET, "/todos").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(
        listed.json()["todos"][0]["id"],
        json!(created.id.to_string())
    );
    bob.call(Method::DELETE, &format!("/todos/{}", created.id))
        .await;
    assert_eq!(
        alice.call(Method::GET, "/todos").await.json(),
        json!({"todos": []})
    );
}

#[tokio::test]
async fn health_needs_no_token() {
    let pool = Pool::start().await;
    let api = pool.api(Arc::new(UntouchableStore));
    for api in [api.clone(), api.with_token("not.a.jwt")] {
        let reply = api.call(Method::GET, "/health").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json(), json!({"status": "ok"}));
    }
}

#[tokio::test]
async fn cors_preflights_need_no_token_and_refusals_carry_cors_headers() {
    let pool = Pool::start().await;
    let api = pool.api(Arc::new(UntouchableStore));
    let item = format!("/todos/{}", TodoId::generate());
    for (path, method) in [("/todos", "POST"), (item.as_str(), "PATCH")] {
        let preflight = api
            .send(
                Request::builder()
                    .method(Method::OPTIONS)
                    .uri(path)
                    .header(ORIGIN, "http://localhost:5173")
                    .header(ACCESS_CONTROL_REQUEST_METHOD, method)
                    .header(ACCESS_CONTROL_REQUEST_HEADERS, "authorization,content-type")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(
            preflight.status.is_success(),
            "{path}: {:?}",
            preflight.status
        );
        assert_eq!(preflight.headers[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let headers = preflight.headers[ACCESS_CONTROL_ALLOW_HEADERS]
            .to_str()
            .unwrap();
        assert!(headers.contains("authorization"), "{headers}");
    }

    // The browser lets the SPA read the 401 (and so ask the user to sign in) only if the
    // refusal carries CORS headers too.
    let refused = api
        .send(
            Request::builder()
                .uri("/todos")
                .header(ORIGIN, "http://localhost:5173")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_unauthorized("GET /todos", &refused, "Bearer");
    assert_eq!(refused.headers[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
}

#[tokio::test]
async fn unknown_routes_are_still_json_404s() {
    let pool = Pool::start().await;
    let api = pool.api(Arc::new(UntouchableStore));
    api.call(Method::GET, "/nope")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn without_sign_in_no_token_is_needed_and_any_is_ignored() {
    // step00: `AppState::single_tenant` alone.
    let state = AppState::single_tenant(Arc::new(MemoryStore::new()));
    assert!(!state.requires_sign_in());
    let api = Api::from_state(state, &AllowedOrigin::Any);
    crud_lifecycle(&api).await;
    let with_garbage = api.with_token("not.a.jwt");
    with_garbage
        .json(Method::POST, "/todos", json!({"title": "a"}))
        .await
        .todo(StatusCode::CREATED);
    let reply = with_garbage
        .send(
            Request::builder()
                .uri("/todos")
                .header(AUTHORIZATION, "Basic dXNlcjpwYXNz")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.headers.contains_key(WWW_AUTHENTICATE));
}
