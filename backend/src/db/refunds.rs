//! The SQL of refunds and refund requests. The limits (what may still be refunded, per order and
//! per line) are read here under the order's row lock held by the caller, and checked again by
//! the schema's triggers.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use domain::money::{Currency, Money};
use domain::orders::{Actor, CollectionMethod, OrderStatus};

use super::orders::OrderScope;
use domain::refunds::{RefundKind, RefundMethod, RefundReason, RefundStatus, RefundView, RefundableLine, RequestStatus, RequestView};

use super::jobs::{Job, not_in_backoff};

/// An order in `scope` by its number: (id, status, currency).
pub async fn order_in_scope(db: &mut PgConnection, scope: OrderScope, number: &str) -> Result<Option<(i64, OrderStatus, Currency)>, sqlx::Error> {
    let (column, owner) = match scope {
        OrderScope::Shopper(id) => ("shopper_id", id),
        OrderScope::Shop(id) => ("shop_id", id),
        OrderScope::Any => ("0::bigint", 0),
    };
    sqlx::query_as(&format!("SELECT id, status, currency FROM orders WHERE number = $1 AND {column} = $2"))
        .bind(number)
        .bind(owner)
        .fetch_optional(db)
        .await
}

/// How the order was paid: online (payment attempts) or cash on delivery.
pub async fn collection_method(db: &mut PgConnection, order_id: i64) -> Result<CollectionMethod, sqlx::Error> {
    sqlx::query_scalar("SELECT collection_method FROM orders WHERE id = $1").bind(order_id).fetch_one(db).await
}

/// What was paid for the order (from its postings), what its refunds that count took, and what
/// its succeeded refunds gave back (unexpected charges' refunds are money that was never paid
/// for the order, and are left out).
pub async fn money_of(db: &mut PgConnection, order_id: i64, currency: Currency) -> Result<(Money, Money, Money), sqlx::Error> {
    let (paid, committed, refunded): (i64, i64, i64) = sqlx::query_as(
        "SELECT order_paid_minor($1),
                coalesce((SELECT sum(amount_minor) FROM refunds WHERE order_id = $1 AND status <> 'canceled' AND attempt_id IS NULL), 0)::BIGINT,
                coalesce((SELECT sum(amount_minor) FROM refunds WHERE order_id = $1 AND status = 'succeeded' AND attempt_id IS NULL), 0)::BIGINT",
    )
    .bind(order_id)
    .fetch_one(db)
    .await?;
    Ok((Money::new(paid, currency), Money::new(committed, currency), Money::new(refunded, currency)))
}

/// The order's lines with the units its refunds that count already took.
pub async fn refundable_lines(db: &mut PgConnection, order_id: i64) -> Result<Vec<RefundableLine>, sqlx::Error> {
    let rows: Vec<(i64, String, i64, Currency, i32, i64)> = sqlx::query_as(
        "SELECT l.product_id, l.title, l.unit_price_minor, o.currency, l.quantity,
                coalesce((SELECT sum(rl.quantity) FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id
                          WHERE rl.order_id = l.order_id AND rl.product_id = l.product_id AND r.status <> 'canceled'), 0)::BIGINT
         FROM order_lines l JOIN orders o ON o.id = l.order_id
         WHERE l.order_id = $1 ORDER BY l.title, l.product_id",
    )
    .bind(order_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(product_id, title, unit, currency, quantity, taken)| RefundableLine {
            product_id,
            title,
            unit_price: Money::new(unit, currency),
            quantity,
            refunded_quantity: taken as i32,
        })
        .collect())
}

/// A new request, with its lines. `None` when this shopper already sent this key.
pub struct NewRequest<'a> {
    pub order_id: i64,
    pub shopper_id: i64,
    pub kind: RefundKind,
    pub reason: RefundReason,
    pub note: &'a str,
    pub photo: Option<(&'a str, &'a [u8])>,
    pub amount: Money,
    pub deadline: OffsetDateTime,
    pub key: Uuid,
    pub lines: &'a [(i64, i32)],
}

