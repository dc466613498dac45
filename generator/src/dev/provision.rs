//! Creating the template's resources in the emulator: one provisioner per CloudFormation type.
//!
//! A later step's resource type (a Cognito user pool, an EventBridge bus, an SQS queue) is one
//! more function and one more row in [`PROVISIONERS`]; a type without a row is reported as not
//! emulated, never silently skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::template::{Locals, Resource, Template, references, resolve, resolve_all};

/// Creates one resource in the emulator and says what its `Ref` and attributes are locally.
pub type Provisioner = fn(&Emulator, &Locals, &str, &Resource) -> Result<Provisioned, String>;

/// CloudFormation type → provisioner, in creation order (a type whose properties refer to
/// another type's resources comes after it, e.g. a user pool client after its user pool).
pub const PROVISIONERS: &[(&str, Provisioner)] = &[
    ("AWS::DynamoDB::Table", dynamodb_table),
    ("AWS::Cognito::UserPool", cognito_user_pool),
    ("AWS::Cognito::UserPoolClient", cognito_user_pool_client),
    ("AWS::IAM::Role", iam_role),
    ("AWS::SQS::Queue", sqs_queue),
    ("AWS::Events::EventBus", event_bus),
    ("AWS::Events::Rule", event_rule),
];

/// The user `stepgen dev` creates in every user pool, so a student can sign in at once. The
/// password meets the strictest policy the course sets (length, all four character classes).
pub const DEMO_USER: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "Demo-password-1";

pub fn provisioner_for(kind: &str) -> Option<Provisioner> {
    PROVISIONERS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, provisioner)| *provisioner)
}

/// A resource as it exists in the emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    pub logical_id: String,
    pub kind: String,
    /// What `{"Ref": logical_id}` means locally (a table's name, a pool's id…).
    pub name: String,
    /// What `Fn::GetAtt` gives locally, by attribute name.
    pub attributes: BTreeMap<String, String>,
    /// A user who can sign in, for resources that hold users (a Cognito user pool, later).
    pub demo_user: Option<DemoUser>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoUser {
    pub username: String,
    pub password: String,
}

/// Which resources of a template `stepgen dev` creates, and which it leaves out.
#[derive(Debug)]
pub struct Plan<'a> {
    /// In creation order.
    pub create: Vec<(&'a str, &'a Resource, Provisioner)>,
    /// Resource types with no local counterpart, and how many of each the template has.
    pub not_emulated: BTreeMap<&'a str, usize>,
}

/// Sorts the template's resources into those to create and those not emulated. `run_locally`
/// are the logical ids that run on this machine some other way (the API's Lambda function).
pub fn plan<'a>(template: &'a Template, run_locally: &BTreeSet<&str>) -> Plan<'a> {
    let mut create = Vec::new();
    let mut not_emulated = BTreeMap::new();
    for (kind, provisioner) in PROVISIONERS {
        for (id, resource) in template.of_type(kind) {
            create.push((id, resource, *provisioner));
        }
    }
    let create = after_their_references(create);
    for (id, resource) in &template.resources {
        if provisioner_for(&resource.kind).is_none() && !run_locally.contains(id.as_str()) {
            *not_emulated.entry(resource.kind.as_str()).or_insert(0) += 1;
        }
    }
    Plan {
        create,
        not_emulated,
    }
}

/// `create` reordered so that each resource comes after those it refers to (a queue after its
/// dead-letter queue, whatever their logical ids), otherwise in the given order. Resources in
/// a reference cycle keep their order (their provisioner then reports what it cannot resolve).
fn after_their_references<'a, T>(
    create: Vec<(&'a str, &'a Resource, T)>,
) -> Vec<(&'a str, &'a Resource, T)> {
    let ids: BTreeSet<&str> = create.iter().map(|(id, _, _)| *id).collect();
    let needs: Vec<BTreeSet<String>> = create
        .iter()
        .map(|(id, resource, _)| {
            let mut refs = references(&resource.properties);
            refs.retain(|r| r != id && ids.contains(r.as_str()));
            refs
        })
        .collect();
    let mut pending: Vec<Option<(&'a str, &'a Resource, T)>> =
        create.into_iter().map(Some).collect();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut ordered = Vec::with_capacity(pending.len());
    while ordered.len() < pending.len() {
        let ready = (0..pending.len())
            .find(|&i| pending[i].is_some() && needs[i].iter().all(|r| placed.contains(r)));
        // A cycle: take the first remaining one as it is.
        let next = ready.unwrap_or_else(|| {
            (0..pending.len())
                .find(|&i| pending[i].is_some())
                .expect("some resource is pending")
        });
        let item = pending[next].take().expect("pending");
        placed.insert(item.0.to_owned());
        ordered.push(item);
    }
    ordered
}

