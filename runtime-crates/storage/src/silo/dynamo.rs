//! `SiloPool` and `DynamoProvisioner`: the silo model on DynamoDB, one table per tenant.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, OnDemandThroughput,
    ScalarAttributeType, Tag,
};
use todo_domain::{ApiError, TenantId};
use todo_tenancy::{ConfigError, SiloConfig, TenantCredentials, TenantTablePrefix};

use super::{ActiveTables, Silo, TableStatus, TenantProvisioner, Tier};
use crate::dynamo::sdk_error;
use crate::pool::{DynamoPartition, Table, TenantClients, tenant_credentials};
use crate::{DynamoPool, MembershipIndex, TenantPartition};

/// Creates, describes and deletes tenant tables with the API's own credentials.
///
/// IAM: `dynamodb:CreateTable`, `DescribeTable`, `DeleteTable` and `TagResource` (CreateTable
/// with `Tags` needs it) on `arn:aws:dynamodb:<region>:<account>:table/<prefix>*`.
#[derive(Debug, Clone)]
pub struct DynamoProvisioner {
    client: Client,
    prefix: TenantTablePrefix,
}

impl DynamoProvisioner {
    /// A provisioner of the tables named `<prefix><listId>`, through `client`.
    pub fn new(client: Client, prefix: TenantTablePrefix) -> Self {
        Self { client, prefix }
    }

    /// The name of `tenant`'s table.
    pub fn table_name(&self, tenant: &TenantId) -> String {
        self.prefix.table_name(tenant)
    }
}

fn key_element(name: &str, key_type: KeyType) -> Result<KeySchemaElement, ApiError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(ApiError::internal)
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, ApiError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(ApiError::internal)
}

#[async_trait]
impl TenantProvisioner for DynamoProvisioner {
    async fn provision(&self, tenant: &TenantId, tier: &Tier) -> Result<(), ApiError> {
        tier.check()?;
        let name = self.table_name(tenant);
        let tag = Tag::builder()
            .key("tenant")
            .value(tenant.as_str())
            .build()
            .map_err(ApiError::internal)?;
        let result = self
            .client
            .create_table()
            .table_name(&name)
            .key_schema(key_element("pk", KeyType::Hash)?)
            .key_schema(key_element("sk", KeyType::Range)?)
            .attribute_definitions(string_attribute("pk")?)
            .attribute_definitions(string_attribute("sk")?)
            .billing_mode(BillingMode::PayPerRequest)
            .on_demand_throughput(
                OnDemandThroughput::builder()
                    .max_read_request_units(i64::from(tier.max_read_units))
                    .max_write_request_units(i64::from(tier.max_write_units))
                    .build(),
            )
            .tags(tag)
            .send()
            .await;
        match result {
            Ok(_) => {
                tracing::info!(%tenant, table = %name, ?tier, "tenant table requested");
                Ok(())
            }
            // Provisioning again (a retried request) finds the table of the first attempt.
            Err(e) if e.code() == Some("ResourceInUseException") => Ok(()),
            Err(e) => Err(sdk_error(&name, "CreateTable", &e)),
        }
    }

    async fn status(&self, tenant: &TenantId) -> Result<TableStatus, ApiError> {
        let name = self.table_name(tenant);
        let output = match self.client.describe_table().table_name(&name).send().await {
            Ok(output) => output,
            Err(e) if e.code() == Some("ResourceNotFoundException") => {
                return Ok(TableStatus::Missing);
            }
            Err(e) => return Err(sdk_error(&name, "DescribeTable", &e)),
        };
        use aws_sdk_dynamodb::types::TableStatus as Dynamo;
        match output.table.and_then(|table| table.table_status) {
            Some(Dynamo::Active) => Ok(TableStatus::Active),
            Some(Dynamo::Creating | Dynamo::Updating) => Ok(TableStatus::Preparing),
            Some(Dynamo::Deleting) => Ok(TableStatus::Missing),
            // ARCHIVED, INACCESSIBLE_ENCRYPTION_CREDENTIALS, ...: nothing a retry fixes.
            other => Err(ApiError::internal(format!(
                "tenant table {name:?} is unusable: its status is {other:?}"
            ))),
        }
    }

