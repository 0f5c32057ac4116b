//! Issue 17, the guest cart: a signed-out browser fills a cart kept on the server under a random
//! HttpOnly cookie; signing up or in as a shopper takes it into the account's cart (once, within
//! stock) and forgets the cookie; sign-in and sign-up go on to a page of this site only; guests
//! get the same quantity checks as shoppers; forgotten guest carts are pruned.

use crate::common::*;
use axum::http::StatusCode;
use sqlx::PgPool;

const PASSWORD: &str = "correct+horse+battery";

/// The `Set-Cookie` header this answer sends for the guest cart, whole.
fn guest_set_cookie(answer: &Answer) -> Option<String> {
    answer.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|c| c.starts_with("paydesk_cart=")).map(str::to_string)
}

/// `paydesk_cart=<token>` from an answer that made a guest cart.
fn guest_cookie(answer: &Answer) -> String {
    let set = guest_set_cookie(answer).unwrap_or_else(|| panic!("no guest cart cookie: {:?}", answer.headers));
    set.split(';').next().unwrap().trim().to_string()
}

/// Both cookies in one header, as a browser sends them.
fn both(session: &str, guest: &str) -> String {
    format!("{session}; {guest}")
}

async fn guest_carts(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM guest_carts").fetch_one(pool).await.unwrap()
}

/// `(product id, quantity)` of every line of the caller's cart.
async fn cart(app: &axum::Router, cookie: Option<&str>) -> Vec<(i64, i64)> {
    let answer = call_as(app, "my_cart", "", cookie, HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let groups = answer.json();
    let mut lines: Vec<(i64, i64)> = groups
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["lines"].as_array().unwrap().iter().map(|l| (l["product_id"].as_i64().unwrap(), l["quantity"].as_i64().unwrap())))
        .collect();
    lines.sort();
    lines
}

async fn add(app: &axum::Router, cookie: Option<&str>, product: i64, quantity: i32) -> Answer {
    call_as(app, "add_to_cart", &format!("product_id={product}&quantity={quantity}"), cookie, HOME).await
}

