//! SQL for the merchant's side of orders: the console listing, payment requests, cash on
//! delivery, fulfilment and the worker's queues.

use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

use domain::collection::{AfterSalesFilter, CollectionMethod, ConsoleQuery, ConsoleRow, Cursor, Search};
use domain::collection::{RequestState, Shipment};
use domain::money::{Currency, Money};
use domain::orders::OrderStatus;

// ---- The console ------------------------------------------------------------------------

/// The parts of a listing, read one after the other: with a status filter, that status;
/// without one, orders awaiting payment, then all others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Status(OrderStatus),
    Awaiting,
    Others,
}

fn parts(q: &ConsoleQuery, after: Option<Cursor>) -> Vec<(Part, Option<Cursor>)> {
    match (q.status, after) {
        (Some(s), after) => vec![(Part::Status(s), after)],
        (None, None) => vec![(Part::Awaiting, None), (Part::Others, None)],
        (None, Some(c)) if c.awaiting => vec![(Part::Awaiting, Some(c)), (Part::Others, None)],
        (None, Some(c)) => vec![(Part::Others, Some(c))],
    }
}

/// One part's query: an index range scan of `(shop_id[, status|method|shopper], created_at
/// DESC, id DESC)` that starts right after the cursor, so every page costs the same.
fn part_query<'a>(prefix: &str, shop_id: i64, q: &'a ConsoleQuery, part: Part, after: Option<Cursor>, limit: i64) -> QueryBuilder<'a, Postgres> {
    let mut b = QueryBuilder::new(prefix);
    b.push(
        "SELECT o.id, o.number, u.email, o.status, o.collection_method, o.total_minor, o.currency, o.created_at, o.payment_due_at,
                coalesce((SELECT sum(f.amount_minor) FROM refunds f WHERE f.order_id = o.id AND f.status = 'succeeded' AND f.attempt_id IS NULL), 0)::BIGINT,
                EXISTS (SELECT 1 FROM refund_requests r WHERE r.order_id = o.id AND r.status NOT IN ('refunded', 'closed'))
         FROM orders o JOIN users u ON u.id = o.shopper_id WHERE o.shop_id = ",
    );
    b.push_bind(shop_id);
    match part {
        Part::Status(s) => {
            b.push(" AND o.status = ").push_bind(s.as_str());
        }
        Part::Awaiting => {
            b.push(" AND o.status = 'awaiting_payment'");
        }
        Part::Others => {
            b.push(" AND o.status <> 'awaiting_payment'");
        }
    }
    if let Some(m) = q.method {
        b.push(" AND o.collection_method = ").push_bind(m.as_str());
    }
    if let Some(from) = q.from {
        b.push(" AND o.created_at >= ").push_bind(from.midnight().assume_utc());
    }
    if let Some(to) = q.to {
        b.push(" AND o.created_at < ").push_bind(to.midnight().assume_utc() + time::Duration::days(1));
    }
    match &q.search {
        Some(Search::OrderNumber(n)) => {
            b.push(" AND o.number = ").push_bind(n.as_str());
        }
        Some(Search::ShopperEmail(e)) => {
            b.push(" AND o.shopper_id = (SELECT id FROM users WHERE email = ").push_bind(e.as_str()).push(")");
        }
        None => {}
    }
    match q.after_sales {
        Some(AfterSalesFilter::Open) => {
            b.push(" AND EXISTS (SELECT 1 FROM refund_requests r WHERE r.order_id = o.id AND r.status NOT IN ('refunded', 'closed'))");
        }
        Some(AfterSalesFilter::Refunded) => {
            b.push(" AND EXISTS (SELECT 1 FROM refunds f WHERE f.order_id = o.id AND f.status = 'succeeded' AND f.attempt_id IS NULL)");
        }
        None => {}
    }
    if let Some(c) = after {
        b.push(" AND (o.created_at, o.id) < (").push_bind(c.created_at()).push(", ").push_bind(c.id).push(")");
    }
    b.push(" ORDER BY o.created_at DESC, o.id DESC LIMIT ").push_bind(limit);
    b
}

