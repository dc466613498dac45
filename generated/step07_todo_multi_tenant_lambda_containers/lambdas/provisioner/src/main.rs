//! The tenant-provisioning consumer of step07: it reads `ListCreated` and
//! `ListDeleted` from its SQS queue (fed by an EventBridge rule on the step's bus), creates a
//! new list's DynamoDB table, waits until it is active, writes the list into it and marks it
//! ready (then announces `TenantReady`), and deletes a deleted list's table.
//!
//! Everything interesting lives in `todo_events::Provisioner`; this entry point only wires
//! it. The same binary serves locally when it is not running in Lambda: `POST /` with an SQS
//! event answers the records that failed (see `todo_api::host::run_function`).

use todo_api::{Config, host};
use todo_events::Provisioner;

#[tokio::main]
async fn main() -> Result<(), host::Error> {
    host::init_tracing();
    let config = Config::from_env()?;
    let aws = host::aws_config().await;
    // TABLE_NAME (the users' index), TENANT_TABLE_PREFIX, TENANT_ROLE_ARN, EVENT_BUS_NAME.
    let provisioner = Provisioner::from_env(&aws)?;
    let handle = move |event| {
        let provisioner = provisioner.clone();
        async move { provisioner.handle_sqs(event).await }
    };
    host::run_function("provisioning consumer", handle, config.port).await
}
