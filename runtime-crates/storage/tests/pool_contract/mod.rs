//! What every `PoolStore` must do, written once and run against each implementation
//! (`tests/pool_memory.rs`, `tests/pool_dynamo.rs`, and the silo model's
//! `tests/silo_memory.rs`, `tests/silo_dynamo.rs`).
//!
//! `tables` is `None` for the pool model, whose tenants need no storage of their own; for
//! the silo it provisions each new list's table, as the API does before creating the list.

use todo_domain::{
    ApiError, ListName, ListRecord, Member, Membership, NewTodo, Role, TenantId, Title, TodoId,
    TodoPatch, UserId,
};
use todo_storage::{PoolStore, TenantProvisioner, Tier};

pub fn user(name: &str) -> UserId {
    UserId::new(name).unwrap()
}

pub fn new_todo(title: &str) -> NewTodo {
    NewTodo {
        title: Title::parse(title).unwrap(),
    }
}

/// Creates a list owned by `owner` the way the API does: its table (silo), partition, then
/// the index.
pub async fn create_list(
    pool: &dyn PoolStore,
    tables: Option<&dyn TenantProvisioner>,
    owner: &UserId,
    name: &str,
) -> ListRecord {
    let list = ListRecord::create(ListName::parse(name).unwrap(), owner.clone());
    if let Some(tables) = tables {
        tables.provision(&list.id, &Tier::default()).await.unwrap();
    }
    let member = Member {
        user_id: owner.clone(),
        email: format!("{owner}@example.com"),
        role: Role::Owner,
    };
    let partition = pool.open(&list.id).await.unwrap();
    partition.create_list(&list, &member).await.unwrap();
    pool.put_membership(owner, &Membership::of(&list, Role::Owner))
        .await
        .unwrap();
    list
}

/// Lists, their index entries and members: create, read, rename, share, unshare.
pub async fn lists_index_and_members(pool: &dyn PoolStore, tables: Option<&dyn TenantProvisioner>) {
    let alice = user("alice");
    let bob = user("bob");
    assert!(pool.memberships(&alice).await.unwrap().is_empty());

    let first = create_list(pool, tables, &alice, "first").await;
    let second = create_list(pool, tables, &alice, "second").await;
    let listed: Vec<_> = pool
        .memberships(&alice)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| (entry.list_id, entry.name, entry.role))
        .collect();
    assert_eq!(
        listed,
        [
            (first.id.clone(), "first".to_owned(), Role::Owner),
            (second.id.clone(), "second".to_owned(), Role::Owner)
        ],
        "oldest first"
    );
    assert_eq!(
        pool.membership(&alice, &first.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Owner
    );
    assert_eq!(pool.membership(&bob, &first.id).await.unwrap(), None);

    let partition = pool.open(&first.id).await.unwrap();
    assert_eq!(partition.scope(), &first.id);
    assert_eq!(partition.list(&first.id).await.unwrap(), first);
    let renamed = partition
        .rename_list(&first.id, &ListName::parse("renamed").unwrap())
        .await
        .unwrap();
    assert_eq!(renamed.name, "renamed");
    assert_eq!(renamed.created_at, first.created_at);
    assert!(renamed.updated_at >= first.updated_at);
    assert_eq!(partition.list(&first.id).await.unwrap(), renamed);

    let bob_member = Member {
        user_id: bob.clone(),
        email: "bob@example.com".into(),
        role: Role::Member,
    };
    partition.add_member(&first.id, &bob_member).await.unwrap();
    let again = partition
        .add_member(&first.id, &bob_member)
        .await
        .unwrap_err();
    assert!(matches!(again, ApiError::Conflict(_)), "{again:?}");
    pool.put_membership(&bob, &Membership::of(&renamed, Role::Member))
        .await
        .unwrap();
    let members = partition.members(&first.id).await.unwrap();
    let mut roles: Vec<_> = members
        .iter()
        .map(|m| (m.user_id.as_str(), m.role))
        .collect();
    roles.sort_unstable();
    assert_eq!(roles, [("alice", Role::Owner), ("bob", Role::Member)]);
    assert_eq!(
        partition.member(&first.id, &bob).await.unwrap(),
        Some(bob_member)
    );

    // Renaming copies the name into every index entry that still exists.
    pool.rename_membership(&bob, &first.id, "shared name", renamed.updated_at)
        .await
        .unwrap();
    assert_eq!(
        pool.membership(&bob, &first.id)
            .await
            .unwrap()
            .unwrap()
            .name,
        "shared name"
    );
    let stranger = user("stranger");
    pool.rename_membership(&stranger, &first.id, "x", renamed.updated_at)
        .await
        .unwrap();
    assert_eq!(
        pool.membership(&stranger, &first.id).await.unwrap(),
        None,
        "a rename never creates an entry"
    );

    pool.remove_membership(&bob, &first.id).await.unwrap();
    partition.remove_member(&first.id, &bob).await.unwrap();
    assert_eq!(pool.membership(&bob, &first.id).await.unwrap(), None);
    assert_eq!(partition.member(&first.id, &bob).await.unwrap(), None);
    // Removing what is gone is not an error.
    pool.remove_membership(&bob, &first.id).await.unwrap();
    partition.remove_member(&first.id, &bob).await.unwrap();

    // A list never created is not found: the pool opens its (empty) partition, the silo
    // has no table to open.
    let missing = TenantId::generate();
    let error = match pool.open(&missing).await {
        Ok(empty) => empty.list(&missing).await.unwrap_err(),
        Err(error) => error,
    };
    assert!(matches!(error, ApiError::NotFound(_)), "{error:?}");
}

