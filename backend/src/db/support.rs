//! SQL for support tickets, their messages and the staff actions on them.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use domain::support::{Message, StaffAction, Ticket, TicketCategory, TicketStatus};

/// The order (by number) a user may file a ticket about: their own order as a shopper, or an
/// order of their shop as a merchant.
pub async fn order_of_user(db: &mut PgConnection, user_id: i64, number: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT o.id FROM orders o JOIN shops s ON s.id = o.shop_id
         WHERE o.number = $2 AND (o.shopper_id = $1 OR s.merchant_id = $1)",
    )
    .bind(user_id)
    .bind(number)
    .fetch_optional(db)
    .await
}

/// Is the attempt one of that order's?
pub async fn attempt_of_order(db: &mut PgConnection, order_id: i64, attempt_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM payment_attempts a JOIN payments p ON p.id = a.payment_id WHERE a.id = $2 AND p.order_id = $1)")
        .bind(order_id)
        .bind(attempt_id)
        .fetch_one(db)
        .await
}

pub async fn insert_ticket(
    db: &mut PgConnection,
    user_id: i64,
    category: TicketCategory,
    order_id: Option<i64>,
    attempt_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO tickets (user_id, category, order_id, attempt_id) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(user_id)
        .bind(category.as_str())
        .bind(order_id)
        .bind(attempt_id)
        .fetch_one(db)
        .await
}

/// A ticket the platform files itself about `user`'s order and attempt, with its first message
/// (no human author). It waits in the staff queue like any other.
pub async fn insert_system_ticket(
    db: &mut PgConnection,
    user_id: i64,
    category: TicketCategory,
    order_id: i64,
    attempt_id: i64,
    body: &str,
) -> Result<i64, sqlx::Error> {
    let ticket_id = insert_ticket(db, user_id, category, Some(order_id), Some(attempt_id)).await?;
    sqlx::query("INSERT INTO ticket_messages (ticket_id, author_id, from_staff, body) VALUES ($1, NULL, false, $2)")
        .bind(ticket_id)
        .bind(body)
        .execute(db)
        .await?;
    Ok(ticket_id)
}

/// The ticket of an escalated refund request, filed for the shopper about their order, with
/// its first message (no human author).
pub async fn insert_dispute_ticket(db: &mut PgConnection, user_id: i64, order_id: i64, body: &str) -> Result<i64, sqlx::Error> {
    let ticket_id = insert_ticket(db, user_id, TicketCategory::RefundDispute, Some(order_id), None).await?;
    sqlx::query("INSERT INTO ticket_messages (ticket_id, author_id, from_staff, body) VALUES ($1, NULL, false, $2)")
        .bind(ticket_id)
        .bind(body)
        .execute(db)
        .await?;
    Ok(ticket_id)
}

pub async fn insert_message(db: &mut PgConnection, ticket_id: i64, author_id: i64, from_staff: bool, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO ticket_messages (ticket_id, author_id, from_staff, body) VALUES ($1, $2, $3, $4)")
        .bind(ticket_id)
        .bind(author_id)
        .bind(from_staff)
        .bind(body)
        .execute(db)
        .await
        .map(|_| ())
}

/// Sets a ticket's status; a user's new message also restarts its wait in the queue.
pub async fn set_status(db: &mut PgConnection, ticket_id: i64, status: TicketStatus, user_wrote: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tickets SET status = $2, waiting_since = CASE WHEN $3 THEN now() ELSE waiting_since END WHERE id = $1")
        .bind(ticket_id)
        .bind(status.as_str())
        .bind(user_wrote)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn insert_action(db: &mut PgConnection, ticket_id: i64, staff_id: i64, action: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO staff_actions (ticket_id, staff_id, action) VALUES ($1, $2, $3)")
        .bind(ticket_id)
        .bind(staff_id)
        .bind(action)
        .execute(db)
        .await
        .map(|_| ())
}

/// A ticket locked for a change: (owner, status).
pub async fn lock_ticket(db: &mut PgConnection, ticket_id: i64) -> Result<Option<(i64, TicketStatus)>, sqlx::Error> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT user_id, status FROM tickets WHERE id = $1 FOR UPDATE").bind(ticket_id).fetch_optional(db).await?;
    Ok(row.and_then(|(u, s)| Some((u, TicketStatus::parse(&s)?))))
}

