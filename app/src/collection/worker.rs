//! The background worker: expires unpaid orders whose deadline passed (the order is cancelled,
//! its stock released, its request closed, both sides notified) and completes orders delivered
//! long enough ago. The database is the source of truth: rows are claimed one per transaction
//! with `FOR UPDATE SKIP LOCKED`, so any number of server instances can run it at once, and a
//! restart loses nothing. Each order is handled on its own: one that fails is logged, retried
//! with back-off (`db::jobs`) and shown to staff after repeated failures; it never blocks the
//! orders behind it.

use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};

use crate::db;
use crate::db::jobs::Job;
use crate::error::AppError;
use crate::notifications::NotificationKind;
use crate::orders::service::close_unpaid;
use domain::orders::{Actor, OrderEvent};

/// At most this many orders per kind per run, so one run never holds the worker for long.
const BATCH: usize = 500;

/// Expires overdue orders at `now`; returns how many this call expired. An order that fails is
/// logged, put in back-off and skipped; the others go on.
pub async fn expire_overdue(pool: &PgPool, now: OffsetDateTime) -> Result<usize, AppError> {
    let mut done = 0;
    let mut failed = Vec::new();
    while done < BATCH {
        let mut tx = pool.begin().await?;
        let Some(order_id) = db::collection::claim_overdue(&mut tx, now, &failed).await? else { break };
        match expire_one(&mut tx, order_id).await {
            Ok(number) => {
                tx.commit().await?;
                tracing::info!(order = %number, "payment deadline passed: order cancelled");
                db::jobs::cleared(pool, Job::Expire, order_id).await;
                done += 1;
            }
            Err(err) => {
                let _ = tx.rollback().await;
                db::jobs::report_failure(pool, Job::Expire, order_id, &err).await;
                failed.push(order_id);
            }
        }
    }
    Ok(done)
}

/// One overdue order, claimed and locked by the caller's transaction: closed through the
/// payment guard (an order whose payment is in flight is never claimed, and the guard refuses
/// it again), both sides told.
async fn expire_one(tx: &mut PgConnection, order_id: i64) -> Result<String, AppError> {
    let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(|| AppError::internal("order vanished"))?;
    close_unpaid(tx, &order, OrderEvent::Expire, None, "expired").await?;
    let merchant = db::collection::merchant_of_shop(tx, order.shop_id).await?;
    for user in [order.shopper_id, merchant] {
        db::notifications::insert(tx, user, NotificationKind::OrderExpired, order.id, order.amount, Some(order.due)).await?;
    }
    Ok(order.number)
}

/// Completes orders delivered at least `after` before `now`.
pub async fn complete_delivered(pool: &PgPool, now: OffsetDateTime, after: Duration) -> Result<usize, AppError> {
    let mut done = 0;
    let mut failed = Vec::new();
    while done < BATCH {
        let mut tx = pool.begin().await?;
        let Some(order_id) = db::collection::claim_completable(&mut tx, now - after, &failed).await? else { break };
        match complete_one(&mut tx, order_id).await {
            Ok(()) => {
                tx.commit().await?;
                db::jobs::cleared(pool, Job::Complete, order_id).await;
                done += 1;
            }
            Err(err) => {
                let _ = tx.rollback().await;
                db::jobs::report_failure(pool, Job::Complete, order_id, &err).await;
                failed.push(order_id);
            }
        }
    }
    Ok(done)
}

async fn complete_one(tx: &mut PgConnection, order_id: i64) -> Result<(), AppError> {
    let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(|| AppError::internal("order vanished"))?;
    let to = order.status.apply(OrderEvent::Complete)?;
    db::orders::set_status(tx, order.id, to).await?;
    db::orders::insert_event(tx, order.id, Actor::System, None, OrderEvent::Complete.name(), Some(order.status), to).await?;
    Ok(())
}