async fn count(app: &axum::Router, cookie: Option<&str>) -> i64 {
    let answer = call_as(app, "cart_count", "", cookie, HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json().as_i64().unwrap()
}

fn location(answer: &Answer) -> String {
    answer.headers.get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_guest_cart_is_kept_on_the_server_under_an_http_only_cookie(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "g1-shop@example.com", "US").await;
    let tea = add_product(&app, &merchant, "Sencha", "8.00", 10).await;

    let first = add(&app, None, tea, 2).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let set = guest_set_cookie(&first).expect("the first add makes the guest cart");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(set.split(';').any(|a| a.trim() == attribute), "{attribute} in {set}");
    }
    assert!(!set.contains("Secure"), "served over plain HTTP: {set}");
    let cookie = guest_cookie(&first);
    let token = cookie.trim_start_matches("paydesk_cart=");
    assert_eq!(token.len(), 64, "32 random bytes");
    // Only the token's hash is kept.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM guest_carts").fetch_one(&pool).await.unwrap();
    assert_eq!(stored.len(), 32);
    assert_ne!(stored, token.as_bytes());

    // The cookie names the cart; without it (or with a made-up one) there is none.
    assert_eq!(cart(&app, Some(&cookie)).await, [(tea, 2)]);
    assert_eq!(cart(&app, None).await, []);
    assert_eq!(cart(&app, Some(&format!("paydesk_cart={}", "0".repeat(64)))).await, []);
    assert_eq!(count(&app, Some(&cookie)).await, 2);
    assert_eq!(count(&app, None).await, 0);

    // More of it goes into the same cart, under the same cookie.
    let again = add(&app, Some(&cookie), tea, 1).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(guest_set_cookie(&again), None, "the cart exists: no new cookie");
    assert_eq!(cart(&app, Some(&cookie)).await, [(tea, 3)]);
    assert_eq!(guest_carts(&pool).await, 1);

    // The cart page shows it, with the way to check out: sign in or sign up, then this shop's
    // checkout. It is this browser's: never stored by a cache.
    let page = get_as(&app, "/cart", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Sencha"), "{}", page.body);
    assert!(page.body.contains(">Sign in to check out<"), "{}", page.body);
    assert!(page.body.contains(&format!("href=\"/signin?next=/checkout/{shop_id}\"")), "{}", page.body);
    assert!(page.body.contains(&format!("href=\"/signup?next=/checkout/{shop_id}\"")), "{}", page.body);
    assert!(!page.body.contains(&format!("href=\"/checkout/{shop_id}\"")), "no checkout signed out");
    assert_eq!(page.headers.get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));
    let chinese = send(
        &app,
        axum::http::Request::get("/cart")
            .header("accept", "text/html")
            .header("accept-language", "zh-CN")
            .header("cookie", &cookie)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert!(chinese.body.contains(">登录后结算<"), "{}", chinese.body);

    // Set to 0, the line goes.
    let removed = call_as(&app, "set_cart_quantity", &format!("product_id={tea}&quantity=0"), Some(&cookie), HOME).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(cart(&app, Some(&cookie)).await, []);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn over_https_the_guest_cookie_is_secure(pool: PgPool) {
    let app = app_over_https(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "g2-shop@example.com", "US").await;
    let tea = add_product(&app, &merchant, "Sencha", "8.00", 10).await;
    let set = guest_set_cookie(&add(&app, None, tea, 1).await).unwrap();
    assert!(set.split(';').any(|a| a.trim() == "Secure"), "{set}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn signing_up_takes_the_guest_cart_along_and_forgets_the_cookie(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "g3-shop@example.com", "US").await;
    let tea = add_product(&app, &merchant, "Sencha", "8.00", 10).await;
    let whisk = add_product(&app, &merchant, "Whisk", "20.00", 3).await;
    let guest = guest_cookie(&add(&app, None, tea, 2).await);
    add(&app, Some(&guest), whisk, 1).await;

    let form = format!("email=g3%40example.com&password={PASSWORD}&role=shopper&next=%2Fcheckout%2F{shop_id}");
    let signed_up = call_as(&app, "sign_up", &form, Some(&guest), HOME).await;
    assert_eq!(signed_up.status, StatusCode::OK, "{}", signed_up.body);
    assert_eq!(location(&signed_up), format!("/checkout/{shop_id}"), "on to the checkout it was headed for");
    let cleared = guest_set_cookie(&signed_up).expect("the guest cookie is cleared");
    assert!(cleared.starts_with("paydesk_cart=;") && cleared.contains("Max-Age=0"), "{cleared}");
    let shopper = signed_up.session_cookie().unwrap();

    assert_eq!(cart(&app, Some(&shopper)).await, [(tea, 2), (whisk, 1)]);
    assert_eq!(guest_carts(&pool).await, 0, "the guest cart is gone");
    // A browser that kept the old cookie anyway finds nothing under it.
    assert_eq!(cart(&app, Some(&guest)).await, []);
    // The checkout sees the merged cart.
    let checkout = call_as(&app, "checkout_data", &format!("shop_id={shop_id}"), Some(&shopper), HOME).await;
    assert_eq!(checkout.status, StatusCode::OK, "{}", checkout.body);
    assert_eq!(checkout.json()["group"]["subtotal"]["minor"], 3600);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn signing_in_adds_the_guest_quantities_within_stock(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "g4-shop@example.com", "US").await;
    let tea = add_product(&app, &merchant, "Sencha", "8.00", 5).await;
    let cup = add_product(&app, &merchant, "Cup", "4.00", 10).await;
    let gone = add_product(&app, &merchant, "Old tin", "6.00", 10).await;
    let sold = add_product(&app, &merchant, "Rare tin", "9.00", 10).await;
    let mine = add_product(&app, &merchant, "Spoon", "2.00", 10).await;
    let shopper = signed_up(&app, "g4@example.com", "shopper").await;
    add(&app, Some(&shopper), tea, 3).await;
    add(&app, Some(&shopper), mine, 2).await;

    let guest = guest_cookie(&add(&app, None, tea, 4).await);
    for (product, quantity) in [(cup, 2), (gone, 1), (sold, 1)] {
        assert_eq!(add(&app, Some(&guest), product, quantity).await.status, StatusCode::OK);
    }
    // Meanwhile one product is archived and another sells out.
    sqlx::query("UPDATE products SET active = false WHERE id = $1").bind(gone).execute(&pool).await.unwrap();
    sqlx::query("UPDATE products SET stock = 0 WHERE id = $1").bind(sold).execute(&pool).await.unwrap();

    let signed_in = call_as(&app, "sign_in", &format!("email=g4%40example.com&password={PASSWORD}"), Some(&guest), HOME).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert_eq!(location(&signed_in), "/", "no next: the shopper's home");
    assert!(guest_set_cookie(&signed_in).unwrap().contains("Max-Age=0"));
    let session = signed_in.session_cookie().unwrap();
    // 3 + 4 capped at the 5 in stock; the cup added; the archived and sold-out tins left out;
    // the spoon the shopper had stays.
    assert_eq!(cart(&app, Some(&session)).await, [(tea, 5), (cup, 2), (mine, 2)]);
    assert_eq!(count(&app, Some(&session)).await, 9);
    assert_eq!(guest_carts(&pool).await, 0);

    // Signed in, a guest cookie the browser still sends is not the cart: the account's is.
    let stale = guest_cookie(&add(&app, None, cup, 1).await);
    assert_eq!(cart(&app, Some(&both(&session, &stale))).await, [(tea, 5), (cup, 2), (mine, 2)]);
    add(&app, Some(&both(&session, &stale)), cup, 1).await;
    assert_eq!(cart(&app, Some(&session)).await, [(tea, 5), (cup, 3), (mine, 2)]);
    assert_eq!(cart(&app, Some(&stale)).await, [(cup, 1)], "the guest cart is untouched");
}

/// Two sign-ins sent at once with the same guest cookie (two tabs, a double submit): the guest
/// cart is merged once, not twice. To make them meet for sure, the test holds the guest cart's
/// row locked until both sign-ins are waiting on it, then lets them go together.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn two_sign_ins_with_one_guest_cookie_merge_it_once(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "g5-shop@example.com", "US").await;
    let tea = add_product(&app, &merchant, "Sencha", "8.00", 100).await;
    signed_up(&app, "g5@example.com", "shopper").await;
    let form = format!("email=g5%40example.com&password={PASSWORD}");
    for round in 1..=2 {
        let guest = guest_cookie(&add(&app, None, tea, 2).await);
        let mut gate = pool.begin().await.unwrap();
        sqlx::query("SELECT 1 FROM guest_carts FOR UPDATE").execute(&mut *gate).await.unwrap();
        let release = async {
            wait_for_lock_waiters(&pool, 2).await;
            gate.rollback().await.unwrap();
        };
        let (a, b, ()) =
            tokio::join!(call_as(&app, "sign_in", &form, Some(&guest), HOME), call_as(&app, "sign_in", &form, Some(&guest), HOME), release);
        assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK), "{} / {}", a.body, b.body);
        let session = a.session_cookie().unwrap();
        assert_eq!(cart(&app, Some(&session)).await, [(tea, 2 * round)], "round {round}");
    }
    assert_eq!(guest_carts(&pool).await, 0);
}

