//! Step04's metering on emulated AWS: the real router and `DynamoPool` on moto's DynamoDB
//! (tenant partitions through STS-assumed credentials) and the roll-up in the same table
//! (`DynamoUsageStore`). The pool's requests pass through a `CapacityTap`, which adds up
//! the capacity DynamoDB reported on the wire, to compare with what was metered.
//! Tokens are signed by todo-test-support's test keys; sign-in on Cognito is exercised by
//! `lists_moto.rs`.

mod common;
mod metering;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use common::Api;
use common::lists::User;
use serde_json::json;
use todo_api::{
    AllowedOrigin, AppState, AuthConfig, DynamoUsageStore, MemoryDirectory, MemorySink,
    TokenVerifier,
};
use todo_domain::UserId;
use todo_storage::DynamoPool;
use todo_test_support::tokens::{CLIENT_ID, JwksServer, POOL_ID, REGION, TestKey, id_claims};
use todo_test_support::{CapacityTap, MotoDynamo, TABLE_NAME, TENANT_ROLE_ARN};

const NAMESPACE: &str = "TodoTest/Usage";

const USERS: [(&str, &str); 2] = [
    ("0190b8a4-0000-7000-8000-00000000a11c", "alice@example.com"),
    ("0190b8a4-0000-7000-8000-000000000b0b", "bob@example.com"),
];

struct World {
    key: TestKey,
    _jwks: JwksServer,
    dynamo: MotoDynamo,
    tap: CapacityTap,
    api: Api,
    sink: Arc<MemorySink>,
}

impl World {
    async fn start() -> Self {
        let key = TestKey::first();
        let keys = [&key];
        let (jwks, dynamo) = tokio::join!(JwksServer::start(&keys), MotoDynamo::start());
        let tap = CapacityTap::start(dynamo.endpoint()).await;
        let config = AuthConfig::cognito(REGION, POOL_ID, CLIENT_ID).with_jwks_url(&jwks.url);
        let directory = MemoryDirectory::new();
        for (sub, email) in USERS {
            directory.add(UserId::new(sub).unwrap(), email);
        }
        let env = HashMap::from([("TENANT_ROLE_ARN", TENANT_ROLE_ARN.to_owned())]);
        let tapped = dynamo
            .sdk_config()
            .into_builder()
            .endpoint_url(tap.endpoint())
            .build();
        let pool =
            DynamoPool::from_lookup(&tapped, TABLE_NAME, |name| env.get(name).cloned()).unwrap();
        // The roll-up's own writes happen after each response, so they are no request's
        // capacity; its client goes straight to moto, past the tap.
        let usage = DynamoUsageStore::new(&dynamo.sdk_config(), TABLE_NAME);
        let sink = Arc::new(MemorySink::default());
        let state = AppState::pool(Arc::new(pool), TokenVerifier::new(config).unwrap())
            .with_sharing(Arc::new(directory))
            .with_metering(Arc::new(usage), NAMESPACE)
            .with_metrics_sink(sink.clone());
        Self {
            key,
            _jwks: jwks,
            dynamo,
            tap,
            api: Api::from_state(state, &AllowedOrigin::Any),
            sink,
        }
    }

    fn user(&self, n: usize) -> User {
        let (sub, email) = USERS[n];
        let mut claims = id_claims();
        claims["sub"] = json!(sub);
        claims["cognito:username"] = json!(sub);
        claims["email"] = json!(email);
        User {
            api: self.api.with_token(&self.key.sign(&claims)),
            id: sub.to_owned(),
            email: email.to_owned(),
        }
    }

    /// The items of a partition, read directly.
    async fn partition(&self, pk: &str) -> Vec<HashMap<String, AttributeValue>> {
        self.dynamo
            .client()
            .query()
            .table_name(TABLE_NAME)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
            .send()
            .await
            .unwrap()
            .items
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn two_owners_and_a_shared_list_on_aws() {
    let world = World::start().await;
    let (alice, bob) = (world.user(0), world.user(1));
    let lines = metering::two_owners_and_a_shared_list(&alice, &bob, &world.sink, NAMESPACE).await;

    let reported = world.tap.capacity();
    assert!(reported.calls > 0 && reported.read_units > 0.0 && reported.write_units > 0.0);
    assert_eq!(
        (lines.all.read_units, lines.all.write_units),
        (reported.read_units, reported.write_units),
        "the metered capacity is what DynamoDB reported, no more, no less"
    );
    metering::usage_matches_the_lines(&alice, &bob, &world.sink, &lines).await;

    // The roll-up's items are where the design puts them.
    let items = world.partition(&format!("OWNER#{}", alice.id)).await;
    let keys: Vec<&str> = items
        .iter()
        .map(|item| match &item["sk"] {
            AttributeValue::S(sk) => sk.as_str(),
            other => panic!("sort key {other:?}"),
        })
        .collect();
    let groceries = lines.scripted.groceries.id.to_string();
    assert!(
        keys.contains(&format!("ITEMS#{groceries}").as_str()),
        "{keys:?}"
    );
    assert!(
        !keys.contains(&format!("ITEMS#{}", lines.scripted.temp.id).as_str()),
        "a deleted list's count is removed: {keys:?}"
    );
    let usage_keys = keys.iter().filter(|sk| sk.starts_with("USAGE#")).count();
    assert_eq!(
        usage_keys, 3,
        "one item per day and list (and one for no list): {keys:?}"
    );
}

#[tokio::test]
async fn parallel_requests_lose_no_count_on_aws() {
    let world = World::start().await;
    metering::parallel_requests_lose_no_count(&world.user(0), 50).await;
}

#[tokio::test]
async fn bad_usage_queries_are_400_on_aws() {
    let world = World::start().await;
    metering::bad_usage_queries_are_400(&world.user(0)).await;
}
