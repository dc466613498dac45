//! Where todos live: the single-tenant `TodoStore` (in memory and on DynamoDB), the
//! multi-tenant pool model ([`pool`]): a list index per user and a partition per tenant,
//! and the silo model ([`silo`]): the same index, and a table per tenant.
//!
//! Every operation names its tenant. step00 always passes `TenantId::default()`; the
//! multi-tenant steps pass the list id, and each tenant lives in its own partition.

mod dynamo;
mod memory;
pub mod pool;
pub mod silo;

use async_trait::async_trait;
use todo_domain::{ApiError, NewTodo, TenantId, Todo, TodoId, TodoPatch};

pub use dynamo::DynamoStore;
pub use memory::MemoryStore;
pub use pool::{
    DynamoPool, MembershipIndex, MemoryPool, PoolStore, TenantPartition, TenantPartitions,
};
pub use silo::{
    DynamoProvisioner, MemoryProvisioner, MemorySiloPool, SiloPool, SiloStore, TableStatus,
    TenantProvisioner, Tier,
};

/// Storage for todos, shared by every request (so it is `Send + Sync` and used behind `Arc`).
///
/// `async_trait` boxes the futures so the API can hold an `Arc<dyn TodoStore>` and pick the
/// implementation at startup.
#[async_trait]
pub trait TodoStore: Send + Sync {
    /// All of the tenant's todos, oldest first.
    async fn list(&self, tenant: &TenantId) -> Result<Vec<Todo>, ApiError>;

    /// Stores a new todo and returns it with its id and timestamps.
    async fn create(&self, tenant: &TenantId, new: NewTodo) -> Result<Todo, ApiError>;

    /// One todo; `ApiError::NotFound` if the tenant has no todo with this id.
    async fn get(&self, tenant: &TenantId, id: TodoId) -> Result<Todo, ApiError>;

    /// Applies `patch` and returns the updated todo; `ApiError::NotFound` if it does not exist.
    async fn update(
        &self,
        tenant: &TenantId,
        id: TodoId,
        patch: &TodoPatch,
    ) -> Result<Todo, ApiError>;

    /// Deletes a todo; `ApiError::NotFound` if it does not exist.
    async fn delete(&self, tenant: &TenantId, id: TodoId) -> Result<(), ApiError>;
}

/// The error every store returns for a missing todo, so clients see one wording.
fn todo_not_found(id: TodoId) -> ApiError {
    ApiError::NotFound(format!("todo {id} does not exist"))
}
