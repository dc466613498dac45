//! The step's synthesized CloudFormation template: its resources, and the intrinsic functions in
//! their properties resolved against what runs on this machine.
//!
//! The template is the single source of truth for `stepgen dev`: tables, functions and their
//! environments are read from it, never from a second hand-written description.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// Every resource of the app's stacks, by logical id (sorted, so output is stable).
#[derive(Debug, Default)]
pub struct Template {
    /// The stacks the resources came from, in the cloud assembly's order.
    pub stacks: Vec<String>,
    pub resources: BTreeMap<String, Resource>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Properties", default)]
    pub properties: Value,
    #[serde(rename = "Metadata", default)]
    pub metadata: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a valid {what}: {reason}", path.display())]
    Invalid {
        path: PathBuf,
        what: &'static str,
        reason: String,
    },
    #[error("{}: the cloud assembly has no CloudFormation stack", path.display())]
    NoStack { path: PathBuf },
    #[error(
        "logical id {logical_id} appears in stacks {first} and {second}; `stepgen dev` needs them unique"
    )]
    DuplicateLogicalId {
        logical_id: String,
        first: String,
        second: String,
    },
}

/// The parts of a cloud assembly's `manifest.json` that say where each stack's template is.
#[derive(Deserialize)]
struct Manifest {
    artifacts: BTreeMap<String, Artifact>,
}

#[derive(Deserialize)]
struct Artifact {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    properties: ArtifactProperties,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ArtifactProperties {
    template_file: Option<String>,
}

#[derive(Deserialize)]
struct TemplateFile {
    #[serde(rename = "Resources", default)]
    resources: BTreeMap<String, Resource>,
}

/// The template files of every stack in the cloud assembly at `cdk_out`.
pub fn stack_template_files(cdk_out: &Path) -> Result<Vec<(String, PathBuf)>, TemplateError> {
    let path = cdk_out.join("manifest.json");
    let manifest: Manifest = read_json(&path, "cloud assembly manifest")?;
    let stacks: Vec<(String, PathBuf)> = manifest
        .artifacts
        .into_iter()
        .filter(|(_, artifact)| artifact.kind == "aws:cloudformation:stack")
        .filter_map(|(name, artifact)| {
            let file = artifact.properties.template_file?;
            Some((name, cdk_out.join(file)))
        })
        .collect();
    if stacks.is_empty() {
        return Err(TemplateError::NoStack { path });
    }
    Ok(stacks)
}

/// Reads every stack of the cloud assembly at `cdk_out` into one set of resources.
pub fn load(cdk_out: &Path) -> Result<Template, TemplateError> {
    let mut template = Template::default();
    let mut origin: BTreeMap<String, String> = BTreeMap::new();
    for (stack, path) in stack_template_files(cdk_out)? {
        let file: TemplateFile = read_json(&path, "CloudFormation template")?;
        for (logical_id, resource) in file.resources {
            if let Some(first) = origin.insert(logical_id.clone(), stack.clone()) {
                return Err(TemplateError::DuplicateLogicalId {
                    logical_id,
                    first,
                    second: stack,
                });
            }
            template.resources.insert(logical_id, resource);
        }
        template.stacks.push(stack);
    }
    Ok(template)
}

/// Parses one template's text.
#[cfg(test)]
pub fn parse(stack: &str, json: &str) -> Result<Template, serde_json::Error> {
    let file: TemplateFile = serde_json::from_str(json)?;
    Ok(Template {
        stacks: vec![stack.to_owned()],
        resources: file.resources,
    })
}

fn read_json<T: for<'de> Deserialize<'de>>(
    path: &Path,
    what: &'static str,
) -> Result<T, TemplateError> {
    let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| TemplateError::Invalid {
        path: path.to_owned(),
        what,
        reason: e.to_string(),
    })
}

