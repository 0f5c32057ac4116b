//! Server-side rendering of the shells: the HTML is complete before any WASM runs.

use crate::common::*;
use axum::http::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_shopper_shell_is_rendered_on_the_server(pool: PgPool) {
    let app = app(pool.clone());
    open_shop(&app, &pool, "rendered@example.com", "SG").await;
    let page = get(&app, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Shop and pay with confidence"));
    assert!(page.body.contains(r#"aria-label="Shopper""#));
    // The connection check moved to the staff's status page (issue 17).
    assert!(!page.body.contains("Check connection"));
    // Data read from Postgres during SSR is in the HTML.
    assert!(page.body.contains("Bright Gadgets"), "{}", page.body);
    assert!(page.body.contains("/pkg/paydesk.js"), "hydration script is linked");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_merchant_shell_is_rendered_on_the_server(pool: PgPool) {
    let page = get(&app(pool), "/merchant").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"aria-label="Merchant console""#));
    // A visitor is asked to sign in for the dashboard; the connection check is the staff's now.
    assert!(page.body.contains("Sign in to see your shop"), "{}", page.body);
    assert!(!page.body.contains("Check connection"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_unknown_address_is_a_404_page(pool: PgPool) {
    let page = get(&app(pool), "/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Page not found"));
}

#[tokio::test]
async fn a_page_whose_data_fails_shows_a_readable_message() {
    let page = get(&app(unreachable_pool()), "/").await;
    assert!(page.body.contains("This page could not be shown"), "{}", page.body);
    assert!(page.body.contains("temporarily unavailable"));
    assert!(!page.body.contains("127.0.0.1:1"));
}

/// Issue 14, part 1: user text in the document title (a product title, a shop name) is
/// escaped like everywhere else — before, a merchant could send every visitor of their product
/// page elsewhere with `</title><meta http-equiv="refresh" …>` (the CSP stops scripts, not a
/// redirect). Markup in every other place of the page stays text too, JSON embedded included.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn markup_in_titles_and_names_stays_text(pool: PgPool) {
    const REDIRECT: &str = r#"</title><meta http-equiv="refresh" content="0;url=https://evil.example"><script>alert(1)</script>"#;
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "markup@example.com", "US").await;
    sqlx::query("UPDATE shops SET name = $1 WHERE id = $2").bind(format!("Shop {REDIRECT}")).bind(shop_id).execute(&pool).await.unwrap();
    let product = add_product(&app, &merchant, &format!("Tea {REDIRECT}"), "5.00", 3).await;
    for path in [format!("/products/{product}"), format!("/shops/{shop_id}"), "/".to_string()] {
        let page = get(&app, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let body = page.body.to_lowercase();
        assert!(!body.contains("<meta http-equiv"), "{path}: markup reached the page:\n{}", page.body);
        assert!(!body.contains("<script>alert(1)"), "{path}: a script reached the page:\n{}", page.body);
        assert_eq!(body.matches("</title>").count(), 1, "{path}: one title, closed once:\n{}", page.body);
    }
    let page = get(&app, &format!("/products/{product}")).await;
    assert!(page.body.contains("<title>Tea &lt;/title&gt;&lt;meta http-equiv=&quot;refresh&quot;"), "{}", page.body);
}

/// Issue 14, part 4: while the database is down, a signed-in shopper's page is a 503 "try
/// again" page — never the signed-out header and an empty list with 200.
#[tokio::test]
async fn a_signed_in_page_while_the_database_is_down_says_so() {
    let app = app(unreachable_pool());
    let request = axum::http::Request::get("/orders")
        .header("accept", "text/html")
        .header("cookie", "paydesk_session=a-session-the-database-would-know")
        .body(axum::body::Body::empty())
        .unwrap();
    let page = send(&app, request).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
    assert!(page.body.contains("temporarily unavailable"), "{}", page.body);
    assert!(page.body.contains("Account unavailable"), "{}", page.body);
    assert!(!page.body.contains(">Sign in</a>"), "not shown as signed out: {}", page.body);
    assert!(!page.body.contains("no orders yet"), "{}", page.body);
}

/// What a hostile user types into a text field: a tag that would become an element (the `/`
/// stands for a space, so it fits an email address too), quotes for attributes, and a
/// `</script>` that would end JSON embedded in the page. `tag` shows where it was planted.
fn planted(tag: &str) -> String {
    format!("{tag}\"'</script><b/data-planted>")
}

/// Issue 14, part 1: markup planted in every text field a user can edit — emails, business
/// details, a rejection reason, product titles and descriptions, card holder, wallet account,
/// shipping address, carrier, ticket messages, console search — stays text on every page that
/// shows it, for each of the three roles. Every tag must show up somewhere, so a field that
/// stops being rendered (or a page that stops rendering) cannot make this pass by accident.
#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn markup_planted_in_every_field_stays_text_on_every_page(pool: PgPool) {
    let app = app(pool.clone());
    let ok = |a: &Answer, what: &str| assert!(a.status.is_success(), "{what}: {} {}", a.status, a.body);

    // The merchant: email, business details; rejected with a reason, resubmitted, approved.
    let merchant = signed_up(&app, &format!("m{}@example.com", email_markup("merchant-email")), "merchant").await;
    let details = |tag: &str| {
        format!(
            "details[legal_name]={}&details[registration_number]=SG-2019-0042&details[country]=SG&details[contact_phone]=%2B65+6123+4567\
             &details[category]=electronics&details[shop_name]={}",
            enc(&planted(&format!("{tag}-LEGAL"))),
            enc(&planted(&format!("{tag}-SHOP")))
        )
    };
    let submitted = call_as(&app, "submit_qualification", &details("M1"), Some(&merchant), HOME).await;
    ok(&submitted, "submit");
    let merchant_id = submitted.json()["merchant_id"].as_i64().unwrap();
    let staff = signed_in_staff(&app, &pool).await;
    let reason = format!("merchant_id={merchant_id}&decision=reject&reason={}", enc(&planted("REASON is not a real company")));
    ok(&call_as(&app, "decide_qualification", &reason, Some(&staff), HOME).await, "reject");
    let mut pages = vec![];
    for path in ["/merchant", "/merchant/qualification"] {
        pages.push((path.to_string(), get_as(&app, path, &merchant).await));
    }
    ok(&call_as(&app, "submit_qualification", &details("M2"), Some(&merchant), HOME).await, "resubmit");
    for path in ["/staff/reviews".to_string(), format!("/staff/reviews/{merchant_id}")] {
        pages.push((path.clone(), get_as(&app, &path, &staff).await));
    }
    ok(&call_as(&app, "decide_qualification", &format!("merchant_id={merchant_id}&decision=approve"), Some(&staff), HOME).await, "approve");
    let shop_id: i64 = sqlx::query_scalar("SELECT id FROM shops WHERE merchant_id = $1").bind(merchant_id).fetch_one(&pool).await.unwrap();
    let product = format!(
        "product[title]={}&product[description]={}&product[price]=25.00&product[stock]=50&product[active]=on",
        enc(&planted("TITLE")),
        enc(&planted("DESCRIPTION"))
    );
    let saved = call_as(&app, "save_product", &product, Some(&merchant), HOME).await;
    ok(&saved, "product");
    let product_id = saved.json()["id"].as_i64().unwrap();

    // The shopper: email, a card holder, a wallet, an address; pays, and reports a problem.
    let shopper = signed_up(&app, &format!("s{}@example.com", email_markup("shopper-email")), "shopper").await;
    let card =
        format!("card[kind]=credit_card&card[number]=4242424242424242&card[expiry]=12%2F30&card[cvc]=123&card[holder]={}", enc(&planted("HOLDER")));
    let method = call_as(&app, "bind_card", &card, Some(&shopper), HOME).await;
    ok(&method, "card");
    let method = method.json()["id"].as_i64().unwrap();
    let wallet = format!("wallet=paypal&account={}", enc(&format!("w{}@example.com", email_markup("wallet"))));
    ok(&call_as(&app, "bind_wallet", &wallet, Some(&shopper), HOME).await, "wallet");
    ok(&call_as(&app, "add_to_cart", &format!("product_id={product_id}&quantity=1"), Some(&shopper), HOME).await, "cart");
    let address = format!(
        "shop_id={shop_id}&idempotency_key={}&address[name]={}&address[phone]=%2B86+138+0013+8000&address[line1]={}&address[line2]={}\
         &address[city]={}&address[postcode]=200120&address[country]=CN",
        new_key(),
        enc(&planted("NAME")),
        enc(&planted("LINE1")),
        enc(&planted("LINE2")),
        enc(&planted("CITY"))
    );
    let placed = call_as(&app, "place_order", &address, Some(&shopper), HOME).await;
    ok(&placed, "order");
    let number: String = serde_json::from_str(&placed.body).unwrap();
    ok(&call_as(&app, "pay_order", &pay_form(&number, method, &new_key()), Some(&shopper), HOME).await, "pay");
    let ship = format!("number={number}&action=ship&carrier={}&tracking=SF123456789CN", enc(&planted("CARRIER")));
    ok(&call_as(&app, "merchant_order_action", &ship, Some(&merchant), HOME).await, "ship");
    let report = format!("category=other&description={}&order_number={number}", enc(&planted("TICKET")));
    let ticket = call_as(&app, "report_problem", &report, Some(&shopper), HOME).await;
    ok(&ticket, "ticket");
    let ticket = ticket.json().as_i64().unwrap();
    ok(&call_as(&app, "reply_ticket", &format!("id={ticket}&body={}", enc(&planted("STAFF-REPLY"))), Some(&staff), HOME).await, "staff reply");
    ok(&call_as(&app, "reply_ticket", &format!("id={ticket}&body={}", enc(&planted("REPLY"))), Some(&shopper), HOME).await, "reply");
    // Something left in the cart, so the cart and checkout pages show the title.
    ok(&call_as(&app, "add_to_cart", &format!("product_id={product_id}&quantity=1"), Some(&shopper), HOME).await, "cart again");

    let shopper_pages = [
        "/".to_string(),
        format!("/shops/{shop_id}"),
        format!("/products/{product_id}"),
        "/cart".into(),
        format!("/checkout/{shop_id}"),
        "/orders".into(),
        format!("/orders/{number}"),
        format!("/orders/{number}/pay"),
        "/account".into(),
        "/account/payment-methods".into(),
        "/notifications".into(),
        "/support".into(),
        format!("/support/{ticket}"),
    ];
    for path in shopper_pages {
        pages.push((path.clone(), get_as(&app, &path, &shopper).await));
    }
    let search = format!("/merchant/orders?q={}", enc(&planted("SEARCH")));
    let merchant_pages = [
        "/merchant".to_string(),
        "/merchant/products".into(),
        "/merchant/orders".into(),
        search,
        format!("/merchant/orders/{number}"),
        "/merchant/notifications".into(),
    ];
    for path in merchant_pages {
        pages.push((path.clone(), get_as(&app, &path, &merchant).await));
    }
    for path in ["/staff/tickets".to_string(), format!("/staff/tickets/{ticket}"), "/staff/reviews".into()] {
        pages.push((path.clone(), get_as(&app, &path, &staff).await));
    }

    for (path, page) in &pages {
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        let body = page.body.to_lowercase();
        assert!(!body.contains("<b/data-planted"), "{path}: planted markup became markup:\n{}", page.body);
        assert!(!body.contains("\"'</script>"), "{path}: planted text ended a script:\n{}", page.body);
        // The document's title (the merchant's sales chart titles its bars in the body).
        let head = body.split("</head>").next().unwrap_or_default();
        assert_eq!(head.matches("</title>").count(), 1, "{path}: one title, closed once");
    }
    let tags = [
        "merchant-email",
        "M1-LEGAL",
        "M2-LEGAL",
        "M2-SHOP",
        "REASON",
        "TITLE",
        "DESCRIPTION",
        "shopper-email",
        "HOLDER",
        "NAME",
        "LINE1",
        "LINE2",
        "CITY",
        "CARRIER",
        "TICKET",
        "STAFF-REPLY",
        "REPLY",
        "SEARCH",
    ];
    for tag in tags {
        assert!(pages.iter().any(|(_, page)| page.body.contains(tag)), "{tag} is shown on none of the pages");
    }
}

/// The markup for an email's local part (no spaces there, so `/` stands for one).
fn email_markup(tag: &str) -> String {
    format!("{tag}<b/data-planted>")
}
