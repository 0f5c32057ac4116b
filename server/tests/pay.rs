//! The shopper pays: every sandbox outcome end to end, idempotency, no double charge under
//! concurrency, refusals that write nothing, callbacks and the reconciler — with the ledger
//! checked after each.

mod common;

use axum::http::StatusCode;
use common::*;
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
    assert!(again.body.contains("already paid"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn declines_explain_themselves_and_another_method_can_pay(pool: PgPool) {
    let app = app(pool.clone());
    for (tag, card, reason) in [
        ("d1", "4000000000000002", "declined by its bank"),
        ("d2", "4000000000009995", "not enough funds"),
        ("d3", "4000000000000069", "has expired"),
    ] {
        let (shopper, number, method) = order_to_pay(&app, &pool, tag, card).await;
        let answer = call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.json()["status"], "failed");
        assert!(answer.json()["message"].as_str().unwrap().contains(reason), "{}", answer.body);
        assert_eq!(order_status(&pool, &number).await, "awaiting_payment");

        // A second method then pays.
        let good = call_as(&app, "bind_card", "card[kind]=credit_card&card[number]=5555555555554444&card[expiry]=12%2F30&card[cvc]=123&card[holder]=P", Some(&shopper), HOME).await;
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
    assert!(refused.body.contains("not correct"));
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
    let other_method = call_as(&app, "bind_card", "card[kind]=credit_card&card[number]=5555555555554444&card[expiry]=12%2F30&card[cvc]=123&card[holder]=P", Some(&shopper), HOME).await.json()["id"].as_i64().unwrap();
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
    let thief_card = call_as(&app, "bind_card", "card[kind]=credit_card&card[number]=4242424242424242&card[expiry]=12%2F30&card[cvc]=123&card[holder]=T", Some(&thief), HOME).await.json()["id"].as_i64().unwrap();
    assert_eq!(call_as(&app, "pay_order", &pay_form(&number, thief_card, &new_key()), Some(&shopper), HOME).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Not signed in.
    assert_eq!(call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), None, HOME).await.status, StatusCode::UNAUTHORIZED);
    // After the deadline.
    sqlx::query("UPDATE orders SET payment_due_at = now() - interval '1 second' WHERE number = $1").bind(&number).execute(&pool).await.unwrap();
    let late = call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body.contains("deadline"));
    // Cancelled.
    sqlx::query("UPDATE orders SET payment_due_at = now() + interval '10 minutes' WHERE number = $1").bind(&number).execute(&pool).await.unwrap();
    call_as(&app, "cancel_order", &format!("number={number}"), Some(&shopper), HOME).await;
    let cancelled = call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(cancelled.status, StatusCode::CONFLICT);
    assert!(cancelled.body.contains("cancelled"));

    assert_eq!(count(&pool, "payment_attempts").await, 0);
    assert_eq!(count(&pool, "sandbox_charges").await, 0);
    assert_eq!(count(&pool, "ledger_entries").await, 0);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_slow_payment_is_finished_by_the_callback(pool: PgPool) {
    // A real server, so that the sandbox's signed callback travels over HTTP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/provider/callback", listener.local_addr().unwrap());
    let router = app_with_callbacks(pool.clone(), &url);
    tokio::spawn({
        let router = router.clone();
        async move { axum::serve(listener, router).await.unwrap() }
    });
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

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_attempt_left_in_processing_by_a_crash_is_finished_by_the_reconciler(pool: PgPool) {
    use app::payments::provider::{ChargeRequest, Token};
    let app = app(pool.clone());
    let (shopper, number, method) = order_to_pay(&app, &pool, "crash", "4242424242424242").await;
    // Simulate the crash: the attempt is recorded, the provider charges, and the process dies
    // before writing the outcome.
    let key = uuid::Uuid::new_v4();
    let (order_id, total): (i64, i64) = sqlx::query_as("SELECT id, total_minor FROM orders WHERE number = $1").bind(&number).fetch_one(&pool).await.unwrap();
    let payment: i64 = sqlx::query_scalar("INSERT INTO payments (order_id, amount_minor, currency, deadline) VALUES ($1, $2, 'USD', now() + interval '10 minutes') RETURNING id")
        .bind(order_id).bind(total).fetch_one(&pool).await.unwrap();
    let shopper_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'payer-crash@example.com'").fetch_one(&pool).await.unwrap();
    sqlx::query("INSERT INTO payment_attempts (payment_id, shopper_id, method_id, idempotency_key, provider, status, updated_at) VALUES ($1, $2, $3, $4, 'sandbox', 'processing', now() - interval '1 minute')")
        .bind(payment).bind(shopper_id).bind(method).bind(key).execute(&pool).await.unwrap();
    let token: String = sqlx::query_scalar("SELECT token FROM payment_methods WHERE id = $1").bind(method).fetch_one(&pool).await.unwrap();
    let provider = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    provider
        .charge(ChargeRequest { token: Token(token), amount: app::money::Money::new(total, app::money::Currency::USD), idempotency_key: key.to_string() })
        .await
        .unwrap();
    assert_eq!(order_status(&pool, &number).await, "awaiting_payment");

    let finished = app::payments::pay::reconcile(&pool, &provider, 10.0).await.unwrap();
    assert_eq!(finished, 1);
    assert_eq!(order_status(&pool, &number).await, "paid");
    assert_eq!(count(&pool, "sandbox_charges").await, 1, "not charged twice");
    assert_eq!(app::payments::pay::reconcile(&pool, &provider, 10.0).await.unwrap(), 0, "nothing left");
    assert_ledger_consistent(&pool).await;
    let _ = shopper;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_ledger_refuses_unbalanced_or_changed_entries(pool: PgPool) {
    let mut tx = pool.begin().await.unwrap();
    let account: i64 = sqlx::query_scalar("INSERT INTO ledger_accounts (kind, owner_id, currency) VALUES ('platform_clearing', NULL, 'USD') RETURNING id").fetch_one(&mut *tx).await.unwrap();
    let t: i64 = sqlx::query_scalar("INSERT INTO ledger_transactions (kind) VALUES ('test') RETURNING id").fetch_one(&mut *tx).await.unwrap();
    sqlx::query("INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency) VALUES ($1, $2, 100, 'USD')").bind(t).bind(account).execute(&mut *tx).await.unwrap();
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
    let refused = call_as(&app, "remove_method", &format!("id={method}"), Some(&shopper), HOME).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("still being processed"));
    let code = waiting["sandbox_code"].as_str().unwrap();
    call_as(&app, "verify_payment", &format!("attempt_id={}&code={code}", waiting["attempt_id"]), Some(&shopper), HOME).await;
    assert_eq!(call_as(&app, "remove_method", &format!("id={method}"), Some(&shopper), HOME).await.status, StatusCode::OK);
}
