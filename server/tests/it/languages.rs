//! Two languages: the page's language comes from the switch's cookie, else the browser's
//! `Accept-Language`, else English; the server renders in it and says so in `<html lang>`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;

use crate::common::*;

async fn page(app: &axum::Router, path: &str, accept_language: Option<&str>, cookie: Option<&str>) -> Answer {
    let mut request = Request::get(path).header("accept", "text/html");
    if let Some(languages) = accept_language {
        request = request.header("accept-language", languages);
    }
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(app, request.body(Body::empty()).unwrap()).await
}

fn html_lang(body: &str) -> Option<&str> {
    let tag = &body[body.find("<html")?..];
    let tag = &tag[..tag.find('>')?];
    let lang = &tag[tag.find("lang=\"")? + 6..];
    Some(&lang[..lang.find('"')?])
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_page_is_rendered_in_the_language_asked_for(pool: PgPool) {
    let app = app(pool);

    let english = page(&app, "/cart", None, None).await;
    assert_eq!(html_lang(&english.body), Some("en"), "no preference: English");
    assert!(english.body.contains(">My orders<"));

    let chinese = page(&app, "/cart", Some("zh-CN,zh;q=0.9,en;q=0.8"), None).await;
    assert_eq!(html_lang(&chinese.body), Some("zh-CN"));
    assert!(chinese.body.contains(">我的订单<") && !chinese.body.contains(">My orders<"));

    // The switch's cookie wins over the browser's languages.
    let chosen = page(&app, "/cart", Some("zh-CN,zh;q=0.9"), Some("i18n_pref_locale=en")).await;
    assert_eq!(html_lang(&chosen.body), Some("en"));
    let chosen = page(&app, "/cart", Some("en-US,en"), Some("i18n_pref_locale=zh-CN")).await;
    assert_eq!(html_lang(&chosen.body), Some("zh-CN"));
    assert_eq!(html_lang(&page(&app, "/cart", Some("fr-FR"), None).await.body), Some("en"), "anything else: English");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_switch_remembers_the_language_and_goes_back_to_the_page(pool: PgPool) {
    let app = app(pool);
    let switched = get(&app, "/lang/zh-CN?next=%2Forders%3Fpage%3D2").await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.headers["location"], "/orders?page=2");
    let cookie = switched.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("i18n_pref_locale=zh-CN;"), "{cookie}");

    // Only back to this site, and only to languages it has.
    for next in ["%2F%2Fevil.example%2F", "https%3A%2F%2Fevil.example%2F", "%2F%5Cevil.example"] {
        let answer = get(&app, &format!("/lang/en?next={next}")).await;
        assert_eq!(answer.headers["location"], "/", "{next}");
    }
    assert_eq!(get(&app, "/lang/en").await.headers["location"], "/");
    assert_eq!(get(&app, "/lang/xx?next=%2F").await.status, StatusCode::NOT_FOUND);
}

/// Every text exists in both languages, none is empty, and each has the same placeholders in
/// both (`{{ name }}` for the i18n macros, `{name}` for `ui::fill`).
#[test]
fn every_text_is_in_both_languages_with_the_same_placeholders() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/locales");
    let read = |language: &str, namespace: &str| -> serde_json::Map<String, serde_json::Value> {
        let path = dir.join(language).join(format!("{namespace}.json"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let placeholders = |text: &str| -> std::collections::BTreeSet<String> {
        text.split('{').skip(1).filter_map(|rest| rest.split('}').next()).map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
    };
    let namespaces: Vec<String> =
        std::fs::read_dir(dir.join("en")).unwrap().map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned()).collect();
    assert!(namespaces.len() >= 3, "{namespaces:?}");
    for namespace in &namespaces {
        let (en, zh) = (read("en", namespace), read("zh-CN", namespace));
        let missing: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).chain(zh.keys().filter(|k| !en.contains_key(*k))).collect();
        assert!(missing.is_empty(), "{namespace}: not in both languages: {missing:?}");
        for (key, text) in &en {
            let (e, z) = (text.as_str().unwrap(), zh[key].as_str().unwrap());
            assert!(!e.trim().is_empty() && !z.trim().is_empty(), "{namespace}.{key} is empty");
            assert_eq!(placeholders(e), placeholders(z), "{namespace}.{key}: placeholders differ");
        }
    }
}

/// A page whose data fails after it started rendering shows its error in the page's language
/// (the error boundary's fallback renders where the i18n context cannot be found: it panicked).
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_failing_page_says_so_in_its_language(pool: PgPool) {
    let app = app(pool);
    let shopper = signed_up(&app, "zh-error@example.com", "shopper").await;
    let answer = page(&app, "/orders/PD-000000-NOPE22", Some("zh-CN"), Some(&shopper)).await;
    assert!(!answer.status.is_server_error(), "{}", answer.status);
    assert!(answer.body.contains("页面无法显示"), "{}", answer.body);
}

