//! The isolation suite on emulated AWS, configured as the local runner configures step02,
//! step03, step05 (a table per list) and step06 (tables made by the provisioning
//! consumer): real Cognito users signing in on moto and calling the router with their ID
//! tokens; lists in DynamoDB served by moto, each tenant's items reached through a client
//! with credentials from STS AssumeRole (moto's STS; moto does not enforce the session
//! policy, so the API's own authorization and the handles' scope checks are what is
//! exercised here — the policy itself is checked in todo-tenancy's tests).

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use axum::http::{Method, StatusCode};
use common::Api;
use common::lists::{self, User};
use serde_json::json;
use todo_api::{AllowedOrigin, AppState, AuthConfig, ListView, MemoryPublisher, TokenVerifier};
use todo_directory::CognitoDirectory;
use todo_domain::{ListName, ListRecord, ListStatus, Membership, Role, UserId};
use todo_events::{EventHandler, Provisioner};
use todo_storage::{DynamoPool, MembershipIndex, SiloPool, Tier};
use todo_tenancy::TenantTablePrefix;
use todo_test_support::{COGNITO_REGION, MotoCognito, MotoDynamo, TABLE_NAME, TENANT_ROLE_ARN};

const PASSWORD: &str = "Correct-Horse-Battery-9";
const TENANT_TABLE_PREFIX: &str = "Step05TodoMultiTenantSiloModel-tenant-";
const EMAILS: [&str; 3] = [
    "alice@example.com",
    "bob@example.com",
    "mallory@example.com",
];

struct Aws {
    cognito: MotoCognito,
    dynamo: MotoDynamo,
    /// The variables the local runner would set.
    env: HashMap<&'static str, String>,
    /// (sub, email, ID token) of each registered user.
    users: Vec<(String, String, String)>,
}

impl Aws {
    async fn start() -> Self {
        let (cognito, dynamo) = tokio::join!(MotoCognito::start(), MotoDynamo::start());
        let pool_id = cognito.create_user_pool("todo-users").await;
        let client_id = cognito.create_app_client(&pool_id, "spa").await;
        let mut users = Vec::new();
        for email in EMAILS {
            let sub = cognito
                .create_confirmed_user(&pool_id, &client_id, email, PASSWORD)
                .await;
            let tokens = cognito.sign_in(&client_id, email, PASSWORD).await;
            users.push((sub, email.to_owned(), tokens.id_token));
        }
        let env = HashMap::from([
            ("AWS_REGION", COGNITO_REGION.to_owned()),
            ("COGNITO_JWKS_URL", cognito.jwks_url(&pool_id)),
            ("COGNITO_USER_POOL_ID", pool_id),
            ("COGNITO_CLIENT_ID", client_id),
            ("TENANT_ROLE_ARN", TENANT_ROLE_ARN.to_owned()),
            ("TENANT_TABLE_PREFIX", TENANT_TABLE_PREFIX.to_owned()),
        ]);
        Self {
            cognito,
            dynamo,
            env,
            users,
        }
    }

    fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |name| self.env.get(name).cloned()
    }

    /// Step02's state, built as its `main` builds it.
    fn step02(&self) -> AppState {
        let verifier = TokenVerifier::new(AuthConfig::from_lookup(self.lookup()).unwrap()).unwrap();
        let pool =
            DynamoPool::from_lookup(&self.dynamo.sdk_config(), TABLE_NAME, self.lookup()).unwrap();
        AppState::pool(Arc::new(pool), verifier)
    }

    /// Step03's state: step02's, with sharing through the Cognito user pool.
    fn step03(&self) -> AppState {
        let directory =
            CognitoDirectory::from_lookup(&self.cognito.sdk_config(), self.lookup()).unwrap();
        self.step02().with_sharing(Arc::new(directory))
    }

    /// Step05's state: step03's, each list in a table of its own.
    fn step05(&self) -> AppState {
        let verifier = TokenVerifier::new(AuthConfig::from_lookup(self.lookup()).unwrap()).unwrap();
        let silo =
            SiloPool::from_lookup(&self.dynamo.sdk_config(), TABLE_NAME, self.lookup()).unwrap();
        let directory =
            CognitoDirectory::from_lookup(&self.cognito.sdk_config(), self.lookup()).unwrap();
        AppState::silo(Arc::new(silo), Tier::STANDARD, verifier).with_sharing(Arc::new(directory))
    }

    /// Step06's state: step05's, publishing every user action through `events` and leaving
    /// the tables to the provisioning consumer; and that consumer, on the same silo.
    fn step06(&self, events: &MemoryPublisher) -> (AppState, Provisioner) {
        let verifier = TokenVerifier::new(AuthConfig::from_lookup(self.lookup()).unwrap()).unwrap();
        let silo = Arc::new(
            SiloPool::from_lookup(&self.dynamo.sdk_config(), TABLE_NAME, self.lookup()).unwrap(),
        );
        let prefix = TenantTablePrefix::new(TENANT_TABLE_PREFIX).unwrap();
        let provisioner = Provisioner::new(silo.clone(), prefix, Arc::new(MemoryPublisher::new()));
        let state =
            AppState::silo(silo, Tier::STANDARD, verifier).with_events(Arc::new(events.clone()));
        (state, provisioner)
    }

    /// The names of the tenant tables that exist.
    async fn tenant_tables(&self) -> Vec<String> {
        let names = self.dynamo.client().list_tables().send().await.unwrap();
        names
            .table_names()
            .iter()
            .filter(|name| name.starts_with(TENANT_TABLE_PREFIX))
            .cloned()
            .collect()
    }

    fn user(&self, api: &Api, n: usize) -> User {
        let (sub, email, token) = &self.users[n];
        User {
            api: api.with_token(token),
            id: sub.clone(),
            email: email.clone(),
        }
    }

    /// The items of a partition, read directly (with the base test credentials).
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
async fn step02_isolation_on_aws() {
    let aws = Aws::start().await;
    let api = Api::from_state(aws.step02(), &AllowedOrigin::Any);
    let [alice, _, mallory] = [0, 1, 2].map(|n| aws.user(&api, n));
    lists::lists_lifecycle(&alice).await;
    lists::outsider_is_refused_everywhere(&alice, &mallory).await;
    lists::bad_input_is_a_4xx(&mallory).await;
}

#[tokio::test]
async fn step03_sharing_and_isolation_on_aws() {
    let aws = Aws::start().await;
    let api = Api::from_state(aws.step03(), &AllowedOrigin::Any);
    let [alice, bob, mallory] = [0, 1, 2].map(|n| aws.user(&api, n));
    let deleted = lists::sharing_rules(&alice, &bob, &mallory).await;
    assert!(
        aws.partition(&format!("TENANT#{}", deleted.id))
            .await
            .is_empty(),
        "deleting a list deletes its partition"
    );
    assert!(
        aws.partition(&format!("USER#{}", bob.id)).await.is_empty(),
        "and the members' index entries"
    );
    let owner_entries = aws.partition(&format!("USER#{}", alice.id)).await;
    assert!(
        !owner_entries
            .iter()
            .any(|item| item["sk"] == AttributeValue::S(format!("LIST#{}", deleted.id))),
        "and the owner's"
    );
}

#[tokio::test]
async fn step03_concurrent_edits_on_aws() {
    let aws = Aws::start().await;
    let api = Api::from_state(aws.step03(), &AllowedOrigin::Any);
    lists::concurrent_edits(
        &aws.user(&api, 0),
        &aws.user(&api, 1),
        lists::Writes::MayInterleave,
    )
    .await;
}