pub async fn insert_request(db: &mut PgConnection, r: &NewRequest<'_>) -> Result<Option<i64>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO refund_requests (order_id, shopper_id, kind, reason, note, photo_type, photo, status, requested_minor, currency,
                                      deadline, client_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'awaiting_answer', $8, $9, $10, $11)
         ON CONFLICT (shopper_id, client_key) DO NOTHING RETURNING id",
    )
    .bind(r.order_id)
    .bind(r.shopper_id)
    .bind(r.kind)
    .bind(r.reason)
    .bind(r.note)
    .bind(r.photo.map(|(t, _)| t))
    .bind(r.photo.map(|(_, b)| b))
    .bind(r.amount.minor)
    .bind(r.amount.currency)
    .bind(r.deadline)
    .bind(r.key)
    .fetch_optional(&mut *db)
    .await?;
    if let Some(id) = id {
        let (products, quantities): (Vec<i64>, Vec<i32>) = r.lines.iter().copied().unzip();
        sqlx::query(
            "INSERT INTO refund_request_lines (request_id, order_id, product_id, quantity)
             SELECT $1, $2, p, q FROM unnest($3::bigint[], $4::int[]) AS x (p, q)",
        )
        .bind(id)
        .bind(r.order_id)
        .bind(&products)
        .bind(&quantities)
        .execute(&mut *db)
        .await?;
    }
    Ok(id)
}

/// Does a refund request of the order wait for the merchant's answer?
pub async fn awaits_answer(db: &mut PgConnection, order_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM refund_requests WHERE order_id = $1 AND status = 'awaiting_answer')")
        .bind(order_id)
        .fetch_one(db)
        .await
}

/// The request this shopper sent with `key`: (id, order id).
pub async fn request_by_key(db: &mut PgConnection, shopper_id: i64, key: Uuid) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, order_id FROM refund_requests WHERE shopper_id = $1 AND client_key = $2")
        .bind(shopper_id)
        .bind(key)
        .fetch_optional(db)
        .await
}

/// A request, read under its order's row lock (held by the caller).
#[derive(Clone, Debug)]
pub struct RequestRow {
    pub id: i64,
    pub order_id: i64,
    pub kind: RefundKind,
    pub status: RequestStatus,
    pub requested: Money,
    /// Less than was asked, when staff decided so.
    pub approved: Option<Money>,
    pub reason: RefundReason,
    pub lines: Vec<(i64, i32)>,
    pub ticket_id: Option<i64>,
}

type RequestRowRaw = (i64, i64, RefundKind, RequestStatus, i64, Currency, RefundReason, Option<i64>, Option<i64>);

pub async fn request(db: &mut PgConnection, order_id: i64, request_id: i64) -> Result<Option<RequestRow>, sqlx::Error> {
    let row: Option<RequestRowRaw> = sqlx::query_as(
        "SELECT id, order_id, kind, status, requested_minor, currency, reason, ticket_id, approved_minor FROM refund_requests
         WHERE id = $1 AND order_id = $2 FOR UPDATE",
    )
    .bind(request_id)
    .bind(order_id)
    .fetch_optional(&mut *db)
    .await?;
    let Some((id, order_id, kind, status, minor, currency, reason, ticket_id, approved)) = row else { return Ok(None) };
    let lines: Vec<(i64, i32)> = sqlx::query_as("SELECT product_id, quantity FROM refund_request_lines WHERE request_id = $1 ORDER BY product_id")
        .bind(id)
        .fetch_all(&mut *db)
        .await?;
    let approved = approved.map(|m| Money::new(m, currency));
    Ok(Some(RequestRow { id, order_id, kind, status, requested: Money::new(minor, currency), approved, reason, lines, ticket_id }))
}

/// The request's new status, with the deadline that status runs until (if any).
pub async fn set_request_status(
    db: &mut PgConnection,
    request_id: i64,
    status: RequestStatus,
    deadline: Option<OffsetDateTime>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE refund_requests SET status = $2, deadline = $3, updated_at = now() WHERE id = $1")
        .bind(request_id)
        .bind(status)
        .bind(deadline)
        .execute(db)
        .await
        .map(|_| ())
}

/// Staff approved less than was asked.
pub async fn set_approved(db: &mut PgConnection, request_id: i64, amount: Money) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE refund_requests SET approved_minor = $2 WHERE id = $1").bind(request_id).bind(amount.minor).execute(db).await.map(|_| ())
}

pub async fn set_refusal(db: &mut PgConnection, request_id: i64, refusal: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE refund_requests SET refusal = $2 WHERE id = $1").bind(request_id).bind(refusal).execute(db).await.map(|_| ())
}

