//! SQL for payments, payment attempts and the ledger.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use domain::money::{Currency, Money};
use domain::payments::PaymentMethod;
use domain::payments::attempt::AttemptStatus;
use domain::payments::ledger::Account;

/// An attempt as stored.
#[derive(Clone, Debug)]
pub struct AttemptRow {
    pub id: i64,
    pub order_id: i64,
    pub order_number: String,
    pub shopper_id: i64,
    pub method_id: i64,
    pub key: Uuid,
    pub status: AttemptStatus,
    pub reference: Option<String>,
    pub failure_reason: Option<String>,
    pub verification_expires_at: Option<OffsetDateTime>,
    pub code_tries: i32,
}

const ATTEMPT_SELECT: &str = "SELECT a.id, p.order_id, o.number, a.shopper_id, a.method_id, a.idempotency_key, a.status,
                                     a.provider_reference, a.failure_reason, a.verification_expires_at, a.code_tries
                              FROM payment_attempts a JOIN payments p ON p.id = a.payment_id JOIN orders o ON o.id = p.order_id";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    order_id: i64,
    number: String,
    shopper_id: i64,
    method_id: i64,
    idempotency_key: Uuid,
    status: String,
    provider_reference: Option<String>,
    failure_reason: Option<String>,
    verification_expires_at: Option<OffsetDateTime>,
    code_tries: i32,
}

impl TryFrom<Row> for AttemptRow {
    type Error = sqlx::Error;
    fn try_from(r: Row) -> Result<AttemptRow, sqlx::Error> {
        let status = AttemptStatus::parse(&r.status).ok_or_else(|| sqlx::Error::Decode(format!("unknown attempt status {:?}", r.status).into()))?;
        Ok(AttemptRow {
            id: r.id,
            order_id: r.order_id,
            order_number: r.number,
            shopper_id: r.shopper_id,
            method_id: r.method_id,
            key: r.idempotency_key,
            status,
            reference: r.provider_reference,
            failure_reason: r.failure_reason,
            verification_expires_at: r.verification_expires_at,
            code_tries: r.code_tries,
        })
    }
}

fn attempt(r: Option<Row>) -> Result<Option<AttemptRow>, sqlx::Error> {
    r.map(AttemptRow::try_from).transpose()
}

pub async fn attempt_by_key(db: &mut PgConnection, shopper_id: i64, key: Uuid) -> Result<Option<AttemptRow>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!("{ATTEMPT_SELECT} WHERE a.shopper_id = $1 AND a.idempotency_key = $2"))
        .bind(shopper_id)
        .bind(key)
        .fetch_optional(db)
        .await?;
    attempt(row)
}

pub async fn attempt_by_id(db: &mut PgConnection, id: i64, lock: bool) -> Result<Option<AttemptRow>, sqlx::Error> {
    let sql = format!("{ATTEMPT_SELECT} WHERE a.id = $1{}", if lock { " FOR UPDATE OF a" } else { "" });
    let row: Option<Row> = sqlx::query_as(&sql).bind(id).fetch_optional(db).await?;
    attempt(row)
}

pub async fn attempt_by_reference(pool: &PgPool, provider: &str, reference: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, p.order_id FROM payment_attempts a JOIN payments p ON p.id = a.payment_id
         WHERE a.provider = $1 AND a.provider_reference = $2",
    )
    .bind(provider)
    .bind(reference)
    .fetch_optional(pool)
    .await
}

/// The latest attempt of an order, for the pay page.
pub async fn latest_attempt(pool: &PgPool, order_id: i64) -> Result<Option<AttemptRow>, sqlx::Error> {
    let row: Option<Row> =
        sqlx::query_as(&format!("{ATTEMPT_SELECT} WHERE p.order_id = $1 ORDER BY a.id DESC LIMIT 1")).bind(order_id).fetch_optional(pool).await?;
    attempt(row)
}

