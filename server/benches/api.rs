//! The merchant API's throughput: reads (`GET /api/v1/orders/{number}`: the order with its
//! lines, events and payment attempts) and writes (`POST /api/v1/orders/{number}/payment_request`
//! with an `Idempotency-Key`) per second through the real router over HTTP — each request
//! authenticated by its bearer key, counted in the key's rate window and logged — next to
//! pgbench on the same Postgres in the same run.
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench api [-- SECONDS CLIENTS ORDERS]
//!
//! Defaults: 10 s of reads by 16 clients over 200 orders, then one payment request per order of
//! 2,000 by 16 clients. Requests are spread over 400 keys so that no key reaches its 120 a
//! minute (the limit is the product's, not the bench's).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Bench, pgbench_tps};
use http_body_util::{BodyExt, Full};
use leptos::server_fn::Bytes;

const KEYS: usize = 400;

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let seconds = *args.first().unwrap_or(&10);
    let clients = *args.get(1).unwrap_or(&16);
    let orders = (*args.get(2).unwrap_or(&2000)).max(clients);

    let mut bench = Bench::start(16).await;
    let (shop_id, product_id) = bench.open_shop().await;
    let shopper = bench.shopper(0).await;
    let mut numbers = Vec::with_capacity(orders);
    for _ in 0..orders {
        numbers.push(bench.order(&shopper, shop_id, product_id).await);
    }
    let (merchant_id, email): (i64, String) =
        sqlx::query_as("SELECT u.id, u.email FROM users u JOIN shops s ON s.merchant_id = u.id").fetch_one(&bench.pool).await.unwrap();
    let merchant = domain::accounts::CurrentUser {
        id: merchant_id,
        email: domain::accounts::Email::parse(&email).unwrap(),
        role: domain::accounts::Role::Merchant,
    };
    let mut keys = Vec::with_capacity(KEYS);
    for i in 0..KEYS {
        keys.push(backend::api::create_key(&bench.pool, &merchant, &format!("bench {i}"), "read_write").await.unwrap().key);
    }
    let (keys, numbers) = (Arc::new(keys), Arc::new(numbers));

    // Reads: the first 200 orders, round and round, for `seconds`.
    let readable = numbers.len().min(200);
    let sent = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_secs(seconds as u64);
    let started = Instant::now();
    let readers = (0..clients).map(|_| {
        let (bench_http, base, keys, numbers, sent) = (bench.http.clone(), bench.base.clone(), keys.clone(), numbers.clone(), sent.clone());
        tokio::spawn(async move {
            let mut failed = 0;
            while Instant::now() < until {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                let request = http::Request::get(format!("{base}/api/v1/orders/{}", numbers[n % readable]))
                    .header("authorization", format!("Bearer {}", keys[n % KEYS]))
                    .body(Full::new(Bytes::new()))
                    .unwrap();
                let response = bench_http.request(request).await.unwrap();
                failed += usize::from(response.status() != 200);
                response.into_body().collect().await.unwrap();
            }
            failed
        })
    });
    let read_failures: usize = futures::future::join_all(readers).await.into_iter().map(Result::unwrap).sum();
    let read_time = started.elapsed();
    let reads = sent.load(Ordering::Relaxed);

    // Writes: one payment request per order, each with its own Idempotency-Key.
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let writers = (0..clients).map(|_| {
        let (bench_http, base, keys, numbers, next) = (bench.http.clone(), bench.base.clone(), keys.clone(), numbers.clone(), next.clone());
        tokio::spawn(async move {
            let (mut done, mut failed) = (0, 0);
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= numbers.len() {
                    return (done, failed);
                }
                let request = http::Request::post(format!("{base}/api/v1/orders/{}/payment_request", numbers[n]))
                    .header("authorization", format!("Bearer {}", keys[(n * 7) % KEYS]))
                    .header("idempotency-key", format!("bench-request-{n}"))
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from_static(br#"{"minutes": 90}"#)))
                    .unwrap();
                let response = bench_http.request(request).await.unwrap();
                if response.status() == 200 {
                    done += 1
                } else {
                    failed += 1
                }
                response.into_body().collect().await.unwrap();
            }
        })
    });
    let (writes, write_failures) =
        futures::future::join_all(writers).await.into_iter().map(Result::unwrap).fold((0, 0), |(d, f), (d2, f2)| (d + d2, f + f2));
    let write_time = started.elapsed();

    let pgbench_url = bench.extra_database("paydesk_pgbench").await;
    let tps = pgbench_tps(&pgbench_url, clients, &seconds.max(2).to_string());

    let reads_per_s = reads as f64 / read_time.as_secs_f64();
    let writes_per_s = writes as f64 / write_time.as_secs_f64();
    println!();
    println!("| measure ({clients} clients) | per second | × pgbench TPS |");
    println!("|---|---|---|");
    println!(
        "| API reads: `GET /api/v1/orders/{{number}}` ({reads} in {:.1} s, {read_failures} not 200) | {reads_per_s:.0} | {:.2} |",
        read_time.as_secs_f64(),
        reads_per_s / tps
    );
    println!(
        "| API writes: `POST …/payment_request` with Idempotency-Key ({writes} in {:.1} s, {write_failures} not 200) | {writes_per_s:.0} | {:.2} |",
        write_time.as_secs_f64(),
        writes_per_s / tps
    );
    println!("| pgbench (TPC-B-like, same Postgres) | {tps:.0} | 1.00 |");
    assert_eq!((read_failures, write_failures), (0, 0), "every request answered 200");
    bench.finish().await;
}
