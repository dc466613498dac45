//! The routes of the todo API and the state their handlers share.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use serde::{Deserialize, Serialize};
use todo_auth::TokenVerifier;
use todo_directory::UserDirectory;
use todo_domain::{ApiError, CreateTodoRequest, TenantId, Todo, UpdateTodoRequest};
use todo_events::EventPublisher;
use todo_metering::{EmfSink, UsageStore};
use todo_storage::{PoolStore, SiloStore, Tier, TodoStore};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::extract::{JsonBody, MAX_BODY_BYTES, TodoIdPath};
use crate::lists::{self, PoolState, SiloTables};
use crate::metered::{Metering, meter_request};
use crate::sign_in::require_caller;
use crate::usage::{self, UsageState};
use crate::{AllowedOrigin, HttpError};

/// What the API serves and how: built once at startup; cloning is cheap (`Arc`s).
///
/// - [`AppState::single_tenant`] (step00, step01): `/todos` on one tenant.
/// - [`AppState::pool`] (step02): `/lists`, each list a tenant, in the pool model; sign-in
///   always required.
/// - [`AppState::with_sharing`] (step03): adds `/lists/{listId}/members`.
/// - [`AppState::with_tenant_claims`] (step04): a list named in the token's `tenants` claim
///   has its partition opened while the caller's index entry is read.
/// - [`AppState::silo`] (step05): the same routes, each list in a table of its own.
/// - [`AppState::with_events`] (step06): every user action published as a domain event.
#[derive(Clone)]
pub struct AppState {
    routes: Routes,
    /// `Some` when every route but `/health` requires a signed-in caller.
    sign_in: Option<TokenVerifier>,
    /// `Some` when requests are metered and `/usage` exists (step04).
    metering: Option<Metering>,
}

#[derive(Clone)]
enum Routes {
    SingleTenant(SingleTenant),
    Pool(PoolState),
}

/// What the single-tenant todo handlers share.
#[derive(Clone)]
struct SingleTenant {
    store: Arc<dyn TodoStore>,
    tenant: TenantId,
}

impl AppState {
    /// State for a single-tenant step: every request works on the `default` tenant, and no
    /// sign-in is required.
    pub fn single_tenant(store: Arc<dyn TodoStore>) -> Self {
        Self {
            routes: Routes::SingleTenant(SingleTenant {
                store,
                tenant: TenantId::default(),
            }),
            sign_in: None,
            metering: None,
        }
    }

    /// State for a multi-tenant step (pool model): signed-in users create, rename and delete
    /// todo lists, each list its own tenant in `pool`, and work on their todos. Every route
    /// but `GET /health` requires a token `verifier` accepts.
    pub fn pool(pool: Arc<dyn PoolStore>, verifier: TokenVerifier) -> Self {
        Self {
            routes: Routes::Pool(PoolState {
                pool,
                silo: None,
                directory: None,
                tenant_claims: false,
                events: None,
            }),
            sign_in: Some(verifier),
            metering: None,
        }
    }

    /// State for a multi-tenant step in the silo model: the routes of [`Self::pool`], but
    /// each list lives in a table of its own, which `store` creates (with `tier`'s
    /// throughput maximums) when the list is created and deletes with the list. A new list
    /// is `preparing` until its table is active: `POST /lists` answers 202 and the list's
    /// routes 503 with `Retry-After` meanwhile.
    pub fn silo(store: Arc<dyn SiloStore>, tier: Tier, verifier: TokenVerifier) -> Self {
        let mut state = Self::pool(store.clone(), verifier);
        if let Routes::Pool(pool) = &mut state.routes {
            pool.silo = Some(SiloTables {
                tables: store,
                tier,
            });
        }
        state
    }

    /// The same multi-tenant state with sharing: a list's owner adds members by email
    /// (looked up in `directory`) and removes them; members may leave. Has no effect on a
    /// single-tenant state, which has no lists to share.
    #[must_use]
    pub fn with_sharing(mut self, directory: Arc<dyn UserDirectory>) -> Self {
        if let Routes::Pool(pool) = &mut self.routes {
            pool.directory = Some(directory);
        }
        self
    }

    /// The same multi-tenant state, reading the `tenants` claim that step04's
    /// pre-token-generation trigger writes into ID tokens: a list the token names has its
    /// partition opened while the caller's index entry is read, instead of after. The index
    /// entry decides access either way. Has no effect on a single-tenant state.
    #[must_use]
    pub fn with_tenant_claims(mut self) -> Self {
        if let Routes::Pool(pool) = &mut self.routes {
            pool.tenant_claims = true;
        }
        self
    }

    /// The same multi-tenant state, publishing a domain event through `publisher` for every
    /// user action that succeeded (step06). In the silo model the lists' tables are then
    /// created and deleted by the provisioning consumer, not by the API. Has no effect on a
    /// single-tenant state.
    #[must_use]
    pub fn with_events(mut self, publisher: Arc<dyn EventPublisher>) -> Self {
        if let Routes::Pool(pool) = &mut self.routes {
            pool.events = Some(publisher);
        }
        self
    }

    /// The same state, with sign-in required: every route but `GET /health` (and CORS
    /// preflights) answers 401 unless the request carries a token `verifier` accepts.
    /// Which tenant a request works on does not change.
    #[must_use]
    pub fn with_sign_in(mut self, verifier: TokenVerifier) -> Self {
        self.sign_in = Some(verifier);
        self
    }