/// The method an attempt pays with, as its shopper may see it (even if removed since).
pub async fn attempt_method(pool: &PgPool, attempt_id: i64) -> Result<Option<domain::payments::MethodSummary>, sqlx::Error> {
    let row: Option<super::payment_methods::MethodRow> = sqlx::query_as(
        "SELECT m.id AS method_id, m.kind, m.brand, m.last4, m.exp_month, m.exp_year, m.holder_name, m.wallet, m.wallet_display, m.is_default
         FROM payment_attempts a JOIN payment_methods m ON m.id = a.method_id WHERE a.id = $1",
    )
    .bind(attempt_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| PaymentMethod::from(r).summary()))
}

/// The shopper's own order: its id and its shop's.
pub async fn shopper_order_shop(pool: &PgPool, shopper_id: i64, number: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, shop_id FROM orders WHERE number = $1 AND shopper_id = $2").bind(number).bind(shopper_id).fetch_optional(pool).await
}

pub async fn shopper_order_id(db: &mut PgConnection, shopper_id: i64, number: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM orders WHERE number = $1 AND shopper_id = $2").bind(number).bind(shopper_id).fetch_optional(db).await
}

/// The token of a live method of the shopper.
pub async fn method_token(db: &mut PgConnection, shopper_id: i64, method_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT token FROM payment_methods WHERE id = $1 AND shopper_id = $2 AND removed_at IS NULL")
        .bind(method_id)
        .bind(shopper_id)
        .fetch_optional(db)
        .await
}

pub async fn token_of_attempt(pool: &PgPool, attempt_id: i64) -> Result<(String, Money), sqlx::Error> {
    let (token, minor, currency): (String, i64, String) = sqlx::query_as(
        "SELECT m.token, p.amount_minor, p.currency FROM payment_attempts a
         JOIN payment_methods m ON m.id = a.method_id JOIN payments p ON p.id = a.payment_id WHERE a.id = $1",
    )
    .bind(attempt_id)
    .fetch_one(pool)
    .await?;
    let currency = Currency::parse(&currency).ok_or_else(|| sqlx::Error::Decode(format!("unknown currency {currency:?}").into()))?;
    Ok((token, Money::new(minor, currency)))
}

pub async fn upsert_payment(db: &mut PgConnection, order: &super::orders::LockedOrder) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO payments (order_id, amount_minor, currency, deadline) VALUES ($1, $2, $3, $4)
         ON CONFLICT (order_id) DO UPDATE SET deadline = EXCLUDED.deadline RETURNING id",
    )
    .bind(order.id)
    .bind(order.amount.minor)
    .bind(order.amount.currency.code())
    .bind(order.due)
    .fetch_one(db)
    .await
}

/// Records a new attempt as processing. `Ok(None)` when another attempt of the payment is
/// live or succeeded (the partial unique index refuses it).
pub async fn insert_attempt(
    db: &mut PgConnection,
    payment_id: i64,
    shopper_id: i64,
    method_id: i64,
    key: Uuid,
    provider: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let inserted = sqlx::query_scalar(
        "INSERT INTO payment_attempts (payment_id, shopper_id, method_id, idempotency_key, provider, status)
         VALUES ($1, $2, $3, $4, $5, 'processing') RETURNING id",
    )
    .bind(payment_id)
    .bind(shopper_id)
    .bind(method_id)
    .bind(key)
    .bind(provider)
    .fetch_one(db)
    .await;
    match inserted {
        Ok(id) => Ok(Some(id)),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("payment_attempts_one_live") => Ok(None),
        Err(e) => Err(e),
    }
}

/// An attempt's new state. `verification_expires_at` is kept as it is when `None`.
pub async fn update_attempt(
    db: &mut PgConnection,
    id: i64,
    status: AttemptStatus,
    reference: Option<&str>,
    reason: Option<&str>,
    verification_expires_at: Option<OffsetDateTime>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payment_attempts SET status = $2, provider_reference = coalesce($3, provider_reference),
                failure_reason = $4, verification_expires_at = coalesce($5, verification_expires_at), updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(reference)
    .bind(reason)
    .bind(verification_expires_at)
    .execute(db)
    .await
    .map(|_| ())
}

