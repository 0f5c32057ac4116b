//! Refunds and after-sales (server only). Every change is one short transaction that locks the
//! order's row first (as every other change of an order does), checks the change against the
//! domain's machines and limits, records it with its event and notifications, and commits. Money
//! goes to the provider only after that commit, outside any transaction, idempotent by a key
//! derived from the refund's id; its outcome is booked in a second transaction, once.
//!
//! The invariants kept here and checked again by the schema at every commit:
//! - the refunds of an order that count (pending, failed-and-retried, succeeded) never exceed
//!   what was paid for it, nor a line's units;
//! - succeeded refunds = refund postings (each a balanced reversal of the payment);
//! - a succeeded refund never changes again, so it is never executed twice;
//! - stock comes back only for units that never left (refunded before shipment) or came back
//!   (a return the merchant, or the worker after the receipt window, confirmed).

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Error;
use crate::db;
use crate::db::jobs::Job;
use crate::db::orders::LockedOrder;
use crate::db::refunds::{NewRefund, NewRequest, RequestRow};
use crate::provider::{Provider, ProviderError, RefundOutcome};
use domain::Message;
use domain::accounts::CurrentUser;
use domain::collection::Shipment;
use domain::money::Money;
use domain::notifications::NotificationKind;
use domain::orders::{Actor, CollectionMethod, EventDetail, OrderStatus};
use domain::payments::ledger::{cash_refund_posting, refund_posting, unexpected_refund_posting};
use domain::refunds::{
    AfterSalesSettings, AfterSalesView, CashReturn, RefundKind, RefundMethod, RefundPlan, RefundReason, RefundScope, RefundStanding, RefundStatus,
    RequestEvent, RequestStatus, kinds_allowed, note, plan, provider_key,
};

/// Photos with a request: at most this size, PNG, JPEG or WebP.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

/// Runs `f` in a transaction: committed when it succeeds, rolled back at once when it refuses
/// (so the order's row lock is released before the answer goes out).
async fn in_tx<T, F>(pool: &PgPool, f: F) -> Result<T, Error>
where
    F: for<'c> FnOnce(&'c mut PgConnection) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, Error>> + Send + 'c>>,
{
    let mut tx = pool.begin().await?;
    match f(&mut tx).await {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(refused) => {
            let _ = tx.rollback().await;
            Err(refused)
        }
    }
}

fn not_found() -> Error {
    Error::NotFound("The order".into())
}

fn request_not_found() -> Error {
    Error::NotFound("The refund request".into())
}

fn parse_key(key: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(key.trim()).map_err(|_| Error::BadRequest("the form's key is not valid; reload the page".into()))
}

// ---- What the pages show -----------------------------------------------------------------------

/// Whose view of an order's after-sales.
#[derive(Clone, Copy, Debug)]
pub enum Viewer {
    Shopper(i64),
    Shop(i64),
    Staff,
}

impl Viewer {
    fn scope(self) -> db::orders::OrderScope {
        match self {
            Viewer::Shopper(id) => db::orders::OrderScope::Shopper(id),
            Viewer::Shop(id) => db::orders::OrderScope::Shop(id),
            Viewer::Staff => db::orders::OrderScope::Any,
        }
    }
}

/// The after-sales of an order in the viewer's scope (another's order is "not found").
pub async fn view(pool: &PgPool, viewer: Viewer, number: &str) -> Result<AfterSalesView, Error> {
    let mut conn = pool.acquire().await?;
    let row = db::refunds::order_in_scope(&mut conn, viewer.scope(), number).await?;
    let (order_id, status, currency) = row.ok_or_else(not_found)?;
    let method = db::refunds::collection_method(&mut conn, order_id).await?;
    let (paid, committed, refunded) = db::refunds::money_of(&mut conn, order_id, currency).await?;
    let lines = db::refunds::refundable_lines(&mut conn, order_id).await?;
    let requests = db::refunds::requests_of_order(&mut conn, order_id).await?;
    let refunds = db::refunds::refunds_of_order(&mut conn, order_id).await?;
    let open = requests.iter().any(|r| r.status.is_open());
    let kinds_allowed = if open || paid.minor <= committed.minor { Vec::new() } else { kinds_allowed(status).to_vec() };
    Ok(AfterSalesView {
        order_number: number.to_string(),
        order_status: status,
        cash_on_delivery: method == CollectionMethod::CashOnDelivery,
        paid,
        refunded,
        committed,
        standing: RefundStanding::of(paid.minor, refunded.minor),
        lines,
        kinds_allowed,
        requests,
        refunds,
        key: Uuid::new_v4().to_string(),
    })
}

/// A request's photo, for a viewer who may see its order.
pub async fn photo(pool: &PgPool, viewer: Viewer, number: &str, request_id: i64) -> Result<(String, Vec<u8>), Error> {
    let mut conn = pool.acquire().await?;
    let order_id = db::refunds::order_in_scope(&mut conn, viewer.scope(), number).await?.map(|(id, ..)| id);
    let order_id = order_id.ok_or_else(not_found)?;
    db::refunds::photo(pool, order_id, request_id).await?.ok_or_else(request_not_found)
}

