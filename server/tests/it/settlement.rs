//! Settlement, payouts and statements (issue 20): money settles a set number of days after
//! delivery unless after-sales holds it, commission and reserve are booked to the minor unit,
//! refunds after settlement go negative and are netted, payouts succeed, fail (money back) or
//! arrive late, two workers settle each order once, statements reconcile to the ledger, and
//! the reconciliation finds a difference planted in the records.

use crate::common::*;
use axum::{Router, http::StatusCode};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

async fn act(app: &Router, merchant: &str, number: &str, action: &str, extra: &str) -> Answer {
    call_as(app, "merchant_order_action", &format!("number={number}&action={action}{extra}&confirm=yes"), Some(merchant), HOME).await
}

fn provider(pool: &PgPool) -> app::payments::provider::Provider {
    app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap()
}

fn settings() -> domain::checkout::OrderSettings {
    Default::default()
}

/// Moves the platform's clock to `days` days (and a minute) ahead of real time, as the test
/// clock does, and runs settlement and reserve release there as the worker would.
async fn settle_at(pool: &PgPool, days: i64) -> usize {
    sqlx::query("UPDATE platform_clock SET offset_secs = $1").bind(days * 86_400 + 60).execute(pool).await.unwrap();
    let at = backend::clock::now(pool).await.unwrap();
    let settled = backend::settlement::settle_due(pool, &settings(), at).await.unwrap();
    backend::settlement::release_reserves(pool, at).await.unwrap();
    settled
}

async fn platform_now(pool: &PgPool) -> OffsetDateTime {
    backend::clock::now(pool).await.unwrap()
}

/// An order paid online with `card`, shipped and delivered (now); its shop in `country`
/// sells one product at `price`.
async fn delivered(app: &Router, pool: &PgPool, tag: &str, country: &str, price: &str) -> ShopOrder {
    let (merchant, shop_id) = open_shop(app, pool, &format!("shop-{tag}@example.com"), country).await;
    delivered_in(app, pool, &merchant, shop_id, tag, price).await
}