/// Counts one code try on an attempt that waits for its code, before the provider sees the
/// code: `None` when the attempt no longer waits or has used all its tries. Concurrent tries
/// are counted one by one on the attempt's row, so no more than `max` ever reach the provider.
pub async fn take_code_try(pool: &PgPool, attempt_id: i64, max: i32) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE payment_attempts SET code_tries = code_tries + 1
         WHERE id = $1 AND status = 'requires_verification' AND code_tries < $2 RETURNING code_tries",
    )
    .bind(attempt_id)
    .bind(max)
    .fetch_optional(pool)
    .await
}

// ---- A new code for a verification step --------------------------------------------------
// While an attempt waits for its code, its `updated_at` is when its current code was sent:
// the step starts with `update_attempt`, a new code is claimed by moving it to now, and
// nothing else touches it meanwhile (code tries are counted in `code_tries`).

/// Claims the sending of a new code: one statement on the attempt's row, so that of two
/// concurrent requests only one gets it. `None` when the attempt no longer waits for its code
/// or its current code is younger than `min_secs`; otherwise when the claim was made.
pub async fn claim_new_code(pool: &PgPool, attempt_id: i64, min_secs: i64) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE payment_attempts SET updated_at = now()
         WHERE id = $1 AND status = 'requires_verification' AND updated_at <= now() - make_interval(secs => $2)
         RETURNING updated_at",
    )
    .bind(attempt_id)
    .bind(min_secs as f64)
    .fetch_optional(pool)
    .await
}

/// Seconds until a new code may be claimed (at least 1), while the attempt waits for its code;
/// `None` when it no longer does.
pub async fn new_code_wait(pool: &PgPool, attempt_id: i64, min_secs: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT greatest(1, ceil(extract(epoch FROM updated_at + make_interval(secs => $2) - now())))::bigint
         FROM payment_attempts WHERE id = $1 AND status = 'requires_verification'",
    )
    .bind(attempt_id)
    .bind(min_secs as f64)
    .fetch_optional(pool)
    .await
}

/// Gives a claim back (the provider could not be asked): a new code may be asked for at once.
pub async fn release_new_code(pool: &PgPool, attempt_id: i64, claimed_at: OffsetDateTime, min_secs: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payment_attempts SET updated_at = updated_at - make_interval(secs => $3) WHERE id = $1 AND updated_at = $2")
        .bind(attempt_id)
        .bind(claimed_at)
        .bind(min_secs as f64)
        .execute(pool)
        .await
        .map(|_| ())
}

/// The verification step starts again with a new code: its tries are reset and it gets a new
/// time limit. `false` when the attempt no longer waits for its code.
pub async fn restart_verification(db: &mut PgConnection, attempt_id: i64, expires_at: OffsetDateTime) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE payment_attempts SET code_tries = 0, verification_expires_at = $2, updated_at = now()
         WHERE id = $1 AND status = 'requires_verification'",
    )
    .bind(attempt_id)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a try back (the provider could not be asked).
