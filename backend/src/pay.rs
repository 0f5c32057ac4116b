//! Paying an order (server only). The attempt is recorded before the provider is called and
//! finished after, each in its own short transaction; the provider call sits between them,
//! outside any transaction. A crash in between leaves an attempt in "processing", which the
//! reconciler finishes by asking the provider (charges are idempotent by the attempt's key).
//!
//! The invariant kept here, and checked again by the schema at every commit: **paid orders =
//! succeeded attempts = payment postings**, and what shops are owed equals what paid orders are
//! worth. Three rules hold it:
//! - an order can only stop being payable through `orders::close_unpaid` /
//!   `refuse_if_paying`, which refuse while a payment is in flight;
//! - an attempt only succeeds together with its order turning paid and its posting (`finish`);
//! - money that still arrives for an order that cannot take it (a charge the provider
//!   completed after Paydesk gave up on it) is never booked as a payment: it is recorded as an
//!   unexpected charge, held in the platform's suspense account, shown to both sides and to
//!   staff, and sent back through the provider exactly once — as a refund (`refunds`), the same
//!   path as every other refund, with its retries.

use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Error;
use crate::db;
use crate::db::jobs::Job;
use crate::db::orders::LockedOrder;
use crate::db::payments::AttemptRow;
use crate::provider::{ChargeOutcome, ChargeRequest, DeclineReason, Provider, ProviderError, Token};
use domain::Message;
use domain::accounts::CurrentUser;
use domain::checkout::OrderSettings;
use domain::collection::{RequestState, can_still_pay};
use domain::notifications::NotificationKind;
use domain::orders::{Actor, EventDetail, OrderEvent, OrderStatus};
use domain::payments::attempt::{AttemptEvent, AttemptStatus};
use domain::payments::ledger::{payment_posting, unexpected_charge_posting};
use domain::payments::{PayPageInfo, PayResult};
use domain::refunds::RefundStatus;

/// Codes one attempt may be tried with.
pub const MAX_CODE_TRIES: i32 = 5;
/// Wrong codes one shopper may enter across all their attempts within [`WRONG_CODE_WINDOW_SECS`].
pub const MAX_WRONG_CODES_PER_SHOPPER: i64 = 10;
pub const WRONG_CODE_WINDOW_SECS: i64 = 15 * 60;
/// A new verification code may be asked for this long after the last one was sent.
pub const NEW_CODE_AFTER_SECS: i64 = 30;
/// A verification step never outlives the order's deadline by more than this.
const VERIFICATION_GRACE: Duration = Duration::minutes(2);

/// The idempotency key the provider sees for an attempt: derived from the attempt, never from
/// what a client sent, so two shoppers' keys can never meet at the provider. The same attempt
/// always sends the same key, so asking again (the reconciler) is the same charge.
pub fn provider_key(attempt_id: i64) -> String {
    format!("paydesk-attempt-{attempt_id}")
}

/// An attempt as its shopper sees it (the sandbox's code is only ever in the answer that
/// started the verification step).
pub fn result_of(row: &AttemptRow) -> PayResult {
    PayResult {
        attempt_id: row.id,
        order_number: row.order_number.clone(),
        status: row.status,
        reason: row.failure_reason.as_deref().and_then(DeclineReason::parse),
        sandbox_code: None,
        tries_left: tries_left(row),
        verification_expires_at: (row.status == AttemptStatus::RequiresVerification).then_some(row.verification_expires_at).flatten(),
        method: None,
    }
}

fn tries_left(row: &AttemptRow) -> Option<u8> {
    (row.status == AttemptStatus::RequiresVerification).then(|| (MAX_CODE_TRIES - row.code_tries).clamp(0, MAX_CODE_TRIES) as u8)
}

