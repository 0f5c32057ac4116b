//! Refunds per second through the real HTTP server-function endpoint (`merchant_refund`: the
//! order locked, the limits checked, the refund recorded, the provider called, the reversal
//! booked), next to pgbench's TPC-B-like TPS on the same Postgres at the same client count,
//! measured in the same run.
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench refunds [-- CLIENTS REFUNDS_PER_CLIENT]
//!
//! Defaults: 8 clients, 50 refunds each. The shop's merchant refunds paid orders, each client
//! its own orders one after another (two partial refunds per order: the second one checks the
//! first); all clients run at once.

mod common;

use std::time::{Duration, Instant};

use common::{Bench, percentile_ms};

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let clients = args.first().copied().unwrap_or(8);
    let per_client = args.get(1).copied().unwrap_or(50).max(2);
    let bench = Bench::start((clients as u32 + 4).max(10)).await;
    let (shop_id, product_id) = bench.open_shop().await;
    let (_, _, merchant) = bench.call("sign_in", "email=m%40bench.test&password=correct+horse+battery".into(), None).await;
    let merchant = merchant.expect("the merchant signed in");
    let mut work = Vec::new();
    for c in 0..clients {
        let cookie = bench.shopper(c).await;
        let card = "card[kind]=credit_card&card[number]=4242424242424242&card[expiry]=12%2F30&card[cvc]=123&card[holder]=Bench";
        let (_, body, _) = bench.call("bind_card", card.into(), Some(&cookie)).await;
        let method = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_i64().unwrap();
        let mut numbers = Vec::new();
        for _ in 0..per_client / 2 {
            let number = bench.order(&cookie, shop_id, product_id).await;
            let form = format!("number={number}&method_id={method}&idempotency_key={}", uuid::Uuid::new_v4());
            let (status, body, _) = bench.call("pay_order", form, Some(&cookie)).await;
            assert!(status == 200 && body.contains("\"succeeded\""), "{status} {body}");
            numbers.push(number);
        }
        work.push(numbers);
    }

    let bench = std::sync::Arc::new(bench);
    let started = Instant::now();
    let tasks = work.into_iter().map(|numbers| {
        let (bench, merchant) = (bench.clone(), merchant.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            for number in numbers {
                // 9.99 paid: 4.00 then 5.99, the second one fitting exactly what is left.
                for amount in ["4.00", "5.99"] {
                    let form = format!("number={number}&amount={amount}&reason=Bench+refund&key={}", uuid::Uuid::new_v4());
                    let t = Instant::now();
                    let (status, body, _) = bench.call("merchant_refund", form, Some(&merchant)).await;
                    latencies.push(t.elapsed());
                    assert_eq!(status, 200, "{body}");
                }
            }
            latencies
        })
    });
    let mut latencies: Vec<Duration> = futures::future::join_all(tasks).await.into_iter().flat_map(Result::unwrap).collect();
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let refunds = latencies.len();
    let mut bench = std::sync::Arc::into_inner(bench).expect("all clients done");
    let check = app::db::payments::check_ledger(&bench.pool).await.unwrap();
    assert_eq!((check.unbalanced_transactions, check.owed_to_shops_minor), (0, check.paid_orders_minor));
    assert_eq!(check.owed_to_shops_minor, 0, "every order was refunded in full");
    let succeeded: i64 = sqlx::query_scalar("SELECT count(*) FROM refunds WHERE status = 'succeeded'").fetch_one(&bench.pool).await.unwrap();
    assert_eq!(succeeded as usize, refunds);

    // pgbench, same Postgres, same client count.
    let pg_url = bench.extra_database("paydesk_pgbench").await;
    let seconds = if refunds < 100 { "2" } else { "10" };
    let tps = common::pgbench_tps(&pg_url, clients, seconds);
    bench.finish().await;

    let rps = refunds as f64 / elapsed;
    println!();
    println!("| {clients:>2} clients                                 | per second | p50 ms | p99 ms | vs pgbench |");
    println!("|---------------------------------------------|------------|--------|--------|------------|");
    println!("| pgbench TPC-B-like (scale 10, prepared)     | {tps:>10.0} |      — |      — |       1.00 |");
    let label = format!("merchant_refund over HTTP ({refunds} refunds)");
    println!(
        "| {label:<43} | {rps:>10.0} | {:>6.2} | {:>6.2} | {:>10.2} |",
        percentile_ms(&latencies, 0.5),
        percentile_ms(&latencies, 0.99),
        rps / tps
    );
    println!("ledger balanced: yes; every order refunded in full, owed to shops = 0");
}
