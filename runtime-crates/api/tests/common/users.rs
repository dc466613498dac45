//! The signed-in tests' users and their ID tokens: signed by todo-test-support's test key,
//! with the claims the pre-token-generation trigger gives them, and issued afresh before
//! every request where a test wants the claims to follow each change.

use std::future::Future;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value, json};
use todo_api::{AuthConfig, MemoryDirectory, TokenVerifier};
use todo_claims::TokenTrigger;
use todo_domain::UserId;
use todo_test_support::tokens::{CLIENT_ID, JwksServer, POOL_ID, REGION, TestKey, id_claims};

use super::Api;
use super::lists::User;

/// The users, `(sub, email)`: alice, bob and mallory.
pub const USERS: [(&str, &str); 3] = [
    ("0190b8a4-0000-7000-8000-00000000a11c", "alice@example.com"),
    ("0190b8a4-0000-7000-8000-000000000b0b", "bob@example.com"),
    (
        "0190b8a4-0000-7000-8000-0000000e7e11",
        "mallory@example.com",
    ),
];

/// The test key, the JWKS server that publishes it, and the configuration of a verifier
/// that trusts it.
pub struct SignIn {
    pub key: TestKey,
    pub jwks: JwksServer,
    pub config: AuthConfig,
}

impl SignIn {
    pub async fn start() -> Self {
        let key = TestKey::first();
        let jwks = JwksServer::start(&[&key]).await;
        let config = AuthConfig::cognito(REGION, POOL_ID, CLIENT_ID).with_jwks_url(&jwks.url);
        Self { key, jwks, config }
    }

    /// A verifier of the test key's tokens.
    pub fn verifier(&self) -> TokenVerifier {
        TokenVerifier::new(self.config.clone()).unwrap()
    }

    /// An ID token of user `n`, with `extra` claims.
    pub fn token(&self, n: usize, extra: impl IntoIterator<Item = (String, Value)>) -> String {
        let (sub, email) = USERS[n];
        let mut claims = id_claims();
        claims["sub"] = json!(sub);
        claims["cognito:username"] = json!(sub);
        claims["email"] = json!(email);
        for (name, value) in extra {
            claims[name] = value;
        }
        self.key.sign(&claims)
    }
}

/// A directory that finds every one of [`USERS`] by email.
pub fn directory() -> MemoryDirectory {
    let directory = MemoryDirectory::new();
    for (sub, email) in USERS {
        directory.add(UserId::new(sub).unwrap(), email);
    }
    directory
}

/// User `n` calling `api` with `token`.
pub fn user(api: &Api, n: usize, token: &str) -> User {
    let (sub, email) = USERS[n];
    User {
        api: api.with_token(token),
        id: sub.to_owned(),
        email: email.to_owned(),
    }
}

/// The claims `trigger` adds to user `n`'s ID token now, as at sign-in or refresh.
pub async fn trigger_claims(trigger: &TokenTrigger, n: usize) -> Map<String, Value> {
    let (sub, _) = USERS[n];
    let mut event: Value = serde_json::from_str(include_str!(
        "../../../claims/tests/fixtures/v1-authentication.event.json"
    ))
    .unwrap();
    event["userName"] = json!(sub);
    event["request"]["userAttributes"]["sub"] = json!(sub);
    let answer = trigger.handle(event).await.unwrap();
    answer["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]
        .as_object()
        .expect("the trigger added claims")
        .clone()
}

/// Replaces a placeholder token `user-<n>` with `token(n)`, issued now, as if the SPA
/// refreshed its session before every request; for a middleware outside the router, so
/// that issuing the token is no part of the request the API serves.
pub async fn with_fresh_token<F, T>(mut request: Request, next: Next, token: F) -> Response
where
    F: FnOnce(usize) -> T,
    T: Future<Output = String>,
{
    let user = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer user-"))
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(n) = user {
        let token = token(n).await;
        request.headers_mut().insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
    }
    next.run(request).await
}
