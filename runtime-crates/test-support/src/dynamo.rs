//! `MotoDynamo`: a private moto server with the course's DynamoDB todo table.

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
};

use crate::moto::MotoServer;

/// The table every test gets, with the key schema of the course's CDK app.
pub const TABLE_NAME: &str = "todos";

/// The account moto pretends every request comes from.
pub const MOTO_ACCOUNT: &str = "123456789012";

/// The region of the emulated table.
pub const MOTO_REGION: &str = "us-east-1";

/// A tenant-access role ARN in moto's account. moto's STS assumes any role ARN without
/// checking that the role exists (and does not enforce IAM policies).
pub const TENANT_ROLE_ARN: &str = "arn:aws:iam::123456789012:role/todo-tenant-access";

/// The ARN of [`TABLE_NAME`] in moto.
pub const TABLE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/todos";

/// A running moto server with the todo table created. Killed on drop.
pub struct MotoDynamo {
    server: MotoServer,
    client: Client,
}

impl MotoDynamo {
    /// Starts moto, waits until it answers, and creates [`TABLE_NAME`].
    ///
    /// # Panics
    ///
    /// When moto cannot be found or does not start; the message says how to fix it.
    pub async fn start() -> Self {
        let mut server = MotoServer::spawn();
        let client = dynamodb_client(server.endpoint());
        server
            .wait_until_ready(async || client.list_tables().send().await.is_ok())
            .await;
        let moto = Self { server, client };
        moto.create_todo_table().await;
        moto
    }

    /// The emulator's URL, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> &str {
        self.server.endpoint()
    }

    /// A DynamoDB client pointed at this server, with dummy credentials.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// A shared AWS configuration pointed at this server, with dummy credentials, for any
    /// service moto serves on the same port (DynamoDB, STS, ...): what `main` would load
    /// from the environment.
    pub fn sdk_config(&self) -> SdkConfig {
        sdk_config(self.endpoint())
    }

    async fn create_todo_table(&self) {
        if let Err(error) = create_table(&self.client, TABLE_NAME, &["pk", "sk"]).await {
            panic!("{error}; moto's log:\n{}", self.server.log());
        }
    }
}

/// Creates, through `client`, an on-demand table `name` keyed by a string `pk` alone (a
/// stand-in for a tenant table, or for a table of someone else's), and returns the status
/// DynamoDB gave it.
///
/// # Panics
///
/// When the table cannot be created (one of that name exists already).
pub async fn create_pk_table(client: &Client, name: &str) -> Option<TableStatus> {
    create_table(client, name, &["pk"])
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

/// An on-demand table whose key is `keys`' string attributes: the hash key, then the range
/// key if there is one.
async fn create_table(
    client: &Client,
    name: &str,
    keys: &[&str],
) -> Result<Option<TableStatus>, String> {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest);
    for (key, key_type) in keys.iter().zip([KeyType::Hash, KeyType::Range]) {
        request = request
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(*key)
                    .key_type(key_type)
                    .build()
                    .expect("key schema element has every required field"),
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(*key)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("attribute definition has every required field"),
            );
    }
    let output = request.send().await.map_err(|e| {
        format!(
            "creating table {name} failed: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        )
    })?;
    Ok(output
        .table_description
        .and_then(|table| table.table_status))
}

/// A client configured entirely in code, so the test never depends on the caller's
/// `AWS_*` environment, profiles or real credentials.
fn dynamodb_client(endpoint: &str) -> Client {
    Client::new(&sdk_config(endpoint))
}

/// An AWS configuration built entirely in code, for the same reason.
pub(crate) fn sdk_config(endpoint: &str) -> SdkConfig {
    let credentials = Credentials::new("testing", "testing", None, None, "moto");
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(MOTO_REGION))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .endpoint_url(endpoint)
        .build()
}
