//! The API Lambda of {= s.step.id =}: the todo REST API on DynamoDB, {% if s.multi_tenant %}many lists per signed-in user, {% if s.silo %}each list a tenant with a DynamoDB table of its own (the silo model){% else %}each list a tenant of one shared table (the pool model){% endif %}{% if s.sharing %}, shared with other users by email{% endif %}{% if s.metering %}, each request metered and billed to the list's owner{% endif %}{% else %}for a single tenant{% if s.sign_in %}, for signed-in users{% endif %}{% endif %}.
//!
//! Everything interesting lives in the runtime crates; this entry point only wires them.
//! The same binary serves locally when it is not running in Lambda (see `todo_api::host`).

use std::sync::Arc;

{% if s.multi_tenant -%}
use todo_api::{AppState, AuthConfig, {% if s.sharing %}CognitoDirectory, {% endif %}Config, TokenVerifier, host, router};
{%- if s.metering %}
use todo_api::{DynamoUsageStore, metrics_namespace_from_env};
{%- endif %}
{%- if s.events %}
use todo_api::{EventBridgePublisher, EventPublisher, PublishedUsage};
{%- endif %}
{%- if s.silo %}
use todo_storage::{SiloPool, Tier};
{%- else %}
use todo_storage::DynamoPool;
{%- endif %}
{%- else -%}
use todo_api::{{% if s.sign_in %}AppState, AuthConfig, Config, TokenVerifier, host, router{% else %}AppState, Config, host, router{% endif %}};
use todo_storage::DynamoStore;
{%- endif %}

#[tokio::main]
async fn main() -> Result<(), host::Error> {
    host::init_tracing();
    let config = Config::from_env()?;
{%- if s.sign_in %}
    let verifier = TokenVerifier::new(AuthConfig::from_env()?)?;
{%- endif %}
{%- if s.multi_tenant %}
    let aws = host::aws_config().await;
{%- if s.silo %}
    // Each list gets a table of its own (TENANT_TABLE_PREFIX + list id) when it is created,
    // reached with credentials scoped to that one table (TENANT_ROLE_ARN); the users' index
    // stays in TABLE_NAME.
    let silo = SiloPool::from_env(&aws, &config.table_name)?;
{%- else %}
    // Each tenant's items are reached with credentials scoped to that tenant (TENANT_ROLE_ARN).
    let pool = DynamoPool::from_env(&aws, &config.table_name)?;
{%- endif %}
{%- if s.events %}
    // Every user action is published on EVENT_BUS_NAME; consumers behind SQS queues create
    // and delete the lists' tables and keep the usage roll-up.
    let events: Arc<dyn EventPublisher> = Arc::new(EventBridgePublisher::from_env(&aws)?);
{%- endif %}
{%- if s.metering %}
{%- if s.events %}
    // Every request prints one CloudWatch EMF line (metrics per list and owner, in
    // METRICS_NAMESPACE) and is published as `UsageRecorded` for the roll-up consumer, which
    // adds it to its owner's daily usage in the same table (read by GET /usage).
    let usage = PublishedUsage::new(
        events.clone(),
        Arc::new(DynamoUsageStore::new(&aws, &config.table_name)),
    );
{%- else %}
    // Every request prints one CloudWatch EMF line (metrics per list and owner, in
    // METRICS_NAMESPACE) and is added to its owner's daily usage in the same table.
    let usage = DynamoUsageStore::new(&aws, &config.table_name);
{%- endif %}
{%- endif %}
    let state = {% if s.silo %}AppState::silo(Arc::new(silo), Tier::STANDARD, verifier){% else %}AppState::pool(Arc::new(pool), verifier){% endif %}{% if s.sharing %}
        .with_sharing(Arc::new(CognitoDirectory::from_env(&aws)?)){% endif %}{% if s.tenant_claims %}
        .with_tenant_claims(){% endif %}{% if s.metering %}
        .with_metering(Arc::new(usage), metrics_namespace_from_env()?){% endif %}{% if s.events %}
        .with_events(events){% endif %};
{%- else %}
    let store = DynamoStore::from_env(&config.table_name).await;
    let state = AppState::single_tenant(Arc::new(store)){% if s.sign_in %}.with_sign_in(verifier){% endif %};
{%- endif %}
    host::run(router(state, &config.allowed_origin), config.port).await
}