#[tokio::test]
async fn step05_isolation_on_aws() {
    let aws = Aws::start().await;
    let api = Api::from_state(aws.step05(), &AllowedOrigin::Any);
    let [alice, _, mallory] = [0, 1, 2].map(|n| aws.user(&api, n));
    lists::lists_lifecycle(&alice).await;
    lists::outsider_is_refused_everywhere(&alice, &mallory).await;
    lists::bad_input_is_a_4xx(&mallory).await;
    // moto creates tables ACTIVE at once, so every list was ready when created.
    let mut expected = Vec::new();
    for user in [&alice, &mallory] {
        for list in lists::lists_of(user).await {
            expected.push(format!("{TENANT_TABLE_PREFIX}{}", list.id));
        }
    }
    expected.sort();
    assert_eq!(
        aws.tenant_tables().await,
        expected,
        "a table per list, no more"
    );
}

#[tokio::test]
async fn step05_each_list_in_its_own_table_on_aws() {
    let aws = Aws::start().await;
    let api = Api::from_state(aws.step05(), &AllowedOrigin::Any);
    let [alice, bob, mallory] = [0, 1, 2].map(|n| aws.user(&api, n));
    let deleted = lists::sharing_rules(&alice, &bob, &mallory).await;
    let remaining = lists::lists_of(&alice).await;
    let tables = aws.tenant_tables().await;
    assert!(
        !tables.contains(&format!("{TENANT_TABLE_PREFIX}{}", deleted.id)),
        "deleting a list deletes its table: {tables:?}"
    );
    assert_eq!(tables.len(), remaining.len());
    // The tenant's items are in its own table; the control table keeps only the index.
    let list = &remaining[0];
    let own = aws
        .dynamo
        .client()
        .query()
        .table_name(format!("{TENANT_TABLE_PREFIX}{}", list.id))
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("TENANT#{}", list.id)))
        .send()
        .await
        .unwrap();
    assert!(own.count() >= 2, "the list record and its owner at least");
    assert!(
        aws.partition(&format!("TENANT#{}", list.id))
            .await
            .is_empty()
    );
    assert!(
        !aws.partition(&format!("USER#{}", alice.id))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn step05_marking_an_entry_ready_never_brings_it_back_on_aws() {
    let aws = Aws::start().await;
    let index =
        DynamoPool::from_lookup(&aws.dynamo.sdk_config(), TABLE_NAME, aws.lookup()).unwrap();
    let owner = UserId::new(aws.users[0].0.clone()).unwrap();
    let list = ListRecord::create(ListName::parse("Late").unwrap(), owner.clone());
    let preparing = Membership {
        status: ListStatus::Preparing,
        ..Membership::of(&list, Role::Owner)
    };
    index.put_membership(&owner, &preparing).await.unwrap();
    index.mark_ready(&owner, &list.id).await.unwrap();
    let entry = index.membership(&owner, &list.id).await.unwrap().unwrap();
    assert_eq!(entry.status, ListStatus::Ready);
    // A late activation after the list was deleted writes nothing.
    index.remove_membership(&owner, &list.id).await.unwrap();
    index.mark_ready(&owner, &list.id).await.unwrap();
    assert_eq!(index.membership(&owner, &list.id).await.unwrap(), None);
}

#[tokio::test]
async fn step06_a_list_deleted_before_it_was_prepared_gets_no_table_on_aws() {
    let aws = Aws::start().await;
    let published = MemoryPublisher::new();
    let (state, provisioner) = aws.step06(&published);
    let api = Api::from_state(state, &AllowedOrigin::Any);
    let owner = aws.user(&api, 0);
    let list: ListView = owner
        .api
        .json(Method::POST, "/lists", json!({ "name": "Stuck" }))
        .await
        .body(StatusCode::ACCEPTED);
    let deleted = owner
        .api
        .call(Method::DELETE, &format!("/lists/{}", list.id))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(lists::lists_of(&owner).await.is_empty());
    assert!(
        aws.partition(&format!("USER#{}", owner.id))
            .await
            .is_empty(),
        "no entry left in the index"
    );
    // However late the events come (a ListCreated redriven from the dead-letter queue after
    // the ListDeleted, or in order), no table is left.
    let events = published.events();
    for event in events.iter().rev().chain(&events) {
        provisioner.handle(event).await.unwrap();
        assert_eq!(aws.tenant_tables().await, Vec::<String>::new());
    }
}
