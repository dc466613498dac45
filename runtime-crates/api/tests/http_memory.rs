//! The HTTP contract on `MemoryStore`: every endpoint, and every way a client can get a
//! request wrong, answered with a 4xx JSON error and never a 500 or plain text.

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ALLOW, ORIGIN,
};
use axum::http::{HeaderValue, Method, Request, StatusCode};
use common::{Api, crud_lifecycle};
use serde_json::json;
use todo_api::{AllowedOrigin, MAX_BODY_BYTES};
use todo_domain::{ApiError, NewTodo, TenantId, Todo, TodoId, TodoPatch};
use todo_storage::{MemoryStore, TodoStore};

fn api() -> Api {
    Api::new(Arc::new(MemoryStore::new()))
}

/// An existing todo's path, for the PATCH tests.
async fn existing_todo(api: &Api) -> String {
    let todo = api
        .json(Method::POST, "/todos", json!({"title": "existing"}))
        .await
        .todo(StatusCode::CREATED);
    format!("/todos/{}", todo.id)
}

#[tokio::test]
async fn every_endpoint_works_in_memory() {
    crud_lifecycle(&api()).await;
}

#[tokio::test]
async fn create_rejects_bad_bodies() {
    let api = api();
    let cases: &[(&str, &str)] = &[
        ("{\"title\": ", "invalid_json"),
        ("", "invalid_json"),
        ("not json", "invalid_json"),
        ("{\"title\": \"a\"} trailing", "invalid_json"),
        ("{\"title\": 5}", "invalid_body"),
        ("{\"title\": null}", "invalid_body"),
        ("{}", "invalid_body"),
        ("[\"a\"]", "invalid_body"),
        ("\"a\"", "invalid_body"),
        ("{\"title\": \"a\", \"done\": true}", "invalid_body"),
        ("{\"titel\": \"a\"}", "invalid_body"),
        ("{\"title\": \"\"}", "validation_failed"),
        ("{\"title\": \" \\n\\t \"}", "validation_failed"),
    ];
    for (body, code) in cases {
        let reply = api
            .raw(Method::POST, "/todos", Some("application/json"), *body)
            .await;
        reply.assert_error(StatusCode::BAD_REQUEST, code);
    }
    let listed = api.call(Method::GET, "/todos").await.json();
    assert_eq!(listed, json!({"todos": []}), "nothing was created");
}

