//! The order console with a million orders: page latency for the first page, a deep page, a
//! filtered listing and two searches — through the `console_orders` server function over HTTP,
//! and as the bare queries in-process — beside Postgres' own `EXPLAIN ANALYZE` execution time of
//! the same queries and a `SELECT 1` baseline measured in the same run.
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench console [-- ORDERS]
//!
//! ORDERS (default 1,000,000) orders are seeded into one shop (the worst case for a shop's
//! console) from 10,000 shoppers over a year, with a realistic mix of statuses and 10 % cash on
//! delivery. Seeding uses `INSERT … SELECT generate_series` with triggers off (the per-status
//! counts are then computed once); order lines are not seeded: the console never reads them.

mod common;

use std::time::{Duration, Instant};

use app::collection::{ConsoleFilter, Cursor};
use common::{Bench, percentile_ms};

/// Timed runs per case (`PAYDESK_BENCH_RUNS` overrides, for the quick mode CI runs).
fn runs() -> usize {
    std::env::var("PAYDESK_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

#[tokio::main]
async fn main() {
    let orders: i64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let runs = runs();
    let bench = Bench::start(8).await;
    let (shop_id, _) = bench.open_shop().await;
    let (_, _, merchant) = bench.call("sign_in", "email=m%40bench.test&password=correct+horse+battery".into(), None).await;
    let merchant = merchant.expect("the bench merchant signs in");

    let t = Instant::now();
    seed(&bench, shop_id, orders).await;
    println!("seeded {orders} orders in {:.1} s", t.elapsed().as_secs_f64());

    // The deep page starts after the order half-way down the listing (found once, untimed).
    let (deep_at, deep_id): (time::OffsetDateTime, i64) = sqlx::query_as(
        "SELECT created_at, id FROM orders WHERE shop_id = $1 AND status <> 'awaiting_payment'
         ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1",
    )
    .bind(shop_id)
    .bind(orders / 2)
    .fetch_one(&bench.pool)
    .await
    .unwrap();
    let deep = Cursor { awaiting: false, created_us: (deep_at.unix_timestamp_nanos() / 1000) as i64, id: deep_id };
    let month_ago = (time::OffsetDateTime::now_utc() - time::Duration::days(30)).date();
    let today = time::OffsetDateTime::now_utc().date();
    let filter = |status: &str, method: &str, from: String, to: String, q: &str| ConsoleFilter {
        status: status.into(),
        method: method.into(),
        from,
        to,
        q: q.into(),
        after_sales: String::new(),
    };
    let cases: Vec<(&str, ConsoleFilter, Option<Cursor>)> = vec![
        ("first page (awaiting payment first)", ConsoleFilter::default(), None),
        ("deep page (half-way down)", ConsoleFilter::default(), Some(deep)),
        ("filtered: completed, cash, last 30 days", filter("completed", "cash_on_delivery", month_ago.to_string(), today.to_string(), ""), None),
        ("search: shopper email", filter("", "", String::new(), String::new(), "b4242@bench.test"), None),
        ("search: order number", filter("", "", String::new(), String::new(), "PD-B-777777"), None),
    ];

    let select_one = bench.select_one(20, runs).await;
    let base = percentile_ms(&select_one, 0.5);

    println!();
    println!(
        "| console page, {orders} orders ({runs} runs)    | HTTP p50 | HTTP p99 | queries p50 | queries p99 | EXPLAIN ANALYZE p50 | rows | p50 / SELECT 1 |"
    );
    println!(
        "|---------------------------------------------|----------|----------|-------------|-------------|---------------------|------|----------------|"
    );
    println!(
        "| SELECT 1 (baseline)                         |          |          | {:>11.3} | {:>11.3} |                     |      | {:>14.1} |",
        base,
        percentile_ms(&select_one, 0.99),
        1.0
    );
    for (name, f, after) in cases {
        let q = f.parse().unwrap();
        let form = form_of(&f, after);
        let mut http = Vec::with_capacity(runs);
        let mut direct = Vec::with_capacity(runs);
        let mut explain = Vec::with_capacity(runs);
        let mut rows = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let (status, body, _) = bench.call("console_orders", form.clone(), Some(&merchant)).await;
            http.push(t.elapsed());
            assert_eq!(status, 200, "{body}");

            let t = Instant::now();
            let page = app::db::collection::console_page(&bench.pool, shop_id, &q, after, 26).await.unwrap();
            app::db::collection::status_counts(&bench.pool, shop_id).await.unwrap();
            direct.push(t.elapsed());
            rows = page.len().min(25);

            let ms = app::db::collection::explain_console_page(&bench.pool, shop_id, &q, after, 26).await.unwrap();
            explain.push(Duration::from_secs_f64(ms / 1000.0));
        }
        http.sort();
        direct.sort();
        explain.sort();
        println!(
            "| {name:<43} | {:>8.2} | {:>8.2} | {:>11.2} | {:>11.2} | {:>19.3} | {rows:>4} | {:>14.1} |",
            percentile_ms(&http, 0.5),
            percentile_ms(&http, 0.99),
            percentile_ms(&direct, 0.5),
            percentile_ms(&direct, 0.99),
            percentile_ms(&explain, 0.5),
            percentile_ms(&direct, 0.5) / base,
        );
    }
    println!("(HTTP: the whole server function over loopback, session check included; queries: the page and the");
    println!(" status counts in-process; EXPLAIN ANALYZE: Postgres' execution time of the page's queries.)");
    bench.finish().await;
}

fn form_of(f: &ConsoleFilter, after: Option<Cursor>) -> String {
    let enc = app::ui::url_encode;
    let mut form = format!(
        "filter[status]={}&filter[method]={}&filter[from]={}&filter[to]={}&filter[q]={}",
        enc(&f.status),
        enc(&f.method),
        enc(&f.from),
        enc(&f.to),
        enc(&f.q)
    );
    if let Some(c) = after {
        form.push_str(&format!("&after={}", c.encode()));
    }
    form
}

async fn seed(bench: &Bench, shop_id: i64, orders: i64) {
    let mut conn = bench.pool.acquire().await.unwrap();
    sqlx::query(
        "INSERT INTO users (email, password_hash, role) SELECT 'b' || g || '@bench.test', 'not-a-hash', 'shopper' FROM generate_series(1, 10000) g",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let first_shopper: i64 = sqlx::query_scalar("SELECT min(id) FROM users WHERE email LIKE 'b%@bench.test'").fetch_one(&mut *conn).await.unwrap();
    // Triggers (the status counts) and foreign-key checks off while a million rows go in.
    sqlx::query("SET session_replication_role = replica").execute(&mut *conn).await.unwrap();
    let batch = 100_000;
    let mut start = 1;
    while start <= orders {
        let end = (start + batch - 1).min(orders);
        sqlx::query(
            "INSERT INTO orders (number, shopper_id, shop_id, status, collection_method, currency, total_minor, ship_name, ship_phone,
                                 ship_line1, ship_city, ship_postcode, ship_country, payment_due_at, created_at, paid_at)
             SELECT 'PD-B-' || g, $1 + (g % 10000), $2,
                    s.status, CASE WHEN g % 10 = 0 OR g % 100 >= 97 THEN 'cash_on_delivery' ELSE 'online' END,
                    'USD', 999 + (g % 5000), 'Bench', '+15550100200', '1 Main St', 'Springfield', '12345', 'US',
                    t.at + interval '30 minutes', t.at,
                    CASE WHEN s.status IN ('paid', 'shipped', 'delivered', 'completed') THEN t.at + interval '5 minutes' END
             FROM generate_series($3::bigint, $4::bigint) g
             CROSS JOIN LATERAL (SELECT now() - (($5::bigint - g) * interval '1 year' / $5::bigint) AS at) t
             CROSS JOIN LATERAL (SELECT CASE
                 WHEN g > $5::bigint - ($5::bigint / 100) THEN 'awaiting_payment'
                 WHEN g % 100 < 60 THEN 'completed'
                 WHEN g % 100 < 75 THEN 'paid'
                 WHEN g % 100 < 85 THEN 'shipped'
                 WHEN g % 100 < 90 THEN 'delivered'
                 WHEN g % 100 < 97 THEN 'cancelled'
                 ELSE 'cod_to_ship' END AS status) s",
        )
        .bind(first_shopper)
        .bind(shop_id)
        .bind(start)
        .bind(end)
        .bind(orders)
        .execute(&mut *conn)
        .await
        .unwrap();
        start = end + 1;
    }
    sqlx::query("SET session_replication_role = DEFAULT").execute(&mut *conn).await.unwrap();
    // The counts are striped over slots (migration 20261125000011): recount into slot 0.
    sqlx::query("DELETE FROM shop_order_counts").execute(&mut *conn).await.unwrap();
    sqlx::query("INSERT INTO shop_order_counts (shop_id, status, slot, count) SELECT shop_id, status, 0, count(*) FROM orders GROUP BY 1, 2")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("ANALYZE orders").execute(&mut *conn).await.unwrap();
    sqlx::query("ANALYZE users").execute(&mut *conn).await.unwrap();
}
