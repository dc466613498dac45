//! Every verification rule, exercised with tokens signed by todo-test-support's test keys
//! and a JWKS served on a loopback port.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{
    CLIENT_ID, ISSUER, JwksServer, POOL_ID, REGION, TestKey, TestPool, access_claims, id_claims,
    now,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use todo_auth::{AuthConfig, AuthError, Caller, TokenUse, TokenVerifier};

/// The reason a token was refused, as the caller would read it; panics if it was accepted.
async fn refusal(verifier: &TokenVerifier, token: &str) -> AuthError {
    match verifier.verify(token).await {
        Ok(caller) => panic!("the token was accepted as {caller:?}"),
        Err(error) => error,
    }
}

fn assert_invalid(error: AuthError, reason: &str) {
    match &error {
        AuthError::Invalid(found) => assert_eq!(*found, reason),
        other => panic!("expected Invalid({reason:?}), got {other:?}"),
    }
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

#[tokio::test]
async fn a_good_id_token_yields_the_caller() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let caller = jwks
        .verifier()
        .verify(&key.sign(&id_claims()))
        .await
        .unwrap();
    assert_eq!(
        caller,
        Caller {
            sub: "4f1c2a2e-0000-4000-8000-000000000001".to_owned(),
            email: Some("alice@example.com".to_owned()),
            username: "4f1c2a2e-0000-4000-8000-000000000001".to_owned(),
            tenants: None,
            tenants_truncated: None,
        }
    );
}

#[tokio::test]
async fn the_tenant_claims_are_carried_verbatim() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let mut claims = id_claims();
    claims["tenants"] = json!("b a");
    claims["tenants_truncated"] = json!("true");
    let caller = jwks.verifier().verify(&key.sign(&claims)).await.unwrap();
    assert_eq!(caller.tenants.as_deref(), Some("b a"));
    assert_eq!(caller.tenants_truncated.as_deref(), Some("true"));
}

#[tokio::test]
async fn tenant_claims_of_another_shape_are_ignored_not_refused() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    // A V2 trigger may write the ids as an array; other shapes are no better.
    for (tenants, truncated) in [
        (json!(["b", "a"]), json!(true)),
        (json!({ "ids": "a" }), json!(1)),
        (json!(7), json!(["true"])),
        (Value::Null, Value::Null),
    ] {
        let mut claims = id_claims();
        claims["tenants"] = tenants.clone();
        claims["tenants_truncated"] = truncated;
        let caller = jwks
            .verifier()
            .verify(&key.sign(&claims))
            .await
            .unwrap_or_else(|e| panic!("tenants {tenants} refused the token: {e}"));
        assert_eq!(caller.sub, claims["sub"].as_str().unwrap());
        assert_eq!(
            (caller.tenants, caller.tenants_truncated),
            (None, None),
            "{tenants}"
        );
    }
}

#[tokio::test]
async fn the_jwks_is_fetched_once_and_cached() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let verifier = jwks.verifier();
    let clone = verifier.clone();
    for _ in 0..5 {
        verifier.verify(&key.sign(&id_claims())).await.unwrap();
        clone.verify(&key.sign(&id_claims())).await.unwrap();
    }
    assert_eq!(jwks.fetches(), 1);
}

#[tokio::test]
async fn an_expired_token_is_refused_but_the_leeway_is_honoured() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let verifier = jwks.verifier();
    let expired = with(id_claims(), "exp", json!(now() - 120));
    assert!(matches!(
        refusal(&verifier, &key.sign(&expired)).await,
        AuthError::Expired
    ));
    let just_expired = with(id_claims(), "exp", json!(now() - 5));
    verifier.verify(&key.sign(&just_expired)).await.unwrap();
}

#[tokio::test]
async fn a_token_not_valid_yet_is_refused() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let verifier = jwks.verifier();
    let later = now() + 600;
    let not_before = with(id_claims(), "nbf", json!(later));
    assert_invalid(
        refusal(&verifier, &key.sign(&not_before)).await,
        "the token is not valid yet",
    );
    let issued_later = with(id_claims(), "iat", json!(later));
    assert_invalid(
        refusal(&verifier, &key.sign(&issued_later)).await,
        "the token was issued in the future",
    );
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let verifier = jwks.verifier();
    for issuer in [
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool",
        "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_TestPool",
        "https://evil.example.com/us-east-1_TestPool",
    ] {
        let claims = with(id_claims(), "iss", json!(issuer));
        assert_invalid(
            refusal(&verifier, &key.sign(&claims)).await,
            "the token is from another issuer",
        );
    }
    let mut no_issuer = id_claims();
    no_issuer.as_object_mut().unwrap().remove("iss");
    assert_invalid(
        refusal(&verifier, &key.sign(&no_issuer)).await,
        "the token lacks a required claim",
    );
}

