//! Webhook delivery latency: from the commit of a change to its signed event reaching a local
//! receiver — through the real path (the order event's trigger writes the live outbox, the
//! dispatcher numbers it, the sender fans it out, claims and POSTs it).
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench webhooks [-- EVENTS ORDERS]
//!
//! Defaults: 10,000 events over 100 orders, sent in rounds of one change per order (each its own
//! transaction, all at once), the next round once the last one arrived. Each order's events
//! arrive in order, so the k-th event the receiver gets for an order is that order's k-th
//! change. Printed next to the same run's floor: a bare POST to the same receiver, and
//! `SELECT 1`.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::{Router, body::Bytes, routing::post};
use common::{Bench, percentile_ms};
use http_body_util::Full;

type Arrivals = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let events = *args.first().unwrap_or(&10_000);
    let orders = (*args.get(1).unwrap_or(&100)).clamp(1, events);
    let rounds = events.div_ceil(orders);

    let bench = Bench::start(16).await;
    let (shop_id, product_id) = bench.open_shop().await;
    let shopper = bench.shopper(0).await;
    let mut numbers = Vec::with_capacity(orders);
    for _ in 0..orders {
        numbers.push(bench.order(&shopper, shop_id, product_id).await);
    }

    // The receiver: when each order's events arrived.
    let arrivals: Arrivals = Arc::default();
    let seen = arrivals.clone();
    let hook = post(move |body: Bytes| {
        let seen = seen.clone();
        async move {
            let at = Instant::now();
            let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if let Some(number) = event["data"]["object"]["number"].as_str() {
                seen.lock().unwrap().entry(number.to_string()).or_default().push(at);
            }
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, Router::new().route("/hook", hook)).await.unwrap() });

    // The floor: a bare POST to the same receiver.
    let mut posts = Vec::new();
    for i in 0..220 {
        let t = Instant::now();
        let request = http::Request::post(&url).body(Full::new(Bytes::from_static(b"{}"))).unwrap();
        bench.http.request(request).await.unwrap();
        if i >= 20 {
            posts.push(t.elapsed());
        }
    }
    posts.sort();
    let select = bench.select_one(20, 200).await;

    sqlx::query("INSERT INTO webhook_endpoints (shop_id, url, event_types, secret) VALUES ($1, $2, '{}', 'whsec_00000000000000000000000000000000')")
        .bind(shop_id)
        .bind(&url)
        .execute(&bench.pool)
        .await
        .unwrap();
    tokio::spawn(backend::webhooks::run(bench.pool.clone(), Default::default()));

    let ids: Vec<(i64, String)> = sqlx::query_as("SELECT id, number FROM orders ORDER BY id").fetch_all(&bench.pool).await.unwrap();
    let mut latencies = Vec::with_capacity(rounds * orders);
    let started = Instant::now();
    let mut sent = 0;
    for round in 0..rounds {
        let this_round = orders.min(events - sent);
        let commits = futures::future::join_all(ids.iter().take(this_round).map(|(id, number)| {
            let pool = bench.pool.clone();
            let event = if round % 2 == 0 { "shipped" } else { "delivered" };
            async move {
                sqlx::query("INSERT INTO order_events (order_id, actor, event, from_status, to_status) VALUES ($1, 'merchant', $2, 'paid', 'paid')")
                    .bind(id)
                    .bind(event)
                    .execute(&pool)
                    .await
                    .unwrap();
                (number.clone(), Instant::now())
            }
        }))
        .await;
        sent += this_round;
        // Wait for the round (each order's (round+1)-th event; the orders' own "created" event
        // came before any of these and is not counted).
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let done = {
                let seen = arrivals.lock().unwrap();
                commits.iter().all(|(n, _)| seen.get(n).map_or(0, Vec::len) >= round + 2)
            };
            if done {
                break;
            }
            assert!(Instant::now() < deadline, "round {round} did not arrive within 30 s");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let seen = arrivals.lock().unwrap();
        for (number, committed) in &commits {
            latencies.push(seen[number][round + 1].saturating_duration_since(*committed));
        }
    }
    let total = started.elapsed();
    latencies.sort();
    let per_second = latencies.len() as f64 / total.as_secs_f64();
    let bare = percentile_ms(&posts, 0.5);
    println!();
    println!("| measure ({} events, {orders} orders) | p50 ms | p99 ms | p50 / bare POST |", latencies.len());
    println!("|---|---|---|---|");
    println!(
        "| commit → receiver | {:.2} | {:.2} | {:.1}× |",
        percentile_ms(&latencies, 0.5),
        percentile_ms(&latencies, 0.99),
        percentile_ms(&latencies, 0.5) / bare
    );
    println!("| bare POST to the receiver | {bare:.2} | {:.2} | 1.0× |", percentile_ms(&posts, 0.99));
    println!("| `SELECT 1` | {:.2} | {:.2} | |", percentile_ms(&select, 0.5), percentile_ms(&select, 0.99));
    println!();
    println!("delivered {} events in {:.1} s: {per_second:.0} events/s", latencies.len(), total.as_secs_f64());
    bench.finish().await;
}
