//! What the benchmarks share: a throwaway database, the app served on a loopback port, an HTTP
//! client for its server functions, and a seeded shop.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use leptos::prelude::LeptosOptions;
use leptos::server_fn::Bytes;
use sqlx::{Connection, PgConnection, PgPool, postgres::PgPoolOptions};

pub type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub struct Bench {
    pub pool: PgPool,
    /// The live hub of the served app (its listener runs).
    pub live: std::sync::Arc<server::live::LiveHub>,
    pub http: HttpClient,
    pub base: String,
    pub server_url: String,
    admin: PgConnection,
    databases: Vec<String>,
}

pub const ADDRESS: &str = "address[name]=Bench&address[phone]=%2B1+555+0100+200&address[line1]=1+Main+St\
&address[city]=Springfield&address[postcode]=12345&address[country]=US";

impl Bench {
    /// A fresh database next to `DATABASE_URL`, migrated, with the app serving it over HTTP.
    pub async fn start(pool_size: u32) -> Bench {
        Self::start_with(pool_size, LeptosOptions::builder().output_name("paydesk").build()).await
    }

    /// Like [`Bench::start`], with the app's Leptos options (its site folder, hashed names).
    pub async fn start_with(pool_size: u32, leptos_options: LeptosOptions) -> Bench {
        let url = std::env::var("DATABASE_URL").expect("set DATABASE_URL to a Postgres the bench may create databases on");
        let server_url = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(url.clone());
        let mut admin = PgConnection::connect(&format!("{server_url}/postgres")).await.expect("connect for CREATE DATABASE");
        let db = format!("paydesk_bench_{}", std::process::id());
        sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.unwrap();
        let pool = PgPoolOptions::new().max_connections(pool_size).connect(&format!("{server_url}/{db}")).await.unwrap();
        server::migrate(&pool).await.unwrap();
        let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
        let live = std::sync::Arc::new(server::live::LiveHub::default());
        server::live::spawn_listener(pool.clone(), live.clone());
        let router = server::router(server::AppState {
            leptos_options,
            pool: pool.clone(),
            session: Default::default(),
            orders: Default::default(),
            provider,
            callback_secret: b"bench".as_slice().into(),
            live: live.clone(),
            origins: Default::default(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap() });
        let http = Client::builder(TokioExecutor::new()).build_http();
        Bench { pool, live, http, base, server_url, admin, databases: vec![db] }
    }

    /// Another throwaway database on the same server (for pgbench).
    pub async fn extra_database(&mut self, name: &str) -> String {
        let db = format!("{name}_{}", std::process::id());
        sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut self.admin).await.unwrap();
        self.databases.push(db.clone());
        format!("{}/{db}", self.server_url)
    }

