//! The shopper pays: every sandbox outcome end to end, idempotency, no double charge under
//! concurrency, refusals that write nothing, callbacks and the reconciler — with the ledger
//! checked after each.

use crate::common::*;
use axum::http::StatusCode;
use sqlx::PgPool;

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_successful_payment_makes_the_order_paid_and_posts_the_ledger(pool: PgPool) {
    let app = app(pool.clone());
    let (shopper, number, method) = order_to_pay(&app, &pool, "ok", "4242424242424242").await;
    let paid = call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    assert_eq!(paid.json()["status"], "succeeded");
    assert_eq!(order_status(&pool, &number).await, "paid");
    assert_eq!(count(&pool, "ledger_transactions").await, 1);
    assert_eq!(count(&pool, "ledger_entries").await, 4);
    let order = call_as(&app, "order_detail", &format!("number={number}"), Some(&shopper), HOME).await.json();
    assert_eq!(order["events"][1]["event"], "paid");
    assert_ledger_consistent(&pool).await;

    // Paying again is refused: already paid.
    let again = call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.said().contains("already paid"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn declines_explain_themselves_and_another_method_can_pay(pool: PgPool) {
    let app = app(pool.clone());
    for (tag, card, reason) in
        [("d1", "4000000000000002", "card_declined"), ("d2", "4000000000009995", "insufficient_funds"), ("d3", "4000000000000069", "expired_card")]
    {
        let (shopper, number, method) = order_to_pay(&app, &pool, tag, card).await;
        let answer = call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.json()["status"], "failed");
        assert_eq!(answer.json()["reason"], reason, "{}", answer.body);
        let stored: String =
            sqlx::query_scalar("SELECT failure_reason FROM payment_attempts ORDER BY id DESC LIMIT 1").fetch_one(&pool).await.unwrap();
        assert_eq!(stored, reason, "kept as a code, worded by each reader's page");
        assert_eq!(order_status(&pool, &number).await, "awaiting_payment");

        // A second method then pays.
        let good = call_as(
            &app,
            "bind_card",
            "card[kind]=credit_card&card[number]=5555555555554444&card[expiry]=12%2F30&card[cvc]=123&card[holder]=P",
            Some(&shopper),
            HOME,
        )
        .await;
        let good = good.json()["id"].as_i64().unwrap();
        let paid = call_as(&app, "pay_order", &pay_form(&number, good, &new_key()), Some(&shopper), HOME).await;
        assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);
        assert_eq!(order_status(&pool, &number).await, "paid");
    }
    assert_eq!(count(&pool, "ledger_transactions").await, 3);
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_verification_instrument_asks_for_the_code(pool: PgPool) {
    let app = app(pool.clone());
    let (shopper, number, method) = order_to_pay(&app, &pool, "v", "4000000000003220").await;
    let first = call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await.json();
    assert_eq!(first["status"], "requires_verification");
    let code = first["sandbox_code"].as_str().unwrap().to_string();
    let attempt = first["attempt_id"].as_i64().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={wrong}"), Some(&shopper), HOME).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.said().contains("not correct"));
    // Another shopper cannot answer it.
    let other = signed_up(&app, "nosy@example.com", "shopper").await;
    assert_eq!(call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={code}"), Some(&other), HOME).await.status, StatusCode::NOT_FOUND);
    assert_eq!(order_status(&pool, &number).await, "awaiting_payment");

    let ok = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={code}"), Some(&shopper), HOME).await;
    assert_eq!(ok.json()["status"], "succeeded", "{}", ok.body);
    assert_eq!(order_status(&pool, &number).await, "paid");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_same_key_is_one_charge(pool: PgPool) {
    let app = app(pool.clone());
    let (shopper, number, method) = order_to_pay(&app, &pool, "k", "4242424242424242").await;
    let key = new_key();
    let form = pay_form(&number, method, &key);
    let (a, b) = tokio::join!(call_as(&app, "pay_order", &form, Some(&shopper), HOME), call_as(&app, "pay_order", &form, Some(&shopper), HOME));
    let c = call_as(&app, "pay_order", &form, Some(&shopper), HOME).await;
    for r in [&a, &b, &c] {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["attempt_id"], a.json()["attempt_id"]);
    }
    assert_eq!(count(&pool, "payment_attempts").await, 1);
    assert_eq!(count(&pool, "sandbox_charges").await, 1);
    // The same key with another order or method is refused, not a new payment.
    let other_method = call_as(
        &app,
        "bind_card",
        "card[kind]=credit_card&card[number]=5555555555554444&card[expiry]=12%2F30&card[cvc]=123&card[holder]=P",
        Some(&shopper),
        HOME,
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();
    let changed = call_as(&app, "pay_order", &pay_form(&number, other_method, &key), Some(&shopper), HOME).await;
    assert_eq!(changed.status, StatusCode::CONFLICT);
    assert_eq!(count(&pool, "payment_attempts").await, 1);
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn fifty_concurrent_pays_with_different_keys_charge_once(pool: PgPool) {
    let app = app(pool.clone());
    let (shopper, number, method) = order_to_pay(&app, &pool, "race", "4242424242424242").await;
    let tasks = (0..50).map(|_| {
        let (app, shopper, form) = (app.clone(), shopper.clone(), pay_form(&number, method, &new_key()));
        tokio::spawn(async move { call_as(&app, "pay_order", &form, Some(&shopper), HOME).await })
    });
    let answers: Vec<_> = futures::future::join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let succeeded = answers.iter().filter(|a| a.status == StatusCode::OK && a.json()["status"] == "succeeded").count();
    let summary: Vec<String> = answers.iter().map(|a| format!("{} {}", a.status, &a.body[..a.body.len().min(90)])).collect();
    assert_eq!(succeeded, 1, "{summary:#?}");
    assert!(answers.iter().all(|a| a.status == StatusCode::OK || a.status == StatusCode::CONFLICT));
    assert_eq!(count(&pool, "sandbox_charges").await, 1, "the provider was charged once");
    assert_eq!(count(&pool, "ledger_transactions").await, 1);
    assert_eq!(order_status(&pool, &number).await, "paid");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn refused_payments_write_nothing(pool: PgPool) {
    let app = app(pool.clone());
    let (shopper, number, method) = order_to_pay(&app, &pool, "r", "4242424242424242").await;
    let thief = signed_up(&app, "thief@example.com", "shopper").await;

    // Someone else's order.
    assert_eq!(call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&thief), HOME).await.status, StatusCode::NOT_FOUND);
    // Someone else's method.
    let thief_card = call_as(
        &app,
        "bind_card",
        "card[kind]=credit_card&card[number]=4242424242424242&card[expiry]=12%2F30&card[cvc]=123&card[holder]=T",
        Some(&thief),
        HOME,
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        call_as(&app, "pay_order", &pay_form(&number, thief_card, &new_key()), Some(&shopper), HOME).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Not signed in.
    assert_eq!(call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), None, HOME).await.status, StatusCode::UNAUTHORIZED);
    // After the deadline.
    sqlx::query("UPDATE orders SET payment_due_at = now() - interval '1 second' WHERE number = $1").bind(&number).execute(&pool).await.unwrap();
    let late = call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.said().contains("deadline"));
    // Cancelled.
    sqlx::query("UPDATE orders SET payment_due_at = now() + interval '10 minutes' WHERE number = $1").bind(&number).execute(&pool).await.unwrap();
    call_as(&app, "cancel_order", &format!("number={number}&confirm=yes"), Some(&shopper), HOME).await;
    let cancelled = call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(cancelled.status, StatusCode::CONFLICT);
    assert!(cancelled.said().contains("cancelled"));

    assert_eq!(count(&pool, "payment_attempts").await, 0);
    assert_eq!(count(&pool, "sandbox_charges").await, 0);
    assert_eq!(count(&pool, "ledger_entries").await, 0);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_slow_payment_is_finished_by_the_callback(pool: PgPool) {
    let router = served_with_callbacks(&pool).await;
    let (shopper, number, method) = order_to_pay(&router, &pool, "slow", "4000000000000259").await;
    let answer = call_as(&router, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(answer.json()["status"], "processing", "{}", answer.body);
    assert_eq!(order_status(&pool, &number).await, "awaiting_payment");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while order_status(&pool, &number).await != "paid" {
        assert!(std::time::Instant::now() < deadline, "the callback did not settle the payment");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_ledger_consistent(&pool).await;
}

/// A slow charge that ends declined changes the attempt and not the order: it is a live event
/// of its own, for the shopper's pay page and the merchant's order page, which no longer poll
/// while the live channel is up.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_slow_decline_reaches_both_sides_as_a_live_event(pool: PgPool) {
    let router = served_with_callbacks(&pool).await;
    let (shopper, number, method) = order_to_pay(&router, &pool, "slowno", "4000000000000341").await;
    let answer = call_as(&router, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(answer.json()["status"], "processing", "{}", answer.body);
    let attempt_events = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT u.role FROM live_events e JOIN users u ON u.id = e.user_id
             WHERE e.kind = 'payment' AND e.order_number = $1 AND e.detail->>'event' = 'attempt_failed' ORDER BY u.role",
        )
        .bind(&number)
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    assert!(attempt_events().await.is_empty(), "nothing happened yet");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while attempt_events().await.is_empty() {
        assert!(std::time::Instant::now() < deadline, "the callback did not decline the payment");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(attempt_events().await, ["merchant", "shopper"]);
    assert_eq!(order_status(&pool, &number).await, "awaiting_payment", "a decline leaves the order payable");
    let failed: String = sqlx::query_scalar("SELECT status FROM payment_attempts").fetch_one(&pool).await.unwrap();
    assert_eq!(failed, "failed");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_attempt_left_in_processing_by_a_crash_is_finished_by_the_reconciler(pool: PgPool) {
    use app::payments::provider::{ChargeRequest, Token};
    let app = app(pool.clone());
    let (shopper, number, method) = order_to_pay(&app, &pool, "crash", "4242424242424242").await;
    // Simulate the crash: the attempt is recorded, the provider charges, and the process dies
    // before writing the outcome.
    let key = uuid::Uuid::new_v4();
    let (order_id, total): (i64, i64) =
        sqlx::query_as("SELECT id, total_minor FROM orders WHERE number = $1").bind(&number).fetch_one(&pool).await.unwrap();
    let payment: i64 = sqlx::query_scalar(
        "INSERT INTO payments (order_id, amount_minor, currency, deadline) VALUES ($1, $2, 'USD', now() + interval '10 minutes') RETURNING id",
    )
    .bind(order_id)
    .bind(total)
    .fetch_one(&pool)
    .await
    .unwrap();
    let shopper_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'payer-crash@example.com'").fetch_one(&pool).await.unwrap();
    let attempt: i64 = sqlx::query_scalar("INSERT INTO payment_attempts (payment_id, shopper_id, method_id, idempotency_key, provider, status, updated_at) VALUES ($1, $2, $3, $4, 'sandbox', 'processing', now() - interval '1 minute') RETURNING id")
        .bind(payment).bind(shopper_id).bind(method).bind(key).fetch_one(&pool).await.unwrap();
    let token: String = sqlx::query_scalar("SELECT token FROM payment_methods WHERE id = $1").bind(method).fetch_one(&pool).await.unwrap();
    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    provider
        .charge(ChargeRequest {
            token: Token(token),
            amount: domain::money::Money::new(total, domain::money::Currency::USD),
            idempotency_key: backend::pay::provider_key(attempt),
        })
        .await
        .unwrap();
    assert_eq!(order_status(&pool, &number).await, "awaiting_payment");

    let finished = backend::pay::reconcile(&pool, &provider, &Default::default(), 10.0).await.unwrap();
    assert_eq!(finished, 1);
    assert_eq!(order_status(&pool, &number).await, "paid");
    assert_eq!(count(&pool, "sandbox_charges").await, 1, "not charged twice");
    assert_eq!(backend::pay::reconcile(&pool, &provider, &Default::default(), 10.0).await.unwrap(), 0, "nothing left");
    assert_ledger_consistent(&pool).await;
    let _ = shopper;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_ledger_refuses_unbalanced_or_changed_entries(pool: PgPool) {
    let mut tx = pool.begin().await.unwrap();
    let account: i64 =
        sqlx::query_scalar("INSERT INTO ledger_accounts (kind, owner_id, currency) VALUES ('platform_clearing', NULL, 'USD') RETURNING id")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let t: i64 =
        sqlx::query_scalar("INSERT INTO ledger_transactions (kind) VALUES ('cash_on_delivery') RETURNING id").fetch_one(&mut *tx).await.unwrap();
    sqlx::query("INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency) VALUES ($1, $2, 100, 'USD')")
        .bind(t)
        .bind(account)
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = tx.commit().await.unwrap_err();
    assert!(err.to_string().contains("does not balance"), "{err}");

    let app = app(pool.clone());
    let (shopper, number, method) = order_to_pay(&app, &pool, "ledger", "4242424242424242").await;
    call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
    let update = sqlx::query("UPDATE ledger_entries SET amount_minor = amount_minor * 2").execute(&pool).await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(sqlx::query("DELETE FROM ledger_entries").execute(&pool).await.is_err());
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_method_in_use_by_an_open_payment_cannot_be_removed(pool: PgPool) {
    let app = app(pool.clone());
    let (shopper, number, method) = order_to_pay(&app, &pool, "inuse", "4000000000003220").await;
    let waiting = call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await.json();
    assert_eq!(waiting["status"], "requires_verification");
    let refused = call_as(&app, "remove_method", &format!("id={method}&confirm=yes"), Some(&shopper), HOME).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.said().contains("still being processed"));
    let code = waiting["sandbox_code"].as_str().unwrap();
    call_as(&app, "verify_payment", &format!("attempt_id={}&code={code}", waiting["attempt_id"]), Some(&shopper), HOME).await;
    assert_eq!(call_as(&app, "remove_method", &format!("id={method}&confirm=yes"), Some(&shopper), HOME).await.status, StatusCode::OK);
}

// ---- Issue 13: money and status under every interleaving ------------------------------------

fn merchant_action(number: &str, action: &str) -> String {
    format!("number={number}&action={action}&confirm=yes")
}

/// paid orders = succeeded attempts = payment postings; every unexpected charge was sent back;
/// the ledger balances and shops are owed exactly what paid orders are worth.
async fn assert_payment_invariant(pool: &PgPool) {
    let c = app::db::payments::count_payments(pool).await.unwrap();
    assert_eq!(c.paid_online_orders, c.succeeded_attempts, "{c:?}");
    assert_eq!(c.succeeded_attempts, c.payment_postings, "{c:?}");
    assert_eq!((c.unexpected_pending, c.suspense_minor), (0, 0), "{c:?}");
    assert_ledger_consistent(pool).await;
}

/// Part 1: a slow charge is in flight — neither side can cancel, withdraw or switch to cash,
/// and the worker does not expire the order; when the charge settles, the order is paid.
/// (Before the fix the shopper's cancel succeeded and the money was booked for a cancelled
/// order.)
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn nothing_closes_an_order_while_its_payment_is_in_flight(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "inflight", "4000000000000259").await;
    let sent = call_as(&app, "merchant_order_action", &merchant_action(&o.number, "request_payment"), Some(&o.merchant), HOME).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let paying = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(paying.json()["status"], "processing", "{}", paying.body);

    let cancel = call_as(&app, "cancel_order", &format!("number={}&confirm=yes", o.number), Some(&o.shopper), HOME).await;
    assert_eq!(cancel.status, StatusCode::CONFLICT, "{}", cancel.body);
    assert!(cancel.said().contains("still in progress"), "{}", cancel.body);
    for action in ["cancel", "withdraw_request", "choose_cash_on_delivery"] {
        let refused = call_as(&app, "merchant_order_action", &merchant_action(&o.number, action), Some(&o.merchant), HOME).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{action}: {}", refused.body);
        assert!(refused.said().contains("paying this order right now"), "{action}: {}", refused.body);
    }
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(2);
    assert_eq!(backend::worker::expire_overdue(&pool, later).await.unwrap(), 0);
    assert_eq!(order_status(&pool, &o.number).await, "awaiting_payment");

    // The charge settles; the reconciler (or the callback) finishes it.
    sqlx::query("UPDATE sandbox_charges SET settle_at = now()").execute(&pool).await.unwrap();
    sqlx::query("UPDATE payment_attempts SET updated_at = now() - interval '1 minute'").execute(&pool).await.unwrap();
    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    assert_eq!(backend::pay::reconcile(&pool, &provider, &Default::default(), 10.0).await.unwrap(), 1);
    assert_eq!(order_status(&pool, &o.number).await, "paid");
    assert_payment_invariant(&pool).await;
}

/// Part 1: the schema itself refuses a succeeded attempt or a payment posting for an order
/// that is not paid, a paid order without its payment, and closing an order whose payment is
/// in flight — whatever code runs.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_schema_refuses_money_that_does_not_match_the_order(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "schema", "4000000000000259").await;
    call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    let order_id: i64 = sqlx::query_scalar("SELECT id FROM orders WHERE number = $1").bind(&o.number).fetch_one(&pool).await.unwrap();

    let refused = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            let statement = sqlx::query(sql).bind(order_id).execute(&mut *tx).await;
            let outcome = match statement {
                Err(e) => Err(e),
                Ok(_) => tx.commit().await,
            };
            outcome.expect_err(sql).to_string()
        }
    };
    let err = refused("UPDATE payment_attempts SET status = 'succeeded' WHERE payment_id = (SELECT id FROM payments WHERE order_id = $1)").await;
    assert!(err.contains("not paid"), "{err}");
    let err = refused("UPDATE orders SET status = 'cancelled' WHERE id = $1").await;
    assert!(err.contains("in flight"), "{err}");
    let err = refused("UPDATE orders SET status = 'paid' WHERE id = $1").await;
    assert!(err.contains("without a succeeded payment"), "{err}");
    let err = refused(
        "INSERT INTO ledger_transactions (kind, attempt_id, order_id)
         SELECT 'payment', a.id, $1 FROM payment_attempts a JOIN payments p ON p.id = a.payment_id WHERE p.order_id = $1",
    )
    .await;
    assert!(err.contains("payment posting"), "{err}");
    assert_eq!(order_status(&pool, &o.number).await, "awaiting_payment");
}

/// Part 1: money that still arrives for an order that can no longer take it (the provider
/// completed a charge Paydesk had given up on) is never booked as a payment: it is recorded,
/// held in suspense, shown to both sides and to staff, and sent back exactly once — however
/// often the provider repeats itself.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn money_for_a_closed_order_is_sent_back_once(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "late", "4000000000003220").await;
    let waiting = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await.json();
    assert_eq!(waiting["status"], "requires_verification");
    let attempt = waiting["attempt_id"].as_i64().unwrap();
    let stopped = call_as(&app, "abandon_payment", &format!("attempt_id={attempt}"), Some(&o.shopper), HOME).await;
    assert_eq!(stopped.json()["status"], "failed", "{}", stopped.body);
    let cancel = call_as(&app, "cancel_order", &format!("number={}&confirm=yes", o.number), Some(&o.shopper), HOME).await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.body);

    // The provider completes the charge anyway and says so, twice.
    sqlx::query("UPDATE sandbox_charges SET status = 'succeeded', decline_reason = NULL").execute(&pool).await.unwrap();
    let reference: String =
        sqlx::query_scalar("SELECT provider_reference FROM payment_attempts WHERE id = $1").bind(attempt).fetch_one(&pool).await.unwrap();
    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    let settings = Default::default();
    let (a, b) = tokio::join!(
        backend::pay::on_callback(&pool, &provider, &settings, &reference),
        backend::pay::on_callback(&pool, &provider, &settings, &reference)
    );
    a.unwrap();
    b.unwrap();
    backend::pay::on_callback(&pool, &provider, &settings, &reference).await.unwrap();

    assert_eq!(order_status(&pool, &o.number).await, "cancelled");
    let (status, refunded): (String, i64) = sqlx::query_as(
        "SELECT a.status, (SELECT count(*) FROM unexpected_charges u WHERE u.attempt_id = a.id AND u.status = 'refunded')
         FROM payment_attempts a WHERE a.id = $1",
    )
    .bind(attempt)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), refunded), ("failed", 1));
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM ledger_transactions ORDER BY id").fetch_all(&pool).await.unwrap();
    assert_eq!(kinds, ["unexpected_charge", "unexpected_charge_refund"]);
    // Sent back through the refunds, like every other refund: one, succeeded, booked once.
    let refunds: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, amount_minor FROM refunds WHERE attempt_id = $1").bind(attempt).fetch_all(&pool).await.unwrap();
    assert_eq!(refunds, [("succeeded".to_string(), 2500)]);
    assert_payment_invariant(&pool).await;

    // Both sides see it on the order and in their notifications; staff have a ticket.
    for cookie in [&o.shopper, &o.merchant] {
        let listed = call_as(&app, "my_notifications", "", Some(cookie), HOME).await;
        assert!(listed.said().contains("unexpected_charge_refunded"), "{}", listed.body);
    }
    let order = call_as(&app, "order_detail", &format!("number={}", o.number), Some(&o.shopper), HOME).await.json();
    let events: Vec<&str> = order["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert!(events.ends_with(&["unexpected_charge", "unexpected_charge_refunded"]), "{events:?}");
    let tickets: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets WHERE category = 'unexpected_charge' AND attempt_id = $1")
        .bind(attempt)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tickets, 1);
    let staff = signed_in_staff(&app, &pool).await;
    let queue = call_as(&app, "ticket_queue", "", Some(&staff), HOME).await;
    assert!(queue.said().contains("unexpected_charge"), "{}", queue.body);
}

