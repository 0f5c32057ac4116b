//! How long placing an order takes, next to a bare `SELECT 1` on the same Postgres, measured
//! in the same run (these machines are noisy: compare the ratio, not the absolute figures).
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench place_order [-- ORDERS]
//!
//! It creates a throwaway database next to `DATABASE_URL`, opens a shop with one product,
//! and places ORDERS (default 1,000) orders one after another through the `place_order` server
//! function's HTTP handler (the real router, in-process: no TCP). Each order is preceded by an
//! `add_to_cart` call, which is not timed.

use std::time::{Duration, Instant};

use axum::{Router, body::Body, http::Request};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use sqlx::{Connection, PgConnection, postgres::PgPoolOptions};
use tower::ServiceExt;

async fn call(app: &Router, endpoint: &str, form: String, cookie: Option<&str>) -> (u16, String, Option<String>) {
    let mut req = Request::post(format!("/api/{endpoint}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = app.clone().oneshot(req.body(Body::from(form)).unwrap()).await.unwrap();
    let status = res.status().as_u16();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next().filter(|p| p.starts_with("paydesk_session=")).map(str::to_string));
    let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned();
    (status, body, cookie)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let orders: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1000);
    let base = std::env::var("DATABASE_URL").expect("set DATABASE_URL to a Postgres the bench may create a database on");
    let db_name = format!("paydesk_bench_{}", std::process::id());
    let admin_url = format!("{}/postgres", base.rsplit_once('/').map(|(b, _)| b).unwrap_or(&base));
    let bench_url = format!("{}/{db_name}", base.rsplit_once('/').map(|(b, _)| b).unwrap_or(&base));
    let mut admin = PgConnection::connect(&admin_url).await.expect("connect for CREATE DATABASE");
    sqlx::query(&format!("CREATE DATABASE {db_name}")).execute(&mut admin).await.unwrap();

    let pool = PgPoolOptions::new().max_connections(8).connect(&bench_url).await.unwrap();
    server::migrate(&pool).await.unwrap();
    let leptos_options = LeptosOptions::builder().output_name("paydesk").build();
    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    let app = server::router(server::AppState {
        leptos_options,
        pool: pool.clone(),
        session: Default::default(),
        orders: Default::default(),
        provider,
        callback_secret: b"bench".as_slice().into(),
    });

    // A merchant with an open shop and a product with plenty of stock.
    app::accounts::session::ensure_staff(&pool, "staff@bench.test", "staff password 1").await.unwrap();
    let (_, _, staff) = call(&app, "sign_in", "email=staff%40bench.test&password=staff+password+1".into(), None).await;
    let (_, _, merchant) = call(&app, "sign_up", "email=m%40bench.test&password=correct+horse+battery&role=merchant".into(), None).await;
    let details = "details[legal_name]=Bench+Ltd&details[registration_number]=B-1&details[country]=US\
&details[contact_phone]=%2B1+555+0100+200&details[category]=other&details[shop_name]=Bench+Shop";
    let (_, body, _) = call(&app, "submit_qualification", details.into(), merchant.as_deref()).await;
    let merchant_id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["merchant_id"].as_i64().unwrap();
    call(&app, "decide_qualification", format!("merchant_id={merchant_id}&decision=approve"), staff.as_deref()).await;
    let (_, body, _) = call(
        &app,
        "save_product",
        "product[title]=Widget&product[price]=9.99&product[stock]=1000000&product[active]=on".into(),
        merchant.as_deref(),
    )
    .await;
    let product_id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_i64().unwrap();
    let shop_id: i64 = sqlx::query_scalar("SELECT id FROM shops").fetch_one(&pool).await.unwrap();
    let (_, _, shopper) = call(&app, "sign_up", "email=s%40bench.test&password=correct+horse+battery&role=shopper".into(), None).await;
    let shopper = shopper.unwrap();

    let address = "address[name]=Bench&address[phone]=%2B1+555+0100+200&address[line1]=1+Main+St&address[city]=Springfield\
&address[postcode]=12345&address[country]=US";

    // Warm-up, then the measured runs.
    let mut select_one = Vec::with_capacity(orders);
    for i in 0..orders + 50 {
        let t = Instant::now();
        sqlx::query("SELECT 1").execute(&pool).await.unwrap();
        if i >= 50 {
            select_one.push(t.elapsed());
        }
    }
    let mut place = Vec::with_capacity(orders);
    for i in 0..orders + 20 {
        let (status, body, _) = call(&app, "add_to_cart", format!("product_id={product_id}&quantity=1"), Some(&shopper)).await;
        assert_eq!(status, 200, "{body}");
        let form = format!("shop_id={shop_id}&idempotency_key={}&{address}", uuid::Uuid::new_v4());
        let t = Instant::now();
        let (status, body, _) = call(&app, "place_order", form, Some(&shopper)).await;
        let elapsed = t.elapsed();
        assert_eq!(status, 200, "{body}");
        if i >= 20 {
            place.push(elapsed);
        }
    }
    select_one.sort();
    place.sort();
    let placed: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&pool).await.unwrap();
    pool.close().await;
    sqlx::query(&format!("DROP DATABASE {db_name} WITH (FORCE)")).execute(&mut admin).await.unwrap();

    println!();
    println!("| measured ({orders:>5} each, sequential)       | p50 ms | p99 ms | p50 ratio |");
    println!("|-----------------------------------------------|--------|--------|-----------|");
    let (s50, s99) = (percentile(&select_one, 0.5), percentile(&select_one, 0.99));
    let (p50, p99) = (percentile(&place, 0.5), percentile(&place, 0.99));
    println!("| SELECT 1 round trip (baseline)                | {:>6} | {:>6} | {:>9} |", ms(s50), ms(s99), "1.0");
    println!("| place_order (server fn, one transaction)      | {:>6} | {:>6} | {:>9.1} |", ms(p50), ms(p99), p50.as_secs_f64() / s50.as_secs_f64());
    println!("orders placed: {placed}");
}