/// The shopper adds a photo to their own open request (checked by its bytes: PNG, JPEG or WebP,
/// at most [`MAX_PHOTO_BYTES`]); a later photo replaces it.
pub async fn attach_photo(pool: &PgPool, shopper: &CurrentUser, number: &str, request_id: i64, bytes: &[u8]) -> Result<(), Error> {
    let content_type = check_photo(bytes)?;
    let stored = sqlx::query(
        "UPDATE refund_requests r SET photo = $4, photo_type = $5, updated_at = now()
         FROM orders o
         WHERE r.id = $1 AND r.order_id = o.id AND o.number = $2 AND o.shopper_id = $3
           AND r.status NOT IN ('refunded', 'closed')",
    )
    .bind(request_id)
    .bind(number)
    .bind(shopper.id)
    .bind(bytes)
    .bind(content_type)
    .execute(pool)
    .await?;
    if stored.rows_affected() == 0 {
        return Err(request_not_found());
    }
    Ok(())
}

// ---- The shopper asks ----------------------------------------------------------------------------

/// What the shopper sent with "Ask for a refund".
#[derive(Clone, Debug, Default)]
pub struct RequestInput {
    pub kind: String,
    pub reason: String,
    pub note: String,
    /// (product id, quantity) per line; lines left at 0 are not asked for.
    pub lines: Vec<(i64, i32)>,
    /// The photo's content type and bytes, if one was attached.
    pub photo: Option<(String, Vec<u8>)>,
    pub key: String,
}

/// Checks a photo's size and type (by its first bytes, not the name it came with).
pub fn check_photo(bytes: &[u8]) -> Result<&'static str, Error> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(Error::field("photo", Message::ImageTooLarge));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok("image/webp")
    } else {
        Err(Error::field("photo", Message::ImageType))
    }
}

/// The shopper asks for a refund of some units of their paid order. Everything is checked
/// before anything is written; the same key sent again answers the first request.
pub async fn ask(pool: &PgPool, shopper: &CurrentUser, number: &str, input: RequestInput, settings: &AfterSalesSettings) -> Result<i64, Error> {
    let key = parse_key(&input.key)?;
    let kind = RefundKind::parse(&input.kind).ok_or_else(|| Error::field("kind", Message::ChooseFromList))?;
    let reason = RefundReason::parse(&input.reason).ok_or_else(|| Error::field("reason", Message::ChooseFromList))?;
    let note = note("note", &input.note, 0, 1000)?;
    let photo = match &input.photo {
        Some((_, bytes)) if !bytes.is_empty() => Some((check_photo(bytes)?, bytes.clone())),
        _ => None,
    };
    let number = number.to_string();
    let shopper_id = shopper.id;
    let settings = *settings;
    in_tx(pool, move |tx| {
        Box::pin(async move {
            let order = db::orders::lock_shopper_order(tx, shopper_id, &number).await?.ok_or_else(not_found)?;
            if let Some((id, order_id)) = db::refunds::request_by_key(tx, shopper_id, key).await? {
                return if order_id == order.id { Ok(id) } else { Err(Error::Conflict(Message::RefundSentWithOtherDetails)) };
            }
            let allowed = kinds_allowed(order.status);
            if allowed.is_empty() {
                return Err(Error::Conflict(Message::RefundNotNow { status: order.status }));
            }
            if !allowed.contains(&kind) {
                return Err(Error::field("kind", Message::ReturnNeedsDelivery));
            }
            if !reason.before_shipment() && order.status == OrderStatus::Paid {
                return Err(Error::field("reason", Message::ChooseFromList));
            }
            let (paid, committed, _) = db::refunds::money_of(tx, order.id, order.amount.currency).await?;
            if paid.minor == 0 {
                return Err(Error::Conflict(Message::NothingPaidToRefund));
            }
            let lines = db::refunds::refundable_lines(tx, order.id).await?;
            let RefundPlan { lines: chosen, amount } = plan(paid, committed, &lines, &RefundScope::Lines(input.lines.clone()))?;
            let now = crate::clock::now(&mut *tx).await?;
            let deadline = settings.deadline(RequestStatus::AwaitingAnswer, now).unwrap_or(now);
            let new = NewRequest {
                order_id: order.id,
                shopper_id,
                kind,
                reason,
                note: &note,
                photo: photo.as_ref().map(|(t, b)| (*t, b.as_slice())),
                amount,
                deadline,
                key,
                lines: &chosen,
            };
            let id = match db::refunds::insert_request(tx, &new).await {
                Ok(Some(id)) => id,
                Ok(None) => return Err(Error::Conflict(Message::RefundSentWithOtherDetails)),
                Err(err) if is_unique_violation(&err, "refund_requests_one_open") => {
                    return Err(Error::Conflict(Message::RefundRequestAlreadyOpen));
                }
                Err(err) => return Err(err.into()),
            };
            let detail = EventDetail::Refund { amount };
            db::orders::insert_event_detail(
                tx,
                order.id,
                Actor::Shopper,
                Some(shopper_id),
                "refund_requested",
                Some(order.status),
                order.status,
                Some(&detail),
            )
            .await?;
            let merchant = db::collection::merchant_of_shop(tx, order.shop_id).await?;
            db::notifications::insert(tx, merchant, NotificationKind::RefundRequested, order.id, amount, Some(deadline)).await?;
            tracing::info!(order = %number, request = id, "refund requested");
            Ok(id)
        })
    })
    .await
}

fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.constraint() == Some(constraint))
}

/// A shopper's step on their own request: withdraw, escalate, or give the return's tracking.
#[derive(Clone, Debug)]
pub enum ShopperStep {
    Withdraw,
    Escalate,
    ShipReturn { carrier: String, tracking: String },
}

pub async fn shopper_step(
    pool: &PgPool,
    shopper: &CurrentUser,
    number: &str,
    request_id: i64,
    step: ShopperStep,
    settings: &AfterSalesSettings,
) -> Result<(), Error> {
    let settings = *settings;
    let shipment = match &step {
        ShopperStep::ShipReturn { carrier, tracking } => Some(Shipment::parse(carrier, tracking)?),
        _ => None,
    };
    let number = number.to_string();
    let shopper_id = shopper.id;
    in_tx(pool, move |tx| {
        Box::pin(async move {
            let order = db::orders::lock_shopper_order(tx, shopper_id, &number).await?.ok_or_else(not_found)?;
            let request = db::refunds::request(tx, order.id, request_id).await?.ok_or_else(request_not_found)?;
            let me = Some(shopper_id);
            match step {
                ShopperStep::Withdraw => {
                    move_request(tx, &order, &request, (RequestEvent::Withdraw, Actor::Shopper, me), request.requested, &settings).await?;
                }
                ShopperStep::Escalate => {
                    move_request(tx, &order, &request, (RequestEvent::Escalate, Actor::Shopper, me), request.requested, &settings).await?;
                    let body = format!(
                        "The shopper escalated refund request #{} on order {} ({}, {} asked) after the shop refused it. \
                         The order, the request and its history are on the order's page; decide here.",
                        request.id,
                        order.number,
                        request.kind.as_str(),
                        request.requested
                    );
                    let ticket = db::support::insert_dispute_ticket(tx, shopper_id, order.id, &body).await?;
                    db::refunds::set_ticket(tx, request.id, ticket).await?;
                    let merchant = db::collection::merchant_of_shop(tx, order.shop_id).await?;
                    db::notifications::insert(tx, merchant, NotificationKind::RefundEscalated, order.id, request.requested, None).await?;
                }
                ShopperStep::ShipReturn { .. } => {
                    let shipment = shipment.expect("parsed above");
                    let to = request.status.apply(request.kind, RequestEvent::ShipReturn, Actor::Shopper)?;
                    let now = crate::clock::now(&mut *tx).await?;
                    db::refunds::set_request_status(tx, request.id, to, settings.deadline(to, now)).await?;
                    db::refunds::set_return(tx, request.id, &shipment.carrier, &shipment.tracking_number).await?;
                    let detail = EventDetail::ReturnShipment { carrier: shipment.carrier.clone(), tracking: shipment.tracking_number.clone() };
                    let name = RequestEvent::ShipReturn.name();
                    db::orders::insert_event_detail(tx, order.id, Actor::Shopper, me, name, Some(order.status), order.status, Some(&detail)).await?;
                    let merchant = db::collection::merchant_of_shop(tx, order.shop_id).await?;
                    let deadline = settings.deadline(to, now);
                    db::notifications::insert(tx, merchant, NotificationKind::ReturnShipped, order.id, request.requested, deadline).await?;
                }
            }
            Ok(())
        })
    })
    .await
}

/// A request moves by `event` (no money yet): its status, its deadline, the order event.
async fn move_request(
    tx: &mut PgConnection,
    order: &LockedOrder,
    request: &RequestRow,
    (event, actor, actor_id): (RequestEvent, Actor, Option<i64>),
    amount: Money,
    settings: &AfterSalesSettings,
) -> Result<RequestStatus, Error> {
    let to = request.status.apply(request.kind, event, actor)?;
    let now = crate::clock::now(&mut *tx).await?;
    db::refunds::set_request_status(tx, request.id, to, settings.deadline(to, now)).await?;
    let detail = EventDetail::Refund { amount };
    db::orders::insert_event_detail(tx, order.id, actor, actor_id, event.name(), Some(order.status), order.status, Some(&detail)).await?;
    Ok(to)
}

// ---- The merchant (or the worker, or staff) answers -------------------------------------------------

/// The merchant's answer to a request.
#[derive(Clone, Debug)]
pub enum Answer {
    Approve,
    Refuse { reason: String },
    ConfirmReceipt,
}

/// A request of one of a shop's orders, as a merchant's form names it.
#[derive(Clone, Copy, Debug)]
pub struct ShopRequest<'a> {
    pub shop_id: i64,
    pub number: &'a str,
    pub request_id: i64,
}

