//! `MemoryPool`: the pool model in a process-local map, for unit tests and quick local runs.
//!
//! It keeps items under the same `(pk, sk)` keys as DynamoDB and checks every tenant
//! handle's key against its scope, so the isolation rules hold (and are tested) here too.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use todo_domain::{
    ApiError, ListName, ListRecord, ListStatus, Member, Membership, NewTodo, TenantId, Timestamp,
    TodoId, TodoPatch, UserId, VersionedTodo,
};

use super::{
    LIST_SK, MEMBER_SK_PREFIX, MembershipIndex, TenantPartition, TenantPartitions,
    already_a_member, index_sort_key, list_not_found, member_sort_key, scoped_partition_key,
    stale_version, todo_sort_key, user_partition_key,
};
use crate::dynamo::TODO_SK_PREFIX;
use crate::todo_not_found;

/// What an item holds.
#[derive(Debug, Clone)]
enum Stored {
    List(ListRecord),
    Member(Member),
    Todo(VersionedTodo),
    Index(Membership),
}

/// pk -> sk -> item. `BTreeMap`s iterate in key order, as a DynamoDB Query returns items.
type Table = BTreeMap<String, BTreeMap<String, Stored>>;

/// An in-memory `PoolStore`. Cheap to create; each instance is empty and independent.
#[derive(Debug, Default, Clone)]
pub struct MemoryPool {
    table: Arc<Mutex<Table>>,
}

impl MemoryPool {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many items the pool holds, in every partition: lets tests check that a deleted
    /// list leaves nothing behind.
    pub fn item_count(&self) -> usize {
        lock(&self.table).values().map(BTreeMap::len).sum()
    }
}

fn lock(table: &Mutex<Table>) -> MutexGuard<'_, Table> {
    // A panic in another test thread must not make every later call panic too; the map is
    // never left half-updated, so its contents are still valid.
    table.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The items of `pk` whose sort key starts with `prefix`, in key order.
fn query<'a>(table: &'a Table, pk: &str, prefix: &'a str) -> impl Iterator<Item = &'a Stored> {
    table
        .get(pk)
        .into_iter()
        .flat_map(move |items| items.range(prefix.to_owned()..))
        .take_while(move |(sk, _)| sk.starts_with(prefix))
        .map(|(_, item)| item)
}

#[async_trait]
impl MembershipIndex for MemoryPool {
    async fn memberships(&self, user: &UserId) -> Result<Vec<Membership>, ApiError> {
        let table = lock(&self.table);
        query(&table, &user_partition_key(user), super::INDEX_SK_PREFIX)
            .map(|item| match item {
                Stored::Index(entry) => Ok(entry.clone()),
                other => Err(misplaced("an index entry", other)),
            })
            .collect()
    }

    async fn membership(
        &self,
        user: &UserId,
        list: &TenantId,
    ) -> Result<Option<Membership>, ApiError> {
        let table = lock(&self.table);
        match table
            .get(&user_partition_key(user))
            .and_then(|items| items.get(&index_sort_key(list)))
        {
            None => Ok(None),
            Some(Stored::Index(entry)) => Ok(Some(entry.clone())),
            Some(other) => Err(misplaced("an index entry", other)),
        }
    }

    async fn put_membership(&self, user: &UserId, entry: &Membership) -> Result<(), ApiError> {
        lock(&self.table)
            .entry(user_partition_key(user))
            .or_default()
            .insert(index_sort_key(&entry.list_id), Stored::Index(entry.clone()));
        Ok(())
    }

    async fn rename_membership(
        &self,
        user: &UserId,
        list: &TenantId,
        name: &str,
        updated_at: Timestamp,
    ) -> Result<(), ApiError> {
        let mut table = lock(&self.table);
        if let Some(Stored::Index(entry)) = table
            .get_mut(&user_partition_key(user))
            .and_then(|items| items.get_mut(&index_sort_key(list)))
        {
            entry.name = name.to_owned();
            entry.updated_at = updated_at;
        }
        Ok(())
    }

