//! Transport and browser hardening: security headers on pages, assets and server functions;
//! the page's CSP carries the nonce of its scripts; cross-site state changes are refused for
//! every server function and write nothing; oversized bodies are refused.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;

fn assert_hardened(answer: &Answer, what: &str) {
    let h = |name: &str| answer.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(h("referrer-policy"), "same-origin", "{what}");
    assert_eq!(h("x-frame-options"), "DENY", "{what}");
    assert!(h("content-security-policy").contains("frame-ancestors 'none'"), "{what}: {}", h("content-security-policy"));
    assert!(answer.headers.get("strict-transport-security").is_none(), "{what}: no HSTS over plain HTTP");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn pages_assets_and_server_functions_carry_the_security_headers(pool: PgPool) {
    let app = app(pool.clone());
    let page = get(&app, "/").await;
    assert_hardened(&page, "page");
    let csp = page.headers["content-security-policy"].to_str().unwrap().to_string();
    let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).expect("a script nonce in the page's CSP");
    assert!(nonce.len() >= 16);
    assert!(page.said().contains(&format!("nonce=\"{nonce}\"")), "the page's scripts carry the CSP's nonce");
    assert!(csp.contains("script-src 'self' 'nonce-") && !csp.contains("unsafe-inline"), "{csp}");
    // Another page load, another nonce.
    let again = get(&app, "/").await;
    assert_ne!(again.headers["content-security-policy"], page.headers["content-security-policy"]);

    assert_hardened(&get(&app, "/favicon.svg").await, "asset");
    assert_hardened(&get(&app, "/healthz").await, "health");
    assert_hardened(&call(&app, "open_shops", "").await, "server function");
    assert_hardened(&get(&app, "/no/such/page").await, "404");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn hsts_is_sent_when_served_over_https(pool: PgPool) {
    let app = app_over_https(pool);
    let page = get(&app, "/").await;
    assert!(page.headers["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
}

async fn post_from(app: &axum::Router, path: &str, origin: Option<&str>, site: Option<&str>, body: String) -> Answer {
    let mut req = Request::post(path)
        .header("host", "127.0.0.1:3000")
        .header("content-length", body.len().to_string())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json");
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    if let Some(s) = site {
        req = req.header("sec-fetch-site", s);
    }
    send(app, req.body(Body::from(body)).unwrap()).await
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_post_from_another_site_is_refused_for_every_server_function(pool: PgPool) {
    let app = app(pool.clone());
    let paths: Vec<_> = leptos::server_fn::axum::server_fn_paths().filter(|(_, m)| m == "POST").map(|(p, _)| p).collect();
    assert!(paths.len() > 30, "{paths:?}");
    for path in &paths {
        let foreign = post_from(&app, path, Some("https://evil.example"), None, String::new()).await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{path}");
        assert!(foreign.said().contains("another site"), "{path}: {}", foreign.body);
        let fetch_meta = post_from(&app, path, None, Some("cross-site"), String::new()).await;
        assert_eq!(fetch_meta.status, StatusCode::FORBIDDEN, "{path}");
    }
    // Nothing was written: a foreign sign-up with a valid form creates no account.
    let form = "email=victim%40example.com&password=correct+horse+battery&role=shopper".to_string();
    post_from(&app, "/api/sign_up", Some("https://evil.example"), None, form.clone()).await;
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 0);
    // The same form from the site itself goes through.
    let own = post_from(&app, "/api/sign_up", Some("http://127.0.0.1:3000"), Some("same-origin"), form).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_oversized_body_is_refused(pool: PgPool) {
    let app = app(pool.clone());
    let huge = format!("email={}%40example.com&password=x&role=shopper", "a".repeat(200 * 1024));
    let answer = post_from(&app, "/api/sign_up", None, None, huge.clone()).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Regression: without a Content-Length (chunked), the handler once cut the body and answered 500.
    let chunked = Request::post("/api/sign_up").header("content-type", "application/x-www-form-urlencoded").body(Body::from(huge)).unwrap();
    let answer = send(&app, chunked).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.body);
    // A small chunked body still goes through.
    let small = Request::post("/api/sign_up")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from("email=small%40example.com&password=correct+horse+battery&role=shopper"))
        .unwrap();
    assert_eq!(send(&app, small).await.status, StatusCode::OK);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email LIKE 'aaa%'").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 0, "nothing written by an oversized request");
}

/// Regression: a page's CSP once came from the per-response options, which a streamed page could
/// miss, leaving it with the default CSP and a dead page. Every page, under concurrent load,
/// carries the nonce of its own scripts.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn every_page_under_load_carries_its_own_nonce(pool: PgPool) {
    let app = app(pool.clone());
    let shopper = signed_up(&app, "csp@example.com", "shopper").await;
    let pages = ["/", "/cart", "/orders", "/account", "/notifications", "/account/payment-methods"];
    let loads = (0..18).map(|i| {
        let (app, cookie) = (app.clone(), shopper.clone());
        async move {
            let req = Request::get(pages[i % pages.len()]).header("accept", "text/html").header("cookie", cookie).body(Body::empty()).unwrap();
            send(&app, req).await
        }
    });
    for page in futures::future::join_all(loads).await {
        assert_eq!(page.status, StatusCode::OK, "{}", &page.body[..page.body.len().min(300)]);
        let csp = page.headers["content-security-policy"].to_str().unwrap().to_string();
        let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).unwrap_or_else(|| panic!("no nonce: {csp}"));
        assert!(page.said().contains(&format!("nonce=\"{nonce}\"")));
    }
}

