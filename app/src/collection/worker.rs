//! The background worker: expires unpaid orders whose deadline passed (the order is cancelled,
//! its stock released, its request closed, both sides notified) and completes orders delivered
//! long enough ago. The database is the source of truth: rows are claimed one per transaction
//! with `FOR UPDATE SKIP LOCKED`, so any number of server instances can run it at once, and a
//! restart loses nothing.

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::db;
use crate::error::AppError;
use crate::notifications::NotificationKind;
use crate::orders::status::{Actor, OrderEvent};

/// At most this many orders per kind per run, so one run never holds the worker for long.
const BATCH: usize = 500;

/// Expires overdue orders at `now`; returns how many this call expired.
pub async fn expire_overdue(pool: &PgPool, now: OffsetDateTime) -> Result<usize, AppError> {
    let mut done = 0;
    while done < BATCH {
        let mut tx = pool.begin().await?;
        let Some(order_id) = db::collection::claim_overdue(&mut tx, now).await? else { break };
        // A payment recorded just before the claim (its snapshot could not see it) wins: the
        // shopper started paying before the deadline.
        if db::collection::has_live_attempt(&mut tx, order_id).await? {
            continue;
        }
        let order = db::orders::lock_order(&mut tx, order_id).await?.ok_or_else(|| AppError::internal("order vanished"))?;
        let to = order.status.apply(OrderEvent::Expire)?;
        db::orders::set_status(&mut tx, order.id, to).await?;
        db::orders::release_stock(&mut tx, order.id).await?;
        db::collection::close_request(&mut tx, order.id, "expired").await?;
        db::orders::insert_event(&mut tx, order.id, Actor::System, None, OrderEvent::Expire.name(), Some(order.status), to).await?;
        let merchant = db::collection::merchant_of_shop(&mut tx, order.shop_id).await?;
        for user in [order.shopper_id, merchant] {
            db::notifications::insert(&mut tx, user, NotificationKind::OrderExpired, order.id, order.amount, Some(order.due)).await?;
        }
        tx.commit().await?;
        tracing::info!(order = %order.number, "payment deadline passed: order cancelled");
        done += 1;
    }
    Ok(done)
}

/// Completes orders delivered at least `after` before `now`.
pub async fn complete_delivered(pool: &PgPool, now: OffsetDateTime, after: Duration) -> Result<usize, AppError> {
    let mut done = 0;
    while done < BATCH {
        let mut tx = pool.begin().await?;
        let Some(order_id) = db::collection::claim_completable(&mut tx, now - after).await? else { break };
        let order = db::orders::lock_order(&mut tx, order_id).await?.ok_or_else(|| AppError::internal("order vanished"))?;
        let to = order.status.apply(OrderEvent::Complete)?;
        db::orders::set_status(&mut tx, order.id, to).await?;
        db::orders::insert_event(&mut tx, order.id, Actor::System, None, OrderEvent::Complete.name(), Some(order.status), to).await?;
        tx.commit().await?;
        done += 1;
    }
    Ok(done)
}
