//! Issue 17: destructive actions are confirmed first. With JavaScript a dialog asks; without
//! it (or before hydration) the plain form's first post is refused by the server — nothing
//! changes — and the page it sends the browser back to shows the confirmation step, whose
//! "Confirm" posts the same form with `confirm=yes`. Also the staff's "System status" page.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;

/// A plain HTML form post, as a browser without JavaScript sends it from `page`.
async fn post_form(app: &axum::Router, endpoint: &str, form: &str, cookie: &str, page: &str) -> Answer {
    let request = Request::post(format!("/api/{endpoint}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("http://localhost{page}"))
        .header("cookie", cookie)
        .body(Body::from(form.to_string()))
        .unwrap();
    send(app, request).await
}

/// Where the server sent the browser back to, as a path with its query.
fn back_to(answer: &Answer) -> String {
    assert!(answer.status.is_redirection(), "{} {}", answer.status, answer.body);
    let location = answer.headers.get("location").unwrap().to_str().unwrap();
    location.trim_start_matches("http://localhost").to_string()
}

async fn stock(pool: &PgPool, product: i64) -> i32 {
    sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(product).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn cancelling_an_order_without_javascript_asks_first_and_changes_nothing(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "confirm", "4242424242424242").await;
    let page = format!("/merchant/orders/{}", o.number);
    let stock_before = stock(&pool, o.product).await;

    // The page offers "Cancel order" as a plain submit button (the dialog is closed).
    let shown = get_as(&app, &page, &o.merchant).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("Cancel order"), "{}", shown.body);
    assert!(shown.body.contains("<dialog"), "the dialog is in the page for the hydrated page to open");
    assert!(!shown.body.contains("class=\"confirm-step\""), "no step is shown before the first press");

    // The first press: the plain form, without `confirm`.
    let first = post_form(&app, "merchant_order_action", &format!("number={}&action=cancel", o.number), &o.merchant, &page).await;
    let back = back_to(&first);
    assert!(back.starts_with(&page) && back.contains("__err="), "{back}");
    assert_eq!(order_status(&pool, &o.number).await, "awaiting_payment", "nothing changed");
    assert_eq!(stock(&pool, o.product).await, stock_before, "no stock went back");

    // The page it comes back to asks, beside the cancel button only.
    let step = get_as(&app, &back, &o.merchant).await;
    assert_eq!(step.status, StatusCode::OK);
    assert_eq!(step.body.matches("class=\"confirm-step\"").count(), 1, "{}", step.body);
    let asked = &step.body[step.body.find("class=\"confirm-step\"").unwrap()..];
    assert!(asked.contains(&format!("Cancel order {}?", o.number)), "{asked}");
    assert!(asked.contains("The shopper is told and the stock goes back."));
    assert!(asked.contains(r#"name="confirm""#) && asked.contains(r#"value="yes""#));
    assert!(asked.contains("Keep the order"));
    assert!(!step.body.contains("Please correct the highlighted fields"), "the step is not shown as an error");

    // "Confirm": the same form with `confirm=yes`.
    let confirmed = post_form(&app, "merchant_order_action", &format!("number={}&action=cancel&confirm=yes", o.number), &o.merchant, &back).await;
    assert!(confirmed.status.is_redirection(), "{} {}", confirmed.status, confirmed.body);
    assert!(!back_to(&confirmed).contains("__err="));
    assert_eq!(order_status(&pool, &o.number).await, "cancelled");
    assert_eq!(stock(&pool, o.product).await, stock_before + 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn api_clients_are_told_to_confirm_and_other_actions_need_no_confirmation(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "api", "4242424242424242").await;
    let act = |form: String| {
        let (app, merchant) = (app.clone(), o.merchant.clone());
        async move { call_as(&app, "merchant_order_action", &form, Some(&merchant), HOME).await }
    };
    // A request can be sent as it always could…
    assert_eq!(act(format!("number={}&action=request_payment", o.number)).await.status, StatusCode::OK);
    // …but withdrawing it, or cancelling, without `confirm=yes` is refused with a code.
    for (action, confirm) in [("withdraw_request", ""), ("withdraw_request", "&confirm=no"), ("cancel", "&confirm=")] {
        let refused = act(format!("number={}&action={action}{confirm}", o.number)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{action}{confirm}: {}", refused.body);
        assert_eq!(refused.json()["detail"][0]["message"], serde_json::json!({"code": "confirm_first", "subject": action}));
        assert_eq!(refused.said(), "confirm: Please confirm: this cannot be undone.");
    }
    let open: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM orders o JOIN payment_requests r ON r.order_id = o.id WHERE o.number = $1 AND r.status = 'open')",
    )
    .bind(&o.number)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(open, "the request is still open");
    assert_eq!(act(format!("number={}&action=withdraw_request&confirm=yes", o.number)).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn removing_a_method_and_freezing_an_account_ask_first_too(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "ask", "4242424242424242").await;
    let methods = "/account/payment-methods";

    let first = post_form(&app, "remove_method", &format!("id={}", o.method), &o.shopper, methods).await;
    let back = back_to(&first);
    let count =
        || sqlx::query_scalar::<_, i64>("SELECT count(*) FROM payment_methods WHERE id = $1 AND removed_at IS NULL").bind(o.method).fetch_one(&pool);
    assert_eq!(count().await.unwrap(), 1, "still there");
    let step = get_as(&app, &back, &o.shopper).await;
    assert_eq!(step.body.matches("class=\"confirm-step\"").count(), 1, "{}", step.body);
    assert!(step.body.contains("Remove Visa credit card •••• 4242?"), "{}", step.body);
    let removed = post_form(&app, "remove_method", &format!("id={}&confirm=yes", o.method), &o.shopper, &back).await;
    assert!(!back_to(&removed).contains("__err="));
    assert_eq!(count().await.unwrap(), 0);

    let staff = signed_in_staff(&app, &pool).await;
    let report = format!("category=account_accessed&description=Someone+else+used+it&order_number={}", o.number);
    let ticket = call_as(&app, "report_problem", &report, Some(&o.shopper), HOME).await.json().as_i64().unwrap();
    let page = format!("/staff/tickets/{ticket}");
    let first = post_form(&app, "staff_ticket_action", &format!("id={ticket}&action=freeze"), &staff, &page).await;
    let back = back_to(&first);
    let frozen = || sqlx::query_scalar::<_, bool>("SELECT frozen_at IS NOT NULL FROM users WHERE email = 'payer-ask@example.com'").fetch_one(&pool);
    assert!(!frozen().await.unwrap(), "not frozen yet");
    let step = get_as(&app, &back, &staff).await;
    assert!(step.body.contains("Freeze the account of payer-ask@example.com?"), "{}", step.body);
    assert_eq!(step.body.matches("class=\"confirm-step\"").count(), 1);
    // Closing the ticket is not asked about.
    assert_eq!(call_as(&app, "staff_ticket_action", &format!("id={ticket}&action=close"), Some(&staff), HOME).await.status, StatusCode::OK);
    post_form(&app, "staff_ticket_action", &format!("id={ticket}&action=freeze&confirm=yes"), &staff, &back).await;
    assert!(frozen().await.unwrap());
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_staff_ticket_page_names_devices_and_keeps_the_raw_string_on_demand(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "device", "4242424242424242").await;
    let staff = signed_in_staff(&app, &pool).await;
    let ticket = call_as(&app, "report_problem", "category=other&description=Where+is+it", Some(&o.shopper), HOME).await.json().as_i64().unwrap();
    let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36";
    sqlx::query("UPDATE account_activity SET user_agent = $1 WHERE user_id = (SELECT id FROM users WHERE email = 'payer-device@example.com')")
        .bind(android)
        .execute(&pool)
        .await
        .unwrap();
    let page = get_as(&app, &format!("/staff/tickets/{ticket}"), &staff).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("class=\"ticket-columns\""));
    assert!(page.body.contains("Chrome on Android"), "{}", page.body);
    let raw = &page.body[page.body.find("<details class=\"raw-ua\"").expect("the raw string on demand")..];
    assert!(raw.contains("Show raw") && raw.contains(android), "{raw}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_status_page_is_for_staff_only(pool: PgPool) {
    let app = app(pool.clone());
    app::db::health::record_check(&pool, app::health::Area::Shop).await.unwrap();
    let staff = signed_in_staff(&app, &pool).await;
    let shopper = signed_up(&app, "curious@example.com", "shopper").await;
    let merchant = signed_up(&app, "seller@example.com", "merchant").await;

    let page = get_as(&app, "/staff/status", &staff).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>System status"), "{}", page.body);
    assert!(page.body.contains("Check connection"));
    assert!(page.body.contains("No check has been made from here yet."), "the staff's own checks are counted apart");
    assert!(page.body.contains("Last check: #1 at"), "the shop's last check is shown");
    assert!(page.body.contains(r#"href="/staff/status""#), "in the staff navigation");

    // The data behind it, and a check from there, are for staff only.
    for cookie in [Some(shopper.as_str()), Some(merchant.as_str()), None] {
        assert!(call_as(&app, "system_status", "", cookie, HOME).await.status.is_client_error());
        assert!(call_as(&app, "check_connection", "area=staff", cookie, HOME).await.status.is_client_error());
        assert!(call_as(&app, "last_connection_check", "area=staff", cookie, HOME).await.status.is_client_error());
    }
    for cookie in [&shopper, &merchant] {
        let page = get_as(&app, "/staff/status", cookie).await;
        assert!(!page.body.contains("Check connection"), "{}", page.body);
        assert!(page.body.contains("You are not allowed to do that."));
    }
    let status = call_as(&app, "system_status", "", Some(&staff), HOME).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    assert_eq!(status.json()["last_shop_check"]["check_id"], 1);
    assert_eq!(status.json()["stuck_work"], 0);
    let checked = call_as(&app, "check_connection", "area=staff", Some(&staff), HOME).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert_eq!(checked.json()["area_total"], 1);

    // The shopper's home page no longer carries the check.
    let home = get(&app, "/").await;
    assert!(!home.body.contains("Check connection"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_shopper_cancelling_their_order_is_asked_first_too(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "shopper-cancel", "4242424242424242").await;
    let page = format!("/orders/{}", o.number);
    let stock_before = stock(&pool, o.product).await;

    let first = post_form(&app, "cancel_order", &format!("number={}", o.number), &o.shopper, &page).await;
    let back = back_to(&first);
    assert_eq!(order_status(&pool, &o.number).await, "awaiting_payment", "nothing changed");
    let step = get_as(&app, &back, &o.shopper).await;
    assert_eq!(step.body.matches("class=\"confirm-step\"").count(), 1, "{}", step.body);
    assert!(step.body.contains(&format!("Cancel order {}?", o.number)), "{}", step.body);

    // API clients get the code; with `confirm=yes` the order is cancelled and its stock is back.
    let refused = call_as(&app, "cancel_order", &format!("number={}", o.number), Some(&o.shopper), HOME).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let confirmed = post_form(&app, "cancel_order", &format!("number={}&confirm=yes", o.number), &o.shopper, &back).await;
    assert!(!back_to(&confirmed).contains("__err="));
    assert_eq!(order_status(&pool, &o.number).await, "cancelled");
    assert_eq!(stock(&pool, o.product).await, stock_before + 1);
}
