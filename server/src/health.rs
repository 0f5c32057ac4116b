//! `GET /healthz`: is this instance serving, and does its database answer?

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;

use crate::AppState;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Health {
    pub status: &'static str,
    pub db: &'static str,
}

/// `200 {"status":"ok","db":"ok"}` when Postgres answers within two seconds,
/// `503 {"status":"unavailable","db":"down"}` when it does not.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let answer = tokio::time::timeout(Duration::from_secs(2), app::db::ping(&state.pool)).await;
    match answer {
        Ok(Ok(())) => (StatusCode::OK, Json(Health { status: "ok", db: "ok" })),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", db: "down" }))
        }
        Err(_) => {
            tracing::warn!("health check: database timed out");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", db: "down" }))
        }
    }
}
