//! `DynamoStore` against a real DynamoDB API, served by a private moto server per test.

use todo_domain::{ApiError, NewTodo, TenantId, Title, TodoId, TodoPatch};
use todo_storage::{DynamoStore, TodoStore};
use todo_test_support::{MotoDynamo, TABLE_NAME};

fn new_todo(title: &str) -> NewTodo {
    NewTodo {
        title: Title::parse(title).unwrap(),
    }
}

#[tokio::test]
async fn create_list_get_update_delete() {
    let moto = MotoDynamo::start().await;
    let store = DynamoStore::new(moto.client(), TABLE_NAME);
    let tenant = TenantId::default();
    assert!(store.list(&tenant).await.unwrap().is_empty());

    let titles = ["first", "second", "third"];
    let mut created = Vec::new();
    for title in titles {
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
    let remaining: Vec<_> = store.list(&tenant).await.unwrap();
    assert_eq!(remaining, [created[0].clone(), created[2].clone()]);
    let error = store.get(&tenant, second.id).await.unwrap_err();
    assert!(matches!(error, ApiError::NotFound(_)), "{error:?}");
}

#[tokio::test]
async fn missing_ids_are_not_found_and_nothing_is_created() {
    let moto = MotoDynamo::start().await;
    let store = DynamoStore::new(moto.client(), TABLE_NAME);
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

#[tokio::test]
async fn list_follows_pagination_and_keeps_tenants_apart() {
    let moto = MotoDynamo::start().await;
    // Two items a page: seven todos take four pages, the last one partial.
    let store = DynamoStore::new(moto.client(), TABLE_NAME).with_page_limit(2);
    let alice = TenantId::new("alice").unwrap();
    let bob = TenantId::new("bob").unwrap();

    let mut created = Vec::new();
    for n in 0..7 {
        created.push(
            store
                .create(&alice, new_todo(&format!("todo {n}")))
                .await
                .unwrap(),
        );
    }
    let bobs = store.create(&bob, new_todo("bob's")).await.unwrap();

    assert_eq!(store.list(&alice).await.unwrap(), created);
    assert_eq!(store.list(&bob).await.unwrap(), std::slice::from_ref(&bobs));
    let cross = store.get(&alice, bobs.id).await.unwrap_err();
    assert!(matches!(cross, ApiError::NotFound(_)), "{cross:?}");
    let cross_delete = store.delete(&alice, bobs.id).await.unwrap_err();
    assert!(
        matches!(cross_delete, ApiError::NotFound(_)),
        "{cross_delete:?}"
    );
}

#[tokio::test]
async fn sdk_failures_are_internal_errors_that_name_the_table() {
    let moto = MotoDynamo::start().await;
    let store = DynamoStore::new(moto.client(), "no-such-table");
    let error = store.list(&TenantId::default()).await.unwrap_err();
    assert!(error.is_internal(), "{error:?}");
    assert!(error.to_string().contains("no-such-table"), "{error}");
    assert!(!error.public_message().contains("no-such-table"));
}