#[tokio::test]
async fn a_token_for_another_client_is_refused() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let verifier = jwks.verifier();
    let claims = with(id_claims(), "aud", json!("another-client"));
    assert_invalid(
        refusal(&verifier, &key.sign(&claims)).await,
        "the token is for another app client",
    );
    let mut no_audience = id_claims();
    no_audience.as_object_mut().unwrap().remove("aud");
    assert_invalid(
        refusal(&verifier, &key.sign(&no_audience)).await,
        "the token lacks a required claim",
    );
}

#[tokio::test]
async fn an_access_token_is_refused_where_id_tokens_are_required() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let verifier = jwks.verifier();
    // An access token has no `aud`, so it fails on the required audience first; with one
    // forged in, the `token_use` check still refuses it.
    assert_invalid(
        refusal(&verifier, &key.sign(&access_claims())).await,
        "the token lacks a required claim",
    );
    let with_audience = with(access_claims(), "aud", json!(CLIENT_ID));
    assert_invalid(
        refusal(&verifier, &key.sign(&with_audience)).await,
        "an ID token is required",
    );
}

#[tokio::test]
async fn an_access_verifier_checks_client_id_and_token_use() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let verifier = TokenVerifier::new(jwks.config().with_token_use(TokenUse::Access)).unwrap();
    let caller = verifier.verify(&key.sign(&access_claims())).await.unwrap();
    assert_eq!(caller.username, "4f1c2a2e-0000-4000-8000-000000000001");
    assert_eq!(caller.email, None);
    let other_client = with(access_claims(), "client_id", json!("another-client"));
    assert_invalid(
        refusal(&verifier, &key.sign(&other_client)).await,
        "the token is for another app client",
    );
    assert_invalid(
        refusal(&verifier, &key.sign(&id_claims())).await,
        "an access token is required",
    );
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_but_refetches_are_rate_limited() {
    let (old, new) = (TestKey::first(), TestKey::second());
    let jwks = JwksServer::start(&[&old]).await;
    let verifier = TokenVerifier::new(AuthConfig {
        min_jwks_refetch_interval: Duration::from_millis(300),
        ..jwks.config()
    })
    .unwrap();
    verifier.verify(&old.sign(&id_claims())).await.unwrap();
    assert_eq!(jwks.fetches(), 1);

    // Cognito starts signing with a new key. Right after a fetch, an unknown key id does not
    // cause another one: this is what stops a flood of made-up key ids.
    jwks.publish(&[&old, &new]);
    let from_new_key = new.sign(&id_claims());
    for _ in 0..3 {
        assert_invalid(
            refusal(&verifier, &from_new_key).await,
            "unknown signing key",
        );
    }
    assert_eq!(jwks.fetches(), 1);

    // Once the interval has passed, the unknown key id triggers exactly one refetch.
    tokio::time::sleep(Duration::from_millis(350)).await;
    verifier.verify(&from_new_key).await.unwrap();
    verifier.verify(&old.sign(&id_claims())).await.unwrap();
    assert_eq!(jwks.fetches(), 2);
}

#[tokio::test]
async fn the_default_refetch_interval_is_a_minute() {
    let (old, new) = (TestKey::first(), TestKey::second());
    let jwks = JwksServer::start(&[&old]).await;
    let verifier = jwks.verifier();
    assert_eq!(
        verifier.config().min_jwks_refetch_interval,
        Duration::from_secs(60)
    );
    verifier.verify(&old.sign(&id_claims())).await.unwrap();
    jwks.publish(&[&new]);
    assert_invalid(
        refusal(&verifier, &new.sign(&id_claims())).await,
        "unknown signing key",
    );
    assert_eq!(jwks.fetches(), 1);
}