/// The merchant answers a request of their shop's order. An approval that moves money records
/// the refund here and sends it once this transaction committed.
pub async fn answer(
    pool: &PgPool,
    provider: &Provider,
    merchant: &CurrentUser,
    target: ShopRequest<'_>,
    answer: Answer,
    settings: &AfterSalesSettings,
) -> Result<(), Error> {
    let ShopRequest { shop_id, number, request_id } = target;
    let refusal = match &answer {
        Answer::Refuse { reason } => Some(note("refusal", reason, 5, 500)?),
        _ => None,
    };
    let number = number.to_string();
    let merchant_id = merchant.id;
    let settings = *settings;
    let refund = in_tx(pool, move |tx| {
        Box::pin(async move {
            let order = db::orders::lock_shop_order(tx, shop_id, &number).await?.ok_or_else(not_found)?;
            let request = db::refunds::request(tx, order.id, request_id).await?.ok_or_else(request_not_found)?;
            let me = Some(merchant_id);
            match answer {
                Answer::Approve => approve(tx, &order, &request, Actor::Merchant, me, None, &settings).await,
                Answer::ConfirmReceipt => receive(tx, &order, &request, Actor::Merchant, me, &settings).await,
                Answer::Refuse { .. } => {
                    move_request(tx, &order, &request, (RequestEvent::Refuse, Actor::Merchant, me), request.requested, &settings).await?;
                    db::refunds::set_refusal(tx, request.id, refusal.as_deref().unwrap_or_default()).await?;
                    db::notifications::insert(tx, order.shopper_id, NotificationKind::RefundRefused, order.id, request.requested, None).await?;
                    Ok(None)
                }
            }
        })
    })
    .await?;
    if let Some(id) = refund {
        send(pool, provider, id).await?;
    }
    Ok(())
}

/// Approves a request (merchant, worker or staff; staff may approve less than was asked):
/// a refund-only request gets its refund now, a return waits for the goods.
async fn approve(
    tx: &mut PgConnection,
    order: &LockedOrder,
    request: &RequestRow,
    actor: Actor,
    actor_id: Option<i64>,
    amount: Option<Money>,
    settings: &AfterSalesSettings,
) -> Result<Option<i64>, Error> {
    let to = move_request(tx, order, request, (RequestEvent::Approve(actor), actor, actor_id), amount.unwrap_or(request.requested), settings).await?;
    if let Some(amount) = amount.filter(|a| *a != request.requested) {
        // Kept with the request: a return's refund, after the goods are back, is this amount.
        db::refunds::set_approved(tx, request.id, amount).await?;
    }
    if to == RequestStatus::AwaitingReturn {
        db::notifications::insert(tx, order.shopper_id, NotificationKind::ReturnApproved, order.id, request.requested, None).await?;
        return Ok(None);
    }
    // Before shipment the units never left: they go back on the shelf with the refund.
    let restock = order.status == OrderStatus::Paid;
    create_for_request(tx, order, request, actor, actor_id, amount, restock).await
}

/// The return arrived (the merchant says so, or the worker after the receipt window): the
/// refund is recorded, with the units to restock.
async fn receive(
    tx: &mut PgConnection,
    order: &LockedOrder,
    request: &RequestRow,
    actor: Actor,
    actor_id: Option<i64>,
    settings: &AfterSalesSettings,
) -> Result<Option<i64>, Error> {
    move_request(tx, order, request, (RequestEvent::ConfirmReceipt(actor), actor, actor_id), request.requested, settings).await?;
    create_for_request(tx, order, request, actor, actor_id, request.approved, true).await
}

/// The refund of an approved request, checked against what is left: the request's lines, or
/// (staff deciding in part) an amount. A cash-on-delivery order's request waits for the
/// merchant to record how the cash went back (`record_cash`).
async fn create_for_request(
    tx: &mut PgConnection,
    order: &LockedOrder,
    request: &RequestRow,
    actor: Actor,
    actor_id: Option<i64>,
    amount: Option<Money>,
    restock: bool,
) -> Result<Option<i64>, Error> {
    if db::refunds::collection_method(tx, order.id).await? == CollectionMethod::CashOnDelivery {
        return Ok(None);
    }
    let (paid, committed, _) = db::refunds::money_of(tx, order.id, order.amount.currency).await?;
    let lines = db::refunds::refundable_lines(tx, order.id).await?;
    let scope = match amount {
        Some(amount) if amount != request.requested => RefundScope::Amount(amount),
        _ => RefundScope::Lines(request.lines.clone()),
    };
    // The request's units were free when it was asked; a refund made since may have taken them.
    let planned = plan(paid, committed, &lines, &scope).map_err(|refused| match refused {
        domain::Refusal::Invalid(_) => {
            domain::Refusal::Conflict(Message::RefundExceedsPaid { left: Money::new((paid.minor - committed.minor).max(0), paid.currency) })
        }
        other => other,
    })?;
    let new = NewRefund {
        order_id: order.id,
        request_id: Some(request.id),
        amount: planned.amount,
        method: RefundMethod::Provider,
        transfer_reference: None,
        reason: request.reason.as_str(),
        initiated_by: actor,
        initiated_by_id: actor_id,
        key: None,
        restock: restock && !planned.lines.is_empty(),
        lines: &planned.lines,
        attempt_id: None,
    };
    let id = db::refunds::insert_refund(tx, &new).await?.ok_or_else(|| Error::internal("a refund without a key collided"))?;
    Ok(Some(id))
}

// ---- The merchant refunds on their own ---------------------------------------------------------------