async fn delivered_in(app: &Router, _pool: &PgPool, merchant: &str, shop_id: i64, tag: &str, price: &str) -> ShopOrder {
    let product = add_product(app, merchant, &format!("Thing {tag}"), price, 100).await;
    let shopper = signed_up(app, &format!("payer-{tag}@example.com"), "shopper").await;
    call_as(app, "add_to_cart", &format!("product_id={product}&quantity=1"), Some(&shopper), HOME).await;
    let placed = call_as(app, "place_order", &checkout_form(shop_id, &new_key()), Some(&shopper), HOME).await;
    let number: String = serde_json::from_str(&placed.body).unwrap_or_else(|_| panic!("{}", placed.body));
    let form = "card[kind]=credit_card&card[number]=4242424242424242&card[expiry]=12%2F30&card[cvc]=123&card[holder]=Payer";
    let method = call_as(app, "bind_card", form, Some(&shopper), HOME).await.json()["id"].as_i64().unwrap();
    let paid = call_as(app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(paid.json()["status"], "succeeded", "{}", paid.body);
    assert_eq!(act(app, merchant, &number, "ship", "&carrier=SF&tracking=SF1").await.status, StatusCode::OK);
    assert_eq!(act(app, merchant, &number, "deliver", "").await.status, StatusCode::OK);
    ShopOrder { merchant: merchant.to_string(), shop_id, product, shopper, number, method }
}

async fn money(app: &Router, merchant: &str) -> serde_json::Value {
    let answer = call_as(app, "merchant_money", "", Some(merchant), HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

async fn bind_account(app: &Router, merchant: &str, account: &str) -> Answer {
    let form = format!("country=SG&holder=Tan+Ah+Kow&bank_code=7171&branch_code=081&account_number={account}");
    call_as(app, "bind_payout_account", &form, Some(merchant), HOME).await
}

async fn withdraw(app: &Router, merchant: &str, key: &str) -> Answer {
    call_as(app, "withdraw", &format!("key={key}"), Some(merchant), HOME).await
}

async fn settlements(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM settlements").fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn money_settles_seven_days_after_delivery_unless_a_refund_request_is_open(pool: PgPool) {
    let app = app(pool.clone());
    let a = delivered(&app, &pool, "s1", "US", "25.00").await;
    let b = delivered_in(&app, &pool, &a.merchant, a.shop_id, "s1b", "10.00").await;
    // The shopper of b asks for a refund: that order is held while the request is open.
    let form = format!("number={}&kind=refund_only&reason=damaged&note=broken&qty[{}]=1&key={}", b.number, b.product, new_key());
    let request = call_as(&app, "ask_refund", &form, Some(&b.shopper), HOME).await.json().as_i64().unwrap();

    assert_eq!(settle_at(&pool, 6).await, 0, "not before the seventh day");
    let m = money(&app, &a.merchant).await;
    assert_eq!((m["balances"]["pending"].as_i64(), m["balances"]["available"].as_i64()), (Some(3500), Some(0)));

    assert_eq!(settle_at(&pool, 7).await, 1, "a settles, b is held by its request");
    let m = money(&app, &a.merchant).await;
    // 2 % of 25.00 = 0.50.
    assert_eq!((m["balances"]["pending"].as_i64(), m["balances"]["available"].as_i64()), (Some(1000), Some(2450)));

    // The request ends (withdrawn): b settles at the next run.
    let step = format!("number={}&request_id={request}&step=withdraw&confirm=yes", b.number);
    let withdrawn = call_as(&app, "refund_request_step", &step, Some(&b.shopper), HOME).await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.body);
    assert_eq!(settle_at(&pool, 8).await, 1);
    let m = money(&app, &a.merchant).await;
    assert_eq!((m["balances"]["pending"].as_i64(), m["balances"]["available"].as_i64()), (Some(0), Some(2450 + 980)));
    assert_eq!(settle_at(&pool, 30).await, 0, "settled once");

    // The money timeline of a says settled, with the split.
    let facts = call_as(&app, "order_money", &format!("number={}", a.number), Some(&a.merchant), HOME).await.json();
    assert_eq!(facts["settlement"]["split"]["commission"], 50);
    assert_eq!(facts["settlement"]["split"]["net"], 2450);
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn commission_is_rounded_half_up_to_each_currencys_minor_unit(pool: PgPool) {
    let app = app(pool.clone());
    // 2 % of ¥1,025 = ¥20.5 → ¥21; of $10.25 = 20.5¢ → 21¢; of S$10.24 = 20.48¢ → 20¢.
    let jpy = delivered(&app, &pool, "jp", "JP", "1025").await;
    let usd = delivered(&app, &pool, "us", "US", "10.25").await;
    let sgd = delivered(&app, &pool, "sg", "SG", "10.24").await;
    assert_eq!(settle_at(&pool, 7).await, 3);
    for (o, currency, commission, available) in [(&jpy, "JPY", 21, 1004), (&usd, "USD", 21, 1004), (&sgd, "SGD", 20, 1004)] {
        let m = money(&app, &o.merchant).await;
        assert_eq!(m["currency"], currency);
        assert_eq!(m["balances"]["available"].as_i64(), Some(available), "{currency}");
        let revenue: i64 =
            sqlx::query_scalar("SELECT commission_minor FROM settlements WHERE shop_id = $1").bind(o.shop_id).fetch_one(&pool).await.unwrap();
        assert_eq!(revenue, commission, "{currency}");
    }
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_reserve_is_held_for_its_days_then_released(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "shop-r@example.com", "US").await;
    sqlx::query("UPDATE shops SET reserve_bp = 1000, reserve_days = 30 WHERE id = $1").bind(shop_id).execute(&pool).await.unwrap();
    let o = delivered_in(&app, &pool, &merchant, shop_id, "r", "25.00").await;
    settle_at(&pool, 7).await;
    // 25.00 - 0.50 commission = 24.50; 10 % of it (2.45) is held.
    let m = money(&app, &merchant).await;
    assert_eq!((m["balances"]["available"].as_i64(), m["balances"]["reserved"].as_i64()), (Some(2205), Some(245)));
    let facts = call_as(&app, "order_money", &format!("number={}", o.number), Some(&merchant), HOME).await.json();
    assert!(facts["settlement"]["reserve_release_at"].is_array() || facts["settlement"]["reserve_release_at"].is_string(), "{facts}");

    settle_at(&pool, 7 + 29).await;
    assert_eq!(money(&app, &merchant).await["balances"]["reserved"].as_i64(), Some(245), "still held on day 29");
    settle_at(&pool, 7 + 31).await;
    let m = money(&app, &merchant).await;
    assert_eq!((m["balances"]["available"].as_i64(), m["balances"]["reserved"].as_i64()), (Some(2450), Some(0)));
    settle_at(&pool, 90).await;
    assert_eq!(money(&app, &merchant).await["balances"]["available"].as_i64(), Some(2450), "released once");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_refund_after_settlement_takes_from_available_goes_negative_and_is_netted(pool: PgPool) {
    let app = app(pool.clone());
    let a = delivered(&app, &pool, "n", "US", "25.00").await;
    settle_at(&pool, 7).await;
    assert_eq!(bind_account(&app, &a.merchant, "123456789").await.status, StatusCode::OK);
    let paid = withdraw(&app, &a.merchant, &new_key()).await;
    assert_eq!(paid.json()["status"], "paid", "{}", paid.body);

    let form = format!("number={}&amount=25.00&reason=Never+arrived&key={}", a.number, new_key());
    let refunded = call_as(&app, "merchant_refund", &form, Some(&a.merchant), HOME).await;
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.body);
    let m = money(&app, &a.merchant).await;
    assert_eq!((m["balances"]["available"].as_i64(), m["balances"]["paid_out"].as_i64()), (Some(-2500), Some(2450)));
    // Nothing to pay out while negative.
    let refused = withdraw(&app, &a.merchant, &new_key()).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.said().contains("Nothing is available"), "{}", refused.said());

    // The next settlement is netted against it.
    let b = delivered_in(&app, &pool, &a.merchant, a.shop_id, "n2", "30.00").await;
    settle_at(&pool, 7 + 8).await;
    assert_eq!(money(&app, &a.merchant).await["balances"]["available"].as_i64(), Some(-2500 + 2940));
    let _ = b;

    // The statements of the days show the refund after settlement and reconcile.
    let days: Vec<time::Date> =
        sqlx::query_scalar("SELECT DISTINCT (booked_at AT TIME ZONE 'UTC')::date FROM ledger_transactions").fetch_all(&pool).await.unwrap();
    for d in days {
        let s = call_as(&app, "statement", &format!("day={d}"), Some(&a.merchant), HOME).await.json();
        let sum: i64 = s["lines"].as_array().unwrap().iter().map(|l| l["amount"].as_i64().unwrap()).sum();
        assert_eq!(s["opening"].as_i64().unwrap() + sum, s["closing"].as_i64().unwrap(), "{s}");
    }
    let refund_day: time::Date = sqlx::query_scalar("SELECT (booked_at AT TIME ZONE 'UTC')::date FROM ledger_transactions WHERE kind = 'refund'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let s = call_as(&app, "statement", &format!("day={refund_day}"), Some(&a.merchant), HOME).await.json();
    assert!(s["lines"].as_array().unwrap().iter().any(|l| l["kind"] == "refund_after_settlement" && l["amount"] == -2500), "{s}");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn payouts_succeed_fail_with_the_money_back_or_arrive_late(pool: PgPool) {
    let app = app(pool.clone());
    let o = delivered(&app, &pool, "p", "US", "25.00").await;
    settle_at(&pool, 7).await;
    let no_account = withdraw(&app, &o.merchant, &new_key()).await;
    assert_eq!(no_account.status, StatusCode::CONFLICT);
    assert!(no_account.said().contains("bank account"), "{}", no_account.said());

    // Bad account details: one message per field, nothing bound.
    let bad = call_as(&app, "bind_payout_account", "country=US&holder=&bank_code=011000016&account_number=12", Some(&o.merchant), HOME).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fields: Vec<String> = bad.json()["detail"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().into()).collect();
    assert_eq!(fields, ["holder", "bank_code", "account_number"]);
    assert!(money(&app, &o.merchant).await["account"].is_null());

    // A closed account (…0002): the payout fails and the money is available again, with why.
    let bound = bind_account(&app, &o.merchant, "999990002").await;
    assert_eq!(bound.json()["masked"], "•••• 0002", "{}", bound.body);
    let failed = withdraw(&app, &o.merchant, &new_key()).await.json();
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["failure_reason"], "account_closed");
    let m = money(&app, &o.merchant).await;
    assert_eq!((m["balances"]["available"].as_i64(), m["balances"]["in_transit"].as_i64()), (Some(2450), Some(0)));

    // A slow account (…0003): in transit, then paid when the provider says so.
    bind_account(&app, &o.merchant, "999990003").await;
    let key = new_key();
    let slow = withdraw(&app, &o.merchant, &key).await.json();
    assert_eq!(slow["status"], "in_transit", "{slow}");
    assert_eq!(slow["orders"], 1, "the payout carries the settled order");
    assert_eq!(withdraw(&app, &o.merchant, &key).await.json()["id"], slow["id"], "the same key is the same payout");
    let m = money(&app, &o.merchant).await;
    assert_eq!((m["balances"]["available"].as_i64(), m["balances"]["in_transit"].as_i64()), (Some(0), Some(2450)));
    sqlx::query("UPDATE sandbox_payouts SET settle_at = now()").execute(&pool).await.unwrap();
    sqlx::query("UPDATE payouts SET updated_at = now() - interval '1 minute'").execute(&pool).await.unwrap();
    assert_eq!(backend::payouts::finish_open(&pool, &provider(&pool), 10.0).await.unwrap(), 1);
    let m = money(&app, &o.merchant).await;
    assert_eq!((m["balances"]["in_transit"].as_i64(), m["balances"]["paid_out"].as_i64()), (Some(0), Some(2450)));
    assert_eq!(m["payouts"][0]["status"], "paid");
    assert_eq!(m["payouts"][1]["status"], "failed");
    let facts = call_as(&app, "order_money", &format!("number={}", o.number), Some(&o.merchant), HOME).await.json();
    assert_eq!(facts["payout"][0], slow["id"], "the order's timeline names the payout it went out in");
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_slow_payout_settles_through_the_signed_callback(pool: PgPool) {
    let app = served_with_callbacks(&pool).await;
    let o = delivered(&app, &pool, "cb", "US", "25.00").await;
    settle_at(&pool, 7).await;
    bind_account(&app, &o.merchant, "999990004").await;
    let slow = withdraw(&app, &o.merchant, &new_key()).await.json();
    assert_eq!(slow["status"], "in_transit");
    // …0004 bounces a few seconds later: the callback returns the money.
    for _ in 0..100 {
        if money(&app, &o.merchant).await["payouts"][0]["status"] == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let m = money(&app, &o.merchant).await;
    assert_eq!(m["payouts"][0]["status"], "failed");
    assert_eq!(m["balances"]["available"].as_i64(), Some(2450));
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn two_workers_and_two_withdrawals_at_once_settle_and_pay_out_once(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "shop-w@example.com", "US").await;
    for i in 0..6 {
        delivered_in(&app, &pool, &merchant, shop_id, &format!("w{i}"), "10.00").await;
    }
    sqlx::query("UPDATE platform_clock SET offset_secs = $1").bind(7 * 86_400 + 60).execute(&pool).await.unwrap();
    let at = platform_now(&pool).await;
    let rules = settings();
    let (x, y) = tokio::join!(backend::settlement::settle_due(&pool, &rules, at), backend::settlement::settle_due(&pool, &rules, at));
    assert_eq!(x.unwrap() + y.unwrap(), 6);
    assert_eq!(settlements(&pool).await, 6);
    let booked: i64 = sqlx::query_scalar("SELECT count(*) FROM ledger_transactions WHERE kind = 'settlement'").fetch_one(&pool).await.unwrap();
    assert_eq!(booked, 6);
    assert_eq!(money(&app, &merchant).await["balances"]["available"].as_i64(), Some(6 * 980));

    bind_account(&app, &merchant, "123456789").await;
    let tries = (0..5).map(|_| {
        let (app, merchant) = (app.clone(), merchant.clone());
        tokio::spawn(async move { withdraw(&app, &merchant, &new_key()).await })
    });
    let answers: Vec<Answer> = futures::future::join_all(tries).await.into_iter().map(Result::unwrap).collect();
    let ok = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    assert_eq!(ok, 1, "{:?}", answers.iter().map(|a| (a.status, a.body.clone())).collect::<Vec<_>>());
    assert!(answers.iter().all(|a| a.status == StatusCode::OK || a.status == StatusCode::CONFLICT));
    let m = money(&app, &merchant).await;
    assert_eq!((m["balances"]["available"].as_i64(), m["balances"]["paid_out"].as_i64()), (Some(0), Some(6 * 980)));
    // The payout lists exactly the orders whose money it carried.
    let (amount, carried): (i64, i64) =
        sqlx::query_as("SELECT p.amount_minor, (SELECT sum(net_minor) FROM settlements s WHERE s.payout_id = p.id)::BIGINT FROM payouts p")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(amount, carried);
    assert_ledger_consistent(&pool).await;
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn automatic_daily_payouts_run_once_per_day(pool: PgPool) {
    let app = app(pool.clone());
    let o = delivered(&app, &pool, "auto", "US", "25.00").await;
    bind_account(&app, &o.merchant, "123456789").await;
    let bad = call_as(&app, "set_payout_schedule", "schedule=hourly", Some(&o.merchant), HOME).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(call_as(&app, "set_payout_schedule", "schedule=daily", Some(&o.merchant), HOME).await.status, StatusCode::OK);
    settle_at(&pool, 7).await;
    let at = platform_now(&pool).await;
    let p = provider(&pool);
    assert_eq!(backend::payouts::pay_out_scheduled(&pool, &p, at).await.unwrap(), 1);
    assert_eq!(backend::payouts::pay_out_scheduled(&pool, &p, at).await.unwrap(), 0, "once a day");
    let m = money(&app, &o.merchant).await;
    assert_eq!(m["payouts"][0]["automatic"], true);
    assert_eq!(m["balances"]["paid_out"].as_i64(), Some(2450));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn statements_reconcile_and_export_as_csv(pool: PgPool) {
    let app = app(pool.clone());
    let a = delivered(&app, &pool, "st", "US", "25.00").await;
    delivered_in(&app, &pool, &a.merchant, a.shop_id, "st2", "12.34").await;
    settle_at(&pool, 7).await;
    let day: time::Date =
        sqlx::query_scalar("SELECT DISTINCT (settled_at AT TIME ZONE 'UTC')::date FROM settlements").fetch_one(&pool).await.unwrap();
    let s = call_as(&app, "statement", &format!("day={day}"), Some(&a.merchant), HOME).await.json();
    assert_eq!(s["opening"], 0);
    assert_eq!(s["lines"].as_array().unwrap().len(), 2);
    assert_eq!(s["closing"].as_i64(), Some(2450 + 1209));
    assert_eq!(s["totals"], serde_json::json!([3734, 0, 75, 0]));
    let days = money(&app, &a.merchant).await["days"].clone();
    assert_eq!(days[0]["lines"], 2, "{days}");

    let path = format!("/merchant/statements.csv?from={day}&to={day}");
    let csv = get_as(&app, &path, &a.merchant).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(csv.headers.get("paydesk-lines").unwrap(), "2");
    assert!(csv.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    let rows: Vec<&str> = csv.body.lines().collect();
    assert_eq!(rows[0], backend::settlement::CSV_HEADER.trim_end());
    assert_eq!(rows.len(), 3);
    assert!(rows[1].contains(&a.number) || rows[2].contains(&a.number), "{}", csv.body);
    assert!(rows[2].ends_with(",36.59,USD"), "the running balance: {}", rows[2]);
    // Compressed for a browser that asks (the stream is polled again after its end then).
    let gzip = send(
        &app,
        axum::http::Request::get(&path).header("cookie", &a.merchant).header("accept-encoding", "gzip").body(axum::body::Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(gzip.status, StatusCode::OK);
    assert_eq!(gzip.headers.get("content-encoding").unwrap(), "gzip");

    // Others cannot export it: a shopper is refused, a bad date is explained.
    assert_eq!(get_as(&app, &path, &a.shopper).await.status, StatusCode::FORBIDDEN);
    assert_eq!(get_as(&app, "/merchant/statements.csv?from=yesterday&to=2026-01-01", &a.merchant).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let other = open_shop(&app, &pool, "shop-other@example.com", "US").await.0;
    let theirs = get_as(&app, &path, &other).await;
    assert_eq!(theirs.body.lines().count(), 1, "another shop's export holds only its own lines");
    let s = call_as(&app, "statement", &format!("day={day}"), Some(&other), HOME).await.json();
    assert!(s["lines"].as_array().unwrap().is_empty());
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_reconciliation_finds_a_planted_difference(pool: PgPool) {
    let app = app(pool.clone());
    let o = delivered(&app, &pool, "rec", "US", "25.00").await;
    settle_at(&pool, 7).await;
    let at = platform_now(&pool).await;
    bind_account(&app, &o.merchant, "123456789").await;
    withdraw(&app, &o.merchant, &new_key()).await;
    let p = provider(&pool);
    let clean = backend::settlement::reconcile(&pool, &p, at).await.unwrap();
    assert!(clean.differences.is_empty(), "{:?}", clean.differences);
    assert!(clean.checked > 0);

    // A settlement record says more commission than the ledger booked, and the provider says
    // the payout bounced while Paydesk thinks it arrived.
    sqlx::query("UPDATE settlements SET commission_minor = commission_minor + 1, net_minor = net_minor - 1").execute(&pool).await.unwrap();
    sqlx::query("UPDATE sandbox_payouts SET status = 'failed'").execute(&pool).await.unwrap();
    let found = backend::settlement::reconcile(&pool, &p, at).await.unwrap();
    let subjects: Vec<(String, String)> = found.differences.iter().map(|d| (d.subject.clone(), d.id.clone())).collect();
    assert!(subjects.iter().any(|(s, id)| s == "settlement" && id.ends_with("commission")), "{subjects:?}");
    assert!(subjects.iter().any(|(s, id)| s == "settlement" && id.ends_with("net")), "{subjects:?}");
    assert!(subjects.iter().any(|(s, _)| s == "payout"), "{subjects:?}");

    // Staff see it; nobody else may.
    let staff = signed_in_staff(&app, &pool).await;
    let seen = call_as(&app, "platform_balances", "", Some(&staff), HOME).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(seen.json()["last_run"]["differences"].as_array().unwrap().len(), found.differences.len());
    assert_eq!(call_as(&app, "platform_balances", "", Some(&o.merchant), HOME).await.status, StatusCode::FORBIDDEN);
    assert_eq!(call_as(&app, "run_reconciliation", "", Some(&o.merchant), HOME).await.status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_test_clock_moves_only_forward_and_only_where_allowed(pool: PgPool) {
    let app = app(pool.clone());
    let staff = signed_in_staff(&app, &pool).await;
    // The test app runs without the test clock (as production would).
    let refused = call_as(&app, "advance_clock", "days=7", Some(&staff), HOME).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.said().contains("sandbox"), "{}", refused.said());

    let before = backend::clock::now(&pool).await.unwrap();
    assert!(backend::clock::advance(&pool, true, 0).await.is_err());
    assert!(backend::clock::advance(&pool, true, -3600).await.is_err());
    assert!(backend::clock::advance(&pool, true, 91 * 86_400).await.is_err());
    let moved = backend::clock::advance(&pool, true, 7 * 86_400).await.unwrap();
    assert!(moved - before >= Duration::days(7), "{before} → {moved}");
    assert_eq!(backend::clock::offset(&pool).await.unwrap(), 7 * 86_400);
    // What is booked now is booked on the platform's clock.
    let o = delivered(&app, &pool, "clk", "US", "25.00").await;
    let settled = backend::settlement::settle_due(&pool, &settings(), backend::clock::now(&pool).await.unwrap() + Duration::days(7)).await.unwrap();
    assert_eq!(settled, 1, "{}", o.number);
    let merchant_cannot = call_as(&app, "advance_clock", "days=1", Some(&o.merchant), HOME).await;
    assert_eq!(merchant_cannot.status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_set_a_shops_terms_and_they_apply_to_later_settlements(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "shop-t@example.com", "US").await;
    let staff = signed_in_staff(&app, &pool).await;
    let form = |c: &str, r: &str, d: &str| format!("shop_id={shop_id}&commission={c}&reserve={r}&reserve_days={d}");
    let bad = call_as(&app, "set_shop_terms", &form("51", "abc", "0"), Some(&staff), HOME).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fields: Vec<String> = bad.json()["detail"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().into()).collect();
    assert_eq!(fields, ["commission", "reserve", "reserve_days"]);
    assert_eq!(call_as(&app, "set_shop_terms", &form("3.5", "0", "30"), Some(&merchant), HOME).await.status, StatusCode::FORBIDDEN);
    assert_eq!(call_as(&app, "set_shop_terms", &form("3.5", "10", "14"), Some(&staff), HOME).await.status, StatusCode::OK);
    let listed = call_as(&app, "platform_balances", "", Some(&staff), HOME).await.json();
    let shop = listed["shops"].as_array().unwrap().iter().find(|s| s["shop_id"] == shop_id).unwrap().clone();
    assert_eq!((shop["commission_bp"].as_i64(), shop["reserve_bp"].as_i64(), shop["reserve_days"].as_i64()), (Some(350), Some(1000), Some(14)));

    delivered_in(&app, &pool, &merchant, shop_id, "t1", "20.00").await;
    settle_at(&pool, 7).await;
    // 3.5 % of 20.00 = 0.70; 10 % of 19.30 = 1.93 held for 14 days.
    let m = money(&app, &merchant).await;
    assert_eq!((m["balances"]["available"].as_i64(), m["balances"]["reserved"].as_i64()), (Some(1737), Some(193)));
    assert_eq!(m["terms"]["commission_bp"], 350);
}
