//! The silo model (step05): each tenant (list) in its own DynamoDB table, reached only with
//! credentials that IAM limits to that one table.
//!
//! - **Tables**: `<prefix><listId>` ([`TenantTablePrefix`], `TENANT_TABLE_PREFIX`), key
//!   `pk`/`sk` (strings), on-demand with per-table maximums ([`Tier`]), tagged
//!   `tenant=<listId>`. Inside, items keep the pool's layout (`pk = TENANT#<listId>`, sk
//!   `LIST` / `MEMBER#<sub>` / `TODO#<id>`), so the pool's partition code is reused as is
//!   and a handle still refuses any tenant but its own.
//! - **Lifecycle** ([`TenantProvisioner`]): a table is created when a list is, takes a few
//!   seconds to become `ACTIVE` on AWS, and is deleted with the list. Until it is active,
//!   [`TenantPartitions::open`] answers [`ApiError::Unavailable`] (HTTP 503 with
//!   `Retry-After`), so clients retry rather than fail.
//! - **The users' index** stays in the shared control table (`USER#<sub>` partitions, the
//!   Lambda's own credentials), exactly as in the pool: the silo pools delegate
//!   [`MembershipIndex`] to an index-only pool.
//!
//! [`TenantTablePrefix`]: todo_tenancy::TenantTablePrefix

mod dynamo;
mod memory;

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use todo_domain::{ApiError, ListStatus, Member, Membership, Role, TenantId, Timestamp, UserId};
use todo_tenancy::list_not_found;

use crate::{MembershipIndex, PoolStore, TenantPartition, TenantPartitions};

pub use dynamo::{DynamoProvisioner, SiloPool};
pub use memory::{MemoryProvisioner, MemorySiloPool};

/// How long a client is asked to wait (`Retry-After`) while a tenant's table is created;
/// on-demand tables usually become active within seconds.
pub const PREPARING_RETRY_AFTER_SECS: u32 = 2;

/// A tenant's throughput ceiling: the on-demand maximum request units per second of its
/// table. Past it, DynamoDB throttles that tenant alone, so a runaway tenant neither runs
/// up an unbounded bill nor eats into the account's throughput that the others share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    /// `OnDemandThroughput.MaxReadRequestUnits`; at least 1.
    pub max_read_units: u32,
    /// `OnDemandThroughput.MaxWriteRequestUnits`; at least 1.
    pub max_write_units: u32,
}

impl Tier {
    /// Every list's tier for now: 100 reads and 50 writes a second. A person's todo list
    /// uses a few units a request, so this is a hundredfold headroom, while a loop gone
    /// wrong is throttled well below DynamoDB's default per-table ceiling (40,000).
    pub const STANDARD: Self = Self {
        max_read_units: 100,
        max_write_units: 50,
    };

    /// DynamoDB refuses a maximum of 0 (only -1, "no maximum", or at least 1).
    fn check(&self) -> Result<(), ApiError> {
        if self.max_read_units == 0 || self.max_write_units == 0 {
            return Err(ApiError::internal(format!(
                "tier {self:?}: on-demand maximums must be at least 1 request unit"
            )));
        }
        Ok(())
    }
}

impl Default for Tier {
    fn default() -> Self {
        Self::STANDARD
    }
}

/// Where a tenant's table is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStatus {
    /// Being created or updated (`CREATING`, `UPDATING`): not usable yet, soon will be.
    Preparing,
    /// `ACTIVE`: ready for reads and writes.
    Active,
    /// No such table, or one being deleted (`DELETING`).
    Missing,
}

/// Creates, inspects and deletes tenants' tables, with the API's own credentials (never a
/// tenant's: the tenant session policy allows item actions only).
#[async_trait]
pub trait TenantProvisioner: Send + Sync {
    /// Creates `tenant`'s table with `tier`'s maximums. Idempotent: a table that already
    /// exists (in any state) is fine, and left as it is.
    async fn provision(&self, tenant: &TenantId, tier: &Tier) -> Result<(), ApiError>;

    /// Whether `tenant`'s table is ready.
    async fn status(&self, tenant: &TenantId) -> Result<TableStatus, ApiError>;

