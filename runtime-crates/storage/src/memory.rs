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

#[cfg(test)]
mod tests {
    use todo_domain::Title;

    use super::*;

    fn new_todo(title: &str) -> NewTodo {
        NewTodo {
            title: Title::parse(title).unwrap(),
        }
    }

    #[tokio::test]
    async fn create_list_get_update_delete() {
        let store = MemoryStore::new();
        let tenant = TenantId::default();
        assert!(store.list(&tenant).await.unwrap().is_empty());

        let titles = ["first", "second", "third"];
        for title in titles {
            store.create(&tenant, new_todo(title)).await.unwrap();
        }
        let listed = store.list(&tenant).await.unwrap();
        let listed_titles: Vec<_> = listed.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(listed_titles, titles, "creation order");

        let second = &listed[1];
        assert_eq!(&store.get(&tenant, second.id).await.unwrap(), second);

        let patch = TodoPatch::new(Some(Title::parse("2nd").unwrap()), Some(true)).unwrap();
        let updated = store.update(&tenant, second.id, &patch).await.unwrap();
        assert_eq!((updated.title.as_str(), updated.done), ("2nd", true));
        assert_eq!(updated.created_at, second.created_at);
        assert!(updated.updated_at >= second.updated_at);
        assert_eq!(store.get(&tenant, second.id).await.unwrap(), updated);

        store.delete(&tenant, second.id).await.unwrap();
        assert_eq!(store.list(&tenant).await.unwrap().len(), 2);
        let error = store.get(&tenant, second.id).await.unwrap_err();
        assert_eq!(error.status(), 404);
    }

    #[tokio::test]
    async fn missing_ids_are_not_found() {
        let store = MemoryStore::new();
        let tenant = TenantId::default();
        let missing = TodoId::generate();
        let patch = TodoPatch::new(None, Some(true)).unwrap();
        let update = store.update(&tenant, missing, &patch).await.unwrap_err();
        assert!(matches!(update, ApiError::NotFound(_)), "{update:?}");
        let delete = store.delete(&tenant, missing).await.unwrap_err();
        assert!(matches!(delete, ApiError::NotFound(_)), "{delete:?}");
    }

    #[tokio::test]
    async fn tenants_do_not_see_each_other() {
        let store = MemoryStore::new();
        let alice = TenantId::new("alice").unwrap();
        let bob = TenantId::new("bob").unwrap();
        let todo = store.create(&alice, new_todo("secret")).await.unwrap();
        assert!(store.list(&bob).await.unwrap().is_empty());
        assert_eq!(store.get(&bob, todo.id).await.unwrap_err().status(), 404);
        assert_eq!(store.delete(&bob, todo.id).await.unwrap_err().status(), 404);
        assert_eq!(store.list(&alice).await.unwrap(), [todo]);
    }
}
