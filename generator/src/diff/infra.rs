//! The infrastructure delta of two steps: the CloudFormation resources one synthesized template
//! adds, removes and changes compared with another, with volatile values ignored.
//!
//! Ignored, because they change whenever any byte of an asset does and say nothing about the
//! lesson: 64-hex-digit asset hashes, the CDK asset bucket's name, `.zip` asset object keys,
//! the `aws:cdk:*` and `aws:asset:*` entries of a resource's `Metadata` (construct paths that
//! repeat the stack name, asset paths), and the `AWS::CDK::Metadata` analytics resource.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Style;

/// How many changed property paths to list per resource before summarizing the rest.
const MAX_PATHS_SHOWN: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub logical_id: String,
    /// The CloudFormation type, e.g. `AWS::Lambda::Function`.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedResource {
    pub resource: ResourceRef,
    /// Where the two definitions differ, e.g. `Properties.Architectures[0]`, in document order.
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateDelta {
    pub added: Vec<ResourceRef>,
    pub removed: Vec<ResourceRef>,
    pub changed: Vec<ChangedResource>,
    /// Resources in both templates that are the same once volatile values are ignored.
    pub unchanged: usize,
}

impl TemplateDelta {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compares the `Resources` of two templates, matching resources by exact logical id.
pub fn template_delta(from: &Value, to: &Value) -> TemplateDelta {
    let (old, new) = (resources(from), resources(to));
    let mut delta = TemplateDelta::default();
    for (id, resource) in &old {
        if !new.contains_key(id) {
            delta.removed.push(resource_ref(id, resource));
        }
    }
    for (id, resource) in &new {
        let Some(before) = old.get(id) else {
            delta.added.push(resource_ref(id, resource));
            continue;
        };
        let mut paths = Vec::new();
        differences(before, resource, &mut String::new(), &mut paths);
        if paths.is_empty() {
            delta.unchanged += 1;
        } else {
            delta.changed.push(ChangedResource {
                resource: resource_ref(id, resource),
                paths,
            });
        }
    }
    delta
}

/// The delta as the `infrastructure` section prints it.
pub fn render(delta: &TemplateDelta, style: Style) -> String {
    let mut text = format!(
        "{} added, {} removed, {} changed, {} unchanged (logical ids matched exactly; asset hashes and CDK metadata ignored)\n",
        delta.added.len(),
        delta.removed.len(),
        delta.changed.len(),
        delta.unchanged
    );
    let width = delta
        .added
        .iter()
        .chain(&delta.removed)
        .chain(delta.changed.iter().map(|c| &c.resource))
        .map(|r| r.kind.len())
        .max()
        .unwrap_or(0);
    let line =
        |sign: &str, r: &ResourceRef| format!("  {sign} {:<width$}  {}", r.kind, r.logical_id);
    for resource in &delta.added {
        text += &style.green(&line("+", resource));
        text.push('\n');
    }
    for resource in &delta.removed {
        text += &style.red(&line("-", resource));
        text.push('\n');
    }
    for change in &delta.changed {
        text += &style.yellow(&line("~", &change.resource));
        text.push('\n');
        for path in change.paths.iter().take(MAX_PATHS_SHOWN) {
            text += &format!("      {path}\n");
        }
        if change.paths.len() > MAX_PATHS_SHOWN {
            text += &format!(
                "      … and {} more\n",
                change.paths.len() - MAX_PATHS_SHOWN
            );
        }
    }
    text
}

/// A template's resources, normalized, by logical id; the CDK analytics resource left out.
fn resources(template: &Value) -> BTreeMap<&str, Value> {
    template
        .get("Resources")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, resource)| kind(resource) != "AWS::CDK::Metadata")
        .map(|(id, resource)| (id.as_str(), normalize_resource(resource)))
        .collect()
}

fn resource_ref(logical_id: &str, resource: &Value) -> ResourceRef {
    ResourceRef {
        logical_id: logical_id.to_owned(),
        kind: kind(resource).to_owned(),
    }
}

fn kind(resource: &Value) -> &str {
    resource.get("Type").and_then(Value::as_str).unwrap_or("?")
}