    async fn mark_ready(&self, user: &UserId, list: &TenantId) -> Result<(), ApiError> {
        let mut table = lock(&self.table);
        if let Some(Stored::Index(entry)) = table
            .get_mut(&user_partition_key(user))
            .and_then(|items| items.get_mut(&index_sort_key(list)))
        {
            entry.status = ListStatus::Ready;
        }
        Ok(())
    }

    async fn remove_membership(&self, user: &UserId, list: &TenantId) -> Result<(), ApiError> {
        let mut table = lock(&self.table);
        let pk = user_partition_key(user);
        if let Some(items) = table.get_mut(&pk) {
            items.remove(&index_sort_key(list));
            if items.is_empty() {
                table.remove(&pk);
            }
        }
        Ok(())
    }
}

#[async_trait]
impl TenantPartitions for MemoryPool {
    async fn open(&self, tenant: &TenantId) -> Result<Box<dyn TenantPartition>, ApiError> {
        Ok(Box::new(MemoryPartition {
            scope: tenant.clone(),
            table: Arc::clone(&self.table),
        }))
    }
}

/// A handle on one tenant's items of a `MemoryPool`.
struct MemoryPartition {
    scope: TenantId,
    table: Arc<Mutex<Table>>,
}

impl MemoryPartition {
    /// The table and the tenant's partition key, after the scope check; every method
    /// starts here, so none can reach a key outside the scope.
    fn partition(&self, tenant: &TenantId) -> Result<(MutexGuard<'_, Table>, String), ApiError> {
        let pk = scoped_partition_key(&self.scope, tenant)?;
        Ok((lock(&self.table), pk))
    }
}

fn misplaced(expected: &str, found: &Stored) -> ApiError {
    ApiError::internal(format!("expected {expected}, found {found:?}"))
}

#[async_trait]
impl TenantPartition for MemoryPartition {
    fn scope(&self) -> &TenantId {
        &self.scope
    }

    async fn create_list(&self, list: &ListRecord, owner: &Member) -> Result<(), ApiError> {
        let (mut table, pk) = self.partition(&list.id)?;
        let items = table.entry(pk).or_default();
        if items.contains_key(LIST_SK) {
            return Err(ApiError::internal(format!(
                "list {} already exists",
                list.id
            )));
        }
        items.insert(LIST_SK.to_owned(), Stored::List(list.clone()));
        items.insert(
            member_sort_key(&owner.user_id),
            Stored::Member(owner.clone()),
        );
        Ok(())
    }

    async fn list(&self, tenant: &TenantId) -> Result<ListRecord, ApiError> {
        let (table, pk) = self.partition(tenant)?;
        match table.get(&pk).and_then(|items| items.get(LIST_SK)) {
            Some(Stored::List(list)) => Ok(list.clone()),
            Some(other) => Err(misplaced("a list record", other)),
            None => Err(list_not_found(tenant)),
        }
    }

    async fn rename_list(
        &self,
        tenant: &TenantId,
        name: &ListName,
    ) -> Result<ListRecord, ApiError> {
        let (mut table, pk) = self.partition(tenant)?;
        match table.get_mut(&pk).and_then(|items| items.get_mut(LIST_SK)) {
            Some(Stored::List(list)) => {
                list.name = name.as_str().to_owned();
                list.updated_at = Timestamp::now();
                Ok(list.clone())
            }
            Some(other) => Err(misplaced("a list record", other)),
            None => Err(list_not_found(tenant)),
        }
    }

    async fn members(&self, tenant: &TenantId) -> Result<Vec<Member>, ApiError> {
        let (table, pk) = self.partition(tenant)?;
        query(&table, &pk, MEMBER_SK_PREFIX)
            .map(|item| match item {
                Stored::Member(member) => Ok(member.clone()),
                other => Err(misplaced("a member", other)),
            })
            .collect()
    }

