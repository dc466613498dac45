//! `ApiError`: every failure the API can report, with its HTTP status and public error code.

use std::error::Error as StdError;

/// A failure of an API operation.
///
/// Client mistakes carry a message that is safe and useful to show the caller. `Internal`
/// carries the real cause for the logs only: its public message is deliberately generic so
/// that table names, SDK details and the like never reach a client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Well-formed input that breaks a domain rule (an empty title, a patch with no fields).
    #[error("{0}")]
    Validation(String),
    /// Input that could not be read at all (malformed JSON, a bad id, wrong field types).
    /// `code` is the machine-readable reason, e.g. `invalid_json`.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// The caller is signed in and may see the resource, but not do this to it (a list's
    /// member renaming it). A caller who may not see a resource at all gets `NotFound`,
    /// so that its existence is not revealed.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The route exists but does not accept this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request conflicts with the current state: a stale `version`, a user who is
    /// already a member.
    #[error("{0}")]
    Conflict(String),
    /// The request body is bigger than the API accepts.
    #[error("request body is larger than {limit_bytes} bytes")]
    PayloadTooLarge { limit_bytes: usize },
    /// The request body is not declared as JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Something the request needs is not ready yet but will be shortly (a new list's table
    /// is still being created in the silo model). A 503 with `Retry-After`, so that clients
    /// retry instead of treating it as a failure; the message says so.
    #[error("{message}")]
    Unavailable {
        message: String,
        retry_after_secs: u32,
    },
    /// Anything that is our fault, not the caller's: the store failed, a bug, a bad item.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl ApiError {
    /// A `Validation` error with the given message.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::Validation(message.into())
    }

    /// A `BadRequest` error with a machine-readable code and a human message.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// An `Internal` error wrapping its cause (kept for the logs, never shown to clients).
    pub fn internal(cause: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    /// An `Unavailable` error: try again in `retry_after_secs` seconds.
    pub fn unavailable(message: impl Into<String>, retry_after_secs: u32) -> Self {
        Self::Unavailable {
            message: message.into(),
            retry_after_secs,
        }
    }

    /// How many seconds the caller should wait before retrying (the `Retry-After` header),
    /// for an error that is worth retrying as is.
    pub fn retry_after_secs(&self) -> Option<u32> {
        match self {
            Self::Unavailable {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The HTTP status code this error maps to.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation(_) | Self::BadRequest { .. } => 400,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict(_) => 409,
            Self::PayloadTooLarge { .. } => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::Internal(_) => 500,
            Self::Unavailable { .. } => 503,
        }
    }

    /// The stable, machine-readable error code clients can branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::BadRequest { code, .. } => code,
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Internal(_) => "internal_error",
            Self::Unavailable { .. } => "unavailable",
        }
    }

    /// The message that may be shown to the caller.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "something went wrong on our side; please try again".to_owned(),
            other => other.to_string(),
        }
    }

    /// True when the error is the server's fault and its cause should be logged.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Internal(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status_and_code() {
        let cases = [
            (ApiError::validation("x"), 400, "validation_failed"),
            (
                ApiError::bad_request("invalid_json", "x"),
                400,
                "invalid_json",
            ),
            (ApiError::Forbidden("x".into()), 403, "forbidden"),
            (ApiError::NotFound("x".into()), 404, "not_found"),
            (ApiError::MethodNotAllowed, 405, "method_not_allowed"),
            (ApiError::Conflict("x".into()), 409, "conflict"),
            (
                ApiError::PayloadTooLarge { limit_bytes: 1 },
                413,
                "payload_too_large",
            ),
            (
                ApiError::UnsupportedMediaType("x".into()),
                415,
                "unsupported_media_type",
            ),
            (ApiError::internal("boom"), 500, "internal_error"),
            (ApiError::unavailable("x", 2), 503, "unavailable"),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status(), status, "{error:?}");
            assert_eq!(error.code(), code, "{error:?}");
        }
    }

    #[test]
    fn internal_errors_hide_their_cause_from_clients() {
        let error = ApiError::internal("table arn:aws:dynamodb:secret is on fire");
        assert!(error.is_internal());
        assert!(!error.public_message().contains("secret"));
        assert!(
            error.to_string().contains("secret"),
            "the log keeps the cause"
        );
    }

    #[test]
    fn only_unavailable_errors_ask_for_a_retry() {
        let error = ApiError::unavailable("list x is being prepared; try again", 2);
        assert_eq!(error.retry_after_secs(), Some(2));
        assert!(!error.is_internal());
        assert_eq!(
            error.public_message(),
            "list x is being prepared; try again"
        );
        assert_eq!(ApiError::internal("boom").retry_after_secs(), None);
        assert_eq!(ApiError::NotFound("x".into()).retry_after_secs(), None);
    }

    #[test]
    fn client_errors_show_their_message() {
        let error = ApiError::validation("title must not be empty");
        assert_eq!(error.public_message(), "title must not be empty");
        assert!(!error.is_internal());
    }
}