pub async fn set_return(db: &mut PgConnection, request_id: i64, carrier: &str, tracking: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE refund_requests SET return_carrier = $2, return_tracking = $3 WHERE id = $1")
        .bind(request_id)
        .bind(carrier)
        .bind(tracking)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn set_ticket(db: &mut PgConnection, request_id: i64, ticket_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE refund_requests SET ticket_id = $2 WHERE id = $1").bind(request_id).bind(ticket_id).execute(db).await.map(|_| ())
}

/// The request a dispute ticket is about: (request id, order id).
pub async fn request_of_ticket(db: &mut PgConnection, ticket_id: i64) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, order_id FROM refund_requests WHERE ticket_id = $1").bind(ticket_id).fetch_optional(db).await
}

/// Claims one request whose deadline passed in `status` (answer or receipt) by locking its
/// order (orders are always locked before their requests), skipping orders another
/// transaction holds; `skip` are items that failed in this run. The caller checks the request
/// again under the lock.
pub async fn claim_due_request(
    db: &mut PgConnection,
    status: RequestStatus,
    now: OffsetDateTime,
    skip: &[i64],
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT r.id, r.order_id FROM refund_requests r JOIN orders o ON o.id = r.order_id
         WHERE r.status = $1 AND r.deadline <= $2 AND r.id <> ALL($3) AND {}
         ORDER BY r.deadline LIMIT 1 FOR UPDATE OF o SKIP LOCKED",
        not_in_backoff(Job::AfterSalesDeadline, "r.id")
    ))
    .bind(status)
    .bind(now)
    .bind(skip)
    .fetch_optional(db)
    .await
}

/// A refund to record.
pub struct NewRefund<'a> {
    pub order_id: i64,
    pub request_id: Option<i64>,
    pub amount: Money,
    pub method: RefundMethod,
    pub transfer_reference: Option<&'a str>,
    pub reason: &'a str,
    pub initiated_by: Actor,
    pub initiated_by_id: Option<i64>,
    pub key: Option<Uuid>,
    pub restock: bool,
    pub lines: &'a [(i64, i32)],
    /// The attempt whose unexpected charge this refund sends back.
    pub attempt_id: Option<i64>,
}

/// Records a refund with its lines: pending when it goes through the provider, succeeded when
/// it is cash the merchant already gave back. `None` when this user already sent this key.
pub async fn insert_refund(db: &mut PgConnection, r: &NewRefund<'_>) -> Result<Option<i64>, sqlx::Error> {
    let status = if r.method == RefundMethod::Provider { RefundStatus::Pending } else { RefundStatus::Succeeded };
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO refunds (order_id, request_id, amount_minor, currency, method, transfer_reference, status, reason,
                              initiated_by, initiated_by_id, client_key, restock, succeeded_at, attempt_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $7 = 'succeeded' THEN now() END, $13)
         ON CONFLICT (initiated_by_id, client_key) DO NOTHING RETURNING id",
    )
    .bind(r.order_id)
    .bind(r.request_id)
    .bind(r.amount.minor)
    .bind(r.amount.currency)
    .bind(r.method)
    .bind(r.transfer_reference)
    .bind(status)
    .bind(r.reason)
    .bind(r.initiated_by)
    .bind(r.initiated_by_id)
    .bind(r.key)
    .bind(r.restock)
    .bind(r.attempt_id)
    .fetch_optional(&mut *db)
    .await?;
    if let Some(id) = id
        && !r.lines.is_empty()
    {
        let (products, quantities): (Vec<i64>, Vec<i32>) = r.lines.iter().copied().unzip();
        sqlx::query(
            "INSERT INTO refund_lines (refund_id, order_id, product_id, quantity)
             SELECT $1, $2, p, q FROM unnest($3::bigint[], $4::int[]) AS x (p, q)",
        )
        .bind(id)
        .bind(r.order_id)
        .bind(&products)
        .bind(&quantities)
        .execute(&mut *db)
        .await?;
    }
    Ok(id)
}

/// The refund this user sent with `key`: (id, order id, amount in minor units).
pub async fn refund_by_key(db: &mut PgConnection, user_id: i64, key: Uuid) -> Result<Option<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, order_id, amount_minor FROM refunds WHERE initiated_by_id = $1 AND client_key = $2")
        .bind(user_id)
        .bind(key)
        .fetch_optional(db)
        .await
}

