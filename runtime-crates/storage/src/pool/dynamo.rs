//! `DynamoPool`: the pool model on one DynamoDB table, with tenant-scoped clients.
//!
//! Attributes, besides `pk` and `sk` (see the key layout in the parent module):
//!
//! | item           | attributes                                                        |
//! |----------------|-------------------------------------------------------------------|
//! | `LIST`         | `id`, `name`, `ownerSub`, `createdAt`, `updatedAt` (S)            |
//! | `MEMBER#<sub>` | `userId`, `email`, `role` (S)                                     |
//! | `TODO#<id>`    | `id`, `title`, `createdAt`, `updatedAt` (S), `done` (BOOL), `version` (N) |
//! | `LIST#<list>`  | `listId`, `name`, `role`, `createdAt`, `updatedAt` (S)            |
//!
//! The index (`USER#` partitions) is read and written with the client of the Lambda's own
//! credentials. Each tenant's partition is read and written with a client built from that
//! tenant's scoped credentials ([`TenantCredentials`]); clients are kept per tenant and
//! rebuilt only when the credentials are renewed.
//!
//! Every request asks DynamoDB for the capacity it consumed (`ReturnConsumedCapacity::Total`)
//! and reports it to todo-metering's meter of the request being served (step04's per-tenant
//! metering; a no-op otherwise). A write refused by its condition consumes capacity too, but
//! DynamoDB's error carries no figure, so it is not counted.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, Put, ReturnConsumedCapacity, ReturnValue, TransactWriteItem,
    WriteRequest,
};
use todo_domain::{
    ApiError, ListName, ListRecord, ListStatus, Member, Membership, NewTodo, Role, TenantId,
    Timestamp, TodoId, TodoPatch, UserId, VersionedTodo,
};
use todo_metering::{Access, record_capacities, record_capacity};
use todo_tenancy::{ConfigError, SessionScope, TenancyConfig, TenantCredentials};

use super::{
    INDEX_SK_PREFIX, LIST_SK, MEMBER_SK_PREFIX, MembershipIndex, TenantPartition, TenantPartitions,
    already_a_member, index_sort_key, list_not_found, member_sort_key, scoped_partition_key,
    stale_version, todo_sort_key, user_partition_key,
};
use crate::dynamo::{Item, TODO_SK_PREFIX, sdk_error, todo_attributes};
use crate::todo_not_found;

/// At most this many tenants' clients are kept; past it they are all dropped and rebuilt
/// on demand (building one is cheap: no I/O, and the HTTP connection pool is shared).
const MAX_CACHED_CLIENTS: usize = 1000;

/// BatchWriteItem takes at most 25 requests.
const BATCH_SIZE: usize = 25;

/// How often a batch's unprocessed items (throttling) are retried before giving up.
const BATCH_ATTEMPTS: u32 = 6;

/// A `PoolStore` on a DynamoDB table with a `pk`/`sk` string key.
#[derive(Debug)]
pub struct DynamoPool {
    /// The index, with the Lambda's own credentials.
    index: Table,
    /// `None` for an index-only pool ([`Self::index_only`]), which opens no tenant.
    credentials: Option<TenantCredentials>,
    clients: TenantClients,
}

/// DynamoDB clients that sign with each tenant's scoped credentials, kept per tenant and
/// rebuilt only when the credentials are renewed. Shared by the pool and the silo.
#[derive(Debug)]
pub(crate) struct TenantClients {
    sdk_config: SdkConfig,
    clients: Mutex<HashMap<TenantId, TenantClient>>,
}

#[derive(Debug)]
struct TenantClient {
    /// Which credentials the client was built with, to notice a renewal.
    access_key_id: String,
    client: Client,
}

