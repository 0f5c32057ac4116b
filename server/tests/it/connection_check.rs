//! The round trip behind the shells' "Check connection" button, through the real HTTP
//! server-function endpoints and directly through the data-access layer.

use crate::common::*;
use app::health::{Area, ConnectionReport};
use axum::http::StatusCode;
use sqlx::PgPool;

async fn checks_in_db(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM connection_checks").fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_check_is_written_and_read_back_per_area(pool: PgPool) {
    let app = app(pool.clone());

    let first = call(&app, "check_connection", "area=shop").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first: ConnectionReport = serde_json::from_str(&first.body).unwrap();
    assert_eq!((first.area, first.area_total), (Area::Shop, 1));

    let second: ConnectionReport = serde_json::from_str(&call(&app, "check_connection", "area=shop").await.body).unwrap();
    assert_eq!(second.area_total, 2);
    assert!(second.check_id > first.check_id);

    // Another area counts on its own.
    let merchant: ConnectionReport = serde_json::from_str(&call(&app, "check_connection", "area=merchant").await.body).unwrap();
    assert_eq!(merchant.area_total, 1);

    let last = call(&app, "last_connection_check", "area=shop").await;
    assert_eq!(last.status, StatusCode::OK);
    let last: Option<ConnectionReport> = serde_json::from_str(&last.body).unwrap();
    assert_eq!(last, Some(second));
    assert_eq!(checks_in_db(&pool).await, 3);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn no_check_yet_reads_as_none(pool: PgPool) {
    let last = call(&app(pool), "last_connection_check", "area=merchant").await;
    assert_eq!(last.status, StatusCode::OK);
    assert_eq!(last.body, "null");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_bad_argument_is_a_clear_400_and_writes_nothing(pool: PgPool) {
    let app = app(pool.clone());
    for form in ["area=everywhere", "", "area="] {
        let answer = call(&app, "check_connection", form).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{form:?}: {}", answer.body);
        assert_eq!(answer.json()["kind"], "bad_request");
    }
    assert_eq!(checks_in_db(&pool).await, 0);
}

#[tokio::test]
async fn a_database_outage_is_a_503_with_a_readable_message() {
    let answer = call(&app(unreachable_pool()), "check_connection", "area=shop").await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);
    assert_eq!(answer.json()["kind"], "unavailable");
    assert!(!answer.said().contains("127.0.0.1"), "no connection details leak: {}", answer.body);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_data_layer_works_without_http(pool: PgPool) {
    let report = app::db::health::record_check(&pool, Area::Merchant).await.unwrap();
    let last = app::db::health::last_check(&pool, Area::Merchant).await.unwrap();
    assert_eq!(last, Some(report));
    assert_eq!(app::db::health::last_check(&pool, Area::Shop).await.unwrap(), None);
}
