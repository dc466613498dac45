//! The API Lambda of {= s.step.id =}: the todo REST API on DynamoDB, for a single tenant{% if s.sign_in %}, for signed-in users{% endif %}.
//!
//! Everything interesting lives in the runtime crates; this entry point only wires them.
//! The same binary serves locally when it is not running in Lambda (see `todo_api::host`).

use std::sync::Arc;

use todo_api::{{% if s.sign_in %}AppState, AuthConfig, Config, TokenVerifier, host, router{% else %}AppState, Config, host, router{% endif %}};
use todo_storage::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), host::Error> {
    host::init_tracing();
    let config = Config::from_env()?;
{%- if s.sign_in %}
    let verifier = TokenVerifier::new(AuthConfig::from_env()?)?;
{%- endif %}
    let store = DynamoStore::from_env(&config.table_name).await;
    let state = AppState::single_tenant(Arc::new(store)){% if s.sign_in %}.with_sign_in(verifier){% endif %};
    host::run(router(state, &config.allowed_origin), config.port).await
}
