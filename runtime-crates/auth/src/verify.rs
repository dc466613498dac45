//! `TokenVerifier`: the checks a Cognito JWT must pass before the API trusts its claims.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::jwks::KeyCache;
use crate::{AuthConfig, AuthError, Caller, TokenUse};

/// How far the clocks of Cognito and the API may disagree: a token is accepted up to this
/// long after `exp`, and up to this long before `nbf`/`iat`. Small, because a stolen token
/// should not live much past its expiry.
pub const CLOCK_LEEWAY: Duration = Duration::from_secs(30);

/// Cognito tokens are one to a few kilobytes; a token with many groups may be larger. A
/// bound keeps a hostile header from costing much work.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Checks Cognito JWTs against one user pool and app client. Build it once at startup and
/// share it; cloning is cheap, and clones share the JWKS cache.
#[derive(Clone)]
pub struct TokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    config: AuthConfig,
    keys: KeyCache,
    validation: Validation,
}

/// The claims this verifier reads. Cognito puts the user name in `cognito:username` in ID
/// tokens and in `username` in access tokens.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    token_use: String,
    iat: u64,
    client_id: Option<String>,
    email: Option<String>,
    #[serde(rename = "cognito:username")]
    cognito_username: Option<String>,
    username: Option<String>,
    #[serde(default, deserialize_with = "string_or_ignored")]
    tenants: Option<String>,
    #[serde(default, deserialize_with = "string_or_ignored")]
    tenants_truncated: Option<String>,
}

/// A claim kept only when it is a string, and otherwise treated as absent rather than
/// refusing the token. The tenant claims are hints (the API confirms every list it serves),
/// and a trigger may write them in another shape (a V2 trigger can emit an array): such a
/// token still signs the user in, and the API falls back to their list index.
fn string_or_ignored<'de, D: Deserializer<'de>>(claim: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(claim)? {
        Value::String(text) => Some(text),
        Value::Null => None,
        other => {
            tracing::debug!(claim = %other, "a tenant claim that is not a string is ignored");
            None
        }
    })
}

impl TokenVerifier {
    /// A verifier for `config`. Nothing is fetched until the first token (or [`Self::refresh_keys`]).
    ///
    /// # Errors
    ///
    /// A JWKS URL that is not http(s), or an https one on a machine without CA certificates.
    pub fn new(config: AuthConfig) -> Result<Self, String> {
        let keys = KeyCache::new(&config.jwks_url, config.min_jwks_refetch_interval)?;
        let validation = validation(&config);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                keys,
                validation,
            }),
        })
    }

    /// What tokens are checked against.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// Fetches the JWKS now. Optional: a host may call it at startup to fail fast on a wrong
    /// `COGNITO_JWKS_URL`; otherwise the first request fetches it.
    pub async fn refresh_keys(&self) -> Result<(), AuthError> {
        self.inner.keys.refresh().await
    }

    /// Verifies `token` (the JWT itself, without `Bearer `) and says who it was issued to.
    pub async fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        let result = self.check(token).await;
        if let Err(error) = &result {
            tracing::debug!(%error, "token refused");
        }
        result
    }

    async fn check(&self, token: &str) -> Result<Caller, AuthError> {
        let config = &self.inner.config;
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Malformed("the token is too long"));
        }
        // The header is read before anything is trusted, only to pick the key; the algorithm
        // is pinned here, never taken from the token.
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::Malformed("not a JWT with a supported algorithm"))?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Invalid("the token is not signed with RS256"));
        }
        let kid = header
            .kid
            .ok_or(AuthError::Invalid("the token names no signing key"))?;
        let key = self.inner.keys.key(&kid).await?;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &self.inner.validation)
            .map_err(|error| {
                tracing::debug!(%error, "JWT validation failed");
                refusal(error.kind())
            })?
            .claims;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if claims.iat > now + CLOCK_LEEWAY.as_secs() {
            return Err(AuthError::Invalid("the token was issued in the future"));
        }
        if claims.token_use != config.token_use.as_str() {
            return Err(AuthError::Invalid(match config.token_use {
                TokenUse::Id => "an ID token is required",
                TokenUse::Access => "an access token is required",
            }));
        }
        // ID tokens name the client in `aud`, which `decode` checked; access tokens have no
        // `aud` and name it in `client_id`.
        let username = match config.token_use {
            TokenUse::Id => claims.cognito_username,
            TokenUse::Access => {
                if claims.client_id.as_deref() != Some(config.client_id.as_str()) {
                    return Err(AuthError::Invalid("the token is for another app client"));
                }
                claims.username
            }
        }
        .ok_or(AuthError::Invalid("the token has no user name"))?;
        Ok(Caller {
            sub: claims.sub,
            email: claims.email,
            username,
            tenants: claims.tenants,
            tenants_truncated: claims.tenants_truncated,
        })
    }
}

/// The checks `jsonwebtoken` does for us: RS256 only, signature, `exp`/`nbf` with leeway,
/// `iss`, and for ID tokens `aud`.
fn validation(config: &AuthConfig) -> Validation {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = CLOCK_LEEWAY.as_secs();
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.set_issuer(&[&config.issuer]);
    let mut required = vec!["exp", "iss", "sub"];
    match config.token_use {
        TokenUse::Id => {
            validation.set_audience(&[&config.client_id]);
            required.push("aud");
        }
        TokenUse::Access => validation.validate_aud = false,
    }
    validation.set_required_spec_claims(&required);
    validation
}

/// The short public reason for a failed `decode`. Signature failures all read the same, so
/// a caller cannot probe which part of the cryptography objected.
fn refusal(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::Invalid("the token is not valid yet"),
        ErrorKind::InvalidIssuer => AuthError::Invalid("the token is from another issuer"),
        ErrorKind::InvalidAudience => AuthError::Invalid("the token is for another app client"),
        ErrorKind::MissingRequiredClaim(_) => {
            AuthError::Invalid("the token lacks a required claim")
        }
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => {
            AuthError::Invalid("the token is not signed with RS256")
        }
        ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_)
        | ErrorKind::InvalidToken
        | ErrorKind::InvalidClaimFormat(_) => AuthError::Malformed("the token cannot be decoded"),
        _ => AuthError::Invalid("bad signature"),
    }
}
