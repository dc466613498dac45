//! The local Cognito endpoint: moto's user pools, plus what Cognito does around its tokens that
//! moto does not.
//!
//! The SPA (and anything else that signs in) talks to this bridge, which forwards every call
//! to moto and adds two things:
//! - **Token refresh**: Amplify renews a session with `GetTokensFromRefreshToken`, which moto
//!   lacks; the bridge answers it with moto's `InitiateAuth` (`REFRESH_TOKEN_AUTH`), the same
//!   renewal under its older name.
//! - **The pre-token-generation trigger** (step04 on), which moto never invokes: when the
//!   template attaches one to the user pool, every token moto issues (sign-in, new-password
//!   challenge, refresh) is handed to the step's real trigger — its own binary, serving
//!   locally — as the Cognito event of the configured version, and the claims it adds or
//!   suppresses are applied to the token, which the bridge then signs with its own key. A
//!   failing trigger fails the sign-in, as in Cognito (`UserLambdaValidationException`).
//!
//! The bridge publishes moto's signing keys and its own at the pool's usual JWKS path, and
//! the local API is pointed there, so tokens from either verify.

use std::net::TcpStream;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::local_http::{Request, listen, read_request, respond};
use super::template::Template;

/// The key id of the bridge's signing key in the JWKS.
const KEY_ID: &str = "stepgen-dev-bridge";
const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
/// How long Cognito waits for a trigger before it fails the sign-in.
const TRIGGER_TIMEOUT: Duration = Duration::from_secs(5);

/// The version of the pre-token-generation event Cognito sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventVersion {
    V1,
    V2,
}

/// The user pool's pre-token-generation trigger, as the template configures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerConfig {
    /// The logical id of the Lambda function.
    pub function: String,
    pub version: EventVersion,
}

/// Finds the pre-token-generation trigger of the template's user pool, if it has one:
/// `LambdaConfig.PreTokenGeneration` (V1) or `LambdaConfig.PreTokenGenerationConfig` with its
/// `LambdaVersion` (`V1_0`, `V2_0`, …).
pub fn trigger_in(template: &Template) -> Option<TriggerConfig> {
    template
        .of_type("AWS::Cognito::UserPool")
        .find_map(|(_, pool)| {
            let config = &pool.properties["LambdaConfig"];
            let (arn, version) = match &config["PreTokenGenerationConfig"] {
                Value::Object(v2) => (
                    &v2["LambdaArn"],
                    match v2["LambdaVersion"].as_str() {
                        Some("V1_0") | None => EventVersion::V1,
                        Some(_) => EventVersion::V2,
                    },
                ),
                _ => (&config["PreTokenGeneration"], EventVersion::V1),
            };
            let function = arn["Fn::GetAtt"][0].as_str()?;
            Some(TriggerConfig {
                function: function.to_owned(),
                version,
            })
        })
}

/// What the bridge needs to run.
pub struct BridgeConfig {
    /// moto's base URL, ending in `/`.
    pub emulator_url: String,
    /// The local trigger's URL (it answers `POST /` with the event) and its event version.
    pub trigger: Option<(String, EventVersion)>,
    pub region: String,
}

/// Starts the bridge on `127.0.0.1:port`, serving until the process ends.
pub fn start(port: u16, config: BridgeConfig) -> std::io::Result<()> {
    let bridge = Bridge::new(config)?;
    listen(port, "cognito-bridge", move |stream| bridge.serve(stream))
}

struct Bridge {
    config: BridgeConfig,
    key: RsaKeyPair,
    agent: ureq::Agent,
    trigger_agent: ureq::Agent,
}

/// One HTTP answer.
struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Answer {
    fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            content_type: "application/x-amz-json-1.1",
            body: body.to_string().into_bytes(),
        }
    }

    fn error(status: u16, kind: &str, message: &str) -> Self {
        Self::json(status, &json!({ "__type": kind, "message": message }))
    }
}