/// Part 2: the key the provider sees is the attempt's own. Two shoppers who send the same
/// idempotency key each pay their own order (before the fix the second got a 500 and an
/// attempt stuck in processing).
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_same_client_key_from_two_shoppers_is_two_payments(pool: PgPool) {
    let app = app(pool.clone());
    let first = shop_order(&app, &pool, "key1", "4242424242424242").await;
    let second = shop_order(&app, &pool, "key2", "4242424242424242").await;
    let key = new_key();
    for o in [&first, &second] {
        let paid = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &key), Some(&o.shopper), HOME).await;
        assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
        assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);
        assert_eq!(order_status(&pool, &o.number).await, "paid");
    }
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT idempotency_key FROM sandbox_charges ORDER BY idempotency_key").fetch_all(&pool).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.starts_with("paydesk-attempt-")), "{keys:?}");
    assert_payment_invariant(&pool).await;
}

/// Part 2: one attempt the provider cannot answer about is logged, put in back-off and, after
/// five failures, listed for staff — and the attempts queued behind it are finished anyway.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn one_bad_attempt_never_holds_up_the_reconciler(pool: PgPool) {
    let app = app(pool.clone());
    let bad = shop_order(&app, &pool, "bad", "4000000000000259").await;
    let good = shop_order(&app, &pool, "good", "4000000000000259").await;
    for o in [&bad, &good] {
        let answer = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
        assert_eq!(answer.json()["status"], "processing");
    }
    // The provider has lost the first charge; the first is the oldest, so it is asked first.
    let bad_attempt: i64 = sqlx::query_scalar(
        "SELECT a.id FROM payment_attempts a JOIN payments p ON p.id = a.payment_id JOIN orders o ON o.id = p.order_id WHERE o.number = $1",
    )
    .bind(&bad.number)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE payment_attempts SET provider_reference = 'sbx_ch_lost' WHERE id = $1").bind(bad_attempt).execute(&pool).await.unwrap();
    sqlx::query("UPDATE payment_attempts SET updated_at = now() - make_interval(mins => CASE WHEN id = $1 THEN 10 ELSE 5 END)")
        .bind(bad_attempt)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE sandbox_charges SET settle_at = now()").execute(&pool).await.unwrap();
    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    let settings = Default::default();
    assert_eq!(backend::pay::reconcile(&pool, &provider, &settings, 10.0).await.unwrap(), 1);
    assert_eq!(order_status(&pool, &good.number).await, "paid");

    for round in 2..=5 {
        // Back-off: not asked again until it passes.
        sqlx::query("UPDATE payment_attempts SET updated_at = now() - interval '10 minutes'").execute(&pool).await.unwrap();
        assert_eq!(backend::pay::reconcile(&pool, &provider, &settings, 10.0).await.unwrap(), 0);
        let failures: i32 = sqlx::query_scalar("SELECT failures FROM job_failures WHERE job = 'reconcile' AND item_id = $1")
            .bind(bad_attempt)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(failures, round - 1, "still in back-off");
        sqlx::query("UPDATE job_failures SET next_at = now() - interval '1 second'").execute(&pool).await.unwrap();
        backend::pay::reconcile(&pool, &provider, &settings, 10.0).await.unwrap();
    }
    let stuck = app::db::jobs::stuck(&pool).await.unwrap();
    assert_eq!(stuck.len(), 1, "{stuck:?}");
    assert_eq!((stuck[0].job.as_str(), stuck[0].item_id, stuck[0].failures), ("reconcile", bad_attempt, 5));
    let staff = signed_in_staff(&app, &pool).await;
    let listed = call_as(&app, "stuck_jobs", "", Some(&staff), HOME).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert!(listed.said().contains(&bad_attempt.to_string()), "{}", listed.body);
    assert_eq!(call_as(&app, "stuck_jobs", "", Some(&bad.shopper), HOME).await.status, StatusCode::FORBIDDEN);
    assert_payment_invariant(&pool).await;
}

