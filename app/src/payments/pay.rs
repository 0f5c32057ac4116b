//! Paying an order (server only). The attempt is recorded before the provider is called and
//! finished after, each in its own short transaction; the provider call sits between them,
//! outside any transaction. A crash in between leaves an attempt in "processing", which the
//! reconciler finishes by asking the provider (charges are idempotent by the attempt's key).

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::attempt::{AttemptEvent, AttemptStatus};
use super::ledger::payment_posting;
use super::provider::{ChargeOutcome, ChargeRequest, Provider, ProviderError, Token};
use super::PayResult;
use crate::accounts::domain::CurrentUser;
use crate::db;
use crate::db::payments::AttemptRow;
use crate::error::AppError;
use crate::collection::actions::{RequestState, can_still_pay};
use crate::notifications::NotificationKind;
use crate::orders::status::{Actor, OrderEvent, OrderStatus};

fn result_of(row: &AttemptRow) -> PayResult {
    PayResult {
        attempt_id: row.id,
        order_number: row.order_number.clone(),
        status: row.status,
        message: row.failure_reason.clone(),
        sandbox_code: None,
    }
}

/// The shopper pays their order with one of their methods. `key` is the idempotency key of
/// this "Pay" click: the same key replays the first result.
pub async fn pay(pool: &PgPool, provider: &Provider, shopper: &CurrentUser, number: &str, method_id: i64, key: &str) -> Result<PayResult, AppError> {
    let key = Uuid::parse_str(key.trim()).map_err(|_| AppError::BadRequest("the payment key is not valid; reload the page".into()))?;

    let mut tx = pool.begin().await?;
    let order_id = db::payments::shopper_order_id(&mut tx, shopper.id, number)
        .await?
        .ok_or_else(|| AppError::NotFound("The order".into()))?;
    // The order's row lock serialises every "Pay" of this order; only then is the key looked
    // up, so a concurrent request with the same key sees the first one's attempt.
    let order = db::orders::lock_order(&mut tx, order_id).await?.ok_or_else(|| AppError::NotFound("The order".into()))?;
    if let Some(existing) = db::payments::attempt_by_key(&mut tx, shopper.id, key).await? {
        if existing.order_number != number || existing.method_id != method_id {
            return Err(AppError::Conflict("This payment was already sent with other details. Reload the page and try again.".into()));
        }
        return Ok(result_of(&existing));
    }
    match order.status {
        OrderStatus::AwaitingPayment => {}
        OrderStatus::Cancelled => return Err(AppError::Conflict("This order was cancelled; it can no longer be paid.".into())),
        _ => return Err(AppError::Conflict("This order is already paid.".into())),
    }
    if !can_still_pay(order.due, OffsetDateTime::now_utc()) {
        return Err(AppError::Conflict("The payment deadline of this order has passed.".into()));
    }
    if db::collection::request_state(&mut tx, order.id).await?.0 == RequestState::Withdrawn {
        return Err(AppError::Conflict("The shop withdrew its payment request for this order; wait for a new one.".into()));
    }
    let token = db::payments::method_token(&mut tx, shopper.id, method_id)
        .await?
        .ok_or_else(|| AppError::field("method_id", "Choose one of your payment methods."))?;
    let payment_id = db::payments::upsert_payment(&mut tx, &order).await?;
    let Some(attempt_id) = db::payments::insert_attempt(&mut tx, payment_id, shopper.id, method_id, key, provider.name()).await? else {
        return Err(AppError::Conflict("A payment for this order is already in progress or done.".into()));
    };
    tx.commit().await?;

    // The provider call: outside any transaction, idempotent by the attempt's key.
    let request = ChargeRequest { token: Token(token), amount: order.amount, idempotency_key: key.to_string() };
    let outcome = match provider.charge(request).await {
        Ok(outcome) => outcome,
        Err(ProviderError::Declined(reason)) => ChargeOutcome::Declined { reference: String::new(), reason },
        Err(err) => {
            // Unknown outcome: the attempt stays "processing" and the reconciler asks again.
            tracing::warn!(attempt_id, error = %err, "charge outcome unknown");
            return Ok(PayResult { attempt_id, order_number: number.into(), status: AttemptStatus::Processing, message: None, sandbox_code: None });
        }
    };
    finish(pool, provider, attempt_id, outcome, Actor::Shopper, Some(shopper.id)).await
}

/// The shopper answers a verification step with the one-time code.
pub async fn verify(pool: &PgPool, provider: &Provider, shopper: &CurrentUser, attempt_id: i64, code: &str) -> Result<PayResult, AppError> {
    let mut conn = pool.acquire().await?;
    let attempt = db::payments::attempt_by_id(&mut conn, attempt_id, false)
        .await?
        .filter(|a| a.shopper_id == shopper.id)
        .ok_or_else(|| AppError::NotFound("The payment".into()))?;
    drop(conn);
    if attempt.status != AttemptStatus::RequiresVerification {
        return Ok(result_of(&attempt));
    }
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::field("code", "Enter the 6-digit code."));
    }
    let reference = attempt.reference.clone().unwrap_or_default();
    let outcome = match provider.verify(&reference, code).await {
        Ok(outcome) => outcome,
        Err(ProviderError::Declined(reason)) => return Err(AppError::field("code", reason.message())),
        Err(err) => return Err(err.into()),
    };
    finish(pool, provider, attempt_id, outcome, Actor::Shopper, Some(shopper.id)).await
}