impl Bridge {
    fn new(config: BridgeConfig) -> std::io::Result<Self> {
        // A fresh key per run: nothing outside this process ever holds it.
        let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| std::io::Error::other("cannot generate the bridge's signing key"))?;
        let agent_with = |timeout| {
            ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .proxy(None)
                .build()
                .new_agent()
        };
        Ok(Self {
            config,
            key,
            agent: agent_with(Duration::from_secs(30)),
            trigger_agent: agent_with(TRIGGER_TIMEOUT),
        })
    }

    fn serve(&self, mut stream: TcpStream) {
        let answer = match read_request(&stream) {
            Ok(request) => self.answer(&request),
            Err(message) => Answer::error(400, "BadRequest", &message),
        };
        let origin_headers = "Access-Control-Allow-Origin: *\r\n\
             Access-Control-Allow-Methods: POST, GET, OPTIONS\r\n\
             Access-Control-Allow-Headers: *\r\n\
             Access-Control-Max-Age: 600\r\n";
        respond(
            &mut stream,
            answer.status,
            answer.content_type,
            origin_headers,
            &answer.body,
        );
    }

    fn answer(&self, request: &Request) -> Answer {
        match request.method.as_str() {
            "OPTIONS" => Answer {
                status: 204,
                content_type: "text/plain",
                body: Vec::new(),
            },
            "GET" if request.path.ends_with("/.well-known/jwks.json") => self.jwks(&request.path),
            "POST" => self.call(request),
            _ => Answer::error(405, "MethodNotAllowed", "the bridge answers POST and GET"),
        }
    }

    /// moto's keys for the pool, plus the bridge's.
    fn jwks(&self, path: &str) -> Answer {
        let url = format!(
            "{}{}",
            self.config.emulator_url,
            path.trim_start_matches('/')
        );
        let mut keys = match self.agent.get(&url).call() {
            Ok(mut response) if response.status() == 200 => response
                .body_mut()
                .read_to_string()
                .ok()
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                .and_then(|jwks| jwks["keys"].as_array().cloned())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let public = self.key.public_key();
        let component = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        keys.push(json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": KEY_ID,
            "n": component(public.modulus().big_endian_without_leading_zero()),
            "e": component(public.exponent().big_endian_without_leading_zero()),
        }));
        Answer::json(200, &json!({ "keys": keys }))
    }

    /// A Cognito API call: forwarded to moto, with refresh and the trigger added.
    fn call(&self, request: &Request) -> Answer {
        let target = request
            .headers
            .get("x-amz-target")
            .and_then(|t| t.strip_prefix(TARGET_PREFIX))
            .unwrap_or_default()
            .to_owned();
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return Answer::error(400, "SerializationException", "the body is not JSON");
        };
        let (forwarded_target, forwarded_body) = if target == "GetTokensFromRefreshToken" {
            (
                "InitiateAuth".to_owned(),
                json!({
                    "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "ClientId": body["ClientId"],
                    "AuthParameters": { "REFRESH_TOKEN": body["RefreshToken"] },
                }),
            )
        } else {
            (target.clone(), body.clone())
        };
        let (status, mut answer) = match self.forward(&forwarded_target, &forwarded_body) {
            Ok(result) => result,
            Err(message) => return Answer::error(502, "ServiceUnavailable", &message),
        };
        if status == 200
            && answer.get("AuthenticationResult").is_some()
            && let Some(source) = trigger_source(&target, &body)
            && let Err(message) = self.run_trigger(source, &mut answer)
        {
            return Answer::error(
                400,
                "UserLambdaValidationException",
                &format!("PreTokenGeneration failed with error {message}."),
            );
        }
        Answer::json(status, &answer)
    }

    fn forward(&self, target: &str, body: &Value) -> Result<(u16, Value), String> {
        let mut response = self
            .agent
            .post(&self.config.emulator_url)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", &format!("{TARGET_PREFIX}{target}"))
            // moto routes by the signing service in the Authorization header.
            .header(
                "Authorization",
                &format!(
                    "AWS4-HMAC-SHA256 Credential=local/20260101/{}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0",
                    self.config.region
                ),
            )
            .send(body.to_string())
            .map_err(|e| format!("the emulator did not answer {target}: {e}"))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("cannot read the emulator's answer to {target}: {e}"))?;
        let value = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "message": text }));
        Ok((status, value))
    }

    /// Runs the trigger on the tokens of `answer.AuthenticationResult` and re-signs the ones
    /// whose claims it changed. Without a trigger, tokens pass unchanged.
    fn run_trigger(&self, source: &str, answer: &mut Value) -> Result<(), String> {
        let Some((url, version)) = &self.config.trigger else {
            return Ok(());
        };
        let result = &mut answer["AuthenticationResult"];
        let id_claims = claims_of(result["IdToken"].as_str().unwrap_or_default())?;
        let access_claims = claims_of(result["AccessToken"].as_str().unwrap_or_default())?;
        let event = trigger_event(
            *version,
            source,
            &self.config.region,
            &id_claims,
            &access_claims,
        );
        let mut response = self
            .trigger_agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(event.to_string())
            .map_err(|e| format!("the trigger did not answer: {e}"))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        if status != 200 {
            return Err(format!("the trigger answered {status}: {text}"));
        }
        let event: Value = serde_json::from_str(&text)
            .map_err(|e| format!("the trigger's answer is not JSON: {e}"))?;
        let (id_changes, access_changes) = match version {
            EventVersion::V1 => {
                let changes = &event["response"]["claimsOverrideDetails"];
                // V1's claims are a map of strings; Cognito refuses anything else.
                let added = changes["claimsToAddOrOverride"].as_object();
                if let Some((name, _)) = added
                    .into_iter()
                    .flatten()
                    .find(|(_, value)| !value.is_string())
                {
                    return Err(format!("claim {name} is not a string"));
                }
                (changes, &Value::Null)
            }
            EventVersion::V2 => {
                let details = &event["response"]["claimsAndScopeOverrideDetails"];
                (
                    &details["idTokenGeneration"],
                    &details["accessTokenGeneration"],
                )
            }
        };
        for (token, claims, changes) in [
            ("IdToken", id_claims, id_changes),
            ("AccessToken", access_claims, access_changes),
        ] {
            if let Some(claims) = apply(claims, changes) {
                result[token] = Value::String(self.sign(&claims)?);
            }
        }
        Ok(())
    }

    fn sign(&self, claims: &Map<String, Value>) -> Result<String, String> {
        let header = json!({ "alg": "RS256", "kid": KEY_ID, "typ": "JWT" });
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string())
        );
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "cannot sign the token".to_owned())?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// Cognito's trigger source for a call that issued tokens, or `None` for calls that issue
/// none through the trigger.
fn trigger_source(target: &str, body: &Value) -> Option<&'static str> {
    match target {
        "InitiateAuth" | "AdminInitiateAuth" => match body["AuthFlow"].as_str() {
            Some("REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN") => Some("TokenGeneration_RefreshTokens"),
            _ => Some("TokenGeneration_Authentication"),
        },
        "RespondToAuthChallenge" | "AdminRespondToAuthChallenge" => {
            match body["ChallengeName"].as_str() {
                Some("NEW_PASSWORD_REQUIRED") => Some("TokenGeneration_NewPasswordChallenge"),
                _ => Some("TokenGeneration_Authentication"),
            }
        }
        "GetTokensFromRefreshToken" => Some("TokenGeneration_RefreshTokens"),
        _ => None,
    }
}

