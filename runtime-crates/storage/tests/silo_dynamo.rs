//! `SiloPool` and `DynamoProvisioner` on moto (DynamoDB and STS): a table per tenant, with
//! credentials whose session policy names that table only. moto enforces no IAM and
//! ignores `OnDemandThroughput`, so the policy and the maximums are checked as sent.

mod pool_contract;

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::{AttributeValue, BillingMode, KeyType, ScalarAttributeType};
use serde_json::{Value, json};
use todo_domain::{ApiError, TenantId};
use todo_storage::{
    DynamoProvisioner, SiloPool, TableStatus, TenantPartitions, TenantProvisioner, Tier,
};
use todo_tenancy::{SiloConfig, TENANT_ACTIONS, TenantCredentials, TenantTablePrefix};
use todo_test_support::{MotoDynamo, TABLE_NAME, TENANT_ROLE_ARN};

const PREFIX: &str = "Step05TodoMultiTenantSiloModel-tenant-";
const TABLE_ARN_BASE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/";

/// The body of every request a client sent, in order (STS: a form; DynamoDB: JSON).
#[derive(Debug, Default, Clone)]
struct Recorder(Arc<Mutex<Vec<Vec<u8>>>>);

impl Recorder {
    fn bodies(&self) -> Vec<Vec<u8>> {
        self.0.lock().unwrap().clone()
    }

    /// The `Policy` parameter of every STS AssumeRole sent.
    fn session_policies(&self) -> Vec<Value> {
        self.bodies()
            .iter()
            .map(|body| {
                let (_, policy) = form_urlencoded::parse(body)
                    .find(|(name, _)| name == "Policy")
                    .expect("AssumeRole names a session policy");
                serde_json::from_str(&policy).unwrap()
            })
            .collect()
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
        self.0.lock().unwrap().push(body.to_vec());
        Ok(())
    }
}

fn silo_config() -> SiloConfig {
    SiloConfig {
        tenant_role_arn: TENANT_ROLE_ARN.to_owned(),
        table_prefix: TenantTablePrefix::new(PREFIX).unwrap(),
        table_arn_base: TABLE_ARN_BASE.to_owned(),
    }
}

/// A silo pool whose STS calls are recorded, two items a Query page (pagination).
fn silo(moto: &MotoDynamo) -> (SiloPool, Recorder) {
    let recorder = Recorder::default();
    let sts = aws_sdk_sts::config::Builder::from(&moto.sdk_config())
        .interceptor(recorder.clone())
        .build();
    let credentials = TenantCredentials::new(aws_sdk_sts::Client::from_conf(sts), silo_config());
    let pool = SiloPool::new(&moto.sdk_config(), TABLE_NAME, credentials).with_page_limit(2);
    (pool, recorder)
}

fn table_name(tenant: &TenantId) -> String {
    format!("{PREFIX}{tenant}")
}

