//! What every `TodoStore` must do, written once and run against each implementation
//! (`tests/memory.rs`, `tests/dynamo.rs`), so the in-memory fake cannot drift from DynamoDB.

use todo_domain::{ApiError, NewTodo, TenantId, Title, TodoId, TodoPatch};
use todo_storage::TodoStore;

pub fn new_todo(title: &str) -> NewTodo {
    NewTodo {
        title: Title::parse(title).unwrap(),
    }
}

/// Create three, list them in creation order, get, rename, complete, delete.
pub async fn create_list_get_update_delete(store: &dyn TodoStore) {
    let tenant = TenantId::default();
    assert!(store.list(&tenant).await.unwrap().is_empty());

    let mut created = Vec::new();
    for title in ["first", "second", "third"] {
        created.push(store.create(&tenant, new_todo(title)).await.unwrap());
    }
    assert_eq!(
        store.list(&tenant).await.unwrap(),
        created,
        "creation order"
    );

    let second = &created[1];
    assert_eq!(&store.get(&tenant, second.id).await.unwrap(), second);

    let rename = TodoPatch::new(Some(Title::parse("2nd").unwrap()), None).unwrap();
    let renamed = store.update(&tenant, second.id, &rename).await.unwrap();
    assert_eq!((renamed.title.as_str(), renamed.done), ("2nd", false));
    let finish = TodoPatch::new(None, Some(true)).unwrap();
    let finished = store.update(&tenant, second.id, &finish).await.unwrap();
    assert_eq!((finished.title.as_str(), finished.done), ("2nd", true));
    assert_eq!(finished.created_at, second.created_at);
    assert!(finished.updated_at >= second.updated_at);
    assert_eq!(store.get(&tenant, second.id).await.unwrap(), finished);

    store.delete(&tenant, second.id).await.unwrap();
    let remaining = store.list(&tenant).await.unwrap();
    assert_eq!(remaining, [created[0].clone(), created[2].clone()]);
    let error = store.get(&tenant, second.id).await.unwrap_err();
    assert!(matches!(error, ApiError::NotFound(_)), "{error:?}");
}

/// Get, update and delete of an unknown id are NotFound and leave nothing behind.
pub async fn missing_ids_are_not_found(store: &dyn TodoStore) {
    let tenant = TenantId::default();
    let missing = TodoId::generate();

    let patch = TodoPatch::new(None, Some(true)).unwrap();
    let update = store.update(&tenant, missing, &patch).await.unwrap_err();
    assert!(matches!(update, ApiError::NotFound(_)), "{update:?}");
    let delete = store.delete(&tenant, missing).await.unwrap_err();
    assert!(matches!(delete, ApiError::NotFound(_)), "{delete:?}");
    let get = store.get(&tenant, missing).await.unwrap_err();
    assert!(matches!(get, ApiError::NotFound(_)), "{get:?}");
    assert!(
        store.list(&tenant).await.unwrap().is_empty(),
        "a failed update must not leave a partial item behind"
    );
}

/// One tenant can neither list, read, change nor delete another tenant's todos.
pub async fn tenants_do_not_see_each_other(store: &dyn TodoStore) {
    let alice = TenantId::new("alice").unwrap();
    let bob = TenantId::new("bob").unwrap();
    let secret = store.create(&alice, new_todo("secret")).await.unwrap();

    assert!(store.list(&bob).await.unwrap().is_empty());
    let read = store.get(&bob, secret.id).await.unwrap_err();
    assert!(matches!(read, ApiError::NotFound(_)), "{read:?}");
    let patch = TodoPatch::new(None, Some(true)).unwrap();
    let write = store.update(&bob, secret.id, &patch).await.unwrap_err();
    assert!(matches!(write, ApiError::NotFound(_)), "{write:?}");
    let delete = store.delete(&bob, secret.id).await.unwrap_err();
    assert!(matches!(delete, ApiError::NotFound(_)), "{delete:?}");
    assert_eq!(
        store.list(&alice).await.unwrap(),
        [secret],
        "alice's todo is untouched"
    );
}