/// Part 3: a verification step nobody answers times out — the provider cancels the charge,
/// the attempt fails with a clear reason — and the order can then be paid with another method,
/// or the shopper stops it at once with "Use another method".
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_unanswered_verification_times_out_and_frees_the_order(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "abandon", "4000000000003220").await;
    let waiting = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await.json();
    assert_eq!(waiting["status"], "requires_verification");
    assert_eq!(waiting["tries_left"], 5);
    let expires =
        time::OffsetDateTime::parse(waiting["verification_expires_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
    let minutes = (expires - time::OffsetDateTime::now_utc()).whole_minutes();
    assert!((9..=10).contains(&minutes), "{minutes}");
    // Meanwhile it blocks the merchant's cancel, and another "Pay".
    let blocked = call_as(&app, "merchant_order_action", &merchant_action(&o.number, "cancel"), Some(&o.merchant), HOME).await;
    assert_eq!(blocked.status, StatusCode::CONFLICT);

    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    let settings = Default::default();
    let soon = time::OffsetDateTime::now_utc() + time::Duration::minutes(5);
    assert_eq!(backend::pay::run_jobs(&pool, &provider, &settings, soon, 10.0).await.unwrap().timed_out, 0);
    let later = time::OffsetDateTime::now_utc() + time::Duration::minutes(11);
    assert_eq!(backend::pay::run_jobs(&pool, &provider, &settings, later, 10.0).await.unwrap().timed_out, 1);
    let page = call_as(&app, "pay_page_data", &format!("number={}", o.number), Some(&o.shopper), HOME).await.json();
    assert_eq!(page["latest"]["status"], "failed");
    assert_eq!(page["latest"]["reason"], "verification_expired", "{page}");
    let charge: String = sqlx::query_scalar("SELECT decline_reason FROM sandbox_charges").fetch_one(&pool).await.unwrap();
    assert_eq!(charge, "cancelled", "the provider was told");
    // The code cannot revive it.
    let code = waiting["sandbox_code"].as_str().unwrap();
    let late = call_as(&app, "verify_payment", &format!("attempt_id={}&code={code}", waiting["attempt_id"]), Some(&o.shopper), HOME).await;
    assert_eq!(late.json()["status"], "failed");

    // Payable again, here with another method.
    let good = call_as(
        &app,
        "bind_card",
        "card[kind]=credit_card&card[number]=5555555555554444&card[expiry]=12%2F30&card[cvc]=123&card[holder]=P",
        Some(&o.shopper),
        HOME,
    )
    .await;
    let good = good.json()["id"].as_i64().unwrap();
    let paid = call_as(&app, "pay_order", &pay_form(&o.number, good, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);
    assert_payment_invariant(&pool).await;

    // An order whose deadline passes while its code is awaited expires once the step ends.
    let p = shop_order(&app, &pool, "abandon2", "4000000000003220").await;
    let waiting = call_as(&app, "pay_order", &pay_form(&p.number, p.method, &new_key()), Some(&p.shopper), HOME).await.json();
    assert_eq!(waiting["status"], "requires_verification");
    let after_deadline = time::OffsetDateTime::now_utc() + time::Duration::hours(2);
    assert_eq!(backend::worker::expire_overdue(&pool, after_deadline).await.unwrap(), 0, "the code is still awaited");
    backend::pay::run_jobs(&pool, &provider, &settings, after_deadline, 10.0).await.unwrap();
    assert_eq!(backend::worker::expire_overdue(&pool, after_deadline).await.unwrap(), 1);
    assert_eq!(order_status(&pool, &p.number).await, "cancelled");
    assert_payment_invariant(&pool).await;
}

/// Part 4: at most five codes per attempt reach the provider — also when thirty are sent at
/// once — the tries left are shown, and the fifth wrong one stops the attempt; a shopper who
/// keeps guessing across attempts is throttled.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn verification_codes_cannot_be_guessed(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "guess", "4000000000003220").await;
    let waiting = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await.json();
    let attempt = waiting["attempt_id"].as_i64().unwrap();
    let code = waiting["sandbox_code"].as_str().unwrap().to_string();
    let wrong = |n: u32| format!("{:06}", (code.parse::<u32>().unwrap() + n) % 1_000_000);
    for (n, left) in [(1, "4 tries left"), (2, "3 tries left"), (3, "2 tries left"), (4, "1 try left")] {
        let answer = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={}", wrong(n)), Some(&o.shopper), HOME).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer.said().contains(left), "{}", answer.body);
    }
    let fifth = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={}", wrong(5)), Some(&o.shopper), HOME).await;
    assert_eq!(fifth.json()["status"], "failed", "{}", fifth.body);
    assert_eq!(fifth.json()["reason"], "too_many_wrong_codes", "{}", fifth.body);
    let right = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={code}"), Some(&o.shopper), HOME).await;
    assert_eq!(right.json()["status"], "failed", "the right code no longer pays: {}", right.body);
    assert_eq!(order_status(&pool, &o.number).await, "awaiting_payment");

    // Thirty wrong codes at once on a new attempt: five are tried, the attempt stops.
    let again = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await.json();
    let attempt = again["attempt_id"].as_i64().unwrap();
    let code = again["sandbox_code"].as_str().unwrap().to_string();
    let guesses = (1..=30).map(|n| {
        let (app, cookie) = (app.clone(), o.shopper.clone());
        let form = format!("attempt_id={attempt}&code={:06}", (code.parse::<u32>().unwrap() + n) % 1_000_000);
        tokio::spawn(async move { call_as(&app, "verify_payment", &form, Some(&cookie), HOME).await })
    });
    let answers: Vec<_> = futures::future::join_all(guesses).await.into_iter().map(Result::unwrap).collect();
    assert!(answers.iter().all(|a| a.status != StatusCode::INTERNAL_SERVER_ERROR));
    let tries: i32 = sqlx::query_scalar("SELECT code_tries FROM payment_attempts WHERE id = $1").bind(attempt).fetch_one(&pool).await.unwrap();
    assert_eq!(tries, 5);
    let right = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={code}"), Some(&o.shopper), HOME).await;
    assert_eq!(right.json()["status"], "failed");

    // Ten wrong codes within fifteen minutes: the shopper waits, whatever the attempt.
    let third = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await.json();
    let throttled = call_as(&app, "verify_payment", &format!("attempt_id={}&code=000000", third["attempt_id"]), Some(&o.shopper), HOME).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "{}", throttled.body);
    assert_eq!(order_status(&pool, &o.number).await, "awaiting_payment");
    assert_payment_invariant(&pool).await;
}

