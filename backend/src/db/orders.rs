//! SQL for carts, orders, order lines, order events and idempotency keys.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use domain::cart::CartLine;
use domain::checkout::ShippingAddress;
use domain::collection::CollectionMethod;
use domain::collection::Shipment;
use domain::money::{Currency, Money};
use domain::orders::{Actor, OrderStatus};
use domain::orders::{EventDetail, Order, OrderEventView, OrderLine, OrderSummary};

// ---- Cart ---------------------------------------------------------------------------------

pub(super) type CartRow = (i64, i64, String, String, i64, Currency, i32, i32, bool);

pub(super) fn cart_line((product_id, shop_id, shop_name, title, price, currency, stock, quantity, active): CartRow) -> CartLine {
    CartLine { product_id, shop_id, shop_name, title, unit_price: Money::new(price, currency), stock, quantity, available: active }
}

// ---- Placing an order -----------------------------------------------------------------

/// Claims an idempotency key inside the transaction. `Ok(None)`: the key is new and now held
/// by this transaction (a concurrent holder makes this wait until it ends). `Ok(Some(..))`: the
/// key was used before, with that fingerprint and (if it completed) that order.
pub async fn claim_key(
    tx: &mut PgConnection,
    user_id: i64,
    scope: &str,
    key: Uuid,
    fingerprint: &str,
) -> Result<Option<(String, Option<i64>)>, sqlx::Error> {
    let inserted: Option<i32> = sqlx::query_scalar(
        "INSERT INTO idempotency_keys (user_id, scope, key, fingerprint) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING 1",
    )
    .bind(user_id)
    .bind(scope)
    .bind(key)
    .bind(fingerprint)
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_some() {
        return Ok(None);
    }
    sqlx::query_as("SELECT fingerprint, order_id FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3")
        .bind(user_id)
        .bind(scope)
        .bind(key)
        .fetch_one(&mut *tx)
        .await
        .map(Some)
}

pub async fn complete_key(tx: &mut PgConnection, user_id: i64, scope: &str, key: Uuid, order_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE idempotency_keys SET order_id = $4 WHERE user_id = $1 AND scope = $2 AND key = $3")
        .bind(user_id)
        .bind(scope)
        .bind(key)
        .bind(order_id)
        .execute(tx)
        .await
        .map(|_| ())
}

/// The shopper's cart lines for one shop, locking the products (in id order, so concurrent
/// checkouts never deadlock) so that stock cannot change until the transaction ends.
pub async fn lock_cart_for_shop(tx: &mut PgConnection, shopper_id: i64, shop_id: i64) -> Result<Vec<CartLine>, sqlx::Error> {
    let rows: Vec<CartRow> = sqlx::query_as(
        "SELECT p.id, s.id, s.name, p.title, p.price_minor, p.currency, p.stock, c.quantity, p.active
         FROM cart_items c JOIN products p ON p.id = c.product_id JOIN shops s ON s.id = p.shop_id
         WHERE c.shopper_id = $1 AND p.shop_id = $2
         ORDER BY p.id FOR UPDATE OF p",
    )
    .bind(shopper_id)
    .bind(shop_id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(cart_line).collect())
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_order(
    tx: &mut PgConnection,
    number: &str,
    shopper_id: i64,
    shop_id: i64,
    total: Money,
    address: &ShippingAddress,
    payment_due_at: OffsetDateTime,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO orders (number, shopper_id, shop_id, status, currency, total_minor, ship_name, ship_phone,
                             ship_line1, ship_line2, ship_city, ship_postcode, ship_country, payment_due_at)
         VALUES ($1, $2, $3, 'awaiting_payment', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (number) DO NOTHING RETURNING id",
    )
    .bind(number)
    .bind(shopper_id)
    .bind(shop_id)
    .bind(total.currency.code())
    .bind(total.minor)
    .bind(&address.name)
    .bind(&address.phone)
    .bind(&address.line1)
    .bind(&address.line2)
    .bind(&address.city)
    .bind(&address.postcode)
    .bind(&address.country)
    .bind(payment_due_at)
    .fetch_optional(tx)
    .await
}

pub async fn insert_line(tx: &mut PgConnection, order_id: i64, line: &CartLine) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO order_lines (order_id, product_id, title, unit_price_minor, quantity, line_total_minor)
         VALUES ($1, $2, $3, $4, $5, $4 * $5)",
    )
    .bind(order_id)
    .bind(line.product_id)
    .bind(&line.title)
    .bind(line.unit_price.minor)
    .bind(line.quantity)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE products SET stock = stock - $2 WHERE id = $1").bind(line.product_id).bind(line.quantity).execute(&mut *tx).await?;
    Ok(())
}

