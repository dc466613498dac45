//! The multi-tenant routes (step02 on): a signed-in user's todo lists, each list a tenant,
//! and with sharing on (step03) the list's members.
//!
//! Every route of a list goes through [`ListEntry`] first: the caller's entry for the list
//! in their list index (a GetItem with the Lambda's own credentials) says whether they may
//! see it, and as what; without one the answer is 404, whatever the route. Only then is
//! the list's partition opened, through a handle whose credentials reach that tenant alone.
//! The owner/member rules are todo-tenancy's [`access`](todo_tenancy::access) table.
//!
//! With tenant claims on (step04), a list that the caller's token names in its `tenants`
//! claim is known to be the request's tenant before anything is read: its partition is
//! opened while the index entry is read, instead of after it. The index entry still
//! decides — on both paths, one authority, which revocation changes first — so a member
//! removed after the token was issued is refused at once, whatever the token says. A list
//! the token does not name (joined after sign-in, or left out by the claim's bound) takes
//! the step03 path.
//!
//! In the silo model (step05) each list has a table of its own, created with the list. The
//! owner's index entry says `preparing` until the table is active; the first request that
//! finds it active ([`activate`]) writes the list's record and owner into it and marks the
//! entry ready. Until then the list's routes answer 503 with `Retry-After`, so an early
//! write is refused with a retryable error rather than lost; only its owner's deletion goes
//! ahead ([`ListToDelete`]).
//!
//! With events on (step06), every user action that succeeded is published as a domain event
//! (todo-events' schema), and a silo list's table is created and deleted by the
//! provisioning consumer instead of the API: `POST /lists` only writes the preparing entry
//! and publishes `ListCreated`; the consumer activates the list.
//!
//! Writes that touch both the partition and the index are ordered so that a failure
//! half-way never gives anyone access they should not have, and retrying finishes the job:
//! access is granted last (the index entry is written after the partition's items) and
//! revoked first (the index entry is deleted before anything else).

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use todo_auth::Caller;
use todo_claims::TenantClaims;
use todo_directory::UserDirectory;
use todo_domain::{
    AddMemberRequest, ApiError, CreateTodoRequest, ListNameRequest, ListRecord, ListStatus, Member,
    Membership, Role, TenantId, Timestamp, UpdateListTodoRequest, UserId, VersionedTodo,
};
use todo_events::{DomainEvent, EventPublisher};
use todo_storage::{PoolStore, SiloStore, TenantPartition, Tier, silo};
use todo_tenancy::{Action, TenantContext, caller_user_id};

use crate::HttpError;
use crate::extract::{JsonBody, TodoIdParam, UserIdParam, VersionQuery, path_param};

/// What the list handlers share.
#[derive(Clone)]
pub(crate) struct PoolState {
    pub(crate) pool: Arc<dyn PoolStore>,
    /// `Some` in the silo model (step05): each list's table, created and deleted with it.
    pub(crate) silo: Option<SiloTables>,
    /// `Some` when lists can be shared (step03): the member routes exist.
    pub(crate) directory: Option<Arc<dyn UserDirectory>>,
    /// Whether the tokens' `tenants` claims are used to reach a list (step04).
    pub(crate) tenant_claims: bool,
    /// `Some` when user actions are published as domain events (step06).
    pub(crate) events: Option<Arc<dyn EventPublisher>>,
}

impl PoolState {
    /// The silo's tables when the API itself creates and deletes them (step05); with events
    /// (step06) the provisioning consumer does.
    fn provisions_tables(&self) -> Option<&SiloTables> {
        self.silo.as_ref().filter(|_| self.events.is_none())
    }

    /// Publishes an event about a write that already succeeded. Best effort: the write
    /// stands and the caller gets its answer; a lost event is logged (an outbox — DynamoDB
    /// Streams through EventBridge Pipes — would close that gap).
    async fn announce(&self, event: impl FnOnce() -> DomainEvent) {
        if let Some(events) = &self.events {
            let event = event();
            let kind = event.detail_type();
            if let Err(error) = events.publish(vec![event]).await {
                tracing::error!(%error, kind, "an event was not published");
            }
        }
    }
}

