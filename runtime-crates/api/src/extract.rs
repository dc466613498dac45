//! Request extractors whose every rejection is a JSON `HttpError`.
//!
//! axum's own `Json` and `Path` extractors answer bad input with plain-text bodies; these
//! wrappers keep the API's promise that every error is `{"error", "message"}` JSON.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use todo_domain::{ApiError, TodoId, UserId};

use crate::HttpError;

/// The largest request body accepted: far more than any todo needs, small enough that a
/// client cannot make the Lambda buffer megabytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON object request body, read as `T`. Requires `Content-Type: application/json` (or any
/// `application/*+json`); rejects malformed JSON, wrong types and unknown fields with 400.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json_content_type(request.headers())?;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                // The body limit (set by `DefaultBodyLimit` in the router) is the only
                // rejection with its own status; anything else is a broken upload.
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge {
                        limit_bytes: MAX_BODY_BYTES,
                    }
                } else {
                    ApiError::bad_request("unreadable_body", rejection.body_text())
                }
            })?;
        // Every body of this API is an object. Reading it as a map first rejects arrays,
        // which serde would otherwise accept as a struct's fields in order.
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&bytes).map_err(|e| json_error(&e))?;
        serde_json::from_value(serde_json::Value::Object(object))
            .map(JsonBody)
            .map_err(|e| HttpError(json_error(&e)))
    }
}

fn require_json_content_type(headers: &HeaderMap) -> Result<(), HttpError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    // Parameters such as `; charset=utf-8` do not change what the body is.
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let is_json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if is_json {
        Ok(())
    } else {
        let found = if content_type.is_empty() {
            "no Content-Type".to_owned()
        } else {
            format!("Content-Type {content_type:?}")
        };
        Err(HttpError(ApiError::UnsupportedMediaType(format!(
            "the body must be JSON sent with Content-Type: application/json, got {found}"
        ))))
    }
}

/// Sorts serde_json's errors into unparseable JSON and JSON of the wrong shape; its
/// messages already name the field and position, so they are passed on.
fn json_error(error: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Data => ApiError::bad_request("invalid_body", error.to_string()),
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            "invalid_json",
            format!("the body is not valid JSON: {error}"),
        ),
    }
}

/// The `{id}` path segment, parsed as a todo id (400 `invalid_id` if it is not one).
#[derive(Debug, Clone, Copy)]
pub struct TodoIdPath(pub TodoId);

impl<S> FromRequestParts<S> for TodoIdPath
where
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::bad_request("invalid_id", rejection.body_text()))?;
        Ok(Self(raw.parse()?))
    }
}

/// The path parameter `name` of a route with several (`/lists/{listId}/todos/{todoId}`).
/// A route without it is our bug; a parameter that is not valid text is the caller's.
pub(crate) async fn path_param(parts: &mut Parts, name: &str) -> Result<String, HttpError> {
    let Path(mut params) = Path::<HashMap<String, String>>::from_request_parts(parts, &())
        .await
        .map_err(|rejection| ApiError::bad_request("invalid_id", rejection.body_text()))?;
    params.remove(name).ok_or_else(|| {
        HttpError(ApiError::internal(format!(
            "the route {} has no {{{name}}} parameter",
            parts.uri.path()
        )))
    })
}

/// The `{todoId}` path segment of a list's todo route, parsed (400 `invalid_id` if it is
/// not a todo id).
#[derive(Debug, Clone, Copy)]
pub struct TodoIdParam(pub TodoId);

impl<S: Send + Sync> FromRequestParts<S> for TodoIdParam {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(path_param(parts, "todoId").await?.parse()?))
    }
}

/// The `{userId}` path segment of a member route, parsed (400 `invalid_id` if it cannot be
/// a user id).
#[derive(Debug, Clone)]
pub struct UserIdParam(pub UserId);

impl<S: Send + Sync> FromRequestParts<S> for UserIdParam {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(UserId::new(path_param(parts, "userId").await?)?))
    }
}

/// The optional `?version=<n>` of `DELETE /lists/{listId}/todos/{todoId}`: the version the
/// deletion is based on. Any other query parameter, or a version that is not a whole
/// number, is a 400 `invalid_query`.
#[derive(Debug, Clone, Copy)]
pub struct VersionQuery(pub Option<u64>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionParams {
    version: Option<u64>,
}

impl<S: Send + Sync> FromRequestParts<S> for VersionQuery {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Query(params) = Query::<VersionParams>::try_from_uri(&parts.uri).map_err(|e| {
            ApiError::bad_request(
                "invalid_query",
                format!("the query string must be empty or ?version=<whole number>: {e}"),
            )
        })?;
        Ok(Self(params.version))
    }
}
