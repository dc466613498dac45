//! The multi-tenant scenarios, written once against signed-in `Api`s and run on
//! `MemoryPool` (`lists_memory.rs`) and on moto's Cognito, DynamoDB and STS
//! (`lists_moto.rs`).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use todo_api::{ListTodos, ListView, Lists, Members};
use todo_domain::{Role, TodoId, VersionedTodo};

use super::{Api, Reply};

/// A signed-in user of a scenario: the router with their token, and who they are.
#[derive(Clone)]
pub struct User {
    pub api: Api,
    pub id: String,
    pub email: String,
}

impl Reply {
    /// The body as `T`, after checking the status.
    pub fn body<T: serde::de::DeserializeOwned>(&self, expected: StatusCode) -> T {
        assert_eq!(
            self.status,
            expected,
            "{:?}",
            String::from_utf8_lossy(&self.body)
        );
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "unexpected body ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

pub async fn create_list(user: &User, name: &str) -> ListView {
    user.api
        .json(Method::POST, "/lists", json!({ "name": name }))
        .await
        .body(StatusCode::CREATED)
}

pub async fn create_todo(user: &User, list: &ListView, title: &str) -> VersionedTodo {
    user.api
        .json(
            Method::POST,
            &format!("/lists/{}/todos", list.id),
            json!({ "title": title }),
        )
        .await
        .body(StatusCode::CREATED)
}

pub async fn lists_of(user: &User) -> Vec<ListView> {
    user.api
        .call(Method::GET, "/lists")
        .await
        .body::<Lists>(StatusCode::OK)
        .lists
}

pub async fn todos_of(user: &User, list: &ListView) -> Vec<VersionedTodo> {
    user.api
        .call(Method::GET, &format!("/lists/{}/todos", list.id))
        .await
        .body::<ListTodos>(StatusCode::OK)
        .todos
}

pub async fn share(owner: &User, list: &ListView, email: &str) -> Reply {
    owner
        .api
        .json(
            Method::POST,
            &format!("/lists/{}/members", list.id),
            json!({ "email": email }),
        )
        .await
}

pub async fn remove(user: &User, list: &ListView, member_id: &str) -> Reply {
    user.api
        .call(
            Method::DELETE,
            &format!("/lists/{}/members/{member_id}", list.id),
        )
        .await
}

/// Step02's whole happy path for one user: lists, rename, todos with versions, deletion.
pub async fn lists_lifecycle(user: &User) {
    assert!(lists_of(user).await.is_empty());

    let reply = user
        .api
        .json(Method::POST, "/lists", json!({ "name": "  Groceries " }))
        .await;
    let groceries: ListView = reply.body(StatusCode::CREATED);
    let object = reply.json();
    let mut keys: Vec<_> = object.as_object().unwrap().keys().cloned().collect();
    keys.sort_unstable();
    assert_eq!(keys, ["createdAt", "id", "name", "role", "updatedAt"]);
    assert_eq!(object["role"], "owner");
    assert_eq!(groceries.name, "Groceries", "names are trimmed");
    assert_eq!(groceries.created_at, groceries.updated_at);
    let work = create_list(user, "Work").await;
    assert_eq!(
        lists_of(user).await,
        [groceries.clone(), work.clone()],
        "oldest first"
    );

    let path = format!("/lists/{}", groceries.id);
    assert_eq!(
        user.api
            .call(Method::GET, &path)
            .await
            .body::<ListView>(StatusCode::OK),
        groceries
    );
    let renamed: ListView = user
        .api
        .json(Method::PATCH, &path, json!({ "name": "Food" }))
        .await
        .body(StatusCode::OK);
    assert_eq!((renamed.name.as_str(), renamed.role), ("Food", Role::Owner));
    assert_eq!(renamed.created_at, groceries.created_at);
    assert_eq!(
        lists_of(user).await[0].name,
        "Food",
        "the index has the new name"
    );

    // Todos: the /todos contract inside the list, plus versions.
    assert!(todos_of(user, &groceries).await.is_empty());
    let milk = create_todo(user, &groceries, " milk ").await;
    assert_eq!((milk.todo.title.as_str(), milk.version), ("milk", 1));
    let bread = create_todo(user, &groceries, "bread").await;
    assert_eq!(
        todos_of(user, &groceries).await,
        [milk.clone(), bread.clone()]
    );
    assert!(
        todos_of(user, &work).await.is_empty(),
        "lists do not share todos"
    );
    let milk_path = format!("/lists/{}/todos/{}", groceries.id, milk.todo.id);
    let reply = user.api.call(Method::GET, &milk_path).await;
    assert_eq!(reply.body::<VersionedTodo>(StatusCode::OK), milk);
    assert_eq!(reply.json()["version"], 1);

    let v2: VersionedTodo = user
        .api
        .json(Method::PATCH, &milk_path, json!({ "done": true }))
        .await
        .body(StatusCode::OK);
    assert_eq!((v2.version, v2.todo.done), (2, true));
    let v3: VersionedTodo = user
        .api
        .json(
            Method::PATCH,
            &milk_path,
            json!({ "title": "oat milk", "version": 2 }),
        )
        .await
        .body(StatusCode::OK);
    assert_eq!((v3.version, v3.todo.title.as_str()), (3, "oat milk"));
    user.api
        .json(
            Method::PATCH,
            &milk_path,
            json!({ "done": false, "version": 2 }),
        )
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");
    user.api
        .call(Method::DELETE, &format!("{milk_path}?version=2"))
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");
    for bad in ["?version=abc", "?version=-1", "?versoin=3"] {
        user.api
            .call(Method::DELETE, &format!("{milk_path}{bad}"))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    }
    let reply = user
        .api
        .call(Method::DELETE, &format!("{milk_path}?version=3"))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_empty());
    user.api
        .call(Method::GET, &milk_path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let bread_path = format!("/lists/{}/todos/{}", groceries.id, bread.todo.id);
    assert_eq!(
        user.api.call(Method::DELETE, &bread_path).await.status,
        StatusCode::NO_CONTENT,
        "without a version, a delete is unconditional"
    );

    // Deleting a list takes its todos with it.
    create_todo(user, &work, "ship it").await;
    let work_path = format!("/lists/{}", work.id);
    assert_eq!(
        user.api.call(Method::DELETE, &work_path).await.status,
        StatusCode::NO_CONTENT
    );
    for path in [work_path.clone(), format!("{work_path}/todos")] {
        user.api
            .call(Method::GET, &path)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
    assert_eq!(lists_of(user).await, [renamed]);
}

/// Bad input on the list routes is a 4xx JSON error, never a 500.
pub async fn bad_input_is_a_4xx(user: &User) {
    let list = create_list(user, "l").await;
    let todo = create_todo(user, &list, "t").await;
    let long_name = format!(r#"{{"name": "{}"}}"#, "x".repeat(101));
    let cases: Vec<(Method, String, Option<&str>, StatusCode, &str)> = vec![
        (
            Method::POST,
            "/lists".into(),
            Some(r#"{"name": ""}"#),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::POST,
            "/lists".into(),
            Some(r#"{"name": "a", "x": 1}"#),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            Method::POST,
            "/lists".into(),
            Some("{"),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            Method::POST,
            "/lists".into(),
            Some(r#"["a"]"#),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            Method::PATCH,
            format!("/lists/{}", list.id),
            Some(&long_name),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::GET,
            "/lists/not-a-uuid".into(),
            None,
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            Method::GET,
            "/lists/not-a-uuid/todos".into(),
            None,
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            Method::GET,
            format!("/lists/{}/todos/42", list.id),
            None,
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            Method::PATCH,
            format!("/lists/{}/todos/{}", list.id, todo.todo.id),
            Some(r#"{"version": 1}"#),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::PATCH,
            format!("/lists/{}/todos/{}", list.id, todo.todo.id),
            Some(r#"{"done": true, "version": "1"}"#),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            Method::POST,
            format!("/lists/{}/todos", list.id),
            Some(r#"{"title": " "}"#),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            Method::GET,
            format!("/lists/{}/todos/{}", list.id, TodoId::generate()),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::PUT,
            format!("/lists/{}", list.id),
            Some("{}"),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let reply = match body {
            Some(body) => {
                user.api
                    .raw(
                        method.clone(),
                        &path,
                        Some("application/json"),
                        body.to_owned(),
                    )
                    .await
            }
            None => user.api.call(method.clone(), &path).await,
        };
        assert_eq!(reply.status, status, "{method} {path}: {:?}", reply.json());
        reply.assert_error(status, code);
    }
    user.api
        .raw(Method::POST, "/lists", Some("text/plain"), "name")
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

/// Every route of one list, with a request that would succeed for its owner if `todo_id`
/// is one of its todos.
pub fn every_list_route(
    list: &ListView,
    todo_id: &str,
    someone: &str,
) -> Vec<(Method, String, Option<Value>)> {
    let list_path = format!("/lists/{}", list.id);
    let todo_path = format!("{list_path}/todos/{todo_id}");
    vec![
        (Method::GET, list_path.clone(), None),
        (
            Method::PATCH,
            list_path.clone(),
            Some(json!({"name": "pwned"})),
        ),
        (Method::DELETE, list_path.clone(), None),
        (Method::GET, format!("{list_path}/todos"), None),
        (
            Method::POST,
            format!("{list_path}/todos"),
            Some(json!({"title": "planted"})),
        ),
        (Method::GET, todo_path.clone(), None),
        (
            Method::PATCH,
            todo_path.clone(),
            Some(json!({"title": "pwned"})),
        ),
        (
            Method::PATCH,
            todo_path.clone(),
            Some(json!({"done": true, "version": 1})),
        ),
        (Method::DELETE, todo_path.clone(), None),
        (Method::DELETE, format!("{todo_path}?version=1"), None),
        (Method::GET, format!("{list_path}/members"), None),
        (
            Method::POST,
            format!("{list_path}/members"),
            Some(json!({"email": someone})),
        ),
        (
            Method::DELETE,
            format!("{list_path}/members/{}", list_owner_placeholder()),
            None,
        ),
        // A malformed body or todo id must not reveal that the list exists either.
        (
            Method::POST,
            format!("{list_path}/todos"),
            Some(json!({"titel": 1})),
        ),
        (Method::GET, format!("{list_path}/todos/not-a-uuid"), None),
    ]
}

/// Replaced by the owner's id in [`outsider_is_refused_everywhere`].
pub fn list_owner_placeholder() -> &'static str {
    "OWNER"
}

pub async fn send(api: &Api, method: Method, path: &str, body: Option<Value>) -> Reply {
    match body {
        Some(body) => api.json(method, path, body).await,
        None => api.call(method, path).await,
    }
}

/// Someone with no access to `owner`'s list gets 404 `not_found` from every route of it,
/// and the list, its todo and its members are untouched afterwards.
pub async fn outsider_is_refused_everywhere(owner: &User, outsider: &User) {
    let list = create_list(owner, "private").await;
    let todo = create_todo(owner, &list, "secret").await;
    for (method, path, body) in every_list_route(&list, &todo.todo.id.to_string(), &outsider.email)
    {
        let path = path.replace(list_owner_placeholder(), &owner.id);
        let reply = send(&outsider.api, method.clone(), &path, body).await;
        let message = format!("{method} {path}");
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{message}: {:?}",
            reply.json()
        );
        reply.assert_error(StatusCode::NOT_FOUND, "not_found");
        assert!(
            !String::from_utf8_lossy(&reply.body).contains("secret"),
            "{message}"
        );
    }
    // The outsider's own view: no trace of the list.
    assert!(!lists_of(outsider).await.iter().any(|l| l.id == list.id));
    // Nothing changed.
    let owner_view: ListView = owner
        .api
        .call(Method::GET, &format!("/lists/{}", list.id))
        .await
        .body(StatusCode::OK);
    assert_eq!(owner_view, list);
    assert_eq!(todos_of(owner, &list).await, [todo]);
}

/// Step03's rules, with three signed-in users: the owner shares with a member, the member
/// works on todos but cannot share, rename or delete, the outsider stays out, revocation
/// takes effect at once, a member may leave, and deleting the list removes everyone's
/// access. Returns the (deleted) list.
pub async fn sharing_rules(owner: &User, member: &User, outsider: &User) -> ListView {
    let list = create_list(owner, "Shared").await;
    let todo = create_todo(owner, &list, "first").await;

    // Sharing: the owner only; only registered users; once; not with oneself.
    let added: todo_domain::Member = share(owner, &list, &member.email)
        .await
        .body(StatusCode::CREATED);
    assert_eq!(
        (added.user_id.as_str(), added.email.as_str(), added.role),
        (member.id.as_str(), member.email.as_str(), Role::Member)
    );
    share(owner, &list, &member.email)
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");
    share(owner, &list, &member.email.to_uppercase())
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");
    let unknown = share(owner, &list, "nobody@example.com").await;
    unknown.assert_error(StatusCode::NOT_FOUND, "not_found");
    assert!(
        unknown.json()["message"]
            .as_str()
            .unwrap()
            .contains("no user is registered with the email nobody@example.com"),
        "{:?}",
        unknown.json()
    );
    share(owner, &list, &owner.email)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "validation_failed");
    share(owner, &list, "not an email")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "validation_failed");

    // Both see the members, owner first.
    for user in [owner, member] {
        let members: Members = user
            .api
            .call(Method::GET, &format!("/lists/{}/members", list.id))
            .await
            .body(StatusCode::OK);
        let view: Vec<_> = members
            .members
            .iter()
            .map(|m| (m.user_id.as_str(), m.email.as_str(), m.role))
            .collect();
        assert_eq!(
            view,
            [
                (owner.id.as_str(), owner.email.as_str(), Role::Owner),
                (member.id.as_str(), member.email.as_str(), Role::Member)
            ]
        );
    }

    // The member sees the list as a member and works on its todos.
    let shared = lists_of(member).await;
    assert_eq!(shared.len(), 1);
    assert_eq!(
        (shared[0].id.clone(), shared[0].role),
        (list.id.clone(), Role::Member)
    );
    assert_eq!(todos_of(member, &list).await, std::slice::from_ref(&todo));
    let theirs = create_todo(member, &list, "from the member").await;
    let todo_path = format!("/lists/{}/todos/{}", list.id, todo.todo.id);
    let done: VersionedTodo = member
        .api
        .json(
            Method::PATCH,
            &todo_path,
            json!({"done": true, "version": 1}),
        )
        .await
        .body(StatusCode::OK);
    assert_eq!(done.version, 2);
    assert_eq!(todos_of(owner, &list).await, [done.clone(), theirs.clone()]);

    // ...but may not rename, delete, share or remove others (403: they can see the list).
    let list_path = format!("/lists/{}", list.id);
    member
        .api
        .json(Method::PATCH, &list_path, json!({"name": "mine now"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    member
        .api
        .call(Method::DELETE, &list_path)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    share(member, &list, &outsider.email)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    remove(member, &list, &owner.id)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    remove(member, &list, &outsider.id)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(lists_of(owner).await[0].name, "Shared");
    assert!(
        lists_of(outsider).await.is_empty(),
        "the member could not share"
    );

    // The owner cannot leave; removing someone who is not on the list is a 404.
    remove(owner, &list, &owner.id)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "validation_failed");
    remove(owner, &list, &outsider.id)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    remove(owner, &list, "not%20a%23user")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_id");

    // The outsider is still refused everything.
    outsider_is_refused_everywhere(owner, outsider).await;

    // A rename reaches the member's index.
    owner
        .api
        .json(Method::PATCH, &list_path, json!({"name": "Renamed"}))
        .await
        .body::<ListView>(StatusCode::OK);
    assert_eq!(lists_of(member).await[0].name, "Renamed");

    // Revocation takes effect on the very next request.
    assert_eq!(
        remove(owner, &list, &member.id).await.status,
        StatusCode::NO_CONTENT
    );
    for path in [
        list_path.clone(),
        format!("{list_path}/todos"),
        todo_path.clone(),
    ] {
        member
            .api
            .call(Method::GET, &path)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
    member
        .api
        .json(Method::PATCH, &todo_path, json!({"done": false}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    assert!(lists_of(member).await.is_empty());
    remove(owner, &list, &member.id)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    // Shared again, the member may leave on their own.
    share(owner, &list, &member.email)
        .await
        .body::<todo_domain::Member>(StatusCode::CREATED);
    assert_eq!(
        remove(member, &list, &member.id).await.status,
        StatusCode::NO_CONTENT
    );
    member
        .api
        .call(Method::GET, &list_path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    // Deleting the list removes every member's access too.
    share(owner, &list, &member.email)
        .await
        .body::<todo_domain::Member>(StatusCode::CREATED);
    assert_eq!(lists_of(member).await.len(), 1);
    assert_eq!(
        owner.api.call(Method::DELETE, &list_path).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(lists_of(member).await.is_empty());
    member
        .api
        .call(Method::GET, &list_path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    owner
        .api
        .call(Method::GET, &list_path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    list
}

/// Two people read the same todo at version 1 and both change it based on that version:
/// one write wins (200), the other is refused (409), and the stored todo is the winner's.
/// `first` and `second` send in that order; then both send at once, and exactly one wins.
/// How the store under test applies two conditional writes that arrive together.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// One after the other, as DynamoDB does per item (and the in-memory store, under a lock).
    Serialized,
    /// Possibly interleaved: moto's threaded server checks a write's condition and applies it
    /// without a lock, so two simultaneous writes based on one version can both pass there.
    /// The sequential stale writes above prove the condition; this only checks the outcome.
    MayInterleave,
}

pub async fn concurrent_edits(owner: &User, member: &User, writes: Writes) {
    let list = create_list(owner, "together").await;
    share(owner, &list, &member.email)
        .await
        .body::<todo_domain::Member>(StatusCode::CREATED);
    let todo = create_todo(owner, &list, "draft").await;
    let path = format!("/lists/{}/todos/{}", list.id, todo.todo.id);

    let seen_by_owner: VersionedTodo = owner
        .api
        .call(Method::GET, &path)
        .await
        .body(StatusCode::OK);
    let seen_by_member: VersionedTodo = member
        .api
        .call(Method::GET, &path)
        .await
        .body(StatusCode::OK);
    assert_eq!((seen_by_owner.version, seen_by_member.version), (1, 1));
    let winner: VersionedTodo = owner
        .api
        .json(
            Method::PATCH,
            &path,
            json!({"title": "owner's", "version": 1}),
        )
        .await
        .body(StatusCode::OK);
    assert_eq!(winner.version, 2);
    let loser = member
        .api
        .json(
            Method::PATCH,
            &path,
            json!({"title": "member's", "version": 1}),
        )
        .await;
    loser.assert_error(StatusCode::CONFLICT, "conflict");
    assert!(
        loser.json()["message"]
            .as_str()
            .unwrap()
            .contains("version 2"),
        "{:?}",
        loser.json()
    );
    let stored: VersionedTodo = member
        .api
        .call(Method::GET, &path)
        .await
        .body(StatusCode::OK);
    assert_eq!(stored, winner, "the refused write changed nothing");

    // At the same time, both based on version 2.
    let (a, b) = tokio::join!(
        owner
            .api
            .json(Method::PATCH, &path, json!({"title": "a", "version": 2})),
        member
            .api
            .json(Method::PATCH, &path, json!({"title": "b", "version": 2})),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    let stored: VersionedTodo = owner
        .api
        .call(Method::GET, &path)
        .await
        .body(StatusCode::OK);
    if writes == Writes::Serialized {
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "{a:?} {b:?}"
        );
        let won: VersionedTodo = if a.status == StatusCode::OK {
            a.body(StatusCode::OK)
        } else {
            b.body(StatusCode::OK)
        };
        assert_eq!((stored.clone(), stored.version), (won, 3));
    } else {
        // Each write that passed its condition added one to the version (`version + 1` on the
        // server), and the stored title is one of theirs.
        let passed: Vec<&str> = [(&a, "a"), (&b, "b")]
            .into_iter()
            .filter(|(reply, _)| reply.status == StatusCode::OK)
            .map(|(_, title)| title)
            .collect();
        assert!(!passed.is_empty(), "{a:?} {b:?}");
        assert!(
            passed.contains(&stored.todo.title.as_str())
                && stored.version == 2 + passed.len() as u64,
            "{stored:?} after {a:?} {b:?}"
        );
    }

    // A stale delete is refused too, and the todo survives it.
    owner
        .api
        .call(Method::DELETE, &format!("{path}?version=2"))
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");
    assert_eq!(
        owner
            .api
            .call(Method::GET, &path)
            .await
            .body::<VersionedTodo>(StatusCode::OK),
        stored
    );
}
