//! Statements and their CSV export for a shop with a million settled orders: one day's
//! statement through the `statement` server function, and the whole year's CSV through
//! `GET /merchant/statements.csv` (time to first byte, total time, lines, and the server
//! process' peak resident memory while it streams), next to Postgres' own `COPY … TO STDOUT`
//! of the same lines query and of the bare settlement rows, measured in the same run.
//!
//!     DATABASE_URL=postgres://… cargo bench -p server --bench statements [-- ORDERS]
//!
//! ORDERS (default 1,000,000) delivered orders, settled over the last year, are seeded into one
//! shop with their settlement records and balanced ledger transactions (`INSERT … SELECT
//! generate_series`, triggers off while they go in).

mod common;

use std::time::{Duration, Instant};

use common::{Bench, rss_mb};
use futures::StreamExt;
use http_body_util::{BodyExt, Full};
use leptos::server_fn::Bytes;

#[tokio::main]
async fn main() {
    let orders: i64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let bench = Bench::start(8).await;
    let (shop_id, _) = bench.open_shop().await;
    let (_, _, merchant) = bench.call("sign_in", "email=m%40bench.test&password=correct+horse+battery".into(), None).await;
    let merchant = merchant.expect("the bench merchant signs in");

    let t = Instant::now();
    seed(&bench, shop_id, orders).await;
    println!("seeded {orders} settled orders in {:.1} s", t.elapsed().as_secs_f64());

    let today = time::OffsetDateTime::now_utc().date();
    let from = today - time::Duration::days(366);
    let busiest: time::Date = sqlx::query_scalar(
        "SELECT (settled_at AT TIME ZONE 'UTC')::date FROM settlements WHERE shop_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    )
    .bind(shop_id)
    .fetch_one(&bench.pool)
    .await
    .unwrap();

    // One day's statement, through the server function (a few runs, the median).
    let mut day_times = Vec::new();
    let mut day_lines = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let (status, body, _) = bench.call("statement", format!("day={busiest}"), Some(&merchant)).await;
        day_times.push(t.elapsed());
        assert_eq!(status, 200, "{body}");
        day_lines = serde_json::from_str::<serde_json::Value>(&body).unwrap()["lines"].as_array().unwrap().len();
    }
    day_times.sort();

    // The year's CSV over HTTP, with the process' memory sampled while it streams.
    let rss_before = rss_mb();
    let peak = std::sync::Arc::new(std::sync::Mutex::new(rss_before));
    let sampling = tokio::spawn({
        let peak = peak.clone();
        async move {
            loop {
                let now = rss_mb();
                {
                    let mut p = peak.lock().unwrap();
                    *p = p.max(now);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });
    let t = Instant::now();
    let request = http::Request::get(format!("{}/merchant/statements.csv?from={from}&to={today}", bench.base))
        .header("cookie", &merchant)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = bench.http.request(request).await.expect("the server answers");
    assert_eq!(response.status(), 200);
    let announced: i64 = response.headers().get("paydesk-lines").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(-1);
    let mut body = response.into_body();
    let (mut first, mut bytes, mut newlines) = (None, 0usize, 0usize);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("the export streams").into_data() {
            bytes += data.len();
            newlines += data.iter().filter(|b| **b == b'\n').count();
            // The first statement line (not the header, which is sent before any query runs).
            if newlines >= 2 {
                first.get_or_insert_with(|| t.elapsed());
            }
        }
    }
    let http_total = t.elapsed();
    sampling.abort();
    let rss_peak = *peak.lock().unwrap();
    assert_eq!(newlines as i64, announced + 1, "the header line and one line per statement line");

    // Postgres alone: COPY of the same lines query, and of the bare settlement rows.
    let (start, end) = (from.midnight().assume_utc(), (today + time::Duration::days(1)).midnight().assume_utc());
    let lines_sql = backend::db::settlement::LINES
        .replace("$1", &shop_id.to_string())
        .replace("$2", "'USD'")
        .replace("$3", &format!("'{start}'::timestamptz"))
        .replace("$4", &format!("'{end}'::timestamptz"))
        .replace("$5", "0");
    let copy_lines = copy(&bench, &format!("COPY ({lines_sql}) TO STDOUT WITH (FORMAT csv)")).await;
    let copy_rows =
        copy(&bench, &format!("COPY (SELECT * FROM settlements WHERE shop_id = {shop_id} ORDER BY settled_at, id) TO STDOUT WITH (FORMAT csv)"))
            .await;

    println!();
    println!(
        "| statements, {orders} settled orders                 | first line ms | total ms | lines     | MB    | server peak RSS MB | total / COPY lines |"
    );
    println!(
        "|----------------------------------------------------|---------------|----------|-----------|-------|--------------------|--------------------|"
    );
    println!(
        "| COPY (lines query) TO STDOUT (baseline)            | {:>13.1} | {:>8.0} | {:>9} | {:>5.1} |                    | {:>18.2} |",
        ms(copy_lines.0),
        ms(copy_lines.1),
        copy_lines.2,
        copy_lines.3 as f64 / 1e6,
        1.0
    );
    println!(
        "| COPY (settlements rows) TO STDOUT                  | {:>13.1} | {:>8.0} | {:>9} | {:>5.1} |                    | {:>18.2} |",
        ms(copy_rows.0),
        ms(copy_rows.1),
        copy_rows.2,
        copy_rows.3 as f64 / 1e6,
        ms(copy_rows.1) / ms(copy_lines.1)
    );
    println!(
        "| GET /merchant/statements.csv (a year, streamed)    | {:>13.1} | {:>8.0} | {:>9} | {:>5.1} | {:>5.0} (from {:>4.0}) | {:>18.2} |",
        ms(first.unwrap_or_default()),
        ms(http_total),
        newlines - 1,
        bytes as f64 / 1e6,
        rss_peak,
        rss_before,
        ms(http_total) / ms(copy_lines.1)
    );
    println!(
        "| statement of the busiest day (server fn, median)   |               | {:>8.0} | {:>9} |       |                    |                    |",
        ms(day_times[day_times.len() / 2]),
        day_lines
    );
    bench.finish().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs a `COPY … TO STDOUT`: (first byte, total, lines, bytes).
async fn copy(bench: &Bench, sql: &str) -> (Duration, Duration, usize, usize) {
    let mut conn = bench.pool.acquire().await.unwrap();
    let t = Instant::now();
    let mut out = conn.copy_out_raw(sql).await.expect("COPY runs");
    let (mut first, mut bytes, mut lines) = (None, 0, 0);
    while let Some(chunk) = out.next().await {
        let chunk = chunk.unwrap();
        first.get_or_insert_with(|| t.elapsed());
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    (first.unwrap_or_default(), t.elapsed(), lines, bytes)
}

/// A million delivered orders over the last year, each settled a week after delivery: orders,
/// settlement records, and each settlement's balanced ledger transaction (pending → revenue and
/// available), in batches, with triggers and foreign-key checks off while they go in.
async fn seed(bench: &Bench, shop_id: i64, orders: i64) {
    let mut conn = bench.pool.acquire().await.unwrap();
    sqlx::query(
        "INSERT INTO users (email, password_hash, role) SELECT 'b' || g || '@bench.test', 'not-a-hash', 'shopper' FROM generate_series(1, 1000) g",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let first_shopper: i64 = sqlx::query_scalar("SELECT min(id) FROM users WHERE email LIKE 'b%@bench.test'").fetch_one(&mut *conn).await.unwrap();
    sqlx::query(
        "INSERT INTO ledger_accounts (kind, owner_id, currency) VALUES ('merchant_pending', $1, 'USD'), ('merchant_available', $1, 'USD'),
         ('platform_revenue', NULL, 'USD') ON CONFLICT DO NOTHING",
    )
    .bind(shop_id)
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query("SET session_replication_role = replica").execute(&mut *conn).await.unwrap();
    let batch = 100_000;
    let mut start = 1;
    while start <= orders {
        let end = (start + batch - 1).min(orders);
        sqlx::query(
            // Orders delivered over the past year (the newest nine days ago).
            "INSERT INTO orders (number, shopper_id, shop_id, status, collection_method, currency, total_minor, ship_name, ship_phone,
                                 ship_line1, ship_city, ship_postcode, ship_country, payment_due_at, created_at, paid_at, delivered_at)
             SELECT 'PD-S-' || g, $1 + (g % 1000), $2, 'completed', 'online', 'USD', 999 + (g % 5000), 'Bench', '+15550100200',
                    '1 Main St', 'Springfield', '12345', 'US', t.at, t.at, t.at, t.at + interval '2 days'
             FROM generate_series($3::bigint, $4::bigint) g
             CROSS JOIN LATERAL (SELECT now() - interval '9 days' - (($5::bigint - g) * interval '1 year' / $5::bigint) AS at) t",
        )
        .bind(first_shopper)
        .bind(shop_id)
        .bind(start)
        .bind(end)
        .bind(orders)
        .execute(&mut *conn)
        .await
        .unwrap();
        for sql in [
            // Each settled a week after delivery, 2 % commission rounded half up.
            "INSERT INTO settlements (order_id, shop_id, currency, cash, gross_minor, refunded_minor, commission_minor, reserve_minor, net_minor,
                                      settled_at)
             SELECT o.id, o.shop_id, 'USD', false, o.total_minor, 0, c.commission, 0, o.total_minor - c.commission,
                    o.delivered_at + interval '7 days'
             FROM orders o CROSS JOIN LATERAL (SELECT (o.total_minor * 200 + 5000) / 10000 AS commission) c
             WHERE o.shop_id = $1 AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.order_id = o.id)",
            "INSERT INTO ledger_transactions (kind, order_id, settlement_id, booked_at)
             SELECT 'settlement', s.order_id, s.id, s.settled_at FROM settlements s
             WHERE s.shop_id = $1 AND NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.settlement_id = s.id)",
            "INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency)
             SELECT t.id, a.id, CASE a.kind WHEN 'merchant_pending' THEN -s.gross_minor WHEN 'platform_revenue' THEN s.commission_minor
                                            ELSE s.net_minor END, 'USD'
             FROM ledger_transactions t JOIN settlements s ON s.id = t.settlement_id
             JOIN ledger_accounts a ON a.currency = 'USD' AND (a.owner_id = $1 AND a.kind IN ('merchant_pending', 'merchant_available')
                                                               OR a.kind = 'platform_revenue')
             WHERE s.shop_id = $1 AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id)",
        ] {
            sqlx::query(sql).bind(shop_id).execute(&mut *conn).await.unwrap();
        }
        start = end + 1;
    }
    sqlx::query("SET session_replication_role = DEFAULT").execute(&mut *conn).await.unwrap();
    sqlx::query("ANALYZE").execute(&mut *conn).await.unwrap();
}
