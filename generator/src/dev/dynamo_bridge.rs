//! The local DynamoDB endpoint of a silo step: moto's tables, with AWS's creation time.
//!
//! On AWS a new table is `CREATING` for a few seconds before it is `ACTIVE`, and item
//! requests to it fail with `ResourceNotFoundException` meanwhile; moto makes every table
//! `ACTIVE` at once. The silo steps' API (step05 on) creates a table per tenant and shows
//! the list as "preparing" until it is active, so locally that state would never be seen.
//! This bridge forwards every DynamoDB call to moto unchanged, except that a tenant table
//! (its name starts with the step's `TENANT_TABLE_PREFIX`) is reported `CREATING` for
//! `creating_for` after its CreateTable, and answers item requests, and DeleteTable, as AWS
//! does for such a table.

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::local_http::{Request, listen, read_request, respond};

const TARGET_PREFIX: &str = "DynamoDB_20120810.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// What the bridge needs to run.
pub struct DynamoBridgeConfig {
    /// moto's base URL, ending in `/`.
    pub emulator_url: String,
    /// Only tables whose names start with this take time to create.
    pub table_prefix: String,
    /// How long a new tenant table stays `CREATING`.
    pub creating_for: Duration,
}

/// Starts the bridge on `127.0.0.1:port`, serving until the process ends.
pub fn start(port: u16, config: DynamoBridgeConfig) -> std::io::Result<()> {
    let bridge = Bridge {
        config,
        active_at: Mutex::default(),
        agent: ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .new_agent(),
    };
    listen(port, "dynamo-bridge", move |stream| bridge.serve(stream))
}

struct Bridge {
    config: DynamoBridgeConfig,
    /// When each tenant table created through the bridge becomes active.
    active_at: Mutex<BTreeMap<String, Instant>>,
    agent: ureq::Agent,
}

/// One answer in DynamoDB's JSON protocol.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Answer {
    fn error(kind: &str, message: &str) -> Self {
        let body = json!({
            "__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"),
            "message": message,
        });
        Self {
            status: 400,
            body: body.to_string().into_bytes(),
        }
    }
}

impl Bridge {
    fn serve(&self, mut stream: TcpStream) {
        let answer = match read_request(&stream) {
            Ok(request) => self.answer(&request),
            Err(message) => Answer::error("SerializationException", &message),
        };
        respond(&mut stream, answer.status, CONTENT_TYPE, "", &answer.body);
    }

    fn answer(&self, request: &Request) -> Answer {
        let operation = request
            .headers
            .get("x-amz-target")
            .and_then(|target| target.strip_prefix(TARGET_PREFIX))
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let creating: Vec<&str> = tables_named(operation, &body)
            .into_iter()
            .filter(|table| self.is_creating(table))
            .collect();
        match operation {
            // AWS refuses to delete a table that is still being created.
            "DeleteTable" if !creating.is_empty() => {
                return Answer::error(
                    "ResourceInUseException",
                    &format!(
                        "Attempt to change a resource which is still in use: Table is being created: {}",
                        creating[0]
                    ),
                );
            }
            "CreateTable" | "DescribeTable" | "DeleteTable" => {}
            // An item request to a table that is not active yet.
            _ if !creating.is_empty() => {
                return Answer::error("ResourceNotFoundException", "Requested resource not found");
            }
            _ => {}
        }
        let mut answer = match self.forward(request) {
            Ok(answer) => answer,
            Err(message) => {
                return Answer {
                    status: 502,
                    body: json!({ "message": message }).to_string().into_bytes(),
                };
            }
        };
        if answer.status == 200 {
            let created = (operation == "CreateTable")
                .then(|| body["TableName"].as_str())
                .flatten()
                .filter(|table| table.starts_with(&self.config.table_prefix));
            if let Some(table) = created {
                let active_at = Instant::now() + self.config.creating_for;
                self.lock().insert(table.to_owned(), active_at);
            }
            if created.is_some() || (operation == "DescribeTable" && !creating.is_empty()) {
                answer.body = report_creating(&answer.body);
            }
        }
        answer
    }