/// Regression: every router build generated the route list, which suppresses resource loading
/// for the whole process while it runs (leptos issue 4773); a page rendering meanwhile never got
/// its data and hung until the 30 s timeout (a 408 in CI, when another test started during
/// `every_page_under_load_carries_its_own_nonce`). Routers built over and over on another
/// thread while pages render must not stall a single page.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn pages_render_while_other_routers_are_built(pool: PgPool) {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    };
    let app = app(pool.clone());
    let shopper = signed_up(&app, "routes@example.com", "shopper").await;
    let (stop, built) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let builder = std::thread::spawn({
        let (stop, built, pool) = (stop.clone(), built.clone(), pool.clone());
        move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                while !stop.load(Ordering::Relaxed) {
                    drop(crate::common::app(pool.clone()));
                    built.fetch_add(1, Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            })
        }
    });
    let pages = ["/", "/cart", "/orders", "/account", "/notifications", "/account/payment-methods"];
    let mut slow = Vec::new();
    for round in 0..4 {
        let loads = pages.iter().map(|page| {
            let (app, cookie) = (app.clone(), shopper.clone());
            async move {
                let req = Request::get(*page).header("accept", "text/html").header("cookie", cookie).body(Body::empty()).unwrap();
                (page, tokio::time::timeout(std::time::Duration::from_secs(10), send(&app, req)).await)
            }
        });
        for (page, answer) in futures::future::join_all(loads).await {
            match answer {
                Ok(a) => assert_eq!(a.status, StatusCode::OK, "{page}"),
                Err(_) => slow.push(format!("{page} (round {round})")),
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    builder.join().unwrap();
    assert!(built.load(Ordering::Relaxed) > 0, "routers were built while pages rendered");
    assert!(slow.is_empty(), "pages still rendering after 10 s: {slow:?}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn pages_are_compressed_for_browsers_that_accept_it(pool: PgPool) {
    let app = app(pool.clone());
    let req = Request::get("/").header("accept", "text/html").header("accept-encoding", "gzip").body(Body::empty()).unwrap();
    let page = send(&app, req).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers.get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
    let plain = get(&app, "/").await;
    assert!(plain.headers.get("content-encoding").is_none());
    assert!(plain.said().contains("<html"));
}

/// Issue 14, part 3: a panic inside a request never drops the connection: the client gets a
/// 500 with a reference id (the same layer wraps the app's router).
#[tokio::test]
async fn a_panic_in_a_request_is_a_500_with_a_reference() {
    server::telemetry::init_for_tests();
    let router = axum::Router::new()
        .route(
            "/boom",
            axum::routing::get(|| async {
                if true {
                    panic!("the handler fell over")
                }
                "unreachable"
            }),
        )
        .layer(server::security::catch_panics());
    let answer = get(&router, "/boom").await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.json()["kind"], "internal");
    assert!(answer.json()["detail"]["reference"].as_str().is_some_and(|r| r.len() == 12), "{}", answer.body);
    assert!(!answer.said().contains("fell over"), "the panic's message stays in the log");
}

/// Issue 14, part 3: NUL bytes and other control characters, and bodies that are not UTF-8,
/// are refused before any handler runs — with the field named — and write nothing: before,
/// NUL gave 500s in 13 fields, and `bind_card` wrote the provider's token first.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn bad_bytes_are_refused_before_anything_is_written(pool: PgPool) {
    let app = app(pool.clone());
    let shopper = signed_up(&app, "bytes@example.com", "shopper").await;
    let tokens_before: i64 = sqlx::query_scalar("SELECT count(*) FROM sandbox_tokens").fetch_one(&pool).await.unwrap();
    let form = "card[kind]=credit_card&card[number]=4242424242424242&card[expiry]=12%2F30&card[cvc]=123&card[holder]=Li%00Wei";
    let refused = call_as(&app, "bind_card", form, Some(&shopper), HOME).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.json()["detail"][0]["field"], "holder");
    let tokens_after: i64 = sqlx::query_scalar("SELECT count(*) FROM sandbox_tokens").fetch_one(&pool).await.unwrap();
    assert_eq!(tokens_after, tokens_before, "no token was made");

    let request = axum::http::Request::post("/api/sign_in")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(axum::body::Body::from(b"email=a%FF%FE%40example.com&password=x".to_vec()))
        .unwrap();
    let not_utf8 = send(&app, request).await;
    assert_eq!(not_utf8.status, StatusCode::BAD_REQUEST, "{}", not_utf8.body);
    assert!(not_utf8.said().contains("UTF-8"), "{}", not_utf8.body);

    let merchant = signed_up(&app, "bytes-shop@example.com", "merchant").await;
    let details = GOOD_DETAILS.replace("Bright+Trading+Ltd", "Bright%00Trading");
    let refused = call_as(&app, "submit_qualification", &details, Some(&merchant), HOME).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.json()["detail"][0]["field"], "legal_name");
}