/// The event Cognito sends the trigger, built from the tokens moto issued: the user's
/// attributes are the ID token's (moto puts them all there), the pool comes from the issuer.
fn trigger_event(
    version: EventVersion,
    source: &str,
    region: &str,
    id: &Map<String, Value>,
    access: &Map<String, Value>,
) -> Value {
    let pool = id
        .get("iss")
        .and_then(Value::as_str)
        .and_then(|iss| iss.rsplit('/').next())
        .unwrap_or_default();
    let attributes: Map<String, Value> = id
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "iss"
                    | "aud"
                    | "exp"
                    | "iat"
                    | "auth_time"
                    | "token_use"
                    | "jti"
                    | "origin_jti"
                    | "event_id"
                    | "cognito:username"
                    | "cognito:groups"
            )
        })
        .map(|(name, value)| {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            (name.clone(), Value::String(text))
        })
        .chain([("cognito:user_status".to_owned(), json!("CONFIRMED"))])
        .collect();
    let mut request = json!({
        "userAttributes": attributes,
        "groupConfiguration": {
            "groupsToOverride": [],
            "iamRolesToOverride": [],
            "preferredRole": null,
        },
    });
    let (version, response) = match version {
        EventVersion::V1 => ("1", json!({ "claimsOverrideDetails": null })),
        EventVersion::V2 => {
            let scopes: Vec<&str> = access
                .get("scope")
                .and_then(Value::as_str)
                .map(|s| s.split(' ').collect())
                .unwrap_or_default();
            request["scopes"] = json!(scopes);
            ("2", json!({ "claimsAndScopeOverrideDetails": null }))
        }
    };
    json!({
        "version": version,
        "triggerSource": source,
        "region": region,
        "userPoolId": pool,
        "userName": id.get("cognito:username").cloned().unwrap_or(Value::Null),
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": id.get("aud").cloned().unwrap_or(Value::Null),
        },
        "request": request,
        "response": response,
    })
}