/// An AWS service that speaks the JSON protocol (`X-Amz-Target` names the action).
pub struct JsonService {
    /// The service name in the credential scope, which moto uses to route the request.
    pub signing_name: &'static str,
    pub target_prefix: &'static str,
    pub json_version: &'static str,
}

pub const DYNAMODB: JsonService = JsonService {
    signing_name: "dynamodb",
    target_prefix: "DynamoDB_20120810",
    json_version: "1.0",
};

pub const COGNITO: JsonService = JsonService {
    signing_name: "cognito-idp",
    target_prefix: "AWSCognitoIdentityProviderService",
    json_version: "1.1",
};

pub const SQS: JsonService = JsonService {
    signing_name: "sqs",
    target_prefix: "AmazonSQS",
    json_version: "1.0",
};

pub const EVENTS: JsonService = JsonService {
    signing_name: "events",
    target_prefix: "AWSEvents",
    json_version: "1.1",
};

/// The AWS emulator (moto's server) at a local endpoint.
pub struct Emulator {
    pub endpoint: String,
    pub region: String,
    agent: ureq::Agent,
}

impl Emulator {
    pub fn new(endpoint: &str, region: &str) -> Self {
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            region: region.to_owned(),
            agent: super::http_agent(Duration::from_secs(30)),
        }
    }

    /// Calls a service that speaks the query protocol (IAM): form-encoded parameters in, XML out.
    pub fn call_query(
        &self,
        signing_name: &str,
        parameters: &[(&str, &str)],
    ) -> Result<String, String> {
        let action = parameters
            .iter()
            .find(|(key, _)| *key == "Action")
            .map_or("?", |(_, value)| *value);
        let sent = self
            .agent
            .post(&format!("{}/", self.endpoint))
            .header("Authorization", &self.authorization(signing_name))
            .send_form(parameters.iter().copied());
        self.answer(action, sent)
    }

    /// The body of a 200 answer; anything else is an error naming the action.
    fn answer(
        &self,
        action: &str,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<String, String> {
        let mut response = sent.map_err(|e| {
            format!(
                "{action}: cannot reach the emulator at {}: {e}",
                self.endpoint
            )
        })?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{action}: cannot read the emulator's answer: {e}"))?;
        if status != 200 {
            return Err(format!("{action} answered HTTP {status}: {text}"));
        }
        Ok(text)
    }

    /// moto does not check signatures, but it picks the service from the credential scope
    /// (without one, a POST to `/` is taken for S3): the header only has to look like SigV4.
    fn authorization(&self, signing_name: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=local/20250101/{}/{signing_name}/aws4_request, SignedHeaders=content-type;host, Signature={}",
            self.region,
            "0".repeat(64)
        )
    }

    /// Calls `action` of `service` with a JSON body; returns the JSON answer.
    pub fn call_json(
        &self,
        service: &JsonService,
        action: &str,
        body: &Value,
    ) -> Result<Value, String> {
        let sent = self
            .agent
            .post(&format!("{}/", self.endpoint))
            .header(
                "Content-Type",
                &format!("application/x-amz-json-{}", service.json_version),
            )
            .header(
                "X-Amz-Target",
                &format!("{}.{action}", service.target_prefix),
            )
            .header("Authorization", &self.authorization(service.signing_name))
            .send(body.to_string());
        let text = self.answer(action, sent)?;
        serde_json::from_str(&text).map_err(|e| format!("{action} answered non-JSON ({e}): {text}"))
    }
}

/// `AWS::DynamoDB::Table` → `CreateTable`, named after its logical id.
fn dynamodb_table(
    emulator: &Emulator,
    _locals: &Locals,
    logical_id: &str,
    resource: &Resource,
) -> Result<Provisioned, String> {
    let request = create_table_request(logical_id, &resource.properties)?;
    let answer = emulator.call_json(&DYNAMODB, "CreateTable", &request)?;
    let description = &answer["TableDescription"];
    let mut attributes = BTreeMap::new();
    if let Some(arn) = description["TableArn"].as_str() {
        attributes.insert("Arn".to_owned(), arn.to_owned());
    }
    if let Some(arn) = description["LatestStreamArn"].as_str() {
        attributes.insert("StreamArn".to_owned(), arn.to_owned());
    }
    if let Some(ttl) = time_to_live_request(logical_id, &resource.properties) {
        emulator.call_json(&DYNAMODB, "UpdateTimeToLive", &ttl)?;
    }
    Ok(Provisioned {
        logical_id: logical_id.to_owned(),
        kind: resource.kind.clone(),
        name: logical_id.to_owned(),
        attributes,
        demo_user: None,
    })
}

