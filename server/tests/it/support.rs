//! Support tickets: the lifecycle from a report to a closed ticket, staff context beside it,
//! bad input refused with nothing written, and freezing an account reported as taken over.

use crate::common::*;
use axum::http::StatusCode;
use sqlx::PgPool;

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_reported_payment_is_answered_and_closed_with_its_context_beside_it(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "tk", "4242424242424242").await;
    let paid = call_as(&app, "pay_order", &pay_form(&o.number, o.method, &new_key()), Some(&o.shopper), HOME).await;
    let attempt = paid.json()["attempt_id"].as_i64().unwrap();
    let staff = signed_in_staff(&app, &pool).await;

    let form = format!(
        "category=unrecognised_payment&description=I+did+not+make+this+%3Cscript%3Ealert(1)%3C%2Fscript%3E&order_number={}&attempt_id={attempt}",
        o.number
    );
    let filed = call_as(&app, "report_problem", &form, Some(&o.shopper), HOME).await;
    assert_eq!(filed.status, StatusCode::OK, "{}", filed.body);
    let id = filed.json().as_i64().unwrap();

    let queue = call_as(&app, "ticket_queue", "status=open", Some(&staff), HOME).await.json();
    assert_eq!(queue[0]["id"], id);
    let view = call_as(&app, "staff_ticket", &format!("id={id}"), Some(&staff), HOME).await.json();
    assert_eq!(view["order"]["summary"]["number"], o.number.as_str());
    assert_eq!(view["attempts"][0]["id"], attempt);
    assert!(view["activity"].as_array().unwrap().iter().any(|a| a["kind"] == "signed_up"));
    assert_eq!(view["messages"][0]["body"], "I did not make this <script>alert(1)</script>");

    assert_eq!(call_as(&app, "reply_ticket", &format!("id={id}&body=We+are+looking+into+it."), Some(&staff), HOME).await.status, StatusCode::OK);
    let mine = call_as(&app, "my_ticket", &format!("id={id}"), Some(&o.shopper), HOME).await.json();
    assert_eq!(mine["ticket"]["status"], "answered");
    assert_eq!(mine["messages"][1]["from_staff"], true);
    // The page shows the shopper's markup as text.
    let page = get_with_cookie(&app, &format!("/support/{id}"), &o.shopper).await;
    assert!(page.said().contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "markup is escaped");
    assert!(!page.said().contains("<script>alert(1)"));

    assert_eq!(call_as(&app, "reply_ticket", &format!("id={id}&body=Thanks"), Some(&o.shopper), HOME).await.status, StatusCode::OK);
    assert_eq!(call_as(&app, "my_ticket", &format!("id={id}"), Some(&o.shopper), HOME).await.json()["ticket"]["status"], "open");
    assert_eq!(call_as(&app, "staff_ticket_action", &format!("id={id}&action=close"), Some(&staff), HOME).await.status, StatusCode::OK);
    let closed = call_as(&app, "reply_ticket", &format!("id={id}&body=One+more+thing"), Some(&o.shopper), HOME).await;
    assert_eq!(closed.status, StatusCode::CONFLICT);
    let view = call_as(&app, "staff_ticket", &format!("id={id}"), Some(&staff), HOME).await.json();
    let actions: Vec<_> = view["actions"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap().to_string()).collect();
    assert_eq!(actions, ["replied", "closed"]);
    assert_eq!(view["actions"][0]["staff"], "staff@paydesk.test");
}

