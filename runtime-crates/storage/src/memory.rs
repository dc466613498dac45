//! `MemoryStore`: todos in a process-local map, for unit tests and quick local runs.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use todo_domain::{ApiError, NewTodo, TenantId, Timestamp, Todo, TodoId, TodoPatch};

use crate::{TodoStore, todo_not_found};

/// Tenant -> (id -> todo). `BTreeMap` keyed by UUID v7 ids iterates in creation order, the
/// same order a DynamoDB Query returns, so tests against either store agree.
type Tenants = BTreeMap<TenantId, BTreeMap<TodoId, Todo>>;

/// An in-memory `TodoStore`. Cheap to create; each instance is empty and independent.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tenants: Mutex<Tenants>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn tenants(&self) -> MutexGuard<'_, Tenants> {
        // A panic in another test thread must not make every later call panic too; the map
        // is never left half-updated, so its contents are still valid.
        self.tenants.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl TodoStore for MemoryStore {
    async fn list(&self, tenant: &TenantId) -> Result<Vec<Todo>, ApiError> {
        Ok(self
            .tenants()
            .get(tenant)
            .map(|todos| todos.values().cloned().collect())
            .unwrap_or_default())
    }

    async fn create(&self, tenant: &TenantId, new: NewTodo) -> Result<Todo, ApiError> {
        let todo = Todo::create(new);
        self.tenants()
            .entry(tenant.clone())
            .or_default()
            .insert(todo.id, todo.clone());
        Ok(todo)
    }

    async fn get(&self, tenant: &TenantId, id: TodoId) -> Result<Todo, ApiError> {
        self.tenants()
            .get(tenant)
            .and_then(|todos| todos.get(&id))
            .cloned()
            .ok_or_else(|| todo_not_found(id))
    }

    async fn update(
        &self,
        tenant: &TenantId,
        id: TodoId,
        patch: &TodoPatch,
    ) -> Result<Todo, ApiError> {
        let mut tenants = self.tenants();
        let todo = tenants
            .get_mut(tenant)
            .and_then(|todos| todos.get_mut(&id))
            .ok_or_else(|| todo_not_found(id))?;
        todo.apply(patch, Timestamp::now());
        Ok(todo.clone())
    }

    async fn delete(&self, tenant: &TenantId, id: TodoId) -> Result<(), ApiError> {
        self.tenants()
            .get_mut(tenant)
            .and_then(|todos| todos.remove(&id))
            .map(|_| ())
            .ok_or_else(|| todo_not_found(id))
    }
}
