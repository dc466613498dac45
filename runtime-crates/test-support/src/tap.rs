//! `CapacityTap`: an HTTP proxy in front of an emulator that adds up the DynamoDB capacity
//! each response reports, so a test can compare what the code under test recorded with
//! what DynamoDB actually said on the wire.
//!
//! Point a client's endpoint at [`CapacityTap::endpoint`]; every request is forwarded
//! unchanged (moto serves DynamoDB and STS on one port, so both pass through) and every
//! DynamoDB answer's `ConsumedCapacity` (an object, or a list for batches and
//! transactions) is counted: its `ReadCapacityUnits`/`WriteCapacityUnits` when present,
//! else its `CapacityUnits` as reads for read operations and as writes for the others.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// DynamoDB operations that only read.
const READ_OPERATIONS: &[&str] = &[
    "GetItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "TransactGetItems",
];

/// Capacity units reported by the emulator since the tap started.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Capacity {
    pub read_units: f64,
    pub write_units: f64,
    /// DynamoDB calls that reported capacity.
    pub calls: u64,
}

/// A running tap; stops when dropped.
pub struct CapacityTap {
    endpoint: String,
    totals: Arc<Mutex<Capacity>>,
    server: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Upstream {
    http: Client<HttpConnector, Full<Bytes>>,
    base: String,
    totals: Arc<Mutex<Capacity>>,
}

impl CapacityTap {
    /// A tap on a free loopback port forwarding to `upstream` (e.g. a moto endpoint).
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound.
    pub async fn start(upstream: &str) -> Self {
        let totals = Arc::new(Mutex::new(Capacity::default()));
        let state = Upstream {
            http: Client::builder(TokioExecutor::new()).build_http(),
            base: upstream.trim_end_matches('/').to_owned(),
            totals: totals.clone(),
        };
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("a loopback port for the capacity tap");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let router = Router::new().fallback(forward).with_state(state);
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the capacity tap serves");
        });
        Self {
            endpoint,
            totals,
            server,
        }
    }

    /// The tap's URL, to use as a client's endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// What DynamoDB reported so far.
    pub fn capacity(&self) -> Capacity {
        *self.totals.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for CapacityTap {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn forward(State(upstream): State<Upstream>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|target| target.to_str().ok())
        .and_then(|target| target.strip_prefix("DynamoDB_20120810."))
        .map(str::to_owned);
    let body = body.collect().await.expect("request body").to_bytes();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut outgoing = http::Request::builder()
        .method(parts.method)
        .uri(format!("{}{path}", upstream.base));
    for (name, value) in &parts.headers {
        outgoing = outgoing.header(name, value);
    }
    let outgoing = outgoing.body(Full::new(body)).expect("a forwarded request");
    let response = upstream
        .http
        .request(outgoing)
        .await
        .expect("the emulator answers the tap");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("response body").to_bytes();
    if let Some(operation) = operation
        && parts.status.is_success()
        && let Ok(answer) = serde_json::from_slice::<Value>(&body)
    {
        count(&upstream.totals, &operation, &answer);
    }
    Response::from_parts(parts, Body::from(body))
}

fn count(totals: &Mutex<Capacity>, operation: &str, answer: &Value) {
    let entries: Vec<&Value> = match answer.get("ConsumedCapacity") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(entry @ Value::Object(_)) => vec![entry],
        _ => return,
    };
    if entries.is_empty() {
        return;
    }
    let reads = READ_OPERATIONS.contains(&operation);
    let mut totals = totals.lock().unwrap_or_else(PoisonError::into_inner);
    totals.calls += 1;
    for entry in entries {
        let units = |name: &str| entry.get(name).and_then(Value::as_f64);
        match (units("ReadCapacityUnits"), units("WriteCapacityUnits")) {
            (None, None) => {
                let total = units("CapacityUnits").unwrap_or_default();
                if reads {
                    totals.read_units += total;
                } else {
                    totals.write_units += total;
                }
            }
            (read, write) => {
                totals.read_units += read.unwrap_or_default();
                totals.write_units += write.unwrap_or_default();
            }
        }
    }
}
