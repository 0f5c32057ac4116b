//! Payouts: the shop's available balance goes to its bank account, by hand ("Withdraw") or on
//! a daily or weekly schedule. A payout is booked out of available in one short transaction
//! (with the shop's payout account row locked, so two payouts are checked one after the
//! other and never take more than there is), sent to the provider outside any transaction
//! with an idempotency key, and its outcome booked in another: arrived (in the bank), or
//! failed — then its money is available again, with the reason shown.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::payments::Booking;
use crate::db::settlement::{PayoutOrigin, PayoutRow};
use crate::provider::{PayoutOutcome, PayoutRequest, Provider, ProviderError};
use crate::settlement::merchant_shop;
use crate::{Error, clock, db};
use domain::Message;
use domain::accounts::CurrentUser;
use domain::money::Currency;
use domain::notifications::NotificationKind;
use domain::settlement::{
    BankAccount, MoneyOverview, PayoutAccountView, PayoutEvent, PayoutSchedule, PayoutStatus, PayoutView, payout_failed_posting, payout_paid_posting,
    payout_posting,
};

pub fn view(p: &PayoutRow) -> PayoutView {
    PayoutView {
        id: p.id,
        amount: p.amount(),
        status: p.status,
        automatic: p.automatic,
        destination: p.destination.clone(),
        failure_reason: p.failure_reason.clone(),
        created_at: p.created_at,
        arrived_at: p.arrived_at,
        orders: p.orders,
    }
}

/// The console's money page: balances, the payout account, the schedule, recent payouts and
/// the days with statements.
pub async fn overview(pool: &PgPool, merchant: &CurrentUser, settle_after_days: i64) -> Result<MoneyOverview, Error> {
    let shop = merchant_shop(pool, merchant).await?;
    let balances = crate::settlement::balances_of(pool, &shop).await?;
    let account = db::settlement::payout_account(pool, shop.id).await?;
    let payouts = db::settlement::payouts(pool, shop.id, 20).await?;
    let now = clock::now(pool).await?;
    Ok(MoneyOverview {
        currency: shop.currency,
        balances,
        account: account.as_ref().map(PayoutAccountView::from),
        schedule: db::settlement::schedule(pool, shop.id).await?,
        payouts: payouts.iter().map(view).collect(),
        days: crate::settlement::statement_days(pool, &shop, now, 62).await?,
        now,
        terms: db::settlement::terms(pool, shop.id, settle_after_days).await?,
        withdraw_key: Uuid::new_v4().to_string(),
    })
}

/// Binds (or replaces) the shop's payout bank account; each field checked for its country.
pub async fn bind_account(
    pool: &PgPool,
    merchant: &CurrentUser,
    (country, holder, bank_code, branch_code, account_number): (&str, &str, &str, &str, &str),
) -> Result<PayoutAccountView, Error> {
    let account = BankAccount::parse(country, holder, bank_code, branch_code, account_number)
        .map_err(|errors| Error::Validation(errors.into_iter().map(|(f, m)| domain::FieldError::new(f, m)).collect()))?;
    let shop = merchant_shop(pool, merchant).await?;
    db::settlement::bind_payout_account(pool, shop.id, &account).await?;
    tracing::info!(shop_id = shop.id, country = account.country.code(), "payout account bound");
    Ok(PayoutAccountView::from(&account))
}

pub async fn set_schedule(pool: &PgPool, merchant: &CurrentUser, schedule: &str) -> Result<PayoutSchedule, Error> {
    let schedule = PayoutSchedule::parse(schedule).ok_or_else(|| Error::field("schedule", Message::ChooseFromList))?;
    let shop = merchant_shop(pool, merchant).await?;
    db::settlement::set_schedule(pool, shop.id, schedule).await?;
    Ok(schedule)
}

