//! CloudWatch Embedded Metric Format (EMF): one JSON object per log line from which
//! CloudWatch Logs extracts metrics, so a Lambda publishes metrics by printing, with no
//! PutMetricData call (and no latency or IAM permission for one).
//!
//! A document has an `_aws` member (`Timestamp` in milliseconds and `CloudWatchMetrics`, a
//! list of directives: `Namespace`, `Dimensions` as sets of dimension names, `Metrics` as
//! `{Name, Unit}`), and every dimension and metric it names as a top-level member holding
//! the value. Other top-level members are plain properties, searchable in Logs Insights.
//! [`validate`] checks a document against the specification's rules, for tests.

use std::io::Write;
use std::sync::{Mutex, PoisonError};

use serde_json::{Map, Value, json};

/// A dimension set may name at most this many dimensions.
pub const MAX_DIMENSIONS_PER_SET: usize = 30;

/// A directive may define at most this many metrics.
pub const MAX_METRICS_PER_DIRECTIVE: usize = 100;

/// A metric member may hold at most this many values (when it is an array).
pub const MAX_VALUES_PER_METRIC: usize = 100;

/// The units CloudWatch accepts (`MetricDatum.Unit`).
pub const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// The units this crate emits; [`UNITS`] lists all of CloudWatch's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
        }
    }
}

/// An EMF document with one metric directive, built member by member.
#[derive(Debug, Clone)]
pub struct EmfDocument {
    namespace: String,
    timestamp_ms: u64,
    dimension_sets: Vec<Vec<String>>,
    metrics: Vec<(String, Unit)>,
    /// Dimension values, metric values and properties: the top-level members.
    members: Map<String, Value>,
}

impl EmfDocument {
    /// A document for `namespace`, its metrics stamped `timestamp_ms` (milliseconds since
    /// the Unix epoch).
    pub fn new(namespace: impl Into<String>, timestamp_ms: u64) -> Self {
        Self {
            namespace: namespace.into(),
            timestamp_ms,
            dimension_sets: Vec::new(),
            metrics: Vec::new(),
            members: Map::new(),
        }
    }

    /// Sets a dimension's value (a top-level string member).
    #[must_use]
    pub fn dimension(mut self, name: &str, value: impl Into<String>) -> Self {
        self.members
            .insert(name.to_owned(), Value::String(value.into()));
        self
    }

    /// Adds a dimension set: each metric is published once per set, aggregated over the
    /// dimensions the set leaves out.
    #[must_use]
    pub fn dimension_set(mut self, names: &[&str]) -> Self {
        self.dimension_sets
            .push(names.iter().map(|&name| name.to_owned()).collect());
        self
    }

    /// Defines a metric and sets its value.
    #[must_use]
    pub fn metric(mut self, name: &str, unit: Unit, value: f64) -> Self {
        self.metrics.push((name.to_owned(), unit));
        self.members.insert(name.to_owned(), json!(value));
        self
    }

    /// Sets a property: a member that is no metric or dimension, kept in the log event.
    #[must_use]
    pub fn property(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.members.insert(name.to_owned(), value.into());
        self
    }

    /// The document as JSON.
    pub fn to_json(&self) -> Value {
        let metrics: Vec<Value> = self
            .metrics
            .iter()
            .map(|(name, unit)| json!({ "Name": name, "Unit": unit.as_str() }))
            .collect();
        let mut root = self.members.clone();
        root.insert(
            "_aws".to_owned(),
            json!({
                "Timestamp": self.timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": self.dimension_sets,
                    "Metrics": metrics,
                }],
            }),
        );
        Value::Object(root)
    }

    /// The document as one line of JSON, as CloudWatch Logs expects it.
    pub fn to_line(&self) -> String {
        self.to_json().to_string()
    }
}

/// Where EMF lines go: stdout in Lambda (CloudWatch Logs reads it), a buffer in tests.
pub trait EmfSink: Send + Sync {
    fn write_line(&self, line: &str);
}

/// Writes each line to stdout in one locked write, bypassing `tracing`: a formatter would
/// wrap the JSON in its own log line, and CloudWatch would no longer extract the metrics.
#[derive(Debug, Default, Clone, Copy)]
pub struct StdoutSink;

