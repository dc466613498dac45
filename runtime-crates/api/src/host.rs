//! Serving the router: in Lambda through `lambda_http`, elsewhere with `axum::serve`.
//!
//! One router, two hosts: the code a student runs locally is the code that runs in AWS.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Once;

use axum::Router;

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
        serve_locally(router, port).await
    }
}

async fn serve_locally(router: Router, port: u16) -> Result<(), Error> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| {
            format!("cannot listen on {address}: {e}; is another server using it? set PORT to pick another port")
        })?;
    tracing::info!("todo API listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("todo API stopped");
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