/// Waits (up to 10 s) until `n` queries of this test's database wait for a lock.
async fn wait_for_lock_waiters(pool: &PgPool, n: i64) {
    for _ in 0..200 {
        let waiting: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
                .fetch_one(pool)
                .await
                .unwrap();
        if waiting >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the sign-ins never met at the guest cart");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn signing_in_goes_on_to_pages_of_this_site_only(pool: PgPool) {
    let app = app(pool.clone());
    signed_up(&app, "g6@example.com", "shopper").await;
    signed_up(&app, "g6-shop@example.com", "merchant").await;
    let sign_in = |next: &str| format!("email=g6%40example.com&password={PASSWORD}&next={}", enc(next));

    for good in ["/checkout/7", "/orders?page=2", "/"] {
        assert_eq!(location(&call_as(&app, "sign_in", &sign_in(good), None, HOME).await), good);
    }
    for evil in [
        "//evil.example",
        "//evil.example/checkout/7",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\t/evil.example",
        "evil",
        "",
    ] {
        let answer = call_as(&app, "sign_in", &sign_in(evil), None, HOME).await;
        assert_eq!(answer.status, StatusCode::OK, "{evil:?}: {}", answer.body);
        assert_eq!(location(&answer), "/", "{evil:?}");
        assert!(answer.session_cookie().is_some(), "{evil:?}: still signed in");
    }
    let up = format!("email=g6-new%40example.com&password={PASSWORD}&role=shopper&next={}", enc("//evil.example"));
    assert_eq!(location(&call_as(&app, "sign_up", &up, None, HOME).await), "/");
    // A new merchant qualifies first, wherever it was headed; a merchant signing in goes on.
    let up = format!("email=g6-new-shop%40example.com&password={PASSWORD}&role=merchant&next={}", enc("/checkout/7"));
    assert_eq!(location(&call_as(&app, "sign_up", &up, None, HOME).await), "/merchant/qualification");
    let merchant = format!("email=g6-shop%40example.com&password={PASSWORD}&next={}", enc("/merchant/orders"));
    assert_eq!(location(&call_as(&app, "sign_in", &merchant, None, HOME).await), "/merchant/orders");

    // Without JavaScript the form posts and the browser follows the redirect.
    let request = axum::http::Request::post("/api/sign_in")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html,application/xhtml+xml")
        .body(axum::body::Body::from(sign_in("/checkout/7")))
        .unwrap();
    let posted = send(&app, request).await;
    assert!(posted.status.is_redirection(), "{} {}", posted.status, posted.body);
    assert_eq!(location(&posted), "/checkout/7");

    // The pages carry `next` into their forms and into the link to the other one; a foreign
    // one is not carried at all.
    let page = get(&app, "/signin?next=%2Fcheckout%2F7").await;
    assert!(page.body.contains(r#"name="next" value="/checkout/7""#), "{}", page.body);
    assert!(page.body.contains(r#"href="/signup?next=/checkout/7""#), "{}", page.body);
    let page = get(&app, "/signup?next=%2Fcheckout%2F7").await;
    assert!(page.body.contains(r#"name="next" value="/checkout/7""#), "{}", page.body);
    assert!(page.body.contains(r#"href="/signin?next=/checkout/7""#), "{}", page.body);
    // A page that needs signing in links to sign-in and sign-up pages that come back to it.
    let page = get(&app, "/checkout/7").await;
    assert!(page.body.contains(r#"href="/signin?next=/checkout/7""#), "{}", page.body);
    assert!(page.body.contains(r#"href="/signup?next=/checkout/7""#), "{}", page.body);
    for evil in ["%2F%2Fevil.example", "https%3A%2F%2Fevil.example", "%2F%5Cevil.example"] {
        let page = get(&app, &format!("/signin?next={evil}")).await;
        assert!(!page.body.contains(r#"name="next""#), "{evil}");
        assert!(page.body.contains(r#"href="/signup""#), "{evil}: the plain link");
    }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn guests_get_the_same_quantity_checks_as_shoppers(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "g7-shop@example.com", "US").await;
    let mug = add_product(&app, &merchant, "Mug", "8.00", 2).await;
    let many = add_product(&app, &merchant, "Pin", "1.00", 5000).await;
    let archived = add_product(&app, &merchant, "Old mug", "8.00", 2).await;
    sqlx::query("UPDATE products SET active = false WHERE id = $1").bind(archived).execute(&pool).await.unwrap();
    let shopper = signed_up(&app, "g7@example.com", "shopper").await;

    // The same refusal, word for word, signed out and signed in; a refused guest gets no cart.
    for form in [
        format!("product_id={mug}&quantity=0"),
        format!("product_id={mug}&quantity=-2"),
        format!("product_id={mug}&quantity=3"),
        format!("product_id={many}&quantity=1000"),
    ] {
        let guest = call_as(&app, "add_to_cart", &form, None, HOME).await;
        let member = call_as(&app, "add_to_cart", &form, Some(&shopper), HOME).await;
        assert_eq!(guest.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {}", guest.body);
        assert_eq!(guest.json()["detail"][0]["field"], "quantity", "{form}");
        assert_eq!((guest.status, guest.said()), (member.status, member.said()), "{form}");
        assert_eq!(guest_set_cookie(&guest), None, "{form}");
    }
    for (form, status) in [
        ("product_id=999999&quantity=1".to_string(), StatusCode::NOT_FOUND),
        (format!("product_id={archived}&quantity=1"), StatusCode::NOT_FOUND),
        ("product_id=abc&quantity=1".to_string(), StatusCode::BAD_REQUEST),
        (format!("product_id={mug}&quantity=abc"), StatusCode::BAD_REQUEST),
    ] {
        for endpoint in ["add_to_cart", "set_cart_quantity"] {
            let answer = call_as(&app, endpoint, &form, None, HOME).await;
            assert_eq!(answer.status, status, "{endpoint} {form}: {}", answer.body);
            assert!(!answer.said().trim().is_empty());
        }
    }
    // Removing what is not there is no cart either.
    let nothing = call_as(&app, "set_cart_quantity", &format!("product_id={mug}&quantity=0"), None, HOME).await;
    assert_eq!(nothing.status, StatusCode::OK, "{}", nothing.body);
    assert_eq!(guest_set_cookie(&nothing), None);
    assert_eq!(guest_carts(&pool).await, 0, "no refused or empty change made a cart");

    // Adds count what is already in the cart against the stock.
    let guest = guest_cookie(&add(&app, None, mug, 2).await);
    let over = add(&app, Some(&guest), mug, 1).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.said().contains("quantity"), "{}", over.said());
    let set = call_as(&app, "set_cart_quantity", &format!("product_id={mug}&quantity=3"), Some(&guest), HOME).await;
    assert_eq!(set.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(cart(&app, Some(&guest)).await, [(mug, 2)]);
    let set = call_as(&app, "set_cart_quantity", &format!("product_id={mug}&quantity=1"), Some(&guest), HOME).await;
    assert_eq!(set.status, StatusCode::OK);
    assert_eq!(cart(&app, Some(&guest)).await, [(mug, 1)]);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn merchants_and_staff_have_no_cart_and_leave_the_guest_cart_alone(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "g8-shop@example.com", "US").await;
    let tea = add_product(&app, &merchant, "Sencha", "8.00", 10).await;
    let staff = signed_in_staff(&app, &pool).await;
    for cookie in [&merchant, &staff] {
        assert_eq!(call_as(&app, "my_cart", "", Some(cookie), HOME).await.status, StatusCode::FORBIDDEN);
        assert_eq!(add(&app, Some(cookie), tea, 1).await.status, StatusCode::FORBIDDEN);
        assert_eq!(count(&app, Some(cookie)).await, 0);
    }
    assert_eq!(guest_carts(&pool).await, 0);

    // A merchant signing in in a browser with a guest cart: not merged, not forgotten.
    let guest = guest_cookie(&add(&app, None, tea, 2).await);
    let form = format!("email=g8-shop%40example.com&password={PASSWORD}");
    let signed_in = call_as(&app, "sign_in", &form, Some(&guest), HOME).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert_eq!(guest_set_cookie(&signed_in), None);
    assert_eq!(cart(&app, Some(&guest)).await, [(tea, 2)]);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_worker_prunes_guest_carts_untouched_for_30_days(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "g9-shop@example.com", "US").await;
    let tea = add_product(&app, &merchant, "Sencha", "8.00", 10).await;
    let old = guest_cookie(&add(&app, None, tea, 1).await);
    let recent = guest_cookie(&add(&app, None, tea, 2).await);
    let now = time::OffsetDateTime::now_utc();
    let set_touched = |cookie: String, days: i64| {
        let pool = pool.clone();
        async move {
            let hash = app::accounts::session::token_hash(cookie.trim_start_matches("paydesk_cart="));
            sqlx::query("UPDATE guest_carts SET touched_at = $2 WHERE token_hash = $1")
                .bind(hash)
                .bind(now - time::Duration::days(days))
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    set_touched(old.clone(), 31).await;
    set_touched(recent.clone(), 29).await;

    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    backend::worker::run_once(&pool, &provider, &Default::default(), now).await;
    assert_eq!(cart(&app, Some(&old)).await, [], "forgotten: pruned");
    assert_eq!(cart(&app, Some(&recent)).await, [(tea, 2)]);
    let lines: i64 = sqlx::query_scalar("SELECT count(*) FROM guest_cart_items").fetch_one(&pool).await.unwrap();
    assert_eq!(lines, 1, "its lines went with it");

    // Using a cart keeps it: reading it moves its clock on.
    set_touched(recent.clone(), 31).await;
    cart(&app, Some(&recent)).await;
    backend::worker::run_once(&pool, &provider, &Default::default(), now).await;
    assert_eq!(cart(&app, Some(&recent)).await, [(tea, 2)]);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn one_address_cannot_fill_the_table_with_guest_carts(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "g-flood@example.com", "US").await;
    let tea = add_product(&app, &merchant, "Sencha", "8.00", 10).await;
    let form = format!("product_id={tea}&quantity=1");
    // A script that never keeps the cookie makes a new cart with every add…
    for _ in 0..backend::cart::GUEST_CARTS_PER_ADDRESS {
        assert_eq!(call_as(&app, "add_to_cart", &form, None, [198, 51, 100, 7]).await.status, StatusCode::OK);
    }
    // …until its address is told to wait; nothing more is written.
    let refused = call_as(&app, "add_to_cart", &form, None, [198, 51, 100, 7]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    assert_eq!(guest_carts(&pool).await, backend::cart::GUEST_CARTS_PER_ADDRESS);
    // Another address, and a browser that kept its cookie, are not held up.
    assert_eq!(call_as(&app, "add_to_cart", &form, None, [203, 0, 113, 9]).await.status, StatusCode::OK);
    let kept = call_as(&app, "add_to_cart", &form, None, [192, 0, 2, 1]).await;
    let cookie = guest_cookie(&kept);
    assert_eq!(add(&app, Some(&cookie), tea, 1).await.status, StatusCode::OK);
}