impl Template {
    /// The resources of one CloudFormation type, in logical-id order.
    pub fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a Resource)> {
        self.resources
            .iter()
            .filter(move |(_, r)| r.kind == kind)
            .map(|(id, r)| (id.as_str(), r))
    }
}

/// What `Ref` and `Fn::GetAtt` mean on this machine: the local names and attributes of the
/// resources that were created in the emulator, and the pseudo parameters of a local account.
#[derive(Debug, Clone)]
pub struct Locals {
    pub region: String,
    pub account: String,
    refs: BTreeMap<String, String>,
    attributes: BTreeMap<(String, String), String>,
}

impl Locals {
    pub fn new(region: &str, account: &str) -> Self {
        Self {
            region: region.to_owned(),
            account: account.to_owned(),
            refs: BTreeMap::new(),
            attributes: BTreeMap::new(),
        }
    }

    /// Records what `{"Ref": logical_id}` resolves to.
    pub fn set_ref(&mut self, logical_id: &str, value: &str) {
        self.refs.insert(logical_id.to_owned(), value.to_owned());
    }

    /// Records what `{"Fn::GetAtt": [logical_id, attribute]}` resolves to.
    pub fn set_attribute(&mut self, logical_id: &str, attribute: &str, value: &str) {
        self.attributes.insert(
            (logical_id.to_owned(), attribute.to_owned()),
            value.to_owned(),
        );
    }

    fn pseudo_parameter(&self, name: &str) -> Option<String> {
        Some(match name {
            "AWS::Region" => self.region.clone(),
            "AWS::AccountId" => self.account.clone(),
            "AWS::Partition" => "aws".to_owned(),
            "AWS::URLSuffix" => "amazonaws.com".to_owned(),
            "AWS::StackName" => "local".to_owned(),
            "AWS::NoValue" => return None,
            _ => return None,
        })
    }

    fn reference(&self, name: &str) -> Result<String, Unresolved> {
        self.pseudo_parameter(name)
            .or_else(|| self.refs.get(name).cloned())
            .ok_or_else(|| Unresolved::Ref(name.to_owned()))
    }

    fn attribute(&self, logical_id: &str, attribute: &str) -> Result<String, Unresolved> {
        self.attributes
            .get(&(logical_id.to_owned(), attribute.to_owned()))
            .cloned()
            .ok_or_else(|| Unresolved::GetAtt(logical_id.to_owned(), attribute.to_owned()))
    }
}

/// The first part of a value that has no meaning on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// `Ref` to a resource (or parameter) that was not created locally.
    Ref(String),
    /// `Fn::GetAtt` of a resource that was not created locally, or an attribute it lacks.
    GetAtt(String, String),
    /// An intrinsic function or value shape the local resolver does not evaluate.
    Unsupported(String),
}

impl Unresolved {
    /// The logical id the value depends on, if any (to name its type in messages).
    pub fn logical_id(&self) -> Option<&str> {
        match self {
            Unresolved::Ref(id) | Unresolved::GetAtt(id, _) => Some(id),
            Unresolved::Unsupported(_) => None,
        }
    }
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unresolved::Ref(id) => write!(f, "{{\"Ref\": \"{id}\"}}"),
            Unresolved::GetAtt(id, attr) => write!(f, "{{\"Fn::GetAtt\": [\"{id}\", \"{attr}\"]}}"),
            Unresolved::Unsupported(what) => write!(f, "{what}"),
        }
    }
}