type ConsoleDbRow = (i64, String, String, OrderStatus, CollectionMethod, i64, Currency, OffsetDateTime, OffsetDateTime, i64, bool);

fn console_row(r: ConsoleDbRow) -> ConsoleRow {
    let currency = r.6;
    ConsoleRow {
        id: r.0,
        number: r.1,
        shopper_email: r.2,
        status: r.3,
        method: r.4,
        total: Money::new(r.5, currency),
        created_at: r.7,
        payment_due_at: r.8,
        refunded: Money::new(r.9, currency),
        after_sales_open: r.10,
    }
}

/// Up to `limit` orders of the shop after `after`, in console order.
pub async fn console_page(pool: &PgPool, shop_id: i64, q: &ConsoleQuery, after: Option<Cursor>, limit: i64) -> Result<Vec<ConsoleRow>, sqlx::Error> {
    let mut rows = Vec::new();
    for (part, cursor) in parts(q, after) {
        let need = limit - rows.len() as i64;
        if need <= 0 {
            break;
        }
        let found: Vec<ConsoleDbRow> = part_query("", shop_id, q, part, cursor, need).build_query_as().fetch_all(pool).await?;
        rows.extend(found.into_iter().map(console_row));
    }
    Ok(rows)
}

/// What Postgres itself reports for the queries of [`console_page`]: the summed `Execution
/// Time` of `EXPLAIN ANALYZE`, in milliseconds (for the console benchmark).
pub async fn explain_console_page(pool: &PgPool, shop_id: i64, q: &ConsoleQuery, after: Option<Cursor>, limit: i64) -> Result<f64, sqlx::Error> {
    let mut total_ms = 0.0;
    let mut found_rows = 0i64;
    for (part, cursor) in parts(q, after) {
        let need = limit - found_rows;
        if need <= 0 {
            break;
        }
        let plan: serde_json::Value =
            part_query("EXPLAIN (ANALYZE, FORMAT JSON) ", shop_id, q, part, cursor, need).build_query_scalar().fetch_one(pool).await?;
        total_ms += plan[0]["Execution Time"].as_f64().unwrap_or(0.0);
        found_rows += plan[0]["Plan"]["Actual Rows"].as_f64().unwrap_or(0.0) as i64;
    }
    Ok(total_ms)
}

/// Orders per status of a shop, kept by a trigger in up to 16 slots per status (never a count
/// over the orders table).
pub async fn status_counts<'e>(db: impl sqlx::PgExecutor<'e>, shop_id: i64) -> Result<Vec<(OrderStatus, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT status, sum(count)::bigint FROM shop_order_counts WHERE shop_id = $1 GROUP BY status").bind(shop_id).fetch_all(db).await
}

// ---- One order, for the merchant --------------------------------------------------------

/// The latest payment request of an order: its state and, while open, its deadline.
pub async fn request_state(db: &mut PgConnection, order_id: i64) -> Result<(RequestState, Option<OffsetDateTime>), sqlx::Error> {
    let row: Option<(String, OffsetDateTime)> =
        sqlx::query_as("SELECT status, deadline FROM payment_requests WHERE order_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(order_id)
            .fetch_optional(db)
            .await?;
    Ok(match row {
        None => (RequestState::NotSent, None),
        Some((s, deadline)) if s == "open" => (RequestState::Open, Some(deadline)),
        Some((s, _)) if s == "withdrawn" => (RequestState::Withdrawn, None),
        Some(_) => (RequestState::Closed, None),
    })
}

/// Does the order have a payment attempt in flight (processing or awaiting its code)?
pub async fn has_live_attempt(db: &mut PgConnection, order_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM payments p JOIN payment_attempts a ON a.payment_id = p.id
                        WHERE p.order_id = $1 AND a.status IN ('processing', 'requires_verification'))",
    )
    .bind(order_id)
    .fetch_one(db)
    .await
}

