//! The step's queue consumers: what Lambda's SQS event source mappings do in AWS, done on this
//! machine.
//!
//! In AWS, an `AWS::Lambda::EventSourceMapping` from an SQS queue polls the queue, invokes the
//! function with a batch of messages, and deletes the messages the invocation handled. moto
//! does not invoke functions, so here a poller thread per mapping does it: it receives from
//! the emulator's queue, `POST`s the Lambda SQS event to the function, which runs as a local
//! HTTP server (`todo_api::host::run_function`), and deletes what Lambda would delete. The
//! rest reappears after the queue's visibility timeout and, after the redrive policy's
//! `maxReceiveCount`, moves to the dead-letter queue (moto honors redrive policies).

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::provision::{Emulator, SQS};
use super::template::{Template, referenced_resource};

/// Lambda's default batch size for SQS, and the most one ReceiveMessage returns.
const MAX_BATCH: usize = 10;
/// How long each ReceiveMessage waits for a message (long polling): short, so that a stop is
/// seen quickly.
const WAIT_SECONDS: u64 = 1;
/// How long to wait before receiving again after the emulator failed to answer.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// An `AWS::Lambda::EventSourceMapping` that feeds a function from an SQS queue of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping<'a> {
    pub logical_id: &'a str,
    /// The function's logical id.
    pub function: &'a str,
    /// The queue's logical id.
    pub queue: &'a str,
    /// Messages per invocation, at most [`MAX_BATCH`] (Lambda batches up to 10 000 over a
    /// batching window; locally one ReceiveMessage makes a batch).
    pub batch_size: usize,
    /// `FunctionResponseTypes` has `ReportBatchItemFailures`: the function's answer names the
    /// records that failed, and only those stay in the queue.
    pub report_failures: bool,
}

/// The template's enabled event source mappings from its SQS queues to its functions.
pub fn sqs_mappings(template: &Template) -> Vec<Mapping<'_>> {
    template
        .of_type("AWS::Lambda::EventSourceMapping")
        .filter(|(_, r)| r.properties["Enabled"] != json!(false))
        .filter_map(|(id, r)| {
            let properties = &r.properties;
            let queue = referenced_resource(&properties["EventSourceArn"]).filter(|q| {
                template.resources.get(*q).map(|r| r.kind.as_str()) == Some("AWS::SQS::Queue")
            })?;
            let function = referenced_resource(&properties["FunctionName"])?;
            let batch_size = properties["BatchSize"]
                .as_u64()
                .or_else(|| properties["BatchSize"].as_str()?.parse().ok())
                .map_or(MAX_BATCH, |n| usize::try_from(n).unwrap_or(MAX_BATCH))
                .clamp(1, MAX_BATCH);
            let report_failures = properties["FunctionResponseTypes"]
                .as_array()
                .is_some_and(|types| types.iter().any(|t| t == "ReportBatchItemFailures"));
            Some(Mapping {
                logical_id: id,
                function,
                queue,
                batch_size,
                report_failures,
            })
        })
        .collect()
}

/// The event Lambda invokes a function with for the messages of one ReceiveMessage answer
/// (the JSON protocol's `Messages`).
pub fn sqs_event(messages: &[Value], queue_arn: &str, region: &str) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|message| {
            let mut record = json!({
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes").cloned().unwrap_or_else(|| json!({})),
                "messageAttributes": message_attributes(&message["MessageAttributes"]),
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            });
            if let Some(md5) = message.get("MD5OfMessageAttributes") {
                record["md5OfMessageAttributes"] = md5.clone();
            }
            record
        })
        .collect();
    json!({ "Records": records })
}

