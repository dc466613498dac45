//! Serving the router: in Lambda through `lambda_http`, elsewhere with `axum::serve`; and
//! the same two hosts for a function that answers JSON events ([`run_function`], e.g. a
//! Cognito trigger).
//!
//! One router, two hosts: the code a student runs locally is the code that runs in AWS.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Once;

use axum::Router;
use axum::extract::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};

/// The error `main` returns; `lambda_http`'s boxed error, so both hosts share it.
pub type Error = lambda_http::Error;

/// The AWS configuration of the environment, for every SDK client `main` builds: region
/// and credentials from the Lambda runtime, or the usual `AWS_*` variables and profiles
/// locally; `AWS_ENDPOINT_URL` points every client at an emulator. Load it once, at startup.
pub async fn aws_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// True inside the Lambda execution environment, which always sets this variable.
pub fn running_in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// Installs the global `tracing` subscriber; later calls do nothing.
///
/// Level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` (default INFO); JSON lines when the
/// function's log format is JSON (`AWS_LAMBDA_LOG_FORMAT=JSON`), plain text otherwise.
pub fn init_tracing() {
    static INIT: Once = Once::new();
    INIT.call_once(lambda_http::tracing::init_default_subscriber);
}

/// Serves `router` until the process is told to stop.
///
/// In Lambda, events from API Gateway become requests. The REST API puts its stage in
/// the path (`/prod/todos`) unless the function sets `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH`
/// (any value), which the course's CDK app does. Elsewhere, it listens on
/// `127.0.0.1:<port>` and shuts down gracefully on Ctrl-C or SIGTERM.
pub async fn run(router: Router, port: u16) -> Result<(), Error> {
    init_tracing();
    if running_in_lambda() {
        lambda_http::run(router).await
    } else {
        serve_locally(router, port, "todo API").await
    }
}

/// Runs `function`, which takes a JSON event and answers JSON (a Cognito user pool trigger
/// answers the event with its `response` filled in), until the process is told to stop.
///
/// In Lambda, through `lambda_runtime`: a failure fails the invocation with its message.
/// Elsewhere, on `127.0.0.1:<port>`, for a local Cognito emulator or a test to call:
/// `POST /` with the event as the body answers 200 with the function's answer, or 500 with
/// `{"errorType", "errorMessage"}`.
pub async fn run_function<F, Fut, E>(
    name: &'static str,
    function: F,
    port: u16,
) -> Result<(), Error>
where
    F: Fn(Value) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    init_tracing();
    if running_in_lambda() {
        let handler = lambda_http::service_fn(move |event: lambda_http::LambdaEvent<Value>| {
            let answer = function(event.payload);
            async move { answer.await.map_err(Error::from) }
        });
        lambda_http::lambda_runtime::run(handler).await
    } else {
        serve_locally(function_router(function), port, name).await
    }
}

/// The local face of [`run_function`].
pub fn function_router<F, Fut, E>(function: F) -> Router
where
    F: Fn(Value) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    Router::new().route(
        "/",
        post(
            async move |Json(event): Json<Value>| match function(event).await {
                Ok(answer) => Json(answer).into_response(),
                Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, failure(&error)).into_response(),
            },
        ),
    )
}

/// A failed invocation's body, as Lambda reports one.
fn failure(error: &(dyn std::error::Error + 'static)) -> Json<Value> {
    tracing::error!(%error, "the function failed");
    Json(json!({ "errorType": "FunctionError", "errorMessage": error.to_string() }))
}

async fn serve_locally(router: Router, port: u16, name: &str) -> Result<(), Error> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| {
            format!("cannot listen on {address}: {e}; is another server using it? set PORT to pick another port")
        })?;
    tracing::info!("{name} listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("{name} stopped");
    Ok(())
}

/// Resolves on Ctrl-C, or on SIGTERM (what process managers and test runners send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            // Without a handler there is nothing to wait for; keep serving rather than
            // shutting down at once.
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
