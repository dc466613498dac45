//! What a token must match — issuer, app client, token use — and where the signing keys are,
//! read from environment variables once at startup.

use std::fmt;
use std::time::Duration;

use crate::jwks::MIN_REFETCH_INTERVAL;

/// Which of Cognito's two JWTs the API accepts.
///
/// The API accepts the **ID token** by default. API Gateway's Cognito authorizer, configured
/// without OAuth scopes (as the course's REST API is), validates the ID token and rejects
/// access tokens, so accepting the same token locally keeps local and deployed behaviour
/// identical: a SPA that works against one works against the other. The ID token also
/// carries the user's `email`, which an access token does not. An API that authorizes by
/// OAuth scopes instead would switch to [`TokenUse::Access`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenUse {
    /// `token_use: id`, issued to the app client named in `aud`.
    #[default]
    Id,
    /// `token_use: access`, issued to the app client named in `client_id`.
    Access,
}

impl TokenUse {
    /// The value of the `token_use` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Access => "access",
        }
    }
}

/// Everything the verifier checks a token against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// The expected `iss`: `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub issuer: String,
    /// The app client the token must have been issued to.
    pub client_id: String,
    /// Which token the API accepts.
    pub token_use: TokenUse,
    /// Where the pool's public keys are. Normally `<issuer>/.well-known/jwks.json`; an
    /// emulator serves them elsewhere while still putting the real AWS issuer in its tokens.
    pub jwks_url: String,
    /// The shortest time between two JWKS downloads triggered by unknown key ids, so a flood
    /// of tokens with made-up `kid`s cannot turn into a flood of requests to Cognito.
    pub min_jwks_refetch_interval: Duration,
}

/// A missing or malformed environment variable; shared by every runtime crate that reads its
/// configuration from the environment (`todo-api` re-exports it).
#[derive(thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {name} is not set: {hint}")]
    Missing {
        name: &'static str,
        hint: &'static str,
    },
    #[error("environment variable {name}={value:?} is invalid: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
}

