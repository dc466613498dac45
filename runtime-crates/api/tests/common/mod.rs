//! Shared helpers for the HTTP tests: send a request through the router in memory (no
//! socket, via `tower::ServiceExt::oneshot`) and check the API's JSON contract.

#![allow(dead_code)] // each test binary uses a different part of this module

pub mod lists;
pub mod users;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use serde_json::{Value, json};
use todo_api::{AllowedOrigin, AppState, ErrorBody, router};
use todo_domain::Todo;
use todo_storage::TodoStore;
use tower::ServiceExt;

/// The router under test, and the token it sends (if any).
#[derive(Clone)]
pub struct Api {
    router: Router,
    token: Option<String>,
}

/// A response, with its body read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON; panics (failing the test) if it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} response body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as a todo, after checking the status.
    pub fn todo(&self, expected: StatusCode) -> Todo {
        assert_eq!(self.status, expected, "{:?}", self.body);
        serde_json::from_slice(&self.body).expect("body is a todo")
    }

    /// Checks that this is an error response in the API's JSON shape, with this status and code.
    pub fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(
            self.status,
            status,
            "body: {:?}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.headers.get(CONTENT_TYPE).map(|v| v.to_str().unwrap()),
            Some("application/json"),
            "error responses are JSON"
        );
        let body: ErrorBody = serde_json::from_value(self.json()).unwrap_or_else(|e| {
            panic!(
                "error body is not {{error, message}} ({e}): {:?}",
                self.json()
            )
        });
        assert_eq!(body.error, code, "message: {}", body.message);
        assert!(!body.message.is_empty());
    }
}

impl Api {
    pub fn new(store: Arc<dyn TodoStore>) -> Self {
        Self::with_origin(store, &AllowedOrigin::Any)
    }

    pub fn with_origin(store: Arc<dyn TodoStore>, origin: &AllowedOrigin) -> Self {
        Self::from_state(AppState::single_tenant(store), origin)
    }

    pub fn from_state(state: AppState, origin: &AllowedOrigin) -> Self {
        Self {
            router: router(state, origin),
            token: None,
        }
    }

    /// An `Api` on a router the test built itself (e.g. with a layer of its own in front).
    pub fn from_router(router: Router) -> Self {
        Self {
            router,
            token: None,
        }
    }

    /// The same router, with `Authorization: Bearer <token>` on every request that has no
    /// `Authorization` header of its own.
    pub fn with_token(&self, token: &str) -> Self {
        Self {
            router: self.router.clone(),
            token: Some(token.to_owned()),
        }
    }

    /// Sends any request.
    pub async fn send(&self, mut request: Request<Body>) -> Reply {
        if let Some(token) = &self.token
            && !request.headers().contains_key(AUTHORIZATION)
        {
            let value = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body can be read");
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Sends a request without a body.
    pub async fn call(&self, method: Method, path: &str) -> Reply {
        self.send(
            Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// Sends `body` as raw bytes with the given content type (or none).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        self.send(request.body(body.into()).unwrap()).await
    }

    /// Sends `body` as JSON.
    pub async fn json(&self, method: Method, path: &str, body: Value) -> Reply {
        self.raw(method, path, Some("application/json"), body.to_string())
            .await
    }
}

/// The whole happy path through every endpoint; run against each store.
pub async fn crud_lifecycle(api: &Api) {
    let health = api.call(Method::GET, "/health").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json(), json!({"status": "ok"}));

    let empty = api.call(Method::GET, "/todos").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json(), json!({"todos": []}));

    let mut created = Vec::new();
    for title in ["  buy milk  ", "write lesson", "deploy"] {
        let reply = api
            .json(Method::POST, "/todos", json!({"title": title}))
            .await;
        let todo = reply.todo(StatusCode::CREATED);
        assert_eq!(todo.title, title.trim(), "titles are trimmed");
        assert!(!todo.done);
        assert_eq!(todo.created_at, todo.updated_at);
        let object = reply.json();
        for key in ["id", "title", "done", "createdAt", "updatedAt"] {
            assert!(object.get(key).is_some(), "{key} in {object}");
        }
        assert!(object["createdAt"].as_str().unwrap().ends_with('Z'));
        created.push(todo);
    }

    let listed = api.call(Method::GET, "/todos").await;
    assert_eq!(listed.status, StatusCode::OK);
    let listed: todo_api::TodoList = serde_json::from_slice(&listed.body).unwrap();
    assert_eq!(listed.todos, created, "creation order");

    let first = &created[0];
    let path = format!("/todos/{}", first.id);
    assert_eq!(
        &api.call(Method::GET, &path).await.todo(StatusCode::OK),
        first
    );

    let done = api
        .json(Method::PATCH, &path, json!({"done": true}))
        .await
        .todo(StatusCode::OK);
    assert!(done.done);
    assert_eq!(done.title, "buy milk");
    assert_eq!(done.created_at, first.created_at);
    assert!(done.updated_at >= first.updated_at);

    let renamed = api
        .json(
            Method::PATCH,
            &path,
            json!({"title": " oat milk ", "done": false}),
        )
        .await
        .todo(StatusCode::OK);
    assert_eq!((renamed.title.as_str(), renamed.done), ("oat milk", false));
    assert_eq!(
        api.call(Method::GET, &path).await.todo(StatusCode::OK),
        renamed
    );

    let deleted = api.call(Method::DELETE, &path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_empty());
    api.call(Method::GET, &path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    api.call(Method::DELETE, &path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    api.json(Method::PATCH, &path, json!({"done": true}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    let remaining: todo_api::TodoList =
        serde_json::from_slice(&api.call(Method::GET, "/todos").await.body).unwrap();
    assert_eq!(remaining.todos, created[1..]);
}