/// SQS's message attributes (`{"StringValue", "BinaryValue", "DataType"}`) as Lambda's event
/// spells them.
fn message_attributes(attributes: &Value) -> Value {
    let Some(attributes) = attributes.as_object() else {
        return json!({});
    };
    attributes
        .iter()
        .map(|(name, attribute)| {
            let mut converted = json!({
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": attribute["DataType"],
            });
            if let Some(value) = attribute.get("StringValue") {
                converted["stringValue"] = value.clone();
            }
            if let Some(value) = attribute.get("BinaryValue") {
                converted["binaryValue"] = value.clone();
            }
            (name.clone(), converted)
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// The function answered (200: it ran; 500: it failed).
    Answered { status: u16, body: String },
    /// No answer: not listening, timed out, connection lost.
    NoAnswer(String),
}

/// Which records of a batch Lambda deletes after an invocation, and which stay in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement<'a> {
    pub delete: Vec<&'a str>,
    pub keep: Vec<&'a str>,
    /// Why records are kept, when some are.
    pub reason: Option<String>,
}

/// What Lambda does with a batch (`ids`, the records' message ids) after `invocation`.
///
/// A failed invocation keeps every record. A successful one deletes every record, unless the
/// mapping reports batch item failures: then the records the answer's `batchItemFailures`
/// names stay, and an answer Lambda cannot read (not JSON, an item without an identifier or
/// with one that is not in the batch) keeps them all. An empty answer, `null`, `{}` or an
/// empty list mean that every record succeeded.
pub fn settle<'a>(
    ids: &[&'a str],
    invocation: &Invocation,
    report_failures: bool,
) -> Settlement<'a> {
    let all_kept = |reason: String| Settlement {
        delete: Vec::new(),
        keep: ids.to_vec(),
        reason: Some(reason),
    };
    let body = match invocation {
        Invocation::NoAnswer(reason) => return all_kept(format!("no answer: {reason}")),
        Invocation::Answered { status: 200, body } => body,
        Invocation::Answered { status, body } => {
            return all_kept(format!(
                "the invocation failed (HTTP {status}): {}",
                brief(body)
            ));
        }
    };
    if !report_failures {
        return Settlement {
            delete: ids.to_vec(),
            keep: Vec::new(),
            reason: None,
        };
    }
    let failed = match reported_failures(body, ids) {
        Ok(failed) => failed,
        Err(reason) => return all_kept(reason),
    };
    let (keep, delete): (Vec<&str>, Vec<&str>) = ids.iter().partition(|id| failed.contains(**id));
    Settlement {
        reason: (!keep.is_empty()).then(|| "reported failed (batchItemFailures)".to_owned()),
        delete,
        keep,
    }
}

/// The message ids an answer's `batchItemFailures` names, or why Lambda would fail the batch.
fn reported_failures(body: &str, ids: &[&str]) -> Result<BTreeSet<String>, String> {
    if body.trim().is_empty() {
        return Ok(BTreeSet::new());
    }
    let answer: Value = serde_json::from_str(body)
        .map_err(|_| format!("the answer is not JSON: {}", brief(body)))?;
    let failures = match &answer {
        Value::Null => return Ok(BTreeSet::new()),
        Value::Object(map) => match map.get("batchItemFailures") {
            None | Some(Value::Null) => return Ok(BTreeSet::new()),
            Some(Value::Array(failures)) => failures,
            Some(_) => return Err("batchItemFailures is not a list".to_owned()),
        },
        _ => return Err(format!("the answer is not an object: {}", brief(body))),
    };
    failures
        .iter()
        .map(|failure| match failure["itemIdentifier"].as_str() {
            Some(id) if ids.contains(&id) => Ok(id.to_owned()),
            Some(id) => Err(format!(
                "batchItemFailures names {id:?}, which is not in the batch"
            )),
            None => Err(format!(
                "a batchItemFailures entry has no itemIdentifier: {failure}"
            )),
        })
        .collect()
}

fn brief(text: &str) -> String {
    const LIMIT: usize = 200;
    let text = text.trim();
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// One poller's configuration.
#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// The mapping's logical id, for the log.
    pub mapping: String,
    /// The queue's logical id, for the log.
    pub queue: String,
    pub queue_url: String,
    pub queue_arn: String,
    /// moto's base URL.
    pub emulator_url: String,
    pub region: String,
    /// Where the function answers `POST` with an event.
    pub function_url: String,
    pub batch_size: usize,
    pub report_failures: bool,
    /// How long an invocation may take (the function's `Timeout`, and some room).
    pub invocation_timeout: Duration,
    /// The function's log, where each delivery gets a line.
    pub log: PathBuf,
}

/// The running pollers, stopped together.
#[derive(Default)]
pub struct Pollers {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Pollers {
    /// Starts polling on a thread of its own until [`Pollers::stop`].
    pub fn start(&mut self, config: PollerConfig) -> std::io::Result<()> {
        let stop = Arc::clone(&self.stop);
        let thread = std::thread::Builder::new()
            .name(format!("poll-{}", config.mapping))
            .spawn(move || poll(&config, &stop))?;
        self.threads.push(thread);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }

