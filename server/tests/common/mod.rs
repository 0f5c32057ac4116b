//! Test harness: the real router over a real Postgres database. Every `#[sqlx::test]` gets a
//! fresh database of its own with the app's migrations applied (sqlx creates it from
//! `DATABASE_URL` and drops it afterwards), so tests run in parallel and leave nothing behind.

#![allow(dead_code)]

use axum::{Router, body::Body, http::{Request, StatusCode, header::HeaderMap}};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use sqlx::{PgPool, postgres::PgPoolOptions};
use tower::ServiceExt;

pub fn app(pool: PgPool) -> Router {
    server::telemetry::init_for_tests();
    let leptos_options = LeptosOptions::builder().output_name("paydesk").site_root("target/site").build();
    server::router(server::AppState { leptos_options, pool })
}

/// A pool that points at a port where nothing listens: the database is "down".
pub fn unreachable_pool() -> PgPool {
    PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:1/paydesk")
        .expect("a well-formed URL")
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("a readable body").to_bytes();
    Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

pub async fn get(app: &Router, path: &str) -> Answer {
    send(app, Request::get(path).header("accept", "text/html").body(Body::empty()).unwrap()).await
}

/// Calls a server function the way the hydrated app does: a URL-encoded POST, JSON back.
pub async fn call(app: &Router, endpoint: &str, form: &str) -> Answer {
    let request = Request::post(format!("/api/{endpoint}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(form.to_string()))
        .unwrap();
    send(app, request).await
}