/// Applies a provider outcome to an attempt, in one transaction: the attempt's new status,
/// and on success the order turning paid, its event and the ledger posting. Finishing an
/// attempt that is already final changes nothing (a late or repeated callback).
pub async fn finish(pool: &PgPool, provider: &Provider, attempt_id: i64, outcome: ChargeOutcome, actor: Actor, actor_id: Option<i64>) -> Result<PayResult, AppError> {
    let mut tx = pool.begin().await?;
    // Locks are always taken order first, then attempt (as `pay` does): no deadlocks.
    let order_id = db::payments::attempt_by_id(&mut tx, attempt_id, false).await?.ok_or_else(|| AppError::NotFound("The payment".into()))?.order_id;
    let order = db::orders::lock_order(&mut tx, order_id).await?.ok_or_else(|| AppError::internal("order vanished"))?;
    let attempt = db::payments::attempt_by_id(&mut tx, attempt_id, true).await?.ok_or_else(|| AppError::NotFound("The payment".into()))?;
    if attempt.status.is_final() {
        return Ok(result_of(&attempt));
    }
    let (event, reference, reason) = match &outcome {
        ChargeOutcome::Succeeded { reference } => (AttemptEvent::Succeed, reference.as_str(), None),
        ChargeOutcome::RequiresVerification { reference } => (AttemptEvent::AskVerification, reference.as_str(), None),
        ChargeOutcome::Processing { reference } => (AttemptEvent::StillProcessing, reference.as_str(), None),
        ChargeOutcome::Declined { reference, reason } => (AttemptEvent::Fail, reference.as_str(), Some(reason.message())),
    };
    let status = attempt.status.apply(event).map_err(AppError::internal)?;
    let reference = (!reference.is_empty()).then_some(reference);
    db::payments::update_attempt(&mut tx, attempt_id, status, reference, reason).await?;

    if status == AttemptStatus::Succeeded {
        match order.status.apply(OrderEvent::Pay) {
            Ok(paid) => {
                let merchant = db::orders::set_paid(&mut tx, order.id, paid).await?;
                db::collection::close_request(&mut tx, order.id, "paid").await?;
                db::orders::insert_event(&mut tx, order.id, actor, actor_id, OrderEvent::Pay.name(), Some(order.status), paid).await?;
                db::notifications::insert(&mut tx, merchant, NotificationKind::PaymentReceived, order.id, order.amount, None).await?;
            }
            Err(err) => {
                // Money arrived for an order that can no longer take it (e.g. cancelled in the
                // meantime): recorded and posted, and flagged for support to refund.
                tracing::error!(order_id = order.id, attempt_id, error = %err, "payment succeeded for an order that cannot be paid");
            }
        }
        let entries = payment_posting(order.amount, attempt.shopper_id, order.shop_id);
        db::payments::post(&mut tx, "payment", Some(attempt_id), order.id, order.amount.currency, &entries).await?;
    }
    tx.commit().await?;
    tracing::info!(attempt_id, status = status.as_str(), provider = provider.name(), "payment attempt updated");

    let mut result = PayResult {
        attempt_id,
        order_number: attempt.order_number,
        status,
        message: reason.map(str::to_string),
        sandbox_code: None,
    };
    if status == AttemptStatus::RequiresVerification {
        result.sandbox_code = sandbox_code(pool, provider, reference).await;
    }
    Ok(result)
}

/// In sandbox mode, the code "sent to the shopper's phone" is shown on the pay page.
async fn sandbox_code(pool: &PgPool, provider: &Provider, reference: Option<&str>) -> Option<String> {
    if provider.name() != "sandbox" {
        return None;
    }
    let sandbox = super::provider::sandbox::Sandbox::new(pool.clone(), None);
    sandbox.verification_code(reference?).await.ok().flatten()
}

/// A provider callback about `reference`: the current state is fetched from the provider (a
/// callback may repeat or arrive out of order) and applied.
pub async fn on_callback(pool: &PgPool, provider: &Provider, reference: &str) -> Result<(), AppError> {
    let Some(attempt_id) = db::payments::attempt_by_reference(pool, provider.name(), reference).await? else {
        tracing::warn!(%reference, "callback for an unknown charge");
        return Ok(());
    };
    let outcome = provider.query(reference).await?;
    finish(pool, provider, attempt_id, outcome, Actor::System, None).await.map(|_| ())
}

/// Finishes attempts left in "processing" (a crash, a lost callback). Rows are claimed with
/// `FOR UPDATE SKIP LOCKED` while the provider is asked, so instances running this at once
/// split the work; finishing is idempotent, so a row seen twice is harmless.
pub async fn reconcile(pool: &PgPool, provider: &Provider, older_than_secs: f64) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let ids = db::payments::claim_stale_attempts(&mut tx, older_than_secs, 50).await?;
    let mut outcomes = Vec::new();
    for id in ids {
        let Some(attempt) = db::payments::attempt_by_id(&mut tx, id, false).await? else { continue };
        let outcome = match &attempt.reference {
            Some(reference) => provider.query(reference).await,
            None => {
                // The provider may or may not have seen the charge: asking again with the same
                // key returns the first charge, or makes it now.
                let (token, amount) = db::payments::token_of_attempt(pool, id).await?;
                provider.charge(ChargeRequest { token: Token(token), amount, idempotency_key: attempt.key.to_string() }).await
            }
        };
        match outcome {
            Ok(o) => outcomes.push((id, o)),
            Err(ProviderError::Declined(reason)) => outcomes.push((id, ChargeOutcome::Declined { reference: String::new(), reason })),
            Err(err) => tracing::warn!(attempt_id = id, error = %err, "reconcile: the provider did not answer"),
        }
    }
    tx.commit().await?;
    let mut finished = 0;
    for (id, outcome) in outcomes {
        let result = finish(pool, provider, id, outcome, Actor::System, None).await?;
        if result.status.is_final() {
            finished += 1;
        }
    }
    Ok(finished)
}