type TicketRow = (i64, i64, String, String, Option<String>, Option<i64>, String, OffsetDateTime, OffsetDateTime, bool);

const TICKET_SELECT: &str = "SELECT t.id, t.user_id, u.email, t.category, o.number, t.attempt_id, t.status, t.created_at, t.waiting_since,
                                    u.frozen_at IS NOT NULL
                             FROM tickets t JOIN users u ON u.id = t.user_id LEFT JOIN orders o ON o.id = t.order_id";

fn ticket(r: TicketRow) -> Option<Ticket> {
    Some(Ticket {
        id: r.0,
        user_id: r.1,
        user_email: r.2,
        category: TicketCategory::parse_stored(&r.3)?,
        order_number: r.4,
        attempt_id: r.5,
        status: TicketStatus::parse(&r.6)?,
        created_at: r.7,
        waiting_since: r.8,
        user_frozen: r.9,
    })
}

pub async fn tickets_of_user(pool: &PgPool, user_id: i64) -> Result<Vec<Ticket>, sqlx::Error> {
    let rows: Vec<TicketRow> =
        sqlx::query_as(&format!("{TICKET_SELECT} WHERE t.user_id = $1 ORDER BY t.id DESC LIMIT 100")).bind(user_id).fetch_all(pool).await?;
    Ok(rows.into_iter().filter_map(ticket).collect())
}

/// The staff queue: open tickets (oldest wait first), then answered, then closed; optionally
/// one status only.
pub async fn queue(pool: &PgPool, status: Option<TicketStatus>) -> Result<Vec<Ticket>, sqlx::Error> {
    let rows: Vec<TicketRow> = sqlx::query_as(&format!(
        "{TICKET_SELECT} WHERE ($1::text IS NULL OR t.status = $1)
         ORDER BY CASE t.status WHEN 'open' THEN 0 WHEN 'answered' THEN 1 ELSE 2 END, t.waiting_since LIMIT 200"
    ))
    .bind(status.map(|s| s.as_str()))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(ticket).collect())
}

pub async fn ticket_by_id(pool: &PgPool, ticket_id: i64) -> Result<Option<Ticket>, sqlx::Error> {
    let row: Option<TicketRow> = sqlx::query_as(&format!("{TICKET_SELECT} WHERE t.id = $1")).bind(ticket_id).fetch_optional(pool).await?;
    Ok(row.and_then(ticket))
}

pub async fn messages(pool: &PgPool, ticket_id: i64) -> Result<Vec<Message>, sqlx::Error> {
    let rows: Vec<(bool, String, String, OffsetDateTime)> = sqlx::query_as(
        "SELECT m.from_staff, coalesce(u.email, 'Paydesk (automatic)'), m.body, m.created_at
         FROM ticket_messages m LEFT JOIN users u ON u.id = m.author_id
         WHERE m.ticket_id = $1 ORDER BY m.id",
    )
    .bind(ticket_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(from_staff, author, body, at)| Message { from_staff, author, body, at }).collect())
}

pub async fn actions(pool: &PgPool, ticket_id: i64) -> Result<Vec<StaffAction>, sqlx::Error> {
    let rows: Vec<(String, String, OffsetDateTime)> =
        sqlx::query_as("SELECT u.email, a.action, a.at FROM staff_actions a JOIN users u ON u.id = a.staff_id WHERE a.ticket_id = $1 ORDER BY a.id")
            .bind(ticket_id)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(staff, action, at)| StaffAction { staff, action, at }).collect())
}

/// The order id behind a ticket's order number (for the staff view of the order).
pub async fn order_id(pool: &PgPool, number: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM orders WHERE number = $1").bind(number).fetch_optional(pool).await
}
