//! SQL for the live channel's outbox (`live_events`, filled by triggers).

use sqlx::PgPool;
use sqlx::types::Json;

use crate::live::{LiveDetail, LiveEvent};

/// The user's events after `last`, oldest first, at most `limit`; and whether that is all of
/// them (false when more were missed, or some may have been pruned).
pub async fn since(pool: &PgPool, user_id: i64, last: i64, limit: i64) -> Result<(Vec<LiveEvent>, bool), sqlx::Error> {
    let rows: Vec<(i64, i64, String, String, Json<LiveDetail>)> = sqlx::query_as(
        "SELECT id, user_id, kind, order_number, detail FROM live_events WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(user_id)
    .bind(last)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let oldest: Option<i64> = sqlx::query_scalar("SELECT min(id) FROM live_events").fetch_one(pool).await?;
    let complete = (rows.len() as i64) < limit && oldest.is_none_or(|o| last + 1 >= o);
    let events = rows
        .into_iter()
        .map(|(id, user_id, kind, order_number, detail)| LiveEvent { id, user_id, kind, order_number, detail: detail.0 })
        .collect();
    Ok((events, complete))
}

/// Drops live events older than a day: a browser away that long refreshes instead of replaying.
pub async fn prune(pool: &PgPool) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM live_events WHERE created_at < now() - interval '1 day'").execute(pool).await.map(|r| r.rows_affected())
}