    async fn member(&self, tenant: &TenantId, user: &UserId) -> Result<Option<Member>, ApiError> {
        let (table, pk) = self.partition(tenant)?;
        match table
            .get(&pk)
            .and_then(|items| items.get(&member_sort_key(user)))
        {
            None => Ok(None),
            Some(Stored::Member(member)) => Ok(Some(member.clone())),
            Some(other) => Err(misplaced("a member", other)),
        }
    }

    async fn add_member(&self, tenant: &TenantId, member: &Member) -> Result<(), ApiError> {
        let (mut table, pk) = self.partition(tenant)?;
        let items = table.entry(pk).or_default();
        let sk = member_sort_key(&member.user_id);
        if items.contains_key(&sk) {
            return Err(already_a_member(member));
        }
        items.insert(sk, Stored::Member(member.clone()));
        Ok(())
    }

    async fn remove_member(&self, tenant: &TenantId, user: &UserId) -> Result<(), ApiError> {
        let (mut table, pk) = self.partition(tenant)?;
        if let Some(items) = table.get_mut(&pk) {
            items.remove(&member_sort_key(user));
        }
        Ok(())
    }

    async fn todos(&self, tenant: &TenantId) -> Result<Vec<VersionedTodo>, ApiError> {
        let (table, pk) = self.partition(tenant)?;
        query(&table, &pk, TODO_SK_PREFIX)
            .map(|item| match item {
                Stored::Todo(todo) => Ok(todo.clone()),
                other => Err(misplaced("a todo", other)),
            })
            .collect()
    }

    async fn create_todo(
        &self,
        tenant: &TenantId,
        new: NewTodo,
    ) -> Result<VersionedTodo, ApiError> {
        let (mut table, pk) = self.partition(tenant)?;
        let todo = VersionedTodo::create(new);
        table
            .entry(pk)
            .or_default()
            .insert(todo_sort_key(todo.todo.id), Stored::Todo(todo.clone()));
        Ok(todo)
    }

    async fn todo(&self, tenant: &TenantId, id: TodoId) -> Result<VersionedTodo, ApiError> {
        let (table, pk) = self.partition(tenant)?;
        match table
            .get(&pk)
            .and_then(|items| items.get(&todo_sort_key(id)))
        {
            Some(Stored::Todo(todo)) => Ok(todo.clone()),
            Some(other) => Err(misplaced("a todo", other)),
            None => Err(todo_not_found(id)),
        }
    }

    async fn update_todo(
        &self,
        tenant: &TenantId,
        id: TodoId,
        patch: &TodoPatch,
        expected_version: Option<u64>,
    ) -> Result<VersionedTodo, ApiError> {
        let (mut table, pk) = self.partition(tenant)?;
        match table
            .get_mut(&pk)
            .and_then(|items| items.get_mut(&todo_sort_key(id)))
        {
            Some(Stored::Todo(todo)) => {
                if let Some(expected) = expected_version
                    && expected != todo.version
                {
                    return Err(stale_version(id, todo.version, expected));
                }
                todo.apply(patch, Timestamp::now());
                Ok(todo.clone())
            }
            Some(other) => Err(misplaced("a todo", other)),
            None => Err(todo_not_found(id)),
        }
    }

    async fn delete_todo(
        &self,
        tenant: &TenantId,
        id: TodoId,
        expected_version: Option<u64>,
    ) -> Result<(), ApiError> {
        let (mut table, pk) = self.partition(tenant)?;
        let items = table.get_mut(&pk).ok_or_else(|| todo_not_found(id))?;
        let sk = todo_sort_key(id);
        match items.get(&sk) {
            Some(Stored::Todo(todo)) => {
                if let Some(expected) = expected_version
                    && expected != todo.version
                {
                    return Err(stale_version(id, todo.version, expected));
                }
                items.remove(&sk);
                Ok(())
            }
            Some(other) => Err(misplaced("a todo", other)),
            None => Err(todo_not_found(id)),
        }
    }

    async fn delete_partition(&self, tenant: &TenantId) -> Result<(), ApiError> {
        let (mut table, pk) = self.partition(tenant)?;
        table.remove(&pk);
        Ok(())
    }
}