/// The `CreateTable` request for a table's CloudFormation properties. CloudFormation's key
/// schema, attribute and index shapes are the API's; only the keys the API knows are copied.
pub fn create_table_request(logical_id: &str, properties: &Value) -> Result<Value, String> {
    let mut request = Map::new();
    request.insert("TableName".into(), json!(logical_id));
    for required in ["KeySchema", "AttributeDefinitions"] {
        let value = properties
            .get(required)
            .ok_or_else(|| format!("the table has no {required}"))?;
        request.insert(required.into(), value.clone());
    }
    let billing_mode = properties
        .get("BillingMode")
        .and_then(Value::as_str)
        .unwrap_or("PROVISIONED");
    request.insert("BillingMode".into(), json!(billing_mode));
    if let Some(throughput) = properties.get("ProvisionedThroughput") {
        request.insert("ProvisionedThroughput".into(), throughput.clone());
    }
    let indexes = [
        (
            "GlobalSecondaryIndexes",
            &[
                "IndexName",
                "KeySchema",
                "Projection",
                "ProvisionedThroughput",
            ][..],
        ),
        (
            "LocalSecondaryIndexes",
            &["IndexName", "KeySchema", "Projection"][..],
        ),
    ];
    for (name, keys) in indexes {
        if let Some(Value::Array(list)) = properties.get(name) {
            let list: Vec<Value> = list.iter().map(|index| only(index, keys)).collect();
            request.insert(name.into(), Value::Array(list));
        }
    }
    if let Some(view) = properties["StreamSpecification"]["StreamViewType"].as_str() {
        request.insert(
            "StreamSpecification".into(),
            json!({"StreamEnabled": true, "StreamViewType": view}),
        );
    }
    Ok(Value::Object(request))
}

fn time_to_live_request(logical_id: &str, properties: &Value) -> Option<Value> {
    let ttl = properties.get("TimeToLiveSpecification")?;
    (ttl["Enabled"] == json!(true)).then(|| {
        json!({"TableName": logical_id, "TimeToLiveSpecification": {
            "Enabled": true, "AttributeName": ttl["AttributeName"]}})
    })
}

/// `AWS::IAM::Role` → `CreateRole`, so that an ARN handed to the API (the tenant access role
/// it assumes per tenant) names a role that exists. moto does not enforce IAM, so the trust
/// policy is the local account's and the role's policies are not copied.
fn iam_role(
    emulator: &Emulator,
    locals: &Locals,
    logical_id: &str,
    resource: &Resource,
) -> Result<Provisioned, String> {
    // IAM allows at most 64 characters; CDK's logical ids can be longer.
    let name: String = logical_id.chars().take(64).collect();
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", locals.account)},
            "Action": "sts:AssumeRole"
        }]
    });
    let answer = emulator.call_query(
        "iam",
        &[
            ("Action", "CreateRole"),
            ("Version", "2010-05-08"),
            ("RoleName", &name),
            ("AssumeRolePolicyDocument", &trust.to_string()),
        ],
    )?;
    let arn = xml_element(&answer, "Arn")
        .ok_or_else(|| format!("CreateRole answered without an Arn: {answer}"))?;
    Ok(Provisioned {
        logical_id: logical_id.to_owned(),
        kind: resource.kind.clone(),
        name,
        attributes: BTreeMap::from([("Arn".to_owned(), arn.to_owned())]),
        demo_user: None,
    })
}

/// The SQS queue attributes a CloudFormation queue's properties set (as the API's strings),
/// in the order CloudFormation documents them; encryption and tags are left out.
const QUEUE_ATTRIBUTES: &[&str] = &[
    "ContentBasedDeduplication",
    "DelaySeconds",
    "FifoQueue",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
];

