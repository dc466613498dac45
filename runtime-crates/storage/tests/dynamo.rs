//! `DynamoStore` against a real DynamoDB API, served by a private moto server per test.

mod contract;

use contract::new_todo;
use todo_domain::TenantId;
use todo_storage::{DynamoStore, TodoStore};
use todo_test_support::{MotoDynamo, TABLE_NAME};

fn store(moto: &MotoDynamo) -> DynamoStore {
    DynamoStore::new(moto.client(), TABLE_NAME)
}

#[tokio::test]
async fn create_list_get_update_delete() {
    let moto = MotoDynamo::start().await;
    contract::create_list_get_update_delete(&store(&moto)).await;
}

#[tokio::test]
async fn missing_ids_are_not_found() {
    let moto = MotoDynamo::start().await;
    contract::missing_ids_are_not_found(&store(&moto)).await;
}

#[tokio::test]
async fn tenants_do_not_see_each_other() {
    let moto = MotoDynamo::start().await;
    contract::tenants_do_not_see_each_other(&store(&moto)).await;
}

#[tokio::test]
async fn list_follows_pagination() {
    let moto = MotoDynamo::start().await;
    // Two items a page: seven todos take four pages, the last one partial.
    let store = store(&moto).with_page_limit(2);
    let tenant = TenantId::default();
    let mut created = Vec::new();
    for n in 0..7 {
        let todo = new_todo(&format!("todo {n}"));
        created.push(store.create(&tenant, todo).await.unwrap());
    }
    assert_eq!(store.list(&tenant).await.unwrap(), created);
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