/// Who creates and deletes the lists' tables in the silo model, and with what maximums.
#[derive(Clone)]
pub(crate) struct SiloTables {
    pub(crate) tables: Arc<dyn SiloStore>,
    pub(crate) tier: Tier,
}

/// The list routes, with the member routes when sharing is on.
pub(crate) fn routes(state: PoolState) -> Router {
    let mut router = Router::new()
        .route("/lists", get(list_lists).post(create_list))
        .route(
            "/lists/{listId}",
            get(get_list).patch(rename_list).delete(delete_list),
        )
        .route("/lists/{listId}/todos", get(list_todos).post(create_todo))
        .route(
            "/lists/{listId}/todos/{todoId}",
            get(get_todo).patch(update_todo).delete(delete_todo),
        );
    if state.directory.is_some() {
        router = router
            .route(
                "/lists/{listId}/members",
                get(list_members).post(add_member),
            )
            .route("/lists/{listId}/members/{userId}", delete(remove_member));
    }
    router.with_state(state)
}

/// A list as the API returns it: its record and the caller's role on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListView {
    pub id: TenantId,
    pub name: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Sent only while the list is `preparing` (step05); absent means ready.
    #[serde(default, skip_serializing_if = "ListStatus::is_ready")]
    pub status: ListStatus,
}

impl ListView {
    fn new(list: ListRecord, role: Role) -> Self {
        Self {
            id: list.id,
            name: list.name,
            role,
            created_at: list.created_at,
            updated_at: list.updated_at,
            status: ListStatus::Ready,
        }
    }
}

impl From<Membership> for ListView {
    fn from(entry: Membership) -> Self {
        Self {
            id: entry.list_id,
            name: entry.name,
            role: entry.role,
            created_at: entry.created_at,
            updated_at: entry.updated_at,
            status: entry.status,
        }
    }
}

/// The body of `GET /lists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lists {
    pub lists: Vec<ListView>,
}

/// The body of `GET /lists/{listId}/todos`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListTodos {
    pub todos: Vec<VersionedTodo>,
}

/// The body of `GET /lists/{listId}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Members {
    pub members: Vec<Member>,
}

/// The signed-in caller's access to the list in the path, and a handle on that list's
/// partition. Extracted before anything else of the request (the body included), so a
/// caller without access learns nothing but 404.
pub(crate) struct ListAccess {
    context: TenantContext,
    partition: Box<dyn TenantPartition>,
}

impl ListAccess {
    fn tenant(&self) -> &TenantId {
        self.context.tenant()
    }

    fn user(&self) -> &UserId {
        self.context.user()
    }

    /// The list's owner: the caller, or for a member the list record's (one read).
    async fn owner(&self) -> Result<UserId, ApiError> {
        match self.context.role() {
            Role::Owner => Ok(self.user().clone()),
            Role::Member => Ok(self.partition.list(self.tenant()).await?.owner),
        }
    }

    /// Publishes `event(tenant, owner, actor)` when events are on; best effort, like
    /// [`PoolState::announce`]: the write it reports has happened either way.
    async fn announce(
        &self,
        state: &PoolState,
        event: impl FnOnce(&TenantId, &UserId, &UserId) -> DomainEvent,
    ) {
        if state.events.is_none() {
            return;
        }
        match self.owner().await {
            Ok(owner) => {
                state
                    .announce(|| event(self.tenant(), &owner, self.user()))
                    .await
            }
            Err(error) => tracing::error!(%error, "an event was not published: no list owner"),
        }
    }
}

impl FromRequestParts<PoolState> for ListAccess {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PoolState,
    ) -> Result<Self, Self::Rejection> {
        ListEntry::read(parts, state)
            .await?
            .access(parts, state)
            .await
    }
}

/// What `DELETE /lists/{listId}` works on: a list in use, or one still being prepared, which
/// its owner may give up — its table may never come (a `ListCreated` that ended in the
/// dead-letter queue), and every other route of it waits with 503 until it does.
enum ListToDelete {
    Ready(ListAccess),
    Preparing(TenantContext),
}

