//! The merchant's actions on an order, each one transaction: the order row is locked, the
//! action checked against the order's status and latest request, the change made with its
//! event, and whoever must know is notified in the same transaction.

use sqlx::{PgConnection, PgPool};

use crate::Error;
use crate::db;
use crate::orders::{close_unpaid, refuse_if_paying};
use domain::accounts::CurrentUser;
use domain::checkout::OrderSettings;
use domain::collection::{MerchantAction, Shipment, cash_collected, check_allowed, request_deadline};
use domain::notifications::NotificationKind;
use domain::orders::{Actor, EventDetail, OrderEvent};
use domain::payments::ledger::cash_on_delivery_posting;

/// What the merchant typed with an action (only the fields the action needs are read).
#[derive(Clone, Debug, Default)]
pub struct ActionInput {
    pub minutes: String,
    pub carrier: String,
    pub tracking: String,
    pub cash: String,
}

pub async fn act(
    pool: &PgPool,
    merchant: &CurrentUser,
    shop_id: i64,
    number: &str,
    action: MerchantAction,
    input: &ActionInput,
    settings: &OrderSettings,
) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    match apply(&mut tx, merchant, shop_id, number, action, input, settings).await {
        Ok(()) => {
            tx.commit().await?;
            tracing::info!(order = %number, action = ?action, "merchant acted on order");
            Ok(())
        }
        Err(refused) => {
            // Rolled back before the answer goes out. A dropped transaction is only rolled back
            // when its connection goes back to the pool, a moment later; until then the order's
            // row stays locked and the worker (which skips locked rows) would pass it over.
            if let Err(error) = tx.rollback().await {
                tracing::warn!(%error, "rolling back a refused merchant action failed");
            }
            Err(refused)
        }
    }
}

/// One merchant action on one order, inside the caller's transaction.
async fn apply(
    tx: &mut PgConnection,
    merchant: &CurrentUser,
    shop_id: i64,
    number: &str,
    action: MerchantAction,
    input: &ActionInput,
    settings: &OrderSettings,
) -> Result<(), Error> {
    let order = db::orders::lock_shop_order(&mut *tx, shop_id, number).await?.ok_or_else(|| Error::NotFound("The order".into()))?;
    let (request, _) = db::collection::request_state(&mut *tx, order.id).await?;
    check_allowed(order.status, request, action)?;
    let me = Some(merchant.id);
    let now = crate::clock::now(&mut *tx).await?;
    match action {
        MerchantAction::RequestPayment | MerchantAction::ResendRequest => {
            let deadline = request_deadline(now, &input.minutes, settings.deadline_limits())?;
            db::collection::open_request(&mut *tx, order.id, merchant.id, deadline).await?;
            let name = if action == MerchantAction::RequestPayment { "payment_requested" } else { "payment_request_resent" };
            let detail = EventDetail::PayBy { deadline };
            db::orders::insert_event_detail(&mut *tx, order.id, Actor::Merchant, me, name, Some(order.status), order.status, Some(&detail)).await?;
            db::notifications::insert(&mut *tx, order.shopper_id, NotificationKind::PaymentRequested, order.id, order.amount, Some(deadline)).await?;
        }
        MerchantAction::WithdrawRequest => {
            refuse_if_paying(&mut *tx, order.id, Actor::Merchant).await?;
            db::collection::close_request(&mut *tx, order.id, "withdrawn").await?;
            db::orders::insert_event(&mut *tx, order.id, Actor::Merchant, me, "payment_request_withdrawn", Some(order.status), order.status).await?;
            db::notifications::insert(&mut *tx, order.shopper_id, NotificationKind::PaymentRequestWithdrawn, order.id, order.amount, None).await?;
        }
        MerchantAction::ChooseCashOnDelivery => {
            let to = order.status.apply(OrderEvent::ChooseCod)?;
            refuse_if_paying(&mut *tx, order.id, Actor::Merchant).await?;
            db::collection::close_request(&mut *tx, order.id, "cancelled").await?;
            db::collection::set_cash_on_delivery(&mut *tx, order.id).await?;
            db::orders::set_status(&mut *tx, order.id, to).await?;
            db::orders::insert_event(&mut *tx, order.id, Actor::Merchant, me, OrderEvent::ChooseCod.name(), Some(order.status), to).await?;
        }
        MerchantAction::Ship => {
            let shipment = Shipment::parse(&input.carrier, &input.tracking)?;
            let to = order.status.apply(OrderEvent::Ship)?;
            // Refunded in full before it left: there is nothing left to send.
            let (paid, committed, _) = db::refunds::money_of(&mut *tx, order.id, order.amount.currency).await?;
            if paid.minor > 0 && committed.minor >= paid.minor {
                return Err(Error::Conflict(domain::Message::OrderFullyRefunded));
            }
            // The shopper asked for their money back before it left: answer first (an approval,
            // or the worker's when the answer is late, would refund goods already on their way).
            if db::refunds::awaits_answer(&mut *tx, order.id).await? {
                return Err(Error::Conflict(domain::Message::AnswerRefundRequestFirst));
            }
            db::orders::set_status(&mut *tx, order.id, to).await?;
            db::collection::set_shipment(&mut *tx, order.id, &shipment).await?;
            let detail = EventDetail::Shipment { carrier: shipment.carrier.clone(), tracking: shipment.tracking_number.clone() };
            db::orders::insert_event_detail(&mut *tx, order.id, Actor::Merchant, me, OrderEvent::Ship.name(), Some(order.status), to, Some(&detail))
                .await?;
            db::notifications::insert(&mut *tx, order.shopper_id, NotificationKind::OrderShipped, order.id, order.amount, None).await?;
        }
        MerchantAction::Deliver => {
            let to = order.status.apply(OrderEvent::Deliver)?;
            db::orders::set_status(&mut *tx, order.id, to).await?;
            db::collection::set_delivered(&mut *tx, order.id).await?;
            db::orders::insert_event(&mut *tx, order.id, Actor::Merchant, me, OrderEvent::Deliver.name(), Some(order.status), to).await?;
        }
        MerchantAction::DeliverCollectingCash => {
            let cash = cash_collected(order.amount, &input.cash)?;
            let to = order.status.apply(OrderEvent::DeliverCollectingCash)?;
            db::orders::set_status(&mut *tx, order.id, to).await?;
            db::collection::set_delivered(&mut *tx, order.id).await?;
            db::collection::set_paid(&mut *tx, order.id).await?;
            let entries = cash_on_delivery_posting(cash, order.shopper_id, order.shop_id);
            db::payments::post(&mut *tx, "cash_on_delivery", None, order.id, cash.currency, &entries).await?;
            let detail = EventDetail::CashCollected { amount: cash };
            let name = OrderEvent::DeliverCollectingCash.name();
            db::orders::insert_event_detail(&mut *tx, order.id, Actor::Merchant, me, name, Some(order.status), to, Some(&detail)).await?;
            db::notifications::insert(&mut *tx, merchant.id, NotificationKind::PaymentReceived, order.id, cash, None).await?;
        }
        MerchantAction::Cancel => {
            close_unpaid(&mut *tx, &order, OrderEvent::Cancel(Actor::Merchant), me, "cancelled").await?;
        }
    }
    Ok(())
}
