//! `DynamoPool` against a real DynamoDB API and STS, served by a private moto server per
//! test, with tenant-scoped clients from AssumeRole.

mod pool_contract;

use todo_storage::DynamoPool;
use todo_tenancy::{TenancyConfig, TenantCredentials};
use todo_test_support::{MotoDynamo, TABLE_ARN, TABLE_NAME, TENANT_ROLE_ARN};

fn pool(moto: &MotoDynamo) -> DynamoPool {
    let sdk_config = moto.sdk_config();
    let credentials = TenantCredentials::new(
        aws_sdk_sts::Client::new(&sdk_config),
        TenancyConfig {
            tenant_role_arn: TENANT_ROLE_ARN.to_owned(),
            table_arn: TABLE_ARN.to_owned(),
        },
    );
    // Two items a page, so every Query follows pagination.
    DynamoPool::new(&sdk_config, TABLE_NAME, credentials).with_page_limit(2)
}

#[tokio::test]
async fn lists_index_and_members() {
    let moto = MotoDynamo::start().await;
    pool_contract::lists_index_and_members(&pool(&moto), None).await;
}

#[tokio::test]
async fn todos_are_versioned() {
    let moto = MotoDynamo::start().await;
    pool_contract::todos_are_versioned(&pool(&moto), None).await;
}

#[tokio::test]
async fn a_handle_refuses_other_tenants() {
    let moto = MotoDynamo::start().await;
    pool_contract::a_handle_refuses_other_tenants(&pool(&moto), None).await;
}

#[tokio::test]
async fn delete_partition_removes_everything() {
    let moto = MotoDynamo::start().await;
    pool_contract::delete_partition_removes_everything(&pool(&moto), None).await;
}

#[tokio::test]
async fn tenant_requests_use_the_tenants_assumed_role_session() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let moto = MotoDynamo::start().await;
    let pool = pool(&moto);
    let owner = pool_contract::user("owner");
    let list = pool_contract::create_list(&pool, None, &owner, "l").await;
    // The credentials that the partition's client signs with are the tenant's assumed-role
    // session, not the base credentials ("testing").
    let credentials = pool
        .credentials()
        .unwrap()
        .for_tenant(&list.id)
        .await
        .unwrap();
    assert_ne!(credentials.access_key_id(), "testing");
    assert!(credentials.session_token().is_some());
    // And the items are where the layout says.
    let item = moto
        .client()
        .get_item()
        .table_name(TABLE_NAME)
        .key("pk", AttributeValue::S(format!("TENANT#{}", list.id)))
        .key("sk", AttributeValue::S("LIST".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["ownerSub"], AttributeValue::S("owner".into()));
    let index = moto
        .client()
        .get_item()
        .table_name(TABLE_NAME)
        .key("pk", AttributeValue::S("USER#owner".into()))
        .key("sk", AttributeValue::S(format!("LIST#{}", list.id)))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(index["role"], AttributeValue::S("owner".into()));
}

#[tokio::test]
async fn an_index_only_pool_reads_the_index_and_opens_no_tenant() {
    use todo_storage::{MembershipIndex, TenantPartitions};
    let moto = MotoDynamo::start().await;
    let owner = pool_contract::user("owner");
    let list = pool_contract::create_list(&pool(&moto), None, &owner, "l").await;
    let index = DynamoPool::index_only(&moto.sdk_config(), TABLE_NAME);
    assert!(index.credentials().is_none());
    let entries = index.memberships(&owner).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].list_id, list.id);
    let Err(error) = index.open(&list.id).await else {
        panic!("an index-only pool opened a tenant");
    };
    assert!(error.is_internal());
    assert!(error.to_string().contains("index-only"), "{error}");
}