fn normalize_resource(resource: &Value) -> Value {
    let mut resource = normalize(resource);
    if let Some(metadata) = resource.get_mut("Metadata").and_then(Value::as_object_mut) {
        metadata.retain(|key, _| !key.starts_with("aws:cdk:") && !key.starts_with("aws:asset:"));
        if metadata.is_empty()
            && let Some(resource) = resource.as_object_mut()
        {
            resource.remove("Metadata");
        }
    }
    resource
}

/// The value with every volatile string replaced by a placeholder.
fn normalize(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(normalize_string(text)),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), normalize(value)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

fn normalize_string(text: &str) -> String {
    if text.starts_with("cdk-") && text.contains("-assets-") {
        return "<asset bucket>".to_owned();
    }
    if text.ends_with(".zip") && !text.contains(char::is_whitespace) {
        return "<asset>.zip".to_owned();
    }
    replace_hashes(text)
}

/// Replaces every run of exactly 64 hex digits (a SHA-256 asset hash) with `<hash>`.
fn replace_hashes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_hexdigit() {
            i += 1;
            continue;
        }
        let run_end = (i..bytes.len())
            .find(|&j| !bytes[j].is_ascii_hexdigit())
            .unwrap_or(bytes.len());
        if run_end - i == 64 {
            out.push_str(&text[start..i]);
            out.push_str("<hash>");
            start = run_end;
        }
        i = run_end;
    }
    out.push_str(&text[start..]);
    out
}

/// Collects the paths under `path` where `a` and `b` differ: object keys are followed into,
/// arrays of equal length are compared item by item; anything else that differs is one path.
fn differences(a: &Value, b: &Value, path: &mut String, found: &mut Vec<String>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: Vec<&String> = a
                .keys()
                .chain(b.keys().filter(|key| !a.contains_key(*key)))
                .collect();
            for key in keys {
                let length = path.len();
                push_key(path, key);
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differences(x, y, path, found),
                    _ => found.push(path.clone()),
                }
                path.truncate(length);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                let length = path.len();
                path.push_str(&format!("[{index}]"));
                differences(x, y, path, found);
                path.truncate(length);
            }
        }
        _ => found.push(if path.is_empty() {
            "(the whole resource)".to_owned()
        } else {
            path.clone()
        }),
    }
}