async fn get_with_cookie(app: &axum::Router, path: &str, cookie: &str) -> Answer {
    let req = axum::http::Request::get(path).header("accept", "text/html").header("cookie", cookie).body(axum::body::Body::empty()).unwrap();
    send(app, req).await
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn bad_reports_and_replies_are_refused_and_write_nothing(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "bad", "4242424242424242").await;
    let stranger = signed_up(&app, "stranger@example.com", "shopper").await;

    let empty = call_as(&app, "report_problem", "category=other&description=+++", Some(&o.shopper), HOME).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains(r#"{"code":"describe_problem"}"#));
    let long = call_as(&app, "report_problem", &format!("category=other&description={}", "x".repeat(4001)), Some(&o.shopper), HOME).await;
    assert!(long.said().contains("description: Use at most 4,000 characters."), "{}", long.body);
    let nocat = call_as(&app, "report_problem", "category=&description=help", Some(&o.shopper), HOME).await;
    assert!(nocat.body.contains(r#"{"code":"choose_problem_kind"}"#));
    let foreign =
        call_as(&app, "report_problem", &format!("category=wrong_amount&description=x&order_number={}", o.number), Some(&stranger), HOME).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "another shopper's order");
    let attempt = call_as(
        &app,
        "report_problem",
        &format!("category=wrong_amount&description=x&order_number={}&attempt_id=999", o.number),
        Some(&o.shopper),
        HOME,
    )
    .await;
    assert_eq!(attempt.status, StatusCode::NOT_FOUND, "an attempt not of that order");
    assert_eq!(count(&pool, "tickets").await, 0);

    let id = call_as(&app, "report_problem", "category=other&description=help", Some(&o.shopper), HOME).await.json().as_i64().unwrap();
    let other = call_as(&app, "reply_ticket", &format!("id={id}&body=hijack"), Some(&stranger), HOME).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(call_as(&app, "my_ticket", &format!("id={id}"), Some(&stranger), HOME).await.status, StatusCode::NOT_FOUND);
    assert_eq!(count(&pool, "ticket_messages").await, 1);
    // Only staff see the queue and act on tickets.
    for (endpoint, form) in
        [("ticket_queue", String::new()), ("staff_ticket", format!("id={id}")), ("staff_ticket_action", format!("id={id}&action=close"))]
    {
        assert_eq!(call_as(&app, endpoint, &form, Some(&o.shopper), HOME).await.status, StatusCode::FORBIDDEN, "{endpoint}");
    }
    // The merchant may report about their shop's order.
    let merchant =
        call_as(&app, "report_problem", &format!("category=other&description=odd&order_number={}", o.number), Some(&o.merchant), HOME).await;
    assert_eq!(merchant.status, StatusCode::OK, "{}", merchant.body);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn staff_freeze_ends_every_session_and_refuses_sign_in_until_unfrozen(pool: PgPool) {
    let app = app(pool.clone());
    let victim = signed_up(&app, "victim@example.com", "shopper").await;
    let other_device =
        call_as(&app, "sign_in", "email=victim%40example.com&password=correct+horse+battery", None, HOME).await.session_cookie().unwrap();
    let staff = signed_in_staff(&app, &pool).await;
    let id = call_as(&app, "report_problem", "category=account_accessed&description=Someone+else+signed+in", Some(&victim), HOME)
        .await
        .json()
        .as_i64()
        .unwrap();

    assert_eq!(call_as(&app, "staff_ticket_action", &format!("id={id}&action=freeze&confirm=yes"), Some(&staff), HOME).await.status, StatusCode::OK);
    for cookie in [&victim, &other_device] {
        assert_eq!(call_as(&app, "my_tickets", "", Some(cookie), HOME).await.status, StatusCode::UNAUTHORIZED);
    }
    let refused = call_as(&app, "sign_in", "email=victim%40example.com&password=correct+horse+battery", None, HOME).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.said().contains("frozen") && refused.said().contains("Contact support"), "{}", refused.body);
    assert!(refused.session_cookie().is_none());
    assert_eq!(
        call_as(&app, "staff_ticket_action", &format!("id={id}&action=freeze&confirm=yes"), Some(&staff), HOME).await.status,
        StatusCode::CONFLICT
    );

    assert_eq!(call_as(&app, "staff_ticket_action", &format!("id={id}&action=unfreeze"), Some(&staff), HOME).await.status, StatusCode::OK);
    let back = call_as(&app, "sign_in", "email=victim%40example.com&password=correct+horse+battery", None, HOME).await;
    assert!(back.session_cookie().is_some(), "{}", back.body);
    let view = call_as(&app, "staff_ticket", &format!("id={id}"), Some(&staff), HOME).await.json();
    let actions: Vec<_> = view["actions"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap().to_string()).collect();
    assert_eq!(actions, ["froze_account", "unfroze_account"]);
}
