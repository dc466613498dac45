//! Sign-in end to end on emulated AWS: a user signs in on moto's Cognito and uses the API,
//! on DynamoDB served by moto, with the real ID token — configured exactly as the local
//! runner configures a step with sign-in.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use common::{Api, crud_lifecycle};
use serde_json::json;
use todo_api::{AllowedOrigin, AppState, AuthConfig, TodoList, TokenVerifier};
use todo_storage::DynamoStore;
use todo_test_support::{COGNITO_REGION, MotoCognito, MotoDynamo, TABLE_NAME};

const PASSWORD: &str = "Correct-Horse-Battery-9";

/// A user pool with its SPA client and one confirmed user; returns (pool id, client id).
async fn pool_with_user(cognito: &MotoCognito, name: &str, email: &str) -> (String, String) {
    let pool_id = cognito.create_user_pool(name).await;
    let client_id = cognito.create_app_client(&pool_id, "spa").await;
    cognito
        .create_confirmed_user(&pool_id, &client_id, email, PASSWORD)
        .await;
    (pool_id, client_id)
}

/// The verifier a step's `main` builds, from the variables the local runner sets.
fn verifier_from_env(cognito: &MotoCognito, pool_id: &str, client_id: &str) -> TokenVerifier {
    let config = AuthConfig::from_lookup(|name| match name {
        "AWS_REGION" => Some(COGNITO_REGION.to_owned()),
        "COGNITO_USER_POOL_ID" => Some(pool_id.to_owned()),
        "COGNITO_CLIENT_ID" => Some(client_id.to_owned()),
        "COGNITO_JWKS_URL" => Some(cognito.jwks_url(pool_id)),
        _ => None,
    })
    .unwrap();
    TokenVerifier::new(config).unwrap()
}

#[tokio::test]
async fn a_signed_in_user_uses_the_api_on_dynamodb_and_other_pools_are_refused() {
    let (cognito, dynamo) = tokio::join!(MotoCognito::start(), MotoDynamo::start());
    let (pool_id, client_id) = pool_with_user(&cognito, "todo-users", "alice@example.com").await;
    let (_, their_client) = pool_with_user(&cognito, "another-app", "alice@example.com").await;

    let store = DynamoStore::new(dynamo.client(), TABLE_NAME);
    let state = AppState::single_tenant(Arc::new(store))
        .with_sign_in(verifier_from_env(&cognito, &pool_id, &client_id));
    let api = Api::from_state(state, &AllowedOrigin::Any);

    let tokens = cognito
        .sign_in(&client_id, "alice@example.com", PASSWORD)
        .await;
    let alice = api.with_token(&tokens.id_token);
    let created = alice
        .json(Method::POST, "/todos", json!({"title": "sign in on moto"}))
        .await
        .todo(StatusCode::CREATED);
    let listed = alice.call(Method::GET, "/todos").await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    let listed: TodoList = serde_json::from_slice(&listed.body).unwrap();
    assert_eq!(listed.todos, vec![created.clone()]);

    // Refused before DynamoDB is read: no token, the access token (the API takes ID
    // tokens, as API Gateway's Cognito authorizer does), and the same user's ID token
    // from another pool — signed by the same moto key, so only the issuer check stops it.
    let theirs = cognito
        .sign_in(&their_client, "alice@example.com", PASSWORD)
        .await;
    for (case, api) in [
        ("no token", api.clone()),
        ("access token", api.with_token(&tokens.access_token)),
        ("another pool's ID token", api.with_token(&theirs.id_token)),
    ] {
        let reply = api.call(Method::GET, "/todos").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{case}");
        reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
        assert!(reply.headers.contains_key("www-authenticate"), "{case}");
    }

    // The rest of the API with the real token; the todo above is deleted first, so the
    // lifecycle starts from an empty table.
    alice
        .call(Method::DELETE, &format!("/todos/{}", created.id))
        .await;
    crud_lifecycle(&alice).await;
}
