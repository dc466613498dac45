//! `AuthError`: why a request was not let in, answered as the API's JSON error body.

use axum::Json;
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A request that could not be authenticated.
///
/// Every problem with the token itself is a 401 with a short, fixed reason: enough for a
/// developer to see what to fix, never the verifier's internals (which go to the log at
/// debug level). Only a failure on our side — the signing keys cannot be fetched — is not
/// the caller's fault, and answers 503 so that a client does not throw away a good token.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header at all.
    #[error("sign-in required: send the ID token as Authorization: Bearer <token>")]
    MissingToken,
    /// An `Authorization` header that is not `Bearer <JWT>`, or a JWT that cannot be read.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// A well-formed, correctly signed token whose `exp` has passed.
    #[error("the token has expired; sign in again")]
    Expired,
    /// A token that fails any other check: signature, key, issuer, client, use, time.
    #[error("invalid token: {0}")]
    Invalid(&'static str),
    /// The signing keys could not be fetched, so no token can be checked. The cause is for
    /// the log only.
    #[error("the signing keys are unavailable: {0}")]
    KeysUnavailable(String),
}

impl AuthError {
    /// The HTTP status code this error maps to.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::KeysUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The stable, machine-readable error code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::KeysUnavailable(_) => "auth_unavailable",
            _ => "unauthorized",
        }
    }

    /// The message that may be shown to the caller.
    pub fn public_message(&self) -> String {
        match self {
            Self::KeysUnavailable(_) => {
                "sign-in cannot be checked right now; please try again".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// The `WWW-Authenticate` challenge (RFC 6750): a bare `Bearer` when no token was sent,
    /// `error="invalid_token"` when the one sent was refused.
    fn challenge(&self) -> Option<HeaderValue> {
        match self {
            Self::MissingToken => Some(HeaderValue::from_static("Bearer")),
            Self::Malformed(_) | Self::Expired | Self::Invalid(_) => {
                Some(HeaderValue::from_static(r#"Bearer error="invalid_token""#))
            }
            Self::KeysUnavailable(_) => None,
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        if let Self::KeysUnavailable(cause) = &self {
            tracing::error!(cause = %cause, "cannot verify tokens: the JWKS is unavailable");
        }
        // The same `{"error", "message"}` shape as every other error of the API.
        let body = serde_json::json!({
            "error": self.code(),
            "message": self.public_message(),
        });
        let mut response = (self.status(), Json(body)).into_response();
        if let Some(challenge) = self.challenge() {
            response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        }
        response
    }
}