    /// Deletes `tenant`'s table and everything in it. Idempotent: a missing table is fine.
    async fn deprovision(&self, tenant: &TenantId) -> Result<(), ApiError>;
}

/// A silo pool as the API holds it: the pool model's two halves, and the tenants' tables.
pub trait SiloStore: PoolStore + TenantProvisioner {}

impl<T: PoolStore + TenantProvisioner + ?Sized> SiloStore for T {}

/// The answer while `tenant`'s table is not active yet.
pub fn table_preparing(tenant: &TenantId) -> ApiError {
    ApiError::unavailable(
        format!("list {tenant} is being prepared; try again in a few seconds"),
        PREPARING_RETRY_AFTER_SECS,
    )
}

/// The answer to deleting `tenant`'s table while AWS is still creating it, which DynamoDB
/// refuses (`ResourceInUseException`).
pub fn table_not_deletable_yet(tenant: &TenantId) -> ApiError {
    ApiError::unavailable(
        format!(
            "list {tenant} is still being prepared and cannot be deleted yet; \
             try again in a few seconds"
        ),
        PREPARING_RETRY_AFTER_SECS,
    )
}

/// Makes a list whose owner's entry says `preparing` ready, if its table is active: the
/// list's record and `owner` go into the table, then the entry is marked ready (only if it
/// is still there and preparing: a conditional write, so a late activation never brings
/// back a list deleted meanwhile). While the table is being created the answer is
/// [`table_preparing`] (503); a table that is missing is asked for again, unless the list
/// is gone. Idempotent, and safe to run twice at once: the second write of the list finds
/// the first one's.
pub async fn activate(
    silo: &dyn SiloStore,
    tier: &Tier,
    owner: &Member,
    entry: Membership,
) -> Result<Membership, ApiError> {
    let tenant = entry.list_id.clone();
    if entry.role != Role::Owner || entry.status.is_ready() {
        return Err(ApiError::internal(format!(
            "only the owner's preparing entry activates list {tenant}; this one is {:?}, {:?}",
            entry.role, entry.status
        )));
    }
    let partition = match silo.open(&tenant).await {
        Ok(partition) => partition,
        // No table yet (its CreateTable failed or has not run), or gone: ask for it again,
        // unless the list was deleted meanwhile.
        Err(ApiError::NotFound(message)) => {
            let entry = silo.membership(&owner.user_id, &tenant).await?;
            if entry.is_none_or(|entry| entry.status.is_ready()) {
                return Err(ApiError::NotFound(message));
            }
            silo.provision(&tenant, tier).await?;
            return Err(table_preparing(&tenant));
        }
        Err(other) => return Err(other),
    };
    let list = entry.list_record(owner.user_id.clone());
    if let Err(error) = partition.create_list(&list, owner).await {
        // Written by a request that activated the list at the same time.
        if partition.list(&tenant).await.is_err() {
            return Err(error);
        }
    }
    silo.mark_ready(&owner.user_id, &tenant).await?;
    tracing::info!(%tenant, "list ready");
    Ok(Membership {
        status: ListStatus::Ready,
        ..entry
    })
}

/// At most this many tenants are remembered as active; past it the set is emptied and
/// refilled on demand (one DescribeTable each).
const MAX_REMEMBERED_TABLES: usize = 10_000;

/// The tenants whose table this process has seen active, so that only a table's first
/// open pays for a status check. A table stays active until it is deleted, and deleting a
/// list removes its index entries first, so a stale entry is never reached through the API.
#[derive(Debug, Default)]
struct ActiveTables(Mutex<HashSet<TenantId>>);

impl ActiveTables {
    /// `Ok` once `tenant`'s table is active; [`table_preparing`] before, and the list's
    /// `NotFound` when there is no table.
    async fn ensure(
        &self,
        provisioner: &dyn TenantProvisioner,
        tenant: &TenantId,
    ) -> Result<(), ApiError> {
        if self.lock().contains(tenant) {
            return Ok(());
        }
        match provisioner.status(tenant).await? {
            TableStatus::Active => {
                let mut active = self.lock();
                if active.len() >= MAX_REMEMBERED_TABLES {
                    active.clear();
                }
                active.insert(tenant.clone());
                Ok(())
            }
            TableStatus::Preparing => Err(table_preparing(tenant)),
            TableStatus::Missing => Err(list_not_found(tenant)),
        }
    }