#[tokio::test]
async fn title_length_is_counted_in_characters() {
    let api = api();
    let longest = "é".repeat(200);
    let created = api
        .json(Method::POST, "/todos", json!({"title": longest}))
        .await
        .todo(StatusCode::CREATED);
    assert_eq!(created.title, longest);
    api.json(Method::POST, "/todos", json!({"title": "a".repeat(201)}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "validation_failed");
}

#[tokio::test]
async fn bodies_must_be_declared_as_json() {
    let api = api();
    let body = r#"{"title": "a"}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        api.raw(Method::POST, "/todos", content_type, body)
            .await
            .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
    let path = existing_todo(&api).await;
    api.raw(Method::PATCH, &path, None, r#"{"done": true}"#)
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

    for content_type in [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ] {
        api.raw(Method::POST, "/todos", Some(content_type), body)
            .await
            .todo(StatusCode::CREATED);
    }
}

#[tokio::test]
async fn bodies_over_64_kib_are_rejected() {
    let api = api();
    let padding = " ".repeat(MAX_BODY_BYTES);
    let body = format!(r#"{{"title": "a"}}{padding}"#);
    api.raw(Method::POST, "/todos", Some("application/json"), body)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let path = existing_todo(&api).await;
    let big_title = json!({"title": "a".repeat(MAX_BODY_BYTES)});
    api.json(Method::PATCH, &path, big_title)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    let just_fits = format!(r#"{{"title": "a"}}{}"#, " ".repeat(MAX_BODY_BYTES - 14));
    assert_eq!(just_fits.len(), MAX_BODY_BYTES);
    api.raw(Method::POST, "/todos", Some("application/json"), just_fits)
        .await
        .todo(StatusCode::CREATED);
}

#[tokio::test]
async fn patch_rejects_bad_bodies() {
    let api = api();
    let path = existing_todo(&api).await;
    let cases: &[(&str, &str)] = &[
        ("{}", "validation_failed"),
        ("{\"title\": null, \"done\": null}", "validation_failed"),
        ("{\"title\": \"  \"}", "validation_failed"),
        ("{\"title\": \"ok\", \"done\": \"yes\"}", "invalid_body"),
        ("{\"done\": 1}", "invalid_body"),
        ("{\"title\": [\"a\"]}", "invalid_body"),
        ("{\"done\": true, \"id\": \"x\"}", "invalid_body"),
        ("{\"done\": tru}", "invalid_json"),
        ("", "invalid_json"),
    ];
    for (body, code) in cases {
        api.raw(Method::PATCH, &path, Some("application/json"), *body)
            .await
            .assert_error(StatusCode::BAD_REQUEST, code);
    }
    let unchanged = api.call(Method::GET, &path).await.todo(StatusCode::OK);
    assert_eq!(
        (unchanged.title.as_str(), unchanged.done),
        ("existing", false)
    );
}

#[tokio::test]
async fn ids_must_be_uuids() {
    let api = api();
    for id in [
        "42",
        "not-a-uuid",
        "0190b8a47f3e7c4d9a1b2c3d4e5f6a7b",
        "%FF%FE",
        "%20",
    ] {
        let path = format!("/todos/{id}");
        api.call(Method::GET, &path)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_id");
        api.call(Method::DELETE, &path)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_id");
        api.json(Method::PATCH, &path, json!({"done": true}))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_id");
    }
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let api = api();
    let path = format!("/todos/{}", TodoId::generate());
    api.call(Method::GET, &path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    api.json(Method::PATCH, &path, json!({"done": true}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    api.call(Method::DELETE, &path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn unknown_routes_are_json_404s() {
    let api = api();
    let id = TodoId::generate();
    for path in [
        "/",
        "/nope",
        "/todos/",
        &format!("/todos/{id}/extra"),
        "/health/x",
    ] {
        api.call(Method::GET, path)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
    api.json(Method::POST, "/nope", json!({"title": "a"}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn wrong_methods_are_json_405s_with_allow() {
    let api = api();
    let item = format!("/todos/{}", TodoId::generate());
    let cases = [
        (Method::PUT, "/todos"),
        (Method::DELETE, "/todos"),
        (Method::PATCH, "/todos"),
        (Method::POST, item.as_str()),
        (Method::PUT, item.as_str()),
        (Method::POST, "/health"),
        (Method::DELETE, "/health"),
    ];
    for (method, path) in cases {
        let reply = api.call(method.clone(), path).await;
        reply.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
        assert!(reply.headers.contains_key(ALLOW), "{method} {path}");
    }
}

#[tokio::test]
async fn cors_allows_any_origin_by_default() {
    let api = api();
    let preflight = api
        .send(
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/todos")
                .header(ORIGIN, "http://localhost:5173")
                .header(ACCESS_CONTROL_REQUEST_METHOD, "PATCH")
                .header(ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(preflight.status.is_success(), "{:?}", preflight.status);
    assert_eq!(preflight.headers[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let methods = preflight.headers[ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap();
    for method in ["GET", "POST", "PATCH", "DELETE", "OPTIONS"] {
        assert!(methods.contains(method), "{method} in {methods}");
    }

    // Error responses carry the header too, or the browser hides their JSON from the SPA.
    let not_found = api
        .send(
            Request::builder()
                .uri("/nope")
                .header(ORIGIN, "http://localhost:5173")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);
    assert_eq!(not_found.headers[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
}

#[tokio::test]
async fn cors_can_be_limited_to_configured_origins() {
    let allowed = "https://d1.cloudfront.net";
    let api = Api::with_origin(
        Arc::new(MemoryStore::new()),
        &AllowedOrigin::List(vec![HeaderValue::from_static(allowed)]),
    );
    let get_from = |origin: &'static str| {
        Request::builder()
            .uri("/todos")
            .header(ORIGIN, origin)
            .body(Body::empty())
            .unwrap()
    };
    let ok = api.send(get_from(allowed)).await;
    assert_eq!(ok.headers[ACCESS_CONTROL_ALLOW_ORIGIN], allowed);
    let other = api.send(get_from("https://evil.example")).await;
    assert!(!other.headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
}

/// A store whose every call fails the way a broken database would.
struct BrokenStore;

#[async_trait]
impl TodoStore for BrokenStore {
    async fn list(&self, _: &TenantId) -> Result<Vec<Todo>, ApiError> {
        Err(ApiError::internal("connection to db-secret-host refused"))
    }
    async fn create(&self, _: &TenantId, _: NewTodo) -> Result<Todo, ApiError> {
        Err(ApiError::internal("connection to db-secret-host refused"))
    }
    async fn get(&self, _: &TenantId, _: TodoId) -> Result<Todo, ApiError> {
        Err(ApiError::internal("connection to db-secret-host refused"))
    }
    async fn update(&self, _: &TenantId, _: TodoId, _: &TodoPatch) -> Result<Todo, ApiError> {
        Err(ApiError::internal("connection to db-secret-host refused"))
    }
    async fn delete(&self, _: &TenantId, _: TodoId) -> Result<(), ApiError> {
        Err(ApiError::internal("connection to db-secret-host refused"))
    }
}

#[tokio::test]
async fn store_failures_are_generic_500s() {
    let api = Api::new(Arc::new(BrokenStore));
    let item = format!("/todos/{}", TodoId::generate());
    let replies = [
        api.call(Method::GET, "/todos").await,
        api.json(Method::POST, "/todos", json!({"title": "a"}))
            .await,
        api.call(Method::GET, &item).await,
        api.json(Method::PATCH, &item, json!({"done": true})).await,
        api.call(Method::DELETE, &item).await,
    ];
    for reply in replies {
        reply.assert_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
        assert!(!String::from_utf8_lossy(&reply.body).contains("secret"));
    }
    // Client mistakes are still reported as such, before the store is ever called.
    api.json(Method::POST, "/todos", json!({"title": ""}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "validation_failed");
}
