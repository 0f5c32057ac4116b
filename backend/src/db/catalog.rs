//! SQL for shops, products and product images.

use sqlx::PgPool;

use domain::catalog::{Product, ProductInput, Shop};
use domain::money::{Currency, Money};

type ProductRow = (i64, i64, String, String, String, i64, Currency, i32, bool, bool);

const PRODUCT_SELECT: &str = "SELECT p.id, p.shop_id, s.name, p.title, p.description, p.price_minor, p.currency,
                                     p.stock, p.active, p.image IS NOT NULL
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
        has_image: r.9,
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

/// Stores an image for a product of `shop`; false when the shop has no such product.
pub async fn set_product_image(pool: &PgPool, shop: &Shop, id: i64, content_type: &str, bytes: &[u8]) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE products SET image = $3, image_type = $4, updated_at = now() WHERE id = $1 AND shop_id = $2")
        .bind(id)
        .bind(shop.id)
        .bind(bytes)
        .bind(content_type)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn product_image(pool: &PgPool, id: i64) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT image_type, image FROM products WHERE id = $1 AND image IS NOT NULL").bind(id).fetch_optional(pool).await
}