impl TenantClients {
    /// Clients of `sdk_config` (region, endpoint, HTTP client), with tenants' credentials.
    pub(crate) fn new(sdk_config: &SdkConfig) -> Self {
        Self {
            sdk_config: sdk_config.clone(),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The cached client of `tenant` if it holds `credentials`, else a new one.
    pub(crate) fn client(&self, tenant: &TenantId, credentials: Credentials) -> Client {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        match clients.get(tenant) {
            Some(cached) if cached.access_key_id == credentials.access_key_id() => {
                cached.client.clone()
            }
            _ => {
                let access_key_id = credentials.access_key_id().to_owned();
                let config = aws_sdk_dynamodb::config::Builder::from(&self.sdk_config)
                    .credentials_provider(credentials)
                    .build();
                let client = Client::from_conf(config);
                if clients.len() >= MAX_CACHED_CLIENTS {
                    clients.clear();
                }
                clients.insert(
                    tenant.clone(),
                    TenantClient {
                        access_key_id,
                        client: client.clone(),
                    },
                );
                client
            }
        }
    }
}

/// Tenant-scoped credentials whose configuration `read` takes from `lookup` (the pool's
/// or the silo's variables), `AWS_REGION` defaulting to `sdk_config`'s region. STS is
/// called through a client of `sdk_config`. Shared by the pool and the silo.
pub(crate) fn tenant_credentials<S: SessionScope>(
    sdk_config: &SdkConfig,
    lookup: impl Fn(&str) -> Option<String>,
    read: impl FnOnce(&dyn Fn(&str) -> Option<String>) -> Result<S, ConfigError>,
) -> Result<TenantCredentials<S>, ConfigError> {
    let region = sdk_config.region().map(ToString::to_string);
    let config = read(&|name| match name {
        "AWS_REGION" => lookup(name).or_else(|| region.clone()),
        _ => lookup(name),
    })?;
    let sts = aws_sdk_sts::Client::new(sdk_config);
    Ok(TenantCredentials::new(sts, config))
}

/// A client and the table it works on.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    client: Client,
    name: String,
    page_limit: Option<i32>,
}

impl Table {
    /// `name` through `client`; `page_limit` caps the items of each Query page (tests).
    pub(crate) fn new(client: Client, name: impl Into<String>, page_limit: Option<i32>) -> Self {
        Self {
            client,
            name: name.into(),
            page_limit,
        }
    }
}

impl DynamoPool {
    /// A pool on `table_name`: the index through a client of `sdk_config` (the Lambda's own
    /// credentials), tenants through clients of `sdk_config` with `credentials`' scoped
    /// credentials instead. Build it once at startup.
    pub fn new(
        sdk_config: &SdkConfig,
        table_name: impl Into<String>,
        credentials: TenantCredentials,
    ) -> Self {
        Self {
            index: Table {
                client: Client::new(sdk_config),
                name: table_name.into(),
                page_limit: None,
            },
            credentials: Some(credentials),
            clients: TenantClients::new(sdk_config),
        }
    }

    /// A pool on `table_name` that reads and writes the list index only, with `sdk_config`'s
    /// credentials, and refuses to open any tenant. For a function that must never reach
    /// tenant data, such as the pre-token-generation trigger: it needs no `TENANT_ROLE_ARN`
    /// and cannot assume the tenant role even by mistake.
    pub fn index_only(sdk_config: &SdkConfig, table_name: impl Into<String>) -> Self {
        Self {
            index: Table {
                client: Client::new(sdk_config),
                name: table_name.into(),
                page_limit: None,
            },
            credentials: None,
            clients: TenantClients::new(sdk_config),
        }
    }

    /// A pool on `table_name` configured from the environment: `TENANT_ROLE_ARN` and the
    /// optional `TABLE_ARN` (see [`TenancyConfig`]; the region defaults to `sdk_config`'s).
    /// STS is called through a client of `sdk_config`.
    pub fn from_env(sdk_config: &SdkConfig, table_name: &str) -> Result<Self, ConfigError> {
        Self::from_lookup(sdk_config, table_name, |name| std::env::var(name).ok())
    }