/// Ends the open request of an order (if any) with `status`.
pub async fn close_request(tx: &mut PgConnection, order_id: i64, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payment_requests SET status = $2, closed_at = now() WHERE order_id = $1 AND status = 'open'")
        .bind(order_id)
        .bind(status)
        .execute(tx)
        .await
        .map(|_| ())
}

/// Opens a request (the previous open one is replaced) and moves the order's deadline to it.
pub async fn open_request(tx: &mut PgConnection, order_id: i64, merchant_id: i64, deadline: OffsetDateTime) -> Result<(), sqlx::Error> {
    close_request(tx, order_id, "replaced").await?;
    sqlx::query("INSERT INTO payment_requests (order_id, merchant_id, deadline, status) VALUES ($1, $2, $3, 'open')")
        .bind(order_id)
        .bind(merchant_id)
        .bind(deadline)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE orders SET payment_due_at = $2, collection_method = 'online', updated_at = now() WHERE id = $1")
        .bind(order_id)
        .bind(deadline)
        .execute(tx)
        .await
        .map(|_| ())
}

pub async fn set_cash_on_delivery(tx: &mut PgConnection, order_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET collection_method = 'cash_on_delivery', updated_at = now() WHERE id = $1")
        .bind(order_id)
        .execute(tx)
        .await
        .map(|_| ())
}

pub async fn set_shipment(tx: &mut PgConnection, order_id: i64, shipment: &Shipment) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET carrier = $2, tracking_number = $3 WHERE id = $1")
        .bind(order_id)
        .bind(&shipment.carrier)
        .bind(&shipment.tracking_number)
        .execute(tx)
        .await
        .map(|_| ())
}

pub async fn set_delivered(tx: &mut PgConnection, order_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET delivered_at = platform_now() WHERE id = $1").bind(order_id).execute(tx).await.map(|_| ())
}

pub async fn set_paid(tx: &mut PgConnection, order_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET paid_at = coalesce(paid_at, platform_now()) WHERE id = $1").bind(order_id).execute(tx).await.map(|_| ())
}

/// The account of the merchant who owns a shop.
pub async fn merchant_of_shop(db: &mut PgConnection, shop_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT merchant_id FROM shops WHERE id = $1").bind(shop_id).fetch_one(db).await
}

// ---- The worker's queues -------------------------------------------------------------------

/// Claims one unpaid order whose deadline has passed at `now` and that has no payment in
/// flight; another worker running the same query skips it (`SKIP LOCKED`).
/// Orders in `skip` (failed earlier in this run) and orders in back-off are passed over.
pub async fn claim_overdue(tx: &mut PgConnection, now: OffsetDateTime, skip: &[i64]) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT o.id FROM orders o
         WHERE o.status = 'awaiting_payment' AND o.payment_due_at <= $1 AND o.id <> ALL($2) AND {}
           AND NOT EXISTS (SELECT 1 FROM payments p JOIN payment_attempts a ON a.payment_id = p.id
                           WHERE p.order_id = o.id AND a.status IN ('processing', 'requires_verification'))
         ORDER BY o.payment_due_at LIMIT 1 FOR UPDATE OF o SKIP LOCKED",
        super::jobs::not_in_backoff(super::jobs::Job::Expire, "o.id")
    ))
    .bind(now)
    .bind(skip)
    .fetch_optional(tx)
    .await
}

/// Claims one order delivered before `delivered_before`, to complete it.
pub async fn claim_completable(tx: &mut PgConnection, delivered_before: OffsetDateTime, skip: &[i64]) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM orders WHERE status = 'delivered' AND delivered_at <= $1 AND id <> ALL($2) AND {}
         ORDER BY delivered_at LIMIT 1 FOR UPDATE SKIP LOCKED",
        super::jobs::not_in_backoff(super::jobs::Job::Complete, "id")
    ))
    .bind(delivered_before)
    .bind(skip)
    .fetch_optional(tx)
    .await
}
