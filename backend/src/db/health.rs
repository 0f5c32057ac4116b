//! SQL for the connection check round trip.

use sqlx::PgPool;
use time::OffsetDateTime;

use domain::health::{Area, ConnectionReport};

/// Records one check and reads back how many checks this area has had.
pub async fn record_check(pool: &PgPool, area: Area) -> Result<ConnectionReport, sqlx::Error> {
    let (id, checked_at, area_total): (i64, OffsetDateTime, i64) = sqlx::query_as(
        "WITH inserted AS (
             INSERT INTO connection_checks (area) VALUES ($1) RETURNING id, checked_at
         )
         SELECT inserted.id, inserted.checked_at,
                (SELECT count(*) FROM connection_checks WHERE area = $1) + 1
         FROM inserted",
    )
    .bind(area.as_str())
    .fetch_one(pool)
    .await?;
    Ok(ConnectionReport { check_id: id, area, checked_at, area_total })
}

/// The latest check of an area, with the area's count.
pub async fn last_check(pool: &PgPool, area: Area) -> Result<Option<ConnectionReport>, sqlx::Error> {
    let row: Option<(i64, OffsetDateTime, i64)> = sqlx::query_as(
        "SELECT id, checked_at, count(*) OVER ()
         FROM connection_checks WHERE area = $1
         ORDER BY id DESC LIMIT 1",
    )
    .bind(area.as_str())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(check_id, checked_at, area_total)| ConnectionReport { check_id, area, checked_at, area_total }))
}
