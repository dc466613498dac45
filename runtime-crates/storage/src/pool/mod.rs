//! The pool model of the multi-tenant steps: every tenant's data in one table, each tenant
//! in its own partition, and each user's index of the lists they can open.
//!
//! Item layout (keys are strings; `<list>` is the list id, which is the tenant id):
//!
//! | pk              | sk              | what                         | reached with            |
//! |-----------------|-----------------|------------------------------|-------------------------|
//! | `TENANT#<list>` | `LIST`          | name, owner, times           | tenant-scoped handle    |
//! | `TENANT#<list>` | `MEMBER#<sub>`  | user id, email, role         | tenant-scoped handle    |
//! | `TENANT#<list>` | `TODO#<uuidv7>` | a todo and its `version`     | tenant-scoped handle    |
//! | `USER#<sub>`    | `LIST#<list>`   | role, list name, list times  | base ([`MembershipIndex`]) |
//!
//! The two halves are two traits on purpose. [`MembershipIndex`] reaches only `USER#`
//! partitions, with the Lambda's own credentials: it answers "which lists may this user
//! open, and as what?". Everything under `TENANT#<list>` is reached through a
//! [`TenantPartition`] handle that [`TenantPartitions::open`] returns for one tenant, built
//! (in DynamoDB) from credentials that IAM limits to that tenant's partition. Every handle
//! call still names its tenant, as every DynamoDB request names its key, and a handle
//! refuses a tenant other than its own — the way IAM refuses another leading key — so a
//! handler that asks for the wrong list gets an error, never another tenant's data.
//!
//! Every read is a GetItem or a Query on one partition; nothing here ever Scans.

mod dynamo;
mod memory;

use async_trait::async_trait;
use todo_domain::{
    ApiError, ListName, ListRecord, Member, Membership, NewTodo, TenantId, Timestamp, TodoId,
    TodoPatch, UserId, VersionedTodo,
};
use todo_tenancy::tenant_partition_key;

pub use dynamo::DynamoPool;
pub(crate) use dynamo::{DynamoPartition, Table, TenantClients, tenant_credentials};
pub use memory::MemoryPool;

/// Each user's list index: the `USER#<sub>` partitions, reached with the Lambda's own
/// credentials. Names are duplicated here so that a user's lists are one Query.
#[async_trait]
pub trait MembershipIndex: Send + Sync {
    /// Every list `user` can open, oldest list first (list ids are UUID v7).
    async fn memberships(&self, user: &UserId) -> Result<Vec<Membership>, ApiError>;

    /// `user`'s entry for `list`, if they have access to it.
    async fn membership(
        &self,
        user: &UserId,
        list: &TenantId,
    ) -> Result<Option<Membership>, ApiError>;

    /// Gives `user` access to `entry.list_id` (or replaces their entry).
    async fn put_membership(&self, user: &UserId, entry: &Membership) -> Result<(), ApiError>;

    /// Copies a list's new name into `user`'s entry; nothing happens if the entry is gone
    /// (the user left meanwhile).
    async fn rename_membership(
        &self,
        user: &UserId,
        list: &TenantId,
        name: &str,
        updated_at: Timestamp,
    ) -> Result<(), ApiError>;

    /// Takes `user`'s access to `list` away; nothing happens if they had none.
    async fn remove_membership(&self, user: &UserId, list: &TenantId) -> Result<(), ApiError>;

    /// Marks `user`'s entry for `list` ready, if it is still `preparing` (one conditional
    /// write); nothing happens to an entry that is ready or gone, so a request that
    /// activated a list late never brings back an entry deleted meanwhile.
    async fn mark_ready(&self, user: &UserId, list: &TenantId) -> Result<(), ApiError>;
}

/// Opens tenant-scoped handles.
#[async_trait]
pub trait TenantPartitions: Send + Sync {
    /// A handle that can reach `tenant`'s partition and no other. In DynamoDB this assumes
    /// the tenant-access role for `tenant` (cached), so open it only after the caller has
    /// been authorized for `tenant`.
    async fn open(&self, tenant: &TenantId) -> Result<Box<dyn TenantPartition>, ApiError>;
}

/// One tenant's partition: the list record, its members and its todos. Every call names
/// the tenant; a tenant other than [`Self::scope`] is refused with an internal error (it is
/// always a bug) and nothing is read or written.
#[async_trait]
pub trait TenantPartition: Send + Sync {
    /// The tenant this handle can reach.
    fn scope(&self) -> &TenantId;

    /// Stores a new list and its owner's member record, both or neither.
    async fn create_list(&self, list: &ListRecord, owner: &Member) -> Result<(), ApiError>;

