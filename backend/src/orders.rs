//! Orders: the guard every change that ends an order's chance to be paid goes through, and
//! the shopper's cancel.

use sqlx::{PgConnection, PgPool};

use crate::Error;
use crate::db;
use crate::db::orders::LockedOrder;
use domain::accounts::CurrentUser;
use domain::orders::{Actor, OrderEvent, OrderStatus};

/// The one guard of every change that ends an order's chance to be paid online (a cancel by
/// either side, expiry, cash on delivery chosen, the payment request withdrawn): while a
/// payment of the order is in flight — processing, or waiting for its one-time code — the
/// money may be arriving, so the change is refused. The caller holds the order's row lock,
/// and a payment is only ever started under that lock, so nothing can start in between.
/// (The schema checks it again at commit: `orders_payment`.)
pub async fn refuse_if_paying(tx: &mut PgConnection, order_id: i64, actor: Actor) -> Result<(), Error> {
    if !db::collection::has_live_attempt(tx, order_id).await? {
        return Ok(());
    }
    Err(Error::Conflict(match actor {
        Actor::Shopper => domain::Message::PaymentInProgressShopper,
        _ => domain::Message::PaymentInProgressMerchant,
    }))
}

/// Closes an unpaid order (cancelled by `event`), behind [`refuse_if_paying`]: its status
/// changes, its reserved stock comes back, its open payment request ends with
/// `request_outcome`, and the change is recorded — all in the caller's transaction.
pub async fn close_unpaid(
    tx: &mut PgConnection,
    order: &LockedOrder,
    event: OrderEvent,
    actor_id: Option<i64>,
    request_outcome: &str,
) -> Result<OrderStatus, Error> {
    let actor = match event {
        OrderEvent::Cancel(actor) => actor,
        _ => Actor::System,
    };
    let to = order.status.apply(event)?;
    refuse_if_paying(tx, order.id, actor).await?;
    db::orders::set_status(tx, order.id, to).await?;
    if order.status.holds_stock() {
        db::orders::release_stock(tx, order.id).await?;
    }
    db::collection::close_request(tx, order.id, request_outcome).await?;
    db::orders::insert_event(tx, order.id, actor, actor_id, event.name(), Some(order.status), to).await?;
    Ok(to)
}

/// The shopper cancels their unpaid order; its stock is released in the same transaction.
pub async fn cancel_by_shopper(pool: &PgPool, shopper: &CurrentUser, number: &str) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    let result = async {
        let order = db::orders::lock_shopper_order(&mut tx, shopper.id, number).await?.ok_or_else(|| Error::NotFound("The order".into()))?;
        close_unpaid(&mut tx, &order, OrderEvent::Cancel(Actor::Shopper), Some(shopper.id), "cancelled").await
    }
    .await;
    match result {
        Ok(_) => {
            tx.commit().await?;
            tracing::info!(order = %number, "order cancelled by shopper");
            Ok(())
        }
        Err(refused) => {
            // Release the order's row lock before answering (see `collection::act`).
            let _ = tx.rollback().await;
            Err(refused)
        }
    }
}