/// "Withdraw": the whole available balance to the bank account. The key makes a double click
/// or a retried request the same payout.
pub async fn withdraw(pool: &PgPool, provider: &Provider, merchant: &CurrentUser, key: &str) -> Result<PayoutView, Error> {
    let key = Uuid::parse_str(key.trim()).map_err(|_| Error::BadRequest("the withdrawal key is not a UUID".into()))?;
    let shop = merchant_shop(pool, merchant).await?;
    let payout_id = match create(pool, shop.id, shop.currency, PayoutOrigin::ByHand(key)).await? {
        Some(id) => id,
        None => db::settlement::payout_by_key(pool, shop.id, key).await?.ok_or_else(|| Error::internal("payout key vanished"))?,
    };
    send(pool, provider, payout_id).await?;
    let row = db::settlement::payout(pool, payout_id).await?.ok_or_else(|| Error::internal("payout vanished"))?;
    Ok(view(&row))
}

/// Books a payout of everything available: `None` when this key (or this scheduled day) has a
/// payout already. Refused when there is no bank account or nothing to pay out.
async fn create(pool: &PgPool, shop_id: i64, currency: Currency, origin: PayoutOrigin) -> Result<Option<i64>, Error> {
    let mut tx = pool.begin().await?;
    let Some(account) = db::settlement::lock_payout_account(&mut tx, shop_id).await? else {
        return Err(Error::Conflict(Message::NoPayoutAccount));
    };
    if let PayoutOrigin::ByHand(key) = origin
        && db::settlement::payout_by_key(&mut *tx, shop_id, key).await?.is_some()
    {
        return Ok(None);
    }
    let Some((payout_id, amount)) = db::settlement::insert_payout(&mut tx, shop_id, currency, origin, &account.masked()).await? else {
        // Nothing available, or this key's (this day's) payout exists already.
        let taken = match origin {
            PayoutOrigin::ByHand(key) => db::settlement::payout_by_key(&mut *tx, shop_id, key).await?.is_some(),
            PayoutOrigin::Scheduled(_) => db::settlement::available(&mut *tx, shop_id, currency).await? > 0,
        };
        return if taken { Ok(None) } else { Err(Error::Conflict(Message::NothingToPayOut)) };
    };
    let booking = Booking { kind: "payout", payout_id: Some(payout_id), ..Booking::default() };
    db::payments::post_booking(&mut tx, &booking, currency, &payout_posting(amount.minor, shop_id)).await?;
    tx.commit().await?;
    tracing::info!(payout_id, shop_id, amount = amount.minor, "payout booked");
    Ok(Some(payout_id))
}

/// Sends a booked payout to the provider (again: the key makes it the same payout) and books
/// the answer. No transaction is open while the provider is asked.
pub async fn send(pool: &PgPool, provider: &Provider, payout_id: i64) -> Result<PayoutStatus, Error> {
    let row = db::settlement::payout(pool, payout_id).await?.ok_or_else(|| Error::NotFound("The payout".into()))?;
    if row.status.is_final() {
        return Ok(row.status);
    }
    let answer = match (&row.provider_reference, row.status) {
        (Some(reference), PayoutStatus::InTransit) => provider.query_payout(reference).await,
        _ => {
            let Some(destination) = db::settlement::payout_account(pool, row.shop_id).await? else {
                return Err(Error::Conflict(Message::NoPayoutAccount));
            };
            let request = PayoutRequest { destination, amount: row.amount(), idempotency_key: format!("paydesk-payout-{payout_id}") };
            provider.payout(request).await
        }
    };
    match answer {
        Ok(outcome) => book(pool, payout_id, outcome).await,
        Err(ProviderError::Declined(reason)) => {
            book(pool, payout_id, PayoutOutcome::Failed { reference: String::new(), reason: reason.code().into() }).await
        }
        Err(err) => {
            // Unknown: it stays as it is; the worker asks again with the same key.
            tracing::warn!(payout_id, error = %err, "payout outcome unknown");
            Ok(row.status)
        }
    }
}

