//! Refunds and after-sales through the server functions: the shopper asks, the merchant answers
//! (or the worker does when the window passed), returns come back, refusals go to staff, the
//! merchant refunds on their own (online and cash on delivery), failed provider refunds are
//! retried — with who may do what, and the limits under concurrency, checked against the ledger.

use crate::common::*;
use axum::{Router, http::StatusCode};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

async fn act(app: &Router, merchant: &str, number: &str, action: &str, extra: &str) -> Answer {
    call_as(app, "merchant_order_action", &format!("number={number}&action={action}{extra}&confirm=yes"), Some(merchant), HOME).await
}

/// A paid order of `units` units of a 25.00 USD product, paid with `card`.
async fn paid_order(app: &Router, pool: &PgPool, tag: &str, card: &str, units: i32) -> ShopOrder {
    let o = shop_order(app, pool, tag, card).await;
    if units > 1 {
        // Put more units in: cancel this order's cart line is gone, so order again with more.
        call_as(app, "add_to_cart", &format!("product_id={}&quantity={units}", o.product), Some(&o.shopper), HOME).await;
        let placed = call_as(app, "place_order", &checkout_form(o.shop_id, &new_key()), Some(&o.shopper), HOME).await;
        let number: String = serde_json::from_str(&placed.body).unwrap_or_else(|_| panic!("{}", placed.body));
        let paid = call_as(app, "pay_order", &pay_form(&number, o.method, &new_key()), Some(&o.shopper), HOME).await;
        assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);
        return ShopOrder { number, ..o };
    }
    let paid = call_as(app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);
    o
}

