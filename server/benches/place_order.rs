//! How long placing an order takes, next to a bare `SELECT 1` on the same Postgres, measured
//! in the same run (these machines are noisy: compare the ratio, not the absolute figures).
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench place_order [-- ORDERS]
//!
//! One shopper places ORDERS (default 1,000) orders one after another through the
//! `place_order` server function over HTTP on loopback; each is preceded by an untimed
//! `add_to_cart`.

mod common;

use std::time::Instant;

use common::{ADDRESS, Bench, percentile_ms};

#[tokio::main]
async fn main() {
    let orders: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1000);
    let bench = Bench::start(8).await;
    let (shop_id, product_id) = bench.open_shop().await;
    let shopper = bench.shopper(0).await;

    let select_one = bench.select_one(50, orders).await;
    let mut place = Vec::with_capacity(orders);
    for i in 0..orders + 20 {
        let (status, body, _) = bench.call("add_to_cart", format!("product_id={product_id}&quantity=1"), Some(&shopper)).await;
        assert_eq!(status, 200, "{body}");
        let form = format!("shop_id={shop_id}&idempotency_key={}&{ADDRESS}", uuid::Uuid::new_v4());
        let t = Instant::now();
        let (status, body, _) = bench.call("place_order", form, Some(&shopper)).await;
        let elapsed = t.elapsed();
        assert_eq!(status, 200, "{body}");
        if i >= 20 {
            place.push(elapsed);
        }
    }
    place.sort();
    let placed: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&bench.pool).await.unwrap();
    bench.finish().await;

    let (s50, s99) = (percentile_ms(&select_one, 0.5), percentile_ms(&select_one, 0.99));
    let (p50, p99) = (percentile_ms(&place, 0.5), percentile_ms(&place, 0.99));
    println!();
    println!("| measured ({orders:>5} each, sequential)        | p50 ms | p99 ms | p50 ratio |");
    println!("|------------------------------------------------|--------|--------|-----------|");
    println!("| SELECT 1 round trip (baseline)                 | {s50:>6.3} | {s99:>6.3} | {:>9.1} |", 1.0);
    println!("| place_order over HTTP (one transaction)        | {p50:>6.3} | {p99:>6.3} | {:>9.1} |", p50 / s50);
    println!("orders placed: {placed}");
}