/// Todos start at version 1, grow by one per write, and a write based on an old version is
/// refused with Conflict and changes nothing.
pub async fn todos_are_versioned(pool: &dyn PoolStore, tables: Option<&dyn TenantProvisioner>) {
    let list = create_list(pool, tables, &user("alice"), "l").await;
    let tenant = &list.id;
    let partition = pool.open(tenant).await.unwrap();
    assert!(partition.todos(tenant).await.unwrap().is_empty());

    let mut created = Vec::new();
    for title in ["a", "b", "c"] {
        let todo = partition
            .create_todo(tenant, new_todo(title))
            .await
            .unwrap();
        assert_eq!(todo.version, 1);
        created.push(todo);
    }
    assert_eq!(partition.todos(tenant).await.unwrap(), created);
    let id = created[0].todo.id;
    assert_eq!(partition.todo(tenant, id).await.unwrap(), created[0]);

    let done = TodoPatch::new(None, Some(true)).unwrap();
    let v2 = partition
        .update_todo(tenant, id, &done, None)
        .await
        .unwrap();
    assert_eq!((v2.version, v2.todo.done), (2, true));
    let rename = TodoPatch::new(Some(Title::parse("A").unwrap()), None).unwrap();
    let v3 = partition
        .update_todo(tenant, id, &rename, Some(2))
        .await
        .unwrap();
    assert_eq!((v3.version, v3.todo.title.as_str()), (3, "A"));

    let stale = partition
        .update_todo(tenant, id, &done, Some(2))
        .await
        .unwrap_err();
    assert!(matches!(stale, ApiError::Conflict(_)), "{stale:?}");
    assert!(stale.to_string().contains("version 3"), "{stale}");
    let stale = partition
        .delete_todo(tenant, id, Some(1))
        .await
        .unwrap_err();
    assert!(matches!(stale, ApiError::Conflict(_)), "{stale:?}");
    assert_eq!(
        partition.todo(tenant, id).await.unwrap(),
        v3,
        "refused writes change nothing"
    );

    partition.delete_todo(tenant, id, Some(3)).await.unwrap();
    partition
        .delete_todo(tenant, created[1].todo.id, None)
        .await
        .unwrap();
    assert_eq!(partition.todos(tenant).await.unwrap(), created[2..]);

    let missing = TodoId::generate();
    for error in [
        partition.todo(tenant, missing).await.unwrap_err(),
        partition
            .update_todo(tenant, missing, &done, None)
            .await
            .unwrap_err(),
        partition
            .update_todo(tenant, missing, &done, Some(1))
            .await
            .unwrap_err(),
        partition
            .delete_todo(tenant, missing, None)
            .await
            .unwrap_err(),
        partition
            .delete_todo(tenant, missing, Some(1))
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(error, ApiError::NotFound(_)), "{error:?}");
    }
    assert_eq!(
        partition.todos(tenant).await.unwrap().len(),
        1,
        "a failed update leaves no partial item"
    );
}

