//! A shop's catalog: products added, changed and searched; images checked by their bytes and
//! resized (see `images`).

use sqlx::PgPool;

use crate::Error;
use crate::db;
use domain::accounts::CurrentUser;
use domain::catalog::{Product, ProductForm, Shop};

pub mod images;
pub use images::image_type;

/// The merchant's open shop; refused while it is not open (not approved).
pub async fn open_shop_of(pool: &PgPool, merchant: &CurrentUser) -> Result<Shop, Error> {
    db::catalog::shop_of_merchant(pool, merchant.id).await?.ok_or(Error::Conflict(domain::Message::ShopNotOpen))
}

/// Adds (no `id`) or updates a product of the caller's shop.
pub async fn save(pool: &PgPool, shop: &Shop, id: Option<i64>, form: &ProductForm) -> Result<Product, Error> {
    let input = form.parse(shop.currency)?;
    let id = match id {
        None => db::catalog::insert_product(pool, shop, &input).await?,
        Some(id) => {
            if !db::catalog::update_product(pool, shop, id, &input).await? {
                return Err(Error::NotFound("The product".into()));
            }
            id
        }
    };
    db::catalog::product_by_id(pool, id).await?.ok_or_else(|| Error::internal("product vanished"))
}

/// A product search as typed (see `domain::catalog::search_terms`) in one shop, or in every
/// open shop when `shop_id` is None: active products whose title or description contains it,
/// whatever the case.
pub async fn search(pool: &PgPool, shop_id: Option<i64>, query: &str) -> Result<Vec<Product>, Error> {
    let terms = domain::catalog::search_terms(query);
    Ok(db::catalog::search_products(pool, shop_id, &terms, 100).await?)
}

// ---- Images -------------------------------------------------------------------------------

/// Image resizing is CPU work: at most this many at once, off the async threads, so that a
/// burst of uploads cannot starve the requests being served.
static RESIZING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

async fn resize(bytes: Vec<u8>) -> Result<Vec<domain::catalog::ImageVariant>, Error> {
    let _permit = RESIZING.acquire().await.map_err(Error::internal)?;
    tokio::task::spawn_blocking(move || images::variants(&bytes)).await.map_err(Error::internal)?
}

/// Stores an uploaded image for a product of `shop` with its resized variants; false when the
/// shop has no such product. Refused with a field message when the bytes are not an image
/// the catalog takes (type, size in bytes, size in pixels, unreadable).
pub async fn store_image(pool: &PgPool, shop: &Shop, product_id: i64, bytes: Vec<u8>) -> Result<bool, Error> {
    let content_type = images::image_type(&bytes)?;
    if !db::catalog::shop_has_product(pool, shop.id, product_id).await? {
        return Ok(false);
    }
    let variants = resize(bytes.clone()).await?;
    Ok(db::catalog::set_product_image(pool, shop, product_id, content_type, &bytes, &variants).await?)
}

/// One resized image of a product: the stored width closest above `width` (else the largest).
/// An image uploaded before images were resized is resized now, on its first request.
pub async fn image_variant(pool: &PgPool, product_id: i64, width: u32) -> Result<Option<db::catalog::StoredVariant>, Error> {
    if let Some(found) = db::catalog::image_variant(pool, product_id, width).await? {
        return Ok(Some(found));
    }
    if resize_stored(pool, product_id).await? {
        return Ok(db::catalog::image_variant(pool, product_id, width).await?);
    }
    Ok(None)
}

/// Resizes a product's stored original when it has no variants yet; false when there is
/// nothing to resize (no image, already done) or the original cannot be read.
pub async fn resize_stored(pool: &PgPool, product_id: i64) -> Result<bool, Error> {
    let Some((version, original)) = db::catalog::unresized_image(pool, product_id).await? else {
        return Ok(false);
    };
    match resize(original).await {
        Ok(variants) => Ok(db::catalog::set_variants(pool, product_id, version, &variants).await?),
        Err(Error::Validation(_)) => {
            tracing::warn!(product_id, "a stored product image cannot be read; it is not shown");
            Ok(false)
        }
        Err(other) => Err(other),
    }
}

/// At start-up: resizes the images uploaded before images were resized (in the background;
/// a request for one of them resizes it first if it comes sooner).
pub async fn resize_pending(pool: &PgPool) -> Result<usize, Error> {
    let mut done = 0;
    for product_id in db::catalog::unresized_products(pool).await? {
        if resize_stored(pool, product_id).await? {
            done += 1;
        }
    }
    Ok(done)
}