/// A merchant's refund from the order page: some units of lines, or an amount, with a reason.
#[derive(Clone, Debug, Default)]
pub struct MerchantRefundInput {
    pub lines: Vec<(i64, i32)>,
    /// In major units, used when no line is chosen.
    pub amount: String,
    pub reason: String,
    /// `cash` or `bank_transfer` for a cash-on-delivery order (how the cash went back).
    pub how: String,
    pub transfer_reference: String,
    /// The open request this settles, if any (cash-on-delivery requests are settled this way).
    pub request_id: Option<i64>,
    pub key: String,
}

/// The merchant refunds (part of) their shop's paid order. Online orders are refunded through
/// the provider after the commit; cash-on-delivery orders are recorded as given back already.
/// The same key sent again answers the first refund; another order or amount with it is refused.
pub async fn refund_by_merchant(
    pool: &PgPool,
    provider: &Provider,
    merchant: &CurrentUser,
    shop_id: i64,
    number: &str,
    input: MerchantRefundInput,
) -> Result<i64, Error> {
    let key = parse_key(&input.key)?;
    let reason = note("reason", &input.reason, 3, 500)?;
    let number = number.to_string();
    let merchant_id = merchant.id;
    let (id, send_now) = in_tx(pool, move |tx| {
        Box::pin(async move {
            let order = db::orders::lock_shop_order(tx, shop_id, &number).await?.ok_or_else(not_found)?;
            let method = db::refunds::collection_method(tx, order.id).await?;
            let (paid, committed, _) = db::refunds::money_of(tx, order.id, order.amount.currency).await?;
            let lines = db::refunds::refundable_lines(tx, order.id).await?;
            let request = match input.request_id {
                Some(rid) => Some(db::refunds::request(tx, order.id, rid).await?.ok_or_else(request_not_found)?),
                None => None,
            };
            // Settling a request: what it asked for (or what staff approved), never retyped.
            let scope = match &request {
                Some(r) => match r.approved {
                    Some(amount) => RefundScope::Amount(amount),
                    None => RefundScope::Lines(r.lines.clone()),
                },
                None if input.lines.iter().any(|(_, q)| *q != 0) => RefundScope::Lines(input.lines.clone()),
                None => RefundScope::Amount(domain::refunds::typed_amount(&input.amount, order.amount.currency)?),
            };
            // Checked before the replay, so a replay answers only a request that was valid.
            let cash = match (method, input.how.as_str()) {
                (CollectionMethod::CashOnDelivery, how) => Some(CashReturn::parse(how, &input.transfer_reference)?),
                (CollectionMethod::Online, "" | "provider") => None,
                (CollectionMethod::Online, _) => return Err(Error::Conflict(Message::PaidOnlineNoCashRecord)),
            };
            if let Some((id, order_id, minor)) = db::refunds::refund_by_key(tx, merchant_id, key).await? {
                let same = order_id == order.id && plan_amount(&scope, &lines, order.amount.currency) == Some(minor);
                return if same { Ok((id, false)) } else { Err(Error::Conflict(Message::RefundSentWithOtherDetails)) };
            }
            if paid.minor == 0 {
                return Err(Error::Conflict(Message::NothingPaidToRefund));
            }
            let planned = plan(paid, committed, &lines, &scope)?;
            if let Some(r) = &request
                && (r.status != RequestStatus::Refunding || method != CollectionMethod::CashOnDelivery)
            {
                return Err(Error::Conflict(Message::RefundRequestCannot { status: r.status }));
            }
            let (how, transfer) = match &cash {
                None => (RefundMethod::Provider, None),
                Some(CashReturn::Cash) => (RefundMethod::Cash, None),
                Some(CashReturn::BankTransfer { reference }) => (RefundMethod::BankTransfer, Some(reference.as_str())),
            };
            // Units refunded before the parcel left stay on the shelf; units of a return the
            // shop received go back on it.
            let returned = request.as_ref().is_some_and(|r| r.kind == RefundKind::ReturnAndRefund);
            let restock = (order.status == OrderStatus::Paid || returned) && !planned.lines.is_empty();
            let new = NewRefund {
                order_id: order.id,
                request_id: request.as_ref().map(|r| r.id),
                amount: planned.amount,
                method: how,
                transfer_reference: transfer,
                reason: &reason,
                initiated_by: Actor::Merchant,
                initiated_by_id: Some(merchant_id),
                key: Some(key),
                restock,
                lines: &planned.lines,
                attempt_id: None,
            };
            let id = db::refunds::insert_refund(tx, &new).await?.ok_or(Error::Conflict(Message::RefundSentWithOtherDetails))?;
            let detail = EventDetail::Refund { amount: planned.amount };
            db::orders::insert_event_detail(
                tx,
                order.id,
                Actor::Merchant,
                Some(merchant_id),
                "refund_started",
                Some(order.status),
                order.status,
                Some(&detail),
            )
            .await?;
            if how != RefundMethod::Provider {
                book(tx, id, &order, planned.amount, how, restock, request.as_ref().map(|r| r.id)).await?;
            }
            Ok((id, how == RefundMethod::Provider))
        })
    })
    .await?;
    if send_now {
        send(pool, provider, id).await?;
    }
    Ok(id)
}

fn plan_amount(scope: &RefundScope, lines: &[domain::refunds::RefundableLine], currency: domain::money::Currency) -> Option<i64> {
    match scope {
        RefundScope::Amount(m) if m.currency == currency => Some(m.minor),
        RefundScope::Amount(_) => None,
        RefundScope::Lines(asked) => {
            asked.iter().map(|(p, q)| lines.iter().find(|l| l.product_id == *p).map(|l| l.unit_price.minor * *q as i64)).sum::<Option<i64>>()
        }
    }
}