/// Issue 14, part 4: pages and answers that belong to a signed-in user are never cached;
/// public assets still are.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn what_belongs_to_a_signed_in_user_is_not_stored(pool: PgPool) {
    let app = app(pool.clone());
    let cookie = signed_up(&app, "private@example.com", "shopper").await;
    let request = Request::get("/orders").header("accept", "text/html").header("cookie", &cookie).body(Body::empty()).unwrap();
    let page = send(&app, request).await;
    assert_eq!(page.headers.get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));
    let answer = call_as(&app, "my_orders", "", Some(&cookie), HOME).await;
    assert_eq!(answer.headers.get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));
    let public = get(&app, "/").await;
    assert_ne!(public.headers.get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "a signed-out page may be cached");
}

/// Who sends a call in the sweep below.
#[derive(Clone, Copy)]
enum Who {
    Nobody,
    Shopper,
    Merchant,
    Staff,
}

/// Every server function that writes (and the console, whose filter reaches SQL), with a form
/// that would go through: the sweep replaces one field at a time.
/// A server function, who calls it, and its fields.
type WriteCall = (&'static str, Who, Vec<(&'static str, String)>);

fn write_calls(o: &ShopOrder, attempt: i64, ticket: i64, merchant_id: i64) -> Vec<WriteCall> {
    let s = |v: &str| v.to_string();
    let n = |v: i64| v.to_string();
    vec![
        (
            "sign_up",
            Who::Nobody,
            vec![("email", s("new@example.com")), ("password", s("correct horse battery")), ("role", s("shopper")), ("next", s("/checkout/1"))],
        ),
        ("sign_in", Who::Nobody, vec![("email", s("new@example.com")), ("password", s("correct horse battery")), ("next", s("/checkout/1"))]),
        ("change_password", Who::Shopper, vec![("current_password", s("correct horse battery")), ("new_password", s("another horse battery"))]),
        (
            "submit_qualification",
            Who::Merchant,
            vec![
                ("details[legal_name]", s("Bright Trading Ltd")),
                ("details[registration_number]", s("SG-2019-0042")),
                ("details[country]", s("SG")),
                ("details[contact_phone]", s("+65 6123 4567")),
                ("details[category]", s("electronics")),
                ("details[shop_name]", s("Bright Gadgets")),
            ],
        ),
        (
            "decide_qualification",
            Who::Staff,
            vec![("merchant_id", n(merchant_id)), ("decision", s("reject")), ("reason", s("Does not match the register"))],
        ),
        (
            "save_product",
            Who::Merchant,
            vec![
                ("id", n(o.product)),
                ("product[title]", s("Tea")),
                ("product[description]", s("Green")),
                ("product[price]", s("5.00")),
                ("product[stock]", s("3")),
                ("product[active]", s("on")),
            ],
        ),
        ("add_to_cart", Who::Shopper, vec![("product_id", n(o.product)), ("quantity", s("1"))]),
        ("set_cart_quantity", Who::Shopper, vec![("product_id", n(o.product)), ("quantity", s("2"))]),
        // Signed out, the cart is a guest cart (issue 17): a refusal makes no cart.
        ("add_to_cart", Who::Nobody, vec![("product_id", n(o.product)), ("quantity", s("1"))]),
        ("set_cart_quantity", Who::Nobody, vec![("product_id", n(o.product)), ("quantity", s("2"))]),
        (
            "place_order",
            Who::Shopper,
            vec![
                ("shop_id", n(o.shop_id)),
                ("idempotency_key", new_key()),
                ("address[name]", s("Li Wei")),
                ("address[phone]", s("+86 138 0013 8000")),
                ("address[line1]", s("88 Century Avenue")),
                ("address[line2]", s("Floor 3")),
                ("address[city]", s("Shanghai")),
                ("address[postcode]", s("200120")),
                ("address[country]", s("CN")),
            ],
        ),
        (
            "bind_card",
            Who::Shopper,
            vec![
                ("card[kind]", s("credit_card")),
                ("card[number]", s("5555555555554444")),
                ("card[expiry]", s("12/30")),
                ("card[cvc]", s("123")),
                ("card[holder]", s("Li Wei")),
            ],
        ),
        ("bind_wallet", Who::Shopper, vec![("wallet", s("paypal")), ("account", s("li.wei@example.com"))]),
        ("set_default_method", Who::Shopper, vec![("id", n(o.method))]),
        ("remove_method", Who::Shopper, vec![("id", n(o.method)), ("confirm", s("yes"))]),
        ("pay_order", Who::Shopper, vec![("number", o.number.clone()), ("method_id", n(o.method)), ("idempotency_key", new_key())]),
        ("verify_payment", Who::Shopper, vec![("attempt_id", n(attempt)), ("code", s("123456"))]),
        ("abandon_payment", Who::Shopper, vec![("attempt_id", n(attempt))]),
        ("resend_verification_code", Who::Shopper, vec![("attempt_id", n(attempt))]),
        ("cancel_order", Who::Shopper, vec![("number", o.number.clone()), ("confirm", s("yes"))]),
        (
            "merchant_order_action",
            Who::Merchant,
            vec![
                ("number", o.number.clone()),
                ("action", s("ship")),
                ("minutes", s("60")),
                ("carrier", s("SF Express")),
                ("tracking", s("SF123")),
                ("cash", s("25.00")),
                ("confirm", s("yes")),
            ],
        ),
        (
            "report_problem",
            Who::Shopper,
            vec![("category", s("other")), ("description", s("Where is it?")), ("order_number", o.number.clone()), ("attempt_id", n(attempt))],
        ),
        ("reply_ticket", Who::Shopper, vec![("id", n(ticket)), ("body", s("Any news?"))]),
        ("staff_ticket_action", Who::Staff, vec![("id", n(ticket)), ("action", s("close")), ("confirm", s("yes"))]),
        ("mark_notifications_read", Who::Shopper, vec![("id", s("1"))]),
        ("check_connection", Who::Merchant, vec![("area", s("merchant"))]),
        (
            "console_orders",
            Who::Merchant,
            vec![
                ("filter[status]", s("paid")),
                ("filter[method]", s("card")),
                ("filter[from]", s("2026-01-01")),
                ("filter[to]", s("2026-12-31")),
                ("filter[q]", s("PD")),
            ],
        ),
    ]
}