impl FromRequestParts<PoolState> for ListToDelete {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PoolState,
    ) -> Result<Self, Self::Rejection> {
        let entry = ListEntry::read(parts, state).await?;
        if entry.is_preparing_for_its_owner() {
            let context = TenantContext::resolve(entry.user, entry.tenant, entry.entry)?;
            crate::metered::attribute(parts, &context, None).await;
            return Ok(Self::Preparing(context));
        }
        Ok(Self::Ready(entry.access(parts, state).await?))
    }
}

/// The first half of every list route: the caller's entry for the list in the path.
struct ListEntry {
    caller: Caller,
    user: UserId,
    tenant: TenantId,
    entry: Option<Membership>,
    /// The list's partition, opened while the entry was read when the token named the list.
    opened: Option<Result<Box<dyn TenantPartition>, ApiError>>,
}

impl ListEntry {
    async fn read(parts: &mut Parts, state: &PoolState) -> Result<Self, HttpError> {
        let caller = signed_in(parts)?.clone();
        let user = caller_user_id(&caller)?;
        let claims = if state.tenant_claims {
            TenantClaims::parse(
                caller.tenants.as_deref(),
                caller.tenants_truncated.as_deref(),
            )
        } else {
            None
        };
        let tenant = TenantId::parse_list_id(&path_param(parts, "listId").await?)?;
        let named_by_token = claims.is_some_and(|claims| claims.contains(&tenant));
        tracing::debug!(%tenant, named_by_token, "list access");
        let (entry, opened) = if named_by_token {
            // The token vouches for the tenant: reach its partition while the index confirms.
            let (entry, opened) = tokio::join!(
                state.pool.membership(&user, &tenant),
                state.pool.open(&tenant)
            );
            (entry?, Some(opened))
        } else {
            (state.pool.membership(&user, &tenant).await?, None)
        };
        Ok(Self {
            caller,
            user,
            tenant,
            entry,
            opened,
        })
    }

    /// A silo list whose table is not ready yet, and the caller is its owner.
    fn is_preparing_for_its_owner(&self) -> bool {
        self.entry
            .as_ref()
            .is_some_and(|entry| !entry.status.is_ready() && entry.role == Role::Owner)
    }

    /// The second half: the caller's access to a list that is ready (a preparing one is
    /// activated when the API provisions tables, else answered 503), and its partition.
    async fn access(self, parts: &mut Parts, state: &PoolState) -> Result<ListAccess, HttpError> {
        let Self {
            caller,
            user,
            tenant,
            entry,
            opened,
        } = self;
        let entry = match entry {
            Some(entry) if !entry.status.is_ready() => match state.provisions_tables() {
                Some(silo) => Some(activate(silo, &user, &caller, entry).await?),
                // The provisioning consumer makes it ready.
                None => return Err(HttpError(silo::table_preparing(&tenant))),
            },
            other => other,
        };
        let context = TenantContext::resolve(user, tenant, entry)?;
        // An early open that failed (a table still being created) is tried again, now that
        // the caller is known to have access.
        let partition = match opened {
            Some(Ok(partition)) => partition,
            _ => match state.pool.open(context.tenant()).await {
                Ok(partition) => partition,
                // A silo list whose table is gone but whose entry is left: a deletion that
                // stopped after DeleteTable. The entry leads nowhere; it goes too.
                Err(ApiError::NotFound(message)) if state.silo.is_some() => {
                    let (user, tenant) = (context.user(), context.tenant());
                    state.pool.remove_membership(user, tenant).await?;
                    return Err(HttpError(ApiError::NotFound(message)));
                }
                Err(other) => return Err(HttpError(other)),
            },
        };
        let access = ListAccess { context, partition };
        crate::metered::attribute(parts, &access.context, Some(access.partition.as_ref())).await;
        Ok(access)
    }
}

/// The caller the sign-in layer put in the request.
fn signed_in(parts: &Parts) -> Result<&Caller, HttpError> {
    parts.extensions.get::<Caller>().ok_or_else(|| {
        HttpError(ApiError::internal(
            "a list route ran without the sign-in layer",
        ))
    })
}

