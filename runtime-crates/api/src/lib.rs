//! The todo REST API: one axum `Router`, its configuration, and the host that serves it.
//!
//! The same router runs in Lambda (through `lambda_http`) and on this machine (through
//! `axum::serve`); see [`host`].
//!
//! The multi-tenant steps are configuration too: [`AppState::pool`] serves `/lists` (each
//! list a tenant, in todo-storage's pool model) instead of `/todos`, and
//! [`AppState::with_sharing`] adds the member routes.
//!
//! Sign-in is configuration, not a second router: [`AppState::with_sign_in`] makes every
//! route but `GET /health` require a Cognito ID token that a [`TokenVerifier`] accepts
//! (its settings come from [`AuthConfig::from_env`]); without it, the API is open, as in
//! step00.

mod config;
mod error;
mod extract;
pub mod host;
mod lists;
mod metered;
mod routes;
mod sign_in;
mod usage;

pub use config::{AllowedOrigin, Config};
pub use error::{ErrorBody, HttpError};
pub use extract::{JsonBody, MAX_BODY_BYTES, TodoIdParam, TodoIdPath, UserIdParam, VersionQuery};
pub use lists::{ListTodos, ListView, Lists, Members};
pub use metered::metrics_namespace_from_env;
pub use routes::{AppState, TodoList, router};
/// Sign-in, re-exported so that a step's `main` needs no dependency of its own on todo-auth.
pub use todo_auth::{AuthConfig, AuthError, Caller, ConfigError, TokenVerifier};
/// Sharing's user directory, re-exported so that a step's `main` needs no dependency of its
/// own on todo-directory. `CognitoDirectory` needs this crate's `cognito` feature.
#[cfg(feature = "cognito")]
pub use todo_directory::CognitoDirectory;
pub use todo_directory::{DirectoryUser, MemoryDirectory, UserDirectory};
/// Domain events, re-exported so that a step's `main` needs no dependency of its own on
/// todo-events.
pub use todo_events::{EventBridgePublisher, EventPublisher, MemoryPublisher, PublishedUsage};
/// Metering, re-exported so that a step's `main` needs no dependency of its own on
/// todo-metering.
pub use todo_metering::{DynamoUsageStore, EmfSink, MemorySink, MemoryUsageStore, UsageStore};
pub use usage::{DayUsage, ListUsage, Period, UsageReport, UsageTotal};