/// The pay page of the shopper's own order: what is being paid for (the shop, the lines, the
/// total), their methods, the latest attempt with the method it pays with, and a fresh key
/// for the next "Pay". Someone else's order is "not found".
pub async fn page(pool: &PgPool, shopper: &CurrentUser, number: &str) -> Result<PayPageInfo, Error> {
    let not_found = || Error::NotFound("The order".into());
    let (order_id, shop_id) = db::payments::shopper_order_shop(pool, shopper.id, number).await?.ok_or_else(not_found)?;
    let order = db::orders::shopper_order(pool, shopper.id, number).await?.ok_or_else(not_found)?;
    let methods = db::payment_methods::list(pool, shopper.id).await?;
    let latest = match db::payments::latest_attempt(pool, order_id).await? {
        Some(row) => Some(PayResult { method: db::payments::attempt_method(pool, row.id).await?, ..result_of(&row) }),
        None => None,
    };
    Ok(PayPageInfo { order: order.summary, shop_id, lines: order.lines, methods, latest, idempotency_key: Uuid::new_v4().to_string() })
}

/// The shopper pays their order with one of their methods. `key` is the idempotency key of
/// this "Pay" click: the same key replays the first result.
pub async fn pay(
    pool: &PgPool,
    provider: &Provider,
    settings: &OrderSettings,
    shopper: &CurrentUser,
    number: &str,
    method_id: i64,
    key: &str,
) -> Result<PayResult, Error> {
    let key = Uuid::parse_str(key.trim()).map_err(|_| Error::BadRequest("the payment key is not valid; reload the page".into()))?;

    let mut tx = pool.begin().await?;
    let started = start_attempt(&mut tx, provider, shopper, number, method_id, key).await;
    let (order, attempt_id, token) = match started {
        Ok(Started::New { order, attempt_id, token }) => (order, attempt_id, token),
        Ok(Started::Replay(result)) => return Ok(result),
        Err(refused) => {
            let _ = tx.rollback().await;
            return Err(refused);
        }
    };
    tx.commit().await?;

    // The provider call: outside any transaction, idempotent by the attempt's own key.
    let request = ChargeRequest { token: Token(token), amount: order.amount, idempotency_key: provider_key(attempt_id) };
    let outcome = match provider.charge(request).await {
        Ok(outcome) => outcome,
        Err(ProviderError::Declined(reason)) => ChargeOutcome::Declined { reference: String::new(), reason },
        Err(err) => {
            // Unknown outcome: the attempt stays "processing" and the reconciler asks again.
            tracing::warn!(attempt_id, error = %err, "charge outcome unknown");
            return Ok(PayResult {
                attempt_id,
                order_number: number.into(),
                status: AttemptStatus::Processing,
                reason: None,
                sandbox_code: None,
                tries_left: None,
                verification_expires_at: None,
                method: None,
            });
        }
    };
    finish(pool, provider, settings, Paying { order_id: order.id, attempt_id }, outcome, Actor::Shopper, Some(shopper.id)).await
}

enum Started {
    New { order: LockedOrder, attempt_id: i64, token: String },
    Replay(PayResult),
}

/// Checks that the order can be paid now and records the attempt, under the order's row lock.
async fn start_attempt(
    tx: &mut PgConnection,
    provider: &Provider,
    shopper: &CurrentUser,
    number: &str,
    method_id: i64,
    key: Uuid,
) -> Result<Started, Error> {
    let order_id = db::payments::shopper_order_id(tx, shopper.id, number).await?.ok_or_else(|| Error::NotFound("The order".into()))?;
    // The order's row lock serialises every "Pay" of this order and every change that would end
    // its chance to be paid; only then is the key looked up, so a concurrent request with the
    // same key sees the first one's attempt.
    let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(|| Error::NotFound("The order".into()))?;
    if let Some(existing) = db::payments::attempt_by_key(tx, shopper.id, key).await? {
        if existing.order_number != number || existing.method_id != method_id {
            return Err(Error::Conflict(Message::PaymentSentWithOtherDetails));
        }
        return Ok(Started::Replay(result_of(&existing)));
    }
    match order.status {
        OrderStatus::AwaitingPayment => {}
        OrderStatus::Cancelled => return Err(Error::Conflict(Message::OrderCancelledCannotPay)),
        OrderStatus::CodToShip | OrderStatus::CodShipped => {
            return Err(Error::Conflict(Message::OrderIsCashOnDelivery));
        }
        _ => return Err(Error::Conflict(Message::OrderAlreadyPaid)),
    }
    if !can_still_pay(order.due, crate::clock::now(&mut *tx).await?) {
        return Err(Error::Conflict(Message::PaymentDeadlinePassed));
    }
    if db::collection::request_state(tx, order.id).await?.0 == RequestState::Withdrawn {
        return Err(Error::Conflict(Message::PaymentRequestWithdrawn));
    }
    let token =
        db::payments::method_token(tx, shopper.id, method_id).await?.ok_or_else(|| Error::field("method_id", Message::ChoosePaymentMethod))?;
    let payment_id = db::payments::upsert_payment(tx, &order).await?;
    let Some(attempt_id) = db::payments::insert_attempt(tx, payment_id, shopper.id, method_id, key, provider.name()).await? else {
        return Err(Error::Conflict(Message::PaymentAlreadyUnderway));
    };
    Ok(Started::New { order, attempt_id, token })
}