/// Every item of `table`, as (pk, sk), in key order.
async fn keys(moto: &MotoDynamo, table: &str) -> Vec<(String, String)> {
    let items = moto
        .client()
        .scan()
        .table_name(table)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    let text = |item: &std::collections::HashMap<String, AttributeValue>, name: &str| {
        item[name].as_s().unwrap().clone()
    };
    let mut keys: Vec<_> = items
        .iter()
        .map(|item| (text(item, "pk"), text(item, "sk")))
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn lists_index_and_members() {
    let moto = MotoDynamo::start().await;
    let (pool, _) = silo(&moto);
    pool_contract::lists_index_and_members(&pool, Some(&pool)).await;
}

#[tokio::test]
async fn todos_are_versioned() {
    let moto = MotoDynamo::start().await;
    let (pool, _) = silo(&moto);
    pool_contract::todos_are_versioned(&pool, Some(&pool)).await;
}

#[tokio::test]
async fn a_handle_refuses_other_tenants() {
    let moto = MotoDynamo::start().await;
    let (pool, _) = silo(&moto);
    pool_contract::a_handle_refuses_other_tenants(&pool, Some(&pool)).await;
}

#[tokio::test]
async fn delete_partition_removes_everything() {
    let moto = MotoDynamo::start().await;
    let (pool, _) = silo(&moto);
    pool_contract::delete_partition_removes_everything(&pool, Some(&pool)).await;
}

#[tokio::test]
async fn a_new_tenant_gets_its_own_on_demand_table_with_its_tiers_maximums() {
    let moto = MotoDynamo::start().await;
    let recorder = Recorder::default();
    let client = aws_sdk_dynamodb::config::Builder::from(&moto.sdk_config())
        .interceptor(recorder.clone())
        .build();
    let provisioner = DynamoProvisioner::new(
        aws_sdk_dynamodb::Client::from_conf(client),
        TenantTablePrefix::new(PREFIX).unwrap(),
    );
    let tenant = TenantId::generate();
    assert_eq!(
        provisioner.status(&tenant).await.unwrap(),
        TableStatus::Missing
    );
    provisioner
        .provision(&tenant, &Tier::default())
        .await
        .unwrap();

    // What was asked for, as sent (moto ignores OnDemandThroughput).
    let create: Value = serde_json::from_slice(&recorder.bodies()[1]).unwrap();
    assert_eq!(
        create,
        json!({
            "TableName": table_name(&tenant),
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"}
            ],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"}
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "OnDemandThroughput": {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50},
            "Tags": [{"Key": "tenant", "Value": tenant.as_str()}]
        })
    );

    // What exists.
    let table = moto
        .client()
        .describe_table()
        .table_name(table_name(&tenant))
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let schema: Vec<_> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type().clone()))
        .collect();
    assert_eq!(schema, [("pk", KeyType::Hash), ("sk", KeyType::Range)]);
    assert!(
        table
            .attribute_definitions()
            .iter()
            .all(|a| a.attribute_type() == &ScalarAttributeType::S)
    );
    assert_eq!(
        table.billing_mode_summary().unwrap().billing_mode(),
        Some(&BillingMode::PayPerRequest)
    );
    assert_eq!(
        table.table_arn(),
        Some(format!("{TABLE_ARN_BASE}{}", table_name(&tenant)).as_str())
    );
    let tags = moto
        .client()
        .list_tags_of_resource()
        .resource_arn(table.table_arn().unwrap())
        .send()
        .await
        .unwrap();
    let tags: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, [("tenant", tenant.as_str())]);
    assert_eq!(
        provisioner.status(&tenant).await.unwrap(),
        TableStatus::Active
    );
}

#[tokio::test]
async fn provisioning_twice_is_fine_and_keeps_the_items() {
    let moto = MotoDynamo::start().await;
    let (pool, _) = silo(&moto);
    let owner = pool_contract::user("owner");
    let list = pool_contract::create_list(&pool, Some(&pool), &owner, "l").await;
    pool.provision(&list.id, &Tier::default()).await.unwrap();
    let handle = pool.open(&list.id).await.unwrap();
    assert_eq!(handle.list(&list.id).await.unwrap(), list);
}

#[tokio::test]
async fn a_scoped_handle_writes_and_reads_only_its_own_table() {
    let moto = MotoDynamo::start().await;
    let (pool, recorder) = silo(&moto);
    let alice = pool_contract::user("alice");
    let bob = pool_contract::user("bob");
    let mine = pool_contract::create_list(&pool, Some(&pool), &alice, "mine").await;
    let theirs = pool_contract::create_list(&pool, Some(&pool), &bob, "theirs").await;
    let handle = pool.open(&mine.id).await.unwrap();
    let todo = handle
        .create_todo(&mine.id, pool_contract::new_todo("a"))
        .await
        .unwrap();
    assert_eq!(
        handle.todos(&mine.id).await.unwrap(),
        std::slice::from_ref(&todo)
    );

    let pk = format!("TENANT#{}", mine.id);
    assert_eq!(
        keys(&moto, &table_name(&mine.id)).await,
        [
            (pk.clone(), "LIST".to_owned()),
            (pk.clone(), "MEMBER#alice".to_owned()),
            (pk, format!("TODO#{}", todo.todo.id)),
        ]
    );
    let their_pk = format!("TENANT#{}", theirs.id);
    assert_eq!(
        keys(&moto, &table_name(&theirs.id)).await,
        [
            (their_pk.clone(), "LIST".to_owned()),
            (their_pk, "MEMBER#bob".to_owned()),
        ]
    );
    // The control table holds the users' index only.
    assert_eq!(
        keys(&moto, TABLE_NAME).await,
        [
            ("USER#alice".to_owned(), format!("LIST#{}", mine.id)),
            ("USER#bob".to_owned(), format!("LIST#{}", theirs.id)),
        ]
    );

    // Each tenant's credentials were asked for with a policy naming its table only.
    let policies = recorder.session_policies();
    assert_eq!(policies.len(), 2, "one AssumeRole per tenant, then cached");
    for (policy, list) in policies.iter().zip([&mine, &theirs]) {
        assert_eq!(
            policy,
            &json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "OneTenantsTableOnly",
                    "Effect": "Allow",
                    "Action": TENANT_ACTIONS,
                    "Resource": format!("{TABLE_ARN_BASE}{PREFIX}{}", list.id)
                }]
            })
        );
    }
    let credentials = pool.credentials().for_tenant(&mine.id).await.unwrap();
    assert_ne!(credentials.access_key_id(), "testing");
    assert!(credentials.session_token().is_some());
}