    /// [`Self::from_env`], reading variables through `lookup` (a map in tests).
    pub fn from_lookup(
        sdk_config: &SdkConfig,
        table_name: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let credentials = tenant_credentials(sdk_config, lookup, |lookup| {
            TenancyConfig::from_lookup(lookup, table_name)
        })?;
        Ok(Self::new(sdk_config, table_name, credentials))
    }

    /// Caps how many items each Query page returns, so tests can observe pagination.
    #[must_use]
    pub fn with_page_limit(mut self, items_per_page: i32) -> Self {
        self.index.page_limit = Some(items_per_page);
        self
    }

    /// The tenant-scoped credentials provider; `None` for an index-only pool.
    pub fn credentials(&self) -> Option<&TenantCredentials> {
        self.credentials.as_ref()
    }

    /// The table, through a client that holds `tenant`'s scoped credentials.
    async fn tenant_table(&self, tenant: &TenantId) -> Result<Table, ApiError> {
        let provider = self.credentials.as_ref().ok_or_else(|| {
            ApiError::internal(format!(
                "an index-only pool was asked to open tenant {tenant}; it reaches USER# \
                 partitions only"
            ))
        })?;
        let credentials = provider.for_tenant(tenant).await?;
        Ok(Table {
            client: self.clients.client(tenant, credentials),
            ..self.index.clone()
        })
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

/// Reads the attributes of one kind of item; a malformed item is an internal error that
/// names the item kind and attribute.
struct Attributes<'a> {
    item: &'a Item,
    kind: &'static str,
}

impl<'a> Attributes<'a> {
    fn of(kind: &'static str, item: &'a Item) -> Self {
        Self { item, kind }
    }

    fn malformed(&self, name: &str, expected: &str) -> ApiError {
        ApiError::internal(format!(
            "{} item attribute {name:?} should be {expected}, found {:?}",
            self.kind,
            self.item.get(name)
        ))
    }

    fn string(&self, name: &str) -> Result<&'a str, ApiError> {
        match self.item.get(name) {
            Some(AttributeValue::S(value)) => Ok(value),
            _ => Err(self.malformed(name, "a string")),
        }
    }

    fn number(&self, name: &str) -> Result<u64, ApiError> {
        match self.item.get(name) {
            Some(AttributeValue::N(value)) => value
                .parse()
                .map_err(|_| self.malformed(name, "a whole number")),
            _ => Err(self.malformed(name, "a number")),
        }
    }

    fn timestamp(&self, name: &str) -> Result<Timestamp, ApiError> {
        Timestamp::parse(self.string(name)?)
    }

    fn user_id(&self, name: &str) -> Result<UserId, ApiError> {
        UserId::new(self.string(name)?).map_err(|_| self.malformed(name, "a user id"))
    }

    fn tenant_id(&self, name: &str) -> Result<TenantId, ApiError> {
        TenantId::new(self.string(name)?).map_err(|_| self.malformed(name, "a list id"))
    }