/// The shopper's own attempt, or "not found".
async fn own_attempt(pool: &PgPool, shopper: &CurrentUser, attempt_id: i64) -> Result<AttemptRow, Error> {
    let mut conn = pool.acquire().await?;
    db::payments::attempt_by_id(&mut conn, attempt_id, false)
        .await?
        .filter(|a| a.shopper_id == shopper.id)
        .ok_or_else(|| Error::NotFound("The payment".into()))
}

/// The shopper answers a verification step with the one-time code. At most
/// [`MAX_CODE_TRIES`] codes per attempt reach the provider (each try is counted before it is
/// sent); the last wrong one stops the attempt. A shopper who keeps entering wrong codes is
/// throttled across attempts too.
pub async fn verify(
    pool: &PgPool,
    provider: &Provider,
    settings: &OrderSettings,
    shopper: &CurrentUser,
    attempt_id: i64,
    code: &str,
) -> Result<PayResult, Error> {
    let attempt = own_attempt(pool, shopper, attempt_id).await?;
    if attempt.status != AttemptStatus::RequiresVerification {
        return Ok(result_of(&attempt));
    }
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::field("code", Message::EnterSixDigitCode));
    }
    let now = crate::clock::now(pool).await?;
    if attempt.verification_expires_at.is_some_and(|at| at <= now) {
        return give_up(pool, provider, settings, attempt_id, DeclineReason::VerificationExpired, Actor::System, None).await;
    }
    let (wrong, oldest) = db::payments::recent_wrong_codes(pool, shopper.id, WRONG_CODE_WINDOW_SECS).await?;
    if wrong >= MAX_WRONG_CODES_PER_SHOPPER {
        let wait =
            oldest.map_or(WRONG_CODE_WINDOW_SECS, |o| (o + Duration::seconds(WRONG_CODE_WINDOW_SECS) - OffsetDateTime::now_utc()).whole_seconds());
        return Err(Error::RateLimited(wait.max(1) as u64));
    }
    let Some(tries) = db::payments::take_code_try(pool, attempt_id, MAX_CODE_TRIES).await? else {
        // No try left, or the attempt ended meanwhile: answer where it stands.
        return Ok(result_of(&own_attempt(pool, shopper, attempt_id).await?));
    };
    // Counted against the shopper before the provider sees it, taken back only when the code
    // proves right: a guess whose answer is lost (the attempt stopped meanwhile, as when several
    // are sent at once) still counts.
    let guess = db::payments::record_guess(pool, shopper.id).await?;
    let reference = attempt.reference.clone().unwrap_or_default();
    match provider.verify(&reference, code).await {
        Ok(outcome) => {
            if matches!(outcome, ChargeOutcome::Succeeded { .. } | ChargeOutcome::Processing { .. }) {
                db::payments::forget_guess(pool, guess).await?;
            }
            finish(pool, provider, settings, Paying::of(&attempt), outcome, Actor::Shopper, Some(shopper.id)).await
        }
        Err(ProviderError::Declined(DeclineReason::IncorrectCode)) => {
            let left = MAX_CODE_TRIES - tries;
            if left <= 0 {
                tracing::info!(attempt_id, "too many wrong verification codes: attempt stopped");
                return give_up(pool, provider, settings, attempt_id, DeclineReason::TooManyWrongCodes, Actor::Shopper, Some(shopper.id)).await;
            }
            Err(Error::field("code", Message::WrongCode { tries_left: left as u32 }))
        }
        Err(ProviderError::Declined(reason)) => Err(Error::field("code", Message::Declined { reason })),
        Err(err) => {
            // The provider did not judge the code: neither the try nor the guess counts.
            db::payments::give_back_code_try(pool, attempt_id).await?;
            db::payments::forget_guess(pool, guess).await?;
            Err(err.into())
        }
    }
}

