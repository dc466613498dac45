//! `TenantCredentials`: AWS credentials that can reach one tenant's data and nothing else,
//! from STS AssumeRole with a session policy, cached per tenant for as long as they are
//! valid. The policy comes from a [`SessionScope`]: the pool's ([`TenancyConfig`], one
//! partition of the shared table) or the silo's ([`crate::SiloConfig`], one table).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use todo_domain::{ApiError, TenantId};

use crate::{TenancyConfig, session_policy};

/// How long each tenant's credentials are asked for: one hour, the most STS grants a role
/// assumed with credentials that are themselves a role session (a Lambda's are).
pub const SESSION_DURATION: Duration = Duration::from_secs(3600);

/// How long before they expire cached credentials are replaced, so that a request never
/// starts with credentials that run out while it is in flight.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// At most this many tenants' credentials are kept; past it, expired ones are dropped, and
/// if that is not enough, all of them (a busy instance simply assumes again).
const MAX_CACHED_TENANTS: usize = 1000;

/// Which role a tenant's credentials come from, and the session policy that narrows them to
/// that tenant.
pub trait SessionScope: fmt::Debug + Send + Sync {
    /// The tenant-access role to assume.
    fn role_arn(&self) -> &str;

    /// The session policy for `tenant`, as the JSON document sent to STS.
    fn session_policy(&self, tenant: &TenantId) -> String;
}

/// The pool model: one partition (`TENANT#<id>`) of the shared table.
impl SessionScope for TenancyConfig {
    fn role_arn(&self) -> &str {
        &self.tenant_role_arn
    }

    fn session_policy(&self, tenant: &TenantId) -> String {
        session_policy(&self.table_arn, tenant)
    }
}

/// Assumes the tenant-access role once per tenant and keeps the credentials until shortly
/// before they expire. Build it once at startup and share it. `S` says which policy; the
/// default is the pool's.
#[derive(Debug)]
pub struct TenantCredentials<S = TenancyConfig> {
    sts: aws_sdk_sts::Client,
    config: S,
    refresh_margin: Duration,
    cache: Mutex<HashMap<TenantId, Credentials>>,
}

impl<S: SessionScope> TenantCredentials<S> {
    /// A provider that calls STS through `sts` (built from the Lambda's own configuration).
    pub fn new(sts: aws_sdk_sts::Client, config: S) -> Self {
        Self {
            sts,
            config,
            refresh_margin: REFRESH_MARGIN,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The same provider, replacing credentials `margin` before they expire instead of
    /// [`REFRESH_MARGIN`]. A margin longer than [`SESSION_DURATION`] makes every call assume
    /// the role again, which is how the tests observe the refresh.
    #[must_use]
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The role and table(s) the credentials are for.
    pub fn config(&self) -> &S {
        &self.config
    }

    /// Credentials for `tenant`'s items only: cached ones while they have more than the
    /// refresh margin left, otherwise fresh ones from STS.
    pub async fn for_tenant(&self, tenant: &TenantId) -> Result<Credentials, ApiError> {
        if let Some(cached) = self.cache().get(tenant).filter(|c| self.is_fresh(c)) {
            return Ok(cached.clone());
        }
        // Two concurrent first requests of one tenant may both assume the role; both get
        // valid credentials, and the second simply replaces the first in the cache.
        let credentials = self.assume(tenant).await?;
        let mut cache = self.cache();
        if cache.len() >= MAX_CACHED_TENANTS {
            cache.retain(|_, c| self.is_fresh(c));
            if cache.len() >= MAX_CACHED_TENANTS {
                cache.clear();
            }
        }
        cache.insert(tenant.clone(), credentials.clone());
        Ok(credentials)
    }

    fn is_fresh(&self, credentials: &Credentials) -> bool {
        credentials
            .expiry()
            .and_then(|expiry| expiry.checked_sub(self.refresh_margin))
            .is_some_and(|refresh_at| SystemTime::now() < refresh_at)
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<TenantId, Credentials>> {
        // The map is never left half-updated, so a panic elsewhere does not spoil it.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn assume(&self, tenant: &TenantId) -> Result<Credentials, ApiError> {
        let failed = |detail: String| {
            ApiError::internal(format!(
                "STS AssumeRole of {} for tenant {tenant} failed: {detail}",
                self.config.role_arn()
            ))
        };
        let output = self
            .sts
            .assume_role()
            .role_arn(self.config.role_arn())
            .role_session_name(session_name(tenant))
            .policy(self.config.session_policy(tenant))
            .duration_seconds(SESSION_DURATION.as_secs() as i32)
            .send()
            .await
            .map_err(|e| failed(sdk_error_detail(&e)))?;
        let issued = output
            .credentials
            .ok_or_else(|| failed("the answer has no credentials".to_owned()))?;
        let expiry = SystemTime::try_from(issued.expiration)
            .map_err(|e| failed(format!("the credentials' expiry is unreadable: {e}")))?;
        tracing::debug!(%tenant, "assumed the tenant-access role");
        Ok(Credentials::new(
            issued.access_key_id,
            issued.secret_access_key,
            Some(issued.session_token),
            Some(expiry),
            "todo-tenancy",
        ))
    }
}

/// The role session's name, which CloudTrail shows for every request made with it:
/// `tenant-<id>`, cut to STS's limit of 64 characters.
pub fn session_name(tenant: &TenantId) -> String {
    let mut name = format!("tenant-{tenant}");
    name.truncate(64);
    name
}

/// A service error summed up by its code and message; a transport failure by its whole
/// chain of causes, which is where the reason is.
fn sdk_error_detail<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("unknown error code"),
            service.message().unwrap_or("no message")
        ),
        None => DisplayErrorContext(error).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_name_the_tenant_within_the_limit() {
        let tenant = TenantId::generate();
        assert_eq!(session_name(&tenant), format!("tenant-{tenant}"));
        let long = TenantId::new("x".repeat(64)).unwrap();
        assert_eq!(session_name(&long).len(), 64);
    }
}
