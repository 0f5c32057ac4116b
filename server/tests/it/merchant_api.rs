//! The merchant API (`/api/v1`, issue 21): keys created in the console, bearer authentication,
//! the per-key rate window, the request log, shop isolation, read-only keys, and
//! Idempotency-Key with Stripe's rules — also under concurrent same-key requests.

use crate::common::*;
use axum::{Router, body::Body, http::Request, http::StatusCode};
use sqlx::PgPool;

async fn create_key(app: &Router, merchant: &str, name: &str, scope: &str) -> (String, i64) {
    let answer = call_as(app, "create_api_key", &format!("name={}&scope={scope}", enc(name)), Some(merchant), HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let json = answer.json();
    (json["key"].as_str().unwrap().to_string(), json["view"]["id"].as_i64().unwrap())
}

async fn api(app: &Router, method: &str, path: &str, key: Option<&str>, idempotency: Option<&str>, body: &str) -> Answer {
    let mut request = Request::builder().method(method).uri(format!("/api/v1{path}")).header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    if let Some(k) = idempotency {
        request = request.header("idempotency-key", k);
    }
    send(app, request.body(Body::from(body.to_string())).unwrap()).await
}

/// A shop with one paid order (25.00 USD): the order, and a read-write key of its shop.
async fn paid_order_and_key(app: &Router, pool: &PgPool, tag: &str) -> (ShopOrder, String) {
    let o = shop_order(app, pool, tag, "4242424242424242").await;
    let paid = call_as(app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);
    let (key, _) = create_key(app, &o.merchant, "Warehouse", "read_write").await;
    (o, key)
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_key_reads_its_shops_orders_is_counted_logged_and_revoked_at_once(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "k1", "4242424242424242").await;
    let (key, key_id) = create_key(&app, &o.merchant, "ERP sync", "read").await;
    assert!(key.starts_with("pdk_") && key.len() == 45, "{key}");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_hash FROM api_keys").fetch_one(&pool).await.unwrap();
    assert_ne!(stored, key.as_bytes(), "only a hash is kept");
    let listed = call_as(&app, "api_keys", "", Some(&o.merchant), HOME).await.json();
    assert_eq!(listed[0][0]["prefix"], &key[..12]);
    assert!(!listed.to_string().contains(&key), "the list never shows the secret");

    let orders = api(&app, "GET", "/orders", Some(&key), None, "").await;
    assert_eq!(orders.status, StatusCode::OK, "{}", orders.body);
    assert_eq!(orders.json()["data"][0]["number"], o.number.as_str());
    assert_eq!(orders.headers.get("ratelimit-limit").unwrap(), "120");
    assert_eq!(orders.headers.get("ratelimit-remaining").unwrap(), "119");
    let one = api(&app, "GET", &format!("/orders/{}", o.number), Some(&key), None, "").await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.json()["order"]["lines"][0]["quantity"], 1);
    assert_eq!(api(&app, "GET", "/balances", Some(&key), None, "").await.json()["data"][0]["currency"], "USD");

    // Refusals are error objects with a code.
    let missing = api(&app, "GET", "/orders", None, None, "").await;
    assert_eq!((missing.status, missing.json()["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("missing_key")));
    let forged = format!("{}{}", &key[..13], "x".repeat(32));
    assert_eq!(api(&app, "GET", "/orders", Some(&forged), None, "").await.json()["error"]["code"], "invalid_key");
    let bad = api(&app, "GET", "/orders?status=lost", Some(&key), None, "").await;
    assert_eq!((bad.status, bad.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));
    assert_eq!(api(&app, "GET", "/nothing", Some(&key), None, "").await.status, StatusCode::NOT_FOUND);

    // The owner sees the requests; a revoked key is refused from the next request on.
    let log = call_as(&app, "api_keys", "", Some(&o.merchant), HOME).await.json();
    assert!(log[1].as_array().unwrap().iter().any(|r| r["route"] == "/api/v1/orders/{number}" && r["status"] == 200), "{log}");
    assert_eq!(listed[0][0]["last_used_at"], serde_json::Value::Null);
    assert!(!call_as(&app, "api_keys", "", Some(&o.merchant), HOME).await.json()[0][0]["last_used_at"].is_null());
    let unconfirmed = call_as(&app, "revoke_api_key", &format!("key_id={key_id}"), Some(&o.merchant), HOME).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(call_as(&app, "revoke_api_key", &format!("key_id={key_id}&confirm=yes"), Some(&o.merchant), HOME).await.status, StatusCode::OK);
    assert_eq!(api(&app, "GET", "/orders", Some(&key), None, "").await.status, StatusCode::UNAUTHORIZED);

    // Bad names are explained; a shopper has no keys.
    let unnamed = call_as(&app, "create_api_key", "name=&scope=admin", Some(&o.merchant), HOME).await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(call_as(&app, "create_api_key", "name=x&scope=read", Some(&o.shopper), HOME).await.status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_key_of_shop_a_never_sees_or_changes_shop_b_and_a_read_only_key_cannot_write(pool: PgPool) {
    let app = app(pool.clone());
    let (a, a_key) = paid_order_and_key(&app, &pool, "ka").await;
    let (b, _) = paid_order_and_key(&app, &pool, "kb").await;
    assert_eq!(api(&app, "GET", &format!("/orders/{}", b.number), Some(&a_key), None, "").await.status, StatusCode::NOT_FOUND);
    let ship = api(&app, "POST", &format!("/orders/{}/ship", b.number), Some(&a_key), Some("k-1"), r#"{"carrier":"SF","tracking":"SF1"}"#).await;
    assert_eq!(ship.status, StatusCode::NOT_FOUND, "{}", ship.body);
    assert_eq!(order_status(&pool, &b.number).await, "paid");
    let listed = api(&app, "GET", "/orders", Some(&a_key), None, "").await.json();
    assert!(listed["data"].as_array().unwrap().iter().all(|o| o["number"] != b.number.as_str()));

    let (read_only, _) = create_key(&app, &a.merchant, "Reports", "read").await;
    let refused =
        api(&app, "POST", &format!("/orders/{}/ship", a.number), Some(&read_only), Some("k-2"), r#"{"carrier":"SF","tracking":"SF1"}"#).await;
    assert_eq!((refused.status, refused.json()["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("read_only_key")));
    assert_eq!(order_status(&pool, &a.number).await, "paid");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn idempotency_keys_replay_refuse_other_parameters_and_run_once_under_concurrency(pool: PgPool) {
    let app = app(pool.clone());
    let (o, key) = paid_order_and_key(&app, &pool, "idem").await;
    let path = format!("/orders/{}/ship", o.number);
    let body = r#"{"carrier":"SF Express","tracking":"SF123"}"#;

    assert_eq!(api(&app, "POST", &path, Some(&key), None, body).await.json()["error"]["code"], "idempotency_key_missing");
    let invalid = api(&app, "POST", &path, Some(&key), Some("bad-input"), r#"{"carrier":"","tracking":""}"#).await;
    assert_eq!((invalid.status, invalid.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("carrier")));
    assert_eq!(
        api(&app, "POST", &path, Some(&key), Some("bad-input"), r#"{"carrier":"","tracking":""}"#).await.body,
        invalid.body,
        "a refusal is replayed too"
    );

    // Eight at once with the same key: one ships, the others get its answer or "still running".
    let tries = (0..8).map(|_| {
        let (app, key, path) = (app.clone(), key.clone(), path.clone());
        tokio::spawn(async move { api(&app, "POST", &path, Some(&key), Some("ship-1"), body).await })
    });
    let answers: Vec<Answer> = futures::future::join_all(tries).await.into_iter().map(Result::unwrap).collect();
    assert!(
        answers.iter().all(|a| a.status == StatusCode::OK || a.status == StatusCode::CONFLICT),
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    assert!(answers.iter().any(|a| a.status == StatusCode::OK));
    let shipped: i64 =
        sqlx::query_scalar("SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.number = $1 AND e.event = 'shipped'")
            .bind(&o.number)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(shipped, 1, "shipped once");

    let first = answers.iter().find(|a| a.status == StatusCode::OK).unwrap();
    let again = api(&app, "POST", &path, Some(&key), Some("ship-1"), body).await;
    assert_eq!((again.status, again.json()), (StatusCode::OK, first.json()));
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    let other = api(&app, "POST", &path, Some(&key), Some("ship-1"), r#"{"carrier":"DHL","tracking":"D1"}"#).await;
    assert_eq!((other.status, other.json()["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")));
    // A new key on a shipped order: the domain's refusal, as an error object.
    let late = api(&app, "POST", &path, Some(&key), Some("ship-2"), body).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    let delivered = api(&app, "POST", &format!("/orders/{}/deliver", o.number), Some(&key), Some("deliver-1"), "").await;
    assert_eq!(delivered.json()["order"]["summary"]["status"], "delivered", "{}", delivered.body);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_key_past_its_minute_limit_is_told_when_to_come_back(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "rate", "4242424242424242").await;
    let (key, key_id) = create_key(&app, &o.merchant, "Busy", "read").await;
    sqlx::query("INSERT INTO api_rate (key_id, window_start, count) VALUES ($1, date_trunc('minute', now()), 120)")
        .bind(key_id)
        .execute(&pool)
        .await
        .unwrap();
    let limited = api(&app, "GET", "/orders", Some(&key), None, "").await;
    if limited.status == StatusCode::OK {
        // The minute turned between the insert and the request: a fresh window, as it should.
        assert_eq!(limited.headers.get("ratelimit-remaining").unwrap(), "119");
        return;
    }
    assert_eq!((limited.status, limited.json()["error"]["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    let retry: i64 = limited.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(limited.headers.get("ratelimit-remaining").unwrap(), "0");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn payment_requests_refunds_settlements_statements_and_payouts_over_the_api(pool: PgPool) {
    let app = app(pool.clone());
    // An unpaid order: asked to be paid by a deadline, then the request withdrawn.
    let unpaid = shop_order(&app, &pool, "pr", "4242424242424242").await;
    let (key, _) = create_key(&app, &unpaid.merchant, "ERP", "read_write").await;
    let path = format!("/orders/{}/payment_request", unpaid.number);
    let bad = api(&app, "POST", &path, Some(&key), Some("req-0"), r#"{"minutes": 1}"#).await;
    assert_eq!((bad.status, bad.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("minutes")), "{}", bad.body);
    let asked = api(&app, "POST", &path, Some(&key), Some("req-1"), r#"{"minutes": 90}"#).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let withdrawn = api(&app, "POST", &format!("{path}/withdraw"), Some(&key), Some("req-2"), "").await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.body);
    let events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.number = $1 AND e.event IN ('payment_requested', 'payment_request_withdrawn')",
    )
    .bind(&unpaid.number)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(events >= 1, "the request and its withdrawal are on the order");

    // A paid order refunded in part through the API: the key is the refund's too.
    let (o, key) = paid_order_and_key(&app, &pool, "rf").await;
    let refunds = format!("/orders/{}/refunds", o.number);
    let body = r#"{"amount": "5.00", "reason": "Box arrived dented"}"#;
    let made = api(&app, "POST", &refunds, Some(&key), Some("refund-1"), body).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let refund = made.json()["refund"].clone();
    assert_eq!((refund["amount"]["minor"].as_i64(), refund["reason"].as_str()), (Some(500), Some("Box arrived dented")), "{refund}");
    let again = api(&app, "POST", &refunds, Some(&key), Some("refund-1"), body).await;
    assert_eq!(again.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    let too_much = api(&app, "POST", &refunds, Some(&key), Some("refund-2"), r#"{"amount": "99.00", "reason": "All of it"}"#).await;
    assert_eq!(
        (too_much.status, too_much.json()["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("refund_exceeds_paid")),
        "{}",
        too_much.body
    );
    let listed = api(&app, "GET", &refunds, Some(&key), None, "").await.json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "refunded once: {listed}");
    let id = refund["id"].as_i64().unwrap();
    assert_eq!(api(&app, "GET", &format!("{refunds}/{id}"), Some(&key), None, "").await.json()["refund"]["id"], id);
    assert_eq!(api(&app, "GET", &format!("{refunds}/{}", id + 1000), Some(&key), None, "").await.status, StatusCode::NOT_FOUND);

    // Another shop's key sees nothing of it; a read-only key cannot refund.
    let (other, other_key) = paid_order_and_key(&app, &pool, "rf-other").await;
    assert_eq!(api(&app, "GET", &refunds, Some(&other_key), None, "").await.status, StatusCode::NOT_FOUND);
    assert_eq!(api(&app, "POST", &refunds, Some(&other_key), Some("x-1"), body).await.status, StatusCode::NOT_FOUND);
    let (read_only, _) = create_key(&app, &o.merchant, "Reports", "read").await;
    assert_eq!(api(&app, "POST", &refunds, Some(&read_only), Some("x-2"), body).await.status, StatusCode::FORBIDDEN);
    assert_eq!(api(&app, "GET", &format!("/orders/{}/refunds", other.number), Some(&key), None, "").await.status, StatusCode::NOT_FOUND);

    // Settlements, a day's statement, payouts.
    let settled = api(&app, "GET", "/settlements", Some(&key), None, "").await;
    assert_eq!((settled.status, settled.json()["data"].clone()), (StatusCode::OK, serde_json::json!([])));
    let today = time::OffsetDateTime::now_utc().date();
    let statement = api(&app, "GET", &format!("/statements/{today}"), Some(&key), None, "").await;
    assert_eq!(statement.status, StatusCode::OK, "{}", statement.body);
    assert_eq!(statement.json()["statement"]["currency"], "USD");
    assert_eq!(api(&app, "GET", "/statements/yesterday", Some(&key), None, "").await.json()["error"]["code"], "date_format");
    assert_eq!(api(&app, "GET", "/payouts/1", Some(&key), None, "").await.status, StatusCode::NOT_FOUND);
}
