//! The user directory: who is registered under an email address, so that a list's owner
//! can share it by email (step03).
//!
//! [`UserDirectory`] is the trait the API uses; [`CognitoDirectory`] asks the user pool
//! (Cognito `ListUsers` with a `email = "…"` filter; feature `cognito`, on by default),
//! [`MemoryDirectory`] is for tests.

#[cfg(feature = "cognito")]
mod cognito;
mod memory;

use async_trait::async_trait;
use todo_domain::{ApiError, Email, UserId};

#[cfg(feature = "cognito")]
pub use cognito::CognitoDirectory;
pub use memory::MemoryDirectory;

/// A registered user, as the directory knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// Their `sub`: the id their tokens carry and their data is keyed by.
    pub user_id: UserId,
    /// Their email, as registered.
    pub email: String,
}

/// Looks users up by email. Shared by every request, so `Send + Sync` and used behind `Arc`.
#[async_trait]
pub trait UserDirectory: Send + Sync {
    /// The confirmed, enabled user registered with `email`, if there is one. Letter case
    /// is ignored.
    async fn find_by_email(&self, email: &Email) -> Result<Option<DirectoryUser>, ApiError>;
}