// ---- Staff decide an escalated request ----------------------------------------------------------

#[derive(Clone, Debug)]
pub enum StaffDecision {
    /// Approve, in full or for a smaller amount (major units; empty = in full).
    Approve {
        amount: String,
    },
    Uphold,
}

/// Staff decide the dispute of a ticket: approve (in full or in part) or uphold the refusal.
/// The decision is recorded in the ticket's action log and as an order event.
pub async fn staff_decide(
    pool: &PgPool,
    provider: &Provider,
    staff: &CurrentUser,
    ticket_id: i64,
    decision: StaffDecision,
    settings: &AfterSalesSettings,
) -> Result<(), Error> {
    let staff_id = staff.id;
    let settings = *settings;
    let refund = in_tx(pool, move |tx| {
        Box::pin(async move {
            let (request_id, order_id) = db::refunds::request_of_ticket(tx, ticket_id).await?.ok_or_else(request_not_found)?;
            let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(not_found)?;
            let request = db::refunds::request(tx, order.id, request_id).await?.ok_or_else(request_not_found)?;
            let me = Some(staff_id);
            let (refund, action) = match decision {
                StaffDecision::Approve { amount } => {
                    let amount = if amount.trim().is_empty() {
                        None
                    } else {
                        let typed = domain::refunds::typed_amount(&amount, order.amount.currency)?;
                        if typed.minor > request.requested.minor {
                            return Err(Error::field("amount", Message::RefundExceedsPaid { left: request.requested }));
                        }
                        Some(typed)
                    };
                    (approve(tx, &order, &request, Actor::Staff, me, amount, &settings).await?, "approved_refund")
                }
                StaffDecision::Uphold => {
                    move_request(tx, &order, &request, (RequestEvent::Uphold, Actor::Staff, me), request.requested, &settings).await?;
                    (None, "upheld_refusal")
                }
            };
            db::support::insert_action(tx, ticket_id, staff_id, action).await?;
            Ok(refund)
        })
    })
    .await?;
    if let Some(id) = refund {
        send(pool, provider, id).await?;
    }
    Ok(())
}

// ---- The money -------------------------------------------------------------------------------

/// Sends a provider refund (again) and books its outcome. Safe to call any number of times,
/// from any number of places at once: the provider sees one key per refund, and only the
/// first booking of a success takes effect. Answers where the refund stands.
pub async fn send(pool: &PgPool, provider: &Provider, refund_id: i64) -> Result<RefundStatus, Error> {
    let Some(refund) = db::refunds::to_send(pool, refund_id).await? else {
        return Err(Error::NotFound("The refund".into()));
    };
    match refund.status {
        RefundStatus::Succeeded | RefundStatus::Canceled => return Ok(refund.status),
        RefundStatus::Failed => {
            // Back to pending under the order's row lock (the order first, as everywhere).
            let (id, order_id) = (refund.id, refund.order_id);
            in_tx(pool, move |tx| {
                Box::pin(async move {
                    db::orders::lock_order(tx, order_id).await?;
                    db::refunds::retry(tx, id).await?;
                    Ok(())
                })
            })
            .await?;
        }
        RefundStatus::Pending => {}
    }
    // An unexpected charge's refund keeps the key it was first sent with (before it became a
    // refund like the others): the provider must see the same refund.
    let key = match refund.attempt_id {
        Some(attempt_id) => format!("paydesk-unexpected-{attempt_id}"),
        None => provider_key(refund.id),
    };
    let outcome = provider.refund(&refund.charge_reference, refund.amount, &key).await;
    apply(pool, refund.id, outcome).await
}

/// Books what the provider said about a refund.
async fn apply(pool: &PgPool, refund_id: i64, outcome: Result<RefundOutcome, ProviderError>) -> Result<RefundStatus, Error> {
    match outcome {
        Ok(RefundOutcome::Succeeded { reference }) => succeed(pool, refund_id, &reference).await,
        Ok(RefundOutcome::Pending { reference }) => {
            db::refunds::set_reference(pool, refund_id, &reference).await?;
            Ok(RefundStatus::Pending)
        }
        Ok(RefundOutcome::Failed { reason, .. }) => fail(pool, refund_id, &reason).await,
        Err(ProviderError::Declined(reason)) => fail(pool, refund_id, reason.code()).await,
        Err(err) => {
            // Outcome unknown (the provider did not answer): it stays pending; the worker asks
            // again with the same key.
            tracing::warn!(refund_id, error = %err, "refund outcome unknown");
            Ok(RefundStatus::Pending)
        }
    }
}

