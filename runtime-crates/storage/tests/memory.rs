//! `MemoryStore` against the store contract.

mod contract;

use todo_storage::MemoryStore;

#[tokio::test]
async fn create_list_get_update_delete() {
    contract::create_list_get_update_delete(&MemoryStore::new()).await;
}

#[tokio::test]
async fn missing_ids_are_not_found() {
    contract::missing_ids_are_not_found(&MemoryStore::new()).await;
}

#[tokio::test]
async fn tenants_do_not_see_each_other() {
    contract::tenants_do_not_see_each_other(&MemoryStore::new()).await;
}
