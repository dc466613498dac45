//! Tokens signed by test keys, for the tests of sign-in that need no emulator: the fixture
//! keys, Cognito-shaped ID and access token claims of a made-up pool, and a JWKS server on a
//! loopback port whose keys can be rotated.
//!
//! The verifier for this pool is built by the tests themselves (this crate does not depend
//! on todo-auth, which uses it): `AuthConfig::cognito(REGION, POOL_ID, CLIENT_ID)
//! .with_jwks_url(&jwks.url)`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub const REGION: &str = "us-east-1";
pub const POOL_ID: &str = "us-east-1_TestPool";
pub const CLIENT_ID: &str = "test-spa-client";
pub const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool";

/// A test-only RSA key pair from this crate's `fixtures/`, with the key id it is published
/// under.
pub struct TestKey {
    pub kid: &'static str,
    pub private: EncodingKey,
}

impl TestKey {
    pub fn first() -> Self {
        Self::load("key-1", include_bytes!("../fixtures/signing-key-1.pem"))
    }

    pub fn second() -> Self {
        Self::load("key-2", include_bytes!("../fixtures/signing-key-2.pem"))
    }

    /// The public half of [`Self::first`] as PEM, as anyone could read it from the JWKS.
    pub fn first_public_pem() -> &'static [u8] {
        include_bytes!("../fixtures/signing-key-1.pub.pem")
    }

    fn load(kid: &'static str, pem: &[u8]) -> Self {
        let private = EncodingKey::from_rsa_pem(pem).expect("the fixture is an RSA key");
        Self { kid, private }
    }

    /// The public half as a JWKS entry, as Cognito publishes it.
    pub fn jwk(&self) -> Value {
        let jwk = Jwk::from_encoding_key(&self.private, Algorithm::RS256).unwrap();
        let mut value = serde_json::to_value(jwk).unwrap();
        value["kid"] = json!(self.kid);
        value["use"] = json!("sig");
        value
    }

    /// `claims` signed with this key, RS256, naming this key's id.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.private).unwrap()
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The claims of a fresh ID token of the test pool, shaped like Cognito's.
pub fn id_claims() -> Value {
    let now = now();
    json!({
        "iss": ISSUER,
        "sub": "4f1c2a2e-0000-4000-8000-000000000001",
        "aud": CLIENT_ID,
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        "jti": "b5a3e9c4-0000-4000-8000-000000000002",
        "cognito:username": "4f1c2a2e-0000-4000-8000-000000000001",
        "email": "alice@example.com",
    })
}

/// The claims of a fresh access token of the test pool, shaped like Cognito's.
pub fn access_claims() -> Value {
    let now = now();
    json!({
        "iss": ISSUER,
        "sub": "4f1c2a2e-0000-4000-8000-000000000001",
        "client_id": CLIENT_ID,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        "jti": "b5a3e9c4-0000-4000-8000-000000000003",
        "username": "4f1c2a2e-0000-4000-8000-000000000001",
    })
}

/// A JWKS endpoint on a loopback port. The published keys can be changed (a rotation) and
/// the downloads are counted.
pub struct JwksServer {
    pub url: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Published {
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    pub async fn start(keys: &[&TestKey]) -> Self {
        let published = Published {
            keys: Arc::new(Mutex::new(keys.iter().map(|key| key.jwk()).collect())),
            fetches: Arc::new(AtomicUsize::new(0)),
        };
        let app = Router::new()
            .route("/jwks.json", get(serve_jwks))
            .with_state(published.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            keys: published.keys,
            fetches: published.fetches,
        }
    }

    /// Publishes `keys` instead of the current ones.
    pub fn publish(&self, keys: &[&TestKey]) {
        *self.keys.lock().unwrap() = keys.iter().map(|key| key.jwk()).collect();
    }

    /// How many times the JWKS was downloaded.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

async fn serve_jwks(State(published): State<Published>) -> axum::Json<Value> {
    published.fetches.fetch_add(1, Ordering::SeqCst);
    let keys = published.keys.lock().unwrap().clone();
    axum::Json(json!({ "keys": keys }))
}
