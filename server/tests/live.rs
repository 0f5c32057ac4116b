//! Live status through Postgres: two server instances on their own ports against one database;
//! a browser connected to one receives what happens on the other, only what it may see, and
//! after a reconnect what it missed.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
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
    let kinds: Vec<_> = got.iter().map(|e| (e.event.clone(), json(e)["detail"]["status"].clone(), json(e)["detail"]["notification"].clone())).collect();
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
        let answer = call_as(&a.app, "merchant_order_action", &format!("number={}&action={action}", o.number), Some(&o.merchant), HOME).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let mut again = open(&a.base, Some(&o.shopper), Some(last_seen)).await.unwrap();
    let replayed = again.drain(Duration::from_millis(500)).await;
    let names: Vec<_> = replayed.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names, ["order", "notification", "order", "notification", "hello"], "{replayed:?}");
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
    sqlx::query("DELETE FROM live_events WHERE id <= $1").bind(last_seen + 2).execute(&pool).await.unwrap();
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
