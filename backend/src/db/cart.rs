//! SQL for carts: a signed-in shopper's (`cart_items`) and a signed-out browser's guest cart
//! (`guest_carts` + `guest_cart_items`), read and written alike through [`CartOwner`]. The
//! checkout's own cart queries (lock, clear) are a shopper's only and live in `db::orders`.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::orders::{CartRow, cart_line};
use domain::cart::CartLine;

/// Whose cart: a signed-in shopper's (their user id) or a guest cart (its id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CartOwner {
    Shopper(i64),
    Guest(i64),
}

impl CartOwner {
    /// The table holding this owner's lines, its owner column and the owner's id. The names
    /// are fixed here: nothing a request sends ever reaches the SQL text.
    fn items(self) -> (&'static str, &'static str, i64) {
        match self {
            CartOwner::Shopper(id) => ("cart_items", "shopper_id", id),
            CartOwner::Guest(id) => ("guest_cart_items", "cart_id", id),
        }
    }
}

/// The owner's cart lines, shop by shop, each shop's in the order they were added.
pub async fn lines(db: impl PgExecutor<'_>, owner: CartOwner) -> Result<Vec<CartLine>, sqlx::Error> {
    let (table, column, id) = owner.items();
    let sql = format!(
        "SELECT p.id, s.id, s.name, p.title, p.price_minor, p.currency, p.stock, c.quantity, p.active
         FROM {table} c JOIN products p ON p.id = c.product_id JOIN shops s ON s.id = p.shop_id
         WHERE c.{column} = $1 ORDER BY s.id, c.added_at, p.id"
    );
    let rows: Vec<CartRow> = sqlx::query_as(&sql).bind(id).fetch_all(db).await?;
    Ok(rows.into_iter().map(cart_line).collect())
}

/// How many of `product_id` the owner's cart holds (0 when none).
pub async fn quantity(db: impl PgExecutor<'_>, owner: CartOwner, product_id: i64) -> Result<i32, sqlx::Error> {
    let (table, column, id) = owner.items();
    let sql = format!("SELECT quantity FROM {table} WHERE {column} = $1 AND product_id = $2");
    let q: Option<i32> = sqlx::query_scalar(&sql).bind(id).bind(product_id).fetch_optional(db).await?;
    Ok(q.unwrap_or(0))
}

/// Sets the line of `product_id` to `quantity` (0 removes it).
pub async fn set_quantity(db: impl PgExecutor<'_>, owner: CartOwner, product_id: i64, quantity: i32) -> Result<(), sqlx::Error> {
    let (table, column, id) = owner.items();
    if quantity == 0 {
        let sql = format!("DELETE FROM {table} WHERE {column} = $1 AND product_id = $2");
        return sqlx::query(&sql).bind(id).bind(product_id).execute(db).await.map(|_| ());
    }
    let sql = format!(
        "INSERT INTO {table} ({column}, product_id, quantity) VALUES ($1, $2, $3)
         ON CONFLICT ({column}, product_id) DO UPDATE SET quantity = EXCLUDED.quantity"
    );
    sqlx::query(&sql).bind(id).bind(product_id).bind(quantity).execute(db).await.map(|_| ())
}

/// All units in the owner's cart, every line counted.
pub async fn total_quantity(db: impl PgExecutor<'_>, owner: CartOwner) -> Result<i64, sqlx::Error> {
    let (table, column, id) = owner.items();
    let sql = format!("SELECT coalesce(sum(quantity), 0)::BIGINT FROM {table} WHERE {column} = $1");
    sqlx::query_scalar(&sql).bind(id).fetch_one(db).await
}

// ---- Guest carts --------------------------------------------------------------------------

/// A new, empty guest cart under `token_hash`, made from `ip`; its id.
pub async fn insert_guest_cart(db: impl PgExecutor<'_>, token_hash: &[u8], ip: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO guest_carts (token_hash, created_ip) VALUES ($1, $2) RETURNING id").bind(token_hash).bind(ip).fetch_one(db).await
}

/// How many guest carts `ip` made in the last `seconds`, and when the oldest of them was made.
pub async fn guest_carts_made_from(db: impl PgExecutor<'_>, ip: &str, seconds: i64) -> Result<(i64, Option<OffsetDateTime>), sqlx::Error> {
    sqlx::query_as("SELECT count(*), min(created_at) FROM guest_carts WHERE created_ip = $1 AND created_at > now() - make_interval(secs => $2)")
        .bind(ip)
        .bind(seconds as f64)
        .fetch_one(db)
        .await
}

/// The guest cart under `token_hash`, if there is one.
pub async fn guest_cart_id(db: impl PgExecutor<'_>, token_hash: &[u8]) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM guest_carts WHERE token_hash = $1").bind(token_hash).fetch_optional(db).await
}

/// Marks the guest cart as used now (it is pruned when left untouched too long). At most once
/// a minute: reading the cart on every page must not turn into a write on every page.
pub async fn touch_guest_cart(db: impl PgExecutor<'_>, cart_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE guest_carts SET touched_at = now() WHERE id = $1 AND touched_at < now() - interval '1 minute'")
        .bind(cart_id)
        .execute(db)
        .await
        .map(|_| ())
}

/// One line of a guest cart about to be merged, with what bounds it.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct GuestLine {
    pub product_id: i64,
    pub quantity: i32,
    pub stock: i32,
    /// False when the product was archived since.
    pub active: bool,
    /// What the shopper's own cart already holds of the product.
    pub existing: i32,
}

/// Takes the guest cart under `token_hash` away for `shopper_id`: locks it (a second sign-in
/// with the same cookie waits here, then finds nothing), reads its lines next to their products'
/// stock and the shopper's own quantities, and deletes it. `None` when there is no such cart.
pub async fn take_guest_cart(tx: &mut PgConnection, token_hash: &[u8], shopper_id: i64) -> Result<Option<Vec<GuestLine>>, sqlx::Error> {
    let cart: Option<i64> =
        sqlx::query_scalar("SELECT id FROM guest_carts WHERE token_hash = $1 FOR UPDATE").bind(token_hash).fetch_optional(&mut *tx).await?;
    let Some(cart_id) = cart else { return Ok(None) };
    let lines: Vec<GuestLine> = sqlx::query_as(
        "SELECT g.product_id, g.quantity, p.stock, p.active, coalesce(c.quantity, 0) AS existing
         FROM guest_cart_items g JOIN products p ON p.id = g.product_id
         LEFT JOIN cart_items c ON c.shopper_id = $2 AND c.product_id = g.product_id
         WHERE g.cart_id = $1 ORDER BY g.added_at, g.product_id",
    )
    .bind(cart_id)
    .bind(shopper_id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM guest_carts WHERE id = $1").bind(cart_id).execute(&mut *tx).await?;
    Ok(Some(lines))
}

/// Deletes up to `limit` guest carts untouched since `before` (their lines go with them);
/// rows another instance is deleting are skipped. Returns how many went.
pub async fn prune_guest_carts(db: impl PgExecutor<'_>, before: OffsetDateTime, limit: i64) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "DELETE FROM guest_carts WHERE id IN (
             SELECT id FROM guest_carts WHERE touched_at < $1 ORDER BY touched_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind(before)
    .bind(limit)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}