    fn role(&self, name: &str) -> Result<Role, ApiError> {
        Role::parse(self.string(name)?).ok_or_else(|| self.malformed(name, "owner or member"))
    }
}

fn list_item(pk: &str, list: &ListRecord) -> Item {
    let mut item = key(pk, LIST_SK);
    item.extend([
        ("id".to_owned(), s(list.id.as_str())),
        ("name".to_owned(), s(&list.name)),
        ("ownerSub".to_owned(), s(list.owner.as_str())),
        ("createdAt".to_owned(), s(list.created_at.to_string())),
        ("updatedAt".to_owned(), s(list.updated_at.to_string())),
    ]);
    item
}

fn list_from_item(item: &Item) -> Result<ListRecord, ApiError> {
    let a = Attributes::of("list", item);
    Ok(ListRecord {
        id: a.tenant_id("id")?,
        name: a.string("name")?.to_owned(),
        owner: a.user_id("ownerSub")?,
        created_at: a.timestamp("createdAt")?,
        updated_at: a.timestamp("updatedAt")?,
    })
}

fn member_item(pk: &str, member: &Member) -> Item {
    let mut item = key(pk, member_sort_key(&member.user_id));
    item.extend([
        ("userId".to_owned(), s(member.user_id.as_str())),
        ("email".to_owned(), s(&member.email)),
        ("role".to_owned(), s(member.role.as_str())),
    ]);
    item
}

fn member_from_item(item: &Item) -> Result<Member, ApiError> {
    let a = Attributes::of("member", item);
    Ok(Member {
        user_id: a.user_id("userId")?,
        email: a.string("email")?.to_owned(),
        role: a.role("role")?,
    })
}

fn todo_item(pk: &str, todo: &VersionedTodo) -> Item {
    let mut item = key(pk, todo_sort_key(todo.todo.id));
    item.extend(todo_attributes(&todo.todo));
    item.insert(
        "version".to_owned(),
        AttributeValue::N(todo.version.to_string()),
    );
    item
}

fn todo_from_item(item: &Item) -> Result<VersionedTodo, ApiError> {
    Ok(VersionedTodo {
        todo: crate::dynamo::from_item(item)?,
        version: Attributes::of("todo", item).number("version")?,
    })
}

/// An index entry's status attribute, present only while the list is being prepared.
const STATUS: &str = "status";
const PREPARING: &str = "preparing";

fn index_item(user: &UserId, entry: &Membership) -> Item {
    let mut item = key(user_partition_key(user), index_sort_key(&entry.list_id));
    item.extend([
        ("listId".to_owned(), s(entry.list_id.as_str())),
        ("name".to_owned(), s(&entry.name)),
        ("role".to_owned(), s(entry.role.as_str())),
        ("createdAt".to_owned(), s(entry.created_at.to_string())),
        ("updatedAt".to_owned(), s(entry.updated_at.to_string())),
    ]);
    // Only the silo's entries are ever preparing; a ready entry has no status at all.
    if !entry.status.is_ready() {
        item.insert(STATUS.to_owned(), s(PREPARING));
    }
    item
}

fn index_from_item(item: &Item) -> Result<Membership, ApiError> {
    let a = Attributes::of("list index", item);
    Ok(Membership {
        list_id: a.tenant_id("listId")?,
        name: a.string("name")?.to_owned(),
        role: a.role("role")?,
        created_at: a.timestamp("createdAt")?,
        updated_at: a.timestamp("updatedAt")?,
        status: match item.get(STATUS) {
            None => ListStatus::Ready,
            Some(AttributeValue::S(status)) if status == PREPARING => ListStatus::Preparing,
            Some(_) => return Err(a.malformed(STATUS, "absent or \"preparing\"")),
        },
    })
}

/// Whether a failed request failed on its ConditionExpression.
fn is_condition_failure<E, R>(error: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    error.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

impl Table {
    fn error<E, R>(&self, operation: &str, error: &SdkError<E, R>) -> ApiError
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        sdk_error(&self.name, operation, error)
    }

    /// Every item of partition `pk` whose sort key starts with `prefix` (all of them for
    /// `None`), in sort-key order, following pagination.
    async fn query(&self, pk: &str, prefix: Option<&str>) -> Result<Vec<Item>, ApiError> {
        let mut items = Vec::new();
        let mut start_key: Option<Item> = None;
        loop {
            let mut request = self
                .client
                .query()
                .table_name(&self.name)
                .expression_attribute_values(":pk", s(pk))
                .consistent_read(true)
                .set_limit(self.page_limit)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .set_exclusive_start_key(start_key.take());
            request = match prefix {
                Some(prefix) => request
                    .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                    .expression_attribute_values(":prefix", s(prefix)),
                None => request.key_condition_expression("pk = :pk"),
            };
            let page = request.send().await.map_err(|e| self.error("Query", &e))?;
            record_capacity(page.consumed_capacity(), Access::Read);
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(next) if !next.is_empty() => start_key = Some(next),
                _ => return Ok(items),
            }
        }
    }

    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| self.error("GetItem", &e))?;
        record_capacity(output.consumed_capacity(), Access::Read);
        Ok(output.item)
    }

    /// Deletes `keys` in batches, retrying what DynamoDB leaves unprocessed.
    async fn delete_all(&self, keys: Vec<Item>) -> Result<(), ApiError> {
        for chunk in keys.chunks(BATCH_SIZE) {
            let mut pending = chunk
                .iter()
                .map(|key| {
                    let delete = DeleteRequest::builder()
                        .set_key(Some(key.clone()))
                        .build()
                        .map_err(ApiError::internal)?;
                    Ok(WriteRequest::builder().delete_request(delete).build())
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            for attempt in 0..BATCH_ATTEMPTS {
                if pending.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                }
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.name, pending)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(|e| self.error("BatchWriteItem", &e))?;
                record_capacities(output.consumed_capacity(), Access::Write);
                pending = output
                    .unprocessed_items
                    .and_then(|mut unprocessed| unprocessed.remove(&self.name))
                    .unwrap_or_default();
            }
            if !pending.is_empty() {
                return Err(ApiError::internal(format!(
                    "DynamoDB BatchWriteItem on table {:?} left {} items undeleted after \
                     {BATCH_ATTEMPTS} attempts",
                    self.name,
                    pending.len()
                )));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl MembershipIndex for DynamoPool {
    async fn memberships(&self, user: &UserId) -> Result<Vec<Membership>, ApiError> {
        self.index
            .query(&user_partition_key(user), Some(INDEX_SK_PREFIX))
            .await?
            .iter()
            .map(index_from_item)
            .collect()
    }

    async fn membership(
        &self,
        user: &UserId,
        list: &TenantId,
    ) -> Result<Option<Membership>, ApiError> {
        self.index
            .get(&user_partition_key(user), &index_sort_key(list))
            .await?
            .as_ref()
            .map(index_from_item)
            .transpose()
    }

    async fn put_membership(&self, user: &UserId, entry: &Membership) -> Result<(), ApiError> {
        let output = self
            .index
            .client
            .put_item()
            .table_name(&self.index.name)
            .set_item(Some(index_item(user, entry)))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| self.index.error("PutItem", &e))?;
        record_capacity(output.consumed_capacity(), Access::Write);
        Ok(())
    }

    async fn rename_membership(
        &self,
        user: &UserId,
        list: &TenantId,
        name: &str,
        updated_at: Timestamp,
    ) -> Result<(), ApiError> {
        let result = self
            .index
            .client
            .update_item()
            .table_name(&self.index.name)
            .set_key(Some(key(user_partition_key(user), index_sort_key(list))))
            .update_expression("SET #name = :name, #updatedAt = :updatedAt")
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#updatedAt", "updatedAt")
            .expression_attribute_values(":name", s(name))
            .expression_attribute_values(":updatedAt", s(updated_at.to_string()))
            // Never recreate the entry of someone who left meanwhile.
            .condition_expression("attribute_exists(pk)")
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(output) => {
                record_capacity(output.consumed_capacity(), Access::Write);
                Ok(())
            }
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(self.index.error("UpdateItem", &e)),
        }
    }

    async fn remove_membership(&self, user: &UserId, list: &TenantId) -> Result<(), ApiError> {
        let output = self
            .index
            .client
            .delete_item()
            .table_name(&self.index.name)
            .set_key(Some(key(user_partition_key(user), index_sort_key(list))))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| self.index.error("DeleteItem", &e))?;
        record_capacity(output.consumed_capacity(), Access::Write);
        Ok(())
    }

    async fn mark_ready(&self, user: &UserId, list: &TenantId) -> Result<(), ApiError> {
        let result = self
            .index
            .client
            .update_item()
            .table_name(&self.index.name)
            .set_key(Some(key(user_partition_key(user), index_sort_key(list))))
            .update_expression("REMOVE #status")
            .condition_expression("#status = :preparing")
            .expression_attribute_names("#status", STATUS)
            .expression_attribute_values(":preparing", s(PREPARING))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(output) => {
                record_capacity(output.consumed_capacity(), Access::Write);
                Ok(())
            }
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(self.index.error("UpdateItem", &e)),
        }
    }
}