/// The shopper asks for a new verification code ("Send a new code") for their own attempt
/// that waits for one: the provider sends a fresh code (the old one stops working), and the
/// step starts again — a new time limit, all its tries. At most one new code per
/// [`NEW_CODE_AFTER_SECS`]: the claim is one statement on the attempt's row, so a double click
/// or two tabs send one code; the provider is called outside any transaction. Guessing stays
/// bounded by the shopper's wrong-code throttle, which a new code does not reset.
pub async fn resend_code(
    pool: &PgPool,
    provider: &Provider,
    settings: &OrderSettings,
    shopper: &CurrentUser,
    attempt_id: i64,
) -> Result<PayResult, Error> {
    let attempt = own_attempt(pool, shopper, attempt_id).await?;
    if attempt.status != AttemptStatus::RequiresVerification {
        return Err(Error::Conflict(Message::CodeNoLongerAwaited));
    }
    let now = crate::clock::now(pool).await?;
    if attempt.verification_expires_at.is_some_and(|at| at <= now) {
        // Too late for any code: the step ends now rather than at the worker's next run.
        return give_up(pool, provider, settings, attempt_id, DeclineReason::VerificationExpired, Actor::System, None).await;
    }
    let Some(claimed_at) = db::payments::claim_new_code(pool, attempt_id, NEW_CODE_AFTER_SECS).await? else {
        return Err(Error::Conflict(match db::payments::new_code_wait(pool, attempt_id, NEW_CODE_AFTER_SECS).await? {
            Some(wait) => Message::NewCodeTooSoon { seconds: wait.clamp(1, NEW_CODE_AFTER_SECS) as u32 },
            None => Message::CodeNoLongerAwaited,
        }));
    };
    let Some(reference) = attempt.reference.as_deref() else {
        return Err(Error::internal(format!("attempt {attempt_id} waits for a code without a provider reference")));
    };
    let outcome = match provider.resend_code(reference).await {
        Ok(outcome) => outcome,
        Err(err) => {
            // No code was sent: the shopper may ask again at once.
            db::payments::release_new_code(pool, attempt_id, claimed_at, NEW_CODE_AFTER_SECS).await?;
            return Err(err.into());
        }
    };
    let ChargeOutcome::RequiresVerification { test_code, .. } = outcome else {
        // The charge completed or ended meanwhile (a callback not yet heard): finish it so.
        return finish(pool, provider, settings, Paying::of(&attempt), outcome, Actor::Shopper, Some(shopper.id)).await;
    };
    let mut tx = pool.begin().await?;
    let restarted = restart_step(&mut tx, settings, Paying::of(&attempt)).await;
    let attempt = match restarted {
        Ok(Some(attempt)) => attempt,
        Ok(None) => {
            // It ended while the code was on its way (abandoned, verified in another tab).
            tx.rollback().await?;
            return Err(Error::Conflict(Message::CodeNoLongerAwaited));
        }
        Err(err) => {
            let _ = tx.rollback().await;
            return Err(err);
        }
    };
    tx.commit().await?;
    tracing::info!(attempt_id, provider = provider.name(), "new verification code sent");
    let method = db::payments::attempt_method(pool, attempt_id).await?;
    Ok(PayResult { sandbox_code: test_code, method, ..result_of(&attempt) })
}

