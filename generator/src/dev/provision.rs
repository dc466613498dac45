//! Creating the template's resources in the emulator: one provisioner per CloudFormation type.
//!
//! A later step's resource type (a Cognito user pool, an EventBridge bus, an SQS queue) is one
//! more function and one more row in [`PROVISIONERS`]; a type without a row is reported as not
//! emulated, never silently skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::template::{Locals, Resource, Template, resolve};

/// Creates one resource in the emulator and says what its `Ref` and attributes are locally.
pub type Provisioner = fn(&Emulator, &Locals, &str, &Resource) -> Result<Provisioned, String>;

/// CloudFormation type → provisioner, in creation order (a type whose properties refer to
/// another type's resources comes after it, e.g. a user pool client after its user pool).
pub const PROVISIONERS: &[(&str, Provisioner)] = &[
    ("AWS::DynamoDB::Table", dynamodb_table),
    ("AWS::Cognito::UserPool", cognito_user_pool),
    ("AWS::Cognito::UserPoolClient", cognito_user_pool_client),
    ("AWS::IAM::Role", iam_role),
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
}