#[async_trait]
impl TenantPartitions for DynamoPool {
    async fn open(&self, tenant: &TenantId) -> Result<Box<dyn TenantPartition>, ApiError> {
        Ok(Box::new(DynamoPartition::new(
            tenant.clone(),
            self.tenant_table(tenant).await?,
        )))
    }
}

/// A handle on one tenant's partition, through a client with that tenant's credentials: in
/// the pool the shared table, in the silo the tenant's own table.
pub(crate) struct DynamoPartition {
    scope: TenantId,
    table: Table,
}

impl DynamoPartition {
    /// A handle on `scope`'s partition of `table`.
    pub(crate) fn new(scope: TenantId, table: Table) -> Self {
        Self { scope, table }
    }

    /// The partition key for `tenant`, after the scope check. IAM makes the same check in
    /// AWS; checking here too means a handler bug fails the same way on an emulator
    /// (which does not enforce IAM) and never even sends the request.
    fn pk(&self, tenant: &TenantId) -> Result<String, ApiError> {
        scoped_partition_key(&self.scope, tenant)
    }

    /// Why a conditional write to a todo failed: it is gone, or it moved past `expected`.
    async fn todo_write_refused(
        &self,
        pk: &str,
        id: TodoId,
        expected: Option<u64>,
    ) -> Result<ApiError, ApiError> {
        let current = self.table.get(pk, &todo_sort_key(id)).await?;
        Ok(match (current, expected) {
            (None, _) => todo_not_found(id),
            (Some(item), Some(expected)) => {
                stale_version(id, todo_from_item(&item)?.version, expected)
            }
            (Some(_), None) => ApiError::internal(format!(
                "a write to todo {id} failed its condition, but the todo exists"
            )),
        })
    }
}

