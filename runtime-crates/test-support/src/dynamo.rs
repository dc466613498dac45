//! `MotoDynamo`: a private moto server with the course's DynamoDB todo table.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

use crate::moto::MotoServer;

/// The table every test gets, with the key schema of the course's CDK app.
pub const TABLE_NAME: &str = "todos";

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

    async fn create_todo_table(&self) {
        let key = |name: &str, key_type| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .expect("key schema element has every required field")
        };
        let string_attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition has every required field")
        };
        self.client
            .create_table()
            .table_name(TABLE_NAME)
            .key_schema(key("pk", KeyType::Hash))
            .key_schema(key("sk", KeyType::Range))
            .attribute_definitions(string_attribute("pk"))
            .attribute_definitions(string_attribute("sk"))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "creating table {TABLE_NAME} in moto failed: {}; moto's log:\n{}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(e),
                    self.server.log()
                )
            });
    }
}

/// A client configured entirely in code, so the test never depends on the caller's
/// `AWS_*` environment, profiles or real credentials.
fn dynamodb_client(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .endpoint_url(endpoint)
        .build();
    Client::from_conf(config)
}
