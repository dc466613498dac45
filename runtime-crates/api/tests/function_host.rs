//! The local face of `host::run_function`: a JSON event in on `POST /`, the function's
//! answer out.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use todo_api::host::function_router;
use tower::ServiceExt;

#[derive(Debug, thiserror::Error)]
#[error("no user in the event")]
struct NoUser;

/// Answers the event with its `user` echoed into `response`, or fails without one.
async fn echo(mut event: Value) -> Result<Value, NoUser> {
    let user = event.get("user").cloned().ok_or(NoUser)?;
    event["response"] = json!({ "user": user });
    Ok(event)
}

async fn post(body: Value) -> (StatusCode, Value) {
    let response = function_router(echo)
        .oneshot(
            Request::post("/")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn the_event_comes_back_answered() {
    let (status, body) = post(json!({ "user": "a" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "user": "a", "response": { "user": "a" } }));
}

#[tokio::test]
async fn a_failure_is_reported_as_lambda_reports_it() {
    let (status, body) = post(json!({})).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body,
        json!({ "errorType": "FunctionError", "errorMessage": "no user in the event" })
    );
}