/// Evaluates a property value to the string it has on this machine.
///
/// Supports literals, `Ref`, `Fn::GetAtt`, `Fn::Join` and `Fn::Sub`: what CDK emits for names,
/// ARNs and URLs passed into environment variables.
pub fn resolve(value: &Value, locals: &Locals) -> Result<String, Unresolved> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Object(map) if map.len() == 1 => {
            let (function, argument) = map.iter().next().expect("one entry");
            match (function.as_str(), argument) {
                ("Ref", Value::String(name)) => locals.reference(name),
                ("Fn::GetAtt", Value::Array(parts)) => match parts.as_slice() {
                    [Value::String(id), Value::String(attr)] => locals.attribute(id, attr),
                    _ => Err(unsupported(value)),
                },
                ("Fn::GetAtt", Value::String(dotted)) => match dotted.split_once('.') {
                    Some((id, attr)) => locals.attribute(id, attr),
                    None => Err(unsupported(value)),
                },
                ("Fn::Join", Value::Array(parts)) => match parts.as_slice() {
                    [Value::String(separator), Value::Array(items)] => Ok(items
                        .iter()
                        .map(|item| resolve(item, locals))
                        .collect::<Result<Vec<_>, _>>()?
                        .join(separator)),
                    _ => Err(unsupported(value)),
                },
                ("Fn::Sub", Value::String(text)) => substitute(text, &BTreeMap::new(), locals),
                ("Fn::Sub", Value::Array(parts)) => match parts.as_slice() {
                    [Value::String(text), Value::Object(variables)] => {
                        let variables = variables
                            .iter()
                            .map(|(k, v)| Ok((k.clone(), resolve(v, locals)?)))
                            .collect::<Result<BTreeMap<_, _>, Unresolved>>()?;
                        substitute(text, &variables, locals)
                    }
                    _ => Err(unsupported(value)),
                },
                _ => Err(unsupported(value)),
            }
        }
        _ => Err(unsupported(value)),
    }
}

/// A property value with every intrinsic function in it (at any depth) resolved to its local
/// string, e.g. an EventBridge rule's `EventPattern` that names the bus by `Ref`.
pub fn resolve_all(value: &Value, locals: &Locals) -> Result<Value, Unresolved> {
    match value {
        Value::Object(map) if is_intrinsic(map) => resolve(value, locals).map(Value::String),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), resolve_all(v, locals)?)))
            .collect::<Result<serde_json::Map<_, _>, _>>()
            .map(Value::Object),
        Value::Array(items) => items
            .iter()
            .map(|item| resolve_all(item, locals))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

fn is_intrinsic(map: &serde_json::Map<String, Value>) -> bool {
    map.len() == 1
        && map
            .keys()
            .next()
            .is_some_and(|key| key == "Ref" || key.starts_with("Fn::"))
}

/// The resource a value names with `{"Ref": id}` or `{"Fn::GetAtt": [id, attribute]}`
/// (e.g. a mapping's `FunctionName`, a target's `Arn`), if it is one of those.
pub fn referenced_resource(value: &Value) -> Option<&str> {
    let map = value.as_object().filter(|map| map.len() == 1)?;
    match map.iter().next()? {
        (function, Value::String(name)) if function == "Ref" => {
            (!name.starts_with("AWS::")).then_some(name.as_str())
        }
        (function, Value::Array(parts)) if function == "Fn::GetAtt" => parts.first()?.as_str(),
        (function, Value::String(dotted)) if function == "Fn::GetAtt" => {
            dotted.split_once('.').map(|(id, _)| id)
        }
        _ => None,
    }
}

/// Every logical id a value refers to, at any depth: `Ref`, `Fn::GetAtt`, and `${Id}` or
/// `${Id.Attribute}` in `Fn::Sub` (pseudo parameters excluded). Resources are created after
/// the ones they refer to.
pub fn references(value: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    collect_references(value, &mut found);
    found
}

fn collect_references(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(id) = referenced_resource(value) {
                found.insert(id.to_owned());
            }
            // A `${Name}` that is one of the Sub's own variables may be counted too: only
            // names that are resources of the template matter to the caller.
            let sub_text = match map.get("Fn::Sub") {
                Some(Value::String(text)) => Some(text.as_str()),
                Some(Value::Array(parts)) => parts.first().and_then(Value::as_str),
                _ => None,
            };
            if let Some(text) = sub_text {
                let mut rest = text;
                while let Some(start) = rest.find("${") {
                    let after = &rest[start + 2..];
                    let Some(end) = after.find('}') else { break };
                    let name = &after[..end];
                    let id = name.split_once('.').map_or(name, |(id, _)| id);
                    if !id.starts_with('!') && !id.starts_with("AWS::") {
                        found.insert(id.to_owned());
                    }
                    rest = &after[end + 1..];
                }
            }
            for nested in map.values() {
                collect_references(nested, found);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_references(item, found);
            }
        }
        _ => {}
    }
}

