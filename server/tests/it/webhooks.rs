//! Webhooks (issue 21): a local receiver started by each test gets the shop's events from the
//! live outbox, signed; failed tries are retried and logged; refusals stop; redelivery and test
//! events; ordering per order under quick changes and two senders; a sender that dies
//! mid-delivery loses nothing; endpoints are the shop's own; `GET /api/v1/events`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use axum::{Router, body::Bytes, http::HeaderMap, http::StatusCode, routing::post};
use backend::webhooks::Sender;
use domain::webhooks::WebhookSettings;
use serde_json::Value;
use sqlx::PgPool;

/// What the receiver got: (signature header, body), in arrival order.
type Received = Arc<Mutex<Vec<(String, Value)>>>;

/// A receiver on a free port answering each request with `answer(n)` (n counts from 0) after
/// `delay(n)`.
async fn receiver(
    answer: impl Fn(usize) -> u16 + Send + Sync + 'static,
    delay: impl Fn(usize) -> Duration + Send + Sync + 'static,
) -> (String, Received) {
    let got: Received = Arc::default();
    let answer = Arc::new(answer);
    let delay = Arc::new(delay);
    let seen = got.clone();
    let hook = post(move |headers: HeaderMap, body: Bytes| {
        let (seen, answer, delay) = (seen.clone(), answer.clone(), delay.clone());
        async move {
            let n = {
                let mut seen = seen.lock().unwrap();
                let signature = headers.get("paydesk-signature").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                seen.push((signature, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                seen.len() - 1
            };
            tokio::time::sleep(delay(n)).await;
            (StatusCode::from_u16(answer(n)).unwrap(), format!("answer {n}"))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, Router::new().route("/hook", hook)).await.unwrap() });
    (url, got)
}

fn quick() -> WebhookSettings {
    WebhookSettings {
        retry_base: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        timeout: Duration::from_secs(5),
        ..Default::default()
    }
}

/// Numbers committed outbox events (the live dispatcher's job in a running server), then fans
/// out and sends until nothing is due; repeated until `done` or 15 s pass.
async fn pump(pool: &PgPool, sender: &Sender, done: impl Fn() -> bool) {
    for _ in 0..300 {
        let mut conn = pool.acquire().await.unwrap();
        backend::db::live::dispatch(&mut conn).await.unwrap();
        drop(conn);
        sender.run_once(pool).await.unwrap();
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the receiver did not get what was expected in time");
}

async fn add_endpoint(app: &Router, merchant: &str, url: &str, types: &[&str]) -> (i64, String) {
    let mut form = format!("url={}", enc(url));
    for (i, t) in types.iter().enumerate() {
        form.push_str(&format!("&event_types[{i}]={t}"));
    }
    let made = call_as(app, "create_webhook_endpoint", &form, Some(merchant), HOME).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let json = made.json();
    (json["endpoint_id"].as_i64().unwrap(), json["secret"].as_str().unwrap().to_string())
}

fn verifies(secret: &str, signature: &str, body: &Value) -> bool {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    backend::provider::callback::verify(secret.as_bytes(), signature, body.to_string().as_bytes(), now).is_ok()
}

fn types_of(got: &Received) -> Vec<String> {
    got.lock().unwrap().iter().map(|(_, b)| b["type"].as_str().unwrap_or_default().to_string()).collect()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn signed_events_are_retried_until_delivered_and_each_try_is_logged(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "wh1", "4242424242424242").await;
    // Fails five times, then answers 200.
    let (url, got) = receiver(|n| if n < 5 { 500 } else { 200 }, |_| Duration::ZERO).await;
    let (_, secret) = add_endpoint(&app, &o.merchant, &url, &["order.paid", "order.shipped"]).await;
    let paid = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);

    let sender = Sender::new(quick());
    pump(&pool, &sender, || got.lock().unwrap().len() >= 6).await;
    let seen = got.lock().unwrap().clone();
    assert_eq!(seen.len(), 6, "five failures and one success, nothing more: {seen:?}");
    assert!(seen.iter().all(|(_, b)| b == &seen[0].1), "the same event each time");
    let event = &seen[0].1;
    assert_eq!((event["type"].as_str(), event["data"]["object"]["number"].as_str()), (Some("order.paid"), Some(o.number.as_str())));
    assert_eq!(event["data"]["object"]["total"]["amount_minor"], 2500);
    assert!(event["id"].as_str().unwrap().starts_with("evt_"));
    for (signature, body) in &seen {
        assert!(verifies(&secret, signature, body), "signed with the endpoint's secret: {signature}");
        assert!(!verifies("whsec_00000000000000000000000000000000", signature, body));
    }

    // The log shows every try; the list shows only the secret's start.
    let listed = call_as(&app, "webhook_endpoints", "", Some(&o.merchant), HOME).await.json();
    assert!(!listed.to_string().contains(&secret), "the list never carries the whole secret");
    assert_eq!(listed[0]["secret_hint"], format!("{}…", &secret[..10]));
    let delivery = &listed[0]["deliveries"][0];
    assert_eq!(delivery["state"], "delivered");
    let tries = delivery["attempts"].as_array().unwrap();
    let statuses: Vec<i64> = tries.iter().map(|a| a["response_status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [200, 500, 500, 500, 500, 500], "latest first");
    assert_eq!(tries[0]["response_start"], "answer 5");
    assert!(listed[0]["failing_since"].is_null(), "a success clears the endpoint's failing state");

    // Shipping comes next; an event type not asked for (order.created) was never sent.
    let shipped = call_as(
        &app,
        "merchant_order_action",
        &format!("number={}&action=ship&carrier=UPS&tracking=SF123456789CN", o.number),
        Some(&o.merchant),
        HOME,
    )
    .await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
    pump(&pool, &sender, || got.lock().unwrap().len() >= 7).await;
    assert_eq!(types_of(&got).last().map(String::as_str), Some("order.shipped"));
    assert!(!types_of(&got).iter().any(|t| t == "order.created"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn refusals_stop_redelivery_sends_again_and_failing_endpoints_turn_off(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "shop-wh2@example.com", "US").await;
    let refuse = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let r = refuse.clone();
    let (url, got) = receiver(move |_| if r.load(std::sync::atomic::Ordering::SeqCst) { 400 } else { 204 }, |_| Duration::ZERO).await;
    let (endpoint, secret) = add_endpoint(&app, &merchant, &url, &[]).await;
    let test = call_as(&app, "webhook_endpoint_action", &format!("endpoint_id={endpoint}&action=test"), Some(&merchant), HOME).await;
    assert_eq!(test.status, StatusCode::OK, "{}", test.body);

    let sender = Sender::new(quick());
    pump(&pool, &sender, || got.lock().unwrap().len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    sender.run_once(&pool).await.unwrap();
    assert_eq!(got.lock().unwrap().len(), 3, "a 400 is tried three times, then given up");
    let (signature, body) = got.lock().unwrap()[0].clone();
    assert_eq!(body["type"], "webhook.test");
    assert!(verifies(&secret, &signature, &body));
    let listed = call_as(&app, "webhook_endpoints", "", Some(&merchant), HOME).await.json();
    assert_eq!(listed[0]["deliveries"][0]["state"], "failed");
    assert!(!listed[0]["failing_since"].is_null());
    let delivery = listed[0]["deliveries"][0]["id"].as_i64().unwrap();

    // Redelivered by hand once the receiver is fixed.
    refuse.store(false, std::sync::atomic::Ordering::SeqCst);
    let again = call_as(&app, "redeliver_webhook", &format!("delivery_id={delivery}"), Some(&merchant), HOME).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    pump(&pool, &sender, || got.lock().unwrap().len() >= 4).await;
    let listed = call_as(&app, "webhook_endpoints", "", Some(&merchant), HOME).await.json();
    assert_eq!((listed[0]["deliveries"][0]["state"].as_str(), listed[0]["deliveries"][0]["manual"].as_bool()), (Some("delivered"), Some(true)));
    assert_eq!(got.lock().unwrap()[3].1, body, "the same event again");

    // Another shop's merchant can neither see nor touch this endpoint or its deliveries.
    let (other, _) = open_shop(&app, &pool, "shop-wh2b@example.com", "US").await;
    assert_eq!(call_as(&app, "webhook_endpoints", "", Some(&other), HOME).await.json(), serde_json::json!([]));
    for (f, form) in [
        ("redeliver_webhook", format!("delivery_id={delivery}")),
        ("webhook_endpoint_action", format!("endpoint_id={endpoint}&action=test")),
        ("webhook_endpoint_action", format!("endpoint_id={endpoint}&action=rotate")),
        ("webhook_endpoint_action", format!("endpoint_id={endpoint}&action=delete&confirm=yes")),
    ] {
        assert_eq!(call_as(&app, f, &form, Some(&other), HOME).await.status, StatusCode::NOT_FOUND, "{f} {form}");
    }

    // An endpoint failing for longer than allowed is turned off and its merchant told.
    refuse.store(true, std::sync::atomic::Ordering::SeqCst);
    call_as(&app, "webhook_endpoint_action", &format!("endpoint_id={endpoint}&action=test"), Some(&merchant), HOME).await;
    assert_eq!(got.lock().unwrap().len(), 4, "{:?}", got.lock().unwrap());
    let strict = Sender::new(WebhookSettings { disable_after: Duration::ZERO, ..quick() });
    pump(&pool, &strict, || got.lock().unwrap().len() >= 5).await;
    let listed = call_as(&app, "webhook_endpoints", "", Some(&merchant), HOME).await.json();
    assert_eq!(listed[0]["disabled_reason"], "failing", "{listed}");
    let told: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE kind = 'webhook_disabled' AND detail = $1")
        .bind(&url)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(told, 1);
    // A turned-off endpoint gets nothing until it is turned on again.
    call_as(&app, "webhook_endpoint_action", &format!("endpoint_id={endpoint}&action=test"), Some(&merchant), HOME).await;
    sender.run_once(&pool).await.unwrap();
    assert_eq!(got.lock().unwrap().len(), 5);
    refuse.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        call_as(&app, "webhook_endpoint_action", &format!("endpoint_id={endpoint}&action=on"), Some(&merchant), HOME).await.status,
        StatusCode::OK
    );
    pump(&pool, &sender, || got.lock().unwrap().len() >= 6).await;

    // Deleting asks first; then the endpoint and its log are gone.
    let delete = format!("endpoint_id={endpoint}&action=delete");
    assert_eq!(call_as(&app, "webhook_endpoint_action", &delete, Some(&merchant), HOME).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(call_as(&app, "webhook_endpoint_action", &format!("{delete}&confirm=yes"), Some(&merchant), HOME).await.status, StatusCode::OK);
    assert_eq!(call_as(&app, "webhook_endpoints", "", Some(&merchant), HOME).await.json(), serde_json::json!([]));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn fifty_quick_changes_of_one_order_arrive_in_order_through_two_senders(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "wh3", "4242424242424242").await;
    // Every third try fails, some answers are slow: retries and overtaking would show.
    let (url, got) = receiver(|n| if n % 3 == 1 { 503 } else { 200 }, |n| Duration::from_millis((n % 4) as u64 * 5)).await;
    add_endpoint(&app, &o.merchant, &url, &["order.shipped", "order.delivered"]).await;
    let order_id: i64 = sqlx::query_scalar("SELECT id FROM orders WHERE number = $1").bind(&o.number).fetch_one(&pool).await.unwrap();
    // 50 changes, each its own transaction, as fast as they come.
    let mut changes = Vec::new();
    for i in 0..50 {
        let pool = pool.clone();
        let event = if i % 2 == 0 { "shipped" } else { "delivered" };
        changes.push(tokio::spawn(async move {
            sqlx::query("INSERT INTO order_events (order_id, actor, event, from_status, to_status, detail) VALUES ($1, 'merchant', $2, 'paid', 'paid', jsonb_build_object('kind', 'test', 'n', $3::int))")
                .bind(order_id)
                .bind(event)
                .bind(i)
                .execute(&pool)
                .await
                .unwrap();
        }));
    }
    for c in changes {
        c.await.unwrap();
    }
    // Two senders (two server instances) share the work.
    let until_all_delivered = |pool: PgPool| async move {
        let sender = Sender::new(quick());
        for _ in 0..400 {
            let mut conn = pool.acquire().await.unwrap();
            backend::db::live::dispatch(&mut conn).await.unwrap();
            drop(conn);
            sender.run_once(&pool).await.unwrap();
            let delivered: i64 =
                sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'").fetch_one(&pool).await.unwrap();
            if delivered == 50 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        panic!("not every change was delivered");
    };
    tokio::join!(until_all_delivered(pool.clone()), until_all_delivered(pool.clone()));
    // The events as the receiver accepted them (a 503 does not count): each once, in order.
    let seen = got.lock().unwrap().clone();
    let accepted: Vec<i64> = seen
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 3 != 1)
        .map(|(_, (_, b))| b["id"].as_str().unwrap().trim_start_matches("evt_").parse().unwrap())
        .collect();
    assert_eq!(accepted.len(), 50, "{accepted:?}");
    assert!(accepted.windows(2).all(|w| w[0] < w[1]), "in the order they happened: {accepted:?}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_sender_that_dies_mid_delivery_loses_nothing(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "shop-wh4@example.com", "US").await;
    // The first request hangs (the sender is killed meanwhile); the rest are answered at once.
    let (url, got) = receiver(|_| 200, |n| if n == 0 { Duration::from_secs(30) } else { Duration::ZERO }).await;
    let (endpoint, _) = add_endpoint(&app, &merchant, &url, &[]).await;
    for _ in 0..5 {
        call_as(&app, "webhook_endpoint_action", &format!("endpoint_id={endpoint}&action=test"), Some(&merchant), HOME).await;
    }
    let settings = WebhookSettings { timeout: Duration::from_secs(2), ..quick() };
    let first = tokio::spawn(backend::webhooks::run(pool.clone(), settings));
    for _ in 0..500 {
        if !got.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The process dies mid-delivery: nothing is recorded of the tries in flight.
    first.abort();
    let _ = first.await;
    let before = got.lock().unwrap().len();
    assert!(before >= 1);
    // A new process: the tries in flight are made again once their lease runs out.
    let second = tokio::spawn(backend::webhooks::run(pool.clone(), WebhookSettings { timeout: Duration::from_secs(2), ..quick() }));
    for _ in 0..300 {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE state <> 'delivered'").fetch_one(&pool).await.unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    second.abort();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE state <> 'delivered'").fetch_one(&pool).await.unwrap();
    assert_eq!(left, 0, "every delivery made it");
    let ids: std::collections::BTreeSet<String> = got.lock().unwrap().iter().map(|(_, b)| b["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 5, "every event arrived, at least once");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn endpoints_are_checked_rotated_secrets_overlap_and_the_api_lists_events(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "wh5", "4242424242424242").await;
    // Bad addresses and types are refused per field.
    for (url, types, field, code) in [
        ("", "", "url", "required"),
        ("erp.example.com/hook", "", "url", "webhook_url_format"),
        ("https://erp.example.com/", "&event_types[0]=order.eaten", "event_types", "choose_from_list"),
    ] {
        let r = call_as(&app, "create_webhook_endpoint", &format!("url={}{types}", enc(url)), Some(&o.merchant), HOME).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {}", r.body);
        assert!(r.body.contains(field) && r.body.contains(code), "{url}: {}", r.body);
    }
    let production = WebhookSettings::production();
    let refused =
        backend::webhooks::create_endpoint(&pool, &merchant_user(&pool, o.shop_id).await, "http://erp.example.com/", &[], &production).await;
    assert!(format!("{refused:?}").contains("WebhookUrlNotHttps"), "{refused:?}");
    let refused = backend::webhooks::create_endpoint(&pool, &merchant_user(&pool, o.shop_id).await, "https://10.0.0.5/hook", &[], &production).await;
    assert!(format!("{refused:?}").contains("WebhookUrlPrivate"), "{refused:?}");

    // After a rotation both secrets sign, so a receiver on either verifies.
    let (url, got) = receiver(|_| 200, |_| Duration::ZERO).await;
    let (endpoint, old) = add_endpoint(&app, &o.merchant, &url, &[]).await;
    let rotated = call_as(&app, "webhook_endpoint_action", &format!("endpoint_id={endpoint}&action=rotate"), Some(&o.merchant), HOME).await;
    let new = rotated.json()["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let paid = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);
    let sender = Sender::new(quick());
    pump(&pool, &sender, || types_of(&got).iter().any(|t| t == "order.paid")).await;
    let (signature, body) = got.lock().unwrap().iter().find(|(_, b)| b["type"] == "order.paid").cloned().unwrap();
    assert!(verifies(&old, &signature, &body) && verifies(&new, &signature, &body), "{signature}");
    assert_eq!(signature.matches("v1=").count(), 2);

    // The API lists the same events, after an id.
    let key = call_as(&app, "create_api_key", "name=Events&scope=read", Some(&o.merchant), HOME).await.json()["key"].as_str().unwrap().to_string();
    let list = |after: String| {
        let (app, key) = (app.clone(), key.clone());
        async move {
            let request = axum::http::Request::get(format!("/api/v1/events?after={after}")).header("authorization", format!("Bearer {key}"));
            send(&app, request.body(axum::body::Body::empty()).unwrap()).await
        }
    };
    let all = list(String::new()).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let events = all.json()["data"].as_array().unwrap().clone();
    assert!(events.iter().any(|e| e["id"] == body["id"] && e["type"] == "order.paid"), "{events:?}");
    let last = events.last().unwrap()["id"].as_str().unwrap().to_string();
    assert_eq!(list(last).await.json()["data"], serde_json::json!([]));
    assert_eq!(list("nonsense".into()).await.json()["error"]["code"], "invalid_event_id");
    // Another shop's key sees none of them.
    let (other, _) = open_shop(&app, &pool, "shop-wh5b@example.com", "US").await;
    let other_key = call_as(&app, "create_api_key", "name=Other&scope=read", Some(&other), HOME).await.json()["key"].as_str().unwrap().to_string();
    let theirs = send(
        &app,
        axum::http::Request::get("/api/v1/events").header("authorization", format!("Bearer {other_key}")).body(axum::body::Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(theirs.json()["data"], serde_json::json!([]));
}

async fn merchant_user(pool: &PgPool, shop_id: i64) -> domain::accounts::CurrentUser {
    let (id, email): (i64, String) = sqlx::query_as("SELECT u.id, u.email FROM users u JOIN shops s ON s.merchant_id = u.id WHERE s.id = $1")
        .bind(shop_id)
        .fetch_one(pool)
        .await
        .unwrap();
    domain::accounts::CurrentUser { id, email: domain::accounts::Email::parse(&email).unwrap(), role: domain::accounts::Role::Merchant }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_try_that_outlived_its_lease_decides_nothing_and_odd_answers_are_kept_printable(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "shop-wh6@example.com", "US").await;
    // The receiver's answer carries a NUL byte and other control characters.
    let got: Received = Arc::default();
    let seen = got.clone();
    let hook = post(move |body: Bytes| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push((String::new(), serde_json::from_slice(&body).unwrap_or(Value::Null)));
            "ok\0\u{7} done"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, Router::new().route("/hook", hook)).await.unwrap() });
    let (endpoint, _) = add_endpoint(&app, &merchant, &url, &[]).await;
    call_as(&app, "webhook_endpoint_action", &format!("endpoint_id={endpoint}&action=test"), Some(&merchant), HOME).await;

    // A sender claims it, stalls past its lease; another takes it over.
    let stale = backend::db::webhooks::claim_due(&pool, 10, 1).await.unwrap().pop().unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let fresh = backend::db::webhooks::claim_due(&pool, 10, 60_000).await.unwrap().pop().unwrap();
    assert_eq!(stale.id, fresh.id);
    let mut tx = pool.begin().await.unwrap();
    let found = backend::db::webhooks::TryRecord { status: Some(200), response_start: "late", error: None, duration_ms: 1 };
    assert!(!backend::db::webhooks::record_try(&mut tx, &stale, &found, "delivered", 0, 1000).await.unwrap(), "the lease was lost");
    tx.commit().await.unwrap();
    let (state, leased): (String, bool) =
        sqlx::query_as("SELECT state, leased_until > now() FROM webhook_deliveries WHERE id = $1").bind(fresh.id).fetch_one(&pool).await.unwrap();
    assert_eq!((state.as_str(), leased), ("pending", true), "the new holder still decides");

    // The new holder's lease runs out too; a sender delivers it and keeps the answer printable.
    sqlx::query("UPDATE webhook_deliveries SET leased_until = now() - interval '1 second'").execute(&pool).await.unwrap();
    let sender = Sender::new(quick());
    pump(&pool, &sender, || !got.lock().unwrap().is_empty()).await;
    let listed = call_as(&app, "webhook_endpoints", "", Some(&merchant), HOME).await.json();
    let delivery = &listed[0]["deliveries"][0];
    assert_eq!(delivery["state"], "delivered", "{listed}");
    assert_eq!(delivery["attempts"][0]["response_start"], "ok done");
}
