//! Account safety: changing the password needs the current one and ends every other session;
//! the owner sees where the account is signed in and can sign out everywhere else; a sign-in
//! from a new device is recorded and notified.

use crate::common::*;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;

/// A server-function call from a browser with its own user agent.
async fn call_from(app: &Router, endpoint: &str, form: &str, cookie: Option<&str>, user_agent: &str) -> Answer {
    let mut req = Request::post(format!("/api/{endpoint}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("user-agent", user_agent);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let mut req = req.body(Body::from(form.to_string())).unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([198, 51, 100, 4], 4000))));
    send(app, req).await
}

const SIGN_IN: &str = "email=owner%40example.com&password=correct+horse+battery";

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn changing_the_password_needs_the_current_one_and_ends_every_other_session(pool: PgPool) {
    let app = app(pool.clone());
    let here = signed_up(&app, "owner@example.com", "shopper").await;
    let phone = call_from(&app, "sign_in", SIGN_IN, None, "Phone browser").await.session_cookie().unwrap();

    let wrong = call_as(&app, "change_password", "current_password=guess+guess+guess&new_password=a+brand+new+secret", Some(&here), HOME).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains(r#"{"code":"wrong_current_password"}"#), "{}", wrong.body);
    let short = call_as(&app, "change_password", "current_password=correct+horse+battery&new_password=short", Some(&here), HOME).await;
    assert!(short.body.contains(r#"{"code":"too_short","min":10}"#), "{}", short.body);
    let same = call_as(&app, "change_password", "current_password=correct+horse+battery&new_password=correct+horse+battery", Some(&here), HOME).await;
    assert!(same.said().contains("different from the current one"), "{}", same.body);
    // Nothing changed so far: the phone is still signed in.
    assert_eq!(call_as(&app, "my_sessions", "", Some(&phone), HOME).await.status, StatusCode::OK);

    let changed = call_as(&app, "change_password", "current_password=correct+horse+battery&new_password=a+brand+new+secret", Some(&here), HOME).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.json(), 1, "one other session ended");
    assert_eq!(call_as(&app, "my_sessions", "", Some(&phone), HOME).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(call_as(&app, "my_sessions", "", Some(&here), HOME).await.status, StatusCode::OK, "this session stays");
    let old = call_as(&app, "sign_in", SIGN_IN, None, HOME).await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY);
    let new = call_as(&app, "sign_in", "email=owner%40example.com&password=a+brand+new+secret", None, HOME).await;
    assert!(new.session_cookie().is_some(), "{}", new.body);
    let activity = call_as(&app, "my_activity", "", Some(&here), HOME).await.json();
    assert!(activity.as_array().unwrap().iter().any(|a| a["kind"] == "password_changed"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_owner_sees_their_sessions_and_signs_out_everywhere_else(pool: PgPool) {
    let app = app(pool.clone());
    let here = signed_up(&app, "owner@example.com", "shopper").await;
    let laptop = call_from(&app, "sign_in", SIGN_IN, None, "Laptop browser").await.session_cookie().unwrap();
    let phone = call_from(&app, "sign_in", SIGN_IN, None, "Phone browser").await.session_cookie().unwrap();

    let sessions = call_as(&app, "my_sessions", "", Some(&here), HOME).await.json();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(sessions.iter().any(|s| s["device"] == "Phone browser"));
    assert!(sessions.iter().all(|s| s.get("token").is_none() && s.get("token_hash").is_none()));

    let ended = call_as(&app, "sign_out_elsewhere", "", Some(&here), HOME).await;
    assert_eq!(ended.json(), 2);
    for other in [&laptop, &phone] {
        assert_eq!(call_as(&app, "my_sessions", "", Some(other), HOME).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(call_as(&app, "my_sessions", "", Some(&here), HOME).await.json().as_array().unwrap().len(), 1);
    // Visitors have no sessions to see.
    assert_eq!(call_as(&app, "my_sessions", "", None, HOME).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_sign_in_from_a_new_device_is_recorded_and_notified(pool: PgPool) {
    let app = app(pool.clone());
    let here = signed_up(&app, "owner@example.com", "shopper").await;
    // The same browser again: nothing to report.
    call_as(&app, "sign_in", SIGN_IN, None, HOME).await.session_cookie().unwrap();
    let notes = call_as(&app, "my_notifications", "", Some(&here), HOME).await.json();
    assert_eq!(notes["unread"], 0);

    call_from(&app, "sign_in", SIGN_IN, None, "Unknown tablet browser").await.session_cookie().unwrap();
    let notes = call_as(&app, "my_notifications", "", Some(&here), HOME).await.json();
    assert_eq!(notes["unread"], 1);
    assert_eq!(notes["items"][0]["kind"], "new_device_sign_in");
    assert_eq!(notes["items"][0]["order_number"], serde_json::Value::Null);
    assert!(notes["items"][0]["detail"].as_str().unwrap().starts_with("Unknown tablet browser (198.51.100.4)"));
    let activity = call_as(&app, "my_activity", "", Some(&here), HOME).await.json();
    assert_eq!(activity[0]["kind"], "signed_in_new_device");

    // The second time from that device is not new any more.
    call_from(&app, "sign_in", SIGN_IN, None, "Unknown tablet browser").await.session_cookie().unwrap();
    assert_eq!(call_as(&app, "my_notifications", "", Some(&here), HOME).await.json()["unread"], 1);
}