pub async fn give_back_code_try(pool: &PgPool, attempt_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payment_attempts SET code_tries = code_tries - 1 WHERE id = $1 AND code_tries > 0")
        .bind(attempt_id)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Counts a code the shopper sends against them before the provider sees it; the provider's
/// answer decides whether it is taken back ([`forget_guess`]). Counting first means a guess whose
/// answer is lost to a race (the attempt stopped meanwhile) still counts.
pub async fn record_guess(pool: &PgPool, shopper_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO verification_failures (shopper_id) VALUES ($1) RETURNING id").bind(shopper_id).fetch_one(pool).await
}

/// Takes back a guess that was right, or that the provider could not judge.
pub async fn forget_guess(pool: &PgPool, guess_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM verification_failures WHERE id = $1").bind(guess_id).execute(pool).await.map(|_| ())
}

/// Wrong codes of a shopper within the last `window_secs`, and the oldest of them.
pub async fn recent_wrong_codes(pool: &PgPool, shopper_id: i64, window_secs: i64) -> Result<(i64, Option<OffsetDateTime>), sqlx::Error> {
    sqlx::query_as("SELECT count(*), min(at) FROM verification_failures WHERE shopper_id = $1 AND at > now() - make_interval(secs => $2)")
        .bind(shopper_id)
        .bind(window_secs as f64)
        .fetch_one(pool)
        .await
}

/// Attempts whose verification step ran out of time at `now`.
pub async fn verifications_due(pool: &PgPool, now: OffsetDateTime, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM payment_attempts WHERE status = 'requires_verification' AND verification_expires_at <= $1 AND {}
         ORDER BY verification_expires_at LIMIT $2",
        super::jobs::not_in_backoff(super::jobs::Job::VerificationTimeout, "id")
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Posts one ledger transaction for an order: its accounts are created if new, and its entries
/// written in one statement. Postgres checks at commit that it balances; unique indexes make a
/// payment (per attempt), cash on delivery (per order) and an unexpected charge or its refund
/// (per attempt) postable once.
/// Books a refund's posting (`refund`, `cash_refund`, or `unexpected_charge_refund` with the
/// attempt whose charge went back), once per refund.
pub async fn post_refund(
    db: &mut PgConnection,
    kind: &str,
    (refund_id, attempt_id): (i64, Option<i64>),
    order_id: i64,
    currency: Currency,
    entries: &[(Account, i64)],
) -> Result<(), sqlx::Error> {
    let booking = Booking { kind, attempt_id, refund_id: Some(refund_id), order_id: Some(order_id), ..Booking::default() };
    post_booking(db, &booking, currency, entries).await
}

pub async fn post(
    db: &mut PgConnection,
    kind: &str,
    attempt_id: Option<i64>,
    order_id: i64,
    currency: Currency,
    entries: &[(Account, i64)],
) -> Result<(), sqlx::Error> {
    post_booking(db, &Booking { kind, attempt_id, order_id: Some(order_id), ..Booking::default() }, currency, entries).await
}

/// What a ledger transaction is for: its kind and the record it books (an attempt, a refund,
/// a settlement, a payout, an order), and when it counts (by default, now on the platform's
/// clock).
#[derive(Clone, Copy, Debug, Default)]
pub struct Booking<'a> {
    pub kind: &'a str,
    pub attempt_id: Option<i64>,
    pub refund_id: Option<i64>,
    pub settlement_id: Option<i64>,
    pub payout_id: Option<i64>,
    pub order_id: Option<i64>,
    pub booked_at: Option<OffsetDateTime>,
}

/// Posts one ledger transaction: its accounts are created if new, and its entries written in
/// one statement. Postgres checks at commit that it balances; unique indexes make each booking
/// (a payment per attempt, a refund, a settlement, a payout's steps) postable once.
pub async fn post_booking(db: &mut PgConnection, booking: &Booking<'_>, currency: Currency, entries: &[(Account, i64)]) -> Result<(), sqlx::Error> {
    let kinds: Vec<&str> = entries.iter().map(|(a, _)| a.kind()).collect();
    let owners: Vec<Option<i64>> = entries.iter().map(|(a, _)| a.owner()).collect();
    let amounts: Vec<i64> = entries.iter().map(|(_, m)| *m).collect();
    // Two statements: the second one's snapshot sees the accounts the first one made (or a
    // concurrent transaction made and committed meanwhile).
    sqlx::query(
        "INSERT INTO ledger_accounts (kind, owner_id, currency)
         SELECT DISTINCT k, o, $3 FROM unnest($1::text[], $2::bigint[]) AS e (k, o)
         ON CONFLICT DO NOTHING",
    )
    .bind(&kinds)
    .bind(&owners)
    .bind(currency.code())
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "WITH tx AS (INSERT INTO ledger_transactions (kind, attempt_id, order_id, refund_id, settlement_id, payout_id, booked_at)
                     VALUES ($1, $2, $7, $8, $9, $10, coalesce($11, platform_now())) RETURNING id)
         INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency)
         SELECT tx.id, a.id, e.m, $6
         FROM tx, unnest($3::text[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS e (k, o, m, n)
         JOIN ledger_accounts a ON a.kind = e.k AND a.owner_id IS NOT DISTINCT FROM e.o AND a.currency = $6
         ORDER BY e.n",
    )
    .bind(booking.kind)
    .bind(booking.attempt_id)
    .bind(&kinds)
    .bind(&owners)
    .bind(&amounts)
    .bind(currency.code())
    .bind(booking.order_id)
    .bind(booking.refund_id)
    .bind(booking.settlement_id)
    .bind(booking.payout_id)
    .bind(booking.booked_at)
    .execute(db)
    .await
    .map(|_| ())
}

