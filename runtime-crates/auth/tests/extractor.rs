//! The `Caller` extractor in a tiny axum router: JSON 401s with a Bearer challenge for
//! every bad request, the caller for a good one.

mod common;

use axum::body::{Body, to_bytes};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use common::{JwksServer, TestKey, TestPool, id_claims, now};
use serde_json::{Value, json};
use todo_auth::{Caller, TokenVerifier};
use tower::ServiceExt;

async fn whoami(caller: Caller) -> Json<Caller> {
    Json(caller)
}

fn router(verifier: TokenVerifier) -> Router {
    Router::new().route("/me", get(whoami)).with_state(verifier)
}

struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    content_type: Option<String>,
    body: Value,
}

async fn get_me(router: &Router, authorization: Option<&str>) -> Answer {
    let mut request = Request::get("/me");
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let (challenge, content_type) = (header(WWW_AUTHENTICATE), header(CONTENT_TYPE));
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
    Answer {
        status,
        challenge,
        content_type,
        body: serde_json::from_slice(&bytes).expect("the body is JSON"),
    }
}

fn assert_unauthorized(answer: &Answer, challenge: &str, message_part: &str) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    assert_eq!(answer.challenge.as_deref(), Some(challenge));
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(answer.body["error"], "unauthorized");
    let message = answer.body["message"].as_str().unwrap();
    assert!(message.contains(message_part), "{message}");
    assert_eq!(answer.body.as_object().unwrap().len(), 2, "{}", answer.body);
}

#[tokio::test]
async fn no_token_is_a_401_with_a_bare_bearer_challenge() {
    let jwks = JwksServer::start(&[&TestKey::first()]).await;
    let answer = get_me(&router(jwks.verifier()), None).await;
    assert_unauthorized(&answer, "Bearer", "Authorization: Bearer");
}

#[tokio::test]
async fn a_garbage_or_non_bearer_token_is_a_401() {
    let jwks = JwksServer::start(&[&TestKey::first()]).await;
    let router = router(jwks.verifier());
    for authorization in [
        "Bearer garbage",
        "Bearer a.b.c",
        "Basic dXNlcjpwYXNz",
        "Bearer",
    ] {
        let answer = get_me(&router, Some(authorization)).await;
        assert_unauthorized(
            &answer,
            r#"Bearer error="invalid_token""#,
            "malformed token",
        );
    }
}

#[tokio::test]
async fn an_expired_token_is_a_401_that_says_so() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let mut claims = id_claims();
    claims["exp"] = json!(now() - 3600);
    let answer = get_me(
        &router(jwks.verifier()),
        Some(&format!("Bearer {}", key.sign(&claims))),
    )
    .await;
    assert_unauthorized(&answer, r#"Bearer error="invalid_token""#, "expired");
}

#[tokio::test]
async fn a_token_signed_by_another_key_is_a_401_with_a_short_reason() {
    let (published, impostor) = (TestKey::first(), TestKey::second());
    let jwks = JwksServer::start(&[&published]).await;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(published.kid.to_owned());
    let token = jsonwebtoken::encode(&header, &id_claims(), &impostor.private).unwrap();
    let answer = get_me(&router(jwks.verifier()), Some(&format!("Bearer {token}"))).await;
    assert_unauthorized(&answer, r#"Bearer error="invalid_token""#, "bad signature");
    assert_eq!(answer.body["message"], "invalid token: bad signature");
}

#[tokio::test]
async fn a_good_token_reaches_the_handler_with_the_caller() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let answer = get_me(
        &router(jwks.verifier()),
        Some(&format!("Bearer {}", key.sign(&id_claims()))),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.challenge, None);
    assert_eq!(
        answer.body,
        json!({
            "sub": "4f1c2a2e-0000-4000-8000-000000000001",
            "email": "alice@example.com",
            "username": "4f1c2a2e-0000-4000-8000-000000000001",
        })
    );
}

#[tokio::test]
async fn unreachable_keys_are_a_json_503_without_a_challenge() {
    let key = TestKey::first();
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", closed.local_addr().unwrap());
    drop(closed);
    let verifier = TokenVerifier::new(
        todo_auth::AuthConfig::cognito(common::REGION, common::POOL_ID, common::CLIENT_ID)
            .with_jwks_url(url),
    )
    .unwrap();
    let answer = get_me(
        &router(verifier),
        Some(&format!("Bearer {}", key.sign(&id_claims()))),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.challenge, None);
    assert_eq!(answer.body["error"], "auth_unavailable");
}