/// The transactional part of [`resend_code`]: under the order's lock, then the attempt's (as
/// `finish` takes them), an attempt still waiting for its code gets its new time limit and
/// all its tries back. `None` when it no longer waits.
async fn restart_step(tx: &mut PgConnection, settings: &OrderSettings, Paying { order_id, attempt_id }: Paying) -> Result<Option<AttemptRow>, Error> {
    let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(|| Error::internal("order vanished"))?;
    let attempt = db::payments::attempt_by_id(tx, attempt_id, true).await?.ok_or_else(|| Error::NotFound("The payment".into()))?;
    if attempt.status != AttemptStatus::RequiresVerification {
        return Ok(None);
    }
    let expires = verification_deadline(crate::clock::now(&mut *tx).await?, order.due, settings);
    if !db::payments::restart_verification(tx, attempt_id, expires).await? {
        return Ok(None);
    }
    Ok(Some(AttemptRow { verification_expires_at: Some(expires), code_tries: 0, ..attempt }))
}

/// The shopper stops a payment that waits for its code ("Use another method"): the provider
/// is told to cancel it, and the order can then be paid with another method.
pub async fn abandon(
    pool: &PgPool,
    provider: &Provider,
    settings: &OrderSettings,
    shopper: &CurrentUser,
    attempt_id: i64,
) -> Result<PayResult, Error> {
    let attempt = own_attempt(pool, shopper, attempt_id).await?;
    if attempt.status != AttemptStatus::RequiresVerification {
        return Ok(result_of(&attempt));
    }
    give_up(pool, provider, settings, attempt_id, DeclineReason::ShopperChoseAnotherMethod, Actor::Shopper, Some(shopper.id)).await
}

/// Gives up on an attempt that waits for its code: the provider cancels the charge first (no
/// lock held meanwhile), then the answer is applied. If the charge had completed after all,
/// it is finished as the success it is.
async fn give_up(
    pool: &PgPool,
    provider: &Provider,
    settings: &OrderSettings,
    attempt_id: i64,
    why: DeclineReason,
    actor: Actor,
    actor_id: Option<i64>,
) -> Result<PayResult, Error> {
    let mut conn = pool.acquire().await?;
    let attempt = db::payments::attempt_by_id(&mut conn, attempt_id, false).await?.ok_or_else(|| Error::NotFound("The payment".into()))?;
    drop(conn);
    let outcome = match attempt.reference.as_deref() {
        Some(reference) => match provider.cancel(reference).await? {
            ChargeOutcome::Declined { reference, .. } => ChargeOutcome::Declined { reference, reason: why },
            other => other,
        },
        None => ChargeOutcome::Declined { reference: String::new(), reason: why },
    };
    finish(pool, provider, settings, Paying::of(&attempt), outcome, actor, actor_id).await
}

/// An attempt and the order it pays: what finishing it locks, the order first. Every caller
/// has read the attempt already, so finishing does not look its order up again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paying {
    pub order_id: i64,
    pub attempt_id: i64,
}

impl Paying {
    fn of(attempt: &AttemptRow) -> Paying {
        Paying { order_id: attempt.order_id, attempt_id: attempt.id }
    }
}

/// Applies a provider outcome to an attempt, in one transaction: the attempt's new status,
/// and on success the order turning paid, its event and the ledger posting. Finishing an
/// attempt that is already final changes nothing (a late or repeated callback) — unless the
/// provider reports money taken for an attempt Paydesk had given up on: that is an unexpected
/// charge, sent back.
pub async fn finish(
    pool: &PgPool,
    provider: &Provider,
    settings: &OrderSettings,
    paying: Paying,
    outcome: ChargeOutcome,
    actor: Actor,
    actor_id: Option<i64>,
) -> Result<PayResult, Error> {
    let attempt_id = paying.attempt_id;
    let mut tx = pool.begin().await?;
    let applied = apply_outcome(&mut tx, settings, paying, &outcome, actor, actor_id).await;
    let (mut result, unexpected) = match applied {
        Ok(done) => done,
        Err(err) => {
            let _ = tx.rollback().await;
            return Err(err);
        }
    };
    tx.commit().await?;
    tracing::info!(attempt_id, status = result.status.as_str(), provider = provider.name(), "payment attempt updated");
    if unexpected {
        // Sent back now, outside the transaction; the worker retries if the provider fails.
        if let Err(err) = refund_unexpected(pool, provider, attempt_id).await {
            db::jobs::report_failure(pool, Job::UnexpectedRefund, attempt_id, &err).await;
        }
    }
    if let ChargeOutcome::RequiresVerification { test_code, .. } = &outcome {
        result.sandbox_code = test_code.clone();
    }
    Ok(result)
}

