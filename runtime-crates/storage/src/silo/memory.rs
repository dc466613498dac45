//! `MemorySiloPool` and `MemoryProvisioner`: the silo model in process-local maps, for unit
//! tests and quick local runs. Each tenant's "table" is a `MemoryPool` of its own, so a
//! handle cannot reach another tenant's items even by key.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use todo_domain::{ApiError, TenantId};

use super::{ActiveTables, Silo, TableStatus, TenantProvisioner, Tier};
use crate::{MembershipIndex, MemoryPool, TenantPartition, TenantPartitions};

/// In-memory tenant tables. Cheap to clone; clones share the tables.
#[derive(Debug, Default, Clone)]
pub struct MemoryProvisioner {
    state: Arc<Mutex<Tables>>,
}

#[derive(Debug, Default)]
struct Tables {
    tables: BTreeMap<TenantId, MemoryTable>,
    /// How many status calls a new table answers `Preparing` before it is `Active`.
    preparing_calls: u32,
}

#[derive(Debug)]
struct MemoryTable {
    items: MemoryPool,
    tier: Tier,
    preparing_calls_left: u32,
}

impl MemoryProvisioner {
    /// Tables that are active as soon as they are provisioned.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tables provisioned from now on answer `Preparing` to their first `calls` status
    /// checks (every [`TenantPartitions::open`] makes one until the table is active), the
    /// way a DynamoDB table is `CREATING` for a few seconds.
    #[must_use]
    pub fn with_preparing_calls(self, calls: u32) -> Self {
        self.lock().preparing_calls = calls;
        self
    }

    /// Makes every table still preparing active, as when AWS finishes creating it.
    pub fn finish_preparing(&self) {
        for table in self.lock().tables.values_mut() {
            table.preparing_calls_left = 0;
        }
    }

    /// The tier `tenant`'s table was created with, if it exists.
    pub fn tier(&self, tenant: &TenantId) -> Option<Tier> {
        self.lock().tables.get(tenant).map(|table| table.tier)
    }

    /// How many tenant tables exist.
    pub fn table_count(&self) -> usize {
        self.lock().tables.len()
    }

    /// How many items the tenant tables hold, together.
    pub fn item_count(&self) -> usize {
        self.lock()
            .tables
            .values()
            .map(|table| table.items.item_count())
            .sum()
    }

    /// `tenant`'s items, if its table exists.
    fn items(&self, tenant: &TenantId) -> Option<MemoryPool> {
        self.lock()
            .tables
            .get(tenant)
            .map(|table| table.items.clone())
    }

    fn lock(&self) -> MutexGuard<'_, Tables> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl TenantProvisioner for MemoryProvisioner {
    async fn provision(&self, tenant: &TenantId, tier: &Tier) -> Result<(), ApiError> {
        tier.check()?;
        let mut state = self.lock();
        let preparing_calls_left = state.preparing_calls;
        state
            .tables
            .entry(tenant.clone())
            .or_insert_with(|| MemoryTable {
                items: MemoryPool::new(),
                tier: *tier,
                preparing_calls_left,
            });
        Ok(())
    }

    async fn status(&self, tenant: &TenantId) -> Result<TableStatus, ApiError> {
        Ok(match self.lock().tables.get_mut(tenant) {
            None => TableStatus::Missing,
            Some(table) if table.preparing_calls_left > 0 => {
                table.preparing_calls_left -= 1;
                TableStatus::Preparing
            }
            Some(_) => TableStatus::Active,
        })
    }

    /// Refused while the table is still preparing, as DynamoDB refuses DeleteTable on a
    /// table it is creating.
    async fn deprovision(&self, tenant: &TenantId) -> Result<(), ApiError> {
        let mut state = self.lock();
        if state
            .tables
            .get(tenant)
            .is_some_and(|table| table.preparing_calls_left > 0)
        {
            return Err(super::table_not_deletable_yet(tenant));
        }
        state.tables.remove(tenant);
        Ok(())
    }
}

/// The silo model in memory: an index like `MemoryPool`'s and a [`MemoryProvisioner`]'s
/// tables, with the same open rules as `SiloPool` (503 while preparing, 404 without a table).
#[derive(Debug, Default)]
pub struct MemorySiloPool {
    index: MemoryPool,
    tables: MemoryProvisioner,
    active: ActiveTables,
}

impl MemorySiloPool {
    /// An empty silo whose tables are active as soon as they are provisioned.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty silo on `tables` (e.g. [`MemoryProvisioner::with_preparing_calls`]).
    pub fn with_tables(tables: MemoryProvisioner) -> Self {
        Self {
            tables,
            ..Self::default()
        }
    }

    /// The tenant tables, to inspect them in tests.
    pub fn tables(&self) -> &MemoryProvisioner {
        &self.tables
    }

    /// How many items the index and every tenant table hold.
    pub fn item_count(&self) -> usize {
        self.index.item_count() + self.tables.item_count()
    }
}

#[async_trait]
impl Silo for MemorySiloPool {
    fn index(&self) -> &dyn MembershipIndex {
        &self.index
    }

    fn provisioner(&self) -> &dyn TenantProvisioner {
        &self.tables
    }

    fn active(&self) -> &ActiveTables {
        &self.active
    }

    async fn open_table(&self, tenant: &TenantId) -> Result<Box<dyn TenantPartition>, ApiError> {
        match self.tables.items(tenant) {
            Some(items) => items.open(tenant).await,
            // Deleted through another handle on the same tables since it was seen active.
            None => Err(todo_tenancy::list_not_found(tenant)),
        }
    }
}
