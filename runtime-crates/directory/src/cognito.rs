//! `CognitoDirectory`: users of a Cognito user pool, found with `ListUsers`.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_cognitoidentityprovider::types::{UserStatusType, UserType};
use todo_auth::ConfigError;
use todo_domain::{ApiError, Email, UserId};

use crate::{DirectoryUser, UserDirectory};

/// A `UserDirectory` on a Cognito user pool. Needs `cognito-idp:ListUsers` on the pool.
#[derive(Debug, Clone)]
pub struct CognitoDirectory {
    client: Client,
    user_pool_id: String,
}

impl CognitoDirectory {
    /// A directory of `user_pool_id`, asked through `client`.
    pub fn new(client: Client, user_pool_id: impl Into<String>) -> Self {
        Self {
            client,
            user_pool_id: user_pool_id.into(),
        }
    }

    /// A directory of the pool named by `COGNITO_USER_POOL_ID` (the variable sign-in
    /// already reads), asked through a client of `sdk_config`. Build it once at startup.
    pub fn from_env(sdk_config: &SdkConfig) -> Result<Self, ConfigError> {
        Self::from_lookup(sdk_config, |name| std::env::var(name).ok())
    }

    /// [`Self::from_env`], reading variables through `lookup` (a map in tests).
    pub fn from_lookup(
        sdk_config: &SdkConfig,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let user_pool_id = lookup("COGNITO_USER_POOL_ID")
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
            .ok_or(ConfigError::Missing {
                name: "COGNITO_USER_POOL_ID",
                hint: "set it to the user pool whose users lists can be shared with",
            })?;
        Ok(Self::new(Client::new(sdk_config), user_pool_id))
    }

    /// The users whose `email` attribute is exactly `email`.
    async fn list_users(&self, email: &str) -> Result<Vec<UserType>, ApiError> {
        // `Email` refuses quotes and backslashes, so the value cannot break out of the
        // filter's string.
        let output = self
            .client
            .list_users()
            .user_pool_id(&self.user_pool_id)
            .filter(format!("email = \"{email}\""))
            .limit(10)
            .send()
            .await
            .map_err(|e| {
                let detail = match e.as_service_error() {
                    Some(service) => format!(
                        "{}: {}",
                        service.code().unwrap_or("unknown error code"),
                        service.message().unwrap_or("no message")
                    ),
                    None => DisplayErrorContext(&e).to_string(),
                };
                ApiError::internal(format!(
                    "Cognito ListUsers on pool {} failed: {detail}",
                    self.user_pool_id
                ))
            })?;
        Ok(output.users.unwrap_or_default())
    }
}

/// A user that can be shared with: enabled, and confirmed (or otherwise past sign-up).
fn usable(user: &UserType) -> Option<DirectoryUser> {
    let attribute = |name: &str| {
        user.attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value())
    };
    if !user.enabled() || user.user_status() == Some(&UserStatusType::Unconfirmed) {
        return None;
    }
    let user_id = UserId::new(attribute("sub")?).ok()?;
    Some(DirectoryUser {
        user_id,
        email: attribute("email")?.to_owned(),
    })
}

#[async_trait]
impl UserDirectory for CognitoDirectory {
    async fn find_by_email(&self, email: &Email) -> Result<Option<DirectoryUser>, ApiError> {
        // Cognito's filter matches exactly; people type their address in any case, while
        // pools usually hold it as signed up. Try it as typed, then in lowercase.
        let typed = email.as_str();
        let mut candidates = vec![typed.to_owned()];
        let lowercase = typed.to_lowercase();
        if lowercase != typed {
            candidates.push(lowercase);
        }
        for candidate in candidates {
            if let Some(user) = self.list_users(&candidate).await?.iter().find_map(usable) {
                return Ok(Some(user));
            }
        }
        Ok(None)
    }
}