/// What a hostile client puts in a field: nothing, control characters, text in other scripts
/// and directions, markup, SQL, numbers out of every range, far dates, very long text.
fn hostile_values() -> Vec<String> {
    let mut values: Vec<String> = [
        "",
        "   ",
        "a\u{0}b",
        "\u{1b}[31mred",
        "tab\there",
        "line\r\nbreak",
        "\u{202e}txet",
        "\u{feff}",
        "😀🇨🇳",
        "绿茶 緑茶",
        "'; DROP TABLE orders; --",
        "<script>alert(1)</script>",
        "-1",
        "0",
        "9223372036854775808",
        "-9223372036854775809",
        "1e308",
        "NaN",
        "99999999999.99",
        "0.001",
        "9999-12-31",
        "0000-00-00",
        "2026-02-30",
        "%00",
        "\\",
        "null",
        "[]",
    ]
    .map(String::from)
    .to_vec();
    values.push("x".repeat(5_000));
    values.push("9".repeat(400));
    values
}

/// The whole database's content, except what records refused attempts on purpose (throttling
/// and security records, the tries of a verification code) or moves on every request (sessions).
async fn snapshot(pool: &PgPool) -> String {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
         AND table_name NOT IN ('_sqlx_migrations', 'sign_in_attempts', 'sessions', 'account_activity', 'verification_failures', 'live_events', 'live_dispatch')
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    // A payment attempt counts the wrong codes it was sent (`code_tries`): a refused code is
    // recorded on purpose, like a refused sign-in.
    let row = "(to_jsonb(x) - 'code_tries')::text";
    let parts: Vec<String> =
        tables.iter().map(|t| format!("(SELECT '{t}:' || coalesce(md5(string_agg({row}, '|' ORDER BY {row})), '') FROM {t} x)")).collect();
    sqlx::query_scalar(&format!("SELECT concat_ws(',', {})", parts.join(", "))).fetch_one(pool).await.unwrap()
}

