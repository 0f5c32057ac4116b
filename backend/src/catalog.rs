//! A shop's catalog: products added and changed, images checked by their bytes.

use sqlx::PgPool;

use crate::Error;
use crate::db;
use domain::accounts::CurrentUser;
use domain::catalog::{Product, ProductForm, Shop};

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

/// Checks an uploaded image by its bytes (not by the name or the declared type) and returns
/// its content type.
pub fn image_type(bytes: &[u8]) -> Result<&'static str, Error> {
    if bytes.len() > 2 * 1024 * 1024 {
        return Err(Error::field("image", domain::Message::ImageTooLarge));
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Ok("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok("image/webp")
    } else {
        Err(Error::field("image", domain::Message::ImageType))
    }
}
