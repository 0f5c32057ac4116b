//! Background work that failed, per item: each failure is counted and the item is left alone
//! until its back-off has passed (10 s, 20 s, 40 s … at most an hour), so one bad item never
//! holds up the others queued behind it. After [`REPORT_AFTER`] failures in a row the item is
//! listed for staff (the support queue shows it). A success clears the record.

use sqlx::PgPool;
use time::OffsetDateTime;

/// Failures in a row after which staff see the item.
pub const REPORT_AFTER: i32 = 5;

/// The background jobs that keep per-item failure records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Asking the provider about a payment attempt left processing.
    Reconcile,
    /// Timing out a verification step nobody answered.
    VerificationTimeout,
    /// Sending back money that arrived for an order that could not take it.
    UnexpectedRefund,
    /// Cancelling an order whose payment deadline passed.
    Expire,
    /// Completing a delivered order.
    Complete,
    /// Sending a refund to the provider (again).
    Refund,
    /// Acting on a refund request whose deadline passed (approving it, confirming a return).
    AfterSalesDeadline,
}

impl Job {
    pub fn as_str(self) -> &'static str {
        match self {
            Job::Reconcile => "reconcile",
            Job::VerificationTimeout => "verification_timeout",
            Job::UnexpectedRefund => "unexpected_refund",
            Job::Expire => "expire",
            Job::Complete => "complete",
            Job::Refund => "refund",
            Job::AfterSalesDeadline => "after_sales_deadline",
        }
    }
}

/// `AND NOT <in back-off>` for a claim query over items whose id is `column`.
pub fn not_in_backoff(job: Job, column: &str) -> String {
    format!("NOT EXISTS (SELECT 1 FROM job_failures f WHERE f.job = '{}' AND f.item_id = {column} AND f.next_at > now())", job.as_str())
}

/// Records a failure of `item_id`; returns how many failures in a row it has now.
pub async fn failed(pool: &PgPool, job: Job, item_id: i64, error: &str) -> Result<i32, sqlx::Error> {
    let error: String = error.chars().take(500).collect();
    sqlx::query_scalar(
        "INSERT INTO job_failures (job, item_id, failures, last_error, next_at)
         VALUES ($1, $2, 1, $3, now() + interval '10 seconds')
         ON CONFLICT (job, item_id) DO UPDATE SET
             failures = job_failures.failures + 1,
             last_error = EXCLUDED.last_error,
             next_at = now() + least(interval '1 hour', interval '10 seconds' * power(2, job_failures.failures)),
             reported_at = CASE WHEN job_failures.failures + 1 >= $4 THEN coalesce(job_failures.reported_at, now()) END
         RETURNING failures",
    )
    .bind(job.as_str())
    .bind(item_id)
    .bind(error)
    .bind(REPORT_AFTER)
    .fetch_one(pool)
    .await
}

/// Logs a failed item and records it (a failure to record is logged too: the item is simply
/// tried again at the next run).
pub async fn report_failure(pool: &PgPool, job: Job, item_id: i64, error: &(dyn std::fmt::Display + Sync)) {
    let text = error.to_string();
    match failed(pool, job, item_id, &text).await {
        Ok(n) if n >= REPORT_AFTER => {
            tracing::error!(job = job.as_str(), item_id, failures = n, error = %text, "background item keeps failing; listed for staff")
        }
        Ok(n) => tracing::warn!(job = job.as_str(), item_id, failures = n, error = %text, "background item failed; will retry"),
        Err(err) => tracing::warn!(job = job.as_str(), item_id, error = %text, record_error = %err, "background item failed"),
    }
}

/// The item went through: forget its failures.
pub async fn cleared(pool: &PgPool, job: Job, item_id: i64) {
    let done = sqlx::query("DELETE FROM job_failures WHERE job = $1 AND item_id = $2").bind(job.as_str()).bind(item_id).execute(pool).await;
    if let Err(err) = done {
        tracing::warn!(job = job.as_str(), item_id, error = %err, "clearing a job failure record");
    }
}

/// An item that kept failing, as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StuckItem {
    pub job: String,
    pub item_id: i64,
    pub failures: i32,
    pub last_error: String,
    pub next_at: OffsetDateTime,
}

/// Items that failed at least [`REPORT_AFTER`] times in a row, longest-failing first.
pub async fn stuck(pool: &PgPool) -> Result<Vec<StuckItem>, sqlx::Error> {
    sqlx::query_as(
        "SELECT job, item_id, failures, last_error, next_at FROM job_failures WHERE failures >= $1 ORDER BY reported_at, job, item_id LIMIT 100",
    )
    .bind(REPORT_AFTER)
    .fetch_all(pool)
    .await
}
