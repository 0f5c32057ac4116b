//! The catalog as shoppers see it: product images resized to a few widths and served under
//! versioned, long-cached URLs; images refused by their size in pixels or when unreadable;
//! product search in one shop and across shops.

use crate::common::*;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};
use sqlx::PgPool;
use tower::ServiceExt;

/// A PNG photo-like image of the given size.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = DynamicImage::ImageRgb8(ImageBuffer::from_fn(width, height, |x, y| Rgb([(x % 251) as u8, (y % 241) as u8, 120])));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A small PNG that declares `width` × `height` pixels: the header of a decompression bomb.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        let body = [kind, data].concat();
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        let mut crc = 0xFFFF_FFFFu32;
        for b in &body {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        out.extend_from_slice(&(!crc).to_be_bytes());
    }
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    chunk(&mut out, b"IHDR", &[&width.to_be_bytes()[..], &height.to_be_bytes()[..], &[8, 2, 0, 0, 0]].concat());
    // Zeros compress about a thousandfold: the pixel data of a bomb (never reached here).
    chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

async fn upload(app: &Router, merchant: &str, product: i64, bytes: Vec<u8>) -> Answer {
    let boundary = "XBOUNDARYX";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post(format!("/merchant/products/{product}/image"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("cookie", merchant)
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

/// An image's status, headers and decoded size.
async fn fetch_image(app: &Router, path: &str) -> (StatusCode, axum::http::HeaderMap, Option<(u32, u32)>) {
    let response = app.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let size = image::load_from_memory(&bytes).ok().map(|i| (i.width(), i.height()));
    (status, headers, size)
}

async fn product_json(app: &Router, product: i64) -> serde_json::Value {
    call(app, "product_page", &format!("product_id={product}")).await.json()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_uploaded_image_is_served_at_each_width_under_a_versioned_url(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "pictures@example.com", "US").await;
    let item = add_product(&app, &merchant, "Lamp", "30.00", 4).await;
    assert!(product_json(&app, item).await["image"].is_null());

    assert_eq!(upload(&app, &merchant, item, png(1200, 800)).await.status, StatusCode::SEE_OTHER);
    let image = product_json(&app, item).await["image"].clone();
    assert_eq!(image, serde_json::json!({ "version": 1, "width": 960, "height": 640 }));

    for (w, size) in [(240, (240, 160)), (480, (480, 320)), (960, (960, 640))] {
        let (status, headers, served) = fetch_image(&app, &format!("/images/products/{item}?v=1&w={w}")).await;
        assert_eq!(status, StatusCode::OK, "w={w}");
        assert_eq!(served, Some(size), "w={w}");
        assert_eq!(headers["content-type"], "image/jpeg");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(headers["etag"], format!("\"p{item}-v1-w{w}\""));
    }
    // Another width gets the next stored one up;
    // no width gets the largest.
    assert_eq!(fetch_image(&app, &format!("/images/products/{item}?v=1&w=300")).await.2, Some((480, 320)));
    assert_eq!(fetch_image(&app, &format!("/images/products/{item}")).await.2, Some((960, 640)));
    // A repeated request with the ETag is answered without the bytes.
    let again = Request::get(format!("/images/products/{item}?v=1&w=240"))
        .header("if-none-match", format!("\"p{item}-v1-w240\""))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, again).await.status, StatusCode::NOT_MODIFIED);

    // A new upload changes the URL; the old one is only cached briefly now. A small image is
    // never upscaled.
    assert_eq!(upload(&app, &merchant, item, png(300, 600)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(product_json(&app, item).await["image"], serde_json::json!({ "version": 2, "width": 300, "height": 600 }));
    let (_, headers, size) = fetch_image(&app, &format!("/images/products/{item}?v=1&w=960")).await;
    assert_eq!(size, Some((300, 600)));
    assert_eq!(headers["cache-control"], "public, max-age=300");
    assert_eq!(fetch_image(&app, &format!("/images/products/{item}?v=2&w=240")).await.2, Some((240, 480)));

    // The pages offer every width: lazily in the shop's grid, at once on the product page
    // (above the fold).
    let srcset = format!(r#"srcset="/images/products/{item}?v=2&amp;w=240 240w, /images/products/{item}?v=2&amp;w=300 300w""#);
    let shop = get(&app, &format!("/shops/{shop_id}")).await;
    let card = shop.body.split(r#"<li class="product-card">"#).nth(1).expect("a card");
    for part in [&srcset[..], r#"loading="lazy""#, r#"decoding="async""#, r#"width="300""#, r#"height="600""#, r#"alt="Lamp""#, "sizes="] {
        assert!(card.contains(part), "{part}: {card}");
    }
    let page = get(&app, &format!("/products/{item}")).await;
    for part in [&srcset[..], r#"loading="eager""#, r#"fetchpriority="high""#, r#"alt="Lamp""#] {
        assert!(page.body.contains(part), "{part}: {}", page.body);
    }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn images_too_large_in_pixels_or_unreadable_are_refused(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "bombs@example.com", "US").await;
    let item = add_product(&app, &merchant, "Poster", "9.00", 4).await;

    let bomb = png_declaring(100_000, 100_000);
    assert!(bomb.len() < 200);
    let refused = upload(&app, &merchant, item, bomb).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.said(), "The image has too many pixels: at most 8,000 on a side and 25 megapixels.");
    // Each side within the limit, too many pixels in all.
    assert_eq!(upload(&app, &merchant, item, png_declaring(7_000, 7_000)).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let truncated = [&[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[0u8; 64][..]].concat();
    let unreadable = upload(&app, &merchant, item, truncated).await;
    assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unreadable.said().contains("could not be read"), "{}", unreadable.said());

    // In the uploader's language.
    let request = Request::post(format!("/merchant/products/{item}/image"))
        .header("content-type", "multipart/form-data; boundary=B")
        .header("cookie", format!("{merchant}; i18n_pref_locale=zh-CN"))
        .body(Body::from(
            [
                &b"--B\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n"[..],
                &png_declaring(9_000, 10)[..],
                b"\r\n--B--\r\n",
            ]
            .concat(),
        ))
        .unwrap();
    assert!(send(&app, request).await.body.contains("图片像素过多"));

    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM product_image_variants").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 0);
    assert!(product_json(&app, item).await["image"].is_null());
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn images_uploaded_before_resizing_are_resized_when_first_asked_for(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, _) = open_shop(&app, &pool, "earlier@example.com", "US").await;
    let first = add_product(&app, &merchant, "Old photo", "5.00", 4).await;
    let second = add_product(&app, &merchant, "Older photo", "5.00", 4).await;
    // As stored before this change: the original only.
    for id in [first, second] {
        sqlx::query("UPDATE products SET image = $2, image_type = 'image/png' WHERE id = $1")
            .bind(id)
            .bind(png(640, 480))
            .execute(&pool)
            .await
            .unwrap();
    }
    assert!(product_json(&app, first).await["image"].is_null());
    assert_eq!(fetch_image(&app, &format!("/images/products/{first}?w=480")).await.2, Some((480, 360)));
    assert_eq!(product_json(&app, first).await["image"], serde_json::json!({ "version": 0, "width": 640, "height": 480 }));
    // The start-up pass does the rest.
    assert_eq!(backend::catalog::resize_pending(&pool).await.unwrap(), 1);
    assert_eq!(product_json(&app, second).await["image"]["width"], 640);
}

async fn shop_search(app: &Router, shop_id: i64, q: &str) -> Vec<String> {
    let page = call(app, "shop_page", &format!("shop_id={shop_id}&q={}", enc(q))).await.json();
    page["products"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_string()).collect()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn search_finds_products_of_the_shop_by_title_or_description_whatever_the_case(pool: PgPool) {
    let app = app(pool.clone());
    let (merchant, shop_id) = open_shop(&app, &pool, "search@example.com", "US").await;
    let (other, other_shop) = open_shop(&app, &pool, "search2@example.com", "US").await;
    add_product(&app, &merchant, "Wireless Earbuds", "49.90", 5).await;
    add_product(&app, &merchant, "100% Cotton Tee", "19.00", 5).await;
    add_product(&app, &merchant, "Phone_case", "9.00", 5).await;
    add_product(&app, &merchant, "Phone case", "9.00", 5).await;
    add_product(&app, &merchant, "Plain mug", "7.00", 5).await;
    let form = "product[title]=Travel+pouch&product[description]=Fits+EARBUDS+and+cables&product[price]=5&product[stock]=5&product[active]=on";
    assert_eq!(call_as(&app, "save_product", form, Some(&merchant), HOME).await.status, StatusCode::OK);
    let archived = "product[title]=Old+earbuds&product[price]=5&product[stock]=5";
    assert_eq!(call_as(&app, "save_product", archived, Some(&merchant), HOME).await.status, StatusCode::OK);
    add_product(&app, &other, "Earbuds Pro", "99.00", 5).await;

    assert_eq!(shop_search(&app, shop_id, "  earBUDS ").await, ["Travel pouch", "Wireless Earbuds"]);
    assert_eq!(shop_search(&app, shop_id, "%").await, ["100% Cotton Tee"]);
    assert_eq!(shop_search(&app, shop_id, "e_c").await, ["Phone_case"]);
    assert_eq!(shop_search(&app, shop_id, "\\").await, Vec::<String>::new());
    assert_eq!(shop_search(&app, shop_id, "nothing like it").await, Vec::<String>::new());
    assert_eq!(shop_search(&app, other_shop, "earbuds").await, ["Earbuds Pro"]);
    // An empty search is the whole shop (active products).
    assert_eq!(shop_search(&app, shop_id, "").await.len(), 6);

    // Across shops, from the home page.
    let everywhere = call(&app, "search_products", "q=EARBUDS").await.json();
    let titles: Vec<_> = everywhere.as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_string()).collect();
    assert_eq!(titles, ["Earbuds Pro", "Travel pouch", "Wireless Earbuds"]);

    // The page without JavaScript: a labelled search box, and what was not found.
    let page = get(&app, &format!("/shops/{shop_id}?q=%25zz")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"type="search""#) && page.body.contains(r#"<label for="product-search">Search this shop"#), "{}", page.body);
    assert!(page.body.contains("No products match “%zz”."), "{}", page.body);
    let found = get(&app, &format!("/shops/{shop_id}?q=mug")).await;
    assert!(found.body.contains("Results for “mug”: 1"), "{}", found.body);
    assert!(found.body.contains(r#"role="img" aria-label="No photo yet""#), "a product without an image shows the placeholder");
}