    /// Asks every poller to stop after its current receive or delivery.
    pub fn signal_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Stops the pollers and waits for them.
    pub fn stop(&mut self) {
        self.signal_stop();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        self.stop();
    }
}

fn poll(config: &PollerConfig, stop: &AtomicBool) {
    let emulator = Emulator::new(&config.emulator_url, &config.region);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(config.invocation_timeout))
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let mut log = Log::open(&config.log);
    log.line(&format!(
        "{} polls {} ({}) for this function, {} message(s) at a time{}",
        config.mapping,
        config.queue,
        config.queue_url,
        config.batch_size,
        if config.report_failures {
            ", with ReportBatchItemFailures"
        } else {
            ""
        }
    ));
    let mut last_error: Option<String> = None;
    while !stop.load(Ordering::SeqCst) {
        let messages = match receive(&emulator, config) {
            Ok(messages) => {
                last_error = None;
                messages
            }
            Err(error) => {
                if !stop.load(Ordering::SeqCst) && last_error.as_ref() != Some(&error) {
                    log.line(&format!("cannot receive from {}: {error}", config.queue));
                    last_error = Some(error);
                }
                std::thread::sleep(RETRY_AFTER);
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        deliver(&emulator, &agent, config, &messages, &mut log);
    }
}

fn receive(emulator: &Emulator, config: &PollerConfig) -> Result<Vec<Value>, String> {
    let answer = emulator.call_json(
        &SQS,
        "ReceiveMessage",
        &json!({
            "QueueUrl": config.queue_url,
            "MaxNumberOfMessages": config.batch_size,
            "WaitTimeSeconds": WAIT_SECONDS,
            "AttributeNames": ["All"],
            "MessageSystemAttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        }),
    )?;
    Ok(answer["Messages"].as_array().cloned().unwrap_or_default())
}

/// Invokes the function with one batch and deletes what Lambda would delete.
fn deliver(
    emulator: &Emulator,
    agent: &ureq::Agent,
    config: &PollerConfig,
    messages: &[Value],
    log: &mut Log,
) {
    let event = sqs_event(messages, &config.queue_arn, &config.region);
    let invocation = invoke(agent, &config.function_url, &event);
    let ids: Vec<&str> = messages
        .iter()
        .map(|m| m["MessageId"].as_str().unwrap_or_default())
        .collect();
    let settlement = settle(&ids, &invocation, config.report_failures);
    let entries: Vec<Value> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            settlement
                .delete
                .contains(&m["MessageId"].as_str().unwrap_or_default())
        })
        .map(|(i, m)| json!({"Id": i.to_string(), "ReceiptHandle": m["ReceiptHandle"]}))
        .collect();
    let deleted = if entries.is_empty() {
        Ok(())
    } else {
        emulator
            .call_json(
                &SQS,
                "DeleteMessageBatch",
                &json!({"QueueUrl": config.queue_url, "Entries": entries}),
            )
            .and_then(|answer| match answer["Failed"].as_array() {
                Some(failed) if !failed.is_empty() => Err(format!("not deleted: {answer}")),
                _ => Ok(()),
            })
    };
    let counts = messages
        .iter()
        .map(|m| {
            m["Attributes"]["ApproximateReceiveCount"]
                .as_str()
                .unwrap_or("?")
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join(",");
    let mut line = format!(
        "{} message(s) from {} (receive count {counts}) → ",
        messages.len(),
        config.queue
    );
    match &invocation {
        Invocation::Answered { status, .. } => line.push_str(&format!("HTTP {status}")),
        Invocation::NoAnswer(_) => line.push_str("no answer"),
    }
    line.push_str(&format!(
        "; deleted {}, kept {}",
        settlement.delete.len(),
        settlement.keep.len()
    ));
    if let Some(reason) = &settlement.reason {
        line.push_str(&format!(
            " for redelivery after the visibility timeout ({reason}: {})",
            settlement.keep.join(", ")
        ));
    }
    if let Err(error) = deleted {
        line.push_str(&format!("; DeleteMessageBatch failed: {error}"));
    }
    log.line(&line);
}

fn invoke(agent: &ureq::Agent, url: &str, event: &Value) -> Invocation {
    let sent = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(event.to_string());
    let mut response = match sent {
        Ok(response) => response,
        Err(error) => return Invocation::NoAnswer(error.to_string()),
    };
    let status = response.status().as_u16();
    match response.body_mut().read_to_string() {
        Ok(body) => Invocation::Answered { status, body },
        Err(error) => Invocation::NoAnswer(format!("cannot read the answer: {error}")),
    }
}

/// The function's log file, opened for appending (the function writes to it too).
struct Log(Option<File>);

impl Log {
    fn open(path: &std::path::Path) -> Self {
        Self(File::options().create(true).append(true).open(path).ok())
    }

    fn line(&mut self, text: &str) {
        if let Some(file) = &mut self.0 {
            let _ = writeln!(file, "{} [stepgen dev] {text}", utc_time());
        }
    }
}

/// The time of day, UTC, as `HH:MM:SS.mmmZ`.
fn utc_time() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since_epoch.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:03}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        since_epoch.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::net::{Ipv4Addr, TcpListener};
    use std::sync::Mutex;
    use std::time::Instant;

    use todo_test_support::MotoDynamo;

    use super::super::local_http::{read_request, respond};
    use super::super::provision::EVENTS;
    use super::super::template::parse;
    use super::*;

    const ARN: &str = "arn:aws:sqs:us-east-1:123456789012:Queue";

    fn received(id: &str, count: &str) -> Value {
        json!({
            "MessageId": id,
            "ReceiptHandle": format!("handle-{id}"),
            "MD5OfBody": "0123",
            "Body": "{\"detail-type\":\"ListCreated\"}",
            "Attributes": {"ApproximateReceiveCount": count, "SentTimestamp": "1700000000000"},
        })
    }

    #[test]
    fn the_sqs_event_has_a_record_per_message_as_lambda_sends_it() {
        let mut with_attributes = received("m2", "3");
        with_attributes["MessageAttributes"] =
            json!({"kind": {"StringValue": "x", "DataType": "String"}});
        with_attributes["MD5OfMessageAttributes"] = json!("4567");
        let event = sqs_event(&[received("m1", "1"), with_attributes], ARN, "us-east-1");
        assert_eq!(
            event["Records"][0],
            json!({
                "messageId": "m1",
                "receiptHandle": "handle-m1",
                "body": "{\"detail-type\":\"ListCreated\"}",
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
                "messageAttributes": {},
                "md5OfBody": "0123",
                "eventSource": "aws:sqs",
                "eventSourceARN": ARN,
                "awsRegion": "us-east-1",
            })
        );
        let second = &event["Records"][1];
        assert_eq!(second["attributes"]["ApproximateReceiveCount"], "3");
        assert_eq!(
            second["messageAttributes"],
            json!({"kind": {"stringValue": "x", "stringListValues": [], "binaryListValues": [], "dataType": "String"}})
        );
        assert_eq!(second["md5OfMessageAttributes"], "4567");
    }

    fn ok(body: &str) -> Invocation {
        Invocation::Answered {
            status: 200,
            body: body.to_owned(),
        }
    }

    #[test]
    fn reported_failures_stay_and_the_rest_is_deleted() {
        let ids = ["a", "b", "c"];
        let settled = settle(
            &ids,
            &ok(r#"{"batchItemFailures": [{"itemIdentifier": "b"}]}"#),
            true,
        );
        assert_eq!(settled.delete, ["a", "c"]);
        assert_eq!(settled.keep, ["b"]);
        assert!(settled.reason.is_some());
        for success in [
            "",
            "null",
            "{}",
            r#"{"batchItemFailures": []}"#,
            r#"{"batchItemFailures": null}"#,
        ] {
            let settled = settle(&ids, &ok(success), true);
            assert_eq!(settled.delete, ids, "{success:?}");
            assert!(
                settled.keep.is_empty() && settled.reason.is_none(),
                "{success:?}"
            );
        }
    }

    #[test]
    fn a_failed_or_unreadable_invocation_keeps_the_whole_batch() {
        let ids = ["a", "b"];
        let failed = [
            Invocation::Answered {
                status: 500,
                body: r#"{"errorType": "FunctionError"}"#.into(),
            },
            Invocation::NoAnswer("connection refused".into()),
            ok("not json"),
            ok(r#""text""#),
            ok(r#"{"batchItemFailures": [{"itemIdentifier": "zz"}]}"#),
            ok(r#"{"batchItemFailures": [{"itemIdentifier": ""}]}"#),
            ok(r#"{"batchItemFailures": [{"id": "a"}]}"#),
            ok(r#"{"batchItemFailures": {"itemIdentifier": "a"}}"#),
        ];
        for invocation in &failed {
            let settled = settle(&ids, invocation, true);
            assert!(settled.delete.is_empty(), "{invocation:?}");
            assert_eq!(settled.keep, ids, "{invocation:?}");
            assert!(settled.reason.is_some(), "{invocation:?}");
        }
        // Without ReportBatchItemFailures, the answer's content does not matter; its status does.
        assert_eq!(
            settle(
                &ids,
                &ok(r#"{"batchItemFailures": [{"itemIdentifier": "a"}]}"#),
                false
            )
            .delete,
            ids
        );
        assert!(settle(&ids, &failed[0], false).delete.is_empty());
    }

    /// Two queues (one the other's dead-letter queue), a bus, a rule that routes ListCreated
    /// to the queue, the queue's policy, and a mapping from the queue to a function.
    const TEMPLATE: &str = r#"{"Resources": {
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 1209600}},
        "AQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "VisibilityTimeout": 1,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}, "maxReceiveCount": 2}
        }},
        "AQueuePolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": "AQueue"}], "PolicyDocument": {}
        }},
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, "-events"]]}}},
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "Bus"},
            "EventPattern": {"source": ["todo.api"], "detail-type": ["ListCreated", "ListDeleted"]},
            "State": "ENABLED",
            "Targets": [{"Arn": {"Fn::GetAtt": ["AQueue", "Arn"]}, "Id": "Target0"}]
        }},
        "Consumer": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "provided.al2023", "Timeout": 30}},
        "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "BatchSize": 5,
            "EventSourceArn": {"Fn::GetAtt": ["AQueue", "Arn"]},
            "FunctionName": {"Ref": "Consumer"},
            "FunctionResponseTypes": ["ReportBatchItemFailures"]
        }},
        "Other": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]}, "FunctionName": {"Ref": "Consumer"}
        }}
    }}"#;

    #[test]
    fn mappings_from_queues_are_found_with_their_batch_and_response_types() {
        let template = parse("Stack", TEMPLATE).unwrap();
        assert_eq!(
            sqs_mappings(&template),
            [Mapping {
                logical_id: "Mapping",
                function: "Consumer",
                queue: "AQueue",
                batch_size: 5,
                report_failures: true,
            }]
        );
    }

    /// A stand-in for a consumer function: records each event's records and answers success,
    /// or reports every record failed while `fail` is set.
    fn stand_in(fail: Arc<AtomicBool>) -> (String, Arc<Mutex<Vec<Value>>>) {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let request = read_request(&stream).unwrap();
                let event: Value = serde_json::from_slice(&request.body).unwrap();
                let records = event["Records"].as_array().cloned().unwrap_or_default();
                let failures: Vec<Value> = if fail.load(Ordering::SeqCst) {
                    records
                        .iter()
                        .map(|r| json!({"itemIdentifier": r["messageId"]}))
                        .collect()
                } else {
                    Vec::new()
                };
                record.lock().unwrap().extend(records);
                let body = json!({ "batchItemFailures": failures }).to_string();
                respond(&mut stream, 200, "application/json", "", body.as_bytes());
            }
        });
        (url, seen)
    }

    fn messages_in(emulator: &Emulator, queue_url: &str) -> (u64, u64) {
        let answer = emulator
            .call_json(
                &SQS,
                "GetQueueAttributes",
                &json!({"QueueUrl": queue_url, "AttributeNames": ["All"]}),
            )
            .unwrap();
        let count = |name: &str| {
            answer["Attributes"][name]
                .as_str()
                .and_then(|n| n.parse().ok())
                .unwrap()
        };
        (
            count("ApproximateNumberOfMessages"),
            count("ApproximateNumberOfMessagesNotVisible"),
        )
    }

    async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    #[tokio::test]
    async fn events_reach_the_consumer_through_the_rule_and_queue_on_moto() {
        let moto = MotoDynamo::start().await;
        let emulator_url = format!("{}/", moto.endpoint());
        let template = parse("Stack", TEMPLATE).unwrap();
        let emulator = Emulator::new(&emulator_url, "us-east-1");
        let run_locally = BTreeSet::from(["Consumer", "Mapping"]);
        let provisioned = super::super::provision_all(&emulator, &template, &run_locally).unwrap();
        let created: Vec<&str> = provisioned.iter().map(|p| p.logical_id.as_str()).collect();
        assert_eq!(
            created,
            ["Dlq", "AQueue", "Bus", "Rule"],
            "the DLQ comes first"
        );
        let find = |id: &str| provisioned.iter().find(|p| p.logical_id == id).unwrap();
        let (queue, dlq, bus) = (find("AQueue"), find("Dlq"), find("Bus"));
        assert!(
            queue.name.ends_with("/AQueue"),
            "Ref is the URL: {}",
            queue.name
        );
        assert_eq!(bus.name, "local-events");
        assert_eq!(find("Rule").name, "local-events|Rule");

        let fail = Arc::new(AtomicBool::new(false));
        let (function_url, seen) = stand_in(Arc::clone(&fail));
        let log_dir = tempfile::tempdir().unwrap();
        let log = log_dir.path().join("consumer.log");
        let [mapping] = sqs_mappings(&template).try_into().unwrap();
        let mut pollers = Pollers::default();
        pollers
            .start(PollerConfig {
                mapping: mapping.logical_id.to_owned(),
                queue: mapping.queue.to_owned(),
                queue_url: queue.name.clone(),
                queue_arn: queue.attributes["Arn"].clone(),
                emulator_url: emulator_url.clone(),
                region: "us-east-1".into(),
                function_url,
                batch_size: mapping.batch_size,
                report_failures: mapping.report_failures,
                invocation_timeout: Duration::from_secs(10),
                log: log.clone(),
            })
            .unwrap();
        let put = |detail_type: &str, name: &str| {
            let answer = emulator
                .call_json(
                    &EVENTS,
                    "PutEvents",
                    &json!({"Entries": [{
                        "EventBusName": "local-events",
                        "Source": "todo.api",
                        "DetailType": detail_type,
                        "Detail": json!({"schemaVersion": 1, "data": {"name": name}}).to_string(),
                    }]}),
                )
                .unwrap();
            assert_eq!(answer["FailedEntryCount"], 0, "{answer}");
        };

        // Delivered, and deleted on success. An event the rule does not match is not.
        put("TodoAdded", "ignored");
        put("ListCreated", "first");
        wait_for("the first delivery", || seen.lock().unwrap().len() == 1).await;
        let record = seen.lock().unwrap()[0].clone();
        assert_eq!(record["eventSource"], "aws:sqs");
        assert_eq!(record["eventSourceARN"], queue.attributes["Arn"]);
        assert_eq!(record["attributes"]["ApproximateReceiveCount"], "1");
        let body: Value = serde_json::from_str(record["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["detail-type"], "ListCreated");
        assert_eq!(body["source"], "todo.api");
        assert_eq!(body["version"], "0");
        assert_eq!(body["account"], "123456789012");
        assert_eq!(body["region"], "us-east-1");
        assert!(body["time"].as_str().unwrap().ends_with('Z'), "{body}");
        assert_eq!(body["detail"]["data"]["name"], "first");
        wait_for("the delete", || {
            messages_in(&emulator, &queue.name) == (0, 0)
        })
        .await;

        // Reported failed: redelivered after the visibility timeout, then in the DLQ after
        // maxReceiveCount (2) receives.
        fail.store(true, Ordering::SeqCst);
        put("ListDeleted", "second");
        wait_for("the move to the DLQ", || {
            messages_in(&emulator, &dlq.name).0 == 1
        })
        .await;
        let counts: Vec<String> = seen.lock().unwrap()[1..]
            .iter()
            .map(|r| {
                r["attributes"]["ApproximateReceiveCount"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(counts, ["1", "2"]);
        assert_eq!(messages_in(&emulator, &queue.name), (0, 0));
        pollers.stop();

        let logged = std::fs::read_to_string(&log).unwrap();
        assert!(logged.contains("deleted 1, kept 0"), "{logged}");
        assert!(
            logged.contains("deleted 0, kept 1 for redelivery"),
            "{logged}"
        );
    }
}