/// A code whose answer is lost because the attempt stopped at the provider meanwhile (as when
/// a burst of guesses ends it) still counts against the shopper: the throttle counts guesses
/// as they are sent, not only the answers that come back "wrong".
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_guess_counts_even_when_the_attempt_stops_meanwhile(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "lost", "4000000000003220").await;
    let waiting = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await.json();
    let attempt = waiting["attempt_id"].as_i64().unwrap();
    // The provider has already stopped the charge when this guess reaches it.
    sqlx::query("UPDATE sandbox_charges SET status = 'cancelled', decline_reason = 'cancelled'").execute(&pool).await.unwrap();
    let answer = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code=000000"), Some(&o.shopper), HOME).await;
    assert_ne!(answer.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", answer.body);
    assert_eq!(count(&pool, "verification_failures").await, 1, "the guess counts");
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Pay(usize),
    ShopperCancel,
    MerchantCancel,
    Request,
    Withdraw,
    CashOnDelivery,
    Verify,
    Abandon,
    Callback,
    /// The provider completes a charge Paydesk had cancelled (as real networks sometimes do)
    /// and calls back.
    LateSuccess,
    Settle,
    Reconcile,
    Jobs(i64),
    Expire(i64),
}

const CARDS: [&str; 4] = ["4242424242424242", "4000000000000259", "4000000000003220", "4000000000000002"];