    async fn deprovision(&self, tenant: &TenantId) -> Result<(), ApiError> {
        let name = self.table_name(tenant);
        match self.client.delete_table().table_name(&name).send().await {
            Ok(_) => {
                tracing::info!(%tenant, table = %name, "tenant table deleted");
                Ok(())
            }
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(()),
            // A table being created or updated cannot be deleted yet; one being deleted
            // already is what was asked for.
            Err(e) if e.code() == Some("ResourceInUseException") => {
                match self.status(tenant).await? {
                    TableStatus::Missing => Ok(()),
                    _ => Err(super::table_not_deletable_yet(tenant)),
                }
            }
            Err(e) => Err(sdk_error(&name, "DeleteTable", &e)),
        }
    }
}

/// The silo model's `PoolStore` on DynamoDB: the users' index in the shared control table
/// (the Lambda's own credentials), each tenant in its own table (that tenant's credentials,
/// whose session policy names that table only).
#[derive(Debug)]
pub struct SiloPool {
    index: DynamoPool,
    provisioner: DynamoProvisioner,
    credentials: TenantCredentials<SiloConfig>,
    clients: TenantClients,
    active: ActiveTables,
    page_limit: Option<i32>,
}

impl SiloPool {
    /// A silo pool: the index in `control_table` and the tables (and their provisioning)
    /// through clients of `sdk_config`, tenants' data through `credentials`. Build it once
    /// at startup.
    pub fn new(
        sdk_config: &SdkConfig,
        control_table: impl Into<String>,
        credentials: TenantCredentials<SiloConfig>,
    ) -> Self {
        let provisioner = DynamoProvisioner::new(
            Client::new(sdk_config),
            credentials.config().table_prefix.clone(),
        );
        Self {
            index: DynamoPool::index_only(sdk_config, control_table),
            provisioner,
            credentials,
            clients: TenantClients::new(sdk_config),
            active: ActiveTables::default(),
            page_limit: None,
        }
    }

    /// A silo pool configured from the environment: `TENANT_ROLE_ARN`,
    /// `TENANT_TABLE_PREFIX` and `AWS_REGION` (defaulting to `sdk_config`'s), see
    /// [`SiloConfig`]; the index in `control_table` (`TABLE_NAME`).
    pub fn from_env(sdk_config: &SdkConfig, control_table: &str) -> Result<Self, ConfigError> {
        Self::from_lookup(sdk_config, control_table, |name| std::env::var(name).ok())
    }

    /// [`Self::from_env`], reading variables through `lookup` (a map in tests).
    pub fn from_lookup(
        sdk_config: &SdkConfig,
        control_table: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let credentials =
            tenant_credentials(sdk_config, lookup, |lookup| SiloConfig::from_lookup(lookup))?;
        Ok(Self::new(sdk_config, control_table, credentials))
    }

    /// Caps how many items each Query page returns (index and tenant tables), so tests can
    /// observe pagination.
    #[must_use]
    pub fn with_page_limit(mut self, items_per_page: i32) -> Self {
        self.index = self.index.with_page_limit(items_per_page);
        self.page_limit = Some(items_per_page);
        self
    }

    /// The tenant-scoped credentials provider.
    pub fn credentials(&self) -> &TenantCredentials<SiloConfig> {
        &self.credentials
    }

    /// The name of `tenant`'s table.
    pub fn table_name(&self, tenant: &TenantId) -> String {
        self.provisioner.table_name(tenant)
    }
}

#[async_trait]
impl Silo for SiloPool {
    fn index(&self) -> &dyn MembershipIndex {
        &self.index
    }

    fn provisioner(&self) -> &dyn TenantProvisioner {
        &self.provisioner
    }

    fn active(&self) -> &ActiveTables {
        &self.active
    }

    /// Signed with credentials for `tenant`'s table only.
    async fn open_table(&self, tenant: &TenantId) -> Result<Box<dyn TenantPartition>, ApiError> {
        let credentials = self.credentials.for_tenant(tenant).await?;
        let table = Table::new(
            self.clients.client(tenant, credentials),
            self.table_name(tenant),
            self.page_limit,
        );
        Ok(Box::new(DynamoPartition::new(tenant.clone(), table)))
    }
}