/// The transactional part of [`finish`]. Returns the result and whether an unexpected charge
/// was recorded now.
async fn apply_outcome(
    tx: &mut PgConnection,
    settings: &OrderSettings,
    Paying { order_id, attempt_id }: Paying,
    outcome: &ChargeOutcome,
    actor: Actor,
    actor_id: Option<i64>,
) -> Result<(PayResult, bool), Error> {
    // Locks are always taken order first, then attempt (as `pay` does): no deadlocks.
    let order = db::orders::lock_order(tx, order_id).await?.ok_or_else(|| Error::internal("order vanished"))?;
    let attempt = db::payments::attempt_by_id(tx, attempt_id, true).await?.ok_or_else(|| Error::NotFound("The payment".into()))?;
    let (event, reference, reason) = match outcome {
        ChargeOutcome::Succeeded { reference } => (AttemptEvent::Succeed, reference.as_str(), None),
        ChargeOutcome::RequiresVerification { reference, .. } => (AttemptEvent::AskVerification, reference.as_str(), None),
        ChargeOutcome::Processing { reference } => (AttemptEvent::StillProcessing, reference.as_str(), None),
        ChargeOutcome::Declined { reference, reason } => (AttemptEvent::Fail, reference.as_str(), Some(reason.code())),
    };
    let reference = (!reference.is_empty()).then_some(reference);
    if attempt.status.is_final() {
        // Money for an attempt given up on (timed out, abandoned, too many codes): the provider
        // completed it anyway.
        let unexpected = attempt.status == AttemptStatus::Failed
            && event == AttemptEvent::Succeed
            && record_unexpected(tx, &order, &attempt, reference.unwrap_or_default()).await?;
        return Ok((result_of(&attempt), unexpected));
    }
    let status = attempt.status.apply(event).map_err(Error::internal)?;
    let mut result = PayResult {
        attempt_id,
        order_number: attempt.order_number.clone(),
        status,
        reason: reason.and_then(DeclineReason::parse),
        sandbox_code: None,
        tries_left: None,
        verification_expires_at: None,
        method: None,
    };
    let mut unexpected = false;
    match status {
        AttemptStatus::Succeeded => match order.status.apply(OrderEvent::Pay) {
            Ok(paid) => {
                db::payments::update_attempt(tx, attempt_id, status, reference, None, None).await?;
                book_payment(tx, &order, &attempt, paid, actor, actor_id).await?;
            }
            Err(_) => {
                // The order can no longer take money (it cannot happen through Paydesk's own
                // paths, which refuse to close an order while its payment is in flight; a
                // provider may still do it). Never booked as a payment.
                let why = DeclineReason::OrderClosed;
                db::payments::update_attempt(tx, attempt_id, AttemptStatus::Failed, reference, Some(why.code()), None).await?;
                unexpected = record_unexpected(tx, &order, &attempt, reference.unwrap_or_default()).await?;
                result.status = AttemptStatus::Failed;
                result.reason = Some(why);
            }
        },
        AttemptStatus::RequiresVerification => {
            let expires = verification_deadline(crate::clock::now(&mut *tx).await?, order.due, settings);
            db::payments::update_attempt(tx, attempt_id, status, reference, None, Some(expires)).await?;
            result.verification_expires_at = Some(attempt.verification_expires_at.unwrap_or(expires));
            result.tries_left = Some((MAX_CODE_TRIES - attempt.code_tries).clamp(0, MAX_CODE_TRIES) as u8);
        }
        _ => db::payments::update_attempt(tx, attempt_id, status, reference, reason, None).await?,
    }
    Ok((result, unexpected))
}

/// When a verification step that starts at `now` times out.
pub fn verification_deadline(now: OffsetDateTime, order_due: OffsetDateTime, settings: &OrderSettings) -> OffsetDateTime {
    (now + Duration::minutes(settings.verification_timeout_minutes)).min(order_due + VERIFICATION_GRACE).max(now)
}

