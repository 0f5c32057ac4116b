//! Payments per second through the real HTTP server-function endpoint, next to pgbench's
//! TPC-B-like TPS on the same Postgres at the same client count, measured in the same run.
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench payments [-- CLIENTS PAYMENTS_PER_CLIENT]
//!
//! Defaults: 8 clients, 100 payments each. It creates (and drops) two throwaway databases next
//! to `DATABASE_URL`: one for the app, one for pgbench (scale 10). The server runs in this
//! process on a loopback port; each client is a shopper paying its own distinct orders, one
//! after another, with the sandbox card that succeeds.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use leptos::prelude::LeptosOptions;
use leptos::server_fn::Bytes;
use sqlx::{Connection, PgConnection, postgres::PgPoolOptions};

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

async fn post(client: &HttpClient, base: &str, endpoint: &str, form: String, cookie: Option<&str>) -> (u16, String, Option<String>) {
    let mut req = http::Request::post(format!("{base}/api/{endpoint}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = client.request(req.body(Full::new(Bytes::from(form))).unwrap()).await.expect("the server answers");
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

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

fn pgbench_bin() -> String {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| dirs.filter_map(Result::ok).map(|d| d.path().join("bin/pgbench")).find(|p| p.exists()))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "pgbench".into())
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let clients = args.first().copied().unwrap_or(8);
    let per_client = args.get(1).copied().unwrap_or(100);
    let base_url = std::env::var("DATABASE_URL").expect("set DATABASE_URL");
    let server_part = base_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(base_url.clone());
    let app_db = format!("paydesk_paybench_{}", std::process::id());
    let pg_db = format!("paydesk_pgbench_{}", std::process::id());
    let mut admin = PgConnection::connect(&format!("{server_part}/postgres")).await.unwrap();
    for db in [&app_db, &pg_db] {
        sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.unwrap();
    }

    // The app, on a loopback port.
    let pool = PgPoolOptions::new().max_connections((clients as u32 + 4).max(10)).connect(&format!("{server_part}/{app_db}")).await.unwrap();
    server::migrate(&pool).await.unwrap();
    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    let router = server::router(server::AppState {
        leptos_options: LeptosOptions::builder().output_name("paydesk").build(),
        pool: pool.clone(),
        session: Default::default(),
        orders: Default::default(),
        provider,
        callback_secret: b"bench".as_slice().into(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap() });
    let http: HttpClient = Client::builder(TokioExecutor::new()).build_http();

    // Seed: an open shop, then per client a shopper with a card and `per_client` orders.
    app::accounts::session::ensure_staff(&pool, "staff@bench.test", "staff password 1").await.unwrap();
    let (_, _, staff) = post(&http, &base, "sign_in", "email=staff%40bench.test&password=staff+password+1".into(), None).await;
    let (_, _, merchant) = post(&http, &base, "sign_up", "email=m%40bench.test&password=correct+horse+battery&role=merchant".into(), None).await;
    let details = "details[legal_name]=Bench+Ltd&details[registration_number]=B-1&details[country]=US\
&details[contact_phone]=%2B1+555+0100+200&details[category]=other&details[shop_name]=Bench+Shop";
    let (_, body, _) = post(&http, &base, "submit_qualification", details.into(), merchant.as_deref()).await;
    let merchant_id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["merchant_id"].as_i64().unwrap();
    post(&http, &base, "decide_qualification", format!("merchant_id={merchant_id}&decision=approve"), staff.as_deref()).await;
    let (_, body, _) = post(&http, &base, "save_product", "product[title]=Widget&product[price]=9.99&product[stock]=1000000&product[active]=on".into(), merchant.as_deref()).await;
    let product = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_i64().unwrap();
    let shop_id: i64 = sqlx::query_scalar("SELECT id FROM shops").fetch_one(&pool).await.unwrap();
    let address = "address[name]=Bench&address[phone]=%2B1+555+0100+200&address[line1]=1+Main+St&address[city]=Springfield&address[postcode]=12345&address[country]=US";
    let mut shoppers = Vec::new();
    for c in 0..clients {
        let (_, _, cookie) = post(&http, &base, "sign_up", format!("email=s{c}%40bench.test&password=correct+horse+battery&role=shopper"), None).await;
        let cookie = cookie.unwrap();
        let card = "card[kind]=credit_card&card[number]=4242424242424242&card[expiry]=12%2F30&card[cvc]=123&card[holder]=Bench";
        let (_, body, _) = post(&http, &base, "bind_card", card.into(), Some(&cookie)).await;
        let method = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_i64().unwrap();
        let mut numbers = Vec::new();
        for _ in 0..per_client {
            post(&http, &base, "add_to_cart", format!("product_id={product}&quantity=1"), Some(&cookie)).await;
            let (status, body, _) = post(&http, &base, "place_order", format!("shop_id={shop_id}&idempotency_key={}&{address}", uuid::Uuid::new_v4()), Some(&cookie)).await;
            assert_eq!(status, 200, "{body}");
            numbers.push(serde_json::from_str::<String>(&body).unwrap());
        }
        shoppers.push((cookie, method, numbers));
    }

    // The measured run: every client pays its orders, one after another, all clients at once.
    let started = Instant::now();
    let tasks = shoppers.into_iter().map(|(cookie, method, numbers)| {
        let (http, base) = (http.clone(), base.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            for number in numbers {
                let form = format!("number={number}&method_id={method}&idempotency_key={}", uuid::Uuid::new_v4());
                let t = Instant::now();
                let (status, body, _) = post(&http, &base, "pay_order", form, Some(&cookie)).await;
                latencies.push(t.elapsed());
                assert!(status == 200 && body.contains("\"succeeded\""), "{status} {body}");
            }
            latencies
        })
    });
    let mut latencies: Vec<Duration> = futures::future::join_all(tasks).await.into_iter().flat_map(Result::unwrap).collect();
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let payments = latencies.len();
    let check = app::db::payments::check_ledger(&pool).await.unwrap();
    assert_eq!((check.unbalanced_transactions, check.owed_to_shops_minor), (0, check.paid_orders_minor));
    pool.close().await;

    // pgbench, same Postgres, same client count.
    let pg_url = format!("{server_part}/{pg_db}");
    let bin = pgbench_bin();
    let init = std::process::Command::new(&bin).args(["-q", "-i", "-s", "10", &pg_url]).output().expect("pgbench runs");
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let run = std::process::Command::new(&bin)
        .args(["-c", &clients.to_string(), "-j", "2", "-T", "10", "-M", "prepared", &pg_url])
        .output()
        .expect("pgbench runs");
    let out = String::from_utf8_lossy(&run.stdout);
    let tps: f64 = out
        .lines()
        .find(|l| l.starts_with("tps ="))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse().ok())
        .expect("pgbench printed its tps");
    for db in [&app_db, &pg_db] {
        sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut admin).await.unwrap();
    }

    let pps = payments as f64 / elapsed;
    println!();
    println!("| {clients:>2} clients                                  | per second | p50 ms | p99 ms | vs pgbench |");
    println!("|---------------------------------------------|------------|--------|--------|------------|");
    println!("| pgbench TPC-B-like (scale 10, prepared)     | {tps:>10.0} |      — |      — |       1.00 |");
    println!("| pay_order over HTTP ({payments:>5} payments)       | {pps:>10.0} | {:>6.2} | {:>6.2} | {:>10.2} |", pct(&latencies, 0.5), pct(&latencies, 0.99), pps / tps);
    println!("ledger balanced: yes; owed to shops = paid orders = {} minor units", check.paid_orders_minor);
}
