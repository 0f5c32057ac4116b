//! SQL for shops, products and product images.

use sqlx::PgPool;

use domain::catalog::{ImageVariant as Variant, Product, ProductImage, ProductInput, Shop};
use domain::money::{Currency, Money};

type ProductRow = (i64, i64, String, String, String, i64, Currency, i32, bool, i32, Option<i32>, Option<i32>);

const PRODUCT_SELECT: &str = "SELECT p.id, p.shop_id, s.name, p.title, p.description, p.price_minor, p.currency,
                                     p.stock, p.active, p.image_version, p.image_width, p.image_height
                              FROM products p JOIN shops s ON s.id = p.shop_id";

fn product(r: ProductRow) -> Product {
    let currency = r.6;
    Product {
        id: r.0,
        shop_id: r.1,
        shop_name: r.2,
        title: r.3,
        description: r.4,
        price: Money::new(r.5, currency),
        stock: r.7,
        active: r.8,
        image: match (r.10, r.11) {
            (Some(width), Some(height)) => Some(ProductImage { version: r.9, width: width as u32, height: height as u32 }),
            _ => None,
        },
    }
}

fn shop((id, merchant_id, name, currency): (i64, i64, String, Currency)) -> Shop {
    Shop { id, merchant_id, name, currency }
}

pub async fn shop_of_merchant(pool: &PgPool, merchant_id: i64) -> Result<Option<Shop>, sqlx::Error> {
    let row =
        sqlx::query_as("SELECT id, merchant_id, name, currency FROM shops WHERE merchant_id = $1").bind(merchant_id).fetch_optional(pool).await?;
    Ok(row.map(shop))
}

pub async fn shop_by_id(pool: &PgPool, shop_id: i64) -> Result<Option<Shop>, sqlx::Error> {
    let row = sqlx::query_as("SELECT id, merchant_id, name, currency FROM shops WHERE id = $1").bind(shop_id).fetch_optional(pool).await?;
    Ok(row.map(shop))
}

/// A shop's products; archived ones only when `include_archived`.
pub async fn products_of_shop(pool: &PgPool, shop_id: i64, include_archived: bool) -> Result<Vec<Product>, sqlx::Error> {
    let rows: Vec<ProductRow> =
        sqlx::query_as(&format!("{PRODUCT_SELECT} WHERE p.shop_id = $1 AND (p.active OR $2) ORDER BY p.active DESC, p.id DESC LIMIT 500"))
            .bind(shop_id)
            .bind(include_archived)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(product).collect())
}

pub async fn product_by_id(pool: &PgPool, product_id: i64) -> Result<Option<Product>, sqlx::Error> {
    let row: Option<ProductRow> = sqlx::query_as(&format!("{PRODUCT_SELECT} WHERE p.id = $1")).bind(product_id).fetch_optional(pool).await?;
    Ok(row.map(product))
}

pub async fn insert_product(pool: &PgPool, shop: &Shop, p: &ProductInput) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO products (shop_id, title, description, price_minor, currency, stock, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(shop.id)
    .bind(&p.title)
    .bind(&p.description)
    .bind(p.price.minor)
    .bind(p.price.currency.code())
    .bind(p.stock)
    .bind(p.active)
    .fetch_one(pool)
    .await
}

/// Updates a product of `shop`; false when the shop has no such product.
pub async fn update_product(pool: &PgPool, shop: &Shop, id: i64, p: &ProductInput) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE products SET title = $3, description = $4, price_minor = $5, stock = $6, active = $7, updated_at = now()
         WHERE id = $1 AND shop_id = $2",
    )
    .bind(id)
    .bind(shop.id)
    .bind(&p.title)
    .bind(&p.description)
    .bind(p.price.minor)
    .bind(p.stock)
    .bind(p.active)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A shop's active products whose title or description contains `terms` (any case; `%` and