/// Part 1, as a property: random interleavings of paying (every sandbox behaviour), slow
/// settlement, callbacks, cancels by either side, payment requests and their withdrawal, cash
/// on delivery, verification (answered or abandoned), the reconciler, time-outs and expiry —
/// many at once — and after every round: paid orders = succeeded attempts = payment postings,
/// shops are owed what paid orders are worth, every unexpected charge went back, and no stock
/// is lost. Runs for a bounded time (`PAYDESK_PROPERTY_SECS`, default 6).
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn random_interleavings_keep_the_payment_invariant(pool: PgPool) {
    let app = app(pool.clone());
    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    let settings = app::checkout::OrderSettings::default();
    let (merchant, shop_id) = open_shop(&app, &pool, "prop-shop@example.com", "US").await;
    const STOCK: i32 = 100_000;
    let product = add_product(&app, &merchant, "Thing", "25.00", STOCK).await;
    let mut shoppers = Vec::new();
    for s in 0..3 {
        let cookie = signed_up(&app, &format!("prop-{s}@example.com"), "shopper").await;
        let mut cards = Vec::new();
        for card in CARDS {
            let form = format!("card[kind]=credit_card&card[number]={card}&card[expiry]=12%2F30&card[cvc]=123&card[holder]=P");
            cards.push(call_as(&app, "bind_card", &form, Some(&cookie), HOME).await.json()["id"].as_i64().unwrap());
        }
        shoppers.push((cookie, cards));
    }
    let seed = property_seed();
    let secs = property_secs(6);
    println!("random interleavings: seed {seed}, {secs} s");
    let mut dice = Dice(seed);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let (mut rounds, mut steps) = (0, 0);
    while rounds == 0 || std::time::Instant::now() < until {
        rounds += 1;
        // Each shopper places two orders; each order gets a random script of steps, and all
        // scripts run at once.
        let mut scripts = Vec::new();
        for (cookie, cards) in &shoppers {
            for _ in 0..2 {
                call_as(&app, "add_to_cart", &format!("product_id={product}&quantity=1"), Some(cookie), HOME).await;
                let placed = call_as(&app, "place_order", &checkout_form(shop_id, &new_key()), Some(cookie), HOME).await;
                let number: String = serde_json::from_str(&placed.body).unwrap_or_else(|_| panic!("{}", placed.body));
                let script: Vec<Step> = (0..6)
                    .map(|_| match dice.roll(15) {
                        0..=2 => Step::Pay(dice.roll(CARDS.len() as u64) as usize),
                        3 => Step::ShopperCancel,
                        4 => Step::MerchantCancel,
                        5 => Step::Request,
                        6 => Step::Withdraw,
                        7 => {
                            if dice.roll(3) == 0 {
                                Step::CashOnDelivery
                            } else {
                                Step::Verify
                            }
                        }
                        8 => Step::Abandon,
                        9 => {
                            if dice.roll(2) == 0 {
                                Step::Callback
                            } else {
                                Step::LateSuccess
                            }
                        }
                        10 => Step::Settle,
                        11 => {
                            if dice.roll(2) == 0 {
                                Step::Reconcile
                            } else {
                                Step::Jobs(dice.roll(30) as i64)
                            }
                        }
                        12 => Step::Expire(dice.roll(90) as i64),
                        13 => Step::Abandon,
                        _ => Step::LateSuccess,
                    })
                    .collect();
                steps += script.len();
                scripts.push((number, cookie.clone(), cards.clone(), script));
            }
        }
        let runs = scripts.into_iter().map(|(number, shopper, cards, script)| {
            let (app, pool, provider, merchant) = (app.clone(), pool.clone(), provider.clone(), merchant.clone());
            tokio::spawn(async move {
                for step in script {
                    run_step(&app, &pool, &provider, &settings, &merchant, &shopper, &cards, &number, step).await;
                }
            })
        });
        for run in futures::future::join_all(runs).await {
            run.expect("no step panics (no 500s)");
        }
        settle_everything(&pool, &provider, &settings).await;
        assert_payment_invariant(&pool).await;
        let (stock, held): (i32, i64) = sqlx::query_as(
            "SELECT (SELECT stock FROM products WHERE id = $1),
                    (SELECT coalesce(sum(l.quantity), 0)::bigint FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.status <> 'cancelled')",
        )
        .bind(product)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(stock as i64 + held, STOCK as i64, "seed {seed}: stock lost or made up");
    }
    let c = app::db::payments::count_payments(&pool).await.unwrap();
    println!("random interleavings: {rounds} rounds, {steps} steps, seed {seed}: {c:?}");
}