/// `AWS::SQS::Queue` → `CreateQueue` (its dead-letter queue, named by ARN in `RedrivePolicy`,
/// is created first). `Ref` is the queue's URL, as in CloudFormation; `Arn` and `QueueName`
/// are its attributes.
fn sqs_queue(
    emulator: &Emulator,
    locals: &Locals,
    logical_id: &str,
    resource: &Resource,
) -> Result<Provisioned, String> {
    let request = create_queue_request(logical_id, &resource.properties, locals)?;
    let answer = emulator.call_json(&SQS, "CreateQueue", &request)?;
    let url = answer["QueueUrl"]
        .as_str()
        .ok_or_else(|| format!("CreateQueue answered without a QueueUrl: {answer}"))?;
    let attributes = emulator.call_json(
        &SQS,
        "GetQueueAttributes",
        &json!({"QueueUrl": url, "AttributeNames": ["QueueArn"]}),
    )?;
    let arn = attributes["Attributes"]["QueueArn"]
        .as_str()
        .ok_or_else(|| format!("GetQueueAttributes answered without a QueueArn: {attributes}"))?;
    Ok(Provisioned {
        logical_id: logical_id.to_owned(),
        kind: resource.kind.clone(),
        name: url.to_owned(),
        attributes: BTreeMap::from([
            ("Arn".to_owned(), arn.to_owned()),
            (
                "QueueName".to_owned(),
                request["QueueName"].as_str().unwrap_or_default().to_owned(),
            ),
            ("QueueUrl".to_owned(), url.to_owned()),
        ]),
        demo_user: None,
    })
}

/// The `CreateQueue` request for a queue's CloudFormation properties: its `QueueName` (or its
/// logical id, as CloudFormation would generate one), and its attributes as strings, the
/// `RedrivePolicy` object as JSON text with the dead-letter queue's ARN resolved.
pub fn create_queue_request(
    logical_id: &str,
    properties: &Value,
    locals: &Locals,
) -> Result<Value, String> {
    let fifo = properties["FifoQueue"] == json!(true) || properties["FifoQueue"] == json!("true");
    let name = match properties.get("QueueName") {
        Some(name) => resolve(name, locals)
            .map_err(|unresolved| format!("its QueueName {unresolved} has no local value"))?,
        // SQS allows 80 characters, a FIFO queue's ending in `.fifo`.
        None if fifo => format!("{}.fifo", logical_id.chars().take(75).collect::<String>()),
        None => logical_id.chars().take(80).collect(),
    };
    let mut attributes = Map::new();
    for key in QUEUE_ATTRIBUTES {
        if let Some(value) = properties.get(*key) {
            let value = resolve(value, locals)
                .map_err(|unresolved| format!("its {key} {unresolved} has no local value"))?;
            attributes.insert((*key).to_owned(), json!(value));
        }
    }
    for key in ["RedrivePolicy", "RedriveAllowPolicy"] {
        if let Some(policy) = properties.get(key) {
            let policy = match policy {
                Value::String(text) => text.clone(),
                other => resolve_all(other, locals)
                    .map_err(|unresolved| format!("its {key} has no local value: {unresolved}"))?
                    .to_string(),
            };
            attributes.insert(key.to_owned(), json!(policy));
        }
    }
    Ok(json!({"QueueName": name, "Attributes": attributes}))
}

/// `AWS::Events::EventBus` → `CreateEventBus` with its `Name`. `Ref` and `Name` are the name,
/// `Arn` the ARN.
fn event_bus(
    emulator: &Emulator,
    locals: &Locals,
    logical_id: &str,
    resource: &Resource,
) -> Result<Provisioned, String> {
    let name = match resource.properties.get("Name") {
        Some(name) => resolve(name, locals)
            .map_err(|unresolved| format!("its Name {unresolved} has no local value"))?,
        None => logical_id.chars().take(256).collect(),
    };
    let answer = emulator.call_json(&EVENTS, "CreateEventBus", &json!({"Name": name}))?;
    let arn = answer["EventBusArn"]
        .as_str()
        .ok_or_else(|| format!("CreateEventBus answered without an EventBusArn: {answer}"))?;
    Ok(Provisioned {
        logical_id: logical_id.to_owned(),
        kind: resource.kind.clone(),
        name: name.clone(),
        attributes: BTreeMap::from([
            ("Arn".to_owned(), arn.to_owned()),
            ("Name".to_owned(), name),
        ]),
        demo_user: None,
    })
}

