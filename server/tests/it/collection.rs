//! The merchant collects: payment requests and their deadlines, the expiry worker (also two
//! of them racing), cash on delivery end to end, fulfilment, notifications, who may act on
//! which order, and the console's filters and paging.

use crate::common::*;
use axum::{Router, http::StatusCode};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

async fn act(app: &Router, merchant: &str, number: &str, action: &str, extra: &str) -> Answer {
    // Cancelling and withdrawing are confirmed in the page first; here they are confirmed.
    let form = format!("number={number}&action={action}{extra}&confirm=yes");
    call_as(app, "merchant_order_action", &form, Some(merchant), HOME).await
}

async fn notifications(app: &Router, cookie: &str) -> serde_json::Value {
    let answer = call_as(app, "my_notifications", "", Some(cookie), HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

async fn stock(pool: &PgPool, product: i64) -> i32 {
    sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(product).fetch_one(pool).await.unwrap()
}

async fn events(pool: &PgPool, number: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT e.event FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.number = $1 ORDER BY e.id")
        .bind(number)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_payment_request_reaches_the_shopper_who_pays_and_the_merchant_is_notified(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "req", "4242424242424242").await;

    let sent = act(&app, &o.merchant, &o.number, "request_payment", "&minutes=90").await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let view = call_as(&app, "order_detail", &format!("number={}", o.number), Some(&o.shopper), HOME).await.json();
    assert_eq!(view["request"], "open");
    let deadline = OffsetDateTime::parse(view["request_deadline"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
    let expected = OffsetDateTime::now_utc() + Duration::minutes(90);
    assert!((deadline - expected).abs() < Duration::seconds(30), "{deadline} vs {expected}");
    let shopper_notes = notifications(&app, &o.shopper).await;
    assert_eq!(shopper_notes["unread"], 1);
    assert_eq!(shopper_notes["items"][0]["kind"], "payment_requested");

    let paid = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);
    let merchant_notes = notifications(&app, &o.merchant).await;
    assert_eq!(merchant_notes["unread"], 1);
    assert_eq!(merchant_notes["items"][0]["kind"], "payment_received");
    assert_eq!(merchant_notes["items"][0]["order_number"], o.number.as_str());
    let request: String = sqlx::query_scalar("SELECT status FROM payment_requests").fetch_one(&pool).await.unwrap();
    assert_eq!(request, "paid");
    assert_eq!(events(&pool, &o.number).await, ["created", "payment_requested", "paid"]);

    // Marking read brings the count down; another user's notification cannot be marked.
    let id = merchant_notes["items"][0]["id"].as_i64().unwrap();
    let other = call_as(&app, "mark_notifications_read", &format!("id={id}"), Some(&o.shopper), HOME).await;
    assert_eq!(other.json(), 0);
    call_as(&app, "mark_notifications_read", &format!("id={id}"), Some(&o.merchant), HOME).await;
    assert_eq!(notifications(&app, &o.merchant).await["unread"], 0);
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn requests_can_be_resent_or_withdrawn_and_a_withdrawn_request_cannot_be_paid(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "wd", "4242424242424242").await;

    // Only an open request can be re-sent or withdrawn; a deadline outside the limits is refused.
    assert_eq!(act(&app, &o.merchant, &o.number, "resend_request", "").await.status, StatusCode::CONFLICT);
    let bad = act(&app, &o.merchant, &o.number, "request_payment", "&minutes=2").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains(r#"{"code":"deadline_minutes","min":5,"max":10080}"#), "{}", bad.body);

    assert_eq!(act(&app, &o.merchant, &o.number, "request_payment", "").await.status, StatusCode::OK);
    assert_eq!(act(&app, &o.merchant, &o.number, "request_payment", "").await.status, StatusCode::CONFLICT);
    assert_eq!(act(&app, &o.merchant, &o.number, "resend_request", "&minutes=60").await.status, StatusCode::OK);
    let open: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_requests WHERE status = 'open'").fetch_one(&pool).await.unwrap();
    assert_eq!(open, 1, "a re-send replaces the open request");

    assert_eq!(act(&app, &o.merchant, &o.number, "withdraw_request", "").await.status, StatusCode::OK);
    let refused = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.said().contains("withdrew its payment request"), "{}", refused.body);
    let kinds: Vec<String> =
        notifications(&app, &o.shopper).await["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds, ["payment_request_withdrawn", "payment_requested", "payment_requested"]);

    // A new request makes it payable again.
    assert_eq!(act(&app, &o.merchant, &o.number, "request_payment", "&minutes=30").await.status, StatusCode::OK);
    let paid = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);
    assert_eq!(
        events(&pool, &o.number).await,
        ["created", "payment_requested", "payment_request_resent", "payment_request_withdrawn", "payment_requested", "paid"]
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_expired_request_cancels_the_order_and_gives_the_stock_back(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "exp", "4242424242424242").await;
    assert_eq!(stock(&pool, o.product).await, 99);
    act(&app, &o.merchant, &o.number, "request_payment", "&minutes=10").await;

    // Before the deadline the worker leaves it alone; after it, the order is cancelled.
    let now = OffsetDateTime::now_utc();
    assert_eq!(backend::worker::expire_overdue(&pool, now + Duration::minutes(9)).await.unwrap(), 0);
    assert_eq!(backend::worker::expire_overdue(&pool, now + Duration::minutes(11)).await.unwrap(), 1);
    assert_eq!(order_status(&pool, &o.number).await, "cancelled");
    assert_eq!(stock(&pool, o.product).await, 100);
    assert_eq!(events(&pool, &o.number).await.last().unwrap(), "expired");
    let request: String = sqlx::query_scalar("SELECT status FROM payment_requests").fetch_one(&pool).await.unwrap();
    assert_eq!(request, "expired");
    assert_eq!(notifications(&app, &o.shopper).await["items"][0]["kind"], "order_expired");
    assert_eq!(notifications(&app, &o.merchant).await["items"][0]["kind"], "order_expired");
    // Both sides see it on the order.
    let shopper_view = call_as(&app, "order_detail", &format!("number={}", o.number), Some(&o.shopper), HOME).await.json();
    assert_eq!(shopper_view["summary"]["status"], "cancelled");
    let merchant_view = call_as(&app, "merchant_order", &format!("number={}", o.number), Some(&o.merchant), HOME).await.json();
    assert_eq!(merchant_view["order"]["summary"]["status"], "cancelled");
    assert_eq!(merchant_view["actions"], serde_json::json!([]));
    // A second run finds nothing to do.
    assert_eq!(backend::worker::expire_overdue(&pool, now + Duration::minutes(11)).await.unwrap(), 0);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn paying_just_before_the_deadline_succeeds_and_just_after_is_refused(pool: PgPool) {
    let app = app(pool.clone());
    let set_due = |number: String, secs: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query("UPDATE orders SET payment_due_at = now() + make_interval(secs => $2) WHERE number = $1")
                .bind(number)
                .bind(secs as f64)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    // One second after the deadline: refused, nothing recorded.
    let late = shop_order(&app, &pool, "late", "4242424242424242").await;
    set_due(late.number.clone(), -1).await;
    let refused = call_as(&app, "pay_order", &pay_form(&late.number, late.method, &new_key()), Some(&late.shopper), HOME).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.said().contains("deadline of this order has passed"), "{}", refused.body);
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_attempts").fetch_one(&pool).await.unwrap();
    assert_eq!(attempts, 0);

    // Started a second before the deadline (a code to enter): the worker, running after the
    // deadline, leaves the order to the payment in flight, which then succeeds.
    let early = shop_order(&app, &pool, "early", "4000000000003220").await;
    set_due(early.number.clone(), 1).await;
    let started = call_as(&app, "pay_order", &pay_form(&early.number, early.method, &new_key()), Some(&early.shopper), HOME).await;
    assert_eq!(started.json()["status"], "requires_verification", "{}", started.body);
    let later = OffsetDateTime::now_utc() + Duration::minutes(5);
    assert_eq!(backend::worker::expire_overdue(&pool, later).await.unwrap(), 1, "only the late order expires");
    assert_eq!(order_status(&pool, &early.number).await, "awaiting_payment");
    let code = started.json()["sandbox_code"].as_str().unwrap().to_string();
    let attempt = started.json()["attempt_id"].as_i64().unwrap();
    let verified = call_as(&app, "verify_payment", &format!("attempt_id={attempt}&code={code}"), Some(&early.shopper), HOME).await;
    assert_eq!(verified.json()["status"], "succeeded", "{}", verified.body);
    assert_eq!(order_status(&pool, &early.number).await, "paid");
    assert_eq!(order_status(&pool, &late.number).await, "cancelled");
    assert_ledger_consistent(&pool).await;
}

/// Seeds `n` orders of one unit of `product`, awaiting payment and already overdue, reserving
/// their stock as checkout does.
async fn seed_overdue(pool: &PgPool, shop_id: i64, shopper_email: &str, product: i64, n: i64) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO orders (number, shopper_id, shop_id, status, currency, total_minor, ship_name, ship_phone, ship_line1,
                             ship_city, ship_postcode, ship_country, payment_due_at)
         SELECT 'PD-SEED-' || g, u.id, $1, 'awaiting_payment', 'USD', 2500, 'Li Wei', '+8613800138000', '1 Road', 'Shanghai', '200120', 'CN',
                now() - interval '1 minute'
         FROM generate_series(1, $3) g, users u WHERE u.email = $2",
    )
    .bind(shop_id)
    .bind(shopper_email)
    .bind(n)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_lines (order_id, product_id, title, unit_price_minor, quantity, line_total_minor)
         SELECT id, $1, 'Thing', 2500, 1, 2500 FROM orders WHERE number LIKE 'PD-SEED-%'",
    )
    .bind(product)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("UPDATE products SET stock = stock - $2 WHERE id = $1").bind(product).bind(n as i32).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn two_workers_racing_over_a_thousand_expired_requests_expire_each_exactly_once(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "race-shop@example.com", "US").await;
    let product = add_product(&app, &merchant, "Thing", "25.00", 5000).await;
    signed_up(&app, "race-shopper@example.com", "shopper").await;
    seed_overdue(&pool, shop_id, "race-shopper@example.com", product, 1000).await;
    assert_eq!(stock(&pool, product).await, 4000);

    let now = OffsetDateTime::now_utc();
    let worker = |pool: PgPool| async move {
        let mut total = 0;
        loop {
            let n = backend::worker::expire_overdue(&pool, now).await.unwrap();
            if n == 0 {
                return total;
            }
            total += n;
        }
    };
    let (a, b) = tokio::join!(tokio::spawn(worker(pool.clone())), tokio::spawn(worker(pool.clone())));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, 1000, "worker A expired {a}, worker B {b}");
    let expired_events: i64 = sqlx::query_scalar("SELECT count(*) FROM order_events WHERE event = 'expired'").fetch_one(&pool).await.unwrap();
    assert_eq!(expired_events, 1000, "one event per order");
    let twice: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT order_id FROM order_events WHERE event = 'expired' GROUP BY order_id HAVING count(*) > 1) t",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(twice, 0);
    assert_eq!(stock(&pool, product).await, 5000, "stock released exactly once per order");
    let counts = app::db::collection::status_counts(&pool, shop_id).await.unwrap();
    assert!(counts.contains(&(domain::orders::OrderStatus::Cancelled, 1000)), "{counts:?}");
    assert!(counts.contains(&(domain::orders::OrderStatus::AwaitingPayment, 0)), "{counts:?}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn cash_on_delivery_ships_unpaid_and_is_paid_on_delivery_with_the_exact_amount(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "cod", "4242424242424242").await;

    assert_eq!(act(&app, &o.merchant, &o.number, "choose_cash_on_delivery", "").await.status, StatusCode::OK);
    assert_eq!(order_status(&pool, &o.number).await, "cod_to_ship");
    // The shopper can no longer pay online; the worker does not expire it.
    let pay = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(pay.status, StatusCode::CONFLICT);
    assert_eq!(backend::worker::expire_overdue(&pool, OffsetDateTime::now_utc() + Duration::days(2)).await.unwrap(), 0);

    // Shipping needs a carrier and a tracking number.
    let bad = act(&app, &o.merchant, &o.number, "ship", "&carrier=&tracking=%3Cscript%3E").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.said().contains("carrier") && bad.said().contains("tracking"), "{}", bad.body);
    assert_eq!(act(&app, &o.merchant, &o.number, "ship", "&carrier=SF+Express&tracking=SF1234567").await.status, StatusCode::OK);
    assert_eq!(order_status(&pool, &o.number).await, "cod_shipped");
    assert_eq!(notifications(&app, &o.shopper).await["items"][0]["kind"], "order_shipped");

    // Delivery without the cash, or with another amount, is refused with the reason.
    let without = act(&app, &o.merchant, &o.number, "deliver", "").await;
    assert_eq!(without.status, StatusCode::CONFLICT);
    assert!(without.said().contains("Record the cash collected"), "{}", without.body);
    let empty = act(&app, &o.merchant, &o.number, "deliver_collecting_cash", "&cash=").await;
    assert!(empty.body.contains(r#"{"code":"cash_missing","due":{"minor":2500,"currency":"USD"}}"#), "{}", empty.body);
    let short = act(&app, &o.merchant, &o.number, "deliver_collecting_cash", "&cash=20.00").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.said().contains("must equal the amount due (25.00 USD)"), "{}", short.body);
    assert_eq!(order_status(&pool, &o.number).await, "cod_shipped");
    let postings: i64 = sqlx::query_scalar("SELECT count(*) FROM ledger_transactions").fetch_one(&pool).await.unwrap();
    assert_eq!(postings, 0, "nothing posted by a refused delivery");

    let done = act(&app, &o.merchant, &o.number, "deliver_collecting_cash", "&cash=25").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(order_status(&pool, &o.number).await, "delivered");
    let (kind, cash): (String, i64) = sqlx::query_as(
        "SELECT t.kind, e.amount_minor FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
         JOIN ledger_accounts a ON a.id = e.account_id WHERE a.kind = 'merchant_cash'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((kind.as_str(), cash), ("cash_on_delivery", 2500));
    assert_ledger_consistent(&pool).await;
    assert_eq!(notifications(&app, &o.merchant).await["items"][0]["kind"], "payment_received");
    // Collecting twice is refused: the order is delivered.
    assert_eq!(act(&app, &o.merchant, &o.number, "deliver_collecting_cash", "&cash=25").await.status, StatusCode::CONFLICT);
    // Regression: a refused action left the order's row locked until its connection went back
    // to the pool, so the worker right after could skip the order.
    let mut probe = pool.begin().await.unwrap();
    let unlocked = sqlx::query("SELECT id FROM orders WHERE number = $1 FOR UPDATE NOWAIT").bind(&o.number).execute(&mut *probe).await;
    assert!(unlocked.is_ok(), "the order is still locked after a refused action: {unlocked:?}");
    probe.rollback().await.unwrap();

    // The worker completes it once the return period is over.
    let now = OffsetDateTime::now_utc();
    assert_eq!(backend::worker::complete_delivered(&pool, now, Duration::hours(168)).await.unwrap(), 0);
    assert_eq!(backend::worker::complete_delivered(&pool, now + Duration::hours(169), Duration::hours(168)).await.unwrap(), 1);
    assert_eq!(order_status(&pool, &o.number).await, "completed");
    assert_eq!(events(&pool, &o.number).await, ["created", "cash_on_delivery", "shipped", "delivered_cash_collected", "completed"]);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn paid_orders_are_shipped_and_delivered(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "ful", "4242424242424242").await;
    assert_eq!(act(&app, &o.merchant, &o.number, "ship", "&carrier=DHL&tracking=JD0042").await.status, StatusCode::CONFLICT, "unpaid");
    call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    let view = call_as(&app, "merchant_order", &format!("number={}", o.number), Some(&o.merchant), HOME).await.json();
    assert_eq!(view["actions"], serde_json::json!(["ship"]));
    assert_eq!(view["attempts"][0]["status"], "succeeded");
    // The merchant sees the brand and the last digits, never the holder or the expiry.
    assert_eq!(view["attempts"][0]["method"]["last4"], "4242");
    assert_eq!(view["attempts"][0]["method"]["brand"], "visa");
    assert!(view["attempts"][0]["method"].get("holder_name").is_none() && view["attempts"][0]["method"].get("exp_month").is_none());
    assert_eq!(act(&app, &o.merchant, &o.number, "cancel", "").await.status, StatusCode::CONFLICT, "paid orders are not cancelled here");
    assert_eq!(act(&app, &o.merchant, &o.number, "ship", "&carrier=DHL&tracking=JD0042").await.status, StatusCode::OK);
    assert_eq!(act(&app, &o.merchant, &o.number, "deliver", "").await.status, StatusCode::OK);
    let view = call_as(&app, "order_detail", &format!("number={}", o.number), Some(&o.shopper), HOME).await.json();
    assert_eq!(view["summary"]["status"], "delivered");
    assert_eq!(view["shipment"]["tracking_number"], "JD0042");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn nobody_acts_on_an_order_that_is_not_theirs(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "mine", "4242424242424242").await;
    let (other, _) = open_shop(&app, &pool, "other-shop@example.com", "US").await;

    let seen = call_as(&app, "merchant_order", &format!("number={}", o.number), Some(&other), HOME).await;
    assert_eq!(seen.status, StatusCode::NOT_FOUND);
    for action in ["request_payment", "choose_cash_on_delivery", "cancel"] {
        let answer = act(&app, &other, &o.number, action, "").await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{action}");
    }
    // A shopper, even the order's own, is not a merchant; nor is a visitor.
    assert_eq!(act(&app, &o.shopper, &o.number, "cancel", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        call_as(&app, "merchant_order_action", &format!("number={}&action=cancel", o.number), None, HOME).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(call_as(&app, "console_orders", "", Some(&o.shopper), HOME).await.status, StatusCode::FORBIDDEN);
    // The other shop's console does not list it.
    let page = call_as(&app, "console_orders", "", Some(&other), HOME).await.json();
    assert_eq!(page["rows"], serde_json::json!([]));
    assert_eq!(order_status(&pool, &o.number).await, "awaiting_payment");

    // An unknown action is a bad request, not a crash.
    let odd = act(&app, &o.merchant, &o.number, "refund_everything", "").await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST, "{}", odd.body);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_console_filters_searches_counts_and_pages_stably_while_orders_arrive(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "console-shop@example.com", "US").await;
    let product = add_product(&app, &merchant, "Thing", "25.00", 5000).await;
    signed_up(&app, "console-shopper@example.com", "shopper").await;
    seed_overdue(&pool, shop_id, "console-shopper@example.com", product, 60).await;
    // Spread the seeded orders over time; make 10 paid and 5 cash on delivery.
    sqlx::query("UPDATE orders SET created_at = now() - make_interval(mins => id::int), payment_due_at = now() + interval '1 hour'")
        .execute(&pool)
        .await
        .unwrap();
    let first_ten: Vec<i64> = sqlx::query_scalar("SELECT id FROM orders ORDER BY id LIMIT 10").fetch_all(&pool).await.unwrap();
    seed_paid(&pool, &first_ten).await;
    sqlx::query("UPDATE orders SET status = 'cod_to_ship', collection_method = 'cash_on_delivery' WHERE id IN (SELECT id FROM orders ORDER BY id DESC LIMIT 5)")
        .execute(&pool)
        .await
        .unwrap();

    let page = |form: String| {
        let (app, merchant) = (app.clone(), merchant.clone());
        async move {
            let answer = call_as(&app, "console_orders", &form, Some(&merchant), HOME).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            answer.json()
        }
    };
    let numbers =
        |p: &serde_json::Value| -> Vec<String> { p["rows"].as_array().unwrap().iter().map(|r| r["number"].as_str().unwrap().to_string()).collect() };

    // Awaiting payment first, then the rest, each newest first; 25 per page.
    let first = page(String::new()).await;
    assert_eq!(first["rows"].as_array().unwrap().len(), 25);
    assert!(first["rows"].as_array().unwrap().iter().all(|r| r["status"] == "awaiting_payment"));
    let counts: std::collections::HashMap<String, i64> =
        first["counts"].as_array().unwrap().iter().map(|c| (c[0].as_str().unwrap().to_string(), c[1].as_i64().unwrap())).collect();
    assert_eq!((counts["awaiting_payment"], counts["paid"], counts["cod_to_ship"]), (45, 10, 5));

    // New orders arrive between pages: the following pages neither repeat nor skip.
    seed_more(&pool, shop_id).await;
    let mut seen = numbers(&first);
    let mut after = first["next"].as_str().unwrap().to_string();
    loop {
        let p = page(format!("after={after}")).await;
        seen.extend(numbers(&p));
        match p["next"].as_str() {
            Some(n) => after = n.to_string(),
            None => break,
        }
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len(), 60, "{seen:?}");
    assert_eq!(unique.len(), 60);
    assert!(seen.iter().all(|n| n.starts_with("PD-SEED-")));
    let statuses_in_order: Vec<bool> = {
        let all: Vec<(String, String)> = sqlx::query_as("SELECT number, status FROM orders").fetch_all(&pool).await.unwrap();
        let status: std::collections::HashMap<_, _> = all.into_iter().collect();
        seen.iter().map(|n| status[n] == "awaiting_payment").collect()
    };
    assert!(statuses_in_order.windows(2).all(|w| w[0] >= w[1]), "awaiting payment comes first");

    // Filters: status tab, method, shopper email, order number, dates.
    assert_eq!(numbers(&page("filter[status]=paid".into()).await).len(), 10);
    assert_eq!(numbers(&page("filter[method]=cash_on_delivery".into()).await).len(), 5);
    assert_eq!(numbers(&page("filter[q]=CONSOLE-shopper%40example.com&filter[status]=paid".into()).await).len(), 10);
    assert_eq!(numbers(&page("filter[q]=pd-seed-7".into()).await), ["PD-SEED-7"]);
    assert_eq!(numbers(&page("filter[q]=nobody%40example.com".into()).await).len(), 0);
    let tomorrow = (OffsetDateTime::now_utc() + Duration::days(1)).date();
    assert_eq!(numbers(&page(format!("filter[from]={tomorrow}")).await).len(), 0);

    // Bad filters name their field; a forged cursor is a bad request.
    let bad = call_as(&app, "console_orders", "filter[status]=lost", Some(&merchant), HOME).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.said().contains("status: Choose an option from the list."), "{}", bad.body);
    let forged = call_as(&app, "console_orders", "after=zzz", Some(&merchant), HOME).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
}

async fn seed_more(pool: &PgPool, shop_id: i64) {
    sqlx::query(
        "INSERT INTO orders (number, shopper_id, shop_id, status, currency, total_minor, ship_name, ship_phone, ship_line1,
                             ship_city, ship_postcode, ship_country, payment_due_at)
         SELECT 'PD-NEW-' || g, shopper_id, shop_id, 'awaiting_payment', 'USD', 2500, 'Li Wei', '+8613800138000', '1 Road', 'Shanghai', '200120', 'CN',
                now() + interval '1 hour'
         FROM generate_series(1, 10) g, (SELECT shopper_id, shop_id FROM orders WHERE shop_id = $1 LIMIT 1) o",
    )
    .bind(shop_id)
    .execute(pool)
    .await
    .unwrap();
}