#[tokio::test]
async fn a_handle_for_one_tenant_refuses_another() {
    let moto = MotoDynamo::start().await;
    let (pool, _) = silo(&moto);
    let mine = pool_contract::create_list(&pool, Some(&pool), &pool_contract::user("a"), "a").await;
    let theirs =
        pool_contract::create_list(&pool, Some(&pool), &pool_contract::user("b"), "b").await;
    let handle = pool.open(&mine.id).await.unwrap();
    let error = handle.list(&theirs.id).await.unwrap_err();
    assert!(error.is_internal(), "{error:?}");
    assert!(
        error.to_string().contains("tenant scope violation"),
        "{error}"
    );
}

#[tokio::test]
async fn deleting_a_tenant_removes_its_table() {
    let moto = MotoDynamo::start().await;
    let (pool, _) = silo(&moto);
    let owner = pool_contract::user("owner");
    let doomed = pool_contract::create_list(&pool, Some(&pool), &owner, "doomed").await;
    let kept = pool_contract::create_list(&pool, Some(&pool), &owner, "kept").await;
    pool.open(&doomed.id).await.unwrap();

    pool.deprovision(&doomed.id).await.unwrap();
    let tables = moto.client().list_tables().send().await.unwrap();
    let mut names = tables.table_names().to_vec();
    names.sort();
    let mut expected = vec![table_name(&kept.id), TABLE_NAME.to_owned()];
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(pool.status(&doomed.id).await.unwrap(), TableStatus::Missing);
    let Err(error) = pool.open(&doomed.id).await else {
        panic!("a deleted tenant's table was opened");
    };
    assert!(matches!(error, ApiError::NotFound(_)), "{error:?}");
    // Again: nothing to delete, no error.
    pool.deprovision(&doomed.id).await.unwrap();
}

#[tokio::test]
async fn a_tenant_without_a_table_is_not_found_and_gets_no_credentials() {
    let moto = MotoDynamo::start().await;
    let (pool, recorder) = silo(&moto);
    let Err(error) = pool.open(&TenantId::generate()).await else {
        panic!("a tenant without a table was opened");
    };
    assert!(matches!(error, ApiError::NotFound(_)), "{error:?}");
    assert!(recorder.bodies().is_empty(), "no AssumeRole");
}

#[tokio::test]
async fn the_pool_is_configured_from_the_environment() {
    let moto = MotoDynamo::start().await;
    let vars = |name: &str| match name {
        "TENANT_ROLE_ARN" => Some(TENANT_ROLE_ARN.to_owned()),
        "TENANT_TABLE_PREFIX" => Some(PREFIX.to_owned()),
        _ => None,
    };
    let pool = SiloPool::from_lookup(&moto.sdk_config(), TABLE_NAME, vars).unwrap();
    let tenant = TenantId::generate();
    assert_eq!(pool.table_name(&tenant), table_name(&tenant));
    // The region comes from the SDK configuration when AWS_REGION is not set.
    assert_eq!(pool.credentials().config(), &silo_config());
    let error = SiloPool::from_lookup(&moto.sdk_config(), TABLE_NAME, |_| None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("TENANT_ROLE_ARN"), "{error}");
}
