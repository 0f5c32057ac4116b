//! The platform's clock: real time, plus the test clock's offset when staff moved it forward
//! (sandbox only, never in production). Settlement, reserves, payouts and the worker's
//! deadlines all read this clock, so a demo or a test walks a week in seconds.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;

use crate::Error;
use domain::Message;

/// Now, on the platform's clock.
pub async fn now(db: impl PgExecutor<'_>) -> Result<OffsetDateTime, sqlx::Error> {
    sqlx::query_scalar("SELECT platform_now()").fetch_one(db).await
}

/// How far the platform's clock is ahead of real time, in seconds.
pub async fn offset(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT offset_secs FROM platform_clock").fetch_one(db).await
}

/// The longest single move: 90 days.
pub const MAX_STEP_SECS: i64 = 90 * 24 * 3600;

/// Moves the platform's clock forward by `secs` (it never goes back: every record stays in
/// the order it happened). Refused unless the test clock is allowed.
pub async fn advance(pool: &PgPool, allowed: bool, secs: i64) -> Result<OffsetDateTime, Error> {
    if !allowed {
        return Err(Error::Conflict(Message::TestClockOff));
    }
    if !(1..=MAX_STEP_SECS).contains(&secs) {
        return Err(Error::field("step", Message::ClockStepInvalid));
    }
    let now: OffsetDateTime =
        sqlx::query_scalar("UPDATE platform_clock SET offset_secs = offset_secs + $1 RETURNING now() + make_interval(secs => offset_secs)")
            .bind(secs)
            .fetch_one(pool)
            .await?;
    tracing::info!(secs, %now, "test clock moved forward");
    Ok(now)
}
