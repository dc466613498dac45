//! The whole HTTP API on `DynamoStore`, against DynamoDB served by a private moto server.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use common::{Api, crud_lifecycle};
use serde_json::json;
use todo_storage::DynamoStore;
use todo_test_support::{MotoDynamo, TABLE_NAME};

#[tokio::test]
async fn every_endpoint_works_on_dynamodb() {
    let moto = MotoDynamo::start().await;
    // A tiny page size makes the list endpoint follow DynamoDB pagination too.
    let store = DynamoStore::new(moto.client(), TABLE_NAME).with_page_limit(2);
    let api = Api::new(Arc::new(store));
    crud_lifecycle(&api).await;

    let missing = "/todos/0190b8a4-7f3e-7c4d-9a1b-2c3d4e5f6a7b";
    api.json(Method::PATCH, missing, json!({"title": "x"}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    api.call(Method::DELETE, missing)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_broken_table_is_a_generic_500() {
    let moto = MotoDynamo::start().await;
    let api = Api::new(Arc::new(DynamoStore::new(moto.client(), "missing-table")));
    let reply = api.call(Method::GET, "/todos").await;
    reply.assert_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    assert!(!String::from_utf8_lossy(&reply.body).contains("missing-table"));
}
