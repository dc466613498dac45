//! The API Lambda of step01: the todo REST API on DynamoDB, for a single tenant, for signed-in users.
//!
//! Everything interesting lives in the runtime crates; this entry point only wires them.
//! The same binary serves locally when it is not running in Lambda (see `todo_api::host`).

use std::sync::Arc;

use todo_api::{AppState, AuthConfig, Config, TokenVerifier, host, router};
use todo_storage::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), host::Error> {
    host::init_tracing();
    let config = Config::from_env()?;
    let verifier = TokenVerifier::new(AuthConfig::from_env()?)?;
    let store = DynamoStore::from_env(&config.table_name).await;
    let state = AppState::single_tenant(Arc::new(store)).with_sign_in(verifier);
    host::run(router(state, &config.allowed_origin), config.port).await
}