/// A handle scoped to one tenant refuses every call that names another — the handler bug
/// that tenant-scoped credentials exist to contain — and the other tenant's items stay
/// untouched.
pub async fn a_handle_refuses_other_tenants(
    pool: &dyn PoolStore,
    tables: Option<&dyn TenantProvisioner>,
) {
    let alice = user("alice");
    let mine = create_list(pool, tables, &alice, "mine").await;
    let theirs = create_list(pool, tables, &user("mallory-victim"), "theirs").await;
    let their_partition = pool.open(&theirs.id).await.unwrap();
    let secret = their_partition
        .create_todo(&theirs.id, new_todo("secret"))
        .await
        .unwrap();
    let their_members = their_partition.members(&theirs.id).await.unwrap();

    let handle = pool.open(&mine.id).await.unwrap();
    let other = &theirs.id;
    let patch = TodoPatch::new(None, Some(true)).unwrap();
    let intruder = Member {
        user_id: alice.clone(),
        email: "alice@example.com".into(),
        role: Role::Owner,
    };
    let forged_list = ListRecord {
        id: other.clone(),
        ..mine.clone()
    };
    let id = secret.todo.id;
    let refusals = [
        ("list", handle.list(other).await.err()),
        (
            "rename_list",
            handle
                .rename_list(other, &ListName::parse("pwned").unwrap())
                .await
                .err(),
        ),
        ("members", handle.members(other).await.err()),
        ("member", handle.member(other, &alice).await.err()),
        (
            "add_member",
            handle.add_member(other, &intruder).await.err(),
        ),
        (
            "remove_member",
            handle
                .remove_member(other, &their_members[0].user_id)
                .await
                .err(),
        ),
        ("todos", handle.todos(other).await.err()),
        (
            "create_todo",
            handle.create_todo(other, new_todo("x")).await.err(),
        ),
        ("todo", handle.todo(other, id).await.err()),
        (
            "update_todo",
            handle.update_todo(other, id, &patch, None).await.err(),
        ),
        (
            "delete_todo",
            handle.delete_todo(other, id, None).await.err(),
        ),
        (
            "delete_partition",
            handle.delete_partition(other).await.err(),
        ),
        (
            "create_list",
            handle.create_list(&forged_list, &intruder).await.err(),
        ),
    ];
    for (call, error) in refusals {
        let error = error.unwrap_or_else(|| panic!("{call} on another tenant succeeded"));
        assert!(error.is_internal(), "{call}: {error:?}");
        assert!(
            error.to_string().contains("tenant scope violation"),
            "{call}: {error}"
        );
    }
    assert_eq!(their_partition.todos(&theirs.id).await.unwrap(), [secret]);
    assert_eq!(their_partition.list(&theirs.id).await.unwrap(), theirs);
    assert_eq!(
        their_partition.members(&theirs.id).await.unwrap(),
        their_members
    );
}

/// Deleting a partition removes every item of it, however many, and nothing else.
pub async fn delete_partition_removes_everything(
    pool: &dyn PoolStore,
    tables: Option<&dyn TenantProvisioner>,
) {
    let owner = user("owner");
    let doomed = create_list(pool, tables, &owner, "doomed").await;
    let kept = create_list(pool, tables, &owner, "kept").await;
    let partition = pool.open(&doomed.id).await.unwrap();
    for n in 0..30 {
        partition
            .create_todo(&doomed.id, new_todo(&format!("todo {n}")))
            .await
            .unwrap();
    }
    let kept_partition = pool.open(&kept.id).await.unwrap();
    let kept_todo = kept_partition
        .create_todo(&kept.id, new_todo("stays"))
        .await
        .unwrap();

    partition.delete_partition(&doomed.id).await.unwrap();
    assert!(partition.todos(&doomed.id).await.unwrap().is_empty());
    assert!(partition.members(&doomed.id).await.unwrap().is_empty());
    assert!(matches!(
        partition.list(&doomed.id).await.unwrap_err(),
        ApiError::NotFound(_)
    ));
    assert_eq!(kept_partition.todos(&kept.id).await.unwrap(), [kept_todo]);
    assert_eq!(kept_partition.list(&kept.id).await.unwrap(), kept);
}
