//! The pre-token-generation trigger of step07: Cognito calls it before it issues a
//! user's tokens, and it writes the ids of the user's lists, read from their list index in
//! DynamoDB, into the ID token (the `tenants` claim, see `todo_claims`).
//!
//! Everything interesting lives in the runtime crates; this entry point only wires them.
//! The same binary serves locally when it is not running in Lambda: `POST /` with a Cognito
//! event answers the event with the claims added (see `todo_api::host::run_function`).

use std::sync::Arc;

use todo_api::{Config, host};
use todo_claims::TokenTrigger;
use todo_storage::DynamoPool;

#[tokio::main]
async fn main() -> Result<(), host::Error> {
    host::init_tracing();
    let config = Config::from_env()?;
    let aws = host::aws_config().await;
    // The list index only: this function never opens a tenant's partition.
    let index = DynamoPool::index_only(&aws, &config.table_name);
    let trigger = TokenTrigger::new(Arc::new(index));
    let handle = move |event| {
        let trigger = trigger.clone();
        async move { trigger.handle(event).await }
    };
    host::run_function("token trigger", handle, config.port).await
}
