//! The usage roll-up consumer of step07: it reads `UsageRecorded`, `TodoAdded`,
//! `TodoRemoved` and `ListDeleted` from its SQS queue (fed by an EventBridge rule on the
//! step's bus) and adds them to each owner's usage and todo counts in the control table,
//! each event exactly once (an idempotency marker in the same transaction).
//!
//! Everything interesting lives in `todo_events::Rollup`; this entry point only wires it.
//! The same binary serves locally when it is not running in Lambda: `POST /` with an SQS
//! event answers the records that failed (see `todo_api::host::run_function`).

use todo_api::{Config, host};
use todo_events::Rollup;

#[tokio::main]
async fn main() -> Result<(), host::Error> {
    host::init_tracing();
    let config = Config::from_env()?;
    let aws = host::aws_config().await;
    // TABLE_NAME: the owners' roll-up items and the idempotency markers.
    let rollup = Rollup::from_env(&aws)?;
    let handle = move |event| {
        let rollup = rollup.clone();
        async move { rollup.handle_sqs(event).await }
    };
    host::run_function("roll-up consumer", handle, config.port).await
}
