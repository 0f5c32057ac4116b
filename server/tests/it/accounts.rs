//! Sign-up, sign-in, sign-out, sessions, throttling and account activity, over HTTP against
//! a fresh Postgres database per test.

use crate::common::*;
use axum::http::StatusCode;
use sqlx::PgPool;

async fn users(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn sign_up_sign_in_and_sign_out(pool: PgPool) {
    let app = app(pool.clone());
    let cookie = signed_up(&app, "Ann@Example.com", "shopper").await;

    let me = call_as(&app, "current_user", "", Some(&cookie), HOME).await;
    assert_eq!(me.json()["email"], "ann@example.com");
    assert_eq!(me.json()["role"], "shopper");

    let out = call_as(&app, "sign_out", "", Some(&cookie), HOME).await;
    assert!(out.status.is_success() || out.status.is_redirection());
    let cleared = out.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // The old cookie no longer works: the session is gone from the database.
    let me = call_as(&app, "current_user", "", Some(&cookie), HOME).await;
    assert_eq!(me.body, "null");

    let back = call_as(&app, "sign_in", "email=ann%40example.com&password=correct+horse+battery", None, HOME).await;
    let cookie = back.session_cookie().expect("signed in again");
    let me = call_as(&app, "current_user", "", Some(&cookie), HOME).await;
    assert_eq!(me.json()["email"], "ann@example.com");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_session_cookie_is_http_only_and_same_site(pool: PgPool) {
    let app = app(pool.clone());
    let answer = call_as(&app, "sign_up", "email=b%40example.com&password=0123456789&role=merchant", None, HOME).await;
    let set = answer.headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"), "{set}");
    // The token is random and only its hash is stored.
    let token = answer.session_cookie().unwrap().split('=').nth(1).unwrap().to_string();
    assert_eq!(token.len(), 64);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_one(&pool).await.unwrap();
    assert_ne!(stored, token.as_bytes());
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users").fetch_one(&pool).await.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn bad_sign_up_input_gets_a_message_per_field_and_creates_nothing(pool: PgPool) {
    let app = app(pool.clone());
    let answer = call_as(&app, "sign_up", "email=not-an-email&password=short&role=admin", None, HOME).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    let fields: Vec<String> = answer.json()["detail"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect();
    assert_eq!(fields, ["email", "password", "role"]);
    assert!(answer.said().contains("at least 10 characters"));
    assert_eq!(users(&pool).await, 0);

    // Staff accounts cannot be signed up for.
    let answer = call_as(&app, "sign_up", "email=s%40example.com&password=0123456789&role=staff", None, HOME).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(users(&pool).await, 0);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_taken_email_is_refused(pool: PgPool) {
    let app = app(pool.clone());
    signed_up(&app, "c@example.com", "shopper").await;
    let answer = call_as(&app, "sign_up", "email=C%40Example.com&password=0123456789&role=merchant", None, HOME).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.said().contains("already exists"));
    assert_eq!(users(&pool).await, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(pool: PgPool) {
    let app = app(pool.clone());
    signed_up(&app, "d@example.com", "shopper").await;
    let wrong = call_as(&app, "sign_in", "email=d%40example.com&password=wrong+password", None, HOME).await;
    let unknown = call_as(&app, "sign_in", "email=nobody%40example.com&password=wrong+password", None, HOME).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((wrong.status, wrong.body.clone()), (unknown.status, unknown.body));
    assert!(wrong.session_cookie().is_none());
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn sign_in_is_throttled_per_account(pool: PgPool) {
    let app = app(pool.clone());
    signed_up(&app, "e@example.com", "shopper").await;
    for i in 0..5u8 {
        // From different addresses: the account limit holds regardless.
        let answer = call_as(&app, "sign_in", "email=e%40example.com&password=guess+guess+guess", None, [10, 0, 0, i]).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let blocked = call_as(&app, "sign_in", "email=e%40example.com&password=correct+horse+battery", None, HOME).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "{}", blocked.body);
    let wait = blocked.json()["detail"].as_u64().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    assert!(blocked.session_cookie().is_none());

    // Once the window has passed, the right password works again.
    sqlx::query("UPDATE sign_in_attempts SET at = at - interval '16 minutes'").execute(&pool).await.unwrap();
    let ok = call_as(&app, "sign_in", "email=e%40example.com&password=correct+horse+battery", None, HOME).await;
    assert!(ok.session_cookie().is_some(), "{}", ok.body);
}

/// A burst of guesses sent at once gets no more tries than one sent after another: the
/// throttle's check and its count are one step, not a check before a slow password hash and a
/// count after it.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_burst_of_guesses_gets_no_more_tries(pool: PgPool) {
    let app = app(pool.clone());
    signed_up(&app, "burst@example.com", "shopper").await;
    let guesses = (0..30u8).map(|i| {
        let app = app.clone();
        tokio::spawn(async move { call_as(&app, "sign_in", "email=burst%40example.com&password=guess+guess+guess", None, [10, 1, 0, i]).await })
    });
    let answers: Vec<_> = futures::future::join_all(guesses).await.into_iter().map(Result::unwrap).collect();
    let judged = answers.iter().filter(|a| a.status == StatusCode::UNPROCESSABLE_ENTITY).count();
    let throttled = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((judged, throttled), (5, 25), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM sign_in_attempts WHERE kind = 'sign_in'").fetch_one(&pool).await.unwrap();
    assert_eq!(recorded, 5);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn sign_in_is_throttled_per_address(pool: PgPool) {
    let app = app(pool.clone());
    signed_up(&app, "f@example.com", "shopper").await;
    let attacker = [198, 51, 100, 9];
    for i in 0..20 {
        let form = format!("email=victim{i}%40example.com&password=guess+guess+guess");
        call_as(&app, "sign_in", &form, None, attacker).await;
    }
    let blocked = call_as(&app, "sign_in", "email=f%40example.com&password=correct+horse+battery", None, attacker).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    // Someone else, elsewhere, is not affected.
    let fine = call_as(&app, "sign_in", "email=f%40example.com&password=correct+horse+battery", None, HOME).await;
    assert!(fine.session_cookie().is_some());
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn sessions_expire_when_idle_and_at_their_absolute_limit(pool: PgPool) {
    let app = app(pool.clone());
    let cookie = signed_up(&app, "g@example.com", "shopper").await;
    assert_ne!(call_as(&app, "current_user", "", Some(&cookie), HOME).await.body, "null");

    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '13 hours'").execute(&pool).await.unwrap();
    assert_eq!(call_as(&app, "current_user", "", Some(&cookie), HOME).await.body, "null", "idle limit");

    let cookie = signed_up(&app, "h@example.com", "shopper").await;
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second'").execute(&pool).await.unwrap();
    assert_eq!(call_as(&app, "current_user", "", Some(&cookie), HOME).await.body, "null", "absolute limit");

    // A made-up token is nobody.
    let fake = format!("paydesk_session={}", "ab".repeat(32));
    assert_eq!(call_as(&app, "current_user", "", Some(&fake), HOME).await.body, "null");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn account_activity_shows_sign_ins_with_address_and_device(pool: PgPool) {
    let app = app(pool.clone());
    signed_up(&app, "i@example.com", "merchant").await;
    let again = call_as(&app, "sign_in", "email=i%40example.com&password=correct+horse+battery", None, [192, 0, 2, 55]).await;
    let cookie = again.session_cookie().unwrap();
    let activity = call_as(&app, "my_activity", "", Some(&cookie), HOME).await.json();
    let entries = activity.as_array().unwrap();
    assert_eq!(entries[0]["kind"], "signed_in");
    assert_eq!(entries[0]["ip"], "192.0.2.55");
    assert_eq!(entries[0]["user_agent"], "paydesk-tests/1.0");
    assert_eq!(entries[1]["kind"], "signed_up");

    // Another user sees only their own.
    let other = signed_up(&app, "j@example.com", "shopper").await;
    let theirs = call_as(&app, "my_activity", "", Some(&other), HOME).await.json();
    assert_eq!(theirs.as_array().unwrap().len(), 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_staff_account_comes_from_configuration(pool: PgPool) {
    let app = app(pool.clone());
    let cookie = signed_in_staff(&app, &pool).await;
    let me = call_as(&app, "current_user", "", Some(&cookie), HOME).await;
    assert_eq!(me.json()["role"], "staff");
    // Running the bootstrap again resets the password instead of failing.
    app::accounts::session::ensure_staff(&pool, "staff@paydesk.test", "another password").await.unwrap();
    assert_eq!(users(&pool).await, 1);
    assert!(app::accounts::session::ensure_staff(&pool, "staff@paydesk.test", "short").await.is_err());
}

/// Regression: a refused sign-in posted by a plain HTML form (no JavaScript) must redirect back
/// to the form with the error, not answer with raw JSON.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_refused_html_form_post_redirects_back_with_the_error(pool: PgPool) {
    use axum::body::Body;
    use axum::http::Request;
    let app = app(pool);
    let request = Request::post("/api/sign_in")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", "http://localhost/signin")
        .body(Body::from("email=x%40example.com&password=wrong+password"))
        .unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    let location = answer.headers.get("location").unwrap().to_str().unwrap();
    assert!(location.starts_with("http://localhost/signin?") && location.contains("__err="), "{location}");
}

/// Issue 14, parts 2 and 4: "already exists" answers are throttled per email and per address,
/// so sign-up cannot enumerate accounts at speed; a taken email costs no password hashing.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn refused_sign_ups_are_throttled(pool: PgPool) {
    let app = app(pool.clone());
    signed_up(&app, "taken@example.com", "shopper").await;
    let form = "email=taken%40example.com&password=another+long+password&role=shopper";
    for i in 0..3u8 {
        assert_eq!(call_as(&app, "sign_up", form, None, [10, 1, 0, i]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let blocked = call_as(&app, "sign_up", form, None, [10, 1, 0, 9]).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "{}", blocked.body);
    assert!(blocked.headers.get("retry-after").is_some());

    let prober = [198, 51, 100, 20];
    for i in 0..10 {
        signed_up(&app, &format!("known{i}@example.com"), "shopper").await;
        let probe = format!("email=known{i}%40example.com&password=another+long+password&role=shopper");
        assert_eq!(call_as(&app, "sign_up", &probe, None, prober).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let probe = "email=someone%40example.com&password=another+long+password&role=shopper";
    assert_eq!(call_as(&app, "sign_up", probe, None, prober).await.status, StatusCode::TOO_MANY_REQUESTS);
    // A new account from elsewhere is not affected.
    assert_eq!(call_as(&app, "sign_up", probe, None, HOME).await.status, StatusCode::OK);
}

/// Issue 14, part 4: wrong current passwords on a password change are throttled per account.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn password_changes_are_throttled(pool: PgPool) {
    let app = app(pool.clone());
    let cookie = signed_up(&app, "changer@example.com", "shopper").await;
    for _ in 0..5 {
        let wrong = call_as(&app, "change_password", "current_password=not+my+password&new_password=a+brand+new+password", Some(&cookie), HOME).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    }
    let blocked =
        call_as(&app, "change_password", "current_password=correct+horse+battery&new_password=a+brand+new+password", Some(&cookie), HOME).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "{}", blocked.body);
}

/// Issue 14, part 2: password hashing runs with bounded concurrency; a flood beyond the queue
/// is answered at once with 503 and Retry-After (never a 500, never piling up threads and
/// memory), and a legitimate sign-in works once it has passed.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_hashing_flood_gets_busy_answers_not_exhaustion(pool: PgPool) {
    let app = app(pool.clone());
    signed_up(&app, "legit@example.com", "shopper").await;
    let flood = (0..150u32).map(|i| {
        let app = app.clone();
        tokio::spawn(async move {
            let form = format!("email=nobody{i}%40example.com&password=guess+guess+guess");
            call_as(&app, "sign_in", &form, None, [100, 64, (i / 250) as u8, (i % 250) as u8]).await
        })
    });
    let answers: Vec<_> = futures::future::join_all(flood).await.into_iter().map(Result::unwrap).collect();
    let busy: Vec<_> = answers.iter().filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE).collect();
    assert!(answers.iter().all(|a| a.status == StatusCode::UNPROCESSABLE_ENTITY || a.status == StatusCode::SERVICE_UNAVAILABLE));
    assert!(!busy.is_empty(), "some of the flood is turned away");
    assert!(busy.iter().all(|a| a.headers.get("retry-after").is_some() && a.said().contains("busy")), "{}", busy[0].body);
    let ok = call_as(&app, "sign_in", "email=legit%40example.com&password=correct+horse+battery", None, HOME).await;
    assert!(ok.session_cookie().is_some(), "{} {}", ok.status, ok.body);
}