    /// Whether `table` was created through the bridge and is not active yet.
    fn is_creating(&self, table: &str) -> bool {
        self.lock()
            .get(table)
            .is_some_and(|active_at| Instant::now() < *active_at)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Instant>> {
        self.active_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `request` to moto as it came, and reads moto's answer.
    fn forward(&self, request: &Request) -> Result<Answer, String> {
        let url = format!(
            "{}{}",
            self.config.emulator_url,
            request.path.trim_start_matches('/')
        );
        let mut forwarded = self.agent.post(&url);
        for (name, value) in &request.headers {
            if !matches!(name.as_str(), "host" | "content-length" | "connection") {
                forwarded = forwarded.header(name, value);
            }
        }
        let mut response = forwarded
            .send(&request.body[..])
            .map_err(|e| format!("the emulator did not answer: {e}"))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_vec()
            .map_err(|e| format!("cannot read the emulator's answer: {e}"))?;
        Ok(Answer { status, body })
    }
}

/// The tables a DynamoDB request names: `TableName`, or each table of a batch or
/// transaction.
fn tables_named<'a>(operation: &str, body: &'a Value) -> Vec<&'a str> {
    match operation {
        "BatchGetItem" | "BatchWriteItem" => body["RequestItems"]
            .as_object()
            .map(|tables| tables.keys().map(String::as_str).collect())
            .unwrap_or_default(),
        "TransactWriteItems" | "TransactGetItems" => body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item.as_object()?.values().next()?["TableName"].as_str())
            .collect(),
        _ => body["TableName"].as_str().into_iter().collect(),
    }
}

/// moto's CreateTable or DescribeTable answer, with the table's status `CREATING`.
fn report_creating(body: &[u8]) -> Vec<u8> {
    let Ok(mut answer) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    for description in ["TableDescription", "Table"] {
        if let Some(table) = answer.get_mut(description).and_then(Value::as_object_mut) {
            table.insert("TableStatus".into(), json!("CREATING"));
        }
    }
    answer.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::Client;
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    use aws_sdk_dynamodb::types::{AttributeValue, TableStatus};
    use todo_test_support::{MotoDynamo, create_pk_table};

    use super::super::local_http::free_port;
    use super::*;

    async fn status(client: &Client, name: &str) -> Option<TableStatus> {
        let output = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .unwrap();
        output.table?.table_status
    }

    async fn put(client: &Client, name: &str) -> Result<(), String> {
        client
            .put_item()
            .table_name(name)
            .item("pk", AttributeValue::S("k".into()))
            .send()
            .await
            .map(drop)
            .map_err(|e| e.code().unwrap_or_default().to_owned())
    }

    #[tokio::test]
    async fn a_tenant_table_is_creating_for_a_while_on_moto() {
        let moto = MotoDynamo::start().await;
        let port = free_port();
        start(
            port,
            DynamoBridgeConfig {
                emulator_url: format!("{}/", moto.endpoint()),
                table_prefix: "tenant-".into(),
                creating_for: Duration::from_secs(2),
            },
        )
        .unwrap();
        let config = aws_sdk_dynamodb::config::Builder::from(&moto.sdk_config())
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .build();
        let client = Client::from_conf(config);

        assert_eq!(
            create_pk_table(&client, "tenant-a").await,
            Some(TableStatus::Creating)
        );
        assert_eq!(
            status(&client, "tenant-a").await,
            Some(TableStatus::Creating)
        );
        assert_eq!(
            put(&client, "tenant-a").await,
            Err("ResourceNotFoundException".into())
        );
        let deleted = client.delete_table().table_name("tenant-a").send().await;
        assert_eq!(deleted.unwrap_err().code(), Some("ResourceInUseException"));
        // Other tables are as moto makes them: active at once.
        assert_eq!(
            create_pk_table(&client, "control").await,
            Some(TableStatus::Active)
        );
        assert_eq!(put(&client, "control").await, Ok(()));

        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(status(&client, "tenant-a").await, Some(TableStatus::Active));
        assert_eq!(put(&client, "tenant-a").await, Ok(()));
        client
            .delete_table()
            .table_name("tenant-a")
            .send()
            .await
            .unwrap();
    }

    #[test]
    fn every_table_of_a_request_is_found() {
        let transaction = json!({ "TransactItems": [
            { "Put": { "TableName": "a", "Item": {} } },
            { "ConditionCheck": { "TableName": "b" } },
        ]});
        assert_eq!(tables_named("TransactWriteItems", &transaction), ["a", "b"]);
        let batch = json!({ "RequestItems": { "c": [], "d": [] } });
        assert_eq!(tables_named("BatchWriteItem", &batch), ["c", "d"]);
        assert_eq!(tables_named("Query", &json!({ "TableName": "e" })), ["e"]);
        assert!(tables_named("ListTables", &json!({})).is_empty());
    }

    #[test]
    fn a_creating_table_is_reported_as_such() {
        let described = json!({ "Table": { "TableName": "t", "TableStatus": "ACTIVE" } });
        let reported: Value =
            serde_json::from_slice(&report_creating(described.to_string().as_bytes())).unwrap();
        assert_eq!(reported["Table"]["TableStatus"], "CREATING");
        assert_eq!(reported["Table"]["TableName"], "t");
    }
}
