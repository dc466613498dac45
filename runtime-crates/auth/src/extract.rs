//! `Caller`: the axum extractor that turns `Authorization: Bearer <JWT>` into the verified
//! user, or answers the request with an `AuthError`.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::Serialize;

use crate::{AuthError, TokenVerifier};

/// Who is calling, from the claims of a verified token.
///
/// A handler that takes a `Caller` argument is protected: it runs only for a request with a
/// valid token. The router's state must provide the verifier, i.e. implement
/// `FromRef<State> for TokenVerifier` (or be the verifier itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    /// The user's stable, unique id in the pool (`sub`). Use it, not the user name or the
    /// email, as the key of anything the user owns.
    pub sub: String,
    /// The user's email (`email`), when the token carries it (ID tokens of a pool with an
    /// email attribute readable by the app client).
    pub email: Option<String>,
    /// The user name (`cognito:username` in ID tokens, `username` in access tokens). In a
    /// pool that signs in by email it is the same as `sub`.
    pub username: String,
    /// The `tenants` claim verbatim, when the token carries one: the list ids that step04's
    /// pre-token-generation trigger wrote into the token. Only a hint of where to look (the
    /// caller's index entry still decides); todo-claims' `TenantClaims` parses it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenants: Option<String>,
    /// The `tenants_truncated` claim verbatim: `"true"` when `tenants` holds only the
    /// newest of the user's lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenants_truncated: Option<String>,
}

impl<S> FromRequestParts<S> for Caller
where
    TokenVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        TokenVerifier::from_ref(state).verify(token).await
    }
}

/// The token of the `Authorization: Bearer <token>` header.
fn bearer_token(parts: &Parts) -> Result<&str, AuthError> {
    let mut values = parts.headers.get_all(AUTHORIZATION).iter();
    let value = values.next().ok_or(AuthError::MissingToken)?;
    if values.next().is_some() {
        return Err(AuthError::Malformed("more than one Authorization header"));
    }
    let value = value
        .to_str()
        .map_err(|_| AuthError::Malformed("the Authorization header is not text"))?;
    // The scheme name is case-insensitive (RFC 9110, section 11.1).
    let (scheme, token) = value.trim().split_once(' ').ok_or(AuthError::Malformed(
        "expected Authorization: Bearer <token>",
    ))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AuthError::Malformed(
            "expected Authorization: Bearer <token>",
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, Request};

    use super::*;

    fn parts(values: &[&str]) -> Parts {
        let mut request = Request::new(());
        for value in values {
            request
                .headers_mut()
                .append(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        request.into_parts().0
    }

    #[test]
    fn the_token_follows_a_case_insensitive_bearer() {
        assert_eq!(bearer_token(&parts(&["Bearer a.b.c"])).unwrap(), "a.b.c");
        assert_eq!(bearer_token(&parts(&["bearer  a.b.c "])).unwrap(), "a.b.c");
    }

    #[test]
    fn anything_else_is_refused() {
        assert!(matches!(
            bearer_token(&parts(&[])),
            Err(AuthError::MissingToken)
        ));
        for bad in [
            &["Basic dXNlcjpwYXNz"][..],
            &["Bearer"],
            &["Bearer "],
            &["a.b.c"],
            &["Bearer a.b.c", "Bearer d.e.f"],
        ] {
            assert!(
                matches!(bearer_token(&parts(bad)), Err(AuthError::Malformed(_))),
                "{bad:?}"
            );
        }
    }
}
