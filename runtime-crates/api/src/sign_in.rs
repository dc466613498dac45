//! Sign-in: the layer that lets a request reach the todo routes only with a verified Cognito
//! token, when the step has sign-in.
//!
//! It is a route layer rather than an argument of every handler, so there is one set of
//! handlers for every step and a new route cannot forget it. It runs after routing (an
//! unknown path is still a 404) and before any extractor, so a request without a valid token
//! is refused before its body is read or the store is touched. The CORS layer sits outside
//! the router and answers preflight `OPTIONS` requests itself, without a token, as browsers
//! require.

use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use todo_auth::{Caller, TokenVerifier};
use tracing::Instrument;

/// Verifies the request's `Authorization: Bearer <ID token>` with todo-auth's [`Caller`]
/// extractor, then runs the route with the caller in the request's extensions (a handler
/// that needs it takes `Extension<Caller>`) and inside a span that records the caller's
/// `sub` — never the token. A refused request gets todo-auth's JSON 401 with a
/// `WWW-Authenticate` challenge (or 503 when the signing keys cannot be fetched).
pub(crate) async fn require_caller(
    State(verifier): State<TokenVerifier>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    // The verifier is the extractor's state here: `TokenVerifier: FromRef<TokenVerifier>`.
    let caller = match Caller::from_request_parts(&mut parts, &verifier).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal.into_response(),
    };
    let span = tracing::info_span!("signed_in", sub = %caller.sub);
    parts.extensions.insert(caller);
    next.run(Request::from_parts(parts, body))
        .instrument(span)
        .await
}
