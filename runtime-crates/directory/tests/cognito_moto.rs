//! `CognitoDirectory` against moto's Cognito: real users, found by email with ListUsers.

#![cfg(feature = "cognito")]

use serde_json::json;
use todo_directory::{CognitoDirectory, UserDirectory};
use todo_domain::Email;
use todo_test_support::MotoCognito;

const PASSWORD: &str = "Correct-Horse-Battery-9";

#[tokio::test]
async fn finds_confirmed_users_by_email_and_nobody_else() {
    let cognito = MotoCognito::start().await;
    let pool_id = cognito.create_user_pool("todo-users").await;
    let client_id = cognito.create_app_client(&pool_id, "spa").await;
    let bob = cognito
        .create_confirmed_user(&pool_id, &client_id, "bob@example.com", PASSWORD)
        .await;
    // Signed up but never confirmed: not someone to share with yet.
    cognito
        .call(
            "SignUp",
            json!({
                "ClientId": client_id,
                "Username": "eve@example.com",
                "Password": PASSWORD,
                "UserAttributes": [{ "Name": "email", "Value": "eve@example.com" }],
            }),
        )
        .await
        .unwrap();
    let client = aws_sdk_cognitoidentityprovider::Client::new(&cognito.sdk_config());
    let directory = CognitoDirectory::new(client, &pool_id);

    let email = |text: &str| Email::parse(text).unwrap();
    let found = directory
        .find_by_email(&email("bob@example.com"))
        .await
        .unwrap()
        .expect("bob is registered");
    assert_eq!(found.user_id.as_str(), bob);
    assert_eq!(found.email, "bob@example.com");
    let typed_in_caps = directory
        .find_by_email(&email("Bob@Example.COM"))
        .await
        .unwrap();
    assert_eq!(typed_in_caps, Some(found));

    for nobody in ["carol@example.com", "eve@example.com", "bob@example.co"] {
        assert_eq!(
            directory.find_by_email(&email(nobody)).await.unwrap(),
            None,
            "{nobody}"
        );
    }

    let elsewhere = CognitoDirectory::new(
        aws_sdk_cognitoidentityprovider::Client::new(&cognito.sdk_config()),
        "us-east-1_NoSuchPool",
    );
    let error = elsewhere
        .find_by_email(&email("bob@example.com"))
        .await
        .unwrap_err();
    assert!(error.is_internal(), "{error:?}");
    assert!(
        error.to_string().contains("us-east-1_NoSuchPool"),
        "{error}"
    );
}
