//! The multi-tenant API (step02's lists, step03's sharing, step05's silo) on `MemoryPool`,
//! `MemorySiloPool` and `MemoryDirectory`, with tokens signed by todo-test-support's test
//! keys.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use common::Api;
use common::lists::{self, User};
use serde_json::json;
use todo_api::ListView;
use todo_api::{
    AllowedOrigin, AppState, AuthConfig, EventPublisher, MemoryDirectory, MemoryPublisher,
    TokenVerifier,
};
use todo_domain::{ApiError, ListStatus, UserId};
use todo_events::{EventHandler, Provisioner};
use todo_storage::{MemoryPool, MemoryProvisioner, MemorySiloPool, TenantProvisioner, Tier};
use todo_tenancy::TenantTablePrefix;
use todo_test_support::tokens::{CLIENT_ID, JwksServer, POOL_ID, REGION, TestKey, id_claims};

/// The test pool's key and JWKS, and three registered users.
struct World {
    key: TestKey,
    _jwks: JwksServer,
    verifier: TokenVerifier,
    pool: Arc<MemoryPool>,
    directory: Arc<MemoryDirectory>,
}

const USERS: [(&str, &str); 3] = [
    ("0190b8a4-0000-7000-8000-00000000a11c", "alice@example.com"),
    ("0190b8a4-0000-7000-8000-000000000b0b", "bob@example.com"),
    (
        "0190b8a4-0000-7000-8000-0000000ma11e",
        "mallory@example.com",
    ),
];

impl World {
    async fn start() -> Self {
        let key = TestKey::first();
        let jwks = JwksServer::start(&[&key]).await;
        let config = AuthConfig::cognito(REGION, POOL_ID, CLIENT_ID).with_jwks_url(&jwks.url);
        let directory = MemoryDirectory::new();
        for (sub, email) in USERS {
            directory.add(UserId::new(sub).unwrap(), email);
        }
        Self {
            key,
            _jwks: jwks,
            verifier: TokenVerifier::new(config).unwrap(),
            pool: Arc::new(MemoryPool::new()),
            directory: Arc::new(directory),
        }
    }

    /// Step02's state: lists, no sharing.
    fn step02(&self) -> Api {
        let state = AppState::pool(self.pool.clone(), self.verifier.clone());
        assert!(state.requires_sign_in() && !state.shares_lists());
        Api::from_state(state, &AllowedOrigin::Any)
    }

    /// Step03's state: the same, with sharing.
    fn step03(&self) -> Api {
        let state = AppState::pool(self.pool.clone(), self.verifier.clone())
            .with_sharing(self.directory.clone());
        assert!(state.shares_lists());
        Api::from_state(state, &AllowedOrigin::Any)
    }

    /// Step05's state: step03's, each list in a table of its own in `silo`.
    fn step05(&self, silo: &Arc<MemorySiloPool>) -> Api {
        let state = AppState::silo(silo.clone(), Tier::STANDARD, self.verifier.clone())
            .with_sharing(self.directory.clone());
        Api::from_state(state, &AllowedOrigin::Any)
    }

    /// Step06's state: step05's, publishing every user action through `events`; the lists'
    /// tables are left to a provisioning consumer.
    fn step06(&self, silo: &Arc<MemorySiloPool>, events: Arc<dyn EventPublisher>) -> Api {
        let state = AppState::silo(silo.clone(), Tier::STANDARD, self.verifier.clone())
            .with_sharing(self.directory.clone())
            .with_events(events);
        Api::from_state(state, &AllowedOrigin::Any)
    }

    /// The `n`th user, signed in on `api`.
    fn user(&self, api: &Api, n: usize) -> User {
        let (sub, email) = USERS[n];
        let mut claims = id_claims();
        claims["sub"] = json!(sub);
        claims["cognito:username"] = json!(sub);
        claims["email"] = json!(email);
        User {
            api: api.with_token(&self.key.sign(&claims)),
            id: sub.to_owned(),
            email: email.to_owned(),
        }
    }
}

#[tokio::test]
async fn step02_lists_lifecycle() {
    let world = World::start().await;
    let api = world.step02();
    lists::lists_lifecycle(&world.user(&api, 0)).await;
    // Everything of the deleted list is gone; what is left is the remaining list's record,
    // its owner, and the owner's index entry.
    assert_eq!(world.pool.item_count(), 3);
}

