//! Tenant claims (step04) on emulated DynamoDB and STS (moto): the pre-token-generation
//! trigger reads each user's list index and its claims go into ID tokens signed by the test
//! keys (moto's Cognito cannot run triggers), which the API then reads.
//!
//! On both paths the caller's index entry decides, so taking it away behind the API's back
//! refuses a token that names the list as surely as one that does not: a token never
//! outlives a revocation.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use common::Api;
use common::lists::{self, User};
use common::users::{self, SignIn, USERS};
use serde_json::{Value, json};
use todo_api::{AllowedOrigin, AppState, ListView, MemoryDirectory, TokenVerifier, router};
use todo_claims::TokenTrigger;
use todo_storage::DynamoPool;
use todo_test_support::{MotoDynamo, TABLE_NAME, TENANT_ROLE_ARN};

/// moto, the test pool's key and JWKS, and the trigger on the same table.
struct World {
    dynamo: MotoDynamo,
    sign_in: SignIn,
    verifier: TokenVerifier,
    directory: Arc<MemoryDirectory>,
    trigger: TokenTrigger,
}

impl World {
    async fn start() -> Self {
        let dynamo = MotoDynamo::start().await;
        let sign_in = SignIn::start().await;
        // The trigger reads with the base credentials, as the Lambda does with its own role.
        let index = DynamoPool::index_only(&dynamo.sdk_config(), TABLE_NAME);
        Self {
            dynamo,
            verifier: sign_in.verifier(),
            sign_in,
            directory: Arc::new(users::directory()),
            trigger: TokenTrigger::new(Arc::new(index)),
        }
    }

    /// Step04's state as its `main` builds it (metering aside): step03's, with claims.
    fn step04(&self) -> AppState {
        let env = HashMap::from([("TENANT_ROLE_ARN", TENANT_ROLE_ARN.to_owned())]);
        let pool = DynamoPool::from_lookup(&self.dynamo.sdk_config(), TABLE_NAME, |name| {
            env.get(name).cloned()
        })
        .unwrap();
        AppState::pool(Arc::new(pool), self.verifier.clone())
            .with_sharing(self.directory.clone())
            .with_tenant_claims()
    }

    /// An ID token of user `n` with the claims the trigger gives them now, as Cognito
    /// would issue it at sign-in or refresh.
    async fn token(&self, n: usize) -> String {
        let added = users::trigger_claims(&self.trigger, n).await;
        self.token_with(n, added.into_iter().collect())
    }

    /// An ID token of user `n` with exactly these extra claims.
    fn token_with(&self, n: usize, extra: Vec<(String, Value)>) -> String {
        self.sign_in.token(n, extra)
    }

    /// User `n` signed in now.
    async fn signed_in(&self, api: &Api, n: usize) -> User {
        users::user(api, n, &self.token(n).await)
    }

    fn index_key(user: usize, list: &ListView) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (
                "pk".to_owned(),
                AttributeValue::S(format!("USER#{}", USERS[user].0)),
            ),
            (
                "sk".to_owned(),
                AttributeValue::S(format!("LIST#{}", list.id)),
            ),
        ])
    }

    /// Takes user `n`'s index entry for `list` away, behind the API's back; returns it.
    async fn take_index_entry(&self, n: usize, list: &ListView) -> HashMap<String, AttributeValue> {
        self.dynamo
            .client()
            .delete_item()
            .table_name(TABLE_NAME)
            .set_key(Some(Self::index_key(n, list)))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .unwrap()
            .attributes
            .expect("the entry existed")
    }

    async fn put_back(&self, item: HashMap<String, AttributeValue>) {
        self.dynamo
            .client()
            .put_item()
            .table_name(TABLE_NAME)
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
    }
}

async fn get(user: &User, path: &str) -> StatusCode {
    user.api.call(Method::GET, path).await.status
}

