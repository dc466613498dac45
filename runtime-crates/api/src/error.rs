//! Turning an `ApiError` into the HTTP response every client sees: a status code and
//! `{"error": "<code>", "message": "<text>"}`, plus `Retry-After` (seconds) on a 503 that is
//! worth retrying as is.

use axum::Json;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use todo_domain::ApiError;

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable, machine-readable code such as `not_found` or `invalid_json`.
    pub error: String,
    /// A sentence for humans; never contains internal details.
    pub message: String,
}

/// An `ApiError` on its way out as an HTTP response.
///
/// It exists because neither `ApiError` (from the domain crate) nor `IntoResponse` (from
/// axum) belongs to this crate, so the conversion needs a local type. `?` converts.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let error = self.0;
        if error.is_internal() {
            // The only place the cause of a 500 is recorded; the client gets a generic text.
            tracing::error!(error = %error, "request failed");
        }
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: error.code().to_owned(),
            message: error.public_message(),
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = error.retry_after_secs() {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    async fn answer(error: ApiError) -> (StatusCode, Option<String>, ErrorBody) {
        let response = HttpError(error).into_response();
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .map(|value| value.to_str().unwrap().to_owned());
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, retry_after, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn an_unavailable_error_is_a_503_with_retry_after() {
        let message = "list x is being prepared; try again in a few seconds";
        let (status, retry_after, body) = answer(ApiError::unavailable(message, 2)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after.as_deref(), Some("2"));
        assert_eq!(
            body,
            ErrorBody {
                error: "unavailable".into(),
                message: message.into()
            }
        );
    }

    #[tokio::test]
    async fn other_errors_carry_no_retry_after() {
        let (status, retry_after, body) = answer(ApiError::NotFound("gone".into())).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(retry_after, None);
        assert_eq!(body.error, "not_found");
    }
}
