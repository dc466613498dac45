//! Test helper: a private moto server (a local AWS emulator) with a DynamoDB todo table.
//!
//! Each `MotoDynamo` owns its own `moto_server` process on a free loopback port, so tests
//! never share state and run in parallel; dropping it kills the process. The SDK client it
//! hands out carries dummy credentials, a region and the emulator's endpoint in its own
//! configuration, so nothing leaks into (or is read from) the environment of the machine.
//!
//! The server is found in this order: `$MOTO_SERVER`, `<workspace>/.venv/bin/moto_server`,
//! then `moto_server` on `PATH`. A missing server is a test failure, never a skip.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

/// How long moto may take to start; it is a Python program and the machine may be busy
/// compiling, so this is generous.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The table every test gets, with the key schema of the course's CDK app.
pub const TABLE_NAME: &str = "todos";

/// A running moto server with the todo table created. Killed on drop.
pub struct MotoDynamo {
    process: Child,
    endpoint: String,
    client: Client,
    log_path: PathBuf,
}

impl MotoDynamo {
    /// Starts moto, waits until it answers, and creates [`TABLE_NAME`].
    ///
    /// # Panics
    ///
    /// When moto cannot be found or does not start; the message says how to fix it.
    pub async fn start() -> Self {
        let program = find_moto_server();
        let port = free_loopback_port();
        let log_path = std::env::temp_dir().join(format!("todo-test-moto-{port}.log"));
        // moto logs every request; a file (unlike a pipe nobody reads) can never fill up
        // and stall the server, and it is there to read when something goes wrong.
        let log = File::create(&log_path)
            .unwrap_or_else(|e| panic!("cannot create moto log {}: {e}", log_path.display()));
        let log_for_stderr = log
            .try_clone()
            .unwrap_or_else(|e| panic!("cannot share moto log {}: {e}", log_path.display()));
        let process = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_for_stderr)
            .spawn()
            .unwrap_or_else(|e| {
                let _ = std::fs::remove_file(&log_path);
                panic!(
                    "cannot start {}: {e}; run tests/run once to create .venv, or set MOTO_SERVER",
                    program.display()
                )
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = dynamodb_client(&endpoint);
        let mut moto = Self {
            process,
            endpoint,
            client,
            log_path,
        };
        moto.wait_until_ready().await;
        moto.create_todo_table().await;
        moto
    }

    /// The emulator's URL, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A DynamoDB client pointed at this server, with dummy credentials.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    async fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.process.try_wait() {
                panic!(
                    "moto_server exited during startup ({status}); its log:\n{}",
                    self.log()
                );
            }
            if self.client.list_tables().send().await.is_ok() {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "moto_server did not answer at {} within {STARTUP_TIMEOUT:?}; its log:\n{}",
                    self.endpoint,
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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
                    "creating table {TABLE_NAME} in moto failed: {}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(e)
                )
            });
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path)
            .unwrap_or_else(|e| format!("(cannot read {}: {e})", self.log_path.display()))
    }
}

impl Drop for MotoDynamo {
    fn drop(&mut self) {
        // Errors are ignored: the process may already have exited, and a failing drop must
        // not hide the test's own failure.
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_file(&self.log_path);
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

fn find_moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let in_venv = workspace_root.join(".venv/bin/moto_server");
    if in_venv.is_file() {
        return in_venv;
    }
    if let Some(on_path) = find_on_path("moto_server") {
        return on_path;
    }
    panic!(
        "moto_server not found (looked at $MOTO_SERVER, {}, and PATH): \
         run tests/run once to create .venv, or set MOTO_SERVER",
        in_venv.display()
    );
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A port that was free a moment ago. The OS picks it, so parallel tests do not collide;
/// the tiny window before moto binds it is acceptable for tests.
fn free_loopback_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("the OS can always hand out a loopback port")
}
