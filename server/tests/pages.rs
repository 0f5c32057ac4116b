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

/// Issue 14, part 1: user text in the document title (a product title, a shop name) is
/// escaped like everywhere else — before, a merchant could send every visitor of their product
/// page elsewhere with `</title><meta http-equiv="refresh" …>` (the CSP stops scripts, not a
/// redirect). Markup in every other place of the page stays text too, JSON embedded included.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn markup_in_titles_and_names_stays_text(pool: PgPool) {
    const REDIRECT: &str = r#"</title><meta http-equiv="refresh" content="0;url=https://evil.example"><script>alert(1)</script>"#;
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "markup@example.com", "US").await;
    sqlx::query("UPDATE shops SET name = $1 WHERE id = $2").bind(format!("Shop {REDIRECT}")).bind(shop_id).execute(&pool).await.unwrap();
    let product = add_product(&app, &merchant, &format!("Tea {REDIRECT}"), "5.00", 3).await;
    for path in [format!("/products/{product}"), format!("/shops/{shop_id}"), "/".to_string()] {
        let page = get(&app, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let body = page.body.to_lowercase();
        assert!(!body.contains("<meta http-equiv"), "{path}: markup reached the page:\n{}", page.body);
        assert!(!body.contains("<script>alert(1)"), "{path}: a script reached the page:\n{}", page.body);
        assert_eq!(body.matches("</title>").count(), 1, "{path}: one title, closed once:\n{}", page.body);
    }
    let page = get(&app, &format!("/products/{product}")).await;
    assert!(page.body.contains("<title>Tea &lt;/title&gt;&lt;meta http-equiv=&quot;refresh&quot;"), "{}", page.body);
}

/// Issue 14, part 4: while the database is down, a signed-in shopper's page is a 503 "try
/// again" page — never the signed-out header and an empty list with 200.
#[tokio::test]
async fn a_signed_in_page_while_the_database_is_down_says_so() {
    let app = app(unreachable_pool());
    let request = axum::http::Request::get("/orders")
        .header("accept", "text/html")
        .header("cookie", "paydesk_session=a-session-the-database-would-know")
        .body(axum::body::Body::empty())
        .unwrap();
    let page = send(&app, request).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
    assert!(page.body.contains("temporarily unavailable"), "{}", page.body);
    assert!(page.body.contains("Account unavailable"), "{}", page.body);
    assert!(!page.body.contains(">Sign in</a>"), "not shown as signed out: {}", page.body);
    assert!(!page.body.contains("no orders yet"), "{}", page.body);
}
