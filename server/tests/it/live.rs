//! Live status through Postgres: two server instances on their own ports against one database;
//! a browser connected to one receives what happens on the other, only what it may see, and
//! after a reconnect what it missed.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use axum::http::StatusCode;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use leptos::server_fn::Bytes;
use sqlx::PgPool;

/// A server instance: the app on a loopback port with its own live hub and listener.
struct Instance {
    base: String,
    app: axum::Router,
}

async fn instance(pool: &PgPool) -> Instance {
    let hub = Arc::new(server::live::LiveHub::default());
    server::live::spawn_listener(pool.clone(), hub.clone());
    let app = app_with_hub(pool.clone(), hub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let served = app.clone();
    tokio::spawn(async move { axum::serve(listener, served.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap() });
    // Give the listener a moment to LISTEN before anything happens.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Instance { base, app }
}

/// One browser's event stream.
struct Stream {
    body: hyper::body::Incoming,
    buf: String,
}

#[derive(Debug)]
struct Sse {
    event: String,
    id: Option<i64>,
    data: String,
}

async fn open(base: &str, cookie: Option<&str>, last_event_id: Option<i64>) -> Result<Stream, StatusCode> {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut req = http::Request::get(format!("{base}/live")).header("accept", "text/event-stream");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id.to_string());
    }
    let res = client.request(req.body(Empty::new()).unwrap()).await.unwrap();
    if res.status() != StatusCode::OK {
        return Err(res.status());
    }
    Ok(Stream { body: res.into_body(), buf: String::new() })
}

impl Stream {
    /// The next event (comments skipped), or None if none comes within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut sse = Sse { event: "message".into(), id: None, data: String::new() };
                let mut any = false;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        sse.event = v.trim().into();
                        any = true;
                    } else if let Some(v) = line.strip_prefix("id:") {
                        sse.id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        sse.data.push_str(v.trim());
                        any = true;
                    }
                }
                if any {
                    return Some(sse);
                }
                continue;
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame()).await.ok()??.ok()?;
            if let Ok(data) = frame.into_data() {
                self.buf.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }

    /// Every event until `wait` passes without one.
    async fn drain(&mut self, wait: Duration) -> Vec<Sse> {
        let mut all = Vec::new();
        while let Some(e) = self.next(wait).await {
            all.push(e);
        }
        all
    }
}