/// Ends everything in flight the way time would: slow charges settle, the reconciler runs,
/// verification steps time out, refunds go out.
async fn settle_everything(pool: &PgPool, provider: &app::payments::provider::Provider, settings: &app::checkout::OrderSettings) {
    sqlx::query("UPDATE sandbox_charges SET settle_at = now() WHERE status = 'processing'").execute(pool).await.unwrap();
    sqlx::query("UPDATE payment_attempts SET updated_at = now() - interval '1 minute' WHERE status = 'processing'").execute(pool).await.unwrap();
    let far = time::OffsetDateTime::now_utc() + time::Duration::hours(3);
    backend::pay::run_jobs(pool, provider, settings, far, 0.0).await.unwrap();
    sqlx::query("UPDATE unexpected_charges SET created_at = now() - interval '1 minute'").execute(pool).await.unwrap();
    backend::pay::run_jobs(pool, provider, settings, far, 0.0).await.unwrap();
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_attempts WHERE status IN ('processing', 'requires_verification')")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(live, 0, "every attempt ends");
}

#[allow(clippy::too_many_arguments)]
async fn run_step(
    app: &axum::Router,
    pool: &PgPool,
    provider: &app::payments::provider::Provider,
    settings: &app::checkout::OrderSettings,
    merchant: &str,
    shopper: &str,
    cards: &[i64],
    number: &str,
    step: Step,
) {
    let latest = || async {
        sqlx::query_as::<_, (i64, Option<String>)>(
            "SELECT a.id, a.provider_reference FROM payment_attempts a JOIN payments p ON p.id = a.payment_id
             JOIN orders o ON o.id = p.order_id WHERE o.number = $1 ORDER BY a.id DESC LIMIT 1",
        )
        .bind(number)
        .fetch_optional(pool)
        .await
        .unwrap()
    };
    let answer = match step {
        Step::Pay(card) => Some(call_as(app, "pay_order", &pay_form(number, cards[card], &new_key()), Some(shopper), HOME).await),
        Step::ShopperCancel => Some(call_as(app, "cancel_order", &format!("number={number}&confirm=yes"), Some(shopper), HOME).await),
        Step::MerchantCancel => Some(call_as(app, "merchant_order_action", &merchant_action(number, "cancel"), Some(merchant), HOME).await),
        Step::Request => Some(call_as(app, "merchant_order_action", &merchant_action(number, "request_payment"), Some(merchant), HOME).await),
        Step::Withdraw => Some(call_as(app, "merchant_order_action", &merchant_action(number, "withdraw_request"), Some(merchant), HOME).await),
        Step::CashOnDelivery => {
            Some(call_as(app, "merchant_order_action", &merchant_action(number, "choose_cash_on_delivery"), Some(merchant), HOME).await)
        }
        Step::Verify => match latest().await {
            Some((id, Some(reference))) => {
                let code: Option<String> = sqlx::query_scalar("SELECT verification_code FROM sandbox_charges WHERE reference = $1")
                    .bind(&reference)
                    .fetch_optional(pool)
                    .await
                    .unwrap()
                    .flatten();
                let code = code.unwrap_or_else(|| "123456".into());
                Some(call_as(app, "verify_payment", &format!("attempt_id={id}&code={code}"), Some(shopper), HOME).await)
            }
            _ => None,
        },
        Step::Abandon => match latest().await {
            Some((id, _)) => Some(call_as(app, "abandon_payment", &format!("attempt_id={id}"), Some(shopper), HOME).await),
            None => None,
        },
        Step::Callback => {
            if let Some((_, Some(reference))) = latest().await {
                backend::pay::on_callback(pool, provider, settings, &reference).await.unwrap();
            }
            None
        }
        Step::LateSuccess => {
            if let Some((_, Some(reference))) = latest().await {
                sqlx::query(
                    "UPDATE sandbox_charges SET status = 'succeeded', decline_reason = NULL WHERE reference = $1 AND decline_reason = 'cancelled'",
                )
                .bind(&reference)
                .execute(pool)
                .await
                .unwrap();
                backend::pay::on_callback(pool, provider, settings, &reference).await.unwrap();
            }
            None
        }
        Step::Settle => {
            sqlx::query("UPDATE sandbox_charges SET settle_at = now() WHERE status = 'processing'").execute(pool).await.unwrap();
            None
        }
        Step::Reconcile => {
            backend::pay::reconcile(pool, provider, settings, 0.0).await.unwrap();
            None
        }
        Step::Jobs(minutes) => {
            let at = time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
            backend::pay::run_jobs(pool, provider, settings, at, 0.0).await.unwrap();
            None
        }
        Step::Expire(minutes) => {
            let at = time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
            backend::worker::expire_overdue(pool, at).await.unwrap();
            None
        }
    };
    if let Some(answer) = answer {
        assert!(answer.status.is_success() || answer.status.is_client_error(), "{step:?}: {} {}", answer.status, answer.body);
    }
}