async fn succeed(pool: &PgPool, refund_id: i64, reference: &str) -> Result<RefundStatus, Error> {
    let reference = reference.to_string();
    in_tx(pool, move |tx| {
        Box::pin(async move {
            let order_id: i64 = sqlx::query_scalar("SELECT order_id FROM refunds WHERE id = $1").bind(refund_id).fetch_one(&mut *tx).await?;
            // The order first, as everywhere else.
            let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(not_found)?;
            let Some(done) = db::refunds::mark_succeeded(tx, refund_id, &reference).await? else {
                // Not pending: booked already, or marked failed by a racing answer (then the
                // next retry books it). Say where it really stands.
                let status: RefundStatus = sqlx::query_scalar("SELECT status FROM refunds WHERE id = $1").bind(refund_id).fetch_one(&mut *tx).await?;
                return Ok(status);
            };
            match done.attempt_id {
                Some(attempt_id) => book_unexpected(tx, refund_id, attempt_id, &order, done.amount, &reference).await?,
                None => book(tx, refund_id, &order, done.amount, done.method, done.restock, done.request_id).await?,
            }
            tracing::info!(refund_id, order = %order.number, "refund succeeded");
            Ok(RefundStatus::Succeeded)
        })
    })
    .await
}

/// Books a refund that succeeded: the balanced reversal, the units back on the shelf when they
/// never left or came back, the request done, both sides told.
async fn book(
    tx: &mut PgConnection,
    refund_id: i64,
    order: &LockedOrder,
    amount: Money,
    method: RefundMethod,
    restock: bool,
    request_id: Option<i64>,
) -> Result<(), Error> {
    // After settlement the money comes out of the shop's available balance.
    let settled = db::settlement::is_settled(&mut *tx, order.id).await?;
    let (kind, entries) = match method {
        RefundMethod::Provider => ("refund", refund_posting(amount, order.shopper_id, order.shop_id, settled)),
        RefundMethod::Cash | RefundMethod::BankTransfer => ("cash_refund", cash_refund_posting(amount, order.shopper_id, order.shop_id)),
    };
    db::payments::post_refund(tx, kind, (refund_id, None), order.id, amount.currency, &entries).await?;
    if restock {
        db::refunds::restock(tx, refund_id).await?;
    }
    if let Some(request_id) = request_id
        && let Some(request) = db::refunds::request(tx, order.id, request_id).await?
        && request.status == RequestStatus::Refunding
    {
        let to = request.status.apply(request.kind, RequestEvent::MoneyBack, Actor::System)?;
        db::refunds::set_request_status(tx, request.id, to, None).await?;
    }
    let detail = EventDetail::Refund { amount };
    db::orders::insert_event_detail(tx, order.id, Actor::System, None, "refunded", Some(order.status), order.status, Some(&detail)).await?;
    let merchant = db::collection::merchant_of_shop(tx, order.shop_id).await?;
    for user in [order.shopper_id, merchant] {
        db::notifications::insert(tx, user, NotificationKind::RefundSucceeded, order.id, amount, None).await?;
    }
    Ok(())
}

/// Books the refund of an unexpected charge: out of the platform's suspense account back to the
/// shopper (no shop was ever credited), the charge marked refunded, both sides told.
async fn book_unexpected(
    tx: &mut PgConnection,
    refund_id: i64,
    attempt_id: i64,
    order: &LockedOrder,
    amount: Money,
    reference: &str,
) -> Result<(), Error> {
    if !db::payments::mark_unexpected_refunded(tx, attempt_id, reference).await? {
        return Err(Error::internal(format!("unexpected charge of attempt {attempt_id} was not waiting for its refund")));
    }
    let entries = unexpected_refund_posting(amount, order.shopper_id);
    db::payments::post_refund(tx, "unexpected_charge_refund", (refund_id, Some(attempt_id)), order.id, amount.currency, &entries).await?;
    let detail = EventDetail::UnexpectedChargeRefunded { amount };
    let name = "unexpected_charge_refunded";
    db::orders::insert_event_detail(tx, order.id, Actor::System, None, name, Some(order.status), order.status, Some(&detail)).await?;
    let merchant = db::collection::merchant_of_shop(tx, order.shop_id).await?;
    for user in [order.shopper_id, merchant] {
        db::notifications::insert(tx, user, NotificationKind::UnexpectedChargeRefunded, order.id, amount, None).await?;
    }
    tracing::info!(attempt_id, refund_id, "unexpected charge refunded");
    Ok(())
}

/// Records the refund of an unexpected charge (in the caller's transaction, which recorded the
/// charge): sent by [`send`] once that transaction committed, retried like any other refund.
pub async fn record_unexpected_refund(tx: &mut PgConnection, order_id: i64, attempt_id: i64, amount: Money) -> Result<i64, Error> {
    let new = NewRefund {
        order_id,
        request_id: None,
        amount,
        method: RefundMethod::Provider,
        transfer_reference: None,
        reason: "order_closed",
        initiated_by: Actor::System,
        initiated_by_id: None,
        key: None,
        restock: false,
        lines: &[],
        attempt_id: Some(attempt_id),
    };
    db::refunds::insert_refund(tx, &new).await?.ok_or_else(|| Error::internal("a refund without a key collided"))
}