#[tokio::test]
async fn a_token_naming_a_list_never_outlives_the_index_entry() {
    let world = World::start().await;
    let api = Api::from_state(world.step04(), &AllowedOrigin::Any);

    // Signed in before the list existed: the claim is empty, the index serves (fallback).
    let alice_before = world.signed_in(&api, 0).await;
    let list = lists::create_list(&alice_before, "Groceries").await;
    let path = format!("/lists/{}", list.id);
    assert_eq!(get(&alice_before, &path).await, StatusCode::OK);
    lists::share(&alice_before, &list, USERS[1].1)
        .await
        .body::<todo_domain::Member>(StatusCode::CREATED);

    // Signed in again, both tokens name the list: owner and member work with their roles.
    let alice = world.signed_in(&api, 0).await;
    let bob = world.signed_in(&api, 1).await;
    let bob_unnamed = users::user(
        &api,
        1,
        &world.token_with(1, vec![("tenants".into(), json!(""))]),
    );
    let todo = lists::create_todo(&alice, &list, "milk").await;
    assert_eq!(
        get(&bob, &format!("{path}/todos/{}", todo.todo.id)).await,
        StatusCode::OK
    );
    lists::create_todo(&bob, &list, "bread").await;
    bob.api
        .json(Method::PATCH, &path, json!({ "name": "Mine now" }))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let renamed: ListView = alice
        .api
        .json(Method::PATCH, &path, json!({ "name": "Food" }))
        .await
        .body(StatusCode::OK);
    assert_eq!(renamed.name, "Food");

    // With their index entries gone, the tokens that name the list open nothing either.
    let alices_entry = world.take_index_entry(0, &list).await;
    let bobs_entry = world.take_index_entry(1, &list).await;
    for user in [&alice, &bob, &bob_unnamed, &alice_before] {
        assert_eq!(get(user, &path).await, StatusCode::NOT_FOUND);
        assert_eq!(
            get(user, &format!("{path}/todos")).await,
            StatusCode::NOT_FOUND
        );
    }
    world.put_back(alices_entry).await;
    world.put_back(bobs_entry).await;

    // A list joined after sign-in is not in the claim: the index serves it.
    assert_eq!(get(&bob_unnamed, &path).await, StatusCode::OK);
    assert_eq!(get(&alice_before, &path).await, StatusCode::OK);
    assert_eq!(get(&bob, &path).await, StatusCode::OK);
}

#[tokio::test]
async fn a_stale_claim_opens_nothing() {
    let world = World::start().await;
    let api = Api::from_state(world.step04(), &AllowedOrigin::Any);
    let alice = world.signed_in(&api, 0).await;
    let list = lists::create_list(&alice, "Shared").await;
    let alice = world.signed_in(&api, 0).await;
    lists::share(&alice, &list, USERS[1].1)
        .await
        .body::<todo_domain::Member>(StatusCode::CREATED);
    let todo = lists::create_todo(&alice, &list, "first").await;
    let bob = world.signed_in(&api, 1).await;
    assert_eq!(
        get(&bob, &format!("/lists/{}", list.id)).await,
        StatusCode::OK
    );

    // Revoked: bob's token still names the list, but his access is gone.
    assert_eq!(
        lists::remove(&alice, &list, USERS[1].0).await.status,
        StatusCode::NO_CONTENT
    );
    // Mallory's token names a list she was never on (as a token of a since-deleted
    // account, or one issued before an owner removed her, would).
    let mallory = users::user(
        &api,
        2,
        &world.token_with(2, vec![("tenants".into(), json!(list.id.to_string()))]),
    );
    // And neither claim nor index: mallory signed in normally.
    let mallory_plain = world.signed_in(&api, 2).await;
    for intruder in [&bob, &mallory, &mallory_plain] {
        for (method, path, body) in [
            (Method::GET, format!("/lists/{}", list.id), None),
            (Method::GET, format!("/lists/{}/todos", list.id), None),
            (
                Method::POST,
                format!("/lists/{}/todos", list.id),
                Some(json!({ "title": "x" })),
            ),
            (
                Method::PATCH,
                format!("/lists/{}/todos/{}", list.id, todo.todo.id),
                Some(json!({ "done": true })),
            ),
            (
                Method::DELETE,
                format!("/lists/{}/todos/{}", list.id, todo.todo.id),
                None,
            ),
            (Method::DELETE, format!("/lists/{}", list.id), None),
            (Method::GET, format!("/lists/{}/members", list.id), None),
        ] {
            let reply = match body {
                Some(body) => intruder.api.json(method.clone(), &path, body).await,
                None => intruder.api.call(method.clone(), &path).await,
            };
            reply.assert_error(StatusCode::NOT_FOUND, "not_found");
        }
    }
    // Nothing changed.
    assert_eq!(lists::todos_of(&alice, &list).await, [todo]);
    let members: todo_api::Members = alice
        .api
        .call(Method::GET, &format!("/lists/{}/members", list.id))
        .await
        .body(StatusCode::OK);
    assert_eq!(members.members.len(), 1);

    // A deleted list: the owner's token still names it, and its partition is gone.
    assert_eq!(
        alice
            .api
            .call(Method::DELETE, &format!("/lists/{}", list.id))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        get(&alice, &format!("/lists/{}", list.id)).await,
        StatusCode::NOT_FOUND
    );
}