/// Issue 17: the pay page says what is being paid for — the shop (to link to it), the lines
/// and the total — for the shopper's own order only, and names the method of the latest
/// attempt.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_pay_page_shows_the_shop_and_what_is_paid_for(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "summary", "4000000000003220").await;
    let page = call_as(&app, "pay_page_data", &format!("number={}", o.number), Some(&o.shopper), HOME).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = page.json();
    assert_eq!(page["shop_id"], o.shop_id);
    assert_eq!(page["order"]["shop_name"], "Bright Gadgets");
    let lines = page["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{page}");
    assert_eq!(lines[0]["title"], "Thing");
    assert_eq!(lines[0]["quantity"], 1);
    assert_eq!(lines[0]["line_total"], page["order"]["total"]);
    assert_eq!(page["order"]["total"]["minor"], 2500, "{page}");
    assert!(page["latest"].is_null());

    // Once a payment started, the page names the method it pays with.
    call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    let page = call_as(&app, "pay_page_data", &format!("number={}", o.number), Some(&o.shopper), HOME).await.json();
    assert_eq!(page["latest"]["status"], "requires_verification");
    assert_eq!(page["latest"]["method"]["last4"], "3220", "{page}");
    assert_eq!(page["latest"]["method"]["brand"], "visa", "{page}");
    assert!(page["latest"]["sandbox_code"].is_null(), "the code is never stored by Paydesk: {page}");

    // The page as served (a reload during the verification step): the shop, the line, the
    // card being verified and both ways out.
    let html = get_as(&app, &format!("/orders/{}/pay", o.number), &o.shopper).await;
    assert_eq!(html.status, StatusCode::OK);
    for text in [
        "Bright Gadgets",
        &format!("href=\"/shops/{}\"", o.shop_id),
        ">Thing<",
        "Visa credit card •••• 3220",
        "Send a new code",
        "Use another method",
    ] {
        assert!(html.body.contains(text), "{text} missing from:\n{}", html.body);
    }
    assert!(!html.body.contains("aria-invalid"), "no field is refused yet");

    // Someone else's order: not found, nothing of it shown.
    let other = signed_up(&app, "nosy-summary@example.com", "shopper").await;
    let theirs = call_as(&app, "pay_page_data", &format!("number={}", o.number), Some(&other), HOME).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert!(!theirs.body.contains("Bright Gadgets") && !theirs.body.contains("Thing"), "{}", theirs.body);
}

