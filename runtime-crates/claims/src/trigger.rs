//! The pre-token-generation trigger: Cognito's event in, the same event with the tenant
//! claims in its `response` out.
//!
//! Cognito sends one of two shapes (the user pool's `LambdaVersion` picks it):
//!
//! - **V1** (`"version": "1"`, every feature plan): the ID token only, through
//!   `response.claimsOverrideDetails.claimsToAddOrOverride`.
//! - **V2** (`"version": "2"`; `"3"` is the same shape, which also covers machine-to-machine
//!   tokens): ID and access tokens, through
//!   `response.claimsAndScopeOverrideDetails.{idTokenGeneration,accessTokenGeneration}
//!   .claimsToAddOrOverride`.
//!
//! The event is handled as JSON rather than a typed struct so that every field Cognito
//! sends comes back untouched, whatever it adds in the future; only the claims are set.

use std::sync::Arc;

use serde_json::{Map, Value};
use todo_domain::UserId;
use todo_storage::MembershipIndex;

use crate::TenantClaims;

/// The trigger sources of tokens issued to a user: sign-in through the SDK
/// (`Authentication`), the hosted UI (`HostedAuth`), after a forced password change
/// (`NewPasswordChallenge`), device authentication (`AuthenticateDevice`) and refresh
/// (`RefreshTokens`, so a refreshed token carries the user's current lists).
const USER_SOURCES: [&str; 5] = [
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
];

/// A V3 client-credentials grant: a machine, not a user, so there are no lists to name.
const MACHINE_SOURCE: &str = "TokenGeneration_ClientCredentials";

/// Why an event could not be answered. Cognito fails the sign-in with this message, so it
/// only happens for an event that is not a user's pre-token-generation event at all (a
/// wiring mistake), never because the index could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("the event is not a JSON object; expected a Cognito pre-token-generation event")]
    NotAnObject,
    #[error(
        "unsupported pre-token-generation event version {0}; expected \"1\", \"2\" or \"3\" \
         (the user pool's PreTokenGenerationConfig LambdaVersion V1_0, V2_0 or V3_0)"
    )]
    UnsupportedVersion(String),
    #[error(
        "trigger source {0} is not a pre-token-generation source; attach this function to \
         the user pool's PreTokenGeneration trigger only"
    )]
    WrongTrigger(String),
    #[error("the event has no request.userAttributes.sub naming the user")]
    NoUser,
    #[error("request.userAttributes.sub {0:?} is not a user id")]
    BadUser(String),
}

/// Which response shape the event wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

/// The trigger's handler; build it once at startup with the index it reads.
#[derive(Clone)]
pub struct TokenTrigger {
    index: Arc<dyn MembershipIndex>,
}

impl TokenTrigger {
    /// A handler reading users' lists from `index` (the `USER#<sub>` partitions; the
    /// trigger needs nothing else, see `DynamoPool::index_only`).
    pub fn new(index: Arc<dyn MembershipIndex>) -> Self {
        Self { index }
    }

    /// Answers one event: the event itself, with the user's [`TenantClaims`] added to its
    /// `response` for every token the version lets us customize.
    ///
    /// If the index cannot be read, the token is issued without the claims (and the error
    /// logged): the API then finds every list in the index, as it did before tenant
    /// claims, whereas failing here would stop the user from signing in at all.
    pub async fn handle(&self, mut event: Value) -> Result<Value, TriggerError> {
        let object = event.as_object_mut().ok_or(TriggerError::NotAnObject)?;
        let version = match object.get("version").and_then(Value::as_str) {
            Some("1") => Version::V1,
            Some("2" | "3") => Version::V2,
            other => {
                return Err(TriggerError::UnsupportedVersion(
                    other.map_or_else(|| "(none)".to_owned(), |v| format!("{v:?}")),
                ));
            }
        };
        let source = object
            .get("triggerSource")
            .and_then(Value::as_str)
            .unwrap_or("(none)");
        if source == MACHINE_SOURCE {
            return Ok(event);
        }
        if !USER_SOURCES.contains(&source) {
            return Err(TriggerError::WrongTrigger(source.to_owned()));
        }
        let sub = object
            .get("request")
            .and_then(|request| request.get("userAttributes"))
            .and_then(|attributes| attributes.get("sub"))
            .and_then(Value::as_str)
            .ok_or(TriggerError::NoUser)?;
        let user = UserId::new(sub).map_err(|_| TriggerError::BadUser(sub.to_owned()))?;
        let claims = match self.index.memberships(&user).await {
            Ok(entries) => TenantClaims::newest(entries),
            Err(error) => {
                tracing::error!(%user, %error, "cannot read the list index; issuing the token without tenant claims");
                return Ok(event);
            }
        };
        tracing::debug!(
            %user,
            source,
            tenants = claims.tenants().len(),
            truncated = claims.truncated(),
            "tenant claims added"
        );
        let claims = claims.to_claims();
        let response = child(object, "response");
        match version {
            Version::V1 => add_claims(child(response, "claimsOverrideDetails"), &claims),
            Version::V2 => {
                let details = child(response, "claimsAndScopeOverrideDetails");
                for token in ["idTokenGeneration", "accessTokenGeneration"] {
                    add_claims(child(details, token), &claims);
                }
            }
        }
        Ok(event)
    }
}

/// `claims` added to (or replacing same-named entries of) `details.claimsToAddOrOverride`,
/// keeping whatever else is there.
fn add_claims(details: &mut Map<String, Value>, claims: &Map<String, Value>) {
    let target = child(details, "claimsToAddOrOverride");
    for (name, value) in claims {
        target.insert(name.clone(), value.clone());
    }
}

/// The object at `parent[name]`, made an empty object first if it is missing or not an
/// object (Cognito sends `null` for the override details it expects us to fill).
fn child<'a>(parent: &'a mut Map<String, Value>, name: &str) -> &'a mut Map<String, Value> {
    let slot = parent
        .entry(name)
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
        .expect("the slot was just made an object")
}
