//! Live connections: how many one instance holds, what they cost in memory, and how fast an
//! event reaches every browser of its user — through the real path (a row written in Postgres,
//! its trigger's NOTIFY, the instance's one listener, the hub, the SSE stream).
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench live [-- CONNECTIONS USERS EVENTS]
//!
//! Defaults: 5,000 connections spread over 500 users (10 browsers each), then 200 events, each
//! for a random user, one at a time. Latency runs from just before the event's transaction
//! commits to the moment each of that user's 10 browsers has read it; memory is the process'
//! resident set before and after opening the connections. The clients run in the same process
//! as the server, so the figure is an upper bound on what the server alone needs.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Bench, percentile_ms, rss_mb};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use leptos::server_fn::Bytes;
use tokio::sync::mpsc;

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let connections = *args.first().unwrap_or(&5000);
    let users = *args.get(1).unwrap_or(&500);
    let events = *args.get(2).unwrap_or(&200);

    let bench = Bench::start(8).await;
    let (shop_id, product_id) = bench.open_shop().await;
    // One order to hang the events on.
    let shopper = bench.shopper(0).await;
    let number = bench.order(&shopper, shop_id, product_id).await;

    // Users with sessions, made directly in the database (signing up 500 users through argon2
    // would measure argon2).
    let mut cookies = Vec::with_capacity(users);
    let mut user_ids = Vec::with_capacity(users);
    for u in 0..users {
        let id: i64 = sqlx::query_scalar("INSERT INTO users (email, password_hash, role) VALUES ($1, 'not-a-hash', 'shopper') RETURNING id")
            .bind(format!("live{u}@bench.test"))
            .fetch_one(&bench.pool)
            .await
            .unwrap();
        let token = format!("live-bench-token-{u}-{}", uuid::Uuid::new_v4());
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, expires_at, ip, user_agent) VALUES ($1, $2, now() + interval '1 day', 'bench', 'bench')",
        )
        .bind(app::accounts::session::token_hash(&token))
        .bind(id)
        .execute(&bench.pool)
        .await
        .unwrap();
        cookies.push(format!("paydesk_session={token}"));
        user_ids.push(id);
    }

    let before = rss_mb();
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, i64, Instant)>();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build_http();
    let opened = Arc::new(tokio::sync::Semaphore::new(0));
    let t = Instant::now();
    for c in 0..connections {
        let user = c % users;
        let (client, cookie, tx, opened, base) = (client.clone(), cookies[user].clone(), tx.clone(), opened.clone(), bench.base.clone());
        tokio::spawn(async move {
            let req = http::Request::get(format!("{base}/live")).header("cookie", cookie).body(Empty::new()).unwrap();
            let res = client.request(req).await.expect("the live endpoint answers");
            assert_eq!(res.status(), 200);
            let mut body = res.into_body();
            let mut buf = String::new();
            let mut said_hello = false;
            while let Some(Ok(frame)) = body.frame().await {
                let Ok(data) = frame.into_data() else { continue };
                buf.push_str(&String::from_utf8_lossy(&data));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    if block.contains("event: hello") || block.contains("event:hello") {
                        if !said_hello {
                            said_hello = true;
                            opened.add_permits(1);
                        }
                    } else if let Some(id) = block.lines().find_map(|l| l.strip_prefix("id:")).and_then(|v| v.trim().parse().ok()) {
                        let _ = tx.send((user, id, Instant::now()));
                    }
                }
            }
        });
    }
    let _all = opened.acquire_many(connections as u32).await.unwrap();
    let open_secs = t.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_mb();
    let held = bench.live.connections();

    // Events, one at a time, each for one user: wait until all that user's browsers have it.
    let per_user = connections / users;
    let mut latencies = Vec::with_capacity(events * per_user);
    let order_id: i64 = sqlx::query_scalar("SELECT id FROM orders WHERE number = $1").bind(&number).fetch_one(&bench.pool).await.unwrap();
    for e in 0..events {
        let user = (e * 7919) % users;
        let t = Instant::now();
        sqlx::query("INSERT INTO notifications (user_id, kind, order_id, amount_minor, currency) VALUES ($1, 'payment_requested', $2, 100, 'USD')")
            .bind(user_ids[user])
            .bind(order_id)
            .execute(&bench.pool)
            .await
            .unwrap();
        let mut got = 0;
        while got < per_user {
            let (u, _, at) = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.expect("the event arrives").unwrap();
            if u == user && at > t {
                latencies.push(at - t);
                got += 1;
            }
        }
    }
    latencies.sort();
    let (p50, p99) = (percentile_ms(&latencies, 0.5), percentile_ms(&latencies, 0.99));

    let select_one = bench.select_one(20, 200).await;
    let base = percentile_ms(&select_one, 0.5);

    println!();
    println!("| live channel                                   | value |");
    println!("|------------------------------------------------|-------|");
    println!("| connections opened (all said hello)            | {connections} in {open_secs:.1} s |");
    println!("| connections held by the instance               | {held} |");
    println!("| resident memory before / after                 | {before:.0} MB / {after:.0} MB |");
    println!("| memory per connection (server and client side) | {:.1} KB |", (after - before) * 1024.0 / connections as f64);
    println!("| events sent (one user each, {per_user} browsers)       | {events} |");
    println!("| delivery to every browser p50 / p99            | {p50:.2} ms / {p99:.2} ms |");
    println!("| SELECT 1 p50 (baseline) / ratio to p50         | {base:.3} ms / {:.1} |", p50 / base);
    println!("(latency: from sending the INSERT that causes the event to each browser reading it)");
    bench.finish().await;
    std::process::exit(0);
}