/// One hostile call: never a 5xx, always a readable answer, and a refusal writes nothing.
async fn assert_survives(app: &axum::Router, pool: &PgPool, endpoint: &str, cookie: Option<&str>, form: &str, what: &str) {
    let before = snapshot(pool).await;
    let answer = call_as(app, endpoint, form, cookie, HOME).await;
    assert!(answer.status.as_u16() < 500, "{what}: {} {}", answer.status, answer.body);
    if answer.status.is_client_error() {
        assert!(!answer.body.trim().is_empty(), "{what}: a refusal without a reason");
        assert_eq!(snapshot(pool).await, before, "{what}: refused ({}) but wrote: {}", answer.status, answer.body);
    }
}

/// Issue 14, part 3: every write server function, with every hostile value in each of its
/// fields in turn and then with random values in all fields at once (seeded, printed, bounded
/// by `PAYDESK_PROPERTY_SECS`), answers without a 5xx, and a refusal writes nothing.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn every_write_function_survives_hostile_fields(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "sweep", "4242424242424242").await;
    let merchant_id: i64 = sqlx::query_scalar("SELECT merchant_id FROM shops WHERE id = $1").bind(o.shop_id).fetch_one(&pool).await.unwrap();
    let staff = signed_in_staff(&app, &pool).await;
    let verify_card = "card[kind]=credit_card&card[number]=4000000000003220&card[expiry]=12%2F30&card[cvc]=123&card[holder]=Li+Wei";
    let verifying = call_as(&app, "bind_card", verify_card, Some(&o.shopper), HOME).await.json()["id"].as_i64().unwrap();
    let paying = call_as(&app, "pay_order", &pay_form(&o.number, verifying, &new_key()), Some(&o.shopper), HOME).await;
    let attempt = paying.json()["attempt_id"].as_i64().unwrap_or_else(|| panic!("{}", paying.body));
    let report = format!("category=other&description=Late&order_number={}", o.number);
    let ticket = call_as(&app, "report_problem", &report, Some(&o.shopper), HOME).await.json().as_i64().unwrap();
    let cookie = |who: Who| match who {
        Who::Nobody => None,
        Who::Shopper => Some(o.shopper.as_str()),
        Who::Merchant => Some(o.merchant.as_str()),
        Who::Staff => Some(staff.as_str()),
    };
    let encode = |fields: &[(&str, String)]| fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");

    let calls = write_calls(&o, attempt, ticket, merchant_id);
    let values = hostile_values();
    for (endpoint, who, fields) in &calls {
        for i in 0..fields.len() {
            for value in &values {
                let mut form = fields.clone();
                form[i].1 = value.clone();
                let what = format!("{endpoint} with {}={:?}", form[i].0, value.chars().take(40).collect::<String>());
                assert_survives(&app, &pool, endpoint, cookie(*who), &encode(&form), &what).await;
            }
            // Bytes that are not UTF-8 at all.
            let mut form = encode(&fields[..i]);
            form.push_str(&format!("&{}=%FF%FEx&", enc(fields[i].0)));
            form.push_str(&encode(&fields[i + 1..]));
            assert_survives(&app, &pool, endpoint, cookie(*who), &form, &format!("{endpoint} with {} not UTF-8", fields[i].0)).await;
        }
    }

    let seed = property_seed();
    let secs = property_secs(4);
    println!("hostile fields: seed {seed}, {secs} s");
    let mut dice = Dice(seed);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let mut runs = 0;
    while std::time::Instant::now() < until {
        let (endpoint, who, fields) = &calls[dice.roll(calls.len() as u64) as usize];
        let form: Vec<_> = fields
            .iter()
            .map(|(k, valid)| match dice.roll(3) {
                0 => (*k, valid.clone()),
                1 => (*k, values[dice.roll(values.len() as u64) as usize].clone()),
                _ => (*k, random_text(&mut dice)),
            })
            .collect();
        assert_survives(&app, &pool, endpoint, cookie(*who), &encode(&form), &format!("seed {seed}: {endpoint} with {form:?}")).await;
        runs += 1;
    }
    println!("hostile fields: {runs} random calls");
}

/// Up to 40 characters from every corner: ASCII, controls, other scripts, emoji, bidi marks.
fn random_text(dice: &mut Dice) -> String {
    const POOL: &[char] = &[
        'a', 'Z', '0', '9', '-', '.', '/', '@', '+', ' ', '\'', '"', '<', '>', '&', '%', '\0', '\n', '\u{7}', '\u{1b}', '绿', 'é', '😀', '\u{202e}',
        '\u{200b}', 'ß',
    ];
    (0..dice.roll(41)).map(|_| POOL[dice.roll(POOL.len() as u64) as usize]).collect()
}
