//! SQL for payments, payment attempts and the ledger.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::money::{Currency, Money};
use crate::payments::attempt::AttemptStatus;
use crate::payments::ledger::Account;

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
}

const ATTEMPT_SELECT: &str = "SELECT a.id, p.order_id, o.number, a.shopper_id, a.method_id, a.idempotency_key, a.status,
                                     a.provider_reference, a.failure_reason
                              FROM payment_attempts a JOIN payments p ON p.id = a.payment_id JOIN orders o ON o.id = p.order_id";

type Row = (i64, i64, String, i64, i64, Uuid, String, Option<String>, Option<String>);

fn attempt(r: Row) -> AttemptRow {
    AttemptRow {
        id: r.0,
        order_id: r.1,
        order_number: r.2,
        shopper_id: r.3,
        method_id: r.4,
        key: r.5,
        status: AttemptStatus::parse(&r.6).unwrap_or(AttemptStatus::Failed),
        reference: r.7,
        failure_reason: r.8,
    }
}

pub async fn attempt_by_key(db: &mut PgConnection, shopper_id: i64, key: Uuid) -> Result<Option<AttemptRow>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!("{ATTEMPT_SELECT} WHERE a.shopper_id = $1 AND a.idempotency_key = $2"))
        .bind(shopper_id)
        .bind(key)
        .fetch_optional(db)
        .await?;
    Ok(row.map(attempt))
}

pub async fn attempt_by_id(db: &mut PgConnection, id: i64, lock: bool) -> Result<Option<AttemptRow>, sqlx::Error> {
    let sql = format!("{ATTEMPT_SELECT} WHERE a.id = $1{}", if lock { " FOR UPDATE OF a" } else { "" });
    let row: Option<Row> = sqlx::query_as(&sql).bind(id).fetch_optional(db).await?;
    Ok(row.map(attempt))
}

pub async fn attempt_by_reference(pool: &PgPool, provider: &str, reference: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM payment_attempts WHERE provider = $1 AND provider_reference = $2")
        .bind(provider)
        .bind(reference)
        .fetch_optional(pool)
        .await
}

/// The latest attempt of an order, for the pay page.
pub async fn latest_attempt(pool: &PgPool, order_id: i64) -> Result<Option<AttemptRow>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!("{ATTEMPT_SELECT} WHERE p.order_id = $1 ORDER BY a.id DESC LIMIT 1"))
        .bind(order_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(attempt))
}

pub async fn shopper_order_id(db: &mut PgConnection, shopper_id: i64, number: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM orders WHERE number = $1 AND shopper_id = $2")
        .bind(number)
        .bind(shopper_id)
        .fetch_optional(db)
        .await
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
    Ok((token, Money::new(minor, Currency::parse(&currency).unwrap_or(Currency::USD))))
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

pub async fn update_attempt(
    db: &mut PgConnection,
    id: i64,
    status: AttemptStatus,
    reference: Option<&str>,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payment_attempts SET status = $2, provider_reference = coalesce($3, provider_reference),
                failure_reason = $4, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(reference)
    .bind(reason)
    .execute(db)
    .await
    .map(|_| ())
}

async fn account_id(db: &mut PgConnection, account: Account, currency: Currency) -> Result<i64, sqlx::Error> {
    sqlx::query("INSERT INTO ledger_accounts (kind, owner_id, currency) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(account.kind())
        .bind(account.owner())
        .bind(currency.code())
        .execute(&mut *db)
        .await?;
    sqlx::query_scalar("SELECT id FROM ledger_accounts WHERE kind = $1 AND owner_id IS NOT DISTINCT FROM $2 AND currency = $3")
        .bind(account.kind())
        .bind(account.owner())
        .bind(currency.code())
        .fetch_one(db)
        .await
}

/// Posts one ledger transaction for an order, from a payment attempt (once: the attempt id is
/// unique) or collected in cash (once per order).
pub async fn post(
    db: &mut PgConnection,
    kind: &str,
    attempt_id: Option<i64>,
    order_id: i64,
    currency: Currency,
    entries: &[(Account, i64)],
) -> Result<(), sqlx::Error> {
    let tx_id: i64 = sqlx::query_scalar("INSERT INTO ledger_transactions (kind, attempt_id, order_id) VALUES ($1, $2, $3) RETURNING id")
        .bind(kind)
        .bind(attempt_id)
        .bind(order_id)
        .fetch_one(&mut *db)
        .await?;
    for (account, amount) in entries {
        let account_id = account_id(db, *account, currency).await?;
        sqlx::query("INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency) VALUES ($1, $2, $3, $4)")
            .bind(tx_id)
            .bind(account_id)
            .bind(amount)
            .bind(currency.code())
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

/// Attempts left unfinished for longer than `older_than_secs`, claimed for this caller:
/// another server instance running the same query skips them.
pub async fn claim_stale_attempts(db: &mut PgConnection, older_than_secs: f64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM payment_attempts
         WHERE status = 'processing' AND updated_at < now() - make_interval(secs => $1)
         ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind(older_than_secs)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The ledger's health: transactions that do not balance, currencies whose entries do not sum
/// to zero, and whether what shops are owed or hold (cash on delivery) equals what paid orders
/// are worth.
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
             WHERE a.kind IN ('merchant_pending', 'merchant_cash')),
            (SELECT coalesce(sum(total_minor), 0)::bigint FROM orders WHERE status IN ('paid', 'shipped', 'delivered', 'completed'))",
    )
    .fetch_one(pool)
    .await?;
    Ok(LedgerCheck { unbalanced_transactions, unbalanced_currencies, owed_to_shops_minor, paid_orders_minor })
}

/// Every attempt to pay an order, oldest first, with the method's display label.
pub async fn attempts_of_order(pool: &PgPool, order_id: i64) -> Result<Vec<crate::collection::AttemptView>, sqlx::Error> {
    type AttemptMethodRow = (i64, String, Option<String>, OffsetDateTime, super::payment_methods::Row);
    let rows: Vec<(i64, String, Option<String>, OffsetDateTime, i64, String, Option<String>, Option<String>, Option<i16>, Option<i16>, Option<String>, Option<String>, Option<String>, bool)> =
        sqlx::query_as(
            "SELECT a.id, a.status, a.failure_reason, a.created_at,
                    m.id, m.kind, m.brand, m.last4, m.exp_month, m.exp_year, m.holder_name, m.wallet, m.wallet_display, m.is_default
             FROM payment_attempts a JOIN payments p ON p.id = a.payment_id JOIN payment_methods m ON m.id = a.method_id
             WHERE p.order_id = $1 ORDER BY a.id",
        )
        .bind(order_id)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| -> AttemptMethodRow { (r.0, r.1, r.2, r.3, (r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12, r.13)) })
        .map(|(id, status, reason, at, m)| crate::collection::AttemptView {
            id,
            method: super::payment_methods::method(m).label(),
            status: AttemptStatus::parse(&status).unwrap_or(AttemptStatus::Failed),
            reason,
            at,
        })
        .collect())
}
