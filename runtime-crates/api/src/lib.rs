//! The todo REST API: one axum `Router`, its configuration, and the host that serves it.
//!
//! The same router runs in Lambda (through `lambda_http`) and on this machine (through
//! `axum::serve`); see [`host`].

mod config;
mod error;
mod extract;
pub mod host;
mod routes;

pub use config::{AllowedOrigin, Config, ConfigError};
pub use error::{ErrorBody, HttpError};
pub use extract::{JsonBody, MAX_BODY_BYTES, TodoIdPath};
pub use routes::{AppState, TodoList, router};