impl EmfSink for StdoutSink {
    fn write_line(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            tracing::warn!(error = %e, "could not write a metrics line to stdout");
        }
    }
}

/// Keeps lines in memory, for tests.
#[derive(Debug, Default)]
pub struct MemorySink {
    lines: Mutex<Vec<String>>,
}

impl MemorySink {
    /// Every line written so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl EmfSink for MemorySink {
    fn write_line(&self, line: &str) {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line.to_owned());
    }
}

/// Timestamps below this are seconds, not milliseconds (it is September 2001 in ms, and
/// the year 33658 in seconds).
const MIN_TIMESTAMP_MS: u64 = 1_000_000_000_000;

/// Checks `line` against the EMF specification: one JSON object; `_aws.Timestamp` a whole
/// number of milliseconds; each directive with a `Namespace`, dimension sets of at most
/// [`MAX_DIMENSIONS_PER_SET`] names, at most [`MAX_METRICS_PER_DIRECTIVE`] metrics, each
/// with a `Name` and a CloudWatch unit; and a top-level value for every dimension (a
/// string) and metric (a number, or an array of at most [`MAX_VALUES_PER_METRIC`]
/// numbers) named. Returns every problem found.
pub fn validate(line: &str) -> Result<Value, Vec<String>> {
    let document: Value = serde_json::from_str(line)
        .map_err(|e| vec![format!("the line is not one JSON document: {e}")])?;
    let mut problems = Vec::new();
    check_document(&document, &mut problems);
    if problems.is_empty() {
        Ok(document)
    } else {
        Err(problems)
    }
}

fn check_document(document: &Value, problems: &mut Vec<String>) {
    let Some(root) = document.as_object() else {
        problems.push("the document is not a JSON object".to_owned());
        return;
    };
    let Some(aws) = root.get("_aws").and_then(Value::as_object) else {
        problems.push("`_aws` is missing or not an object".to_owned());
        return;
    };
    match aws.get("Timestamp").and_then(Value::as_u64) {
        Some(ms) if ms >= MIN_TIMESTAMP_MS => {}
        Some(seconds) => problems.push(format!(
            "_aws.Timestamp {seconds} looks like seconds; it must be milliseconds since the epoch"
        )),
        None => problems.push(format!(
            "_aws.Timestamp must be a whole number of milliseconds, found {:?}",
            aws.get("Timestamp")
        )),
    }
    let Some(directives) = aws.get("CloudWatchMetrics").and_then(Value::as_array) else {
        problems.push("_aws.CloudWatchMetrics is missing or not an array".to_owned());
        return;
    };
    for (i, directive) in directives.iter().enumerate() {
        check_directive(
            root,
            directive,
            &format!("CloudWatchMetrics[{i}]"),
            problems,
        );
    }
}

fn check_directive(
    root: &Map<String, Value>,
    directive: &Value,
    at: &str,
    problems: &mut Vec<String>,
) {
    let Some(directive) = directive.as_object() else {
        problems.push(format!("{at} is not an object"));
        return;
    };
    match directive.get("Namespace").and_then(Value::as_str) {
        Some(namespace) if !namespace.is_empty() && namespace.len() <= 255 => {}
        other => problems.push(format!(
            "{at}.Namespace must be a string of 1 to 255 characters, found {other:?}"
        )),
    }
    match directive.get("Dimensions").and_then(Value::as_array) {
        None => problems.push(format!("{at}.Dimensions is missing or not an array")),
        Some(sets) => {
            for (j, set) in sets.iter().enumerate() {
                let Some(names) = set.as_array() else {
                    problems.push(format!("{at}.Dimensions[{j}] is not an array"));
                    continue;
                };
                if names.len() > MAX_DIMENSIONS_PER_SET {
                    problems.push(format!(
                        "{at}.Dimensions[{j}] names {} dimensions; at most \
                         {MAX_DIMENSIONS_PER_SET} are allowed",
                        names.len()
                    ));
                }
                for name in names {
                    check_dimension(root, name, &format!("{at}.Dimensions[{j}]"), problems);
                }
            }
        }
    }
    match directive.get("Metrics").and_then(Value::as_array) {
        None => problems.push(format!("{at}.Metrics is missing or not an array")),
        Some(metrics) => {
            if metrics.len() > MAX_METRICS_PER_DIRECTIVE {
                problems.push(format!(
                    "{at}.Metrics defines {} metrics; at most {MAX_METRICS_PER_DIRECTIVE} are \
                     allowed",
                    metrics.len()
                ));
            }
            for (j, metric) in metrics.iter().enumerate() {
                check_metric(root, metric, &format!("{at}.Metrics[{j}]"), problems);
            }
        }
    }
}