/// Leases up to `limit` attempts left processing for longer than `older_than_secs` (and not
/// in back-off after failures): their `updated_at` is moved to now and committed at once, so
/// another instance leaves them alone for a while — no row lock is held while the provider is
/// asked about them.
pub async fn lease_stale_attempts(pool: &PgPool, older_than_secs: f64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "UPDATE payment_attempts SET updated_at = now()
         WHERE id IN (SELECT id FROM payment_attempts
                      WHERE status = 'processing' AND updated_at < now() - make_interval(secs => $1) AND {}
                      ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id",
        super::jobs::not_in_backoff(super::jobs::Job::Reconcile, "id")
    ))
    .bind(older_than_secs)
    .bind(limit)
    .fetch_all(pool)
    .await
}

// ---- Unexpected charges ------------------------------------------------------------------

/// Records money that arrived for an order that could not take it. `false` when this attempt's
/// charge was recorded before (a repeated callback).
pub async fn insert_unexpected(db: &mut PgConnection, attempt_id: i64, order_id: i64, amount: Money, reference: &str) -> Result<bool, sqlx::Error> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO unexpected_charges (attempt_id, order_id, amount_minor, currency, provider_reference)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (attempt_id) DO NOTHING RETURNING id",
    )
    .bind(attempt_id)
    .bind(order_id)
    .bind(amount.minor)
    .bind(amount.currency.code())
    .bind(reference)
    .fetch_optional(db)
    .await?;
    Ok(inserted.is_some())
}

/// Attempts whose unexpected charge still waits for its refund (older than `older_than_secs`,
/// not in back-off).
pub async fn unexpected_to_refund(pool: &PgPool, older_than_secs: f64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT attempt_id FROM unexpected_charges
         WHERE status = 'refund_pending' AND created_at < now() - make_interval(secs => $1) AND {}
         ORDER BY id LIMIT $2",
        super::jobs::not_in_backoff(super::jobs::Job::UnexpectedRefund, "attempt_id")
    ))
    .bind(older_than_secs)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Marks the refund done; `false` when another caller did it first.
pub async fn mark_unexpected_refunded(db: &mut PgConnection, attempt_id: i64, refund_reference: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE unexpected_charges SET status = 'refunded', refund_reference = $2, refunded_at = now()
         WHERE attempt_id = $1 AND status = 'refund_pending'",
    )
    .bind(attempt_id)
    .bind(refund_reference)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The payment invariant, counted: orders paid online, attempts that succeeded, payment
/// postings, and unexpected charges still held (they must all be refunded in the end).
#[derive(Debug, PartialEq, Eq)]
pub struct PaymentCounts {
    pub paid_online_orders: i64,
    pub succeeded_attempts: i64,
    pub payment_postings: i64,
    pub unexpected_charges: i64,
    pub unexpected_pending: i64,
    /// Balance of the platform's suspense account (money held for refunds): 0 when every
    /// unexpected charge went back.
    pub suspense_minor: i64,
}