/// Makes the attempt's current code older than the 30 s after which a new one may be asked for.
async fn code_sent_long_ago(pool: &PgPool, attempt: i64) {
    sqlx::query("UPDATE payment_attempts SET updated_at = now() - interval '31 seconds' WHERE id = $1").bind(attempt).execute(pool).await.unwrap();
}

/// Issue 17: "Send a new code" — a fresh code replaces the old one (which stops working), the
/// step gets a new time limit and all its tries; not twice within 30 s (the answer says how
/// long to wait); only the shopper's own attempt, and only while it waits for its code.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_new_code_replaces_the_old_one(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "resend", "4000000000003220").await;
    let waiting = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await.json();
    assert_eq!(waiting["status"], "requires_verification");
    let attempt = waiting["attempt_id"].as_i64().unwrap();
    let old = waiting["sandbox_code"].as_str().unwrap().to_string();
    let resend = |cookie: String| {
        let app = app.clone();
        async move { call_as(&app, "resend_verification_code", &format!("attempt_id={attempt}"), Some(&cookie), HOME).await }
    };

    // At once: too soon, and the shopper is told how long to wait.
    let soon = resend(o.shopper.clone()).await;
    assert_eq!(soon.status, StatusCode::CONFLICT, "{}", soon.body);
    let said = soon.said();
    assert!(said.starts_with("A code was sent a moment ago. You can ask for a new one in "), "{said}");
    let wait: u32 = said.trim_end_matches(" s.").rsplit(' ').next().unwrap().parse().unwrap();
    assert!((25..=30).contains(&wait), "{said}");
    assert_eq!(soon.json()["detail"]["code"], "new_code_too_soon", "{}", soon.body);

    // A wrong code uses a try.
    let wrong = if old == "000000" { "111111" } else { "000000" };
    let refused = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={wrong}"), Some(&o.shopper), HOME).await;
    assert!(refused.said().contains("4 tries left"), "{}", refused.body);

    // Someone else cannot ask for a code for it.
    code_sent_long_ago(&pool, attempt).await;
    let other = signed_up(&app, "nosy-resend@example.com", "shopper").await;
    assert_eq!(resend(other).await.status, StatusCode::NOT_FOUND);

    // Later: a new code, a new time limit, all the tries again; the old code no longer works.
    let before: time::OffsetDateTime =
        sqlx::query_scalar("SELECT verification_expires_at FROM payment_attempts WHERE id = $1").bind(attempt).fetch_one(&pool).await.unwrap();
    let fresh = resend(o.shopper.clone()).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    let fresh = fresh.json();
    assert_eq!(fresh["status"], "requires_verification");
    assert_eq!(fresh["attempt_id"], attempt);
    assert_eq!(fresh["tries_left"], 5, "{fresh}");
    assert_eq!(fresh["method"]["last4"], "3220", "{fresh}");
    let new = fresh["sandbox_code"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let (tries, after): (i32, time::OffsetDateTime) =
        sqlx::query_as("SELECT code_tries, verification_expires_at FROM payment_attempts WHERE id = $1")
            .bind(attempt)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(tries, 0);
    assert!(after >= before, "{after} < {before}");
    // Asked again at once: refused, and no other code was made.
    assert_eq!(resend(o.shopper.clone()).await.status, StatusCode::CONFLICT);
    let stored: String = sqlx::query_scalar("SELECT verification_code FROM sandbox_charges").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, new);

    let stale = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={old}"), Some(&o.shopper), HOME).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", stale.body);
    assert!(stale.said().contains("not correct"), "{}", stale.body);
    let ok = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={new}"), Some(&o.shopper), HOME).await;
    assert_eq!(ok.json()["status"], "succeeded", "{}", ok.body);
    assert_eq!(order_status(&pool, &o.number).await, "paid");

    // Paid: it no longer waits for a code, whenever asked.
    code_sent_long_ago(&pool, attempt).await;
    let done = resend(o.shopper.clone()).await;
    assert_eq!(done.status, StatusCode::CONFLICT, "{}", done.body);
    assert_eq!(done.said(), "This payment no longer waits for a verification code.");
    assert_ledger_consistent(&pool).await;
}

/// Issue 17: an attempt stopped for another method ("Use another method") takes no new code,
/// and a new code asked for in two tabs at once is sent once.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_new_code_is_sent_once_and_only_while_a_code_is_awaited(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "resend2", "4000000000003220").await;
    let waiting = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await.json();
    let attempt = waiting["attempt_id"].as_i64().unwrap();
    code_sent_long_ago(&pool, attempt).await;
    let form = format!("attempt_id={attempt}");
    let asks = (0..6).map(|_| {
        let (app, cookie, form) = (app.clone(), o.shopper.clone(), form.clone());
        tokio::spawn(async move { call_as(&app, "resend_verification_code", &form, Some(&cookie), HOME).await })
    });
    let answers: Vec<_> = futures::future::join_all(asks).await.into_iter().map(Result::unwrap).collect();
    let sent: Vec<_> = answers.iter().filter(|a| a.status == StatusCode::OK).collect();
    assert_eq!(sent.len(), 1, "{:?}", answers.iter().map(|a| (a.status, a.body.clone())).collect::<Vec<_>>());
    assert!(answers.iter().all(|a| a.status == StatusCode::OK || a.status == StatusCode::CONFLICT));
    let stored: String = sqlx::query_scalar("SELECT verification_code FROM sandbox_charges").fetch_one(&pool).await.unwrap();
    assert_eq!(sent[0].json()["sandbox_code"], stored.as_str());

    let stopped = call_as(&app, "abandon_payment", &form, Some(&o.shopper), HOME).await;
    assert_eq!(stopped.json()["status"], "failed", "{}", stopped.body);
    code_sent_long_ago(&pool, attempt).await;
    let late = call_as(&app, "resend_verification_code", &form, Some(&o.shopper), HOME).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert_eq!(late.json()["detail"]["code"], "code_no_longer_awaited", "{}", late.body);
    let charge: (String, String) = sqlx::query_as("SELECT status, verification_code FROM sandbox_charges").fetch_one(&pool).await.unwrap();
    assert_eq!(charge, ("declined".to_string(), stored), "the provider was not asked for a code");
    assert_eq!(order_status(&pool, &o.number).await, "awaiting_payment");
    assert_ledger_consistent(&pool).await;
}