/// `claims` with the trigger's `claimsToAddOrOverride` and `claimsToSuppress` applied, or
/// `None` when the trigger changed nothing. Cognito ignores changes to the claims it owns
/// (these, and its `cognito:` claims); so does this.
fn apply(mut claims: Map<String, Value>, changes: &Value) -> Option<Map<String, Value>> {
    const RESERVED: &[&str] = &[
        "acr",
        "amr",
        "aud",
        "at_hash",
        "auth_time",
        "azp",
        "exp",
        "iat",
        "identities",
        "iss",
        "jti",
        "nbf",
        "nonce",
        "origin_jti",
        "sub",
        "token_use",
    ];
    let owned_by_cognito = |name: &str| RESERVED.contains(&name) || name.starts_with("cognito:");
    let additions = changes["claimsToAddOrOverride"].as_object();
    let suppressions = changes["claimsToSuppress"].as_array();
    if additions.is_none_or(Map::is_empty) && suppressions.is_none_or(Vec::is_empty) {
        return None;
    }
    for (name, value) in additions.into_iter().flatten() {
        if !owned_by_cognito(name) {
            claims.insert(name.clone(), value.clone());
        }
    }
    for name in suppressions.into_iter().flatten().filter_map(Value::as_str) {
        if !owned_by_cognito(name) {
            claims.remove(name);
        }
    }
    Some(claims)
}

