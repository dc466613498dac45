//! Turning an `ApiError` into the HTTP response every client sees: a status code and
//! `{"error": "<code>", "message": "<text>"}`.

use axum::Json;
use axum::http::StatusCode;
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
        (status, Json(body)).into_response()
    }
}