#[async_trait]
impl TenantPartition for DynamoPartition {
    fn scope(&self) -> &TenantId {
        &self.scope
    }

    async fn create_list(&self, list: &ListRecord, owner: &Member) -> Result<(), ApiError> {
        let pk = self.pk(&list.id)?;
        let put = |item: Item| {
            Put::builder()
                .table_name(&self.table.name)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map(|put| TransactWriteItem::builder().put(put).build())
                .map_err(ApiError::internal)
        };
        let output = self
            .table
            .client
            .transact_write_items()
            .transact_items(put(list_item(&pk, list))?)
            .transact_items(put(member_item(&pk, owner))?)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| self.table.error("TransactWriteItems", &e))?;
        record_capacities(output.consumed_capacity(), Access::Write);
        Ok(())
    }

    async fn list(&self, tenant: &TenantId) -> Result<ListRecord, ApiError> {
        let pk = self.pk(tenant)?;
        match self.table.get(&pk, LIST_SK).await? {
            Some(item) => list_from_item(&item),
            None => Err(list_not_found(tenant)),
        }
    }

    async fn rename_list(
        &self,
        tenant: &TenantId,
        name: &ListName,
    ) -> Result<ListRecord, ApiError> {
        let pk = self.pk(tenant)?;
        let output = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .set_key(Some(key(pk, LIST_SK)))
            .update_expression("SET #name = :name, #updatedAt = :updatedAt")
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#updatedAt", "updatedAt")
            .expression_attribute_values(":name", s(name.as_str()))
            .expression_attribute_values(":updatedAt", s(Timestamp::now().to_string()))
            .condition_expression("attribute_exists(pk)")
            .return_values(ReturnValue::AllNew)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| {
                if is_condition_failure(&e) {
                    list_not_found(tenant)
                } else {
                    self.table.error("UpdateItem", &e)
                }
            })?;
        record_capacity(output.consumed_capacity(), Access::Write);
        let item = output
            .attributes
            .ok_or_else(|| ApiError::internal("UpdateItem returned no attributes"))?;
        list_from_item(&item)
    }

    async fn members(&self, tenant: &TenantId) -> Result<Vec<Member>, ApiError> {
        let pk = self.pk(tenant)?;
        self.table
            .query(&pk, Some(MEMBER_SK_PREFIX))
            .await?
            .iter()
            .map(member_from_item)
            .collect()
    }

    async fn member(&self, tenant: &TenantId, user: &UserId) -> Result<Option<Member>, ApiError> {
        let pk = self.pk(tenant)?;
        self.table
            .get(&pk, &member_sort_key(user))
            .await?
            .as_ref()
            .map(member_from_item)
            .transpose()
    }

    async fn add_member(&self, tenant: &TenantId, member: &Member) -> Result<(), ApiError> {
        let pk = self.pk(tenant)?;
        let output = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(member_item(&pk, member)))
            .condition_expression("attribute_not_exists(pk)")
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| {
                if is_condition_failure(&e) {
                    already_a_member(member)
                } else {
                    self.table.error("PutItem", &e)
                }
            })?;
        record_capacity(output.consumed_capacity(), Access::Write);
        Ok(())
    }

    async fn remove_member(&self, tenant: &TenantId, user: &UserId) -> Result<(), ApiError> {
        let pk = self.pk(tenant)?;
        let output = self
            .table
            .client
            .delete_item()
            .table_name(&self.table.name)
            .set_key(Some(key(pk, member_sort_key(user))))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| self.table.error("DeleteItem", &e))?;
        record_capacity(output.consumed_capacity(), Access::Write);
        Ok(())
    }

    async fn todos(&self, tenant: &TenantId) -> Result<Vec<VersionedTodo>, ApiError> {
        let pk = self.pk(tenant)?;
        self.table
            .query(&pk, Some(TODO_SK_PREFIX))
            .await?
            .iter()
            .map(todo_from_item)
            .collect()
    }

    async fn create_todo(
        &self,
        tenant: &TenantId,
        new: NewTodo,
    ) -> Result<VersionedTodo, ApiError> {
        let pk = self.pk(tenant)?;
        let todo = VersionedTodo::create(new);
        let output = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(todo_item(&pk, &todo)))
            .condition_expression("attribute_not_exists(pk)")
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| self.table.error("PutItem", &e))?;
        record_capacity(output.consumed_capacity(), Access::Write);
        Ok(todo)
    }

    async fn todo(&self, tenant: &TenantId, id: TodoId) -> Result<VersionedTodo, ApiError> {
        let pk = self.pk(tenant)?;
        match self.table.get(&pk, &todo_sort_key(id)).await? {
            Some(item) => todo_from_item(&item),
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
        let pk = self.pk(tenant)?;
        let mut assignments = vec!["#updatedAt = :updatedAt", "#version = #version + :one"];
        let mut condition = "attribute_exists(pk)".to_owned();
        let mut request = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .set_key(Some(key(pk.as_str(), todo_sort_key(id))))
            .expression_attribute_names("#updatedAt", "updatedAt")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":updatedAt", s(Timestamp::now().to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()));
        if let Some(title) = patch.title() {
            assignments.push("#title = :title");
            request = request
                .expression_attribute_names("#title", "title")
                .expression_attribute_values(":title", s(title.as_str()));
        }
        if let Some(done) = patch.done() {
            assignments.push("#done = :done");
            request = request
                .expression_attribute_names("#done", "done")
                .expression_attribute_values(":done", AttributeValue::Bool(done));
        }
        if let Some(expected) = expected_version {
            // The check and the write are one request, so no other write can slip between.
            condition.push_str(" AND #version = :expected");
            request = request
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()));
        }
        let result = request
            .update_expression(format!("SET {}", assignments.join(", ")))
            .condition_expression(condition)
            .return_values(ReturnValue::AllNew)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        if let Ok(output) = &result {
            record_capacity(output.consumed_capacity(), Access::Write);
        }
        match result {
            Ok(output) => match output.attributes {
                Some(item) => todo_from_item(&item),
                None => Err(ApiError::internal("UpdateItem returned no attributes")),
            },
            Err(e) if is_condition_failure(&e) => {
                Err(self.todo_write_refused(&pk, id, expected_version).await?)
            }
            Err(e) => Err(self.table.error("UpdateItem", &e)),
        }
    }

    async fn delete_todo(
        &self,
        tenant: &TenantId,
        id: TodoId,
        expected_version: Option<u64>,
    ) -> Result<(), ApiError> {
        let pk = self.pk(tenant)?;
        let mut request = self
            .table
            .client
            .delete_item()
            .table_name(&self.table.name)
            .set_key(Some(key(pk.as_str(), todo_sort_key(id))))
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        request = match expected_version {
            Some(expected) => request
                .condition_expression("attribute_exists(pk) AND #version = :expected")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string())),
            None => request.condition_expression("attribute_exists(pk)"),
        };
        match request.send().await {
            Ok(output) => {
                record_capacity(output.consumed_capacity(), Access::Write);
                Ok(())
            }
            Err(e) if is_condition_failure(&e) => {
                Err(self.todo_write_refused(&pk, id, expected_version).await?)
            }
            Err(e) => Err(self.table.error("DeleteItem", &e)),
        }
    }

    async fn delete_partition(&self, tenant: &TenantId) -> Result<(), ApiError> {
        let pk = self.pk(tenant)?;
        let keys = self
            .table
            .query(&pk, None)
            .await?
            .into_iter()
            .map(|item| {
                item.into_iter()
                    .filter(|(name, _)| name == "pk" || name == "sk")
                    .collect()
            })
            .collect();
        self.table.delete_all(keys).await
    }
}