/// A provider refund to send: its amount and the charge it reverses.
#[derive(Clone, Debug)]
pub struct ToSend {
    pub id: i64,
    pub order_id: i64,
    pub amount: Money,
    pub status: RefundStatus,
    pub charge_reference: String,
    /// For the refund of an unexpected charge: its attempt.
    pub attempt_id: Option<i64>,
}

pub async fn to_send(pool: &PgPool, refund_id: i64) -> Result<Option<ToSend>, sqlx::Error> {
    type Row = (i64, i64, i64, Currency, RefundStatus, Option<String>, Option<i64>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT r.id, r.order_id, r.amount_minor, r.currency, r.status,
                CASE WHEN r.attempt_id IS NOT NULL
                     THEN (SELECT u.provider_reference FROM unexpected_charges u WHERE u.attempt_id = r.attempt_id)
                     ELSE (SELECT a.provider_reference FROM payments p JOIN payment_attempts a ON a.payment_id = p.id
                           WHERE p.order_id = r.order_id AND a.status = 'succeeded') END,
                r.attempt_id
         FROM refunds r WHERE r.id = $1 AND r.method = 'provider'",
    )
    .bind(refund_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(id, order_id, minor, currency, status, charge, attempt_id)| {
        Some(ToSend { id, order_id, amount: Money::new(minor, currency), status, charge_reference: charge?, attempt_id })
    }))
}

/// A failed refund goes back to pending before it is sent again (the caller holds the order's
/// row lock). `false` when it was not failed.
pub async fn retry(db: &mut PgConnection, refund_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE refunds SET status = 'pending', updated_at = now() WHERE id = $1 AND status = 'failed'")
        .bind(refund_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Where a refund stands now.
pub async fn status(pool: &PgPool, refund_id: i64) -> Result<RefundStatus, sqlx::Error> {
    sqlx::query_scalar("SELECT status FROM refunds WHERE id = $1").bind(refund_id).fetch_one(pool).await
}

/// The provider's reference of a refund still pending (a slow one).
pub async fn set_reference(pool: &PgPool, refund_id: i64, reference: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE refunds SET provider_reference = $2, updated_at = now() WHERE id = $1 AND status = 'pending'")
        .bind(refund_id)
        .bind(reference)
        .execute(pool)
        .await
        .map(|_| ())
}

/// The provider refused: failed, to be tried again. Returns the failures so far, or `None` when
/// the refund was no longer pending.
pub async fn mark_failed(db: &mut PgConnection, refund_id: i64, error: &str) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE refunds SET status = 'failed', failures = failures + 1, last_error = $2, updated_at = now()
         WHERE id = $1 AND status = 'pending' RETURNING failures",
    )
    .bind(refund_id)
    .bind(error)
    .fetch_optional(db)
    .await
}

/// A refund that just succeeded.
#[derive(Clone, Debug)]
pub struct Succeeded {
    pub order_id: i64,
    pub amount: Money,
    pub method: RefundMethod,
    pub request_id: Option<i64>,
    pub restock: bool,
    pub attempt_id: Option<i64>,
}

/// Marks a pending refund succeeded, once: `None` when it was not pending (done before, by a
/// callback or the worker racing this call).
pub async fn mark_succeeded(db: &mut PgConnection, refund_id: i64, reference: &str) -> Result<Option<Succeeded>, sqlx::Error> {
    type Row = (i64, i64, Currency, RefundMethod, Option<i64>, bool, Option<i64>);
    let row: Option<Row> = sqlx::query_as(
        "UPDATE refunds SET status = 'succeeded', provider_reference = $2, succeeded_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'pending'
         RETURNING order_id, amount_minor, currency, method, request_id, restock, attempt_id",
    )
    .bind(refund_id)
    .bind(reference)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(order_id, minor, currency, method, request_id, restock, attempt_id)| Succeeded {
        order_id,
        amount: Money::new(minor, currency),
        method,
        request_id,
        restock,
        attempt_id,
    }))
}

/// The refunded units go back on the shelf.
pub async fn restock(db: &mut PgConnection, refund_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE products p SET stock = least(p.stock + l.quantity, 1000000), updated_at = now()
         FROM refund_lines l WHERE l.refund_id = $1 AND p.id = l.product_id",
    )
    .bind(refund_id)
    .execute(db)
    .await
    .map(|_| ())
}

