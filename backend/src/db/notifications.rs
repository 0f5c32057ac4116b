//! SQL for notifications.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use domain::money::{Currency, Money};
use domain::notifications::{Notification, NotificationKind};

/// Stores a notification for `user_id` about an order, in the caller's transaction.
pub async fn insert(
    tx: &mut PgConnection,
    user_id: i64,
    kind: NotificationKind,
    order_id: i64,
    amount: Money,
    deadline: Option<OffsetDateTime>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO notifications (user_id, kind, order_id, amount_minor, currency, deadline) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(user_id)
        .bind(kind.as_str())
        .bind(order_id)
        .bind(amount.minor)
        .bind(amount.currency.code())
        .bind(deadline)
        .execute(tx)
        .await
        .map(|_| ())
}

/// Stores a notification about the account itself (no order).
/// A notice about the shop's money that concerns no single order (a payout), with its amount
/// and, for a failure, the reason.
pub async fn insert_money(
    tx: &mut PgConnection,
    user_id: i64,
    kind: NotificationKind,
    amount: Money,
    detail: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO notifications (user_id, kind, amount_minor, currency, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(user_id)
        .bind(kind.as_str())
        .bind(amount.minor)
        .bind(amount.currency.code())
        .bind(detail)
        .execute(tx)
        .await
        .map(|_| ())
}

pub async fn insert_account(tx: &mut PgConnection, user_id: i64, kind: NotificationKind, detail: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO notifications (user_id, kind, detail) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(kind.as_str())
        .bind(detail)
        .execute(tx)
        .await
        .map(|_| ())
}

type Row = (i64, String, Option<String>, Option<i64>, Option<String>, Option<OffsetDateTime>, OffsetDateTime, bool, Option<String>);

/// A user's latest notifications, newest first.
pub async fn latest(pool: &PgPool, user_id: i64, limit: i64) -> Result<Vec<Notification>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT n.id, n.kind, o.number, n.amount_minor, n.currency, n.deadline, n.created_at, n.read_at IS NOT NULL, n.detail
         FROM notifications n LEFT JOIN orders o ON o.id = n.order_id
         WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, kind, order_number, minor, currency, deadline, created_at, read, detail)| {
            let amount = match (minor, currency.as_deref().and_then(Currency::parse)) {
                (Some(minor), Some(currency)) => Some(Money::new(minor, currency)),
                _ => None,
            };
            Some(Notification { id, kind: NotificationKind::parse(&kind)?, order_number, amount, deadline, created_at, read, detail })
        })
        .collect())
}

pub async fn unread_count(pool: &PgPool, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL").bind(user_id).fetch_one(pool).await
}

/// Marks one of the user's notifications (or, with `None`, all of them) read.
pub async fn mark_read(pool: &PgPool, user_id: i64, id: Option<i64>) -> Result<u64, sqlx::Error> {
    sqlx::query("UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL AND ($2::bigint IS NULL OR id = $2)")
        .bind(user_id)
        .bind(id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}