/// `.Key` for plain keys, `["a.b:c"]` for keys that would read ambiguously.
fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push_str(&format!("[{key:?}]"));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const HASH_A: &str = "54db0af5da74dab89a93c249167c5b162223925d4c9385ff9262a09b67c99244";
    const HASH_B: &str = "6dba3da2af96b69a187d689b326e5272b9abc8671c0427845a8bed243e02877d";

    fn function(architecture: &str, hash: &str, stack: &str) -> Value {
        json!({
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Architectures": [architecture],
                "Code": {
                    "S3Bucket": { "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}" },
                    "S3Key": format!("{hash}.zip")
                },
                "Environment": { "Variables": { "TABLE": { "Ref": "Table" } } },
                "Runtime": "provided.al2023"
            },
            "Metadata": {
                "aws:cdk:path": format!("{stack}/Api/Handler/Resource"),
                "aws:asset:path": format!("asset.{hash}"),
            }
        })
    }

    fn from() -> Value {
        json!({ "Resources": {
            "Handler": function("x86_64", HASH_A, "Step00"),
            "Table": { "Type": "AWS::DynamoDB::Table", "Properties": { "BillingMode": "PAY_PER_REQUEST" } },
            "Old": { "Type": "AWS::SQS::Queue", "Properties": {} },
            "CDKMetadata": { "Type": "AWS::CDK::Metadata", "Properties": { "Analytics": "v2:one" } },
        }})
    }

    fn to() -> Value {
        json!({ "Resources": {
            "Handler": function("arm64", HASH_B, "Step01"),
            "Table": { "Type": "AWS::DynamoDB::Table", "Properties": { "BillingMode": "PAY_PER_REQUEST" } },
            "Pool": { "Type": "AWS::Cognito::UserPool", "Properties": {} },
            "CDKMetadata": { "Type": "AWS::CDK::Metadata", "Properties": { "Analytics": "v2:two" } },
        }})
    }

    #[test]
    fn added_removed_and_changed_resources() {
        let delta = template_delta(&from(), &to());
        assert_eq!(
            delta.added,
            [ResourceRef {
                logical_id: "Pool".into(),
                kind: "AWS::Cognito::UserPool".into()
            }]
        );
        assert_eq!(
            delta.removed,
            [ResourceRef {
                logical_id: "Old".into(),
                kind: "AWS::SQS::Queue".into()
            }]
        );
        assert_eq!(delta.changed.len(), 1);
        assert_eq!(delta.changed[0].resource.logical_id, "Handler");
        assert_eq!(delta.changed[0].resource.kind, "AWS::Lambda::Function");
        assert_eq!(delta.unchanged, 1, "the table; CDK metadata is not counted");
    }

    #[test]
    fn asset_hashes_keys_buckets_and_cdk_paths_are_ignored() {
        let delta = template_delta(&from(), &to());
        assert_eq!(
            delta.changed[0].paths,
            ["Properties.Architectures[0]"],
            "only the architecture differs once volatile values are ignored"
        );
        let same = template_delta(
            &json!({ "Resources": { "H": function("arm64", HASH_A, "A") } }),
            &json!({ "Resources": { "H": function("arm64", HASH_B, "B") } }),
        );
        assert!(same.is_empty(), "{same:?}");
        assert_eq!(same.unchanged, 1);
    }

    #[test]
    fn nested_paths_added_keys_and_odd_key_names() {
        let a = json!({ "Resources": { "R": { "Type": "T", "Properties": {
            "A": { "B": [ { "C": 1 }, { "C": 2 } ] },
            "Headers": { "gatewayresponse.header.Origin": "'a'" },
            "List": [1, 2],
        }}}});
        let b = json!({ "Resources": { "R": { "Type": "T", "Properties": {
            "A": { "B": [ { "C": 1 }, { "C": 3 } ] },
            "Headers": { "gatewayresponse.header.Origin": "'b'" },
            "List": [1, 2, 3],
            "New": true,
        }, "DependsOn": [] }}});
        let delta = template_delta(&a, &b);
        assert_eq!(
            delta.changed[0].paths,
            [
                "Properties.A.B[1].C",
                "Properties.Headers[\"gatewayresponse.header.Origin\"]",
                "Properties.List",
                "Properties.New",
                "DependsOn",
            ]
        );
    }

    #[test]
    fn cdk_nag_suppressions_in_metadata_still_count() {
        let mut a = function("arm64", HASH_A, "A");
        let mut b = a.clone();
        a["Metadata"]["cdk_nag"] = json!({ "rules_to_suppress": [] });
        b["Metadata"]["cdk_nag"] = json!({ "rules_to_suppress": [{ "id": "AwsSolutions-L1" }] });
        let delta = template_delta(
            &json!({ "Resources": { "H": a } }),
            &json!({ "Resources": { "H": b } }),
        );
        assert_eq!(
            delta.changed[0].paths,
            ["Metadata.cdk_nag.rules_to_suppress"]
        );
    }

    #[test]
    fn only_exact_64_digit_runs_are_hashes() {
        assert_eq!(
            replace_hashes(&format!("asset.{HASH_A}/x-{HASH_B}")),
            "asset.<hash>/x-<hash>"
        );
        assert_eq!(replace_hashes("deadbeef"), "deadbeef");
        let longer = format!("{HASH_A}0");
        assert_eq!(replace_hashes(&longer), longer);
    }

    #[test]
    fn render_lists_resources_by_sign() {
        let text = render(&template_delta(&from(), &to()), Style::PLAIN);
        assert_eq!(
            text,
            "1 added, 1 removed, 1 changed, 1 unchanged (logical ids matched exactly; asset hashes and CDK metadata ignored)\n\
             \x20 + AWS::Cognito::UserPool  Pool\n\
             \x20 - AWS::SQS::Queue         Old\n\
             \x20 ~ AWS::Lambda::Function   Handler\n\
             \x20     Properties.Architectures[0]\n"
        );
    }
}