fn check_dimension(root: &Map<String, Value>, name: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(name) = name.as_str() else {
        problems.push(format!("{at} holds {name}, not a dimension name"));
        return;
    };
    match root.get(name) {
        Some(Value::String(value)) if !value.is_empty() && value.len() <= 1024 => {}
        Some(Value::String(value)) => problems.push(format!(
            "dimension {name:?} must have a value of 1 to 1024 characters, found {} characters",
            value.len()
        )),
        Some(other) => problems.push(format!(
            "dimension {name:?} must have a string value, found {other}"
        )),
        None => problems.push(format!(
            "{at} names dimension {name:?}, which has no top-level value"
        )),
    }
}

fn check_metric(root: &Map<String, Value>, metric: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(metric) = metric.as_object() else {
        problems.push(format!("{at} is not an object"));
        return;
    };
    let Some(name) = metric
        .get("Name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        problems.push(format!("{at}.Name is missing or not a non-empty string"));
        return;
    };
    if let Some(unit) = metric.get("Unit")
        && !unit.as_str().is_some_and(|unit| UNITS.contains(&unit))
    {
        problems.push(format!(
            "metric {name:?} has unit {unit}, which is not a CloudWatch unit"
        ));
    }
    if let Some(resolution) = metric.get("StorageResolution")
        && !matches!(resolution.as_u64(), Some(1 | 60))
    {
        problems.push(format!(
            "metric {name:?} has StorageResolution {resolution}; it must be 1 or 60"
        ));
    }
    match root.get(name) {
        Some(Value::Number(_)) => {}
        Some(Value::Array(values))
            if values.len() <= MAX_VALUES_PER_METRIC && values.iter().all(Value::is_number) => {}
        Some(other) => problems.push(format!(
            "metric {name:?} must be a number or an array of at most {MAX_VALUES_PER_METRIC} \
             numbers, found {other}"
        )),
        None => problems.push(format!("metric {name:?} has no top-level value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: u64 = 1_790_000_000_000;

    fn valid() -> EmfDocument {
        EmfDocument::new("Todo/Usage", NOW_MS)
            .dimension("Owner", "user-1")
            .dimension("ListId", "list-1")
            .dimension_set(&["Owner", "ListId"])
            .dimension_set(&["Owner"])
            .metric("Requests", Unit::Count, 1.0)
            .metric("Duration", Unit::Milliseconds, 12.5)
            .property("route", "/lists/{listId}")
            .property("status", 200)
    }

    /// `line` with `change` applied to its JSON.
    fn edited(change: impl FnOnce(&mut Value)) -> String {
        let mut document = valid().to_json();
        change(&mut document);
        document.to_string()
    }

    fn problems(line: &str) -> String {
        validate(line)
            .expect_err("the document is invalid")
            .join("\n")
    }

    #[test]
    fn a_built_document_has_the_spec_shape_and_passes() {
        let line = valid().to_line();
        assert!(!line.contains('\n'), "one line");
        let document = validate(&line).unwrap();
        assert_eq!(document["_aws"]["Timestamp"], NOW_MS);
        assert_eq!(
            document["_aws"]["CloudWatchMetrics"],
            json!([{
                "Namespace": "Todo/Usage",
                "Dimensions": [["Owner", "ListId"], ["Owner"]],
                "Metrics": [
                    {"Name": "Requests", "Unit": "Count"},
                    {"Name": "Duration", "Unit": "Milliseconds"},
                ],
            }])
        );
        assert_eq!(document["Owner"], "user-1");
        assert_eq!(document["Requests"], 1.0);
        assert_eq!(document["route"], "/lists/{listId}");
    }

    #[test]
    fn missing_values_are_rejected() {
        let found = problems(&edited(|d| {
            d.as_object_mut().unwrap().remove("ListId");
            d.as_object_mut().unwrap().remove("Requests");
        }));
        assert!(
            found.contains("dimension \"ListId\", which has no top-level value"),
            "{found}"
        );
        assert!(
            found.contains("metric \"Requests\" has no top-level value"),
            "{found}"
        );
    }

    #[test]
    fn wrong_value_types_are_rejected() {
        let found = problems(&edited(|d| {
            d["Owner"] = json!(7);
            d["Duration"] = json!("12");
        }));
        assert!(
            found.contains("dimension \"Owner\" must have a string value"),
            "{found}"
        );
        assert!(
            found.contains("metric \"Duration\" must be a number"),
            "{found}"
        );
    }

    #[test]
    fn timestamps_in_seconds_or_not_numbers_are_rejected() {
        let seconds = problems(&edited(|d| d["_aws"]["Timestamp"] = json!(NOW_MS / 1000)));
        assert!(seconds.contains("looks like seconds"), "{seconds}");
        let text = problems(&edited(|d| d["_aws"]["Timestamp"] = json!("2026-11-01")));
        assert!(text.contains("whole number of milliseconds"), "{text}");
        let fraction = problems(&edited(|d| d["_aws"]["Timestamp"] = json!(1.5e12)));
        assert!(
            fraction.contains("whole number of milliseconds"),
            "{fraction}"
        );
    }

    #[test]
    fn unknown_units_and_resolutions_are_rejected() {
        let found = problems(&edited(|d| {
            d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = json!("Requests");
            d["_aws"]["CloudWatchMetrics"][0]["Metrics"][1]["StorageResolution"] = json!(5);
        }));
        assert!(found.contains("not a CloudWatch unit"), "{found}");
        assert!(found.contains("must be 1 or 60"), "{found}");
    }

    #[test]
    fn too_many_dimensions_or_metrics_are_rejected() {
        let mut big = EmfDocument::new("N", NOW_MS);
        let names: Vec<String> = (0..31).map(|i| format!("D{i}")).collect();
        for name in &names {
            big = big.dimension(name, "v");
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        big = big.dimension_set(&refs);
        for i in 0..101 {
            big = big.metric(&format!("M{i}"), Unit::Count, 1.0);
        }
        let found = problems(&big.to_line());
        assert!(found.contains("names 31 dimensions; at most 30"), "{found}");
        assert!(
            found.contains("defines 101 metrics; at most 100"),
            "{found}"
        );

        let mut at_limit = EmfDocument::new("N", NOW_MS);
        for name in &names[..30] {
            at_limit = at_limit.dimension(name, "v");
        }
        at_limit = at_limit.dimension_set(&refs[..30]);
        for i in 0..100 {
            at_limit = at_limit.metric(&format!("M{i}"), Unit::Count, 1.0);
        }
        assert!(validate(&at_limit.to_line()).is_ok());
    }

    #[test]
    fn structural_problems_are_rejected() {
        assert!(problems("not json").contains("not one JSON document"));
        assert!(problems("[1]").contains("not a JSON object"));
        assert!(problems(r#"{"Requests": 1}"#).contains("`_aws` is missing"));
        let found = problems(&edited(|d| {
            d["_aws"]["CloudWatchMetrics"][0]["Namespace"] = json!("");
            d["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = json!(["Owner"]);
        }));
        assert!(found.contains("Namespace must be a string"), "{found}");
        assert!(found.contains("Dimensions[0] is not an array"), "{found}");
        let found = problems(&edited(|d| {
            d["_aws"]
                .as_object_mut()
                .unwrap()
                .remove("CloudWatchMetrics");
        }));
        assert!(found.contains("CloudWatchMetrics is missing"), "{found}");
    }

    #[test]
    fn the_memory_sink_keeps_lines_in_order() {
        let sink = MemorySink::default();
        sink.write_line("a");
        sink.write_line("b");
        assert_eq!(sink.lines(), ["a", "b"]);
    }
}
