//! Test harness: the real router over a real Postgres database. Every `#[sqlx::test]` gets a
//! fresh database of its own with the app's migrations applied (sqlx creates it from
//! `DATABASE_URL` and drops it afterwards), so tests run in parallel and leave nothing behind.

#![allow(dead_code)]

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header::HeaderMap},
};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use sqlx::{PgPool, postgres::PgPoolOptions};
use tower::ServiceExt;

pub const CALLBACK_SECRET: &str = "test-callback-secret";

pub fn app(pool: PgPool) -> Router {
    build_app(pool, None)
}

/// The app with a sandbox that delivers its callbacks to `url`.
pub fn app_with_callbacks(pool: PgPool, url: &str) -> Router {
    build_app(pool, Some(url))
}

/// The app as served over HTTPS (secure cookies, HSTS).
pub fn app_over_https(pool: PgPool) -> Router {
    server::telemetry::init_for_tests();
    let leptos_options = LeptosOptions::builder().output_name("paydesk").site_root("target/site").build();
    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    server::router(server::AppState {
        leptos_options,
        pool,
        session: app::accounts::session::SessionSettings { secure_cookies: true },
        orders: Default::default(),
        provider,
        callback_secret: CALLBACK_SECRET.as_bytes().into(),
        live: Default::default(),
        origins: Default::default(),
    })
}

/// The app with a given live hub (for tests that run the live channel).
pub fn app_with_hub(pool: PgPool, hub: std::sync::Arc<server::live::LiveHub>) -> Router {
    build(pool, None, hub)
}

/// The app serving the site folder and hashing choice of `leptos_options`.
pub fn app_with_options(pool: PgPool, leptos_options: LeptosOptions) -> Router {
    build_with(pool, None, Default::default(), leptos_options)
}

fn build_app(pool: PgPool, callback_url: Option<&str>) -> Router {
    build(pool, callback_url, Default::default())
}

fn build(pool: PgPool, callback_url: Option<&str>, live: std::sync::Arc<server::live::LiveHub>) -> Router {
    build_with(pool, callback_url, live, LeptosOptions::builder().output_name("paydesk").site_root("target/site").build())
}

