//! Payments per second through the real HTTP server-function endpoint, next to pgbench's
//! TPC-B-like TPS on the same Postgres at the same client count, measured in the same run.
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench payments [-- CLIENTS PAYMENTS_PER_CLIENT]
//!
//! Defaults: 8 clients, 100 payments each. Each client is a shopper paying its own distinct
//! orders one after another with the sandbox card that succeeds; all clients run at once.

mod common;

use std::time::{Duration, Instant};

use common::{Bench, Statements, percentile_ms};

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let clients = args.first().copied().unwrap_or(8);
    let per_client = args.get(1).copied().unwrap_or(100);
    let statements = Statements::install();
    let bench = Bench::start((clients as u32 + 4).max(10)).await;
    let (shop_id, product_id) = bench.open_shop().await;
    let mut shoppers = Vec::new();
    for c in 0..clients {
        let cookie = bench.shopper(c).await;
        let card = "card[kind]=credit_card&card[number]=4242424242424242&card[expiry]=12%2F30&card[cvc]=123&card[holder]=Bench";
        let (_, body, _) = bench.call("bind_card", card.into(), Some(&cookie)).await;
        let method = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_i64().unwrap();
        let mut numbers = Vec::new();
        for _ in 0..per_client {
            numbers.push(bench.order(&cookie, shop_id, product_id).await);
        }
        shoppers.push((cookie, method, numbers));
    }

    let bench = std::sync::Arc::new(bench);
    let statements_before = statements.count();
    let started = Instant::now();
    let tasks = shoppers.into_iter().map(|(cookie, method, numbers)| {
        let bench = bench.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            for number in numbers {
                let form = format!("number={number}&method_id={method}&idempotency_key={}", uuid::Uuid::new_v4());
                let t = Instant::now();
                let (status, body, _) = bench.call("pay_order", form, Some(&cookie)).await;
                latencies.push(t.elapsed());
                assert!(status == 200 && body.contains("\"succeeded\""), "{status} {body}");
            }
            latencies
        })
    });
    let mut latencies: Vec<Duration> = futures::future::join_all(tasks).await.into_iter().flat_map(Result::unwrap).collect();
    let elapsed = started.elapsed().as_secs_f64();
    // The live listener numbers each payment's events a moment after commit: counted too.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let per_payment = (statements.count() - statements_before) as f64 / latencies.len().max(1) as f64;
    latencies.sort();
    let payments = latencies.len();
    let mut bench = std::sync::Arc::into_inner(bench).expect("all clients done");
    let check = app::db::payments::check_ledger(&bench.pool).await.unwrap();
    assert_eq!((check.unbalanced_transactions, check.owed_to_shops_minor), (0, check.paid_orders_minor));

    // pgbench, same Postgres, same client count.
    let pg_url = bench.extra_database("paydesk_pgbench").await;
    let tps = common::pgbench_tps(&pg_url, clients, "10");
    bench.finish().await;

    let pps = payments as f64 / elapsed;
    println!();
    println!("| {clients:>2} clients                                 | per second | p50 ms | p99 ms | vs pgbench |");
    println!("|---------------------------------------------|------------|--------|--------|------------|");
    println!("| pgbench TPC-B-like (scale 10, prepared)     | {tps:>10.0} |      — |      — |       1.00 |");
    println!(
        "| pay_order over HTTP ({payments:>5} payments)      | {pps:>10.0} | {:>6.2} | {:>6.2} | {:>10.2} |",
        percentile_ms(&latencies, 0.5),
        percentile_ms(&latencies, 0.99),
        pps / tps
    );
    println!("SQL statements per payment (all of them: session, pay, finish, live numbering): {per_payment:.1}");
    println!("ledger balanced: yes; owed to shops = paid orders = {} minor units", check.paid_orders_minor);
}