    fn forget(&self, tenant: &TenantId) {
        self.lock().remove(tenant);
    }

    fn lock(&self) -> MutexGuard<'_, HashSet<TenantId>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a silo pool is made of. Both silo pools ([`SiloPool`], [`MemorySiloPool`]) are
/// one of these, and get the pool traits from it: the users' index is their index pool's,
/// provisioning is their provisioner's, and a tenant opens only once its table is active.
#[async_trait]
trait Silo: Send + Sync {
    /// The users' index: a pool that keeps only `USER#` partitions.
    fn index(&self) -> &dyn MembershipIndex;

    /// Creates, inspects and deletes the tenants' tables.
    fn provisioner(&self) -> &dyn TenantProvisioner;

    /// The tenants whose table was seen active.
    fn active(&self) -> &ActiveTables;

    /// A handle on `tenant`'s table, which is known to be active.
    async fn open_table(&self, tenant: &TenantId) -> Result<Box<dyn TenantPartition>, ApiError>;
}

#[async_trait]
impl<S: Silo> MembershipIndex for S {
    async fn memberships(&self, user: &UserId) -> Result<Vec<Membership>, ApiError> {
        self.index().memberships(user).await
    }

    async fn membership(
        &self,
        user: &UserId,
        list: &TenantId,
    ) -> Result<Option<Membership>, ApiError> {
        self.index().membership(user, list).await
    }

    async fn put_membership(&self, user: &UserId, entry: &Membership) -> Result<(), ApiError> {
        self.index().put_membership(user, entry).await
    }

    async fn rename_membership(
        &self,
        user: &UserId,
        list: &TenantId,
        name: &str,
        updated_at: Timestamp,
    ) -> Result<(), ApiError> {
        self.index()
            .rename_membership(user, list, name, updated_at)
            .await
    }

    async fn remove_membership(&self, user: &UserId, list: &TenantId) -> Result<(), ApiError> {
        self.index().remove_membership(user, list).await
    }

    async fn mark_ready(&self, user: &UserId, list: &TenantId) -> Result<(), ApiError> {
        self.index().mark_ready(user, list).await
    }
}

#[async_trait]
impl<S: Silo> TenantPartitions for S {
    /// A handle on `tenant`'s own table; `Unavailable` (503) while the table is being
    /// created, `NotFound` if it has none.
    async fn open(&self, tenant: &TenantId) -> Result<Box<dyn TenantPartition>, ApiError> {
        self.active().ensure(self.provisioner(), tenant).await?;
        self.open_table(tenant).await
    }
}

/// A silo's provisioning is its provisioner's; deleting a table also forgets that it was
/// active.
#[async_trait]
impl<S: Silo> TenantProvisioner for S {
    async fn provision(&self, tenant: &TenantId, tier: &Tier) -> Result<(), ApiError> {
        self.provisioner().provision(tenant, tier).await
    }

    async fn status(&self, tenant: &TenantId) -> Result<TableStatus, ApiError> {
        self.provisioner().status(tenant).await
    }

    async fn deprovision(&self, tenant: &TenantId) -> Result<(), ApiError> {
        self.active().forget(tenant);
        self.provisioner().deprovision(tenant).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preparing_answer_is_a_retryable_503() {
        let tenant = TenantId::generate();
        let error = table_preparing(&tenant);
        assert_eq!(error.status(), 503);
        assert_eq!(error.retry_after_secs(), Some(PREPARING_RETRY_AFTER_SECS));
        assert_eq!(
            error.public_message(),
            format!("list {tenant} is being prepared; try again in a few seconds")
        );
    }

    #[test]
    fn a_tier_needs_at_least_one_unit_each_way() {
        assert!(Tier::default().check().is_ok());
        let none = Tier {
            max_read_units: 0,
            ..Tier::STANDARD
        };
        assert!(none.check().unwrap_err().is_internal());
    }
}
