//! SQL for merchant qualification, its review history and shops.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use domain::qualification::{BusinessDetails, BusinessDetailsForm, QualificationStatus};
use domain::qualification::{HistoryEntry, Qualification, QueueEntry, ShopSummary};

type Row = (i64, String, QualificationStatus, String, String, String, String, String, String, Option<String>, Option<OffsetDateTime>);

const SELECT: &str = "SELECT q.merchant_id, u.email, q.status, q.legal_name, q.registration_number, q.country,
                             q.contact_phone, q.category, q.shop_name, q.rejection_reason, q.submitted_at
                      FROM merchant_qualifications q JOIN users u ON u.id = q.merchant_id";

fn from_row(r: Row) -> Qualification {
    Qualification {
        merchant_id: r.0,
        merchant_email: r.1,
        status: r.2,
        details: BusinessDetailsForm { legal_name: r.3, registration_number: r.4, country: r.5, contact_phone: r.6, category: r.7, shop_name: r.8 },
        rejection_reason: r.9,
        submitted_at: r.10,
        history: Vec::new(),
    }
}

/// The status of a merchant's qualification, locking the row for the transaction.
pub async fn lock_status(tx: &mut PgConnection, merchant_id: i64) -> Result<Option<QualificationStatus>, sqlx::Error> {
    sqlx::query_scalar("SELECT status FROM merchant_qualifications WHERE merchant_id = $1 FOR UPDATE").bind(merchant_id).fetch_optional(tx).await
}

/// Stores submitted details (first submission or resubmission).
pub async fn save_submission(tx: &mut PgConnection, merchant_id: i64, d: &BusinessDetails) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO merchant_qualifications
             (merchant_id, status, legal_name, registration_number, country, contact_phone, category, shop_name,
              rejection_reason, submitted_at, updated_at)
         VALUES ($1, 'submitted', $2, $3, $4, $5, $6, $7, NULL, now(), now())
         ON CONFLICT (merchant_id) DO UPDATE SET
             status = 'submitted', legal_name = $2, registration_number = $3, country = $4, contact_phone = $5,
             category = $6, shop_name = $7, rejection_reason = NULL, submitted_at = now(), updated_at = now()",
    )
    .bind(merchant_id)
    .bind(d.legal_name())
    .bind(d.registration_number())
    .bind(d.country())
    .bind(d.contact_phone())
    .bind(d.category())
    .bind(d.shop_name())
    .execute(tx)
    .await
    .map(|_| ())
}

pub async fn set_status(
    tx: &mut PgConnection,
    merchant_id: i64,
    status: QualificationStatus,
    rejection_reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE merchant_qualifications SET status = $2, rejection_reason = $3, updated_at = now() WHERE merchant_id = $1")
        .bind(merchant_id)
        .bind(status.as_str())
        .bind(rejection_reason)
        .execute(tx)
        .await
        .map(|_| ())
}

pub async fn insert_event(
    tx: &mut PgConnection,
    merchant_id: i64,
    actor_id: i64,
    from: QualificationStatus,
    to: QualificationStatus,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO qualification_events (merchant_id, actor_id, from_status, to_status, reason) VALUES ($1, $2, $3, $4, $5)")
        .bind(merchant_id)
        .bind(actor_id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(reason)
        .execute(tx)
        .await
        .map(|_| ())
}

/// Opens the merchant's shop (once).
pub async fn open_shop(tx: &mut PgConnection, merchant_id: i64, name: &str, currency: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO shops (merchant_id, name, currency) VALUES ($1, $2, $3) ON CONFLICT (merchant_id) DO NOTHING")
        .bind(merchant_id)
        .bind(name)
        .bind(currency)
        .execute(tx)
        .await
        .map(|_| ())
}

/// A merchant's qualification with its history, if they have submitted anything.
pub async fn find(pool: &PgPool, merchant_id: i64) -> Result<Option<Qualification>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE q.merchant_id = $1")).bind(merchant_id).fetch_optional(pool).await?;
    let Some(row) = row else { return Ok(None) };
    let mut q = from_row(row);
    let events: Vec<(String, QualificationStatus, QualificationStatus, Option<String>, OffsetDateTime)> = sqlx::query_as(
        "SELECT u.email, e.from_status, e.to_status, e.reason, e.at
         FROM qualification_events e JOIN users u ON u.id = e.actor_id
         WHERE e.merchant_id = $1 ORDER BY e.id",
    )
    .bind(merchant_id)
    .fetch_all(pool)
    .await?;
    q.history = events.into_iter().map(|(actor_email, from, to, reason, at)| HistoryEntry { actor_email, from, to, reason, at }).collect();
    Ok(Some(q))
}

/// Submissions waiting for review, oldest first.
pub async fn queue(pool: &PgPool, limit: i64) -> Result<Vec<QueueEntry>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String, Option<OffsetDateTime>)> = sqlx::query_as(
        "SELECT q.merchant_id, u.email, q.legal_name, q.country, q.submitted_at
         FROM merchant_qualifications q JOIN users u ON u.id = q.merchant_id
         WHERE q.status = 'submitted' ORDER BY q.submitted_at, q.merchant_id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(merchant_id, merchant_email, legal_name, country, submitted_at)| QueueEntry {
            merchant_id,
            merchant_email,
            legal_name,
            country,
            submitted_at,
        })
        .collect())
}

pub async fn open_shops(pool: &PgPool, limit: i64) -> Result<Vec<ShopSummary>, sqlx::Error> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM shops ORDER BY opened_at DESC, id DESC LIMIT $1").bind(limit).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(id, name)| ShopSummary { id, name }).collect())
}