/// A stored event is a kind and its parameters, worded when shown: the same payment request
/// reads in English to the shopper and in Chinese to the merchant, each from their own side
/// and on their own clock.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn one_stored_event_reads_in_each_readers_language(pool: PgPool) {
    let app = app(pool.clone());
    let o = shop_order(&app, &pool, "words", "4242424242424242").await;
    let form = format!("number={}&action=request_payment&minutes=90", o.number);
    let sent = call_as(&app, "merchant_order_action", &form, Some(&o.merchant), HOME).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);

    let kind: String =
        sqlx::query_scalar("SELECT detail->>'kind' FROM order_events WHERE event = 'payment_requested'").fetch_one(&pool).await.unwrap();
    assert_eq!(kind, "pay_by", "stored as parameters, not as a sentence");

    let shopper = page(&app, &format!("/orders/{}", o.number), Some("en-US"), Some(&o.shopper)).await;
    assert!(shopper.body.contains("Payment requested by the shop (pay by "), "{}", shopper.body);
    assert!(shopper.body.contains("Order placed by you"), "{}", shopper.body);

    let cookie = format!("{}; i18n_pref_locale=zh-CN; tz=480", o.merchant);
    let merchant = page(&app, &format!("/merchant/orders/{}", o.number), None, Some(&cookie)).await;
    assert!(merchant.body.contains("您发起了收款请求（请于 "), "{}", merchant.body);
    assert!(merchant.body.contains("买家提交了订单"), "{}", merchant.body);
    assert!(merchant.body.contains(" UTC+8 前付款）"), "the merchant's clock: {}", merchant.body);
    assert!(!merchant.body.contains("Payment requested"), "{}", merchant.body);
}

fn language_cookie(answer: &Answer) -> Option<String> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next()?.trim().strip_prefix("i18n_pref_locale=").map(str::to_string))
}

/// The languages the domain knows are exactly the ones the pages are written in.
#[test]
fn every_language_of_the_domain_has_its_texts() {
    use domain::accounts::Language;
    for language in Language::ALL {
        assert!(language.tag().parse::<app::i18n::Locale>().is_ok(), "{language:?} has no texts");
    }
    for tag in app::language_tags() {
        assert!(Language::parse(tag).is_some(), "{tag} is not a language accounts can keep");
    }
}

/// Switched while signed in, the language is kept with the account: signing in from a browser
/// that never chose brings it along (and asks for a fresh load); one that shows it already is
/// left alone.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_signed_in_choice_follows_the_account_to_another_browser(pool: PgPool) {
    let app = app(pool.clone());
    let shopper = signed_up(&app, "reader@example.com", "shopper").await;
    let stored = || sqlx::query_scalar::<_, Option<String>>("SELECT language FROM users WHERE email = 'reader@example.com'").fetch_one(&pool);
    assert_eq!(stored().await.unwrap(), None, "nothing chosen yet");

    let switched = page(&app, "/lang/zh-CN?next=%2Forders", None, Some(&shopper)).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(stored().await.unwrap().as_deref(), Some("zh-CN"));

    let form = "email=reader%40example.com&password=correct+horse+battery";
    let elsewhere = call_as(&app, "sign_in", form, None, [10, 0, 0, 2]).await;
    assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.body);
    assert_eq!(language_cookie(&elsewhere).as_deref(), Some("zh-CN"));
    assert_eq!(elsewhere.json(), "/", "the page loads afresh, in Chinese");
    let home = page(&app, "/", None, Some(&format!("{}; i18n_pref_locale=zh-CN", elsewhere.session_cookie().unwrap()))).await;
    assert_eq!(html_lang(&home.body), Some("zh-CN"));

    let same = call_as(&app, "sign_in", form, Some("i18n_pref_locale=zh-CN"), [10, 0, 0, 3]).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert_eq!(language_cookie(&same), None);
    assert_eq!(same.json(), serde_json::Value::Null);

    // Signed out, the switch changes this browser only.
    let stranger = page(&app, "/lang/en?next=%2F", None, None).await;
    assert_eq!(stranger.status, StatusCode::SEE_OTHER);
    assert_eq!(stored().await.unwrap().as_deref(), Some("zh-CN"));
}

/// A refusal is a kind and its parameters, worded by the page that shows it: the same refused
/// sign-up (a plain HTML form, no JavaScript) reads in Chinese to a Chinese reader and in
/// English to an English one — the field messages and the form's own — and an API client gets
/// the codes.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_refusal_reads_in_each_readers_language(pool: PgPool) {
    let app = app(pool);
    let form = "email=not-an-email&password=short&role=shopper";
    let request = Request::post("/api/sign_up")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", "http://localhost/signup")
        .body(Body::from(form))
        .unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    let back = answer.headers.get("location").unwrap().to_str().unwrap().trim_start_matches("http://localhost").to_string();

    let chinese = page(&app, &back, None, Some("i18n_pref_locale=zh-CN")).await;
    assert!(chinese.body.contains("请输入有效的邮箱地址，例如 name@example.com。"), "{}", chinese.body);
    assert!(chinese.body.contains("至少需要 10 个字符。"), "{}", chinese.body);
    assert!(!chinese.body.contains("Use at least"), "{}", chinese.body);

    let english = page(&app, &back, Some("en-US"), None).await;
    assert!(english.body.contains("Enter an email address like name@example.com."), "{}", english.body);
    assert!(english.body.contains("Use at least 10 characters."), "{}", english.body);

    let api = call(&app, "sign_up", form).await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(api.body.contains(r#"{"field":"password","message":{"code":"too_short","min":10}}"#), "{}", api.body);
}
