//! Tenancy: who may do what on a list (a tenant), and credentials that can reach one
//! tenant's data and nothing else.
//!
//! Isolation is enforced twice, independently:
//!
//! 1. **The API authorizes** — [`TenantContext`] is the caller's role on the list in the
//!    request path, from their entry in the list index (when their token's tenant claims
//!    name the list, the partition is opened while that entry is read); none is a 404, and
//!    [`TenantContext::authorize`] applies the owner/member rules (the table in [`access`]).
//! 2. **The credentials confine** — every request's reads and writes of the tenant's
//!    partition go through a DynamoDB client built from [`TenantCredentials`]: STS
//!    AssumeRole on the tenant-access role with a session policy ([`session_policy`]) that
//!    allows only items whose partition key is `TENANT#<listId>`. A bug in a handler that
//!    asks for another tenant's key is refused by IAM, not by the handler's good manners.
//!
//! The Lambda's own role reaches only the `USER#<sub>` partitions (the list index, see
//! [`USER_PARTITION_PATTERN`]), so without the scoped credentials it cannot read any
//! tenant's data at all.
//!
//! In the silo model (step05) each tenant has its own table (`<prefix><listId>`,
//! [`TenantTablePrefix`]) and the session policy names that one table
//! ([`silo_session_policy`]); the same [`TenantCredentials`] cache serves both, with a
//! [`SiloConfig`] as its [`SessionScope`].

pub mod access;
mod config;
mod credentials;
mod policy;
mod silo;

pub use access::{Action, TenantContext, caller_user_id, list_not_found};
pub use config::TenancyConfig;
pub use credentials::{
    REFRESH_MARGIN, SESSION_DURATION, SessionScope, TenantCredentials, session_name,
};
pub use policy::{TENANT_ACTIONS, USER_PARTITION_PATTERN, session_policy, tenant_partition_key};
pub use silo::{
    MAX_TABLE_NAME_LEN, MAX_TABLE_PREFIX_LEN, SiloConfig, TenantTablePrefix, silo_session_policy,
};
pub use todo_auth::ConfigError;
