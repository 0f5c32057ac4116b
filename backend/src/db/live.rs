//! SQL for the live channel's outbox (`live_events`, filled by triggers) and its dispatcher.
//!
//! Why a dispatcher: an event's `id` is taken when it is inserted but becomes visible when its
//! transaction commits, so a lower id can become visible after a higher one was already sent —
//! and a reader going by id would skip it for good. Events are therefore delivered by `seq`, a
//! number the dispatcher gives them after they committed, one dispatch transaction at a time
//! (each holds the `live_dispatch` row until it commits). Sequence numbers thus become visible
//! strictly in order: whoever has seen `seq = n` has seen, or can still read, every event
//! numbered below n. Every instance runs a dispatcher; they take turns on that row, and the
//! second finds nothing left to do.

use sqlx::types::Json;
use sqlx::{Connection, PgConnection, PgPool};

use domain::live::{LiveDetail, LiveEvent};

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    user_id: i64,
    kind: String,
    order_number: String,
    detail: Json<LiveDetail>,
}

impl From<EventRow> for LiveEvent {
    fn from(r: EventRow) -> LiveEvent {
        LiveEvent { id: r.seq, user_id: r.user_id, kind: r.kind, order_number: r.order_number, detail: r.detail.0 }
    }
}

/// The user's events after sequence number `last`, oldest first, at most `limit`; and whether
/// that is all of them (false when more were missed, or some may have been pruned).
pub async fn since(pool: &PgPool, user_id: i64, last: i64, limit: i64) -> Result<(Vec<LiveEvent>, bool), sqlx::Error> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT seq, user_id, kind, order_number, detail FROM live_events
         WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(user_id)
    .bind(last)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let oldest: Option<i64> = sqlx::query_scalar("SELECT min(seq) FROM live_events").fetch_one(pool).await?;
    let complete = (rows.len() as i64) < limit && oldest.is_none_or(|o| last + 1 >= o);
    Ok((rows.into_iter().map(LiveEvent::from).collect(), complete))
}

/// The highest sequence number given so far: where a new stream starts, so that it can always
/// catch up from a known point.
pub async fn last_seq(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT last_seq FROM live_dispatch").fetch_one(pool).await
}

/// At most this many events per dispatch transaction.
pub const DISPATCH_BATCH: i64 = 1000;

/// Gives the committed events that have none their sequence numbers (in id order) and
/// publishes them on `paydesk_live` — delivered to every instance's listener when this commits,
/// in sequence order. Returns how many were dispatched.
///
/// One statement (one round trip). Its snapshot is taken before the `live_dispatch` row lock
/// is granted, so rows another dispatcher numbered meanwhile may still look unnumbered to it:
/// the UPDATE re-checks `seq IS NULL` on the latest row version and leaves them alone, and the
/// locked row is read in its latest version, so numbers never repeat. (Gaps are harmless.)
pub async fn dispatch(db: &mut PgConnection) -> Result<usize, sqlx::Error> {
    let sent: Vec<bool> = sqlx::query_scalar(
        "WITH d AS (SELECT last_seq FROM live_dispatch FOR UPDATE),
         pending AS (
             SELECT id, (SELECT last_seq FROM d) + row_number() OVER (ORDER BY id) AS seq
             FROM live_events WHERE seq IS NULL ORDER BY id LIMIT $1
         ),
         numbered AS (
             UPDATE live_events e SET seq = p.seq FROM pending p WHERE e.id = p.id AND e.seq IS NULL
             RETURNING e.seq, e.user_id, e.kind, e.order_number, e.detail
         ),
         bumped AS (
             UPDATE live_dispatch SET last_seq = (SELECT max(seq) FROM numbered) WHERE EXISTS (SELECT 1 FROM numbered)
         )
         SELECT pg_notify('paydesk_live', json_build_object(
                    'id', seq, 'user_id', user_id, 'kind', kind, 'order_number', order_number, 'detail', detail)::text) IS NULL
         FROM numbered ORDER BY seq",
    )
    .bind(DISPATCH_BATCH)
    .fetch_all(db)
    .await?;
    Ok(sent.len())
}

/// Numbers skipped each time a dispatcher connects (see [`dispatcher_connection`]).
pub const RESTART_GAP: i64 = 1_000_000;

/// The dispatcher's own connection. Its dispatches commit without waiting for the disk
/// (`synchronous_commit = off`): numbering events is not money, and the wait for the WAL flush
/// was most of the delivery latency. A database crash may then forget the last numbers given
/// — after they were published. So each new dispatcher connection first moves the counter
/// [`RESTART_GAP`] ahead, durably: numbers given after a crash are always above any number a
/// browser may have seen, and a browser resuming from one still reads everything after it.
pub async fn dispatcher_connection(pool: &PgPool) -> Result<PgConnection, sqlx::Error> {
    let mut conn = PgConnection::connect_with(&pool.connect_options()).await?;
    sqlx::query("UPDATE live_dispatch SET last_seq = last_seq + $1").bind(RESTART_GAP).execute(&mut conn).await?;
    sqlx::query("SET synchronous_commit = off").execute(&mut conn).await?;
    Ok(conn)
}

/// Drops live events older than a day: a browser away that long refreshes instead of replaying.
/// Events the webhooks' fan-out has not read yet stay (a sender down for days loses none).
pub async fn prune(pool: &PgPool) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "DELETE FROM live_events WHERE created_at < now() - interval '1 day' AND seq IS NOT NULL
           AND seq <= (SELECT last_seq FROM webhook_fanout)",
    )
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
}
