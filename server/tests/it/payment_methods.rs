//! Binding cards and wallets through the sandbox provider, defaults, removal, who may see
//! what, and the provider's signed callbacks.

use crate::common::*;
use axum::http::StatusCode;
use sqlx::PgPool;

fn card(kind: &str, number: &str, expiry: &str) -> String {
    format!("card[kind]={kind}&card[number]={}&card[expiry]={}&card[cvc]=123&card[holder]=Li+Wei", enc(number), enc(expiry))
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn binding_each_kind_keeps_only_what_may_be_shown(pool: PgPool) {
    let app = app(pool.clone());
    let me = signed_up(&app, "pm1@example.com", "shopper").await;

    let credit = call_as(&app, "bind_card", &card("credit_card", "4242 4242 4242 4242", "12/30"), Some(&me), HOME).await;
    assert_eq!(credit.status, StatusCode::OK, "{}", credit.body);
    assert_eq!(credit.json()["brand"], "visa");
    assert_eq!(credit.json()["last4"], "4242");
    assert_eq!(credit.json()["is_default"], true, "the first method is the default");

    let debit = call_as(&app, "bind_card", &card("debit_card", "4000 0566 5566 5556", "01/29"), Some(&me), HOME).await;
    assert_eq!(debit.json()["kind"], "debit_card");
    assert_eq!(debit.json()["is_default"], false);

    let wallet = call_as(&app, "bind_wallet", "wallet=paypal&account=Li.Wei%40Example.com", Some(&me), HOME).await;
    assert_eq!(wallet.status, StatusCode::OK, "{}", wallet.body);
    assert_eq!(wallet.json()["wallet_display"], "l***@example.com");

    let list = call_as(&app, "my_payment_methods", "", Some(&me), HOME).await.json();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[0]["last4"], "4242", "default first");

    let tokens: Vec<String> = sqlx::query_scalar("SELECT token FROM payment_methods").fetch_all(&pool).await.unwrap();
    assert!(tokens.iter().all(|t| t.starts_with("sbx_tok_")));
    let activity = call_as(&app, "my_activity", "", Some(&me), HOME).await.json();
    assert_eq!(activity.as_array().unwrap().iter().filter(|e| e["kind"] == "payment_method_added").count(), 3);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn bad_or_refused_instruments_are_explained_per_field(pool: PgPool) {
    let app = app(pool.clone());
    let me = signed_up(&app, "pm2@example.com", "shopper").await;
    for (form, field, message) in [
        (card("credit_card", "4242 4242 4242 4241", "12/30"), "number", "not valid"),
        (card("credit_card", "4242 4242 4242 4242", "01/20"), "expiry", "expired"),
        (card("credit_card", "4242 4242 4242 4242", "13/30"), "expiry", "01 to 12"),
        (card("prepaid", "4242 4242 4242 4242", "12/30"), "kind", "credit card or debit card"),
        (card("credit_card", "4000 0000 0000 0119", "12/30"), "number", "refused"),
        ("card[kind]=credit_card&card[number]=378282246310005&card[expiry]=12/30&card[cvc]=123&card[holder]=A".to_string(), "cvc", "4 digits"),
    ] {
        let answer = call_as(&app, "bind_card", &form, Some(&me), HOME).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {}", answer.body);
        let detail = answer.json()["detail"].clone();
        let hit = detail.as_array().unwrap().iter().find(|f| f["field"] == field).unwrap_or_else(|| panic!("{form}: {detail}"));
        let said: domain::Message = serde_json::from_value(hit["message"].clone()).unwrap();
        assert!(said.to_string().contains(message), "{form}: {hit}");
    }
    for (wallet, account, field) in [
        ("paypal", "not-an-email", "account"),
        ("gcash", "12345", "account"),
        ("venmo", "a%40b.co", "wallet"),
        ("paypal", "decline%40example.com", "account"),
    ] {
        let answer = call_as(&app, "bind_wallet", &format!("wallet={wallet}&account={account}"), Some(&me), HOME).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{wallet} {account}");
        assert!(answer.said().contains(field));
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_methods").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 0);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn default_and_removal(pool: PgPool) {
    let app = app(pool.clone());
    let me = signed_up(&app, "pm3@example.com", "shopper").await;
    let first = call_as(&app, "bind_card", &card("credit_card", "4242424242424242", "12/30"), Some(&me), HOME).await.json()["id"].as_i64().unwrap();
    let second = call_as(&app, "bind_card", &card("credit_card", "5555555555554444", "12/30"), Some(&me), HOME).await.json()["id"].as_i64().unwrap();
    assert_eq!(call_as(&app, "set_default_method", &format!("id={second}"), Some(&me), HOME).await.status, StatusCode::OK);
    let list = call_as(&app, "my_payment_methods", "", Some(&me), HOME).await.json();
    assert_eq!(list[0]["id"], second);
    assert_eq!(list[1]["is_default"], false);

    // Removing the default hands the role to the remaining method.
    assert_eq!(call_as(&app, "remove_method", &format!("id={second}&confirm=yes"), Some(&me), HOME).await.status, StatusCode::OK);
    let list = call_as(&app, "my_payment_methods", "", Some(&me), HOME).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!((list[0]["id"].as_i64(), list[0]["is_default"].as_bool()), (Some(first), Some(true)));
    assert_eq!(
        call_as(&app, "remove_method", &format!("id={second}&confirm=yes"), Some(&me), HOME).await.status,
        StatusCode::NOT_FOUND,
        "already removed"
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn another_user_cannot_list_use_or_remove_a_method(pool: PgPool) {
    let app = app(pool.clone());
    let owner = signed_up(&app, "pm4@example.com", "shopper").await;
    let thief = signed_up(&app, "pm5@example.com", "shopper").await;
    let merchant = signed_up(&app, "pm6@example.com", "merchant").await;
    let id = call_as(&app, "bind_card", &card("credit_card", "4242424242424242", "12/30"), Some(&owner), HOME).await.json()["id"].as_i64().unwrap();

    assert_eq!(call_as(&app, "my_payment_methods", "", Some(&thief), HOME).await.body, "[]");
    assert_eq!(call_as(&app, "set_default_method", &format!("id={id}"), Some(&thief), HOME).await.status, StatusCode::NOT_FOUND);
    assert_eq!(call_as(&app, "remove_method", &format!("id={id}&confirm=yes"), Some(&thief), HOME).await.status, StatusCode::NOT_FOUND);
    for endpoint in ["my_payment_methods", "bind_wallet", "set_default_method", "remove_method"] {
        assert_eq!(
            call_as(&app, endpoint, &format!("id={id}&wallet=paypal&account=a%40b.co"), None, HOME).await.status,
            StatusCode::UNAUTHORIZED,
            "{endpoint}"
        );
        assert_eq!(
            call_as(&app, endpoint, &format!("id={id}&wallet=paypal&account=a%40b.co"), Some(&merchant), HOME).await.status,
            StatusCode::FORBIDDEN,
            "{endpoint}"
        );
    }
    let still: (bool, Option<String>) =
        sqlx::query_as("SELECT is_default, removed_at::text FROM payment_methods WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert_eq!(still, (true, None));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn provider_callbacks_must_be_signed_fresh_and_are_taken_once(pool: PgPool) {
    use app::payments::provider::callback::sign;
    use axum::body::Body;
    use axum::http::Request;
    let app = app(pool.clone());
    let body = r#"{"id":"evt_123","reference":"sbx_ch_1","status":"succeeded"}"#;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let post = |signature: String, body: &'static str| {
        Request::post("/provider/callback")
            .header("paydesk-signature", signature)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let good = sign(CALLBACK_SECRET.as_bytes(), now, body.as_bytes());
    let first = send(&app, post(good.clone(), body)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.json()["duplicate"], false);
    let again = send(&app, post(good, body)).await;
    assert_eq!(again.json()["duplicate"], true);

    let forged = sign(b"guessed secret", now, body.as_bytes());
    assert_eq!(send(&app, post(forged, body)).await.status, StatusCode::BAD_REQUEST);
    let stale = sign(CALLBACK_SECRET.as_bytes(), now - 600, body.as_bytes());
    assert_eq!(send(&app, post(stale, body)).await.status, StatusCode::BAD_REQUEST);
    let tampered = sign(CALLBACK_SECRET.as_bytes(), now, body.as_bytes());
    assert_eq!(send(&app, post(tampered, r#"{"id":"evt_124","status":"succeeded"}"#)).await.status, StatusCode::BAD_REQUEST);
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM provider_events").fetch_one(&pool).await.unwrap();
    assert_eq!(events, 1);
}

/// Issue 14, part 4: the same card is saved once per shopper — refused with a clear message
/// before the provider sees it, also when sent twice at once; once removed it can be saved
/// again, and another shopper may save it too.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_same_card_is_saved_once(pool: PgPool) {
    let app = app(pool.clone());
    let shopper = signed_up(&app, "twice@example.com", "shopper").await;
    let card = "card[kind]=credit_card&card[number]=4242424242424242&card[expiry]=12%2F30&card[cvc]=123&card[holder]=Li+Wei";
    let (a, b) = tokio::join!(call_as(&app, "bind_card", card, Some(&shopper), HOME), call_as(&app, "bind_card", card, Some(&shopper), HOME));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY], "{} / {}", a.body, b.body);
    let tokens: i64 = sqlx::query_scalar("SELECT count(*) FROM sandbox_tokens").fetch_one(&pool).await.unwrap();
    let again = call_as(&app, "bind_card", card, Some(&shopper), HOME).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.said().contains("already saved: Visa credit card •••• 4242"), "{}", again.body);
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sandbox_tokens").fetch_one(&pool).await.unwrap(),
        tokens,
        "the provider was not asked"
    );
    let listed = call_as(&app, "my_payment_methods", "", Some(&shopper), HOME).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // Another shopper may save it; removed, it may be saved again.
    let other = signed_up(&app, "other-card@example.com", "shopper").await;
    assert_eq!(call_as(&app, "bind_card", card, Some(&other), HOME).await.status, StatusCode::OK);
    let id = listed[0]["id"].as_i64().unwrap();
    assert_eq!(call_as(&app, "remove_method", &format!("id={id}&confirm=yes"), Some(&shopper), HOME).await.status, StatusCode::OK);
    assert_eq!(call_as(&app, "bind_card", card, Some(&shopper), HOME).await.status, StatusCode::OK);
}

/// Two different first methods bound at once: both saved, exactly one the default (before, both
/// computed "first method" and one hit the one-default index with a 500).
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn first_methods_bound_at_once_get_one_default(pool: PgPool) {
    let app = app(pool.clone());
    let shopper = signed_up(&app, "at-once@example.com", "shopper").await;
    let card = |n: &str| format!("card[kind]=credit_card&card[number]={n}&card[expiry]=12%2F30&card[cvc]=123&card[holder]=Li+Wei");
    let (visa, mastercard) = (card("4242424242424242"), card("5555555555554444"));
    let (a, b, c) = tokio::join!(
        call_as(&app, "bind_card", &visa, Some(&shopper), HOME),
        call_as(&app, "bind_card", &mastercard, Some(&shopper), HOME),
        call_as(&app, "bind_wallet", "wallet=paypal&account=li%40example.com", Some(&shopper), HOME)
    );
    for answer in [&a, &b, &c] {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let listed = call_as(&app, "my_payment_methods", "", Some(&shopper), HOME).await.json();
    let defaults = listed.as_array().unwrap().iter().filter(|m| m["is_default"] == true).count();
    assert_eq!((listed.as_array().unwrap().len(), defaults), (3, 1));
}
