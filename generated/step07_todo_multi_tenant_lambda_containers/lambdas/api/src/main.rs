//! The API Lambda of step07: the todo REST API on DynamoDB, many lists per signed-in user, each list a tenant with a DynamoDB table of its own (the silo model), shared with other users by email, each request metered and billed to the list's owner.
//!
//! Everything interesting lives in the runtime crates; this entry point only wires them.
//! The same binary serves locally when it is not running in Lambda (see `todo_api::host`).

use std::sync::Arc;

use todo_api::{AppState, AuthConfig, CognitoDirectory, Config, TokenVerifier, host, router};
use todo_api::{DynamoUsageStore, metrics_namespace_from_env};
use todo_api::{EventBridgePublisher, EventPublisher, PublishedUsage};
use todo_storage::{SiloPool, Tier};

#[tokio::main]
async fn main() -> Result<(), host::Error> {
    host::init_tracing();
    let config = Config::from_env()?;
    let verifier = TokenVerifier::new(AuthConfig::from_env()?)?;
    let aws = host::aws_config().await;
    // Each list gets a table of its own (TENANT_TABLE_PREFIX + list id) when it is created,
    // reached with credentials scoped to that one table (TENANT_ROLE_ARN); the users' index
    // stays in TABLE_NAME.
    let silo = SiloPool::from_env(&aws, &config.table_name)?;
    // Every user action is published on EVENT_BUS_NAME; consumers behind SQS queues create
    // and delete the lists' tables and keep the usage roll-up.
    let events: Arc<dyn EventPublisher> = Arc::new(EventBridgePublisher::from_env(&aws)?);
    // Every request prints one CloudWatch EMF line (metrics per list and owner, in
    // METRICS_NAMESPACE) and is published as `UsageRecorded` for the roll-up consumer, which
    // adds it to its owner's daily usage in the same table (read by GET /usage).
    let usage = PublishedUsage::new(
        events.clone(),
        Arc::new(DynamoUsageStore::new(&aws, &config.table_name)),
    );
    let state = AppState::silo(Arc::new(silo), Tier::STANDARD, verifier)
        .with_sharing(Arc::new(CognitoDirectory::from_env(&aws)?))
        .with_tenant_claims()
        .with_metering(Arc::new(usage), metrics_namespace_from_env()?)
        .with_events(events);
    host::run(router(state, &config.allowed_origin), config.port).await
}
