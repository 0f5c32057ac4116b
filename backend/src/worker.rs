//! The background worker: runs the payment jobs (`pay::run_jobs`), expires unpaid orders whose
//! deadline passed (the order is cancelled, its stock released, its request closed, both sides
//! notified), completes orders delivered long enough ago, and prunes what is left over (live
//! events, forgotten guest carts). The database is the source of truth: rows are claimed one per
//! transaction with `FOR UPDATE SKIP LOCKED`, so any number of server instances can run it at
//! once, and a restart loses nothing. Each order is handled on its own: one that fails is
//! logged, retried with back-off (`db::jobs`) and shown to staff after repeated failures; it
//! never blocks the orders behind it.

use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};

use crate::Error;
use crate::db;
use crate::db::jobs::Job;
use crate::orders::close_unpaid;
use crate::provider::Provider;
use domain::checkout::OrderSettings;
use domain::notifications::NotificationKind;
use domain::orders::{Actor, OrderEvent};

/// The worker's loop, every `interval`, for as long as the server runs: finishes payment
/// attempts left in "processing" for more than 10 s (a crash between the provider's answer
/// and the database write, or a lost callback), stops verification steps past their time,
/// sends back unexpected charges whose refund failed, expires unpaid orders past their
/// deadline, completes delivered orders, prunes live events older than a day and guest carts
/// untouched for 30 days. Each item is handled on its own (see `db::jobs`), and every step
/// claims its rows in Postgres (`SKIP LOCKED`), so several instances may run it at once.
pub async fn run(pool: PgPool, provider: Provider, settings: OrderSettings, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // The platform's clock: real time unless staff moved the sandbox's test clock.
        let now = crate::clock::now(&pool).await.unwrap_or_else(|_| OffsetDateTime::now_utc());
        run_once(&pool, &provider, &settings, now).await;
    }
}

/// One round of every job at `now`; a failing step is logged and the others still run.
pub async fn run_once(pool: &PgPool, provider: &Provider, settings: &OrderSettings, now: OffsetDateTime) {
    match crate::pay::run_jobs(pool, provider, settings, now, 10.0).await {
        Ok(report) if report == Default::default() => {}
        Ok(report) => tracing::info!(?report, "worker: payment jobs"),
        Err(err) => tracing::warn!(error = %err, "worker: payment jobs"),
    }
    match crate::refunds::run_jobs(pool, provider, &settings.after_sales, now, 10.0).await {
        Ok(report) if report == Default::default() => {}
        Ok(report) => tracing::info!(?report, "worker: after-sales jobs"),
        Err(err) => tracing::warn!(error = %err, "worker: after-sales jobs"),
    }
    match expire_overdue(pool, now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(expired = n, "worker expired overdue orders"),
        Err(err) => tracing::warn!(error = %err, "worker: expire"),
    }
    match complete_delivered(pool, now, Duration::hours(settings.complete_after_hours)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(completed = n, "worker completed delivered orders"),
        Err(err) => tracing::warn!(error = %err, "worker: complete"),
    }
    match crate::settlement::settle_due(pool, settings, now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(settled = n, "worker settled orders"),
        Err(err) => tracing::warn!(error = %err, "worker: settle"),
    }
    match crate::settlement::release_reserves(pool, now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(released = n, "worker released reserves"),
        Err(err) => tracing::warn!(error = %err, "worker: release reserves"),
    }
    match crate::payouts::pay_out_scheduled(pool, provider, now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(payouts = n, "worker sent scheduled payouts"),
        Err(err) => tracing::warn!(error = %err, "worker: scheduled payouts"),
    }
    match crate::payouts::finish_open(pool, provider, 10.0).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(payouts = n, "worker finished payouts"),
        Err(err) => tracing::warn!(error = %err, "worker: open payouts"),
    }
    if let Err(err) = crate::settlement::reconcile_daily(pool, provider, now).await {
        tracing::warn!(error = %err, "worker: daily reconciliation");
    }
    if let Err(err) = crate::api::prune(pool).await {
        tracing::warn!(error = %err, "worker: pruning API idempotency answers");
    }
    if let Err(err) = crate::webhooks::prune(pool).await {
        tracing::warn!(error = %err, "worker: pruning API events and logs");
    }
    if let Err(err) = db::live::prune(pool).await {
        tracing::warn!(error = %err, "worker: pruning live events");
    }
    match crate::cart::prune_guest_carts(pool, now, BATCH as i64).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(pruned = n, "worker pruned guest carts"),
        Err(err) => tracing::warn!(error = %err, "worker: pruning guest carts"),
    }
}

/// At most this many orders per kind per run, so one run never holds the worker for long.
const BATCH: usize = 500;

/// Expires overdue orders at `now`; returns how many this call expired. An order that fails is
/// logged, put in back-off and skipped; the others go on.
pub async fn expire_overdue(pool: &PgPool, now: OffsetDateTime) -> Result<usize, Error> {
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
async fn expire_one(tx: &mut PgConnection, order_id: i64) -> Result<String, Error> {
    let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(|| Error::internal("order vanished"))?;
    close_unpaid(tx, &order, OrderEvent::Expire, None, "expired").await?;
    let merchant = db::collection::merchant_of_shop(tx, order.shop_id).await?;
    for user in [order.shopper_id, merchant] {
        db::notifications::insert(tx, user, NotificationKind::OrderExpired, order.id, order.amount, Some(order.due)).await?;
    }
    Ok(order.number)
}

/// Completes orders delivered at least `after` before `now`.
pub async fn complete_delivered(pool: &PgPool, now: OffsetDateTime, after: Duration) -> Result<usize, Error> {
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

async fn complete_one(tx: &mut PgConnection, order_id: i64) -> Result<(), Error> {
    let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(|| Error::internal("order vanished"))?;
    let to = order.status.apply(OrderEvent::Complete)?;
    db::orders::set_status(tx, order.id, to).await?;
    db::orders::insert_event(tx, order.id, Actor::System, None, OrderEvent::Complete.name(), Some(order.status), to).await?;
    Ok(())
}