/// The order turns paid, with its event, the merchant's notification and the payment posting.
async fn book_payment(
    tx: &mut PgConnection,
    order: &LockedOrder,
    attempt: &AttemptRow,
    paid: OrderStatus,
    actor: Actor,
    actor_id: Option<i64>,
) -> Result<(), Error> {
    let merchant = db::orders::set_paid(tx, order.id, paid).await?;
    db::collection::close_request(tx, order.id, "paid").await?;
    db::orders::insert_event(tx, order.id, actor, actor_id, OrderEvent::Pay.name(), Some(order.status), paid).await?;
    db::notifications::insert(tx, merchant, NotificationKind::PaymentReceived, order.id, order.amount, None).await?;
    let entries = payment_posting(order.amount, attempt.shopper_id, order.shop_id);
    db::payments::post(tx, "payment", Some(attempt.id), order.id, order.amount.currency, &entries).await?;
    Ok(())
}

/// Records an unexpected charge once per attempt: held in suspense (never credited to the
/// shop), an event on the order that both sides see, and a ticket in the staff queue. `false`
/// when it was recorded before.
async fn record_unexpected(tx: &mut PgConnection, order: &LockedOrder, attempt: &AttemptRow, reference: &str) -> Result<bool, Error> {
    let reference = if reference.is_empty() { attempt.reference.as_deref().unwrap_or_default() } else { reference };
    if !db::payments::insert_unexpected(tx, attempt.id, order.id, order.amount, reference).await? {
        return Ok(false);
    }
    tracing::error!(order_id = order.id, attempt_id = attempt.id, "money arrived for an order that cannot take it; refunding");
    let entries = unexpected_charge_posting(order.amount, attempt.shopper_id);
    db::payments::post(tx, "unexpected_charge", Some(attempt.id), order.id, order.amount.currency, &entries).await?;
    let detail = EventDetail::UnexpectedCharge { amount: order.amount };
    db::orders::insert_event_detail(tx, order.id, Actor::System, None, "unexpected_charge", Some(order.status), order.status, Some(&detail)).await?;
    let body = format!(
        "Paydesk received {} for order {} (payment attempt {}) after the order could no longer be paid. \
         The money is held in the platform's suspense account and is being refunded to the shopper automatically.",
        order.amount, order.number, attempt.id
    );
    db::support::insert_system_ticket(tx, attempt.shopper_id, domain::support::TicketCategory::UnexpectedCharge, order.id, attempt.id, &body).await?;
    // Sent back as a refund like any other: recorded here, sent after the commit, retried.
    crate::refunds::record_unexpected_refund(tx, order.id, attempt.id, order.amount).await?;
    Ok(true)
}

/// Sends an unexpected charge back: its refund (recorded with the charge) goes to the provider,
/// idempotent by the refund's key, and is booked once (`refunds::send`). `true` when the money
/// is back now.
pub async fn refund_unexpected(pool: &PgPool, provider: &Provider, attempt_id: i64) -> Result<bool, Error> {
    let Some(refund_id) = db::refunds::of_attempt(pool, attempt_id).await? else {
        return Ok(false);
    };
    Ok(crate::refunds::send(pool, provider, refund_id).await? == RefundStatus::Succeeded)
}

/// A provider callback about `reference`: the current state is fetched from the provider (a
/// callback may repeat or arrive out of order) and applied.
pub async fn on_callback(pool: &PgPool, provider: &Provider, settings: &OrderSettings, reference: &str) -> Result<(), Error> {
    let Some((attempt_id, order_id)) = db::payments::attempt_by_reference(pool, provider.name(), reference).await? else {
        tracing::warn!(%reference, "callback for an unknown charge");
        return Ok(());
    };
    let outcome = provider.query(reference).await?;
    finish(pool, provider, settings, Paying { order_id, attempt_id }, outcome, Actor::System, None).await.map(|_| ())
}

/// What one run of the payment jobs did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PaymentJobs {
    /// Attempts left processing that are now final.
    pub finished: usize,
    /// Verification steps that timed out.
    pub timed_out: usize,
    /// Unexpected charges sent back.
    pub refunded: usize,
    /// Items that failed (each logged and put in back-off).
    pub failed: usize,
}

