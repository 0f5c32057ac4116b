//! Server-side rendering of the shells: the HTML is complete before any WASM runs.

mod common;

use axum::http::StatusCode;
use common::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_shopper_shell_is_rendered_on_the_server(pool: PgPool) {
    app::db::health::record_check(&pool, app::health::Area::Shop).await.unwrap();
    let page = get(&app(pool), "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Shop and pay with confidence"));
    assert!(page.body.contains(r#"aria-label="Shopper""#));
    assert!(page.body.contains("Check connection"));
    // Data read from Postgres during SSR is in the HTML.
    assert!(page.body.contains("Last check: #"), "{}", page.body);
    assert!(page.body.contains("/pkg/paydesk.js"), "hydration script is linked");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_merchant_shell_is_rendered_on_the_server(pool: PgPool) {
    let page = get(&app(pool), "/merchant").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"aria-label="Merchant console""#));
    assert!(page.body.contains("No check has been made from here yet."), "{}", page.body);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_unknown_address_is_a_404_page(pool: PgPool) {
    let page = get(&app(pool), "/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Page not found"));
}

#[tokio::test]
async fn a_page_whose_data_fails_shows_a_readable_message() {
    let page = get(&app(unreachable_pool()), "/").await;
    assert!(page.body.contains("This page could not be shown"), "{}", page.body);
    assert!(page.body.contains("temporarily unavailable"));
    assert!(!page.body.contains("127.0.0.1:1"));
}