fn json(sse: &Sse) -> serde_json::Value {
    serde_json::from_str(&sse.data).unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_event_caused_on_one_instance_reaches_a_browser_on_the_other(pool: PgPool) {
    let a = instance(&pool).await;
    let b = instance(&pool).await;
    let o = shop_order(&a.app, &pool, "live", "4242424242424242").await;
    let other = shop_order(&a.app, &pool, "bystander", "4242424242424242").await;

    // The shopper and the merchant watch on instance B; a shopper and a shop of another order too.
    let mut shopper = open(&b.base, Some(&o.shopper), None).await.unwrap();
    let mut merchant = open(&b.base, Some(&o.merchant), None).await.unwrap();
    let mut stranger = open(&b.base, Some(&other.shopper), None).await.unwrap();
    let mut other_shop = open(&b.base, Some(&other.merchant), None).await.unwrap();
    for s in [&mut shopper, &mut merchant, &mut stranger, &mut other_shop] {
        assert_eq!(s.next(Duration::from_secs(2)).await.unwrap().event, "hello");
    }

    // The merchant asks for payment on instance A: the shopper sees the order event and the
    // notification, the merchant the order event.
    let sent = call_as(&a.app, "merchant_order_action", &format!("number={}&action=request_payment", o.number), Some(&o.merchant), HOME).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let got = shopper.drain(Duration::from_millis(700)).await;
    assert_eq!(got.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(), ["order", "notification"], "{got:?}");
    assert_eq!(json(&got[0])["order_number"], o.number.as_str());
    assert_eq!(json(&got[0])["detail"]["event"], "payment_requested");
    assert_eq!(json(&got[1])["detail"]["notification"], "payment_requested");
    let got = merchant.drain(Duration::from_millis(300)).await;
    assert_eq!(got.len(), 1, "{got:?}");

    // The shopper pays on A: the merchant, on B, gets the order event and "payment received".
    let paid = call_as(&a.app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(paid.json()["status"], "succeeded");
    let got = merchant.drain(Duration::from_millis(700)).await;
    let kinds: Vec<_> =
        got.iter().map(|e| (e.event.clone(), json(e)["detail"]["status"].clone(), json(e)["detail"]["notification"].clone())).collect();
    assert_eq!(got.len(), 2, "{kinds:?}");
    assert_eq!(json(&got[0])["detail"]["status"], "paid");
    assert_eq!(json(&got[1])["detail"]["notification"], "payment_received");
    assert_eq!(json(&got[1])["detail"]["amount_minor"], 2500);
    assert!(got.iter().all(|e| e.id.is_some()));

    // Nobody else heard anything.
    assert!(stranger.drain(Duration::from_millis(300)).await.is_empty());
    assert!(other_shop.drain(Duration::from_millis(100)).await.is_empty());
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_reconnecting_browser_is_replayed_what_it_missed(pool: PgPool) {
    let a = instance(&pool).await;
    let o = shop_order(&a.app, &pool, "resume", "4242424242424242").await;
    let mut shopper = open(&a.base, Some(&o.shopper), None).await.unwrap();
    assert_eq!(shopper.next(Duration::from_secs(2)).await.unwrap().event, "hello");
    call_as(&a.app, "merchant_order_action", &format!("number={}&action=request_payment", o.number), Some(&o.merchant), HOME).await;
    let seen = shopper.drain(Duration::from_millis(700)).await;
    let last_seen = seen.last().and_then(|e| e.id).expect("an event with an id");
    drop(shopper);

    // While the browser is away: the request is withdrawn and sent again.
    for action in ["withdraw_request", "request_payment"] {
        let answer =
            call_as(&a.app, "merchant_order_action", &format!("number={}&action={action}&confirm=yes", o.number), Some(&o.merchant), HOME).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let mut again = open(&a.base, Some(&o.shopper), Some(last_seen)).await.unwrap();
    let mut replayed = again.drain(Duration::from_millis(500)).await;
    // Events get their delivery number a moment after commit: the last ones may come live,
    // just after "hello" — in order either way.
    let hello = replayed.iter().position(|e| e.event == "hello").expect("hello");
    replayed.remove(hello);
    let names: Vec<_> = replayed.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names, ["order", "notification", "order", "notification"], "{replayed:?}");
    assert!(replayed.windows(2).all(|w| w[0].id < w[1].id), "{replayed:?}");
    assert!(replayed[..4].iter().all(|e| e.id.unwrap() > last_seen));
    assert_eq!(json(&replayed[0])["detail"]["event"], "payment_request_withdrawn");
    assert_eq!(json(&replayed[2])["detail"]["event"], "payment_requested");

    // The same through `?last=` (a fresh EventSource) — and live events follow the replay.
    call_as(&a.app, "mark_notifications_read", "", Some(&o.shopper), HOME).await;
    let paid = call_as(&a.app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(paid.json()["status"], "succeeded");
    let live = again.drain(Duration::from_millis(700)).await;
    assert_eq!(live.len(), 1, "the shopper sees their order turn paid: {live:?}");
    assert_eq!(json(&live[0])["detail"]["status"], "paid");

    // A resume point from before anything retained: told to refresh.
    sqlx::query("DELETE FROM live_events WHERE seq <= $1").bind(last_seen + 2).execute(&pool).await.unwrap();
    let mut stale = open(&a.base, Some(&o.shopper), Some(1)).await.unwrap();
    let events = stale.drain(Duration::from_millis(300)).await;
    assert!(events.iter().any(|e| e.event == "refresh"), "{events:?}");
    assert_eq!(events.last().unwrap().event, "hello");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_live_channel_needs_a_session(pool: PgPool) {
    let a = instance(&pool).await;
    assert_eq!(open(&a.base, None, None).await.err(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(open(&a.base, Some("paydesk_session=forged"), None).await.err(), Some(StatusCode::UNAUTHORIZED));
}

/// Commits `count` notifications for `user_id` about `order_id` from `concurrency` concurrent
/// transactions that each linger a random moment before committing (so ids commit out of
/// order). Each carries its index in `amount_minor`; returns the instant each committed.
async fn commit_concurrently(pool: &PgPool, user_id: i64, order_id: i64, count: usize, concurrency: usize) -> Vec<std::time::Instant> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let committed = Arc::new(std::sync::Mutex::new(vec![None; count]));
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (pool, next, committed) = (pool.clone(), next.clone(), committed.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= count {
                        return;
                    }
                    let mut tx = pool.begin().await.unwrap();
                    sqlx::query(
                        "INSERT INTO notifications (user_id, kind, order_id, amount_minor, currency) VALUES ($1, 'payment_received', $2, $3, 'USD')",
                    )
                    .bind(user_id)
                    .bind(order_id)
                    .bind(i as i64 + 1)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                    sqlx::query("SELECT pg_sleep(random() * 0.004)").execute(&mut *tx).await.unwrap();
                    tx.commit().await.unwrap();
                    committed.lock().unwrap()[i] = Some(std::time::Instant::now());
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let committed = committed.lock().unwrap().clone();
    committed.into_iter().map(Option::unwrap).collect()
}

/// Reads a stream until it has `want` notifications or nothing comes for two seconds;
/// returns (id, tag, arrival) of each.
async fn collect(stream: &mut Stream, want: usize) -> Vec<(i64, i64, std::time::Instant)> {
    let mut got = Vec::new();
    while got.len() < want {
        let Some(e) = stream.next(Duration::from_secs(2)).await else { break };
        assert_ne!(e.event, "refresh", "a refresh means events were not delivered");
        if e.event == "notification" {
            got.push((e.id.unwrap(), json(&e)["detail"]["amount_minor"].as_i64().unwrap(), std::time::Instant::now()));
        }
    }
    got
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// Issue 13, part 5: event ids are taken at INSERT and become visible at COMMIT, so a reader
/// going by id skipped events that committed late. Hundreds of events for one user from many
/// concurrent transactions: every stored event reaches the browser, in order, once — on the
/// instance where they happen, on another one, and across a reconnect to another instance.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn no_event_is_lost_or_reordered_under_concurrent_commits(pool: PgPool) {
    let a = instance(&pool).await;
    let b = instance(&pool).await;
    let o = shop_order(&a.app, &pool, "burst", "4242424242424242").await;
    let (merchant_id, order_id): (i64, i64) =
        sqlx::query_as("SELECT s.merchant_id, o.id FROM orders o JOIN shops s ON s.id = o.shop_id WHERE o.number = $1")
            .bind(&o.number)
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut on_a = open(&a.base, Some(&o.merchant), None).await.unwrap();
    let mut on_b = open(&b.base, Some(&o.merchant), None).await.unwrap();
    for s in [&mut on_a, &mut on_b] {
        assert_eq!(s.next(Duration::from_secs(2)).await.unwrap().event, "hello");
    }

    const EVENTS: usize = 400;
    // Both browsers read while the events are committed (arrival times are real).
    let reading_a = tokio::spawn(async move { collect(&mut on_a, EVENTS).await });
    let reading_b = tokio::spawn(async move { collect(&mut on_b, EVENTS).await });
    let committed = commit_concurrently(&pool, merchant_id, order_id, EVENTS, 16).await;
    let got_a = reading_a.await.unwrap();
    let got_b = reading_b.await.unwrap();
    let stored: Vec<(i64, i64)> = sqlx::query_as("SELECT seq, detail FROM live_events WHERE user_id = $1 AND kind = 'notification' ORDER BY seq")
        .bind(merchant_id)
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .map(|(seq, detail): (i64, sqlx::types::Json<serde_json::Value>)| (seq, detail.0["amount_minor"].as_i64().unwrap()))
        .collect();
    assert_eq!(stored.len(), EVENTS);
    for (name, got) in [("instance A", &got_a), ("instance B", &got_b)] {
        let delivered: Vec<(i64, i64)> = got.iter().map(|(id, tag, _)| (*id, *tag)).collect();
        assert_eq!(delivered, stored, "{name}: delivered ≠ stored (lost {})", stored.len().saturating_sub(delivered.len()));
    }

    // Delivery latency after commit, next to a SELECT 1 round trip measured now.
    let mut latency: Vec<Duration> = got_a.iter().map(|(_, tag, at)| at.saturating_duration_since(committed[*tag as usize - 1])).collect();
    latency.sort();
    let mut ping = Vec::new();
    for _ in 0..200 {
        let t = std::time::Instant::now();
        sqlx::query("SELECT 1").execute(&pool).await.unwrap();
        ping.push(t.elapsed());
    }
    ping.sort();
    println!(
        "live: stored {} delivered A {} B {} lost 0; latency p50 {:?} p99 {:?}; SELECT 1 p50 {:?} p99 {:?}",
        stored.len(),
        got_a.len(),
        got_b.len(),
        percentile(&latency, 0.5),
        percentile(&latency, 0.99),
        percentile(&ping, 0.5),
        percentile(&ping, 0.99)
    );

    // A reconnect in the middle of a burst, to the other instance: the browser leaves A after
    // some events and resumes on B from the last one it saw. Nothing lost, nothing twice.
    let mut on_a = open(&a.base, Some(&o.merchant), None).await.unwrap();
    assert_eq!(on_a.next(Duration::from_secs(2)).await.unwrap().event, "hello");
    let burst = {
        let pool = pool.clone();
        tokio::spawn(async move { commit_concurrently(&pool, merchant_id, order_id, EVENTS, 16).await })
    };
    let before = collect(&mut on_a, EVENTS / 4).await;
    drop(on_a);
    let last = before.last().map(|(id, _, _)| *id).expect("events before the reconnect");
    let mut on_b = open(&b.base, Some(&o.merchant), Some(last)).await.unwrap();
    burst.await.unwrap();
    let after = collect(&mut on_b, EVENTS - before.len()).await;
    let mut tags: Vec<i64> = before.iter().chain(after.iter()).map(|(_, tag, _)| *tag).collect();
    let ids: Vec<i64> = before.iter().chain(after.iter()).map(|(id, _, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order, once");
    tags.sort();
    assert_eq!(tags, (1..=EVENTS as i64).collect::<Vec<_>>(), "every event of the burst, across the reconnect");
}

/// Issue 14, part 4: the merchant's qualification page follows the staff's decision live (and
/// the staff's queue a new submission).
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_qualification_decision_reaches_the_merchant_live(pool: PgPool) {
    let a = instance(&pool).await;
    let staff = signed_in_staff(&a.app, &pool).await;
    let merchant = signed_up(&a.app, "qualify-live@example.com", "merchant").await;
    let mut staff_stream = open(&a.base, Some(&staff), None).await.unwrap();
    let mut merchant_stream = open(&a.base, Some(&merchant), None).await.unwrap();
    for s in [&mut staff_stream, &mut merchant_stream] {
        assert_eq!(s.next(Duration::from_secs(2)).await.unwrap().event, "hello");
    }
    let submitted = call_as(&a.app, "submit_qualification", GOOD_DETAILS, Some(&merchant), HOME).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    let seen = staff_stream.drain(Duration::from_millis(700)).await;
    assert_eq!(seen.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(), ["qualification"], "{seen:?}");
    let merchant_id = submitted.json()["merchant_id"].as_i64().unwrap();
    let decided = call_as(&a.app, "decide_qualification", &format!("merchant_id={merchant_id}&decision=approve"), Some(&staff), HOME).await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    let seen = merchant_stream.drain(Duration::from_millis(700)).await;
    assert_eq!(seen.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(), ["qualification"], "{seen:?}");
    assert_eq!(json(&seen[0])["detail"]["event"], "approved");
}