pub async fn clear_cart_for_shop(tx: &mut PgConnection, shopper_id: i64, shop_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM cart_items c USING products p WHERE c.product_id = p.id AND c.shopper_id = $1 AND p.shop_id = $2")
        .bind(shopper_id)
        .bind(shop_id)
        .execute(tx)
        .await
        .map(|_| ())
}

pub async fn insert_event(
    tx: &mut PgConnection,
    order_id: i64,
    actor: Actor,
    actor_id: Option<i64>,
    event: &str,
    from: Option<OrderStatus>,
    to: OrderStatus,
) -> Result<(), sqlx::Error> {
    insert_event_detail(tx, order_id, actor, actor_id, event, from, to, None).await
}

/// An order event with a detail beyond its status change (a deadline, a parcel, an amount),
/// stored as parameters for each reader's page to word in its own language.
#[allow(clippy::too_many_arguments)]
pub async fn insert_event_detail(
    tx: &mut PgConnection,
    order_id: i64,
    actor: Actor,
    actor_id: Option<i64>,
    event: &str,
    from: Option<OrderStatus>,
    to: OrderStatus,
    detail: Option<&EventDetail>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO order_events (order_id, actor, actor_id, event, from_status, to_status, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(order_id)
        .bind(actor.as_str())
        .bind(actor_id)
        .bind(event)
        .bind(from.map(|s| s.as_str()))
        .bind(to.as_str())
        .bind(detail.map(sqlx::types::Json))
        .execute(tx)
        .await
        .map(|_| ())
}

// ---- Reading and changing orders ----------------------------------------------------------

pub async fn set_status(tx: &mut PgConnection, order_id: i64, status: OrderStatus) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET status = $2, updated_at = now() WHERE id = $1").bind(order_id).bind(status.as_str()).execute(tx).await.map(|_| ())
}

/// The order turns paid: its new status and the time it was paid in one statement. Returns the
/// account of the merchant who owns its shop (to be told).
pub async fn set_paid(tx: &mut PgConnection, order_id: i64, status: OrderStatus) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE orders o SET status = $2, updated_at = now(), paid_at = coalesce(o.paid_at, platform_now())
         FROM shops s WHERE o.id = $1 AND s.id = o.shop_id RETURNING s.merchant_id",
    )
    .bind(order_id)
    .bind(status.as_str())
    .fetch_one(tx)
    .await
}

/// Gives an order's reserved stock back.
pub async fn release_stock(tx: &mut PgConnection, order_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE products p SET stock = p.stock + l.quantity FROM order_lines l WHERE l.order_id = $1 AND p.id = l.product_id")
        .bind(order_id)
        .execute(tx)
        .await
        .map(|_| ())
}

type SummaryRow = (String, String, OrderStatus, i64, Currency, OffsetDateTime, OffsetDateTime, i64, i64);

fn summary(r: SummaryRow) -> OrderSummary {
    OrderSummary {
        number: r.0,
        shop_name: r.1,
        status: r.2,
        total: Money::new(r.3, r.4),
        payment_due_at: r.5,
        created_at: r.6,
        items: r.7,
        refunded: Money::new(r.8, r.4),
    }
}