/// The payload of a JWT, not verified (it comes straight from the emulator).
fn claims_of(token: &str) -> Result<Map<String, Value>, String> {
    let payload = token
        .split('.')
        .nth(1)
        .ok_or_else(|| "the emulator issued a token that is not a JWT".to_owned())?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("the emulator issued a token that is not base64url: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("the emulator's token is not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use std::net::{Ipv4Addr, TcpListener};
    use std::sync::Arc;

    use todo_test_support::MotoCognito;

    use super::super::local_http::free_port;
    use super::*;

    /// A stand-in trigger on a free port: answers each event with `claims` to add (or with
    /// HTTP 500 when `None`), and records the trigger sources it was called for.
    fn fake_trigger(claims: Option<Value>) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let request = read_request(&stream).unwrap();
                let mut event: Value = serde_json::from_slice(&request.body).unwrap();
                record
                    .lock()
                    .unwrap()
                    .push(event["triggerSource"].as_str().unwrap().to_owned());
                let (status, body) = match &claims {
                    Some(claims) => {
                        event["response"]["claimsOverrideDetails"] =
                            json!({ "claimsToAddOrOverride": claims });
                        (200, event.to_string())
                    }
                    None => (500, "{}".to_owned()),
                };
                respond(&mut stream, status, "application/json", "", body.as_bytes());
            }
        });
        (url, seen)
    }

    fn cognito(bridge: &str, action: &str, body: Value) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .post(bridge)
            .header("X-Amz-Target", &format!("{TARGET_PREFIX}{action}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .send(body.to_string())
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap(),
        )
    }

    /// Checks `token`'s RS256 signature against the bridge's key in its JWKS.
    fn signed_by_bridge(bridge: &str, pool: &str, token: &str) -> bool {
        let text = ureq::get(&format!("{bridge}{pool}/.well-known/jwks.json"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        let jwks: Value = serde_json::from_str(&text).unwrap();
        let key = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == KEY_ID)
            .unwrap();
        let bytes = |name: &str| URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap();
        let (signed, signature) = token.rsplit_once('.').unwrap();
        aws_lc_rs::signature::RsaPublicKeyComponents {
            n: bytes("n"),
            e: bytes("e"),
        }
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &URL_SAFE_NO_PAD.decode(signature).unwrap(),
        )
        .is_ok()
    }

    #[test]
    fn sign_in_and_refresh_through_the_bridge_run_the_trigger_on_moto() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let moto = runtime.block_on(MotoCognito::start());
        let (pool, client) = runtime.block_on(async {
            let pool = moto.create_user_pool("bridge").await;
            let client = moto.create_app_client(&pool, "spa").await;
            moto.create_confirmed_user(&pool, &client, "ann@example.com", "Password-123!")
                .await;
            (pool, client)
        });
        let bridge_for = |trigger: Option<String>| {
            let port = free_port();
            start(
                port,
                BridgeConfig {
                    emulator_url: format!("{}/", moto.endpoint()),
                    trigger: trigger.map(|url| (url, EventVersion::V1)),
                    region: "us-east-1".into(),
                },
            )
            .unwrap();
            format!("http://127.0.0.1:{port}/")
        };
        let sign_in = json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client,
            "AuthParameters": { "USERNAME": "ann@example.com", "PASSWORD": "Password-123!" },
        });

        let (trigger, seen) = fake_trigger(Some(json!({ "tenants": "list-1 list-2" })));
        let bridge = bridge_for(Some(trigger));
        let (status, answer) = cognito(&bridge, "InitiateAuth", sign_in.clone());
        assert_eq!(status, 200, "{answer}");
        let id_token = answer["AuthenticationResult"]["IdToken"].as_str().unwrap();
        let claims = claims_of(id_token).unwrap();
        assert_eq!(claims["tenants"], "list-1 list-2");
        assert_eq!(claims["email"], "ann@example.com");
        assert!(signed_by_bridge(&bridge, &pool, id_token));

        let refresh = answer["AuthenticationResult"]["RefreshToken"].clone();
        let (status, renewed) = cognito(
            &bridge,
            "GetTokensFromRefreshToken",
            json!({ "ClientId": client, "RefreshToken": refresh }),
        );
        assert_eq!(status, 200, "{renewed}");
        let renewed_id = renewed["AuthenticationResult"]["IdToken"].as_str().unwrap();
        assert_eq!(claims_of(renewed_id).unwrap()["tenants"], "list-1 list-2");
        assert_eq!(
            *seen.lock().unwrap(),
            [
                "TokenGeneration_Authentication",
                "TokenGeneration_RefreshTokens"
            ]
        );

        // Without a trigger, moto's tokens pass unchanged (still verifiable with moto's keys).
        let (status, plain) = cognito(&bridge_for(None), "InitiateAuth", sign_in.clone());
        assert_eq!(status, 200, "{plain}");
        let plain_claims =
            claims_of(plain["AuthenticationResult"]["IdToken"].as_str().unwrap()).unwrap();
        assert!(!plain_claims.contains_key("tenants"));

        // A failing trigger, or a V1 claim that is not a string, fails the sign-in, as in
        // Cognito.
        for answer in [None, Some(json!({ "tenants": ["list-1"] }))] {
            let (trigger, _) = fake_trigger(answer);
            let (status, refused) =
                cognito(&bridge_for(Some(trigger)), "InitiateAuth", sign_in.clone());
            assert_eq!(status, 400);
            assert_eq!(refused["__type"], "UserLambdaValidationException");
        }
    }

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn the_trigger_is_found_in_either_form_of_the_pool_config() {
        let v1 = r#"{"Resources":{"Pool":{"Type":"AWS::Cognito::UserPool","Properties":{"LambdaConfig":{"PreTokenGeneration":{"Fn::GetAtt":["Token","Arn"]}}}}}}"#;
        let v2 = r#"{"Resources":{"Pool":{"Type":"AWS::Cognito::UserPool","Properties":{"LambdaConfig":{"PreTokenGenerationConfig":{"LambdaArn":{"Fn::GetAtt":["Token","Arn"]},"LambdaVersion":"V2_0"}}}}}}"#;
        let none = r#"{"Resources":{"Pool":{"Type":"AWS::Cognito::UserPool","Properties":{}}}}"#;
        let parse = |text| super::super::template::parse("Stack", text).unwrap();
        assert_eq!(
            trigger_in(&parse(v1)),
            Some(TriggerConfig {
                function: "Token".into(),
                version: EventVersion::V1
            })
        );
        assert_eq!(trigger_in(&parse(v2)).unwrap().version, EventVersion::V2);
        assert_eq!(trigger_in(&parse(none)), None);
    }

    #[test]
    fn added_claims_land_and_reserved_ones_stay() {
        let token = claims(json!({"sub": "u1", "email": "a@b.c", "iss": "x", "origin_jti": "j"}));
        let changed = apply(
            token.clone(),
            &json!({
                "claimsToAddOrOverride": {"tenants": "l1 l2", "sub": "evil", "cognito:groups": "admins"},
                "claimsToSuppress": ["email", "iss", "origin_jti"],
            }),
        )
        .unwrap();
        assert_eq!(
            Value::Object(changed),
            json!({"sub": "u1", "iss": "x", "origin_jti": "j", "tenants": "l1 l2"})
        );
        assert_eq!(apply(token, &Value::Null), None);
    }

    #[test]
    fn the_event_carries_the_user_and_the_pool_as_cognito_sends_them() {
        let id = claims(json!({
            "sub": "u1", "email": "a@b.c", "email_verified": true, "aud": "client",
            "iss": "http://127.0.0.1:4566/us-east-1_abc", "cognito:username": "u1",
            "token_use": "id", "exp": 1, "iat": 1,
        }));
        let access = claims(json!({"scope": "aws.cognito.signin.user.admin"}));
        let event = trigger_event(
            EventVersion::V1,
            "TokenGeneration_Authentication",
            "us-east-1",
            &id,
            &access,
        );
        assert_eq!(event["version"], "1");
        assert_eq!(event["userPoolId"], "us-east-1_abc");
        assert_eq!(event["callerContext"]["clientId"], "client");
        assert_eq!(
            event["request"]["userAttributes"],
            json!({"sub": "u1", "email": "a@b.c", "email_verified": "true", "cognito:user_status": "CONFIRMED"})
        );
        let event = trigger_event(
            EventVersion::V2,
            "TokenGeneration_RefreshTokens",
            "us-east-1",
            &id,
            &access,
        );
        assert_eq!(event["version"], "2");
        assert_eq!(
            event["request"]["scopes"],
            json!(["aws.cognito.signin.user.admin"])
        );
    }

    #[test]
    fn calls_that_issue_tokens_have_their_trigger_source() {
        let flow = |f: &str| json!({ "AuthFlow": f });
        assert_eq!(
            trigger_source("InitiateAuth", &flow("USER_PASSWORD_AUTH")),
            Some("TokenGeneration_Authentication")
        );
        assert_eq!(
            trigger_source("InitiateAuth", &flow("REFRESH_TOKEN_AUTH")),
            Some("TokenGeneration_RefreshTokens")
        );
        assert_eq!(
            trigger_source(
                "RespondToAuthChallenge",
                &json!({"ChallengeName": "NEW_PASSWORD_REQUIRED"})
            ),
            Some("TokenGeneration_NewPasswordChallenge")
        );
        assert_eq!(trigger_source("SignUp", &json!({})), None);
    }
}