// `main` returning an error prints its `Debug`; make that the readable message.
impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl AuthConfig {
    /// The configuration for a Cognito user pool: issuer and JWKS URL derived from the region
    /// and pool id, ID tokens accepted.
    pub fn cognito(region: &str, user_pool_id: &str, client_id: &str) -> Self {
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}");
        Self {
            jwks_url: format!("{issuer}/.well-known/jwks.json"),
            issuer,
            client_id: client_id.to_owned(),
            token_use: TokenUse::default(),
            min_jwks_refetch_interval: MIN_REFETCH_INTERVAL,
        }
    }

    /// The same configuration, with the keys fetched from `jwks_url` instead.
    pub fn with_jwks_url(mut self, jwks_url: impl Into<String>) -> Self {
        self.jwks_url = jwks_url.into();
        self
    }

    /// The same configuration, accepting `token_use` tokens instead.
    pub fn with_token_use(mut self, token_use: TokenUse) -> Self {
        self.token_use = token_use;
        self
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    ///
    /// `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID` and `AWS_REGION` are required (Lambda sets
    /// `AWS_REGION` itself); `COGNITO_JWKS_URL` is optional.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str, hint: &'static str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or(ConfigError::Missing { name, hint })
        };
        let region = required(
            "AWS_REGION",
            "set it to the user pool's region, e.g. us-east-1 (Lambda sets it itself)",
        )?;
        let user_pool_id = required(
            "COGNITO_USER_POOL_ID",
            "set it to the user pool's id, e.g. us-east-1_AbCdEf123 (the CDK app sets it in \
             Lambda; the local runner sets it from the pool it created)",
        )?;
        let client_id = required(
            "COGNITO_CLIENT_ID",
            "set it to the id of the SPA's app client in the user pool",
        )?;
        // A pool id starts with its region. A mismatch would make every token's issuer wrong
        // and every request a 401, so it is caught here, where the message can say why.
        let expected_prefix = format!("{region}_");
        if !user_pool_id.starts_with(&expected_prefix)
            || user_pool_id.len() == expected_prefix.len()
        {
            return Err(ConfigError::Invalid {
                name: "COGNITO_USER_POOL_ID",
                value: user_pool_id,
                reason: format!(
                    "a user pool id in AWS_REGION={region} looks like {region}_AbCdEf123; \
                     check both variables"
                ),
            });
        }
        let mut config = Self::cognito(&region, &user_pool_id, &client_id);
        if let Some(value) = lookup("COGNITO_JWKS_URL").filter(|v| !v.trim().is_empty()) {
            let url = value.trim();
            // Plain HTTP only to this machine (a local emulator): keys fetched over the network
            // without TLS could be swapped, and then anyone could mint tokens.
            let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"];
            if !(url.starts_with("https://") || loopback.iter().any(|p| url.starts_with(p))) {
                return Err(ConfigError::Invalid {
                    name: "COGNITO_JWKS_URL",
                    value,
                    reason: "expected an https:// URL of the pool's jwks.json, or http:// on this \
                             machine for an emulator, e.g. \
                             http://127.0.0.1:5000/<poolId>/.well-known/jwks.json for moto"
                        .to_owned(),
                });
            }
            config.jwks_url = url.to_owned();
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<AuthConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AuthConfig::from_lookup(|name| vars.get(name).cloned())
    }

    const COMPLETE: [(&str, &str); 3] = [
        ("AWS_REGION", "eu-west-1"),
        ("COGNITO_USER_POOL_ID", "eu-west-1_Abc123"),
        ("COGNITO_CLIENT_ID", "client123"),
    ];

    #[test]
    fn issuer_and_jwks_url_derive_from_region_and_pool() {
        let config = config(&COMPLETE).unwrap();
        assert_eq!(
            config.issuer,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123"
        );
        assert_eq!(
            config.jwks_url,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123/.well-known/jwks.json"
        );
        assert_eq!(config.client_id, "client123");
        assert_eq!(config.token_use, TokenUse::Id);
        assert_eq!(config.min_jwks_refetch_interval, MIN_REFETCH_INTERVAL);
    }

    #[test]
    fn jwks_url_can_point_at_an_emulator_while_the_issuer_stays_aws() {
        let mut vars = COMPLETE.to_vec();
        vars.push((
            "COGNITO_JWKS_URL",
            "http://127.0.0.1:5000/eu-west-1_Abc123/.well-known/jwks.json",
        ));
        let config = config(&vars).unwrap();
        assert_eq!(
            config.jwks_url,
            "http://127.0.0.1:5000/eu-west-1_Abc123/.well-known/jwks.json"
        );
        assert!(
            config
                .issuer
                .starts_with("https://cognito-idp.eu-west-1.amazonaws.com/")
        );
    }

    #[test]
    fn each_missing_variable_is_named() {
        for missing in ["AWS_REGION", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID"] {
            let vars: Vec<_> = COMPLETE
                .iter()
                .copied()
                .map(|(k, v)| if k == missing { (k, " ") } else { (k, v) })
                .collect();
            let error = config(&vars).unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("environment variable {missing} is not set")),
                "{message}"
            );
            assert_eq!(format!("{error:?}"), message);
        }
    }

    #[test]
    fn a_pool_from_another_region_is_refused_at_startup() {
        let mut vars = COMPLETE.to_vec();
        vars[1] = ("COGNITO_USER_POOL_ID", "us-east-1_Abc123");
        let message = config(&vars).unwrap_err().to_string();
        assert!(message.contains("COGNITO_USER_POOL_ID"), "{message}");
        assert!(message.contains("AWS_REGION=eu-west-1"), "{message}");
    }

    #[test]
    fn a_jwks_url_must_be_http() {
        let mut vars = COMPLETE.to_vec();
        vars.push(("COGNITO_JWKS_URL", "localhost:5000/jwks.json"));
        let message = config(&vars).unwrap_err().to_string();
        assert!(message.contains("COGNITO_JWKS_URL"), "{message}");
    }

    #[test]
    fn plain_http_jwks_is_only_for_this_machine() {
        let mut vars = COMPLETE.to_vec();
        vars.push(("COGNITO_JWKS_URL", "http://keys.example.com/jwks.json"));
        assert!(config(&vars).is_err(), "plain HTTP to another host");
        vars.pop();
        vars.push((
            "COGNITO_JWKS_URL",
            "http://localhost:4566/pool/.well-known/jwks.json",
        ));
        assert!(config(&vars).is_ok(), "plain HTTP to a local emulator");
    }
}