/// The refunded amount of `o` (succeeded refunds of money paid for it), as a select column.
const REFUNDED: &str =
    "coalesce((SELECT sum(f.amount_minor) FROM refunds f WHERE f.order_id = o.id AND f.status = 'succeeded' AND f.attempt_id IS NULL), 0)::BIGINT";

/// A shopper's orders: awaiting payment first, then newest first.
pub async fn shopper_orders(pool: &PgPool, shopper_id: i64) -> Result<Vec<OrderSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT o.number, s.name, o.status, o.total_minor, o.currency, o.payment_due_at, o.created_at,
                (SELECT coalesce(sum(quantity), 0) FROM order_lines l WHERE l.order_id = o.id), {REFUNDED}
         FROM orders o JOIN shops s ON s.id = o.shop_id
         WHERE o.shopper_id = $1
         ORDER BY (o.status = 'awaiting_payment') DESC, o.created_at DESC, o.id DESC
         LIMIT 200"
    ))
    .bind(shopper_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(summary).collect())
}

/// Whose order it is: a shopper sees their own orders, a merchant their shop's.
#[derive(Clone, Copy, Debug)]
pub enum OrderScope {
    Shopper(i64),
    Shop(i64),
    /// Staff, looking into a support ticket: any order.
    Any,
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i64,
    number: String,
    shop_name: String,
    status: OrderStatus,
    total_minor: i64,
    currency: Currency,
    payment_due_at: OffsetDateTime,
    created_at: OffsetDateTime,
    items: i64,
    refunded: i64,
    ship_name: String,
    ship_phone: String,
    ship_line1: String,
    ship_line2: String,
    ship_city: String,
    ship_postcode: String,
    ship_country: String,
    shopper_email: String,
    collection_method: CollectionMethod,
    carrier: Option<String>,
    tracking_number: Option<String>,
    paid_at: Option<OffsetDateTime>,
}