fn unsupported(value: &Value) -> Unresolved {
    let shown = match value {
        Value::Object(map) if map.len() == 1 => map.keys().next().expect("one entry").clone(),
        other => other.to_string(),
    };
    Unresolved::Unsupported(format!("{shown} (not evaluated locally)"))
}

/// `Fn::Sub`: `${Name}` is a variable, a pseudo parameter or a `Ref`; `${Id.Attr}` a `GetAtt`;
/// `${!Literal}` stays `${Literal}`.
fn substitute(
    text: &str,
    variables: &BTreeMap<String, String>,
    locals: &Locals,
) -> Result<String, Unresolved> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| Unresolved::Unsupported(format!("Fn::Sub {text:?}: unclosed ${{")))?;
        let name = &after[..end];
        if let Some(literal) = name.strip_prefix('!') {
            out.push_str("${");
            out.push_str(literal);
            out.push('}');
        } else if let Some(value) = variables.get(name) {
            out.push_str(value);
        } else if let Some((id, attr)) = name.split_once('.') {
            out.push_str(&locals.attribute(id, attr)?);
        } else {
            out.push_str(&locals.reference(name)?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const FIXTURE: &str = include_str!("../../tests/fixtures/dev-template.json");

    fn locals() -> Locals {
        let mut locals = Locals::new("us-east-1", "123456789012");
        locals.set_ref("Table", "Table");
        locals.set_attribute(
            "Table",
            "Arn",
            "arn:aws:dynamodb:us-east-1:123456789012:table/Table",
        );
        locals
    }

    #[test]
    fn reads_resources_by_logical_id_with_their_types() {
        let template = parse("Stack", FIXTURE).unwrap();
        let kinds: Vec<(&str, &str)> = template
            .resources
            .iter()
            .map(|(id, r)| (id.as_str(), r.kind.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("Distribution", "AWS::CloudFront::Distribution"),
                ("Function", "AWS::Lambda::Function"),
                ("Permission", "AWS::Lambda::Permission"),
                ("Table", "AWS::DynamoDB::Table"),
            ]
        );
        let tables: Vec<&str> = template
            .of_type("AWS::DynamoDB::Table")
            .map(|(id, _)| id)
            .collect();
        assert_eq!(tables, ["Table"]);
        assert_eq!(
            template.resources["Function"].metadata["aws:asset:path"],
            json!("/repo/generated/step/lambdas/api")
        );
    }

    #[test]
    fn loads_every_stack_named_in_the_cloud_assembly_manifest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("manifest.json"),
            json!({"artifacts": {
                "Stack": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Stack.template.json"}},
                "Tree": {"type": "cdk:tree"}
            }})
            .to_string(),
        )
        .unwrap();
        std::fs::write(dir.path().join("Stack.template.json"), FIXTURE).unwrap();
        let template = load(dir.path()).unwrap();
        assert_eq!(template.stacks, ["Stack"]);
        assert_eq!(template.resources.len(), 4);
    }

    #[test]
    fn a_missing_assembly_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let message = load(dir.path()).unwrap_err().to_string();
        assert!(message.contains("manifest.json"), "{message}");
    }

    #[test]
    fn literals_refs_and_attributes_resolve_to_local_values() {
        let locals = locals();
        assert_eq!(resolve(&json!("true"), &locals).unwrap(), "true");
        assert_eq!(resolve(&json!(10), &locals).unwrap(), "10");
        assert_eq!(resolve(&json!({"Ref": "Table"}), &locals).unwrap(), "Table");
        assert_eq!(
            resolve(&json!({"Fn::GetAtt": ["Table", "Arn"]}), &locals).unwrap(),
            "arn:aws:dynamodb:us-east-1:123456789012:table/Table"
        );
        assert_eq!(
            resolve(&json!({"Fn::GetAtt": "Table.Arn"}), &locals).unwrap(),
            "arn:aws:dynamodb:us-east-1:123456789012:table/Table"
        );
    }

    #[test]
    fn joins_and_subs_resolve_their_parts() {
        let locals = locals();
        let join = json!({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":x:", {"Ref": "AWS::Region"}, ":", {"Ref": "Table"}]]});
        assert_eq!(
            resolve(&join, &locals).unwrap(),
            "arn:aws:x:us-east-1:Table"
        );
        let sub = json!({"Fn::Sub": "${AWS::AccountId}/${Table}/${Table.Arn}/${!Literal}"});
        assert_eq!(
            resolve(&sub, &locals).unwrap(),
            "123456789012/Table/arn:aws:dynamodb:us-east-1:123456789012:table/Table/${Literal}"
        );
        let sub_with_variables = json!({"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "Table"}}]});
        assert_eq!(resolve(&sub_with_variables, &locals).unwrap(), "Table-x");
    }

    #[test]
    fn the_first_unresolvable_part_is_reported() {
        let locals = locals();
        let template = parse("Stack", FIXTURE).unwrap();
        let origin = &template.resources["Function"].properties["Environment"]["Variables"]["ALLOWED_ORIGIN"];
        let err = resolve(origin, &locals).unwrap_err();
        assert_eq!(
            err,
            Unresolved::GetAtt("Distribution".into(), "DomainName".into())
        );
        assert_eq!(err.logical_id(), Some("Distribution"));
        assert_eq!(
            err.to_string(),
            r#"{"Fn::GetAtt": ["Distribution", "DomainName"]}"#
        );
        assert_eq!(
            resolve(&json!({"Ref": "Missing"}), &locals).unwrap_err(),
            Unresolved::Ref("Missing".into())
        );
        let unsupported = resolve(&json!({"Fn::ImportValue": "x"}), &locals).unwrap_err();
        assert!(
            unsupported.to_string().contains("Fn::ImportValue"),
            "{unsupported}"
        );
    }

    #[test]
    fn references_are_found_at_any_depth() {
        let value = json!({
            "a": [{"Ref": "Table"}, {"Ref": "AWS::Region"}],
            "b": {"Fn::GetAtt": "Queue.Arn"},
            "c": {"Fn::Sub": "${Bus}-${Role.Arn}-${AWS::AccountId}-${!Literal}"},
            "d": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}}
        });
        let found: Vec<String> = references(&value).into_iter().collect();
        assert_eq!(found, ["Bus", "Dlq", "Queue", "Role", "Table"]);
        assert_eq!(
            referenced_resource(&json!({"Ref": "Function"})),
            Some("Function")
        );
        assert_eq!(
            referenced_resource(&json!({"Fn::GetAtt": ["Q", "Arn"]})),
            Some("Q")
        );
        assert_eq!(referenced_resource(&json!({"Ref": "AWS::Region"})), None);
        assert_eq!(referenced_resource(&json!("literal")), None);
    }

    #[test]
    fn resolve_all_keeps_the_shape_and_resolves_every_intrinsic() {
        let pattern =
            json!({"source": ["todo.api"], "detail": {"table": [{"Ref": "Table"}]}, "n": 1});
        assert_eq!(
            resolve_all(&pattern, &locals()).unwrap(),
            json!({"source": ["todo.api"], "detail": {"table": ["Table"]}, "n": 1})
        );
        assert_eq!(
            resolve_all(&json!([{"Ref": "Missing"}]), &locals()).unwrap_err(),
            Unresolved::Ref("Missing".into())
        );
    }
}