#[cfg(test)]
mod tests {
    use todo_domain::Title;

    use super::*;

    #[test]
    fn items_round_trip() {
        let owner = UserId::new("owner-1").unwrap();
        let list = ListRecord::create(ListName::parse("Groceries").unwrap(), owner.clone());
        let pk = format!("TENANT#{}", list.id);
        let item = list_item(&pk, &list);
        assert_eq!(item["sk"], s("LIST"));
        assert_eq!(list_from_item(&item).unwrap(), list);

        let member = Member {
            user_id: owner.clone(),
            email: "o@example.com".into(),
            role: Role::Owner,
        };
        let item = member_item(&pk, &member);
        assert_eq!(item["sk"], s("MEMBER#owner-1"));
        assert_eq!(member_from_item(&item).unwrap(), member);

        let mut todo = VersionedTodo::create(NewTodo {
            title: Title::parse("a").unwrap(),
        });
        todo.version = 7;
        let item = todo_item(&pk, &todo);
        assert_eq!(item["version"], AttributeValue::N("7".into()));
        assert_eq!(todo_from_item(&item).unwrap(), todo);

        let entry = Membership::of(&list, Role::Member);
        let item = index_item(&owner, &entry);
        assert_eq!(item["pk"], s("USER#owner-1"));
        assert_eq!(item["sk"], s(format!("LIST#{}", list.id)));
        assert_eq!(index_from_item(&item).unwrap(), entry);
    }

    #[test]
    fn malformed_items_name_the_kind_and_attribute() {
        let list = ListRecord::create(ListName::parse("a").unwrap(), UserId::new("o").unwrap());
        let mut item = index_item(&list.owner, &Membership::of(&list, Role::Owner));
        item.insert("role".into(), s("admin"));
        let error = index_from_item(&item).unwrap_err().to_string();
        assert!(
            error.contains("list index item attribute \"role\""),
            "{error}"
        );
    }
}