/// One order in `scope`, with its lines, payment request and history.
pub async fn order_view(pool: &PgPool, scope: OrderScope, number: &str) -> Result<Option<(i64, Order)>, sqlx::Error> {
    let (column, owner) = match scope {
        OrderScope::Shopper(id) => ("o.shopper_id", id),
        OrderScope::Shop(id) => ("o.shop_id", id),
        OrderScope::Any => ("0::bigint", 0),
    };
    let row: Option<OrderRow> = sqlx::query_as(&format!(
        "SELECT o.id, o.number, s.name AS shop_name, o.status, o.total_minor, o.currency, o.payment_due_at, o.created_at,
                (SELECT coalesce(sum(quantity), 0) FROM order_lines l WHERE l.order_id = o.id) AS items, {REFUNDED} AS refunded,
                o.ship_name, o.ship_phone, o.ship_line1, o.ship_line2, o.ship_city, o.ship_postcode, o.ship_country,
                u.email AS shopper_email, o.collection_method, o.carrier, o.tracking_number, o.paid_at
         FROM orders o JOIN shops s ON s.id = o.shop_id JOIN users u ON u.id = o.shopper_id
         WHERE o.number = $1 AND {column} = $2"
    ))
    .bind(number)
    .bind(owner)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let id = r.id;
    let summary = summary((r.number, r.shop_name, r.status, r.total_minor, r.currency, r.payment_due_at, r.created_at, r.items, r.refunded));
    let address = ShippingAddress {
        name: r.ship_name,
        phone: r.ship_phone,
        line1: r.ship_line1,
        line2: r.ship_line2,
        city: r.ship_city,
        postcode: r.ship_postcode,
        country: r.ship_country,
    };
    let currency = summary.total.currency;
    let lines: Vec<(i64, String, i64, i32, i64)> = sqlx::query_as(
        "SELECT product_id, title, unit_price_minor, quantity, line_total_minor FROM order_lines WHERE order_id = $1 ORDER BY product_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    type EventRow = (Actor, String, Option<OrderStatus>, OrderStatus, OffsetDateTime, Option<sqlx::types::Json<EventDetail>>);
    let events: Vec<EventRow> =
        sqlx::query_as("SELECT actor, event, from_status, to_status, at, detail FROM order_events WHERE order_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(pool)
            .await?;
    let events = events
        .into_iter()
        .map(|(actor, event, from, to, at, detail)| OrderEventView { actor, event, from, to, at, detail: detail.map(|d| d.0) })
        .collect();
    let mut conn = pool.acquire().await?;
    let (request, request_deadline) = super::collection::request_state(&mut conn, id).await?;
    let order = Order {
        summary,
        shopper_email: r.shopper_email,
        address,
        method: r.collection_method,
        request,
        request_deadline,
        shipment: r.carrier.zip(r.tracking_number).map(|(carrier, tracking_number)| Shipment { carrier, tracking_number }),
        paid_at: r.paid_at,
        lines: lines
            .into_iter()
            .map(|(product_id, title, unit, quantity, total)| OrderLine {
                product_id,
                title,
                unit_price: Money::new(unit, currency),
                quantity,
                line_total: Money::new(total, currency),
            })
            .collect(),
        events,
    };
    Ok(Some((id, order)))
}

/// One order of `shopper_id` with its lines and history.
pub async fn shopper_order(pool: &PgPool, shopper_id: i64, number: &str) -> Result<Option<Order>, sqlx::Error> {
    Ok(order_view(pool, OrderScope::Shopper(shopper_id), number).await?.map(|(_, o)| o))
}

pub async fn order_number_by_id(tx: &mut PgConnection, order_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT number FROM orders WHERE id = $1").bind(order_id).fetch_one(tx).await
}

// ---- One order, locked for a change (paying, the merchant's actions, the worker) -----------

/// An order, locked (`FOR UPDATE`) for a change.
#[derive(Clone, Debug)]
pub struct LockedOrder {
    pub id: i64,
    pub number: String,
    pub status: OrderStatus,
    pub amount: Money,
    pub shopper_id: i64,
    pub shop_id: i64,
    pub due: OffsetDateTime,
}

type LockedRow = (i64, String, OrderStatus, i64, Currency, i64, i64, OffsetDateTime);

fn locked((id, number, status, minor, currency, shopper_id, shop_id, due): LockedRow) -> LockedOrder {
    LockedOrder { id, number, status, amount: Money::new(minor, currency), shopper_id, shop_id, due }
}

const LOCKED_SELECT: &str = "SELECT id, number, status, total_minor, currency, shopper_id, shop_id, payment_due_at FROM orders";

pub async fn lock_shop_order(tx: &mut PgConnection, shop_id: i64, number: &str) -> Result<Option<LockedOrder>, sqlx::Error> {
    let row: Option<LockedRow> = sqlx::query_as(&format!("{LOCKED_SELECT} WHERE number = $1 AND shop_id = $2 FOR UPDATE"))
        .bind(number)
        .bind(shop_id)
        .fetch_optional(tx)
        .await?;
    Ok(row.map(locked))
}

pub async fn lock_shopper_order(tx: &mut PgConnection, shopper_id: i64, number: &str) -> Result<Option<LockedOrder>, sqlx::Error> {
    let row: Option<LockedRow> = sqlx::query_as(&format!("{LOCKED_SELECT} WHERE number = $1 AND shopper_id = $2 FOR UPDATE"))
        .bind(number)
        .bind(shopper_id)
        .fetch_optional(tx)
        .await?;
    Ok(row.map(locked))
}

pub async fn lock_order(tx: &mut PgConnection, order_id: i64) -> Result<Option<LockedOrder>, sqlx::Error> {
    let row: Option<LockedRow> = sqlx::query_as(&format!("{LOCKED_SELECT} WHERE id = $1 FOR UPDATE")).bind(order_id).fetch_optional(tx).await?;
    Ok(row.map(locked))
}
