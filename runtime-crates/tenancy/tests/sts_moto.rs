//! `TenantCredentials` against moto's STS: the role it assumes, the exact session policy it
//! sends, and its per-tenant cache. moto does not enforce IAM policies, so what is checked
//! here is what the provider asks for; the policy's effect is AWS's job.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_sdk_sts::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_sts::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_sts::error::BoxError;
use serde_json::{Value, json};
use todo_domain::TenantId;
use todo_tenancy::{SESSION_DURATION, TENANT_ACTIONS, TenancyConfig, TenantCredentials};
use todo_test_support::{MotoDynamo, TABLE_ARN, TENANT_ROLE_ARN};

/// The form parameters of one STS request.
type Params = Vec<(String, String)>;

/// The form parameters of every STS request sent, in order.
#[derive(Debug, Default, Clone)]
struct Recorder(Arc<Mutex<Vec<Params>>>);

impl Recorder {
    fn requests(&self) -> Vec<Params> {
        self.0.lock().unwrap().clone()
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.request().body().bytes().unwrap_or_default();
        let params = form_urlencoded::parse(body).into_owned().collect();
        self.0.lock().unwrap().push(params);
        Ok(())
    }
}

fn param<'a>(request: &'a [(String, String)], name: &str) -> &'a str {
    request
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("no {name} in {request:?}"))
}

fn provider(moto: &MotoDynamo) -> (TenantCredentials, Recorder) {
    let recorder = Recorder::default();
    let config = aws_sdk_sts::config::Builder::from(&moto.sdk_config())
        .interceptor(recorder.clone())
        .build();
    let tenancy = TenancyConfig {
        tenant_role_arn: TENANT_ROLE_ARN.to_owned(),
        table_arn: TABLE_ARN.to_owned(),
    };
    let provider = TenantCredentials::new(aws_sdk_sts::Client::from_conf(config), tenancy);
    (provider, recorder)
}

#[tokio::test]
async fn assumes_the_tenant_role_with_a_policy_for_that_tenant_only_and_caches_per_tenant() {
    let moto = MotoDynamo::start().await;
    let (provider, recorder) = provider(&moto);
    let alice = TenantId::generate();
    let bob = TenantId::generate();

    let first = provider.for_tenant(&alice).await.unwrap();
    let requests = recorder.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(param(request, "Action"), "AssumeRole");
    assert_eq!(param(request, "RoleArn"), TENANT_ROLE_ARN);
    assert_eq!(param(request, "RoleSessionName"), format!("tenant-{alice}"));
    assert_eq!(
        param(request, "DurationSeconds"),
        SESSION_DURATION.as_secs().to_string()
    );
    let policy: Value = serde_json::from_str(param(request, "Policy")).unwrap();
    assert_eq!(
        policy,
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "OneTenantsItemsOnly",
                "Effect": "Allow",
                "Action": TENANT_ACTIONS,
                "Resource": TABLE_ARN,
                "Condition": {
                    "ForAllValues:StringEquals": {
                        "dynamodb:LeadingKeys": [format!("TENANT#{alice}")]
                    }
                }
            }]
        })
    );
    let expiry = first.expiry().expect("assumed credentials expire");
    assert!(
        expiry > SystemTime::now() + Duration::from_secs(50 * 60),
        "{expiry:?}"
    );
    assert!(first.session_token().is_some());

    // The same tenant again: from the cache, no second call.
    let again = provider.for_tenant(&alice).await.unwrap();
    assert_eq!(again.access_key_id(), first.access_key_id());
    assert_eq!(recorder.requests().len(), 1);

    // Another tenant: its own call, its own policy, its own credentials.
    let theirs = provider.for_tenant(&bob).await.unwrap();
    let requests = recorder.requests();
    assert_eq!(requests.len(), 2);
    let policy: Value = serde_json::from_str(param(&requests[1], "Policy")).unwrap();
    assert_eq!(
        policy["Statement"][0]["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"],
        json!([format!("TENANT#{bob}")])
    );
    assert_ne!(theirs.access_key_id(), first.access_key_id());

    // Both stay cached.
    provider.for_tenant(&alice).await.unwrap();
    provider.for_tenant(&bob).await.unwrap();
    assert_eq!(recorder.requests().len(), 2);
}

#[tokio::test]
async fn credentials_close_to_expiry_are_replaced() {
    let moto = MotoDynamo::start().await;
    let (provider, recorder) = provider(&moto);
    // A refresh margin longer than the session: every cached credential is "about to
    // expire", so each call must assume the role again.
    let provider = provider.with_refresh_margin(SESSION_DURATION + Duration::from_secs(60));
    let tenant = TenantId::generate();
    let first = provider.for_tenant(&tenant).await.unwrap();
    let second = provider.for_tenant(&tenant).await.unwrap();
    assert_eq!(recorder.requests().len(), 2);
    assert_ne!(first.access_key_id(), second.access_key_id());
}

#[tokio::test]
async fn an_sts_failure_is_an_internal_error_naming_the_role() {
    let moto = MotoDynamo::start().await;
    // Nothing listens on port 1: every call fails to connect.
    let unreachable = moto
        .sdk_config()
        .to_builder()
        .endpoint_url("http://127.0.0.1:1")
        .build();
    let (provider, _) = provider(&moto);
    let broken = TenantCredentials::new(
        aws_sdk_sts::Client::new(&unreachable),
        provider.config().clone(),
    );
    let error = broken.for_tenant(&TenantId::generate()).await.unwrap_err();
    assert!(error.is_internal(), "{error:?}");
    assert!(error.to_string().contains(TENANT_ROLE_ARN), "{error}");
    assert!(!error.public_message().contains(TENANT_ROLE_ARN));
}