/// `_` taken literally), newest first; all of them when `terms` is empty. Every open shop's
/// when `shop_id` is None (a shop exists only once it is open).
pub async fn search_products(pool: &PgPool, shop_id: Option<i64>, terms: &str, limit: i64) -> Result<Vec<Product>, sqlx::Error> {
    let rows: Vec<ProductRow> = sqlx::query_as(&format!(
        "{PRODUCT_SELECT}
         WHERE p.active AND ($1::BIGINT IS NULL OR p.shop_id = $1)
           AND (p.title ILIKE $2 ESCAPE '\\' OR p.description ILIKE $2 ESCAPE '\\')
         ORDER BY p.id DESC LIMIT $3"
    ))
    .bind(shop_id)
    .bind(contains_pattern(terms))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(product).collect())
}

/// A LIKE pattern matching any text that contains `terms` as typed: the pattern's own
/// characters (`%`, `_` and the escape `\`) are escaped.
pub fn contains_pattern(terms: &str) -> String {
    let mut pattern = String::with_capacity(terms.len() + 2);
    pattern.push('%');
    for c in terms.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub async fn shop_has_product(pool: &PgPool, shop_id: i64, product_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM products WHERE id = $1 AND shop_id = $2)").bind(product_id).bind(shop_id).fetch_one(pool).await
}

/// Stores an image for a product of `shop` with its variants, under a new version; false when
/// the shop has no such product.
pub async fn set_product_image(
    pool: &PgPool,
    shop: &Shop,
    id: i64,
    content_type: &str,
    bytes: &[u8],
    variants: &[Variant],
) -> Result<bool, sqlx::Error> {
    let largest = variants.last().map(|v| (v.width as i32, v.height as i32));
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE products SET image = $3, image_type = $4, image_version = image_version + 1, image_width = $5, image_height = $6,
                             updated_at = now()
         WHERE id = $1 AND shop_id = $2",
    )
    .bind(id)
    .bind(shop.id)
    .bind(bytes)
    .bind(content_type)
    .bind(largest.map(|l| l.0))
    .bind(largest.map(|l| l.1))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    replace_variants(&mut tx, id, variants).await?;
    tx.commit().await?;
    Ok(true)
}

async fn replace_variants(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, id: i64, variants: &[Variant]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM product_image_variants WHERE product_id = $1").bind(id).execute(&mut **tx).await?;
    for v in variants {
        sqlx::query("INSERT INTO product_image_variants (product_id, width, height, content_type, bytes) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(v.width as i32)
            .bind(v.height as i32)
            .bind(v.content_type)
            .bind(&v.bytes)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The version and original of a product image that has no variants yet.
pub async fn unresized_image(pool: &PgPool, id: i64) -> Result<Option<(i32, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT image_version, image FROM products WHERE id = $1 AND image IS NOT NULL AND image_width IS NULL")
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn unresized_products(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM products WHERE image IS NOT NULL AND image_width IS NULL ORDER BY id").fetch_all(pool).await
}

/// Stores the variants of the image at `version`, unless another upload or resize came first
/// (then false).
pub async fn set_variants(pool: &PgPool, id: i64, version: i32, variants: &[Variant]) -> Result<bool, sqlx::Error> {
    let Some(largest) = variants.last() else { return Ok(false) };
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE products SET image_width = $3, image_height = $4
         WHERE id = $1 AND image_version = $2 AND image IS NOT NULL AND image_width IS NULL",
    )
    .bind(id)
    .bind(version)
    .bind(largest.width as i32)
    .bind(largest.height as i32)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    replace_variants(&mut tx, id, variants).await?;
    tx.commit().await?;
    Ok(true)
}

/// A stored size of a product image, with the image's version.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredVariant {
    pub version: i32,
    pub width: i32,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The stored width closest above `width`, else the largest.
pub async fn image_variant(pool: &PgPool, id: i64, width: u32) -> Result<Option<StoredVariant>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.image_version AS version, v.width, v.content_type, v.bytes
         FROM products p JOIN product_image_variants v ON v.product_id = p.id
         WHERE p.id = $1
         ORDER BY v.width >= $2 DESC, CASE WHEN v.width >= $2 THEN v.width ELSE -v.width END
         LIMIT 1",
    )
    .bind(id)
    .bind(width.min(i32::MAX as u32) as i32)
    .fetch_optional(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_terms_are_taken_literally() {
        assert_eq!(contains_pattern("ear"), "%ear%");
        assert_eq!(contains_pattern("100%_off\\"), "%100\\%\\_off\\\\%");
        assert_eq!(contains_pattern(""), "%%");
    }
}