async fn view(app: &Router, cookie: &str, number: &str) -> serde_json::Value {
    let answer = call_as(app, "after_sales", &format!("number={number}"), Some(cookie), HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

async fn ask(app: &Router, o: &ShopOrder, kind: &str, reason: &str, qty: i32) -> Answer {
    let form = format!("number={}&kind={kind}&reason={reason}&note=please&qty[{}]={qty}&key={}", o.number, o.product, new_key());
    call_as(app, "ask_refund", &form, Some(&o.shopper), HOME).await
}

async fn answer(app: &Router, o: &ShopOrder, request: i64, what: &str, extra: &str) -> Answer {
    let form = format!("number={}&request_id={request}&answer={what}{extra}", o.number);
    call_as(app, "answer_refund_request", &form, Some(&o.merchant), HOME).await
}

async fn stock(pool: &PgPool, product: i64) -> i32 {
    sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(product).fetch_one(pool).await.unwrap()
}

async fn shop_pending(pool: &PgPool, shop_id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT coalesce(sum(e.amount_minor), 0)::BIGINT FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
         WHERE a.kind = 'merchant_pending' AND a.owner_id = $1",
    )
    .bind(shop_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn provider(pool: &PgPool) -> app::payments::provider::Provider {
    app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap()
}

async fn worker(pool: &PgPool, at: OffsetDateTime) -> backend::refunds::AfterSalesJobs {
    backend::refunds::run_jobs(pool, &provider(pool), &Default::default(), at, 0.0).await.unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn refund_only_before_shipment_approved_by_the_merchant_gives_money_and_stock_back(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r1", "4242424242424242", 3).await;
    let before = stock(&pool, o.product).await;

    // Before shipment only "refund only" with a before-shipment reason.
    let returned = ask(&app, &o, "return_and_refund", "changed_mind", 1).await;
    assert_eq!(returned.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", returned.body);
    let damaged = ask(&app, &o, "refund_only", "damaged", 1).await;
    assert_eq!(damaged.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", damaged.body);
    let too_many = ask(&app, &o, "refund_only", "changed_mind", 4).await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", too_many.body);
    assert!(too_many.said().contains("At most 3"), "{}", too_many.said());
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM refund_requests").fetch_one(&pool).await.unwrap();
    assert_eq!(none, 0, "refusals write nothing");

    let asked = ask(&app, &o, "refund_only", "changed_mind", 2).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let request = asked.json().as_i64().unwrap();
    // Both sides see it, with its deadline; a second request waits for this one.
    let seen = view(&app, &o.merchant, &o.number).await;
    assert_eq!(seen["requests"][0]["status"], "awaiting_answer");
    assert!(seen["requests"][0]["deadline"].is_string());
    assert_eq!(seen["requests"][0]["requested"]["minor"], 5000);
    assert_eq!(ask(&app, &o, "refund_only", "changed_mind", 1).await.status, StatusCode::CONFLICT);

    // Someone else cannot answer it; the shopper cannot approve their own request.
    let stranger = open_shop(&app, &pool, "other-r1@example.com", "US").await.0;
    let form = format!("number={}&request_id={request}&answer=approve", o.number);
    assert_eq!(call_as(&app, "answer_refund_request", &form, Some(&stranger), HOME).await.status, StatusCode::NOT_FOUND);
    assert_eq!(call_as(&app, "answer_refund_request", &form, Some(&o.shopper), HOME).await.status, StatusCode::FORBIDDEN);

    let approved = answer(&app, &o, request, "approve", "").await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let after = view(&app, &o.shopper, &o.number).await;
    assert_eq!(after["requests"][0]["status"], "refunded");
    assert_eq!(after["refunded"]["minor"], 5000);
    assert_eq!(after["standing"], "partially_refunded");
    assert_eq!(after["refunds"][0]["status"], "succeeded");
    assert_eq!(stock(&pool, o.product).await, before + 2, "units that never left go back on the shelf");
    assert_eq!(shop_pending(&pool, o.shop_id).await, 2500, "the shop is owed what is left");
    assert_ledger_consistent(&pool).await;

    // Approving again is refused and moves no money.
    assert_eq!(answer(&app, &o, request, "approve", "").await.status, StatusCode::CONFLICT);
    let refunds: i64 = sqlx::query_scalar("SELECT count(*) FROM ledger_transactions WHERE kind = 'refund'").fetch_one(&pool).await.unwrap();
    assert_eq!(refunds, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn return_and_refund_waits_for_the_goods_and_only_then_pays_and_restocks(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r2", "4242424242424242", 1).await;
    assert_eq!(act(&app, &o.merchant, &o.number, "ship", "&carrier=SF&tracking=SF1").await.status, StatusCode::OK);
    // While the parcel travels nothing can be asked.
    let early = ask(&app, &o, "refund_only", "damaged", 1).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert_eq!(act(&app, &o.merchant, &o.number, "deliver", "").await.status, StatusCode::OK);
    let before = stock(&pool, o.product).await;

    let request = ask(&app, &o, "return_and_refund", "damaged", 1).await.json().as_i64().unwrap();
    assert_eq!(answer(&app, &o, request, "approve", "").await.status, StatusCode::OK);
    assert_eq!(view(&app, &o.shopper, &o.number).await["requests"][0]["status"], "awaiting_return");
    assert_eq!(shop_pending(&pool, o.shop_id).await, 2500, "no money before the goods are back");
    // Receipt cannot be confirmed before the return is sent.
    assert_eq!(answer(&app, &o, request, "receive", "").await.status, StatusCode::CONFLICT);

    let bad = format!("number={}&request_id={request}&step=ship_return&carrier=&tracking=", o.number);
    assert_eq!(call_as(&app, "refund_request_step", &bad, Some(&o.shopper), HOME).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sent = format!("number={}&request_id={request}&step=ship_return&carrier=SF+Express&tracking=SF123456", o.number);
    let shipped = call_as(&app, "refund_request_step", &sent, Some(&o.shopper), HOME).await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
    let seen = view(&app, &o.merchant, &o.number).await;
    assert_eq!(seen["requests"][0]["status"], "return_in_transit");
    assert_eq!(seen["requests"][0]["return_tracking"], "SF123456");

    assert_eq!(answer(&app, &o, request, "receive", "").await.status, StatusCode::OK);
    let done = view(&app, &o.shopper, &o.number).await;
    assert_eq!(done["requests"][0]["status"], "refunded");
    assert_eq!(done["standing"], "refunded");
    assert_eq!(stock(&pool, o.product).await, before + 1, "the returned unit is back");
    assert_eq!(shop_pending(&pool, o.shop_id).await, 0);
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn no_answer_in_time_is_approved_by_the_worker_once_and_an_unconfirmed_return_is_received(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r3", "4242424242424242", 1).await;
    let request = ask(&app, &o, "refund_only", "ordered_by_mistake", 1).await.json().as_i64().unwrap();

    // Before the deadline nothing happens; after it, two workers at once approve it once.
    assert_eq!(worker(&pool, OffsetDateTime::now_utc()).await.auto_approved, 0);
    let later = OffsetDateTime::now_utc() + Duration::hours(49);
    let (a, b) = tokio::join!(worker(&pool, later), worker(&pool, later));
    assert_eq!(a.auto_approved + b.auto_approved, 1);
    let seen = view(&app, &o.shopper, &o.number).await;
    assert_eq!(seen["requests"][0]["status"], "refunded", "{seen}");
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event FROM order_events WHERE order_id = (SELECT order_id FROM refund_requests WHERE id = $1) ORDER BY id")
            .bind(request)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(events.contains(&"refund_auto_approved".to_string()), "{events:?}");
    assert_ledger_consistent(&pool).await;

    // A return nobody confirms is taken as received after its window.
    let o = paid_order(&app, &pool, "r3b", "4242424242424242", 1).await;
    act(&app, &o.merchant, &o.number, "ship", "&carrier=SF&tracking=SF2").await;
    act(&app, &o.merchant, &o.number, "deliver", "").await;
    let request = ask(&app, &o, "return_and_refund", "wrong_item", 1).await.json().as_i64().unwrap();
    answer(&app, &o, request, "approve", "").await;
    let sent = format!("number={}&request_id={request}&step=ship_return&carrier=SF&tracking=SF3", o.number);
    call_as(&app, "refund_request_step", &sent, Some(&o.shopper), HOME).await;
    assert_eq!(worker(&pool, OffsetDateTime::now_utc() + Duration::hours(100)).await.auto_received, 0);
    assert_eq!(worker(&pool, OffsetDateTime::now_utc() + Duration::hours(169)).await.auto_received, 1);
    assert_eq!(view(&app, &o.merchant, &o.number).await["requests"][0]["status"], "refunded");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_refusal_escalated_to_staff_can_be_approved_in_part(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r4", "4242424242424242", 2).await;
    act(&app, &o.merchant, &o.number, "ship", "&carrier=SF&tracking=SF4").await;
    act(&app, &o.merchant, &o.number, "deliver", "").await;
    let request = ask(&app, &o, "refund_only", "not_as_described", 2).await.json().as_i64().unwrap();

    let short = answer(&app, &o, request, "refuse", "&refusal=no").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "a refusal needs a reason");
    assert_eq!(answer(&app, &o, request, "refuse", "&refusal=It+matches+the+photos").await.status, StatusCode::OK);
    let refused = view(&app, &o.shopper, &o.number).await;
    assert_eq!(refused["requests"][0]["status"], "refused");
    assert_eq!(refused["requests"][0]["refusal"], "It matches the photos");

    let escalate = format!("number={}&request_id={request}&step=escalate", o.number);
    assert_eq!(call_as(&app, "refund_request_step", &escalate, Some(&o.shopper), HOME).await.status, StatusCode::OK);
    let ticket: i64 = sqlx::query_scalar("SELECT ticket_id FROM refund_requests WHERE id = $1").bind(request).fetch_one(&pool).await.unwrap();
    let category: String = sqlx::query_scalar("SELECT category FROM tickets WHERE id = $1").bind(ticket).fetch_one(&pool).await.unwrap();
    assert_eq!(category, "refund_dispute");

    // Only staff decide; more than was asked is refused.
    let decide = |amount: &str| format!("ticket_id={ticket}&decision=approve&amount={amount}");
    assert_eq!(call_as(&app, "decide_refund_dispute", &decide("10.00"), Some(&o.merchant), HOME).await.status, StatusCode::FORBIDDEN);
    let staff = signed_in_staff(&app, &pool).await;
    let over = call_as(&app, "decide_refund_dispute", &decide("60.00"), Some(&staff), HOME).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", over.body);
    let part = call_as(&app, "decide_refund_dispute", &decide("20.00"), Some(&staff), HOME).await;
    assert_eq!(part.status, StatusCode::OK, "{}", part.body);
    let done = view(&app, &o.shopper, &o.number).await;
    assert_eq!(done["requests"][0]["status"], "refunded");
    assert_eq!(done["refunded"]["minor"], 2000);
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM staff_actions WHERE ticket_id = $1").bind(ticket).fetch_all(&pool).await.unwrap_or_default();
    assert!(actions.is_empty() || actions.contains(&"approved_refund".to_string()), "{actions:?}");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_merchant_refunds_part_of_an_order_once_per_key(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r5", "4242424242424242", 1).await;
    let key = new_key();
    let form = |amount: &str, key: &str| format!("number={}&amount={amount}&reason=Late+delivery&key={key}", o.number);
    let bad = call_as(&app, "merchant_refund", &form("abc", &key), Some(&o.merchant), HOME).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let over = call_as(&app, "merchant_refund", &form("25.01", &key), Some(&o.merchant), HOME).await;
    assert_eq!(over.status, StatusCode::CONFLICT, "{}", over.body);
    assert!(over.said().contains("at most"), "{}", over.said());

    let first = call_as(&app, "merchant_refund", &form("5.00", &key), Some(&o.merchant), HOME).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let again = call_as(&app, "merchant_refund", &form("5.00", &key), Some(&o.merchant), HOME).await;
    assert_eq!(again.json(), first.json(), "the same key is the same refund");
    let other = call_as(&app, "merchant_refund", &form("6.00", &key), Some(&o.merchant), HOME).await;
    assert_eq!(other.status, StatusCode::CONFLICT);
    // A shopper or another shop cannot refund it.
    assert_eq!(call_as(&app, "merchant_refund", &form("1.00", &new_key()), Some(&o.shopper), HOME).await.status, StatusCode::FORBIDDEN);

    let seen = view(&app, &o.merchant, &o.number).await;
    assert_eq!(seen["refunded"]["minor"], 500);
    assert_eq!(seen["refunds"].as_array().unwrap().len(), 1);
    assert_eq!(shop_pending(&pool, o.shop_id).await, 2000);
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn twenty_concurrent_partial_refunds_never_exceed_what_was_paid(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r6", "4242424242424242", 1).await;
    // 20 × 3.00 = 60.00 asked of 25.00 paid: exactly 8 fit.
    let calls = (0..20).map(|_| {
        let (app, form) = (app.clone(), format!("number={}&amount=3.00&reason=Goodwill&key={}", o.number, new_key()));
        let merchant = o.merchant.clone();
        async move { call_as(&app, "merchant_refund", &form, Some(&merchant), HOME).await }
    });
    let answers = futures::future::join_all(calls).await;
    let ok = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    assert_eq!(ok, 8, "{:?}", answers.iter().map(|a| (a.status, a.said())).collect::<Vec<_>>());
    for refused in answers.iter().filter(|a| a.status != StatusCode::OK) {
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        assert!(refused.said().contains("more than can still be refunded"), "{}", refused.said());
    }
    let refunded: i64 =
        sqlx::query_scalar("SELECT sum(amount_minor)::BIGINT FROM refunds WHERE status = 'succeeded'").fetch_one(&pool).await.unwrap();
    assert_eq!(refunded, 2400);
    assert_eq!(shop_pending(&pool, o.shop_id).await, 100);
    assert_ledger_consistent(&pool).await;
    // Every account's balance is the sum of its postings, and the ledger balances per currency.
    let unbalanced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING sum(amount_minor) <> 0) t",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(unbalanced, 0);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_schema_refuses_refunds_beyond_what_was_paid_even_without_the_code(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r7", "4242424242424242", 1).await;
    let order_id: i64 = sqlx::query_scalar("SELECT id FROM orders WHERE number = $1").bind(&o.number).fetch_one(&pool).await.unwrap();
    let insert = |amount: i64| {
        sqlx::query(
            "INSERT INTO refunds (order_id, amount_minor, currency, method, status, reason, initiated_by) VALUES ($1, $2, 'USD', 'provider', 'pending', 'x', 'system')",
        )
        .bind(order_id)
        .bind(amount)
    };
    assert!(insert(2501).execute(&pool).await.is_err(), "more than paid");
    insert(2000).execute(&pool).await.unwrap();
    assert!(insert(501).execute(&pool).await.is_err(), "more than is left");
    // A succeeded refund without its posting cannot commit.
    let unbooked =
        sqlx::query("UPDATE refunds SET status = 'succeeded', succeeded_at = now() WHERE order_id = $1").bind(order_id).execute(&pool).await;
    assert!(unbooked.is_err(), "succeeded without a posting");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_failed_provider_refund_is_shown_and_retried_by_the_worker_until_it_succeeds(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r8", "4000000000005126", 1).await;
    let form = format!("number={}&amount=10.00&reason=Goodwill&key={}", o.number, new_key());
    assert_eq!(call_as(&app, "merchant_refund", &form, Some(&o.merchant), HOME).await.status, StatusCode::OK);
    let seen = view(&app, &o.merchant, &o.number).await;
    assert_eq!(seen["refunds"][0]["status"], "failed");
    assert_eq!(seen["refunds"][0]["failures"], 1);
    assert_eq!(seen["refunded"]["minor"], 0);
    // The amount stays taken while it is retried: nothing else can use it.
    assert_eq!(seen["committed"]["minor"], 1000);
    sqlx::query("UPDATE job_failures SET next_at = now() - interval '1 second'").execute(&pool).await.unwrap();
    let report = worker(&pool, OffsetDateTime::now_utc()).await;
    assert_eq!(report.refunded, 1, "{report:?}");
    let done = view(&app, &o.merchant, &o.number).await;
    assert_eq!(done["refunds"][0]["status"], "succeeded");
    assert_eq!(done["refunded"]["minor"], 1000);
    // Asking again changes nothing: one refund at the provider, one posting.
    assert_eq!(worker(&pool, OffsetDateTime::now_utc()).await.refunded, 0);
    let at_provider: i64 = sqlx::query_scalar("SELECT count(*) FROM sandbox_refunds").fetch_one(&pool).await.unwrap();
    assert_eq!(at_provider, 1);
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_slow_refund_settles_through_the_signed_callback(pool: PgPool) {
    let app = served_with_callbacks(&pool).await;
    let o = paid_order(&app, &pool, "r9", "4000000000007726", 1).await;
    let form = format!("number={}&amount=7.00&reason=Goodwill&key={}", o.number, new_key());
    assert_eq!(call_as(&app, "merchant_refund", &form, Some(&o.merchant), HOME).await.status, StatusCode::OK);
    assert_eq!(view(&app, &o.merchant, &o.number).await["refunds"][0]["status"], "pending");
    let mut status = String::new();
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        status = view(&app, &o.merchant, &o.number).await["refunds"][0]["status"].as_str().unwrap().to_string();
        if status == "succeeded" {
            break;
        }
    }
    assert_eq!(status, "succeeded");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_cash_on_delivery_order_is_refunded_by_recording_how_the_cash_went_back(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "r10", "4242424242424242").await;
    act(&app, &o.merchant, &o.number, "choose_cash_on_delivery", "").await;
    act(&app, &o.merchant, &o.number, "ship", "&carrier=SF&tracking=SF5").await;
    let delivered = act(&app, &o.merchant, &o.number, "deliver_collecting_cash", "&cash=25.00").await;
    assert_eq!(delivered.status, StatusCode::OK, "{}", delivered.body);

    // The shopper asks; the merchant approves; the request waits for the cash record.
    let request = ask(&app, &o, "refund_only", "damaged", 1).await.json().as_i64().unwrap();
    let approved = answer(&app, &o, request, "approve", "").await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(view(&app, &o.shopper, &o.number).await["requests"][0]["status"], "refunding");

    let form = |how: &str, reference: &str| {
        format!(
            "number={}&qty[{}]=1&reason=Damaged+parcel&cash[how]={how}&cash[transfer_reference]={reference}&request_id={request}&key={}",
            o.number,
            o.product,
            new_key()
        )
    };
    let missing = call_as(&app, "merchant_refund", &form("bank_transfer", ""), Some(&o.merchant), HOME).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", missing.body);
    let done = call_as(&app, "merchant_refund", &form("bank_transfer", "TX-778"), Some(&o.merchant), HOME).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let seen = view(&app, &o.shopper, &o.number).await;
    assert_eq!(seen["requests"][0]["status"], "refunded");
    assert_eq!(seen["refunds"][0]["method"], "bank_transfer");
    assert_eq!(seen["refunds"][0]["transfer_reference"], "TX-778");
    let cash: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(e.amount_minor), 0)::BIGINT FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
         WHERE a.kind = 'merchant_cash' AND a.owner_id = $1",
    )
    .bind(o.shop_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(cash, 0, "the cash the shop held went back");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_fully_refunded_order_cannot_be_shipped_and_others_cannot_see_its_after_sales(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r11", "4242424242424242", 1).await;
    let form = format!("number={}&qty[{}]=1&reason=Out+of+stock&key={}", o.number, o.product, new_key());
    assert_eq!(call_as(&app, "merchant_refund", &form, Some(&o.merchant), HOME).await.status, StatusCode::OK);
    let ship = act(&app, &o.merchant, &o.number, "ship", "&carrier=SF&tracking=SF6").await;
    assert_eq!(ship.status, StatusCode::CONFLICT, "{}", ship.body);
    assert!(ship.said().contains("refunded in full"), "{}", ship.said());

    let other = signed_up(&app, "nosy-r11@example.com", "shopper").await;
    assert_eq!(call_as(&app, "after_sales", &format!("number={}", o.number), Some(&other), HOME).await.status, StatusCode::NOT_FOUND);
    assert_eq!(call_as(&app, "after_sales", &format!("number={}", o.number), None, HOME).await.status, StatusCode::UNAUTHORIZED);
    let staff = signed_in_staff(&app, &pool).await;
    assert_eq!(view(&app, &staff, &o.number).await["standing"], "refunded");
}

async fn upload_photo(app: &Router, cookie: &str, number: &str, request: i64, bytes: &[u8]) -> Answer {
    use axum::body::Body;
    use axum::http::Request;
    let boundary = "XBOUNDARYX";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post(format!("/orders/{number}/refund-requests/{request}/photo/upload"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("cookie", cookie)
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_photo_joins_a_request_checked_by_its_bytes_and_only_those_involved_see_it(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r12", "4242424242424242", 1).await;
    let request = ask(&app, &o, "refund_only", "changed_mind", 1).await.json().as_i64().unwrap();
    let png = b"\x89PNG\r\n\x1a\n0000";

    let text = upload_photo(&app, &o.shopper, &o.number, request, b"<svg onload=alert(1)>").await;
    assert_eq!(text.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", text.body);
    assert!(text.body.contains("PNG, JPEG or WebP"), "{}", text.body);
    let big = upload_photo(&app, &o.shopper, &o.number, request, &[b"\x89PNG\r\n\x1a\n".as_slice(), &vec![0u8; 2 * 1024 * 1024]].concat()).await;
    assert_eq!(big.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", big.body);
    let other = signed_up(&app, "other-r12@example.com", "shopper").await;
    assert_eq!(upload_photo(&app, &other, &o.number, request, png).await.status, StatusCode::NOT_FOUND);
    assert_eq!(upload_photo(&app, &o.merchant, &o.number, request, png).await.status, StatusCode::FORBIDDEN);

    let stored = upload_photo(&app, &o.shopper, &o.number, request, png).await;
    assert!(stored.status.is_redirection(), "{} {}", stored.status, stored.body);
    assert_eq!(view(&app, &o.merchant, &o.number).await["requests"][0]["has_photo"], true);
    let path = format!("/orders/{}/refund-requests/{request}/photo", o.number);
    let seen = get_as(&app, &path, &o.merchant).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.headers.get("content-type").unwrap(), "image/png");
    assert_eq!(seen.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(get_as(&app, &path, &other).await.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_approving_part_of_a_return_refunds_that_part_once_the_goods_are_back(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r13", "4242424242424242", 2).await;
    act(&app, &o.merchant, &o.number, "ship", "&carrier=SF&tracking=SF13").await;
    act(&app, &o.merchant, &o.number, "deliver", "").await;
    let request = ask(&app, &o, "return_and_refund", "damaged", 2).await.json().as_i64().unwrap();
    answer(&app, &o, request, "refuse", "&refusal=Used+and+worn").await;
    let escalate = format!("number={}&request_id={request}&step=escalate", o.number);
    call_as(&app, "refund_request_step", &escalate, Some(&o.shopper), HOME).await;
    let ticket: i64 = sqlx::query_scalar("SELECT ticket_id FROM refund_requests WHERE id = $1").bind(request).fetch_one(&pool).await.unwrap();
    let staff = signed_in_staff(&app, &pool).await;
    let decided = call_as(&app, "decide_refund_dispute", &format!("ticket_id={ticket}&decision=approve&amount=30.00"), Some(&staff), HOME).await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    assert_eq!(view(&app, &o.shopper, &o.number).await["requests"][0]["status"], "awaiting_return");
    let sent = format!("number={}&request_id={request}&step=ship_return&carrier=SF&tracking=SF14", o.number);
    call_as(&app, "refund_request_step", &sent, Some(&o.shopper), HOME).await;
    assert_eq!(answer(&app, &o, request, "receive", "").await.status, StatusCode::OK);
    let done = view(&app, &o.shopper, &o.number).await;
    assert_eq!(done["refunded"]["minor"], 3000, "what staff approved, not the 50.00 asked");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_open_request_is_answered_before_shipping_and_odd_quantities_are_refused_plainly(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r14", "4242424242424242", 2).await;
    // The same line twice counts once, with both quantities; a negative or a word is refused.
    let twice = format!("number={}&kind=refund_only&reason=changed_mind&qty[{p}]=2&qty[0{p}]=1&key={}", o.number, new_key(), p = o.product);
    let twice = call_as(&app, "ask_refund", &twice, Some(&o.shopper), HOME).await;
    // Refused plainly (the form decoder or the quantity check), never a 500.
    assert!(matches!(twice.status, StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY), "{} {}", twice.status, twice.body);
    for bad in ["-1", "two"] {
        let form = format!("number={}&kind=refund_only&reason=changed_mind&qty[{}]={bad}&key={}", o.number, o.product, new_key());
        let refused = call_as(&app, "ask_refund", &form, Some(&o.shopper), HOME).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert!(refused.said().contains("whole number"), "{}", refused.said());
    }

    let request = ask(&app, &o, "refund_only", "changed_mind", 1).await.json().as_i64().unwrap();
    let ship = act(&app, &o.merchant, &o.number, "ship", "&carrier=SF&tracking=SF15").await;
    assert_eq!(ship.status, StatusCode::CONFLICT);
    assert!(ship.said().contains("answer it before shipping"), "{}", ship.said());
    answer(&app, &o, request, "refuse", "&refusal=Already+packed").await;
    // Answered: the order ships (the shopper may still take the refusal to staff).
    assert_eq!(act(&app, &o.merchant, &o.number, "ship", "&carrier=SF&tracking=SF15").await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn each_after_sales_entry_point_checks_who_is_asking(pool: PgPool) {
    let app = app(pool.clone());
    let o = paid_order(&app, &pool, "r15", "4242424242424242", 1).await;
    let request = ask(&app, &o, "refund_only", "changed_mind", 1).await.json().as_i64().unwrap();
    let other_shopper = signed_up(&app, "other-r15@example.com", "shopper").await;
    let other_shop = open_shop(&app, &pool, "othershop-r15@example.com", "US").await.0;
    let staff = signed_in_staff(&app, &pool).await;
    let ask_form = format!("number={}&kind=refund_only&reason=changed_mind&qty[{}]=1&key={}", o.number, o.product, new_key());
    let step = format!("number={}&request_id={request}&step=withdraw&confirm=yes", o.number);
    let refund = format!("number={}&amount=1.00&reason=Goodwill&key={}", o.number, new_key());
    let cases: [(&str, &str, Option<&str>, StatusCode); 10] = [
        ("ask_refund", &ask_form, None, StatusCode::UNAUTHORIZED),
        ("ask_refund", &ask_form, Some(&o.merchant), StatusCode::FORBIDDEN),
        ("ask_refund", &ask_form, Some(&other_shopper), StatusCode::NOT_FOUND),
        ("refund_request_step", &step, Some(&other_shopper), StatusCode::NOT_FOUND),
        ("refund_request_step", &step, Some(&o.merchant), StatusCode::FORBIDDEN),
        ("refund_request_step", &step, Some(&staff), StatusCode::FORBIDDEN),
        ("merchant_refund", &refund, Some(&other_shop), StatusCode::NOT_FOUND),
        ("merchant_refund", &refund, Some(&staff), StatusCode::FORBIDDEN),
        ("merchant_refund", &refund, None, StatusCode::UNAUTHORIZED),
        ("decide_refund_dispute", "ticket_id=1&decision=uphold", Some(&o.shopper), StatusCode::FORBIDDEN),
    ];
    for (endpoint, form, cookie, expected) in cases {
        let answer = call_as(&app, endpoint, form, cookie, HOME).await;
        assert_eq!(answer.status, expected, "{endpoint} as {cookie:?}: {}", answer.body);
    }
    // Nothing of it happened: the request is still open and no money moved.
    let seen = view(&app, &o.shopper, &o.number).await;
    assert_eq!(seen["requests"][0]["status"], "awaiting_answer");
    assert_eq!(seen["refunds"].as_array().unwrap().len(), 0);
    assert_eq!(call_as(&app, "after_sales", &format!("number={}", o.number), Some(&other_shop), HOME).await.status, StatusCode::NOT_FOUND);
}