async fn list_lists(
    State(state): State<PoolState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Lists>, HttpError> {
    let user = caller_user_id(&caller)?;
    let mut lists = Vec::new();
    for entry in state.pool.memberships(&user).await? {
        let entry = if entry.status.is_ready() {
            entry
        } else if let Some(silo) = state.provisions_tables() {
            // Shown as preparing while its table is still being created, or could not be
            // checked: one list's trouble does not hide the others.
            match activate(silo, &user, &caller, entry.clone()).await {
                Ok(ready) => ready,
                Err(ApiError::Unavailable { .. }) => entry,
                Err(error) => {
                    tracing::warn!(list = %entry.list_id, %error, "a preparing list was not activated");
                    entry
                }
            }
        } else {
            entry
        };
        lists.push(ListView::from(entry));
    }
    Ok(Json(Lists { lists }))
}

/// [`silo::activate`] for `caller`'s list.
async fn activate(
    silo: &SiloTables,
    owner: &UserId,
    caller: &Caller,
    entry: Membership,
) -> Result<Membership, ApiError> {
    let owner = owner_record(owner, caller);
    silo::activate(silo.tables.as_ref(), &silo.tier, &owner, entry).await
}

/// The owner's member record in their list.
fn owner_record(owner: &UserId, caller: &Caller) -> Member {
    Member {
        user_id: owner.clone(),
        email: caller.email.clone().unwrap_or_default(),
        role: Role::Owner,
    }
}

async fn create_list(
    State(state): State<PoolState>,
    Extension(caller): Extension<Caller>,
    JsonBody(request): JsonBody<ListNameRequest>,
) -> Result<(StatusCode, Json<ListView>), HttpError> {
    let name = request.validate()?;
    let owner = caller_user_id(&caller)?;
    let list = ListRecord::create(name, owner.clone());
    todo_metering::attribute_to_list(&list.id, &owner);
    let created = |email: &str| DomainEvent::list_created(&list.id, &owner, &list.name, email);
    let email = caller.email.clone().unwrap_or_default();
    if state.silo.is_some() {
        // The owner's entry first, `preparing` until the list's table is active; then the
        // table (here, or by the provisioning consumer).
        let entry = Membership {
            status: ListStatus::Preparing,
            ..Membership::of(&list, Role::Owner)
        };
        state.pool.put_membership(&owner, &entry).await?;
        let preparing = (StatusCode::ACCEPTED, Json(ListView::from(entry.clone())));
        if let Some(silo) = state.provisions_tables() {
            // If CreateTable fails, the next request that sees the entry asks again.
            silo.tables.provision(&list.id, &silo.tier).await?;
            return match activate(silo, &owner, &caller, entry).await {
                Ok(ready) => Ok((StatusCode::CREATED, Json(ListView::from(ready)))),
                Err(ApiError::Unavailable { .. }) => Ok(preparing),
                Err(other) => Err(HttpError(other)),
            };
        }
        // The provisioning consumer creates the table when it hears of the list; unheard
        // of, the list would stay preparing, so then it is not created at all.
        if let Some(events) = &state.events
            && let Err(error) = events.publish(vec![created(&email)]).await
        {
            state.pool.remove_membership(&owner, &list.id).await?;
            return Err(HttpError(error));
        }
        return Ok(preparing);
    }
    // A brand-new tenant: the caller owns it by creating it. Its items first, then the
    // index entry that makes it visible.
    let partition = state.pool.open(&list.id).await?;
    partition
        .create_list(&list, &owner_record(&owner, &caller))
        .await?;
    state
        .pool
        .put_membership(&owner, &Membership::of(&list, Role::Owner))
        .await?;
    state.announce(|| created(&email)).await;
    Ok((StatusCode::CREATED, Json(ListView::new(list, Role::Owner))))
}

async fn get_list(access: ListAccess) -> Result<Json<ListView>, HttpError> {
    access.context.authorize(Action::ReadList)?;
    let list = access.partition.list(access.tenant()).await?;
    Ok(Json(ListView::new(list, access.context.role())))
}

async fn rename_list(
    State(state): State<PoolState>,
    access: ListAccess,
    JsonBody(request): JsonBody<ListNameRequest>,
) -> Result<Json<ListView>, HttpError> {
    access.context.authorize(Action::RenameList)?;
    let name = request.validate()?;
    let tenant = access.tenant();
    let list = access.partition.rename_list(tenant, &name).await?;
    // The name is copied into every index entry, so that GET /lists stays one Query.
    for member in access.partition.members(tenant).await? {
        state
            .pool
            .rename_membership(&member.user_id, tenant, &list.name, list.updated_at)
            .await?;
    }
    Ok(Json(ListView::new(list, access.context.role())))
}

async fn delete_list(
    State(state): State<PoolState>,
    target: ListToDelete,
) -> Result<StatusCode, HttpError> {
    let (context, partition) = match &target {
        ListToDelete::Ready(access) => (&access.context, Some(access.partition.as_ref())),
        ListToDelete::Preparing(context) => (context, None),
    };
    context.authorize(Action::DeleteList)?;
    let (owner, tenant) = (context.user(), context.tenant());
    // Members lose access first (a list being prepared has none yet); the owner's entry
    // goes last, so that if anything fails half-way the owner still sees the list and can
    // delete it again (in the silo, an entry left after its table is gone is removed by the
    // next request that reaches it).
    if let Some(partition) = partition {
        for member in partition.members(tenant).await? {
            if member.user_id != *owner {
                state
                    .pool
                    .remove_membership(&member.user_id, tenant)
                    .await?;
            }
        }
    }
    // With events, a list still being prepared loses its owner's entry first: it can then
    // never become ready, and the provisioner leaves no table for a list without an entry,
    // whichever of its events it handles when. Its ListDeleted is news, nothing more.
    let entry_first = partition.is_none() && state.events.is_some();
    if entry_first {
        state.pool.remove_membership(owner, tenant).await?;
    }
    let deleted = DomainEvent::list_deleted(tenant, owner, owner);
    match (&state.silo, &state.events) {
        (Some(_), Some(_)) if entry_first => state.announce(|| deleted).await,
        // The provisioning consumer deletes the table when it hears of it; unheard of, the
        // table would stay, so then the owner keeps the list and can delete it again.
        (Some(_), Some(events)) => events.publish(vec![deleted]).await?,
        // The table goes, and everything in it (refused with 503 while AWS is still
        // creating it).
        (Some(silo), None) => silo.tables.deprovision(tenant).await?,
        (None, _) => {
            // A pool list is never preparing: its partition is open.
            if let Some(partition) = partition {
                partition.delete_partition(tenant).await?;
            }
            state.announce(|| deleted).await;
        }
    }
    todo_metering::list_deleted();
    if !entry_first {
        state.pool.remove_membership(owner, tenant).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn list_todos(access: ListAccess) -> Result<Json<ListTodos>, HttpError> {
    access.context.authorize(Action::ReadTodos)?;
    let todos = access.partition.todos(access.tenant()).await?;
    Ok(Json(ListTodos { todos }))
}

async fn create_todo(
    State(state): State<PoolState>,
    access: ListAccess,
    JsonBody(request): JsonBody<CreateTodoRequest>,
) -> Result<(StatusCode, Json<VersionedTodo>), HttpError> {
    access.context.authorize(Action::WriteTodos)?;
    let new = request.validate()?;
    let todo = access.partition.create_todo(access.tenant(), new).await?;
    todo_metering::add_stored_items(1);
    access
        .announce(&state, |list, owner, actor| {
            DomainEvent::todo_added(list, owner, actor, todo.todo.id, &todo.todo.title)
        })
        .await;
    Ok((StatusCode::CREATED, Json(todo)))
}

async fn get_todo(
    access: ListAccess,
    TodoIdParam(id): TodoIdParam,
) -> Result<Json<VersionedTodo>, HttpError> {
    access.context.authorize(Action::ReadTodos)?;
    Ok(Json(access.partition.todo(access.tenant(), id).await?))
}

async fn update_todo(
    State(state): State<PoolState>,
    access: ListAccess,
    TodoIdParam(id): TodoIdParam,
    JsonBody(request): JsonBody<UpdateListTodoRequest>,
) -> Result<Json<VersionedTodo>, HttpError> {
    access.context.authorize(Action::WriteTodos)?;
    let (patch, version) = request.validate()?;
    // Whether `done` changes is an event of its own (completed, reopened).
    let was_done = match (&state.events, patch.done()) {
        (Some(_), Some(_)) => Some(access.partition.todo(access.tenant(), id).await?.todo.done),
        _ => None,
    };
    let todo = access
        .partition
        .update_todo(access.tenant(), id, &patch, version)
        .await?;
    if was_done.is_some_and(|was_done| was_done != todo.todo.done) {
        access
            .announce(&state, |list, owner, actor| {
                DomainEvent::todo_done_changed(list, owner, actor, id, todo.todo.done)
            })
            .await;
    }
    Ok(Json(todo))
}

async fn delete_todo(
    State(state): State<PoolState>,
    access: ListAccess,
    TodoIdParam(id): TodoIdParam,
    VersionQuery(version): VersionQuery,
) -> Result<StatusCode, HttpError> {
    access.context.authorize(Action::WriteTodos)?;
    access
        .partition
        .delete_todo(access.tenant(), id, version)
        .await?;
    todo_metering::add_stored_items(-1);
    access
        .announce(&state, |list, owner, actor| {
            DomainEvent::todo_removed(list, owner, actor, id)
        })
        .await;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_members(access: ListAccess) -> Result<Json<Members>, HttpError> {
    access.context.authorize(Action::ListMembers)?;
    let mut members = access.partition.members(access.tenant()).await?;
    // The owner first, then the others in a stable order.
    members.sort_by_key(|member| member.role);
    Ok(Json(Members { members }))
}

async fn add_member(
    State(state): State<PoolState>,
    access: ListAccess,
    Extension(caller): Extension<Caller>,
    JsonBody(request): JsonBody<AddMemberRequest>,
) -> Result<(StatusCode, Json<Member>), HttpError> {
    access.context.authorize(Action::AddMember)?;
    let email = request.validate()?;
    let own_email = caller
        .email
        .as_deref()
        .is_some_and(|own| email.matches(own));
    let directory = state.directory.as_ref().ok_or_else(|| {
        ApiError::internal("the member routes are on but no user directory is configured")
    })?;
    let user = directory.find_by_email(&email).await?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "no user is registered with the email {email}; ask them to sign up first, \
             then share the list again"
        ))
    })?;
    if own_email || user.user_id == *access.context.user() {
        return Err(HttpError(ApiError::validation(
            "you own this list already; share it with someone else's email",
        )));
    }
    let tenant = access.tenant();
    let member = Member {
        user_id: user.user_id,
        email: user.email,
        role: Role::Member,
    };
    match access.partition.add_member(tenant, &member).await {
        Ok(()) => {}
        // Already on the list. If an earlier share stopped before writing the index entry,
        // finish it now instead of reporting a conflict nobody can resolve.
        Err(ApiError::Conflict(message)) => {
            if state
                .pool
                .membership(&member.user_id, tenant)
                .await?
                .is_some()
            {
                return Err(HttpError(ApiError::Conflict(message)));
            }
        }
        Err(other) => return Err(HttpError(other)),
    }
    let list = access.partition.list(tenant).await?;
    state
        .pool
        .put_membership(&member.user_id, &Membership::of(&list, Role::Member))
        .await?;
    access
        .announce(&state, |list, owner, actor| {
            DomainEvent::member_added(list, owner, actor, &member)
        })
        .await;
    Ok((StatusCode::CREATED, Json(member)))
}

async fn remove_member(
    State(state): State<PoolState>,
    access: ListAccess,
    UserIdParam(target): UserIdParam,
) -> Result<StatusCode, HttpError> {
    let own = target == *access.context.user();
    access.context.authorize(Action::RemoveMember { own })?;
    let tenant = access.tenant();
    if access.partition.member(tenant, &target).await?.is_none() {
        return Err(HttpError(ApiError::NotFound(format!(
            "user {target} is not on this list"
        ))));
    }
    // Access goes first, so the member is refused from the very next request.
    state.pool.remove_membership(&target, tenant).await?;
    access.partition.remove_member(tenant, &target).await?;
    access
        .announce(&state, |list, owner, actor| {
            DomainEvent::member_removed(list, owner, actor, &target)
        })
        .await;
    Ok(StatusCode::NO_CONTENT)
}
