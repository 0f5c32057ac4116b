//! The merchant's dashboard (issue 17): sales today and this week by payment time (UTC days),
//! the orders to act on, the payments received, the pending balance as the ledger sums it, the
//! thirty-day series with its zero days — for the merchant's own shop only — and the page that
//! draws it on the server.

use crate::common::*;
use axum::{Router, http::StatusCode};
use domain::dashboard::Periods;
use serde_json::Value;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

async fn act(app: &Router, merchant: &str, number: &str, action: &str, extra: &str) {
    let form = format!("number={number}&action={action}{extra}&confirm=yes");
    let answer = call_as(app, "merchant_order_action", &form, Some(merchant), HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{action} {number}: {}", answer.body);
}

/// Another order of `quantity` units (25.00 USD each) by the same shopper; its number and id.
async fn place(app: &Router, pool: &PgPool, o: &ShopOrder, quantity: i32) -> (String, i64) {
    call_as(app, "add_to_cart", &format!("product_id={}&quantity={quantity}", o.product), Some(&o.shopper), HOME).await;
    let placed = call_as(app, "place_order", &checkout_form(o.shop_id, &new_key()), Some(&o.shopper), HOME).await;
    let number: String = serde_json::from_str(&placed.body).unwrap_or_else(|_| panic!("{}", placed.body));
    let id = sqlx::query_scalar("SELECT id FROM orders WHERE number = $1").bind(&number).fetch_one(pool).await.unwrap();
    (number, id)
}

async fn paid_at(pool: &PgPool, number: &str, at: OffsetDateTime) {
    sqlx::query("UPDATE orders SET paid_at = $2 WHERE number = $1").bind(number).bind(at).execute(pool).await.unwrap();
}

async fn dashboard(app: &Router, cookie: &str) -> Value {
    let answer = call_as(app, "merchant_dashboard", "", Some(cookie), HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

fn usd(minor: i64) -> Value {
    serde_json::json!({ "minor": minor, "currency": "USD" })
}

/// A shop with orders in every state the dashboard tells apart; returns the merchant's cookie,
/// the shop's first order and the numbers of the cash-on-delivery order collected last and of
/// the order paid 40 days ago.
async fn busy_shop(app: &Router, pool: &PgPool) -> (ShopOrder, String, String) {
    let o = shop_order(app, pool, "dash", "4242424242424242").await;
    let periods = Periods::at(OffsetDateTime::now_utc());
    // Paid online today: one to ship (50.00), one shipped (25.00).
    let (_, to_ship_id) = place(app, pool, &o, 2).await;
    let (shipped, shipped_id) = place(app, pool, &o, 1).await;
    // Paid online at the start of this week (today, on a Monday): still to ship (75.00).
    let (monday, monday_id) = place(app, pool, &o, 3).await;
    // Paid 12 days ago (in the chart, never in this week) and 40 days ago (in neither).
    let (earlier, earlier_id) = place(app, pool, &o, 1).await;
    let (long_ago, long_ago_id) = place(app, pool, &o, 4).await;
    seed_paid(pool, &[to_ship_id, shipped_id, monday_id, earlier_id, long_ago_id]).await;
    paid_at(pool, &monday, periods.week_start.midnight().assume_utc() + Duration::minutes(1)).await;
    paid_at(pool, &earlier, OffsetDateTime::now_utc() - Duration::days(12)).await;
    paid_at(pool, &long_ago, OffsetDateTime::now_utc() - Duration::days(40)).await;
    act(app, &o.merchant, &shipped, "ship", "&carrier=DHL&tracking=D1").await;
    act(app, &o.merchant, &earlier, "ship", "&carrier=DHL&tracking=D2").await;
    act(app, &o.merchant, &long_ago, "ship", "&carrier=DHL&tracking=D3").await;
    act(app, &o.merchant, &long_ago, "deliver", "").await;
    // Cash on delivery: one to ship, one shipped with its cash due, one delivered and collected
    // (50.00, today: a sale, but cash in the merchant's hands rather than pending).
    let (cod, _) = place(app, pool, &o, 1).await;
    act(app, &o.merchant, &cod, "choose_cash_on_delivery", "").await;
    let (cod_due, _) = place(app, pool, &o, 1).await;
    act(app, &o.merchant, &cod_due, "choose_cash_on_delivery", "").await;
    act(app, &o.merchant, &cod_due, "ship", "&carrier=SF&tracking=S1").await;
    let (collected, _) = place(app, pool, &o, 2).await;
    act(app, &o.merchant, &collected, "choose_cash_on_delivery", "").await;
    act(app, &o.merchant, &collected, "ship", "&carrier=SF&tracking=S2").await;
    act(app, &o.merchant, &collected, "deliver_collecting_cash", "&cash=50.00").await;
    // Cancelled: counts nowhere.
    let (cancelled, _) = place(app, pool, &o, 1).await;
    assert_eq!(call_as(app, "cancel_order", &format!("number={cancelled}&confirm=yes"), Some(&o.shopper), HOME).await.status, StatusCode::OK);
    (o, collected, long_ago)
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_dashboard_adds_up_the_shops_sales_orders_and_pending_money(pool: PgPool) {
    let app = app(pool.clone());
    let (o, collected, long_ago) = busy_shop(&app, &pool).await;
    let periods = Periods::at(OffsetDateTime::now_utc());
    let d = dashboard(&app, &o.merchant).await;

    assert_eq!(d["currency"], "USD");
    assert_eq!(d["today"], periods.today.to_string());
    assert_eq!(d["week_start"], periods.week_start.to_string());
    // Today: 50.00 + 25.00 online and 50.00 in cash (and the Monday order, when today is Monday).
    let monday_is_today = periods.week_start == periods.today;
    let (orders, minor) = if monday_is_today { (4, 20_000) } else { (3, 12_500) };
    assert_eq!(d["sales_today"], serde_json::json!({ "orders": orders, "amounts": [usd(minor)] }), "{d:#}");
    assert_eq!(d["sales_week"], serde_json::json!({ "orders": 4, "amounts": [usd(20_000)] }), "{d:#}");

    // One order of each kind waits on the merchant; each count is a console tab.
    assert_eq!(d["to_act"], serde_json::json!({ "awaiting_payment": 1, "paid_to_ship": 2, "cod_to_ship": 1, "cash_due": 1 }));

    // Pending is what the ledger's postings to the shop's pending account sum to: every order
    // paid online (275.00), however long ago; the cash collected is the shop's own account.
    let posted: i64 = sqlx::query_scalar(
        "SELECT sum(e.amount_minor)::bigint FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
         WHERE a.kind = 'merchant_pending' AND a.owner_id = $1",
    )
    .bind(o.shop_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(posted, 27_500);
    assert_eq!(d["pending"], serde_json::json!([usd(posted)]));
    assert_eq!(d["cash_collected"], serde_json::json!([usd(5_000)]));
    assert_ledger_consistent(&pool).await;

    // The payments received, newest first: the cash just collected leads, the oldest ends it.
    let received = d["received"].as_array().unwrap();
    assert_eq!(received.len(), 6, "{d:#}");
    assert_eq!(received[0]["number"], collected.as_str());
    assert_eq!(received[0]["method"], "cash_on_delivery");
    assert_eq!(received[0]["amount"], usd(5_000));
    assert_eq!(received[5]["number"], long_ago.as_str());

    // Thirty days, oldest first, one after the other, zero days included.
    let days = d["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[0]["day"], periods.first_day.to_string());
    assert_eq!(days[29]["day"], periods.today.to_string());
    let twelve_days_ago = (periods.today - Duration::days(12)).to_string();
    let earlier = days.iter().find(|x| x["day"] == twelve_days_ago.as_str()).unwrap();
    assert_eq!((&earlier["orders"], &earlier["amount"]), (&serde_json::json!(1), &usd(2_500)));
    let total: i64 = days.iter().map(|x| x["amount"]["minor"].as_i64().unwrap()).sum();
    let orders: i64 = days.iter().map(|x| x["orders"].as_i64().unwrap()).sum();
    assert_eq!((orders, total), (5, 22_500));
    let empty = days.iter().filter(|x| x["orders"] == 0 && x["amount"] == usd(0)).count();
    assert!(empty >= 27, "{empty} zero days: {days:#?}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn only_the_shops_merchant_sees_its_dashboard(pool: PgPool) {
    let app = app(pool.clone());
    let (o, _, _) = busy_shop(&app, &pool).await;

    // Another merchant sees their own, empty shop, in its own currency.
    let (other, _) = open_shop(&app, &pool, "other-dash@example.com", "SG").await;
    let theirs = dashboard(&app, &other).await;
    let zero = serde_json::json!({ "minor": 0, "currency": "SGD" });
    assert_eq!(theirs["sales_week"], serde_json::json!({ "orders": 0, "amounts": [zero.clone()] }));
    assert_eq!(theirs["pending"], serde_json::json!([zero]));
    assert_eq!(theirs["received"], serde_json::json!([]));
    assert_eq!(theirs["to_act"], serde_json::json!({ "awaiting_payment": 0, "paid_to_ship": 0, "cod_to_ship": 0, "cash_due": 0 }));
    assert!(!theirs.to_string().contains(&o.number));

    // A merchant without a shop yet gets none; a shopper and a visitor are refused.
    let newcomer = signed_up(&app, "newcomer-dash@example.com", "merchant").await;
    assert_eq!(dashboard(&app, &newcomer).await, Value::Null);
    let shopper = call_as(&app, "merchant_dashboard", "", Some(&o.shopper), HOME).await;
    assert_eq!(shopper.status, StatusCode::FORBIDDEN, "{}", shopper.body);
    assert!(!shopper.body.contains("USD"));
    let visitor = call_as(&app, "merchant_dashboard", "", None, HOME).await;
    assert_eq!(visitor.status, StatusCode::UNAUTHORIZED, "{}", visitor.body);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_merchant_home_draws_the_dashboard_on_the_server(pool: PgPool) {
    let app = app(pool.clone());
    let (o, collected, _) = busy_shop(&app, &pool).await;
    let page = get_as(&app, "/merchant", &o.merchant).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = &page.body;
    for heading in [
        "Merchant console",
        "Sales today",
        "Sales this week",
        "Money pending",
        "Available to pay out",
        "Orders to act on",
        "Payments received",
        "Sales, last 30 days",
    ] {
        assert!(html.contains(heading), "{heading} missing:\n{html}");
    }
    // The chart is an SVG image with a summary, its bars titled; the same numbers as a table.
    assert!(html.contains(r#"class="sales-chart""#), "{html}");
    assert!(html.contains(r#"role="img""#));
    assert!(html.contains("Sales per day from"));
    assert_eq!(html.matches(r#" class="bar"#).count(), 30, "{html}");
    assert!(html.contains("<title>"));
    assert!(html.contains("<table"));
    assert!(html.contains("Show as table"));
    assert_eq!(html.matches("<th scope=\"row\">").count(), 30);
    // The counts link to the console's tabs; the payments to their orders.
    for tab in ["awaiting_payment", "paid", "cod_to_ship", "cod_shipped"] {
        assert!(html.contains(&format!(r#"href="/merchant/orders?status={tab}""#)), "{tab}");
    }
    assert!(html.contains(&format!(r#"href="/merchant/orders/{collected}""#)));
    assert!(html.contains("275.00 USD"), "pending");
    assert!(html.contains("Cash collected on delivery, already with you: 50.00 USD"));
    // The connection check is the staff's now.
    assert!(!html.contains("Check connection"));

    // In Chinese too.
    let zh = get_as(&app, "/merchant", &format!("{}; i18n_pref_locale=zh-CN", o.merchant)).await;
    assert!(zh.body.contains("今日销售额") && zh.body.contains("近 30 天销售额") && zh.body.contains("以表格显示"), "{}", zh.body);

    // Without a shop, the page says so and where to go; signed out, it asks to sign in.
    let newcomer = signed_up(&app, "newcomer-page@example.com", "merchant").await;
    let page = get_as(&app, "/merchant", &newcomer).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Your shop is not open yet"), "{}", page.body);
    assert!(page.body.contains(r#"href="/merchant/qualification""#));
    assert!(!page.body.contains(r#"class="sales-chart""#));
    let page = get(&app, "/merchant").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Sign in to see your shop"), "{}", page.body);
}