#[tokio::test]
async fn a_tampered_payload_fails_the_signature() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let token = key.sign(&id_claims());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = with(id_claims(), "sub", json!("someone-else"));
    let forged_payload = URL_SAFE_NO_PAD.encode(forged.to_string());
    let tampered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    assert_invalid(refusal(&jwks.verifier(), &tampered).await, "bad signature");
}

#[tokio::test]
async fn a_token_signed_by_a_key_outside_the_jwks_fails_the_signature() {
    let (published, impostor) = (TestKey::first(), TestKey::second());
    let jwks = JwksServer::start(&[&published]).await;
    // The impostor claims the published key's id.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(published.kid.to_owned());
    let token = jsonwebtoken::encode(&header, &id_claims(), &impostor.private).unwrap();
    assert_invalid(refusal(&jwks.verifier(), &token).await, "bad signature");
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let header = json!({ "alg": "none", "typ": "JWT", "kid": key.kid });
    let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    for token in [
        format!("{}.{}.", encode(&header), encode(&id_claims())),
        format!("{}.{}", encode(&header), encode(&id_claims())),
    ] {
        let error = refusal(&jwks.verifier(), &token).await;
        assert!(
            matches!(error, AuthError::Malformed(_)),
            "{token}: {error:?}"
        );
    }
    assert_eq!(jwks.fetches(), 0, "no key is needed to refuse it");
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_public_key_is_refused() {
    // The classic algorithm confusion: sign with HMAC, using the RSA public key (which
    // anyone can read from the JWKS) as the secret, hoping the verifier uses the key it has
    // with the algorithm the token names.
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let public_pem = TestKey::first_public_pem();
    let modulus = key.jwk()["n"].as_str().unwrap().to_owned();
    for secret in [public_pem, modulus.as_bytes()] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid.to_owned());
        let token =
            jsonwebtoken::encode(&header, &id_claims(), &EncodingKey::from_secret(secret)).unwrap();
        assert_invalid(
            refusal(&jwks.verifier(), &token).await,
            "the token is not signed with RS256",
        );
    }
}

#[tokio::test]
async fn other_rsa_algorithms_are_refused_too() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    for alg in [Algorithm::RS512, Algorithm::PS256] {
        let mut header = Header::new(alg);
        header.kid = Some(key.kid.to_owned());
        let token = jsonwebtoken::encode(&header, &id_claims(), &key.private).unwrap();
        assert_invalid(
            refusal(&jwks.verifier(), &token).await,
            "the token is not signed with RS256",
        );
    }
}

#[tokio::test]
async fn a_token_without_a_key_id_is_refused() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &id_claims(), &key.private).unwrap();
    assert_invalid(
        refusal(&jwks.verifier(), &token).await,
        "the token names no signing key",
    );
}

#[tokio::test]
async fn garbage_is_malformed() {
    let key = TestKey::first();
    let jwks = JwksServer::start(&[&key]).await;
    let verifier = jwks.verifier();
    let huge = "a".repeat(20_000);
    for token in ["", "garbage", "a.b.c", "....", huge.as_str()] {
        let error = refusal(&verifier, token).await;
        assert!(
            matches!(error, AuthError::Malformed(_)),
            "{token:.20}: {error:?}"
        );
    }
}

#[tokio::test]
async fn unreachable_keys_are_a_503_not_a_401() {
    let key = TestKey::first();
    // A port nothing listens on: bind one, then let it go.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", closed.local_addr().unwrap());
    drop(closed);
    let verifier =
        TokenVerifier::new(AuthConfig::cognito(REGION, POOL_ID, CLIENT_ID).with_jwks_url(url))
            .unwrap();
    let token = key.sign(&id_claims());
    for _ in 0..2 {
        let error = refusal(&verifier, &token).await;
        assert!(matches!(error, AuthError::KeysUnavailable(_)), "{error:?}");
        assert_eq!(error.status(), 503);
        assert!(!error.public_message().contains("127.0.0.1"));
    }
    assert!(verifier.refresh_keys().await.is_err());
}

#[tokio::test]
async fn the_issuer_the_tests_use_is_the_one_the_config_derives() {
    assert_eq!(
        AuthConfig::cognito(REGION, POOL_ID, CLIENT_ID).issuer,
        ISSUER
    );
}