fn build_with(pool: PgPool, callback_url: Option<&str>, live: std::sync::Arc<server::live::LiveHub>, leptos_options: LeptosOptions) -> Router {
    server::telemetry::init_for_tests();
    let callbacks = callback_url.map(|url| app::payments::provider::CallbackTarget { url: url.into(), secret: CALLBACK_SECRET.as_bytes().to_vec() });
    let provider = app::payments::provider::from_config("sandbox", pool.clone(), callbacks).unwrap();
    server::router(server::AppState {
        leptos_options,
        pool,
        session: Default::default(),
        orders: Default::default(),
        provider,
        callback_secret: CALLBACK_SECRET.as_bytes().into(),
        live,
        origins: Default::default(),
    })
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

    /// What an English reader is told: a server function's error (which carries kinds and
    /// parameters) worded as the English page words it; any other body as it came.
    pub fn said(&self) -> String {
        use app::i18n::Locale::en;
        match serde_json::from_str::<app::error::AppError>(&self.body) {
            Ok(app::error::AppError::Validation(fields)) => {
                fields.iter().map(|f| format!("{}: {}", f.field, app::words::message_text(en, &f.message))).collect::<Vec<_>>().join("\n")
            }
            Ok(other) => other.text(en),
            Err(_) => self.body.clone(),
        }
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

/// A server-function call from a given client: session cookie (if any) and address.
pub async fn call_as(app: &Router, endpoint: &str, form: &str, cookie: Option<&str>, ip: [u8; 4]) -> Answer {
    let mut request = Request::post(format!("/api/{endpoint}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("user-agent", "paydesk-tests/1.0");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let mut request = request.body(Body::from(form.to_string())).unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((ip, 40000))));
    send(app, request).await
}

pub const HOME: [u8; 4] = [203, 0, 113, 7];

impl Answer {
    /// `name=value` of the session cookie this answer sets.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
            let pair = c.split(';').next()?.trim();
            pair.starts_with("paydesk_session=").then(|| pair.to_string())
        })
    }
}

pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Signs up a new account and returns its session cookie.
pub async fn signed_up(app: &Router, email: &str, role: &str) -> String {
    let form = format!("email={}&password={}&role={role}", enc(email), enc("correct horse battery"));
    let answer = call_as(app, "sign_up", &form, None, HOME).await;
    assert!(answer.status.is_success() || answer.status.is_redirection(), "sign up: {} {}", answer.status, answer.body);
    answer.session_cookie().expect("a session cookie")
}

/// Creates a staff account (as the start-up bootstrap does) and signs it in.
pub async fn signed_in_staff(app: &Router, pool: &PgPool) -> String {
    app::accounts::session::ensure_staff(pool, "staff@paydesk.test", "staff password 1").await.unwrap();
    let answer = call_as(app, "sign_in", "email=staff%40paydesk.test&password=staff+password+1", None, HOME).await;
    answer.session_cookie().expect("staff signed in")
}

pub const GOOD_DETAILS: &str = "details[legal_name]=Bright+Trading+Ltd&details[registration_number]=SG-2019-0042\
&details[country]=SG&details[contact_phone]=%2B65+6123+4567&details[category]=electronics&details[shop_name]=Bright+Gadgets";

/// A merchant whose shop is open (qualification submitted and approved): cookie and shop id.
pub async fn open_shop(app: &Router, pool: &PgPool, email: &str, country: &str) -> (String, i64) {
    let merchant = signed_up(app, email, "merchant").await;
    let details = GOOD_DETAILS.replace("details[country]=SG", &format!("details[country]={country}"));
    let submitted = call_as(app, "submit_qualification", &details, Some(&merchant), HOME).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    let merchant_id = submitted.json()["merchant_id"].as_i64().unwrap();
    let staff = match call_as(app, "sign_in", "email=staff%40paydesk.test&password=staff+password+1", None, HOME).await.session_cookie() {
        Some(cookie) => cookie,
        None => signed_in_staff(app, pool).await,
    };
    let decided = call_as(app, "decide_qualification", &format!("merchant_id={merchant_id}&decision=approve"), Some(&staff), HOME).await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    let shop_id: i64 = sqlx::query_scalar("SELECT id FROM shops WHERE merchant_id = $1").bind(merchant_id).fetch_one(pool).await.unwrap();
    (merchant, shop_id)
}

/// Adds an active product to the merchant's shop; returns its id.
pub async fn add_product(app: &Router, merchant: &str, title: &str, price: &str, stock: i32) -> i64 {
    let form = format!("product[title]={}&product[price]={}&product[stock]={stock}&product[active]=on", enc(title), enc(price));
    let answer = call_as(app, "save_product", &form, Some(merchant), HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()["id"].as_i64().unwrap()
}

pub const ADDRESS: &str = "address[name]=Li+Wei&address[phone]=%2B86+138+0013+8000&address[line1]=88+Century+Avenue\
&address[city]=Shanghai&address[postcode]=200120&address[country]=CN";

pub fn checkout_form(shop_id: i64, key: &str) -> String {
    format!("shop_id={shop_id}&idempotency_key={key}&{ADDRESS}")
}

pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A shopper with one order awaiting payment (total 25.00 USD) and a bound card: the shopper's
/// cookie, the order number, and the method id.
pub async fn order_to_pay(app: &Router, pool: &PgPool, tag: &str, card_number: &str) -> (String, String, i64) {
    let o = shop_order(app, pool, tag, card_number).await;
    (o.shopper, o.number, o.method)
}

/// Both sides of one order awaiting payment (25.00 USD, one unit of a product with 100 in stock).
pub struct ShopOrder {
    pub merchant: String,
    pub shop_id: i64,
    pub product: i64,
    pub shopper: String,
    pub number: String,
    pub method: i64,
}

pub async fn shop_order(app: &Router, pool: &PgPool, tag: &str, card_number: &str) -> ShopOrder {
    let (merchant, shop_id) = open_shop(app, pool, &format!("shop-{tag}@example.com"), "US").await;
    let product = add_product(app, &merchant, "Thing", "25.00", 100).await;
    let shopper = signed_up(app, &format!("payer-{tag}@example.com"), "shopper").await;
    call_as(app, "add_to_cart", &format!("product_id={product}&quantity=1"), Some(&shopper), HOME).await;
    let placed = call_as(app, "place_order", &checkout_form(shop_id, &new_key()), Some(&shopper), HOME).await;
    let number: String = serde_json::from_str(&placed.body).unwrap_or_else(|_| panic!("{}", placed.body));
    let form = format!("card[kind]=credit_card&card[number]={card_number}&card[expiry]=12%2F30&card[cvc]=123&card[holder]=Payer");
    let bound = call_as(app, "bind_card", &form, Some(&shopper), HOME).await;
    let method = bound.json()["id"].as_i64().unwrap_or_else(|| panic!("{}", bound.body));
    ShopOrder { merchant, shop_id, product, shopper, number, method }
}

pub fn pay_form(number: &str, method: i64, key: &str) -> String {
    format!("number={number}&method_id={method}&idempotency_key={key}")
}

pub async fn order_status(pool: &PgPool, number: &str) -> String {
    sqlx::query_scalar("SELECT status FROM orders WHERE number = $1").bind(number).fetch_one(pool).await.unwrap()
}

/// Asserts the whole ledger balances and matches the paid orders.
pub async fn assert_ledger_consistent(pool: &PgPool) {
    let check = app::db::payments::check_ledger(pool).await.unwrap();
    assert_eq!(check.unbalanced_transactions, 0, "{check:?}");
    assert_eq!(check.unbalanced_currencies, 0, "{check:?}");
    assert_eq!(check.owed_to_shops_minor, check.paid_orders_minor, "{check:?}");
}

/// Turns the given orders paid the only way the schema accepts: each with a succeeded attempt
/// (by a wallet of its shopper) and its payment posting, in the same transaction (for tests that
/// need paid orders in bulk without paying each through the provider).
pub async fn seed_paid(pool: &PgPool, order_ids: &[i64]) {
    use app::db::payment_methods::{NewMethod, insert};
    use app::payments::MethodKind;
    let mut tx = pool.begin().await.unwrap();
    for &order_id in order_ids {
        let order = app::db::orders::lock_order(&mut tx, order_id).await.unwrap().unwrap();
        let method = NewMethod {
            kind: MethodKind::Wallet,
            provider: "sandbox",
            token: &format!("seed-{order_id}"),
            brand: None,
            last4: None,
            exp_month: None,
            exp_year: None,
            holder_name: None,
            wallet: Some("paypal"),
            wallet_display: Some("s***@example.com"),
        };
        let method_id = insert(&mut tx, order.shopper_id, &method).await.unwrap();
        let payment = app::db::payments::upsert_payment(&mut tx, &order).await.unwrap();
        let attempt: i64 = sqlx::query_scalar(
            "INSERT INTO payment_attempts (payment_id, shopper_id, method_id, idempotency_key, provider, provider_reference, status)
             VALUES ($1, $2, $3, gen_random_uuid(), 'sandbox', $4, 'succeeded') RETURNING id",
        )
        .bind(payment)
        .bind(order.shopper_id)
        .bind(method_id)
        .bind(format!("seed-charge-{order_id}"))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        app::db::orders::set_paid(&mut tx, order_id, domain::orders::OrderStatus::Paid).await.unwrap();
        let entries = domain::payments::ledger::payment_posting(order.amount, order.shopper_id, order.shop_id);
        app::db::payments::post(&mut tx, "payment", Some(attempt), order_id, order.amount.currency, &entries).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// A page as the holder of `cookie` sees it, rendered on the server.
pub async fn get_as(app: &Router, path: &str, cookie: &str) -> Answer {
    send(app, Request::get(path).header("accept", "text/html").header("cookie", cookie).body(Body::empty()).unwrap()).await
}

/// A small deterministic generator (xorshift), seeded per run and printed, so that a failing
/// random run's choices can be replayed.
pub struct Dice(pub u64);

impl Dice {
    pub fn roll(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The seed of a random test: `PAYDESK_PROPERTY_SEED` to replay one, else the clock.
pub fn property_seed() -> u64 {
    std::env::var("PAYDESK_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1)
}

/// How long a random test runs: `PAYDESK_PROPERTY_SECS`, else `default` seconds.
pub fn property_secs(default: u64) -> u64 {
    std::env::var("PAYDESK_PROPERTY_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// The app served on a loopback port, its sandbox sending signed callbacks to itself: a real
/// server, so that a slow charge's (or refund's) callback travels over HTTP.
pub async fn served_with_callbacks(pool: &PgPool) -> axum::Router {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/provider/callback", listener.local_addr().unwrap());
    let router = app_with_callbacks(pool.clone(), &url);
    tokio::spawn({
        let router = router.clone();
        async move { axum::serve(listener, router).await.unwrap() }
    });
    router
}