/// Replaces a placeholder token `user-<n>` with a fresh token of user `n` carrying their
/// current claims, so that every request of a list the user is on takes the claim path.
async fn refresh_token(State(world): State<Arc<World>>, request: Request, next: Next) -> Response {
    users::with_fresh_token(request, next, |n| async move { world.token(n).await }).await
}

/// How the scenarios' users get their tokens.
#[derive(Clone, Copy)]
enum Tokens {
    /// Issued at sign-in: no list made during a scenario is in them (the index path).
    SignInTime,
    /// Refreshed before every request: every list a user is on is in their claims (the
    /// claim path), and every list they lost access to is gone from them.
    Fresh,
}

/// A new world, and its three users signed in on step04's API.
async fn users(tokens: Tokens) -> (Arc<World>, [User; 3]) {
    let world = Arc::new(World::start().await);
    let users = match tokens {
        Tokens::SignInTime => {
            let api = Api::from_state(world.step04(), &AllowedOrigin::Any);
            [
                world.signed_in(&api, 0).await,
                world.signed_in(&api, 1).await,
                world.signed_in(&api, 2).await,
            ]
        }
        Tokens::Fresh => {
            let api = Api::from_router(
                router(world.step04(), &AllowedOrigin::Any)
                    .layer(middleware::from_fn_with_state(world.clone(), refresh_token)),
            );
            [0, 1, 2].map(|n| users::user(&api, n, &format!("user-{n}")))
        }
    };
    (world, users)
}

/// The isolation suite of steps 02 and 03 (`lists_moto.rs`), with claims on.
async fn isolation_suite(tokens: Tokens) {
    let (_world, [alice, _, mallory]) = users(tokens).await;
    lists::lists_lifecycle(&alice).await;
    lists::outsider_is_refused_everywhere(&alice, &mallory).await;
    lists::bad_input_is_a_4xx(&mallory).await;
    let (_world, [alice, bob, mallory]) = users(tokens).await;
    lists::sharing_rules(&alice, &bob, &mallory).await;
    let (_world, [alice, bob, _]) = users(tokens).await;
    lists::concurrent_edits(&alice, &bob, lists::Writes::MayInterleave).await;
}

#[tokio::test]
async fn the_isolation_suite_passes_with_sign_in_time_claims() {
    isolation_suite(Tokens::SignInTime).await;
}

#[tokio::test]
async fn the_isolation_suite_passes_with_fresh_claims() {
    isolation_suite(Tokens::Fresh).await;
}
