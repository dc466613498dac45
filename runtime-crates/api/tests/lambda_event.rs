//! The router behind Lambda: a recorded-shape API Gateway REST API proxy event, converted by
//! `lambda_http` exactly as in AWS, reaches the right route.
//!
//! This binary holds a single test because it changes a process environment variable,
//! which is only sound while no other thread reads the environment.

use std::sync::Arc;

use axum::http::StatusCode;
use todo_api::{AllowedOrigin, AppState, router};
use todo_domain::Todo;
use todo_storage::MemoryStore;
use tower::ServiceExt;

const REST_API_EVENT: &str = include_str!("fixtures/apigw_rest_post_todo.json");

/// The variable the CDK app sets on the function so that routes need no stage prefix.
const IGNORE_STAGE: &str = "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH";

#[test]
fn rest_api_events_reach_routes_once_the_stage_is_ignored() {
    assert!(
        std::env::var_os(IGNORE_STAGE).is_none(),
        "run this test without {IGNORE_STAGE} set"
    );
    let with_stage = lambda_http::request::from_str(REST_API_EVENT).expect("event parses");
    assert_eq!(
        with_stage.uri().path(),
        "/prod/todos",
        "by default lambda_http puts the REST API stage in the path"
    );

    // SAFETY: this is the only test in this binary and no runtime or other thread has been
    // started yet, so nothing reads the environment concurrently.
    unsafe { std::env::set_var(IGNORE_STAGE, "true") };
    let request = lambda_http::request::from_str(REST_API_EVENT).expect("event parses");
    assert_eq!(request.uri().path(), "/todos");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let api = router(
        AppState::single_tenant(Arc::new(MemoryStore::new())),
        &AllowedOrigin::Any,
    );
    let response = runtime
        .block_on(api.clone().oneshot(with_stage))
        .expect("the router is infallible");
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "a staged path matches no route"
    );
    let response = runtime
        .block_on(api.oneshot(request))
        .expect("the router is infallible");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let body = runtime
        .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
        .unwrap();
    let todo: Todo = serde_json::from_slice(&body).unwrap();
    assert_eq!(todo.title, "from API Gateway");
}
