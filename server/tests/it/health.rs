use crate::common::*;
use axum::http::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn healthz_is_ok_when_the_database_answers(pool: PgPool) {
    let answer = get(&app(pool), "/healthz").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), serde_json::json!({"status": "ok", "db": "ok"}));
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_down() {
    let answer = get(&app(unreachable_pool()), "/healthz").await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.json()["db"], "down");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn every_response_carries_a_request_id(pool: PgPool) {
    let answer = get(&app(pool), "/healthz").await;
    let id = answer.headers.get("x-request-id").expect("x-request-id header");
    assert_eq!(id.to_str().unwrap().len(), 36, "a UUID");
}