    /// The same multi-tenant state with per-tenant metering: every signed-in request prints
    /// one CloudWatch EMF line (to stdout, in `namespace`) and is added to its owner's
    /// roll-up in `store`; `GET /usage` reports the roll-up. A request is billed to the
    /// owner of the list it works on (a member's requests too), else to the caller. Has no
    /// effect on a single-tenant state.
    #[must_use]
    pub fn with_metering(
        mut self,
        store: Arc<dyn UsageStore>,
        namespace: impl Into<String>,
    ) -> Self {
        if matches!(self.routes, Routes::Pool(_)) {
            self.metering = Some(Metering::new(store, namespace.into()));
        }
        self
    }

    /// Sends the EMF lines to `sink` instead of stdout (tests capture them this way). Call
    /// after [`Self::with_metering`].
    #[must_use]
    pub fn with_metrics_sink(mut self, sink: Arc<dyn EmfSink>) -> Self {
        if let Some(metering) = &mut self.metering {
            metering.set_sink(sink);
        }
        self
    }

    /// Whether the routes require a signed-in caller.
    pub fn requires_sign_in(&self) -> bool {
        self.sign_in.is_some()
    }

    /// Whether lists can be shared (the member routes exist).
    pub fn shares_lists(&self) -> bool {
        matches!(&self.routes, Routes::Pool(pool) if pool.directory.is_some())
    }
}

/// The body of `GET /todos`. An object rather than a bare array, so fields such as a
/// pagination cursor can be added later without breaking clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodoList {
    pub todos: Vec<Todo>,
}

/// The whole API: routes, sign-in when the state requires it, JSON fallbacks for unknown
/// routes and methods, the body limit, CORS, and a last line of defence that turns a panic
/// into a JSON 500.
pub fn router(state: AppState, allowed_origin: &AllowedOrigin) -> Router {
    let routes = match state.routes {
        Routes::SingleTenant(single) => Router::new()
            .route("/todos", get(list_todos).post(create_todo))
            .route(
                "/todos/{id}",
                get(get_todo).patch(update_todo).delete(delete_todo),
            )
            .with_state(single),
        Routes::Pool(pool) => match state.metering {
            Some(metering) => metered_routes(pool, metering),
            None => lists::routes(pool),
        },
    };
    // Only these routes, so `/health` stays public; without sign-in they are unchanged.
    let routes = match &state.sign_in {
        Some(verifier) => routes.route_layer(middleware::from_fn_with_state(
            verifier.clone(),
            require_caller,
        )),
        None => routes,
    };
    Router::new()
        .route("/health", get(health))
        .merge(routes)
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(panic_response))
        // Outermost, so that error responses carry CORS headers too and a browser can read
        // their JSON.
        .layer(cors(allowed_origin))
}

/// The list routes and `/usage`, each request run under the metering layer. The layer is a
/// route layer added before sign-in's, so sign-in runs first and the caller is known. A
/// panic is caught inside it too (the router's outer catch cannot be reached from here), so
/// a panicking handler's 500 is metered like any other answer.
fn metered_routes(pool: PoolState, metering: Metering) -> Router {
    let usage = usage::routes(UsageState {
        pool: pool.pool.clone(),
        store: metering.store.clone(),
    });
    lists::routes(pool)
        .merge(usage)
        .route_layer(CatchPanicLayer::custom(panic_response))
        .route_layer(middleware::from_fn_with_state(metering, meter_request))
}

fn cors(allowed_origin: &AllowedOrigin) -> CorsLayer {
    let origin = match allowed_origin {
        AllowedOrigin::Any => AllowOrigin::any(),
        AllowedOrigin::List(origins) => AllowOrigin::list(origins.iter().cloned()),
    };
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        // `authorization` carries the ID token once a step has sign-in; allowing it in step00
        // too keeps every step's CORS identical.
        .allow_headers([CONTENT_TYPE, AUTHORIZATION])
        // How long to wait before retrying a 503 (a silo list being prepared).
        .expose_headers([RETRY_AFTER])
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn list_todos(State(state): State<SingleTenant>) -> Result<Json<TodoList>, HttpError> {
    let todos = state.store.list(&state.tenant).await?;
    Ok(Json(TodoList { todos }))
}

async fn create_todo(
    State(state): State<SingleTenant>,
    JsonBody(request): JsonBody<CreateTodoRequest>,
) -> Result<(StatusCode, Json<Todo>), HttpError> {
    let new = request.validate()?;
    let todo = state.store.create(&state.tenant, new).await?;
    Ok((StatusCode::CREATED, Json(todo)))
}

async fn get_todo(
    State(state): State<SingleTenant>,
    TodoIdPath(id): TodoIdPath,
) -> Result<Json<Todo>, HttpError> {
    Ok(Json(state.store.get(&state.tenant, id).await?))
}

async fn update_todo(
    State(state): State<SingleTenant>,
    TodoIdPath(id): TodoIdPath,
    JsonBody(request): JsonBody<UpdateTodoRequest>,
) -> Result<Json<Todo>, HttpError> {
    let patch = request.validate()?;
    Ok(Json(state.store.update(&state.tenant, id, &patch).await?))
}

async fn delete_todo(
    State(state): State<SingleTenant>,
    TodoIdPath(id): TodoIdPath,
) -> Result<StatusCode, HttpError> {
    state.store.delete(&state.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn route_not_found() -> HttpError {
    HttpError(ApiError::NotFound("no such route".to_owned()))
}

async fn method_not_allowed() -> HttpError {
    HttpError(ApiError::MethodNotAllowed)
}

fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    HttpError(ApiError::internal("a request handler panicked")).into_response()
}
