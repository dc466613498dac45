//! Step04's metering on emulated AWS: the real router and `DynamoPool` on moto's DynamoDB
//! (tenant partitions through STS-assumed credentials) and the roll-up in the same table
//! (`DynamoUsageStore`). The pool's requests pass through a `CapacityTap`, which adds up
//! the capacity DynamoDB reported on the wire, to compare with what was metered.
//! Tokens are signed by todo-test-support's test keys; sign-in on Cognito is exercised by
//! `lists_moto.rs`. The scenarios run twice: with metering alone, and as step04's `main`
//! builds the API (tenant claims and metering), with tokens that carry the `tenants` claim
//! the pre-token-generation trigger gives each user at the time of the request.

mod common;
mod metering;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use common::Api;
use common::lists::User;
use common::users::{self, SignIn};
use serde_json::{Value, json};
use todo_api::{AllowedOrigin, AppState, DynamoUsageStore, MemorySink, router};
use todo_claims::TokenTrigger;
use todo_storage::DynamoPool;
use todo_test_support::{CapacityTap, MotoDynamo, TABLE_NAME, TENANT_ROLE_ARN};

const NAMESPACE: &str = "TodoTest/Usage";

/// How the API is built.
#[derive(Clone, Copy, PartialEq)]
enum Build {
    /// Metering alone; tokens carry no tenant claims.
    Metered,
    /// As step04's `main` builds it: tenant claims and metering. Every request carries a
    /// token just issued with the trigger's claims, so every list the caller is on is
    /// reached on the claim path.
    Step04,
}

/// Mints ID tokens: the test key, and the trigger reading the users' list index.
struct Tokens {
    sign_in: SignIn,
    trigger: TokenTrigger,
}

/// Replaces the placeholder token `user-<n>` with one issued now with user `n`'s claims.
/// Outside the router, so none of the trigger's reads are metered (nor pass through the
/// tap).
async fn fresh_token(State(tokens): State<Arc<Tokens>>, request: Request, next: Next) -> Response {
    users::with_fresh_token(request, next, |n| async move {
        let claims = users::trigger_claims(&tokens.trigger, n).await;
        tokens.sign_in.token(n, claims)
    })
    .await
}

struct World {
    build: Build,
    tokens: Arc<Tokens>,
    dynamo: MotoDynamo,
    tap: CapacityTap,
    api: Api,
    sink: Arc<MemorySink>,
    usage: Arc<DynamoUsageStore>,
}

impl World {
    async fn start(build: Build) -> Self {
        let (sign_in, dynamo) = tokio::join!(SignIn::start(), MotoDynamo::start());
        let tap = CapacityTap::start(dynamo.endpoint()).await;
        let env = HashMap::from([("TENANT_ROLE_ARN", TENANT_ROLE_ARN.to_owned())]);
        let tapped = dynamo
            .sdk_config()
            .into_builder()
            .endpoint_url(tap.endpoint())
            .build();
        let pool =
            DynamoPool::from_lookup(&tapped, TABLE_NAME, |name| env.get(name).cloned()).unwrap();
        // The roll-up's own writes come once the request's meter has stopped, so they are
        // no request's capacity; its client goes straight to moto, past the tap.
        let usage = Arc::new(DynamoUsageStore::new(&dynamo.sdk_config(), TABLE_NAME));
        let sink = Arc::new(MemorySink::default());
        let verifier = sign_in.verifier();
        let tokens = Arc::new(Tokens {
            sign_in,
            // The trigger reads with the base credentials, as its Lambda does with its role.
            trigger: TokenTrigger::new(Arc::new(DynamoPool::index_only(
                &dynamo.sdk_config(),
                TABLE_NAME,
            ))),
        });
        let mut state =
            AppState::pool(Arc::new(pool), verifier).with_sharing(Arc::new(users::directory()));
        if build == Build::Step04 {
            state = state.with_tenant_claims();
        }
        let state = state
            .with_metering(usage.clone(), NAMESPACE)
            .with_metrics_sink(sink.clone());
        let api = match build {
            Build::Metered => Api::from_state(state, &AllowedOrigin::Any),
            Build::Step04 => Api::from_router(
                router(state, &AllowedOrigin::Any)
                    .layer(middleware::from_fn_with_state(tokens.clone(), fresh_token)),
            ),
        };
        Self {
            build,
            tokens,
            dynamo,
            tap,
            api,
            sink,
            usage,
        }
    }

    fn user(&self, n: usize) -> User {
        let token = match self.build {
            Build::Metered => self.tokens.sign_in.token(n, []),
            Build::Step04 => format!("user-{n}"),
        };
        users::user(&self.api, n, &token)
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

async fn two_owners_and_a_shared_list(build: Build) {
    let world = World::start(build).await;
    let (alice, bob) = (world.user(0), world.user(1));
    let lines = metering::two_owners_and_a_shared_list(&alice, &bob, &world.sink, NAMESPACE).await;
    if build == Build::Step04 {
        // Bob's tokens named Alice's list (so his requests on it took the claim path).
        let tenants = users::trigger_claims(&world.tokens.trigger, 1).await["tenants"].clone();
        let groceries = lines.scripted.groceries.id.to_string();
        assert!(
            tenants
                .as_str()
                .unwrap()
                .split(' ')
                .any(|id| id == groceries),
            "{tenants}"
        );
    }

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
async fn two_owners_and_a_shared_list_on_aws() {
    two_owners_and_a_shared_list(Build::Metered).await;
}

/// As step04's `main` builds the API, with current claims in every token: a member's
/// requests on the claim path are billed to the owner (found through the owner cache).
#[tokio::test]
async fn two_owners_and_a_shared_list_with_tenant_claims_on_aws() {
    two_owners_and_a_shared_list(Build::Step04).await;
}

// No parallel-requests test here: moto's threaded server applies an `ADD` without a lock, so
// two simultaneous additions can lose one there (seen: 49 of 50), which DynamoDB never does.
// Parallel correctness is the atomic `ADD` (one per request, checked exactly by the scripted
// scenarios above) and is tested against the in-memory store, which serializes like DynamoDB.

#[tokio::test]
async fn bad_usage_queries_are_400_on_aws() {
    let world = World::start(Build::Metered).await;
    metering::bad_usage_queries_are_400(&world.user(0)).await;
}

#[tokio::test]
async fn a_deleted_lists_count_does_not_come_back_on_aws() {
    let world = World::start(Build::Metered).await;
    metering::a_deleted_lists_count_does_not_come_back(&world.user(0), world.usage.as_ref()).await;
}

/// A `tenants` claim that is not a string (a V2 trigger may write an array) signs the user
/// in as if there were no claim: the index serves, and the requests are billed as usual.
#[tokio::test]
async fn a_tenants_claim_of_another_shape_falls_back_to_the_index_on_aws() {
    let world = World::start(Build::Step04).await;
    let alice = world.user(0);
    let list = common::lists::create_list(&alice, "Groceries").await;
    let array = world
        .tokens
        .sign_in
        .token(0, [("tenants".to_owned(), json!([list.id.to_string()]))]);
    let alice_array = User {
        api: world.api.with_token(&array),
        ..alice.clone()
    };
    common::lists::create_todo(&alice_array, &list, "milk").await;
    let last = world.sink.lines().last().cloned().unwrap();
    let line: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(
        (
            &line["Owner"],
            &line["ListId"],
            &line["status"],
            &line["StoredItems"]
        ),
        (
            &json!(alice.id),
            &json!(list.id.to_string()),
            &json!(201),
            &json!(1.0)
        ),
        "{last}"
    );
}
