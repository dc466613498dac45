//! The local face of `host::run_function`: a JSON event in, the function's answer out, on
//! `POST /` and on Lambda's Invoke API path.

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

async fn post(path: &str, body: Value) -> (StatusCode, Option<String>, Value) {
    let response = function_router(echo)
        .oneshot(
            Request::post(path)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let function_error = response
        .headers()
        .get("x-amz-function-error")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (
        status,
        function_error,
        serde_json::from_slice(&bytes).unwrap(),
    )
}

#[tokio::test]
async fn the_event_comes_back_answered() {
    let invoke = "/2015-03-31/functions/step04-token/invocations";
    for path in ["/", invoke] {
        let (status, error, body) = post(path, json!({ "user": "a" })).await;
        assert_eq!((status, error), (StatusCode::OK, None), "{path}");
        assert_eq!(body, json!({ "user": "a", "response": { "user": "a" } }));
    }
}

#[tokio::test]
async fn a_failure_is_reported_as_lambda_reports_it() {
    let (status, error, body) = post("/", json!({})).await;
    assert_eq!((status, error), (StatusCode::INTERNAL_SERVER_ERROR, None));
    assert_eq!(body["errorMessage"], "no user in the event");
    let (status, error, body) =
        post("/2015-03-31/functions/step04-token/invocations", json!({})).await;
    assert_eq!(
        (status, error.as_deref()),
        (StatusCode::OK, Some("Unhandled"))
    );
    assert_eq!(body["errorMessage"], "no user in the event");
}
