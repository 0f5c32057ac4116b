//! Catalog, cart and checkout against real Postgres: no overselling under concurrency, one
//! order per idempotency key, server prices win, cancelling gives stock back, and bad input
//! changes nothing.

use crate::common::*;
use axum::http::StatusCode;
use sqlx::PgPool;

async fn stock(pool: &PgPool, product_id: i64) -> i32 {
    sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(product_id).fetch_one(pool).await.unwrap()
}

async fn orders(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_shopper_checks_out_and_the_order_awaits_payment(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "m1@example.com", "SG").await;
    let case = add_product(&app, &merchant, "Phone case <b>", "12.50", 10).await;
    let cable = add_product(&app, &merchant, "USB-C cable", "3", 10).await;
    let shopper = signed_up(&app, "s1@example.com", "shopper").await;

    // The shop page lists the products in the shop's currency, titles as plain text.
    let page = call_as(&app, "shop_page", &format!("shop_id={shop_id}"), None, HOME).await.json();
    assert_eq!(page["shop"]["currency"], "SGD");
    assert_eq!(page["products"].as_array().unwrap().len(), 2);

    assert_eq!(call_as(&app, "add_to_cart", &format!("product_id={case}&quantity=2"), Some(&shopper), HOME).await.status, StatusCode::OK);
    assert_eq!(call_as(&app, "add_to_cart", &format!("product_id={cable}&quantity=1"), Some(&shopper), HOME).await.status, StatusCode::OK);
    let cart = call_as(&app, "my_cart", "", Some(&shopper), HOME).await.json();
    assert_eq!(cart[0]["subtotal"]["minor"], 2800);

    let placed = call_as(&app, "place_order", &checkout_form(shop_id, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.body);
    let number: String = serde_json::from_str(&placed.body).unwrap();
    assert!(number.starts_with("PD-") && number.len() == 16, "{number}");

    let order = call_as(&app, "order_detail", &format!("number={number}"), Some(&shopper), HOME).await.json();
    assert_eq!(order["summary"]["status"], "awaiting_payment");
    assert_eq!(order["summary"]["total"], serde_json::json!({"minor": 2800, "currency": "SGD"}));
    assert_eq!(order["lines"].as_array().unwrap().len(), 2);
    assert_eq!(order["events"][0]["event"], "created");
    let due =
        time::OffsetDateTime::parse(order["summary"]["payment_due_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
    let minutes = (due - time::OffsetDateTime::now_utc()).whole_minutes();
    assert!((28..=30).contains(&minutes), "deadline in {minutes} min");

    // Stock is reserved and the cart for the shop is empty.
    assert_eq!((stock(&pool, case).await, stock(&pool, cable).await), (8, 9));
    assert_eq!(call_as(&app, "my_cart", "", Some(&shopper), HOME).await.body, "[]");
    let mine = call_as(&app, "my_orders", "", Some(&shopper), HOME).await.json();
    assert_eq!(mine[0]["number"], number);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn twenty_shoppers_racing_for_the_last_unit_buy_it_once(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "m2@example.com", "US").await;
    let last = add_product(&app, &merchant, "Last one", "99.00", 1).await;
    let mut shoppers = Vec::new();
    for i in 0..20 {
        let cookie = signed_up(&app, &format!("racer{i}@example.com"), "shopper").await;
        let added = call_as(&app, "add_to_cart", &format!("product_id={last}&quantity=1"), Some(&cookie), HOME).await;
        assert_eq!(added.status, StatusCode::OK);
        shoppers.push(cookie);
    }
    let tasks = shoppers.into_iter().map(|cookie| {
        let app = app.clone();
        tokio::spawn(async move { call_as(&app, "place_order", &checkout_form(shop_id, &new_key()), Some(&cookie), HOME).await.status })
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT), "{statuses:?}");
    assert_eq!(stock(&pool, last).await, 0);
    assert_eq!(orders(&pool).await, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_same_checkout_key_places_one_order_even_when_sent_at_once(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "m3@example.com", "JP").await;
    let item = add_product(&app, &merchant, "Tea", "1500", 5).await;
    let shopper = signed_up(&app, "s3@example.com", "shopper").await;
    call_as(&app, "add_to_cart", &format!("product_id={item}&quantity=1"), Some(&shopper), HOME).await;

    let key = new_key();
    let form = checkout_form(shop_id, &key);
    let (a, b) = tokio::join!(call_as(&app, "place_order", &form, Some(&shopper), HOME), call_as(&app, "place_order", &form, Some(&shopper), HOME));
    let again = call_as(&app, "place_order", &form, Some(&shopper), HOME).await;
    assert_eq!((a.status, b.status, again.status), (StatusCode::OK, StatusCode::OK, StatusCode::OK), "{} {}", a.body, b.body);
    assert_eq!(a.body, b.body);
    assert_eq!(a.body, again.body);
    assert_eq!(orders(&pool).await, 1);
    assert_eq!(stock(&pool, item).await, 4);

    // The same key for another shop is refused, not a new order.
    let (_, other_shop) = open_shop(&app, &pool, "m3b@example.com", "JP").await;
    let reused = call_as(&app, "place_order", &checkout_form(other_shop, &key), Some(&shopper), HOME).await;
    assert_eq!(reused.status, StatusCode::CONFLICT);
    assert_eq!(orders(&pool).await, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_server_price_wins(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "m4@example.com", "US").await;
    let item = add_product(&app, &merchant, "Lamp", "20.00", 5).await;
    let shopper = signed_up(&app, "s4@example.com", "shopper").await;
    call_as(&app, "add_to_cart", &format!("product_id={item}&quantity=2"), Some(&shopper), HOME).await;
    // The merchant changes the price after the shopper filled the cart.
    let edit = format!("id={item}&product[title]=Lamp&product[price]=25.00&product[stock]=5&product[active]=on");
    assert_eq!(call_as(&app, "save_product", &edit, Some(&merchant), HOME).await.status, StatusCode::OK);
    // A tampered request that names its own price and total is read for what it is: the
    // server computes the total from the database.
    let tampered = format!("{}&price=1&total=1&unit_price_minor=1", checkout_form(shop_id, &new_key()));
    let placed = call_as(&app, "place_order", &tampered, Some(&shopper), HOME).await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.body);
    let total: i64 = sqlx::query_scalar("SELECT total_minor FROM orders").fetch_one(&pool).await.unwrap();
    assert_eq!(total, 5000);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn cancelling_an_unpaid_order_gives_the_stock_back(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "m5@example.com", "VN").await;
    let item = add_product(&app, &merchant, "Coffee", "25,000", 3).await;
    let shopper = signed_up(&app, "s5@example.com", "shopper").await;
    let other = signed_up(&app, "s5b@example.com", "shopper").await;
    call_as(&app, "add_to_cart", &format!("product_id={item}&quantity=3"), Some(&shopper), HOME).await;
    let number: String =
        serde_json::from_str(&call_as(&app, "place_order", &checkout_form(shop_id, &new_key()), Some(&shopper), HOME).await.body).unwrap();
    assert_eq!(stock(&pool, item).await, 0);

    // Another shopper can neither see nor cancel it.
    assert_eq!(call_as(&app, "order_detail", &format!("number={number}"), Some(&other), HOME).await.status, StatusCode::NOT_FOUND);
    assert_eq!(call_as(&app, "cancel_order", &format!("number={number}&confirm=yes"), Some(&other), HOME).await.status, StatusCode::NOT_FOUND);
    assert_eq!(call_as(&app, "cancel_order", &format!("number={number}&confirm=yes"), Some(&merchant), HOME).await.status, StatusCode::FORBIDDEN);
    assert_eq!(stock(&pool, item).await, 0);

    assert_eq!(call_as(&app, "cancel_order", &format!("number={number}&confirm=yes"), Some(&shopper), HOME).await.status, StatusCode::OK);
    assert_eq!(stock(&pool, item).await, 3);
    let order = call_as(&app, "order_detail", &format!("number={number}"), Some(&shopper), HOME).await.json();
    assert_eq!(order["summary"]["status"], "cancelled");
    assert_eq!(order["events"][1]["actor"], "shopper");
    assert_eq!(order["events"][1]["from"], "awaiting_payment");

    // Cancelling twice is refused with a reason, and gives nothing back twice.
    let twice = call_as(&app, "cancel_order", &format!("number={number}&confirm=yes"), Some(&shopper), HOME).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.said().contains("cancelled cannot be cancelled"), "{}", twice.body);
    assert_eq!(stock(&pool, item).await, 3);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn bad_input_gets_a_clear_error_and_changes_nothing(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "m6@example.com", "US").await;
    let item = add_product(&app, &merchant, "Mug", "8.00", 2).await;
    let shopper = signed_up(&app, "s6@example.com", "shopper").await;

    for (form, field) in [
        (format!("product_id={item}&quantity=0"), "quantity"),
        (format!("product_id={item}&quantity=-2"), "quantity"),
        (format!("product_id={item}&quantity=3"), "quantity"),
    ] {
        let answer = call_as(&app, "add_to_cart", &form, Some(&shopper), HOME).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}");
        assert!(answer.said().contains(field));
    }
    assert_eq!(call_as(&app, "add_to_cart", "product_id=999999&quantity=1", Some(&shopper), HOME).await.status, StatusCode::NOT_FOUND);
    assert_eq!(call_as(&app, "add_to_cart", "product_id=abc&quantity=1", Some(&shopper), HOME).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(call_as(&app, "my_cart", "", Some(&shopper), HOME).await.body, "[]");

    // Checkout with an empty cart, a bad key or a bad address.
    let empty = call_as(&app, "place_order", &checkout_form(shop_id, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(empty.status, StatusCode::CONFLICT);
    assert!(empty.said().contains("nothing from this shop"));
    call_as(&app, "add_to_cart", &format!("product_id={item}&quantity=1"), Some(&shopper), HOME).await;
    let bad_key = call_as(&app, "place_order", &checkout_form(shop_id, "not-a-uuid"), Some(&shopper), HOME).await;
    assert_eq!(bad_key.status, StatusCode::BAD_REQUEST);
    let long = "x".repeat(300);
    let bad_address = format!(
        "shop_id={shop_id}&idempotency_key={}&address[name]=&address[phone]=1&address[line1]={long}&address[city]=&address[postcode]=%3C%3E&address[country]=ZZ",
        new_key()
    );
    let refused = call_as(&app, "place_order", &bad_address, Some(&shopper), HOME).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["detail"].as_array().unwrap().len(), 6);
    assert_eq!(orders(&pool).await, 0);
    assert_eq!(stock(&pool, item).await, 2);

    // Products: zero, negative or over-precise prices, and stock below zero.
    for (price, stock_value) in [("0", "1"), ("-5", "1"), ("1.234", "1"), ("1.00", "-1"), ("abc", "1")] {
        let form = format!("product[title]=Bad&product[price]={price}&product[stock]={stock_value}&product[active]=on");
        let answer = call_as(&app, "save_product", &form, Some(&merchant), HOME).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{price} {stock_value}: {}", answer.body);
    }
    // A merchant whose shop is not open cannot list products; shoppers cannot at all.
    let unapproved = signed_up(&app, "m7@example.com", "merchant").await;
    let form = "product[title]=X&product[price]=1&product[stock]=1&product[active]=on";
    assert_eq!(call_as(&app, "save_product", form, Some(&unapproved), HOME).await.status, StatusCode::CONFLICT);
    assert_eq!(call_as(&app, "save_product", form, Some(&shopper), HOME).await.status, StatusCode::FORBIDDEN);
    // A merchant cannot edit another shop's product.
    let (other_merchant, _) = open_shop(&app, &pool, "m8@example.com", "US").await;
    let hijack = format!("id={item}&product[title]=Mine&product[price]=1&product[stock]=1&product[active]=on");
    assert_eq!(call_as(&app, "save_product", &hijack, Some(&other_merchant), HOME).await.status, StatusCode::NOT_FOUND);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 1);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn archived_products_leave_the_shop_and_cannot_be_bought(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "m9@example.com", "US").await;
    let item = add_product(&app, &merchant, "Old model", "5.00", 5).await;
    let shopper = signed_up(&app, "s9@example.com", "shopper").await;
    call_as(&app, "add_to_cart", &format!("product_id={item}&quantity=1"), Some(&shopper), HOME).await;
    let archive = format!("id={item}&product[title]=Old+model&product[price]=5.00&product[stock]=5");
    assert_eq!(call_as(&app, "save_product", &archive, Some(&merchant), HOME).await.json()["active"], false);
    let page = call_as(&app, "shop_page", &format!("shop_id={shop_id}"), None, HOME).await.json();
    assert_eq!(page["products"].as_array().unwrap().len(), 0);
    assert_eq!(call_as(&app, "product_page", &format!("product_id={item}"), None, HOME).await.status, StatusCode::NOT_FOUND);
    let placed = call_as(&app, "place_order", &checkout_form(shop_id, &new_key()), Some(&shopper), HOME).await;
    assert_eq!(placed.status, StatusCode::CONFLICT);
    assert!(placed.said().contains("no longer sold"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn product_images_are_checked_by_their_bytes(pool: PgPool) {
    use axum::body::Body;
    use axum::http::Request;
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "m10@example.com", "US").await;
    let item = add_product(&app, &merchant, "Pictured", "5.00", 5).await;
    let upload = |bytes: Vec<u8>, cookie: Option<String>| {
        let boundary = "XBOUNDARYX";
        let mut body =
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n")
                .into_bytes();
        body.extend_from_slice(&bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut req =
            Request::post(format!("/merchant/products/{item}/image")).header("content-type", format!("multipart/form-data; boundary={boundary}"));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.body(Body::from(body)).unwrap()
    };
    let png = {
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::new_rgb8(4, 4).write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let fake = b"<svg onload=alert(1)>".to_vec();

    let refused = send(&app, upload(fake, Some(merchant.clone()))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.said().contains("PNG, JPEG or WebP"));
    assert_eq!(send(&app, upload(png.clone(), None)).await.status, StatusCode::UNAUTHORIZED);

    let stored = send(&app, upload(png.clone(), Some(merchant))).await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER);
    let served = get(&app, &format!("/images/products/{item}")).await;
    assert_eq!(served.status, StatusCode::OK);
    // Served re-encoded (see catalog.rs): an opaque image as a JPEG.
    assert_eq!(served.headers["content-type"], "image/jpeg");
    assert_eq!(served.headers["x-content-type-options"], "nosniff");
}