/// The event as EventBridge sends it to a target, for moto to send to a queue: moto's own
/// default leaves out `account`, which AWS includes (its `<time>` is a number that moto
/// turns into the RFC 3339 time before sending to SQS).
fn whole_event_transformer() -> Value {
    let fields = [
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ];
    let paths: Map<String, Value> = fields
        .iter()
        .map(|field| ((*field).to_owned(), json!(format!("$.{field}"))))
        .collect();
    json!({
        "InputPathsMap": paths,
        "InputTemplate": r#"{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", "account": "<account>", "time": <time>, "region": "<region>", "resources": <resources>, "detail": <detail>}"#,
    })
}

/// `AWS::Events::Rule` → `PutRule` on its bus (its `EventPattern` or schedule, `State`
/// ENABLED unless the template says otherwise) and `PutTargets` with each target's ARN
/// resolved. `Ref` is `bus|rule` on a custom bus and the rule's name on the default one, as
/// in CloudFormation; `Arn` the rule's ARN.
fn event_rule(
    emulator: &Emulator,
    locals: &Locals,
    logical_id: &str,
    resource: &Resource,
) -> Result<Provisioned, String> {
    let (rule, targets) = put_rule_requests(logical_id, &resource.properties, locals)?;
    let answer = emulator.call_json(&EVENTS, "PutRule", &rule)?;
    let arn = answer["RuleArn"]
        .as_str()
        .ok_or_else(|| format!("PutRule answered without a RuleArn: {answer}"))?;
    if let Some(targets) = targets {
        let answer = emulator.call_json(&EVENTS, "PutTargets", &targets)?;
        if answer["FailedEntryCount"].as_u64().unwrap_or(0) > 0 {
            return Err(format!("PutTargets failed: {answer}"));
        }
    }
    let name = rule["Name"].as_str().unwrap_or_default();
    let reference = match rule["EventBusName"].as_str() {
        Some(bus) if bus != "default" => {
            format!("{}|{name}", bus.rsplit('/').next().unwrap_or(bus))
        }
        _ => name.to_owned(),
    };
    Ok(Provisioned {
        logical_id: logical_id.to_owned(),
        kind: resource.kind.clone(),
        name: reference,
        attributes: BTreeMap::from([("Arn".to_owned(), arn.to_owned())]),
        demo_user: None,
    })
}