    pub async fn finish(mut self) {
        self.pool.close().await;
        for db in &self.databases {
            sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut self.admin).await.unwrap();
        }
    }

    /// Calls a server function: status, body and the session cookie it set, if any.
    pub async fn call(&self, endpoint: &str, form: String, cookie: Option<&str>) -> (u16, String, Option<String>) {
        let mut req = http::Request::post(format!("{}/api/{endpoint}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let res = self.http.request(req.body(Full::new(Bytes::from(form))).unwrap()).await.expect("the server answers");
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

    fn json(body: &str) -> serde_json::Value {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    /// An approved merchant's open shop with one product with plenty of stock: (shop, product).
    pub async fn open_shop(&self) -> (i64, i64) {
        app::accounts::session::ensure_staff(&self.pool, "staff@bench.test", "staff password 1").await.unwrap();
        let (_, _, staff) = self.call("sign_in", "email=staff%40bench.test&password=staff+password+1".into(), None).await;
        let (_, _, merchant) = self.call("sign_up", "email=m%40bench.test&password=correct+horse+battery&role=merchant".into(), None).await;
        let details = "details[legal_name]=Bench+Ltd&details[registration_number]=B-1&details[country]=US\
&details[contact_phone]=%2B1+555+0100+200&details[category]=other&details[shop_name]=Bench+Shop";
        let (_, body, _) = self.call("submit_qualification", details.into(), merchant.as_deref()).await;
        let merchant_id = Self::json(&body)["merchant_id"].as_i64().unwrap();
        self.call("decide_qualification", format!("merchant_id={merchant_id}&decision=approve"), staff.as_deref()).await;
        let product = "product[title]=Widget&product[price]=9.99&product[stock]=1000000&product[active]=on";
        let (_, body, _) = self.call("save_product", product.into(), merchant.as_deref()).await;
        let product_id = Self::json(&body)["id"].as_i64().unwrap();
        let shop_id: i64 = sqlx::query_scalar("SELECT id FROM shops").fetch_one(&self.pool).await.unwrap();
        (shop_id, product_id)
    }

    /// A new shopper's session cookie.
    pub async fn shopper(&self, n: usize) -> String {
        let (_, _, cookie) = self.call("sign_up", format!("email=s{n}%40bench.test&password=correct+horse+battery&role=shopper"), None).await;
        cookie.expect("signed up")
    }

    /// Puts one unit in the cart and places the order: its number.
    pub async fn order(&self, cookie: &str, shop_id: i64, product_id: i64) -> String {
        self.call("add_to_cart", format!("product_id={product_id}&quantity=1"), Some(cookie)).await;
        let form = format!("shop_id={shop_id}&idempotency_key={}&{ADDRESS}", uuid::Uuid::new_v4());
        let (status, body, _) = self.call("place_order", form, Some(cookie)).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }
}

impl Bench {
    /// `runs` timings of a bare `SELECT 1` round trip (after `warmup` untimed ones), sorted: the
    /// same-run baseline every benchmark reports its figures against.
    pub async fn select_one(&self, warmup: usize, runs: usize) -> Vec<Duration> {
        let mut times = Vec::with_capacity(runs);
        for i in 0..warmup + runs {
            let t = std::time::Instant::now();
            sqlx::query("SELECT 1").execute(&self.pool).await.unwrap();
            if i >= warmup {
                times.push(t.elapsed());
            }
        }
        times.sort();
        times
    }
}

/// The process' resident set, in MB.
pub fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// Counts the SQL statements sent by everything in this process (the app, its live listener):
/// sqlx reports each one as a tracing event with the target `sqlx::query`.
#[derive(Clone, Default)]
pub struct Statements(Arc<AtomicU64>);

impl Statements {
    /// Installs the counter as the process's tracing subscriber (once, before the app starts).
    pub fn install() -> Statements {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::{Layer, filter::Targets};
        let counter = Statements::default();
        let only_queries = Targets::new().with_target("sqlx::query", tracing::Level::TRACE);
        let subscriber = tracing_subscriber::registry().with(counter.clone().with_filter(only_queries));
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber yet");
        counter
    }

    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// pgbench's TPC-B-like TPS on `url` (initialised at scale 10, then `clients` clients for
/// `seconds`, prepared statements): the same-run baseline of the throughput benchmarks.
pub fn pgbench_tps(url: &str, clients: usize, seconds: &str) -> f64 {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| dirs.filter_map(Result::ok).map(|d| d.path().join("bin/pgbench")).find(|p| p.exists()))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "pgbench".into());
    let init = std::process::Command::new(&bin).args(["-q", "-i", "-s", "10", url]).output().expect("pgbench runs");
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let run = std::process::Command::new(&bin)
        .args(["-c", &clients.to_string(), "-j", "2", "-T", seconds, "-M", "prepared", url])
        .output()
        .expect("pgbench runs");
    let out = String::from_utf8_lossy(&run.stdout);
    out.lines()
        .find(|l| l.starts_with("tps ="))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse().ok())
        .expect("pgbench printed its tps")
}
