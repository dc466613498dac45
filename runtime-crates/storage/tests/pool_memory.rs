//! `MemoryPool` against the pool contract.

mod pool_contract;

use todo_storage::MemoryPool;

#[tokio::test]
async fn lists_index_and_members() {
    pool_contract::lists_index_and_members(&MemoryPool::new(), None).await;
}

#[tokio::test]
async fn todos_are_versioned() {
    pool_contract::todos_are_versioned(&MemoryPool::new(), None).await;
}

#[tokio::test]
async fn a_handle_refuses_other_tenants() {
    pool_contract::a_handle_refuses_other_tenants(&MemoryPool::new(), None).await;
}

#[tokio::test]
async fn delete_partition_removes_everything() {
    let pool = MemoryPool::new();
    pool_contract::delete_partition_removes_everything(&pool, None).await;
    // The two lists' owner index entries (the list itself is the API's to unindex) and the
    // kept list's record, owner and todo.
    assert_eq!(pool.item_count(), 2 + 3);
}