/// The refund that sends back an attempt's unexpected charge.
pub async fn of_attempt(pool: &PgPool, attempt_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM refunds WHERE attempt_id = $1").bind(attempt_id).fetch_optional(pool).await
}

/// The refund a provider reference belongs to.
pub async fn by_reference(pool: &PgPool, reference: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM refunds WHERE provider_reference = $1").bind(reference).fetch_optional(pool).await
}

/// Provider refunds to send (again): failed ones, and pending ones nobody finished for
/// `older_than_secs` (a crash, a lost callback). Not those in back-off.
pub async fn to_retry(pool: &PgPool, older_than_secs: f64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT r.id FROM refunds r
         WHERE r.status IN ('pending', 'failed') AND r.method = 'provider'
           AND r.updated_at < now() - make_interval(secs => $1) AND {}
         ORDER BY r.updated_at LIMIT $2",
        not_in_backoff(Job::Refund, "r.id")
    ))
    .bind(older_than_secs)
    .bind(limit)
    .fetch_all(pool)
    .await
}

type RequestViewRow = (
    i64,
    RefundKind,
    RefundReason,
    String,
    bool,
    RequestStatus,
    i64,
    Currency,
    Option<OffsetDateTime>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    OffsetDateTime,
    Vec<String>,
    Vec<i32>,
);

/// The order's requests, newest first.
pub async fn requests_of_order(db: &mut PgConnection, order_id: i64) -> Result<Vec<RequestView>, sqlx::Error> {
    let rows: Vec<RequestViewRow> = sqlx::query_as(
        "SELECT r.id, r.kind, r.reason, r.note, r.photo IS NOT NULL, r.status, r.requested_minor, r.currency, r.deadline,
                r.refusal, r.return_carrier, r.return_tracking, r.ticket_id, r.created_at,
                coalesce(array_agg(l.title ORDER BY l.title) FILTER (WHERE l.title IS NOT NULL), '{}'),
                coalesce(array_agg(rl.quantity ORDER BY l.title) FILTER (WHERE l.title IS NOT NULL), '{}')
         FROM refund_requests r
         LEFT JOIN refund_request_lines rl ON rl.request_id = r.id
         LEFT JOIN order_lines l ON l.order_id = rl.order_id AND l.product_id = rl.product_id
         WHERE r.order_id = $1 GROUP BY r.id ORDER BY r.id DESC",
    )
    .bind(order_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                kind,
                reason,
                note,
                has_photo,
                status,
                minor,
                currency,
                deadline,
                refusal,
                carrier,
                tracking,
                ticket_id,
                created_at,
                titles,
                qty,
            )| {
                RequestView {
                    id,
                    kind,
                    reason,
                    note,
                    has_photo,
                    status,
                    requested: Money::new(minor, currency),
                    lines: titles.into_iter().zip(qty).collect(),
                    deadline,
                    refusal,
                    return_carrier: carrier,
                    return_tracking: tracking,
                    ticket_id,
                    created_at,
                }
            },
        )
        .collect())
}

type RefundViewRow =
    (i64, i64, Currency, RefundStatus, RefundMethod, Option<String>, String, Actor, Option<i64>, i32, OffsetDateTime, Option<OffsetDateTime>);

/// The order's refunds, newest first.
pub async fn refunds_of_order(db: &mut PgConnection, order_id: i64) -> Result<Vec<RefundView>, sqlx::Error> {
    let rows: Vec<RefundViewRow> = sqlx::query_as(
        "SELECT id, amount_minor, currency, status, method, transfer_reference, reason, initiated_by, request_id, failures,
                created_at, succeeded_at
         FROM refunds WHERE order_id = $1 ORDER BY id DESC",
    )
    .bind(order_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, minor, currency, status, method, transfer_reference, reason, initiated_by, request_id, failures, created_at, succeeded_at)| {
            RefundView {
                id,
                amount: Money::new(minor, currency),
                status,
                method,
                transfer_reference,
                reason,
                initiated_by,
                request_id,
                failures,
                created_at,
                succeeded_at,
            }
        })
        .collect())
}

/// The photo of a request whose order is in scope (checked by the caller).
pub async fn photo(pool: &PgPool, order_id: i64, request_id: i64) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT photo_type, photo FROM refund_requests WHERE id = $1 AND order_id = $2 AND photo IS NOT NULL")
        .bind(request_id)
        .bind(order_id)
        .fetch_optional(pool)
        .await
}