/// Books a provider's answer on a payout, once: the status moves forward only (the domain's
/// transitions), with the ledger's matching posting in the same transaction.
async fn book(pool: &PgPool, payout_id: i64, outcome: PayoutOutcome) -> Result<PayoutStatus, Error> {
    let mut tx = pool.begin().await?;
    let row = db::settlement::lock_payout(&mut tx, payout_id).await?.ok_or_else(|| Error::NotFound("The payout".into()))?;
    let (event, reference, reason) = match &outcome {
        PayoutOutcome::Paid { reference } => (PayoutEvent::Arrived, reference, None),
        PayoutOutcome::InTransit { reference } => (PayoutEvent::Accepted, reference, None),
        PayoutOutcome::Failed { reference, reason } => (PayoutEvent::Failed, reference, Some(reason.as_str())),
    };
    let Some(to) = row.status.apply(event) else {
        return Ok(row.status); // already there (a callback and the worker both answered)
    };
    let reference = Some(reference.as_str()).filter(|r| !r.is_empty());
    let now = clock::now(&mut *tx).await?;
    let arrived = (to == PayoutStatus::Paid).then_some(now);
    db::settlement::set_payout_status(&mut tx, payout_id, to, reference, reason, arrived).await?;
    let posting = match to {
        PayoutStatus::Paid => Some(("payout_paid", payout_paid_posting(row.amount_minor, row.shop_id))),
        PayoutStatus::Failed => {
            db::settlement::unlink_settlements(&mut tx, payout_id).await?;
            Some(("payout_failed", payout_failed_posting(row.amount_minor, row.shop_id)))
        }
        _ => None,
    };
    if let Some((kind, entries)) = posting {
        db::payments::post_booking(&mut tx, &Booking { kind, payout_id: Some(payout_id), ..Booking::default() }, row.currency, &entries).await?;
        let merchant = db::collection::merchant_of_shop(&mut tx, row.shop_id).await?;
        let notice = if to == PayoutStatus::Paid { NotificationKind::PayoutPaid } else { NotificationKind::PayoutFailed };
        db::notifications::insert_money(&mut tx, merchant, notice, row.amount(), reason).await?;
    }
    tx.commit().await?;
    tracing::info!(payout_id, status = to.as_str(), reason, "payout updated");
    Ok(to)
}

/// A signed provider callback about a payout: asked again, then booked.
pub async fn on_callback(pool: &PgPool, provider: &Provider, reference: &str) -> Result<(), Error> {
    if let Some(payout_id) = db::settlement::payout_by_reference(pool, reference).await? {
        send(pool, provider, payout_id).await?;
    }
    Ok(())
}

/// Automatic payouts due on the platform day of `now`: one per shop and currency and day.
pub async fn pay_out_scheduled(pool: &PgPool, provider: &Provider, now: OffsetDateTime) -> Result<usize, Error> {
    let mut done = 0;
    for (shop_id, schedule, currency) in db::settlement::automatic_shops(pool).await? {
        if !schedule.due_on(now.date()) {
            continue;
        }
        match create(pool, shop_id, currency, PayoutOrigin::Scheduled(now.date())).await {
            Ok(Some(payout_id)) => {
                // Booked: sent now, or by `finish_open` if the provider does not answer.
                if let Err(err) = send(pool, provider, payout_id).await {
                    tracing::warn!(payout_id, error = %err, "sending a scheduled payout");
                }
                done += 1;
            }
            Ok(None) | Err(Error::Conflict(_)) => {}
            Err(err) => tracing::warn!(shop_id, error = %err, "automatic payout"),
        }
    }
    Ok(done)
}

/// Payouts left open (no answer, or a slow one whose callback may be lost) are asked about
/// again; returns how many moved on.
pub async fn finish_open(pool: &PgPool, provider: &Provider, older_than_secs: f64) -> Result<usize, Error> {
    let mut moved = 0;
    for payout_id in db::settlement::lease_open_payouts(pool, older_than_secs, 50).await? {
        let before = db::settlement::payout(pool, payout_id).await?.map(|p| p.status);
        match send(pool, provider, payout_id).await {
            Ok(after) if Some(after) != before => moved += 1,
            Ok(_) => {}
            Err(err) => tracing::warn!(payout_id, error = %err, "finishing a payout"),
        }
    }
    Ok(moved)
}

/// The shop's payouts, newest first.
pub async fn list(pool: &PgPool, merchant: &CurrentUser) -> Result<Vec<PayoutView>, Error> {
    let shop = merchant_shop(pool, merchant).await?;
    Ok(db::settlement::payouts(pool, shop.id, 100).await?.iter().map(view).collect())
}