/// The `PutRule` request for a rule's CloudFormation properties, and the `PutTargets` request
/// for its targets (none when it has none).
pub fn put_rule_requests(
    logical_id: &str,
    properties: &Value,
    locals: &Locals,
) -> Result<(Value, Option<Value>), String> {
    let text = |key: &str| -> Result<Option<String>, String> {
        properties
            .get(key)
            .map(|value| {
                resolve(value, locals)
                    .map_err(|unresolved| format!("its {key} {unresolved} has no local value"))
            })
            .transpose()
    };
    let name = text("Name")?.unwrap_or_else(|| logical_id.chars().take(64).collect());
    let mut rule = Map::new();
    rule.insert("Name".into(), json!(name));
    if let Some(bus) = text("EventBusName")? {
        rule.insert("EventBusName".into(), json!(bus));
    }
    if let Some(pattern) = properties.get("EventPattern") {
        let pattern = match pattern {
            Value::String(text) => text.clone(),
            other => resolve_all(other, locals)
                .map_err(|unresolved| format!("its EventPattern has no local value: {unresolved}"))?
                .to_string(),
        };
        rule.insert("EventPattern".into(), json!(pattern));
    }
    for key in ["ScheduleExpression", "Description"] {
        if let Some(value) = text(key)? {
            rule.insert(key.into(), json!(value));
        }
    }
    rule.insert(
        "State".into(),
        json!(text("State")?.unwrap_or_else(|| "ENABLED".to_owned())),
    );
    let targets = match properties.get("Targets") {
        Some(Value::Array(targets)) if !targets.is_empty() => targets,
        _ => return Ok((Value::Object(rule), None)),
    };
    let targets = targets
        .iter()
        .map(|target| {
            // Only what routes an event to its target; IAM roles, retry policies and
            // dead-letter configs have no local effect.
            let kept = only(
                target,
                &[
                    "Id",
                    "Arn",
                    "Input",
                    "InputPath",
                    "InputTransformer",
                    "SqsParameters",
                ],
            );
            let mut target = resolve_all(&kept, locals).map_err(|unresolved| {
                format!(
                    "its target {} has no local value: {unresolved}",
                    target["Id"].as_str().unwrap_or("?")
                )
            })?;
            let whole_event = ["Input", "InputPath", "InputTransformer"]
                .iter()
                .all(|key| target.get(*key).is_none());
            let to_queue = target["Arn"]
                .as_str()
                .is_some_and(|arn| arn.starts_with("arn:aws:sqs:"));
            if whole_event && to_queue {
                target["InputTransformer"] = whole_event_transformer();
            }
            Ok::<Value, String>(target)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut put_targets = json!({"Rule": name, "Targets": targets});
    if let Some(bus) = rule.get("EventBusName") {
        put_targets["EventBusName"] = bus.clone();
    }
    Ok((Value::Object(rule), Some(put_targets)))
}

/// The text of the first `<name>…</name>` in an XML answer.
fn xml_element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    Some(&xml[start..end])
}

/// `AWS::Cognito::UserPool` → `CreateUserPool` with the template's sign-in settings, plus the
/// demo user, confirmed and with a permanent password.
fn cognito_user_pool(
    emulator: &Emulator,
    _locals: &Locals,
    logical_id: &str,
    resource: &Resource,
) -> Result<Provisioned, String> {
    let request = create_user_pool_request(logical_id, &resource.properties);
    let answer = emulator.call_json(&COGNITO, "CreateUserPool", &request)?;
    let pool = &answer["UserPool"];
    let id = pool["Id"]
        .as_str()
        .ok_or_else(|| format!("CreateUserPool answered without an Id: {answer}"))?;
    let mut attributes = BTreeMap::new();
    if let Some(arn) = pool["Arn"].as_str() {
        attributes.insert("Arn".to_owned(), arn.to_owned());
    }
    attributes.insert(
        "ProviderName".to_owned(),
        format!("cognito-idp.{}.amazonaws.com/{id}", emulator.region),
    );
    create_demo_user(emulator, id)?;
    Ok(Provisioned {
        logical_id: logical_id.to_owned(),
        kind: resource.kind.clone(),
        name: id.to_owned(),
        attributes,
        demo_user: Some(DemoUser {
            username: DEMO_USER.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
        }),
    })
}

/// The `CreateUserPool` request for a pool's CloudFormation properties: the settings that
/// decide who can sign in and how. Triggers (`LambdaConfig`) are left out: moto does not run them.
pub fn create_user_pool_request(logical_id: &str, properties: &Value) -> Value {
    let mut request = only(
        properties,
        &[
            "Policies",
            "UsernameAttributes",
            "UsernameConfiguration",
            "AutoVerifiedAttributes",
            "AdminCreateUserConfig",
            "Schema",
            "AccountRecoverySetting",
            "UserAttributeUpdateSettings",
            "MfaConfiguration",
        ],
    );
    request["PoolName"] = json!(logical_id);
    request
}

fn create_demo_user(emulator: &Emulator, pool_id: &str) -> Result<(), String> {
    emulator.call_json(
        &COGNITO,
        "AdminCreateUser",
        &json!({
            "UserPoolId": pool_id,
            "Username": DEMO_USER,
            "UserAttributes": [
                {"Name": "email", "Value": DEMO_USER},
                {"Name": "email_verified", "Value": "true"}
            ],
            "MessageAction": "SUPPRESS"
        }),
    )?;
    emulator.call_json(
        &COGNITO,
        "AdminSetUserPassword",
        &json!({
            "UserPoolId": pool_id,
            "Username": DEMO_USER,
            "Password": DEMO_PASSWORD,
            "Permanent": true
        }),
    )?;
    Ok(())
}

/// `AWS::Cognito::UserPoolClient` → `CreateUserPoolClient` in its (already created) pool.
fn cognito_user_pool_client(
    emulator: &Emulator,
    locals: &Locals,
    logical_id: &str,
    resource: &Resource,
) -> Result<Provisioned, String> {
    let pool_id = resolve(&resource.properties["UserPoolId"], locals)
        .map_err(|unresolved| format!("its UserPoolId {unresolved} has no local value"))?;
    let request = create_user_pool_client_request(logical_id, &pool_id, &resource.properties);
    let answer = emulator.call_json(&COGNITO, "CreateUserPoolClient", &request)?;
    let client_id = answer["UserPoolClient"]["ClientId"]
        .as_str()
        .ok_or_else(|| format!("CreateUserPoolClient answered without a ClientId: {answer}"))?;
    Ok(Provisioned {
        logical_id: logical_id.to_owned(),
        kind: resource.kind.clone(),
        name: client_id.to_owned(),
        attributes: BTreeMap::new(),
        demo_user: None,
    })
}

/// The `CreateUserPoolClient` request. Locally the SPA signs in with USER_PASSWORD_AUTH, as
/// moto accepts any SRP proof (a wrong password would pass) but checks a plain password.
pub fn create_user_pool_client_request(
    logical_id: &str,
    pool_id: &str,
    properties: &Value,
) -> Value {
    let mut request = only(
        properties,
        &[
            "GenerateSecret",
            "ExplicitAuthFlows",
            "PreventUserExistenceErrors",
            "EnableTokenRevocation",
            "ReadAttributes",
            "WriteAttributes",
            "AccessTokenValidity",
            "IdTokenValidity",
            "RefreshTokenValidity",
            "TokenValidityUnits",
        ],
    );
    request["UserPoolId"] = json!(pool_id);
    request["ClientName"] = json!(logical_id);
    let mut flows: Vec<Value> = request["ExplicitAuthFlows"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !flows.contains(&json!("ALLOW_USER_PASSWORD_AUTH")) {
        flows.push(json!("ALLOW_USER_PASSWORD_AUTH"));
    }
    request["ExplicitAuthFlows"] = Value::Array(flows);
    request
}

fn only(object: &Value, keys: &[&str]) -> Value {
    let kept: Map<String, Value> = keys
        .iter()
        .filter_map(|key| object.get(*key).map(|v| ((*key).to_owned(), v.clone())))
        .collect();
    Value::Object(kept)
}

#[cfg(test)]
mod tests {
    use super::super::template::parse;
    use super::*;

    const FIXTURE: &str = include_str!("../../tests/fixtures/dev-template.json");

    #[test]
    fn every_provisioned_type_has_exactly_one_provisioner() {
        let kinds: BTreeSet<&str> = PROVISIONERS.iter().map(|(kind, _)| *kind).collect();
        assert_eq!(kinds.len(), PROVISIONERS.len(), "a type is listed twice");
        assert!(provisioner_for("AWS::DynamoDB::Table").is_some());
        assert!(provisioner_for("AWS::CloudFront::Distribution").is_none());
        assert!(provisioner_for("AWS::S3::Bucket").is_none());
    }

    #[test]
    fn the_plan_creates_tables_and_lists_the_rest_as_not_emulated() {
        let template = parse("Stack", FIXTURE).unwrap();
        let plan = plan(&template, &BTreeSet::from(["Function"]));
        let created: Vec<&str> = plan.create.iter().map(|(id, _, _)| *id).collect();
        assert_eq!(created, ["Table"]);
        assert_eq!(
            plan.not_emulated,
            BTreeMap::from([
                ("AWS::CloudFront::Distribution", 1),
                ("AWS::Lambda::Permission", 1)
            ])
        );
    }

    #[test]
    fn create_table_copies_keys_billing_and_indexes_and_names_the_table_after_its_id() {
        let template = parse("Stack", FIXTURE).unwrap();
        let request =
            create_table_request("Table", &template.resources["Table"].properties).unwrap();
        assert_eq!(
            request,
            json!({
                "TableName": "Table",
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"}
                ],
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                    {"AttributeName": "owner", "AttributeType": "S"}
                ],
                "GlobalSecondaryIndexes": [{
                    "IndexName": "byOwner",
                    "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"}
                }]
            })
        );
    }

    #[test]
    fn provisioned_tables_keep_their_throughput_streams_and_ttl() {
        let properties = json!({
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
            "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires"}
        });
        let request = create_table_request("T", &properties).unwrap();
        assert_eq!(request["BillingMode"], "PROVISIONED");
        assert_eq!(request["ProvisionedThroughput"]["ReadCapacityUnits"], 1);
        assert_eq!(
            request["StreamSpecification"],
            json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"})
        );
        assert_eq!(
            time_to_live_request("T", &properties).unwrap()["TimeToLiveSpecification"]["AttributeName"],
            "expires"
        );
        let missing = create_table_request("T", &json!({"KeySchema": []})).unwrap_err();
        assert!(missing.contains("AttributeDefinitions"), "{missing}");
    }

    fn locals_with_queues() -> Locals {
        let mut locals = Locals::new("us-east-1", "123456789012");
        locals.set_ref("Dlq", "http://127.0.0.1:4566/123456789012/Dlq");
        locals.set_attribute("Dlq", "Arn", "arn:aws:sqs:us-east-1:123456789012:Dlq");
        locals.set_attribute("Queue", "Arn", "arn:aws:sqs:us-east-1:123456789012:Queue");
        locals.set_ref("Bus", "app-events");
        locals
    }

    #[test]
    fn create_queue_sets_attributes_as_strings_and_resolves_the_dead_letter_queue() {
        let properties = json!({
            "VisibilityTimeout": 180,
            "MessageRetentionPeriod": 345600,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}, "maxReceiveCount": 5},
            "SqsManagedSseEnabled": true
        });
        let request = create_queue_request("Queue", &properties, &locals_with_queues()).unwrap();
        let policy: Value =
            serde_json::from_str(request["Attributes"]["RedrivePolicy"].as_str().unwrap()).unwrap();
        assert_eq!(
            policy,
            json!({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:Dlq", "maxReceiveCount": 5})
        );
        request["Attributes"]
            .as_object()
            .unwrap()
            .values()
            .for_each(|value| assert!(value.is_string(), "{value}"));
        assert_eq!(request["QueueName"], "Queue");
        assert_eq!(request["Attributes"]["VisibilityTimeout"], "180");
        assert_eq!(request["Attributes"]["MessageRetentionPeriod"], "345600");
        assert!(request["Attributes"].get("SqsManagedSseEnabled").is_none());

        let named = json!({"QueueName": "jobs.fifo", "FifoQueue": true});
        let request = create_queue_request("Q", &named, &locals_with_queues()).unwrap();
        assert_eq!(request["QueueName"], "jobs.fifo");
        assert_eq!(request["Attributes"]["FifoQueue"], "true");
        let unnamed_fifo =
            create_queue_request("Q", &json!({"FifoQueue": true}), &locals_with_queues());
        assert_eq!(unnamed_fifo.unwrap()["QueueName"], "Q.fifo");

        let unknown =
            json!({"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Missing", "Arn"]}}});
        let error = create_queue_request("Q", &unknown, &locals_with_queues()).unwrap_err();
        assert!(error.contains("Missing"), "{error}");
    }

    #[test]
    fn put_rule_names_the_bus_and_pattern_and_targets_the_resolved_arns() {
        let properties = json!({
            "EventBusName": {"Ref": "Bus"},
            "EventPattern": {"source": ["todo.api"], "detail-type": ["ListCreated"]},
            "Targets": [{
                "Arn": {"Fn::GetAtt": ["Queue", "Arn"]},
                "Id": "Target0",
                "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["Unknown", "Arn"]}}
            }]
        });
        let (rule, targets) =
            put_rule_requests("ProvisioningRule", &properties, &locals_with_queues()).unwrap();
        assert_eq!(rule["Name"], "ProvisioningRule");
        assert_eq!(rule["EventBusName"], "app-events");
        assert_eq!(rule["State"], "ENABLED");
        let pattern: Value = serde_json::from_str(rule["EventPattern"].as_str().unwrap()).unwrap();
        assert_eq!(pattern, properties["EventPattern"]);
        assert_eq!(
            targets.unwrap(),
            json!({
                "Rule": "ProvisioningRule",
                "EventBusName": "app-events",
                "Targets": [{
                    "Id": "Target0",
                    "Arn": "arn:aws:sqs:us-east-1:123456789012:Queue",
                    "InputTransformer": whole_event_transformer()
                }]
            })
        );
        let (rule, targets) =
            put_rule_requests("R", &json!({"State": "DISABLED"}), &locals_with_queues()).unwrap();
        assert_eq!(rule["State"], "DISABLED");
        assert!(rule.get("EventBusName").is_none());
        assert!(targets.is_none());
    }

    #[test]
    fn resources_are_created_after_the_ones_they_refer_to() {
        let template = parse(
            "Stack",
            r#"{"Resources": {
                "A": {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["B", "Arn"]}}}},
                "B": {"Type": "AWS::SQS::Queue"},
                "C": {"Type": "AWS::SQS::Queue"},
                "Rule": {"Type": "AWS::Events::Rule", "Properties": {"EventBusName": {"Ref": "Bus"}}},
                "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "b"}},
                "Table": {"Type": "AWS::DynamoDB::Table"}
            }}"#,
        )
        .unwrap();
        let plan = plan(&template, &BTreeSet::new());
        let created: Vec<&str> = plan.create.iter().map(|(id, _, _)| *id).collect();
        assert_eq!(created, ["Table", "B", "A", "C", "Bus", "Rule"]);
    }
}