    /// The list's record; `NotFound` if it has none.
    async fn list(&self, tenant: &TenantId) -> Result<ListRecord, ApiError>;

    /// Renames the list and returns its new record.
    async fn rename_list(&self, tenant: &TenantId, name: &ListName)
    -> Result<ListRecord, ApiError>;

    /// Everyone with access, the owner included, in user-id order.
    async fn members(&self, tenant: &TenantId) -> Result<Vec<Member>, ApiError>;

    /// The member record of `user`, if they are on the list.
    async fn member(&self, tenant: &TenantId, user: &UserId) -> Result<Option<Member>, ApiError>;

    /// Adds a member; `Conflict` if they already are one.
    async fn add_member(&self, tenant: &TenantId, member: &Member) -> Result<(), ApiError>;

    /// Removes a member record; nothing happens if there is none.
    async fn remove_member(&self, tenant: &TenantId, user: &UserId) -> Result<(), ApiError>;

    /// All todos of the list, oldest first.
    async fn todos(&self, tenant: &TenantId) -> Result<Vec<VersionedTodo>, ApiError>;

    /// Stores a new todo at version 1.
    async fn create_todo(&self, tenant: &TenantId, new: NewTodo)
    -> Result<VersionedTodo, ApiError>;

    /// One todo; `NotFound` if the list has no todo with this id.
    async fn todo(&self, tenant: &TenantId, id: TodoId) -> Result<VersionedTodo, ApiError>;

    /// Applies `patch` and moves the todo to its next version. With `expected_version`,
    /// only if the todo is still at that version (one conditional write), else `Conflict`.
    async fn update_todo(
        &self,
        tenant: &TenantId,
        id: TodoId,
        patch: &TodoPatch,
        expected_version: Option<u64>,
    ) -> Result<VersionedTodo, ApiError>;

    /// Deletes a todo; with `expected_version`, only if it is still at that version.
    async fn delete_todo(
        &self,
        tenant: &TenantId,
        id: TodoId,
        expected_version: Option<u64>,
    ) -> Result<(), ApiError>;

    /// Deletes every item of the partition: todos, members, the list record.
    async fn delete_partition(&self, tenant: &TenantId) -> Result<(), ApiError>;
}

/// Both halves of the pool model; what the multi-tenant API is given.
pub trait PoolStore: MembershipIndex + TenantPartitions {}

impl<T: MembershipIndex + TenantPartitions + ?Sized> PoolStore for T {}

/// The partition key of `tenant`, if a handle scoped to `scope` may use it; the one check
/// both implementations make before every request. It compares keys, as IAM's
/// `dynamodb:LeadingKeys` condition does.
fn scoped_partition_key(scope: &TenantId, tenant: &TenantId) -> Result<String, ApiError> {
    let allowed = tenant_partition_key(scope);
    let asked = tenant_partition_key(tenant);
    if asked == allowed {
        Ok(asked)
    } else {
        Err(ApiError::internal(format!(
            "tenant scope violation: a handle scoped to {allowed} was asked for {asked}; \
             the request was refused"
        )))
    }
}

const LIST_SK: &str = "LIST";
const MEMBER_SK_PREFIX: &str = "MEMBER#";
const INDEX_SK_PREFIX: &str = "LIST#";

fn member_sort_key(user: &UserId) -> String {
    format!("{MEMBER_SK_PREFIX}{user}")
}

fn user_partition_key(user: &UserId) -> String {
    format!("USER#{user}")
}

fn index_sort_key(list: &TenantId) -> String {
    format!("{INDEX_SK_PREFIX}{list}")
}

fn todo_sort_key(id: TodoId) -> String {
    format!("{}{id}", crate::dynamo::TODO_SK_PREFIX)
}

fn list_not_found(tenant: &TenantId) -> ApiError {
    todo_tenancy::list_not_found(tenant)
}

/// The answer to a write based on a version that is no longer current.
fn stale_version(id: TodoId, current: u64, expected: u64) -> ApiError {
    ApiError::Conflict(format!(
        "todo {id} was changed by someone else: it is at version {current}, and this change \
         was made to version {expected}; reload it and try again"
    ))
}

fn already_a_member(member: &Member) -> ApiError {
    ApiError::Conflict(format!("{} is already on this list", member.email))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_accepts_its_own_tenant_only() {
        let mine = TenantId::generate();
        let theirs = TenantId::generate();
        assert_eq!(
            scoped_partition_key(&mine, &mine).unwrap(),
            format!("TENANT#{mine}")
        );
        let error = scoped_partition_key(&mine, &theirs).unwrap_err();
        assert!(error.is_internal());
        assert!(
            error.to_string().contains("tenant scope violation"),
            "{error}"
        );
    }
}