#[tokio::test]
async fn step02_bad_input_is_a_4xx() {
    let world = World::start().await;
    lists::bad_input_is_a_4xx(&world.user(&world.step02(), 0)).await;
}

#[tokio::test]
async fn step02_an_outsider_is_refused_everywhere() {
    let world = World::start().await;
    let api = world.step02();
    lists::outsider_is_refused_everywhere(&world.user(&api, 0), &world.user(&api, 2)).await;
}

#[tokio::test]
async fn step02_has_no_member_routes() {
    let world = World::start().await;
    let api = world.step02();
    let owner = world.user(&api, 0);
    let list = lists::create_list(&owner, "mine").await;
    lists::share(&owner, &list, USERS[1].1)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    owner
        .api
        .call(Method::GET, &format!("/lists/{}/members", list.id))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    lists::remove(&owner, &list, USERS[0].0)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    // The version field works in step02 too: one todo code path for both steps.
    let todo = lists::create_todo(&owner, &list, "t").await;
    owner
        .api
        .json(
            Method::PATCH,
            &format!("/lists/{}/todos/{}", list.id, todo.todo.id),
            json!({"done": true, "version": 7}),
        )
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");
}

#[tokio::test]
async fn step02_every_route_needs_a_token_and_todos_are_gone() {
    let world = World::start().await;
    let api = world.step02();
    for (method, path) in [
        (Method::GET, "/lists"),
        (Method::POST, "/lists"),
        (Method::GET, "/lists/0190b8a4-7f3e-7c4d-9a1b-2c3d4e5f6a7b"),
        (
            Method::GET,
            "/lists/0190b8a4-7f3e-7c4d-9a1b-2c3d4e5f6a7b/todos",
        ),
    ] {
        api.call(method, path)
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let health = api.call(Method::GET, "/health").await;
    assert_eq!(health.status, StatusCode::OK);
    // The single-tenant routes do not exist in the multi-tenant steps.
    world
        .user(&api, 0)
        .api
        .call(Method::GET, "/todos")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn step03_sharing_rules() {
    let world = World::start().await;
    let api = world.step03();
    let [owner, member, outsider] = [0, 1, 2].map(|n| world.user(&api, n));
    lists::sharing_rules(&owner, &member, &outsider).await;
    // The deleted list left nothing behind: what remains is the list the outsider check
    // made (record, owner, one todo, the owner's index entry).
    assert_eq!(world.pool.item_count(), 4);
}

#[tokio::test]
async fn step03_an_outsider_is_refused_everywhere() {
    let world = World::start().await;
    let api = world.step03();
    lists::outsider_is_refused_everywhere(&world.user(&api, 0), &world.user(&api, 2)).await;
}

#[tokio::test]
async fn step03_concurrent_edits_conflict() {
    let world = World::start().await;
    let api = world.step03();
    lists::concurrent_edits(
        &world.user(&api, 0),
        &world.user(&api, 1),
        lists::Writes::Serialized,
    )
    .await;
}

#[tokio::test]
async fn step05_the_isolation_suite_passes_unchanged() {
    let world = World::start().await;
    // Each part of the suite on a fresh silo, as the earlier steps run them in fresh worlds.
    let fresh = || {
        let silo = Arc::new(MemorySiloPool::new());
        let api = world.step05(&silo);
        (silo, [0, 1, 2].map(|n| world.user(&api, n)))
    };

    let (silo, [owner, _, outsider]) = fresh();
    lists::lists_lifecycle(&owner).await;
    lists::bad_input_is_a_4xx(&outsider).await;
    let remaining = lists::lists_of(&owner).await.len() + lists::lists_of(&outsider).await.len();
    assert_eq!(silo.tables().table_count(), remaining, "one table per list");

    let (_, [owner, _, outsider]) = fresh();
    lists::outsider_is_refused_everywhere(&owner, &outsider).await;

    let (silo, [owner, member, outsider]) = fresh();
    lists::sharing_rules(&owner, &member, &outsider).await;
    let remaining = lists::lists_of(&owner).await;
    assert_eq!(
        silo.tables().table_count(),
        remaining.len(),
        "deleted lists' tables are gone"
    );
    for list in &remaining {
        assert_eq!(silo.tables().tier(&list.id), Some(Tier::STANDARD));
    }
}

#[tokio::test]
async fn step05_a_new_list_is_preparing_until_its_table_is_active() {
    let world = World::start().await;
    // Tables stay "creating" until the test says AWS is done.
    let silo = Arc::new(MemorySiloPool::with_tables(
        MemoryProvisioner::new().with_preparing_calls(u32::MAX),
    ));
    let api = world.step05(&silo);
    let [owner, _, outsider] = [0, 1, 2].map(|n| world.user(&api, n));

    let created = owner
        .api
        .json(Method::POST, "/lists", json!({ "name": "Groceries" }))
        .await;
    assert_eq!(created.json()["status"], "preparing");
    let list: ListView = created.body(StatusCode::ACCEPTED);
    assert_eq!(
        silo.tables().table_count(),
        1,
        "its table is requested at once"
    );
    assert_eq!(
        lists::lists_of(&owner).await,
        std::slice::from_ref(&list),
        "listed as preparing"
    );

    // Every route of the list is a retryable 503 for its owner: an early write is refused,
    // never lost (deleting it too, while AWS is creating its table). Someone else still
    // learns nothing.
    let todo_id = "0190b8a4-7f3e-7c4d-9a1b-2c3d4e5f6a7b";
    let list_path = format!("/lists/{}", list.id);
    for (method, path, body) in lists::every_list_route(&list, todo_id, USERS[1].1) {
        let path = path.replace(lists::list_owner_placeholder(), &owner.id);
        let reply = lists::send(&owner.api, method.clone(), &path, body.clone()).await;
        reply.assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert_eq!(reply.headers["retry-after"], "2", "{method} {path}");
        let message = reply.json()["message"].as_str().unwrap().to_owned();
        let expected = if method == Method::DELETE && path == list_path {
            "is still being prepared and cannot be deleted yet; try again in a few seconds"
        } else {
            "is being prepared; try again in a few seconds"
        };
        assert!(message.contains(expected), "{method} {path}: {message}");
        lists::send(&outsider.api, method.clone(), &path, body)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
    assert_eq!(silo.item_count(), 1, "nothing but the owner's index entry");

    // AWS finishes: the next request activates the list, and the early write can be retried.
    silo.tables().finish_preparing();
    let todo = lists::create_todo(&owner, &list, "milk").await;
    assert_eq!(lists::todos_of(&owner, &list).await, [todo]);
    let ready = lists::lists_of(&owner).await;
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].status, ListStatus::Ready);
    let listed = owner.api.call(Method::GET, "/lists").await.json();
    assert!(listed["lists"][0].get("status").is_none(), "{listed}");
    let members = owner
        .api
        .call(Method::GET, &format!("/lists/{}/members", list.id))
        .await
        .json();
    assert_eq!(
        members["members"][0]["email"], USERS[0].1,
        "the owner is on it"
    );
}

#[tokio::test]
async fn step05_the_list_in_get_lists_becomes_ready_once_its_table_is_active() {
    let world = World::start().await;
    let silo = Arc::new(MemorySiloPool::with_tables(
        MemoryProvisioner::new().with_preparing_calls(u32::MAX),
    ));
    let api = world.step05(&silo);
    let owner = world.user(&api, 0);
    let list: ListView = owner
        .api
        .json(Method::POST, "/lists", json!({ "name": "Later" }))
        .await
        .body(StatusCode::ACCEPTED);
    silo.tables().finish_preparing();
    let listed = lists::lists_of(&owner).await;
    assert_eq!(
        (listed[0].id.clone(), listed[0].status),
        (list.id.clone(), ListStatus::Ready)
    );
    // Activated by GET /lists: the list's record is in its table.
    let view: ListView = owner
        .api
        .call(Method::GET, &format!("/lists/{}", list.id))
        .await
        .body(StatusCode::OK);
    assert_eq!(view.name, "Later");
}

#[tokio::test]
async fn step05_a_list_ready_at_once_is_created_and_deleting_it_deletes_its_table() {
    let world = World::start().await;
    let silo = Arc::new(MemorySiloPool::new());
    let api = world.step05(&silo);
    let owner = world.user(&api, 0);
    let list = lists::create_list(&owner, "Now").await;
    assert_eq!(list.status, ListStatus::Ready);
    lists::create_todo(&owner, &list, "a").await;
    assert_eq!(silo.tables().table_count(), 1);
    let deleted = owner
        .api
        .call(Method::DELETE, &format!("/lists/{}", list.id))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(silo.tables().table_count(), 0, "its table is gone");
    assert_eq!(silo.item_count(), 0, "and every index entry");
    assert!(lists::lists_of(&owner).await.is_empty());
}

#[tokio::test]
async fn step05_the_owner_may_delete_a_list_still_being_prepared() {
    let world = World::start().await;
    let silo = Arc::new(MemorySiloPool::with_tables(
        MemoryProvisioner::new().with_preparing_calls(u32::MAX),
    ));
    let api = world.step05(&silo);
    let [owner, _, outsider] = [0, 1, 2].map(|n| world.user(&api, n));
    let list: ListView = owner
        .api
        .json(Method::POST, "/lists", json!({ "name": "Second thoughts" }))
        .await
        .body(StatusCode::ACCEPTED);
    let path = format!("/lists/{}", list.id);
    outsider
        .api
        .call(Method::DELETE, &path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    // AWS refuses to delete a table it is creating; so does the API, retryably.
    let refused = owner.api.call(Method::DELETE, &path).await;
    refused.assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    let message = refused.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("cannot be deleted yet"), "{message}");
    assert_eq!(lists::lists_of(&owner).await, std::slice::from_ref(&list));

    // Once the table is active the list can go, without being activated first.
    silo.tables().finish_preparing();
    let deleted = owner.api.call(Method::DELETE, &path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(silo.tables().table_count(), 0, "its table is gone");
    assert_eq!(silo.item_count(), 0, "and the owner's entry");
    assert!(lists::lists_of(&owner).await.is_empty());

    // A list whose CreateTable failed (no table at all) goes at once; it is not asked for
    // again first.
    let failed: ListView = owner
        .api
        .json(Method::POST, "/lists", json!({ "name": "Never made" }))
        .await
        .body(StatusCode::ACCEPTED);
    silo.tables().finish_preparing();
    silo.deprovision(&failed.id).await.unwrap();
    let deleted = owner
        .api
        .call(Method::DELETE, &format!("/lists/{}", failed.id))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(silo.tables().table_count(), 0, "no table asked for again");
    assert!(lists::lists_of(&owner).await.is_empty());
}

#[tokio::test]
async fn step05_an_entry_whose_table_is_gone_goes_too() {
    let world = World::start().await;
    let silo = Arc::new(MemorySiloPool::new());
    let api = world.step05(&silo);
    let owner = world.user(&api, 0);
    let list = lists::create_list(&owner, "Half deleted").await;
    // A deletion that stopped after DeleteTable, before the owner's entry was removed.
    silo.deprovision(&list.id).await.unwrap();
    assert_eq!(lists::lists_of(&owner).await, std::slice::from_ref(&list));
    owner
        .api
        .call(Method::GET, &format!("/lists/{}", list.id))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    assert!(
        lists::lists_of(&owner).await.is_empty(),
        "the entry is gone"
    );
}

/// Hands every event the API published to a provisioner working on the same silo.
async fn provision(silo: &Arc<MemorySiloPool>, published: &MemoryPublisher) {
    let provisioner = Provisioner::new(
        silo.clone(),
        TenantTablePrefix::new("Step06-tenant-").unwrap(),
        Arc::new(MemoryPublisher::new()),
    );
    for event in published.events() {
        if Provisioner::DETAIL_TYPES.contains(&event.event_type()) {
            provisioner.handle(&event).await.unwrap();
        }
    }
}

#[tokio::test]
async fn step06_every_action_is_an_event_and_the_provisioner_makes_lists_ready() {
    let world = World::start().await;
    let silo = Arc::new(MemorySiloPool::new());
    let published = MemoryPublisher::new();
    let api = world.step06(&silo, Arc::new(published.clone()));
    let [owner, member, _] = [0, 1, 2].map(|n| world.user(&api, n));

    let list: ListView = owner
        .api
        .json(Method::POST, "/lists", json!({ "name": "Trip" }))
        .await
        .body(StatusCode::ACCEPTED);
    assert_eq!(silo.tables().table_count(), 0, "the API creates no table");
    let created = published.events();
    assert_eq!(created.len(), 1);
    let detail = created[0].detail();
    assert_eq!(created[0].detail_type(), "ListCreated");
    assert_eq!(detail["tenantId"], list.id.as_str());
    assert_eq!(
        (&detail["owner"], &detail["actor"]),
        (&json!(owner.id), &json!(owner.id))
    );
    assert_eq!(
        detail["data"],
        json!({ "name": "Trip", "ownerEmail": owner.email })
    );
    owner
        .api
        .call(Method::GET, &format!("/lists/{}/todos", list.id))
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");

    provision(&silo, &published).await;
    assert!(lists::todos_of(&owner, &list).await.is_empty(), "ready");
    assert_eq!(lists::lists_of(&owner).await[0].status, ListStatus::Ready);

    assert_eq!(
        lists::share(&owner, &list, &member.email).await.status,
        StatusCode::CREATED
    );
    let todo = lists::create_todo(&member, &list, "Pack").await;
    let path = format!("/lists/{}/todos/{}", list.id, todo.todo.id);
    for (body, status) in [
        (json!({ "done": true }), StatusCode::OK),
        (json!({ "done": true }), StatusCode::OK),
        (json!({ "title": "Pack light" }), StatusCode::OK),
        (json!({ "done": false }), StatusCode::OK),
    ] {
        assert_eq!(
            member.api.json(Method::PATCH, &path, body).await.status,
            status
        );
    }
    assert_eq!(
        member.api.call(Method::DELETE, &path).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        lists::remove(&member, &list, &member.id).await.status,
        StatusCode::NO_CONTENT
    );
    let deleted = owner
        .api
        .call(Method::DELETE, &format!("/lists/{}", list.id))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let events = published.events();
    let kinds: Vec<&str> = events.iter().map(|event| event.detail_type()).collect();
    assert_eq!(
        kinds,
        [
            "ListCreated",
            "MemberAdded",
            "TodoAdded",
            "TodoCompleted",
            "TodoReopened",
            "TodoRemoved",
            "MemberRemoved",
            "ListDeleted",
        ],
        "one event per change; a PATCH that changes nothing of `done` publishes none"
    );
    for event in &events {
        let detail = event.detail();
        assert_eq!(detail["tenantId"], list.id.as_str(), "{detail}");
        assert_eq!(
            detail["owner"],
            owner.id.as_str(),
            "a member's actions are the owner's list's"
        );
    }
    assert_eq!(events[2].detail()["actor"], member.id.as_str());
    assert_eq!(
        silo.tables().table_count(),
        1,
        "until the provisioner hears of the deletion"
    );
    provision(&silo, &published).await;
    assert_eq!(silo.tables().table_count(), 0);
}

#[tokio::test]
async fn step06_the_owner_may_delete_a_list_nobody_prepared() {
    let world = World::start().await;
    let silo = Arc::new(MemorySiloPool::new());
    let published = MemoryPublisher::new();
    let api = world.step06(&silo, Arc::new(published.clone()));
    let [owner, _, outsider] = [0, 1, 2].map(|n| world.user(&api, n));
    // Its ListCreated never reaches the provisioner (it ended in the dead-letter queue):
    // the list stays preparing, and every route but its deletion waits for it.
    let list: ListView = owner
        .api
        .json(Method::POST, "/lists", json!({ "name": "Stuck" }))
        .await
        .body(StatusCode::ACCEPTED);
    let path = format!("/lists/{}", list.id);
    owner
        .api
        .call(Method::GET, &format!("{path}/todos"))
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    outsider
        .api
        .call(Method::DELETE, &path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    let deleted = owner.api.call(Method::DELETE, &path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(lists::lists_of(&owner).await.is_empty());
    let events = published.events();
    let kinds: Vec<&str> = events.iter().map(|event| event.detail_type()).collect();
    assert_eq!(kinds, ["ListCreated", "ListDeleted"]);
    assert_eq!(events[1].detail()["owner"], owner.id.as_str());

    // The ListCreated redriven from the dead-letter queue afterwards creates no table.
    provision(&silo, &published).await;
    assert_eq!(silo.tables().table_count(), 0);
    assert_eq!(silo.item_count(), 0);
}

/// A bus that is down.
struct Down;

#[async_trait::async_trait]
impl EventPublisher for Down {
    async fn publish(&self, _: Vec<todo_events::DomainEvent>) -> Result<(), ApiError> {
        Err(ApiError::unavailable("EventBridge is down", 1))
    }
}

#[tokio::test]
async fn step06_a_list_nobody_heard_of_is_not_created() {
    let world = World::start().await;
    let silo = Arc::new(MemorySiloPool::new());
    let api = world.step06(&silo, Arc::new(Down));
    let owner = world.user(&api, 0);
    owner
        .api
        .json(Method::POST, "/lists", json!({ "name": "Lost" }))
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(
        lists::lists_of(&owner).await.is_empty(),
        "no list stuck preparing"
    );
}
