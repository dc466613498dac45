//! `MemorySiloPool` against the pool contract, and the silo's table lifecycle in memory:
//! a new table is "preparing" (503, retry) before it is active; a deleted one is gone.

mod pool_contract;

use todo_domain::{ApiError, TenantId};
use todo_storage::{
    MemoryProvisioner, MemorySiloPool, TableStatus, TenantPartitions, TenantProvisioner, Tier,
};

#[tokio::test]
async fn lists_index_and_members() {
    let pool = MemorySiloPool::new();
    pool_contract::lists_index_and_members(&pool, Some(&pool)).await;
}

#[tokio::test]
async fn todos_are_versioned() {
    let pool = MemorySiloPool::new();
    pool_contract::todos_are_versioned(&pool, Some(&pool)).await;
}

#[tokio::test]
async fn a_handle_refuses_other_tenants() {
    let pool = MemorySiloPool::new();
    pool_contract::a_handle_refuses_other_tenants(&pool, Some(&pool)).await;
}

#[tokio::test]
async fn delete_partition_removes_everything() {
    let pool = MemorySiloPool::new();
    pool_contract::delete_partition_removes_everything(&pool, Some(&pool)).await;
    // The two owner index entries, and the kept list's record, owner and todo; the doomed
    // list's table is empty (deleting the table is the provisioner's job).
    assert_eq!(pool.item_count(), 2 + 3);
    assert_eq!(pool.tables().table_count(), 2);
}

#[tokio::test]
async fn a_new_table_is_preparing_until_it_is_active() {
    let pool = MemorySiloPool::with_tables(MemoryProvisioner::new().with_preparing_calls(2));
    let tenant = TenantId::generate();
    pool.provision(&tenant, &Tier::default()).await.unwrap();
    for _ in 0..2 {
        let Err(error) = pool.open(&tenant).await else {
            panic!("a preparing table was opened");
        };
        assert!(matches!(error, ApiError::Unavailable { .. }), "{error:?}");
        assert_eq!(error.status(), 503);
        assert_eq!(error.retry_after_secs(), Some(2));
        assert_eq!(
            error.public_message(),
            format!("list {tenant} is being prepared; try again in a few seconds")
        );
    }
    let handle = pool.open(&tenant).await.unwrap();
    assert_eq!(handle.scope(), &tenant);
    // Once seen active, it is not asked again.
    assert_eq!(pool.status(&tenant).await.unwrap(), TableStatus::Active);
    pool.open(&tenant).await.unwrap();
}

#[tokio::test]
async fn provisioning_twice_keeps_the_table_its_tier_and_its_items() {
    let pool = MemorySiloPool::new();
    let owner = pool_contract::user("owner");
    let list = pool_contract::create_list(&pool, Some(&pool), &owner, "l").await;
    let small = Tier {
        max_read_units: 5,
        max_write_units: 1,
    };
    pool.provision(&list.id, &small).await.unwrap();
    assert_eq!(pool.tables().tier(&list.id), Some(Tier::STANDARD));
    let handle = pool.open(&list.id).await.unwrap();
    assert_eq!(handle.list(&list.id).await.unwrap(), list);
    assert_eq!(pool.tables().table_count(), 1);
}

#[tokio::test]
async fn deprovisioning_removes_the_table_and_is_idempotent() {
    let pool = MemorySiloPool::new();
    let owner = pool_contract::user("owner");
    let list = pool_contract::create_list(&pool, Some(&pool), &owner, "l").await;
    pool.open(&list.id).await.unwrap();
    pool.deprovision(&list.id).await.unwrap();
    assert_eq!(pool.status(&list.id).await.unwrap(), TableStatus::Missing);
    assert_eq!(pool.tables().table_count(), 0);
    let Err(error) = pool.open(&list.id).await else {
        panic!("a deleted list's table was opened");
    };
    assert!(matches!(error, ApiError::NotFound(_)), "{error:?}");
    pool.deprovision(&list.id).await.unwrap();
}

#[tokio::test]
async fn a_tier_of_zero_units_is_refused() {
    let tables = MemoryProvisioner::new();
    let zero = Tier {
        max_read_units: 0,
        max_write_units: 0,
    };
    let error = tables
        .provision(&TenantId::generate(), &zero)
        .await
        .unwrap_err();
    assert!(error.is_internal(), "{error:?}");
    assert_eq!(tables.table_count(), 0);
}
