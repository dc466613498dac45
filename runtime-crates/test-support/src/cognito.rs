//! `MotoCognito`: a private moto server acting as a Cognito user pool service, with helpers
//! to create pools, app clients and confirmed users, and to sign in.
//!
//! The calls are Cognito's JSON protocol sent straight over HTTP (one `POST /` with an
//! `X-Amz-Target` header each), so the tests need no Cognito SDK crate. moto routes these
//! unsigned requests to `us-east-1`, hence [`COGNITO_REGION`].
//!
//! What moto's tokens look like (moto 5.2): RS256, `kid` `dummy`, the same key pair for every
//! pool; `iss` is the real AWS URL `https://cognito-idp.us-east-1.amazonaws.com/<poolId>`
//! while the JWKS is served at `<endpoint>/<poolId>/.well-known/jwks.json`.

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use crate::moto::MotoServer;

/// The region of every pool this helper creates.
pub const COGNITO_REGION: &str = "us-east-1";

/// The tokens of a successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub id_token: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// A running moto server for Cognito. Killed on drop.
pub struct MotoCognito {
    server: MotoServer,
    http: HttpClient,
}

impl MotoCognito {
    /// Starts moto and waits until its Cognito API answers.
    ///
    /// # Panics
    ///
    /// When moto cannot be found or does not start; the message says how to fix it.
    pub async fn start() -> Self {
        let mut server = MotoServer::spawn();
        let http = http_client();
        let endpoint = server.endpoint().to_owned();
        server
            .wait_until_ready(async || {
                call(
                    &http,
                    &endpoint,
                    "ListUserPools",
                    json!({ "MaxResults": 1 }),
                )
                .await
                .is_ok()
            })
            .await;
        Self { server, http }
    }

    /// The emulator's URL, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> &str {
        self.server.endpoint()
    }

    /// A shared AWS configuration pointed at this emulator, with dummy credentials, as
    /// `main` would load it (e.g. for a Cognito SDK client).
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        crate::dynamo::sdk_config(self.endpoint())
    }

    /// Where this emulator serves the pool's JWKS (not where the tokens' issuer says).
    pub fn jwks_url(&self, pool_id: &str) -> String {
        format!("{}/{pool_id}/.well-known/jwks.json", self.endpoint())
    }

    /// The `iss` moto writes into the pool's tokens: the real AWS URL.
    pub fn issuer(pool_id: &str) -> String {
        format!("https://cognito-idp.{COGNITO_REGION}.amazonaws.com/{pool_id}")
    }

    /// Creates a user pool whose users sign in with their email address (so `cognito:username`
    /// is the user's `sub`, and the ID token carries `email`), and returns its id.
    pub async fn create_user_pool(&self, name: &str) -> String {
        let output = self
            .call_or_panic(
                "CreateUserPool",
                json!({
                    "PoolName": name,
                    "UsernameAttributes": ["email"],
                    "AutoVerifiedAttributes": ["email"],
                }),
            )
            .await;
        string_at(&output, "/UserPool/Id")
    }

    /// Creates a public app client (no secret, as a SPA's is) that may sign in with
    /// `USER_PASSWORD_AUTH`, and returns its id.
    pub async fn create_app_client(&self, pool_id: &str, name: &str) -> String {
        let output = self
            .call_or_panic(
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": pool_id,
                    "ClientName": name,
                    "GenerateSecret": false,
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                }),
            )
            .await;
        string_at(&output, "/UserPoolClient/ClientId")
    }

    /// Signs up `email` through `client_id` and confirms the user as an admin would (moto
    /// sends no confirmation codes). Returns the user's `sub`.
    pub async fn create_confirmed_user(
        &self,
        pool_id: &str,
        client_id: &str,
        email: &str,
        password: &str,
    ) -> String {
        let output = self
            .call_or_panic(
                "SignUp",
                json!({
                    "ClientId": client_id,
                    "Username": email,
                    "Password": password,
                    "UserAttributes": [{ "Name": "email", "Value": email }],
                }),
            )
            .await;
        self.call_or_panic(
            "AdminConfirmSignUp",
            json!({ "UserPoolId": pool_id, "Username": email }),
        )
        .await;
        string_at(&output, "/UserSub")
    }

    /// Signs in with `InitiateAuth` `USER_PASSWORD_AUTH`.
    pub async fn sign_in(&self, client_id: &str, username: &str, password: &str) -> SignedIn {
        let output = self
            .call_or_panic(
                "InitiateAuth",
                json!({
                    "ClientId": client_id,
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": { "USERNAME": username, "PASSWORD": password },
                }),
            )
            .await;
        SignedIn {
            id_token: string_at(&output, "/AuthenticationResult/IdToken"),
            access_token: string_at(&output, "/AuthenticationResult/AccessToken"),
            refresh_token: string_at(&output, "/AuthenticationResult/RefreshToken"),
        }
    }

    /// Calls any Cognito user pool action; `Err` carries moto's error body.
    pub async fn call(&self, action: &str, input: Value) -> Result<Value, String> {
        call(&self.http, self.endpoint(), action, input).await
    }

    async fn call_or_panic(&self, action: &str, input: Value) -> Value {
        self.call(action, input).await.unwrap_or_else(|e| {
            panic!(
                "Cognito {action} in moto failed: {e}; moto's log:\n{}",
                self.server.log()
            )
        })
    }
}

/// Plain HTTP is all a local emulator needs.
type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

fn string_at(output: &Value, pointer: &str) -> String {
    output
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("moto's answer has no string at {pointer}: {output}"))
        .to_owned()
}

async fn call(
    http: &HttpClient,
    endpoint: &str,
    action: &str,
    input: Value,
) -> Result<Value, String> {
    let request = Request::post(endpoint)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{action}"),
        )
        .body(Full::new(Bytes::from(input.to_string())))
        .map_err(|e| e.to_string())?;
    let response = http.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    let text = String::from_utf8_lossy(&body);
    if !status.is_success() {
        return Err(format!("{status}: {text}"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("{e}: {text}"))
}
