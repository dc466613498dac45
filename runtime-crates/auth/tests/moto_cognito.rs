//! Real Cognito tokens, from moto's emulated user pools, verified against the JWKS moto
//! serves.

use todo_auth::{AuthConfig, AuthError, Caller, TokenUse, TokenVerifier};
use todo_test_support::{COGNITO_REGION, MotoCognito};

const PASSWORD: &str = "Correct-Horse-Battery-9";

/// A pool, its SPA client, and a confirmed user signed in.
struct Pool {
    id: String,
    client_id: String,
    sub: String,
}

async fn pool_with_user(moto: &MotoCognito, name: &str, email: &str) -> Pool {
    let id = moto.create_user_pool(name).await;
    let client_id = moto.create_app_client(&id, "spa").await;
    let sub = moto
        .create_confirmed_user(&id, &client_id, email, PASSWORD)
        .await;
    Pool { id, client_id, sub }
}

fn verifier(moto: &MotoCognito, pool_id: &str, client_id: &str) -> TokenVerifier {
    // Exactly what the local runner will set: the real pool and client ids and the
    // emulator's JWKS URL.
    let config = AuthConfig::from_lookup(|name| match name {
        "AWS_REGION" => Some(COGNITO_REGION.to_owned()),
        "COGNITO_USER_POOL_ID" => Some(pool_id.to_owned()),
        "COGNITO_CLIENT_ID" => Some(client_id.to_owned()),
        "COGNITO_JWKS_URL" => Some(moto.jwks_url(pool_id)),
        _ => None,
    })
    .unwrap();
    assert_eq!(config.issuer, MotoCognito::issuer(pool_id));
    TokenVerifier::new(config).unwrap()
}

fn assert_invalid(result: Result<Caller, AuthError>, reason: &str) {
    match result {
        Err(AuthError::Invalid(found)) => assert_eq!(found, reason),
        other => panic!("expected Invalid({reason:?}), got {other:?}"),
    }
}

#[tokio::test]
async fn a_real_id_token_verifies_against_the_emulators_jwks() {
    let moto = MotoCognito::start().await;
    let pool = pool_with_user(&moto, "todo-users", "alice@example.com").await;
    let tokens = moto
        .sign_in(&pool.client_id, "alice@example.com", PASSWORD)
        .await;
    let verifier = verifier(&moto, &pool.id, &pool.client_id);
    verifier.refresh_keys().await.unwrap();
    let caller = verifier.verify(&tokens.id_token).await.unwrap();
    assert_eq!(
        caller,
        Caller {
            sub: pool.sub.clone(),
            email: Some("alice@example.com".to_owned()),
            // A pool that signs in by email uses the sub as the user name.
            username: pool.sub.clone(),
            tenants: None,
            tenants_truncated: None,
        }
    );
}

#[tokio::test]
async fn the_access_token_is_refused_where_id_tokens_are_required_and_vice_versa() {
    let moto = MotoCognito::start().await;
    let pool = pool_with_user(&moto, "todo-users", "bob@example.com").await;
    let tokens = moto
        .sign_in(&pool.client_id, "bob@example.com", PASSWORD)
        .await;
    let id_verifier = verifier(&moto, &pool.id, &pool.client_id);
    // Cognito's access token has no `aud`, which an ID-token verifier requires.
    assert_invalid(
        id_verifier.verify(&tokens.access_token).await,
        "the token lacks a required claim",
    );

    let access_verifier = TokenVerifier::new(
        id_verifier
            .config()
            .clone()
            .with_token_use(TokenUse::Access),
    )
    .unwrap();
    let caller = access_verifier.verify(&tokens.access_token).await.unwrap();
    assert_eq!(caller.sub, pool.sub);
    assert_eq!(caller.email, None, "access tokens carry no email");
    assert_invalid(
        access_verifier.verify(&tokens.id_token).await,
        "an access token is required",
    );
}

#[tokio::test]
async fn tokens_of_another_pool_or_another_client_are_refused() {
    let moto = MotoCognito::start().await;
    let ours = pool_with_user(&moto, "ours", "carol@example.com").await;
    let theirs = pool_with_user(&moto, "theirs", "carol@example.com").await;
    let other_client = moto.create_app_client(&ours.id, "another-app").await;
    let verifier = verifier(&moto, &ours.id, &ours.client_id);

    let from_our_client = moto
        .sign_in(&ours.client_id, "carol@example.com", PASSWORD)
        .await;
    verifier.verify(&from_our_client.id_token).await.unwrap();

    // moto signs every pool's tokens with the same key, so only the issuer check stands
    // between this token and acceptance — as it must.
    let from_their_pool = moto
        .sign_in(&theirs.client_id, "carol@example.com", PASSWORD)
        .await;
    assert_invalid(
        verifier.verify(&from_their_pool.id_token).await,
        "the token is from another issuer",
    );

    let from_other_client = moto
        .sign_in(&other_client, "carol@example.com", PASSWORD)
        .await;
    assert_invalid(
        verifier.verify(&from_other_client.id_token).await,
        "the token is for another app client",
    );
}