/// The worker's payment jobs, each item on its own: attempts left processing are asked about
/// (a crash, a lost callback), verification steps past their time are stopped, and unexpected
/// charges whose refund failed are sent back again.
pub async fn run_jobs(
    pool: &PgPool,
    provider: &Provider,
    settings: &OrderSettings,
    now: OffsetDateTime,
    older_than_secs: f64,
) -> Result<PaymentJobs, Error> {
    let mut report = PaymentJobs { finished: reconcile(pool, provider, settings, older_than_secs).await?, ..Default::default() };
    for id in db::payments::verifications_due(pool, now, 50).await? {
        match give_up(pool, provider, settings, id, DeclineReason::VerificationExpired, Actor::System, None).await {
            Ok(r) => {
                report.timed_out += usize::from(r.status == AttemptStatus::Failed);
                db::jobs::cleared(pool, Job::VerificationTimeout, id).await;
            }
            Err(err) => {
                report.failed += 1;
                db::jobs::report_failure(pool, Job::VerificationTimeout, id, &err).await;
            }
        }
    }
    for id in db::payments::unexpected_to_refund(pool, older_than_secs, 50).await? {
        match refund_unexpected(pool, provider, id).await {
            Ok(done) => {
                report.refunded += usize::from(done);
                db::jobs::cleared(pool, Job::UnexpectedRefund, id).await;
            }
            Err(err) => {
                report.failed += 1;
                db::jobs::report_failure(pool, Job::UnexpectedRefund, id, &err).await;
            }
        }
    }
    Ok(report)
}

/// Finishes attempts left in "processing" for longer than `older_than_secs`; returns how many
/// are now final. (The reconciling part of [`run_jobs`].)
pub async fn reconcile(pool: &PgPool, provider: &Provider, settings: &OrderSettings, older_than_secs: f64) -> Result<usize, Error> {
    let mut finished = 0;
    for id in db::payments::lease_stale_attempts(pool, older_than_secs, 50).await? {
        match reconcile_one(pool, provider, settings, id).await {
            Ok(done) => {
                finished += usize::from(done);
                db::jobs::cleared(pool, Job::Reconcile, id).await;
            }
            Err(err) => db::jobs::report_failure(pool, Job::Reconcile, id, &err).await,
        }
    }
    Ok(finished)
}

/// Asks the provider about one leased attempt and applies the answer; `true` when it is final.
async fn reconcile_one(pool: &PgPool, provider: &Provider, settings: &OrderSettings, attempt_id: i64) -> Result<bool, Error> {
    let mut conn = pool.acquire().await?;
    let attempt = db::payments::attempt_by_id(&mut conn, attempt_id, false).await?.ok_or_else(|| Error::NotFound("The payment".into()))?;
    drop(conn);
    if attempt.status.is_final() {
        return Ok(true);
    }
    let outcome = match &attempt.reference {
        Some(reference) => provider.query(reference).await,
        None => {
            // The provider may or may not have seen the charge: asking again with the attempt's
            // key returns the first charge, or makes it now.
            let (token, amount) = db::payments::token_of_attempt(pool, attempt_id).await?;
            provider.charge(ChargeRequest { token: Token(token), amount, idempotency_key: provider_key(attempt_id) }).await
        }
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(ProviderError::Declined(reason)) => ChargeOutcome::Declined { reference: String::new(), reason },
        Err(err) => return Err(err.into()),
    };
    let result = finish(pool, provider, settings, Paying::of(&attempt), outcome, Actor::System, None).await?;
    Ok(result.status.is_final())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn provider_keys_are_per_attempt() {
        assert_eq!(provider_key(42), "paydesk-attempt-42");
        assert_ne!(provider_key(1), provider_key(11));
    }

    #[test]
    fn a_verification_step_ends_with_its_timeout_or_shortly_after_the_deadline() {
        let settings = OrderSettings::default();
        let now = datetime!(2026-11-30 10:00 UTC);
        assert_eq!(verification_deadline(now, now + Duration::hours(1), &settings), now + Duration::minutes(10));
        assert_eq!(verification_deadline(now, now + Duration::minutes(3), &settings), now + Duration::minutes(5));
        // Already past the deadline and its grace: at once.
        assert_eq!(verification_deadline(now, now - Duration::hours(1), &settings), now);
    }
}