async fn fail(pool: &PgPool, refund_id: i64, reason: &str) -> Result<RefundStatus, Error> {
    let error = reason.to_string();
    let failures = in_tx(pool, move |tx| {
        Box::pin(async move {
            let order_id: i64 = sqlx::query_scalar("SELECT order_id FROM refunds WHERE id = $1").bind(refund_id).fetch_one(&mut *tx).await?;
            let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(not_found)?;
            let Some(failures) = db::refunds::mark_failed(tx, refund_id, &error).await? else {
                return Ok(None);
            };
            if failures == 1 {
                let amount: i64 = sqlx::query_scalar("SELECT amount_minor FROM refunds WHERE id = $1").bind(refund_id).fetch_one(&mut *tx).await?;
                let amount = Money::new(amount, order.amount.currency);
                let detail = EventDetail::Refund { amount };
                db::orders::insert_event_detail(tx, order.id, Actor::System, None, "refund_failed", Some(order.status), order.status, Some(&detail))
                    .await?;
                let merchant = db::collection::merchant_of_shop(tx, order.shop_id).await?;
                db::notifications::insert(tx, merchant, NotificationKind::RefundFailed, order.id, amount, None).await?;
            }
            Ok(Some(failures))
        })
    })
    .await?;
    if failures.is_some() {
        // Back-off for the worker's next try; staff see it after repeated failures.
        db::jobs::report_failure(pool, Job::Refund, refund_id, &format!("the provider refused the refund: {reason}")).await;
        tracing::warn!(refund_id, %reason, "refund failed; the worker tries again");
    }
    Ok(RefundStatus::Failed)
}

/// A provider callback about a refund: where it stands is asked, then booked.
pub async fn on_callback(pool: &PgPool, provider: &Provider, reference: &str) -> Result<(), Error> {
    let Some(refund_id) = db::refunds::by_reference(pool, reference).await? else {
        tracing::warn!(%reference, "callback for an unknown refund");
        return Ok(());
    };
    let outcome = provider.query_refund(reference).await;
    apply(pool, refund_id, outcome).await.map(|_| ())
}

// ---- The worker ----------------------------------------------------------------------------------

/// What one run of the after-sales jobs did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AfterSalesJobs {
    /// Requests the merchant did not answer in time, approved.
    pub auto_approved: usize,
    /// Returns nobody confirmed in time, taken as received.
    pub auto_received: usize,
    /// Refunds sent again that succeeded.
    pub refunded: usize,
    /// Items that failed (each logged and put in back-off).
    pub failed: usize,
}

/// At most this many items per job per run.
const BATCH: usize = 200;

/// The worker's after-sales jobs at `now`: overdue answers approved, overdue returns received,
/// failed or unfinished refunds sent again (pending ones untouched for `older_than_secs`).
pub async fn run_jobs(
    pool: &PgPool,
    provider: &Provider,
    settings: &AfterSalesSettings,
    now: OffsetDateTime,
    older_than_secs: f64,
) -> Result<AfterSalesJobs, Error> {
    let mut report = AfterSalesJobs::default();
    for (status, counter) in [(RequestStatus::AwaitingAnswer, 0), (RequestStatus::ReturnInTransit, 1)] {
        let mut failed = Vec::new();
        let mut done = 0;
        while done < BATCH {
            let mut tx = pool.begin().await?;
            let Some((request_id, order_id)) = db::refunds::claim_due_request(&mut tx, status, now, &failed).await? else { break };
            match overdue_one(&mut tx, request_id, order_id, now, settings).await {
                Ok(refund) => {
                    tx.commit().await?;
                    db::jobs::cleared(pool, Job::AfterSalesDeadline, request_id).await;
                    if let Some(id) = refund
                        && let Err(err) = send(pool, provider, id).await
                    {
                        tracing::warn!(refund_id = id, error = %err, "sending an auto-approved refund; the worker tries again");
                    }
                    done += 1;
                }
                Err(err) => {
                    let _ = tx.rollback().await;
                    db::jobs::report_failure(pool, Job::AfterSalesDeadline, request_id, &err).await;
                    failed.push(request_id);
                    report.failed += 1;
                }
            }
        }
        if counter == 0 {
            report.auto_approved = done;
        } else {
            report.auto_received = done;
        }
    }
    for id in db::refunds::to_retry(pool, older_than_secs, BATCH as i64).await? {
        match send(pool, provider, id).await {
            Ok(RefundStatus::Succeeded) => {
                db::jobs::cleared(pool, Job::Refund, id).await;
                report.refunded += 1;
            }
            Ok(_) => {}
            Err(err) => {
                db::jobs::report_failure(pool, Job::Refund, id, &err).await;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// One overdue request whose order the caller's claim locked: the request is read again under
/// that lock (someone may have answered it in between) and the deadline's consequence applied.
async fn overdue_one(
    tx: &mut PgConnection,
    request_id: i64,
    order_id: i64,
    now: OffsetDateTime,
    settings: &AfterSalesSettings,
) -> Result<Option<i64>, Error> {
    let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(not_found)?;
    let request = db::refunds::request(tx, order_id, request_id).await?.ok_or_else(request_not_found)?;
    let due: Option<OffsetDateTime> =
        sqlx::query_scalar("SELECT deadline FROM refund_requests WHERE id = $1").bind(request_id).fetch_one(&mut *tx).await?;
    if due.is_none_or(|d| d > now) {
        return Ok(None);
    }
    match request.status {
        RequestStatus::AwaitingAnswer => approve(tx, &order, &request, Actor::System, None, None, settings).await,
        RequestStatus::ReturnInTransit => receive(tx, &order, &request, Actor::System, None, settings).await,
        _ => Ok(None),
    }
}