/// Regression (throughput): every status change of a shop's orders once updated the same
/// per-status count row and held it until commit, so concurrent payments of one busy shop
/// queued behind each other. Two transactions (in different count slots) now change two
/// orders of one shop at the same time without waiting, and the counts still add up.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn status_changes_of_one_shop_do_not_queue_on_its_counts(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "busy@example.com", "US").await;
    let product = add_product(&app, &merchant, "Thing", "25.00", 10).await;
    signed_up(&app, "buyer@example.com", "shopper").await;
    seed_overdue(&pool, shop_id, "buyer@example.com", product, 2).await;

    let slot = "SELECT txid_current() % 16";
    let mut first = pool.begin().await.unwrap();
    let first_slot: i64 = sqlx::query_scalar(slot).fetch_one(&mut *first).await.unwrap();
    sqlx::query("UPDATE orders SET status = 'cancelled' WHERE number = 'PD-SEED-1'").execute(&mut *first).await.unwrap();
    let mut second = loop {
        let mut tx = pool.begin().await.unwrap();
        if sqlx::query_scalar::<_, i64>(slot).fetch_one(&mut *tx).await.unwrap() != first_slot {
            break tx;
        }
        tx.rollback().await.unwrap();
    };
    sqlx::query("SET LOCAL lock_timeout = '2s'").execute(&mut *second).await.unwrap();
    sqlx::query("UPDATE orders SET status = 'cancelled' WHERE number = 'PD-SEED-2'")
        .execute(&mut *second)
        .await
        .expect("the second change does not wait for the first transaction");
    second.commit().await.unwrap();
    first.commit().await.unwrap();

    let counts = app::db::collection::status_counts(&pool, shop_id).await.unwrap();
    let count = |status: &str| counts.iter().find(|(s, _)| s.as_str() == status).map_or(0, |(_, n)| *n);
    assert_eq!((count("cancelled"), count("awaiting_payment")), (2, 0), "{counts:?}");
}