pub async fn count_payments(pool: &PgPool) -> Result<PaymentCounts, sqlx::Error> {
    let (paid_online_orders, succeeded_attempts, payment_postings, unexpected_charges, unexpected_pending, suspense_minor) = sqlx::query_as(
        "SELECT
            (SELECT count(*) FROM orders WHERE order_is_paid(status) AND collection_method = 'online'),
            (SELECT count(*) FROM payment_attempts WHERE status = 'succeeded'),
            (SELECT count(*) FROM ledger_transactions WHERE kind = 'payment'),
            (SELECT count(*) FROM unexpected_charges),
            (SELECT count(*) FROM unexpected_charges WHERE status = 'refund_pending'),
            (SELECT coalesce(sum(e.amount_minor), 0)::bigint FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
             WHERE a.kind = 'platform_suspense')",
    )
    .fetch_one(pool)
    .await?;
    Ok(PaymentCounts { paid_online_orders, succeeded_attempts, payment_postings, unexpected_charges, unexpected_pending, suspense_minor })
}

/// The ledger's health: transactions that do not balance, currencies whose entries do not sum
/// to zero, and whether what shops are owed or hold (cash on delivery) — pending, available,
/// reserved, on its way or in their bank, plus the platform's commission taken out of it —
/// equals what paid orders are worth less what was refunded (`paid_orders_minor` is that net
/// amount). Settlement and payouts move money between those accounts, never out of them.
#[derive(Debug, PartialEq, Eq)]
pub struct LedgerCheck {
    pub unbalanced_transactions: i64,
    pub unbalanced_currencies: i64,
    pub owed_to_shops_minor: i64,
    pub paid_orders_minor: i64,
}

pub async fn check_ledger(pool: &PgPool) -> Result<LedgerCheck, sqlx::Error> {
    let (unbalanced_transactions, unbalanced_currencies, owed_to_shops_minor, paid_orders_minor) = sqlx::query_as(
        "SELECT
            (SELECT count(*) FROM (SELECT 1 FROM ledger_entries GROUP BY transaction_id, currency HAVING sum(amount_minor) <> 0) t),
            (SELECT count(*) FROM (SELECT 1 FROM ledger_entries GROUP BY currency HAVING sum(amount_minor) <> 0) c),
            (SELECT coalesce(sum(e.amount_minor), 0)::bigint FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
             WHERE a.kind IN ('merchant_pending', 'merchant_cash', 'merchant_available', 'merchant_reserve', 'merchant_payouts_in_transit',
                              'merchant_bank', 'platform_revenue')),
            (SELECT coalesce(sum(total_minor), 0)::bigint FROM orders WHERE status IN ('paid', 'shipped', 'delivered', 'completed'))
              - (SELECT coalesce(sum(amount_minor), 0)::bigint FROM refunds WHERE status = 'succeeded' AND attempt_id IS NULL)",
    )
    .fetch_one(pool)
    .await?;
    Ok(LedgerCheck { unbalanced_transactions, unbalanced_currencies, owed_to_shops_minor, paid_orders_minor })
}

/// Every attempt to pay an order, oldest first, with the method's display label.
pub async fn attempts_of_order(pool: &PgPool, order_id: i64) -> Result<Vec<domain::collection::AttemptView>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct AttemptRow {
        id: i64,
        status: AttemptStatus,
        failure_reason: Option<String>,
        created_at: OffsetDateTime,
        #[sqlx(flatten)]
        method: super::payment_methods::MethodRow,
    }
    let rows: Vec<AttemptRow> = sqlx::query_as(
        "SELECT a.id, a.status, a.failure_reason, a.created_at,
                m.id AS method_id, m.kind, m.brand, m.last4, m.exp_month, m.exp_year, m.holder_name, m.wallet, m.wallet_display, m.is_default
         FROM payment_attempts a JOIN payments p ON p.id = a.payment_id JOIN payment_methods m ON m.id = a.method_id
         WHERE p.order_id = $1 ORDER BY a.id",
    )
    .bind(order_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| domain::collection::AttemptView {
            id: r.id,
            method: PaymentMethod::from(r.method).summary(),
            status: r.status,
            reason: r.failure_reason.as_deref().and_then(domain::payments::DeclineReason::parse),
            at: r.created_at,
        })
        .collect())
}
