//! `MemoryDirectory`: a fixed set of users, for tests and quick local runs.

use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use todo_domain::{ApiError, Email, UserId};

use crate::{DirectoryUser, UserDirectory};

/// An in-memory `UserDirectory`; starts empty, users are added with [`Self::add`].
#[derive(Debug, Default)]
pub struct MemoryDirectory {
    users: Mutex<Vec<DirectoryUser>>,
}

impl MemoryDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a user.
    pub fn add(&self, user_id: UserId, email: impl Into<String>) {
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(DirectoryUser {
                user_id,
                email: email.into(),
            });
    }
}

#[async_trait]
impl UserDirectory for MemoryDirectory {
    async fn find_by_email(&self, email: &Email) -> Result<Option<DirectoryUser>, ApiError> {
        Ok(self
            .users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|user| email.matches(&user.email))
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finds_users_by_email_ignoring_case() {
        let directory = MemoryDirectory::new();
        directory.add(UserId::new("u1").unwrap(), "Bob@example.com");
        let found = directory
            .find_by_email(&Email::parse("bob@EXAMPLE.com").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.user_id.as_str(), "u1");
        let missing = Email::parse("carol@example.com").unwrap();
        assert_eq!(directory.find_by_email(&missing).await.unwrap(), None);
    }
}
