//! SQL for settlement, payouts, balances and statements. Balances are sums of ledger postings,
//! never stored; a settlement and each step of a payout are booked once (unique indexes).

use futures::stream::BoxStream;
use sqlx::{PgConnection, PgExecutor, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use domain::money::{Currency, Money};
use domain::settlement::{BankAccount, PayoutCountry, PayoutSchedule, PayoutStatus, Split, Terms};

// ---- Settlement -------------------------------------------------------------------------------

/// A shop's terms (`settle_after_days` is the platform's).
pub async fn terms(db: impl PgExecutor<'_>, shop_id: i64, settle_after_days: i64) -> Result<Terms, sqlx::Error> {
    let (commission_bp, reserve_bp, reserve_days): (i32, i32, i32) =
        sqlx::query_as("SELECT commission_bp, reserve_bp, reserve_days FROM shops WHERE id = $1").bind(shop_id).fetch_one(db).await?;
    Ok(Terms { settle_after_days, commission_bp: commission_bp.into(), reserve_bp: reserve_bp.into(), reserve_days: reserve_days.into() })
}

/// Open after-sales: a request someone still has to act on, or a refund on its way.
const OPEN_AFTER_SALES: &str = "(EXISTS (SELECT 1 FROM refund_requests r WHERE r.order_id = o.id AND r.status NOT IN ('refunded', 'closed'))
      OR EXISTS (SELECT 1 FROM refunds f WHERE f.order_id = o.id AND f.status = 'pending'))";

/// Claims (locks) one delivered order whose settlement day came at `now`, with no after-sales
/// open on it and not settled yet; skips orders another worker holds and those in `skip`.
pub async fn claim_settleable(tx: &mut PgConnection, now: OffsetDateTime, settle_after_days: i64, skip: &[i64]) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT o.id FROM orders o
         WHERE o.status IN ('delivered', 'completed') AND o.delivered_at <= $1 - make_interval(days => $2)
           AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.order_id = o.id)
           AND NOT {OPEN_AFTER_SALES}
           AND o.id <> ALL($3)
         ORDER BY o.delivered_at, o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED"
    ))
    .bind(now)
    .bind(settle_after_days as i32)
    .bind(skip)
    .fetch_optional(&mut *tx)
    .await
}

/// Whether the (locked) order may settle now: delivered, nothing open on it, not settled. Asked
/// again under the lock because the claim's look may predate a request or refund that a
/// shopper or the merchant committed just before the lock was taken.
pub async fn still_settleable(tx: &mut PgConnection, order_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM orders o WHERE o.id = $1 AND o.status IN ('delivered', 'completed')
                          AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.order_id = o.id) AND NOT {OPEN_AFTER_SALES})"
    ))
    .bind(order_id)
    .fetch_one(&mut *tx)
    .await
}

/// What an order brought in, and what of it is still the shop's to settle: (gross, left,
/// cash on delivery?, shop, currency). `left` is the order's pending (or, for cash, collected)
/// money after the refunds booked so far.
pub async fn order_money(tx: &mut PgConnection, order_id: i64) -> Result<(i64, i64, bool, i64, Currency), sqlx::Error> {
    sqlx::query_as(
        "SELECT order_paid_minor(o.id),
                coalesce((SELECT sum(e.amount_minor) FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
                          JOIN ledger_accounts a ON a.id = e.account_id
                          WHERE t.order_id = o.id AND a.kind IN ('merchant_pending', 'merchant_cash')), 0)::BIGINT,
                o.collection_method = 'cash_on_delivery', o.shop_id, o.currency
         FROM orders o WHERE o.id = $1",
    )
    .bind(order_id)
    .fetch_one(&mut *tx)
    .await
}

/// Records an order's settlement; `None` when it was settled already.
pub async fn insert_settlement(
    tx: &mut PgConnection,
    order_id: i64,
    shop_id: i64,
    currency: Currency,
    split: &Split,
    at: OffsetDateTime,
    reserve_release_at: Option<OffsetDateTime>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO settlements (order_id, shop_id, currency, cash, gross_minor, refunded_minor, commission_minor, reserve_minor,
                                  net_minor, settled_at, reserve_release_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (order_id) DO NOTHING RETURNING id",
    )
    .bind(order_id)
    .bind(shop_id)
    .bind(currency.code())
    .bind(split.cash)
    .bind(split.gross)
    .bind(split.refunded)
    .bind(split.commission)
    .bind(split.reserve)
    .bind(split.net)
    .bind(at)
    .bind(reserve_release_at)
    .fetch_optional(&mut *tx)
    .await
}

/// Tells the shop's merchant, live, that an order's money moved (settled, reserve released):
/// their open order page and money page refetch. The shopper is not told: it is not their money.
pub async fn tell_merchant(tx: &mut PgConnection, order_id: i64, event: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO live_events (user_id, kind, order_number, detail)
         SELECT s.merchant_id, 'order', o.number, jsonb_build_object('event', $2::text, 'status', o.status)
         FROM orders o JOIN shops s ON s.id = o.shop_id WHERE o.id = $1",
    )
    .bind(order_id)
    .bind(event)
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

pub async fn is_settled(db: impl PgExecutor<'_>, order_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM settlements WHERE order_id = $1)").bind(order_id).fetch_one(db).await
}

/// Claims one settlement whose reserve is due at `now` and marks it released: (settlement,
/// order, shop, reserve).
pub async fn release_due_reserve(tx: &mut PgConnection, now: OffsetDateTime, skip: &[i64]) -> Result<Option<(i64, i64, i64, Money)>, sqlx::Error> {
    let row: Option<(i64, i64, i64, i64, Currency)> = sqlx::query_as(
        "UPDATE settlements SET reserve_released_at = $1
         WHERE id = (SELECT id FROM settlements
                     WHERE reserve_minor > 0 AND reserve_released_at IS NULL AND reserve_release_at <= $1 AND id <> ALL($2)
                     ORDER BY reserve_release_at LIMIT 1 FOR UPDATE SKIP LOCKED)
           AND reserve_released_at IS NULL
         RETURNING id, order_id, shop_id, reserve_minor, currency",
    )
    .bind(now)
    .bind(skip)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|(id, order_id, shop_id, minor, currency)| (id, order_id, shop_id, Money::new(minor, currency))))
}

/// What the money timeline of an order needs from its settlement.
#[derive(sqlx::FromRow)]
pub struct SettlementRow {
    pub id: i64,
    pub cash: bool,
    pub gross_minor: i64,
    pub refunded_minor: i64,
    pub commission_minor: i64,
    pub reserve_minor: i64,
    pub net_minor: i64,
    pub settled_at: OffsetDateTime,
    pub reserve_release_at: Option<OffsetDateTime>,
    pub reserve_released_at: Option<OffsetDateTime>,
    pub payout_id: Option<i64>,
    pub payout_status: Option<PayoutStatus>,
    pub payout_arrived_at: Option<OffsetDateTime>,
}

impl SettlementRow {
    pub fn split(&self) -> Split {
        Split {
            gross: self.gross_minor,
            refunded: self.refunded_minor,
            commission: self.commission_minor,
            reserve: self.reserve_minor,
            net: self.net_minor,
            cash: self.cash,
        }
    }
}

pub async fn settlement_of(db: impl PgExecutor<'_>, order_id: i64) -> Result<Option<SettlementRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.cash, s.gross_minor, s.refunded_minor, s.commission_minor, s.reserve_minor, s.net_minor, s.settled_at,
                s.reserve_release_at, s.reserve_released_at, s.payout_id, p.status AS payout_status, p.arrived_at AS payout_arrived_at
         FROM settlements s LEFT JOIN payouts p ON p.id = s.payout_id WHERE s.order_id = $1",
    )
    .bind(order_id)
    .fetch_optional(db)
    .await
}

// ---- Balances ---------------------------------------------------------------------------------

/// A shop's money in one currency, each part the sum of its ledger account's postings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balances {
    pub pending: i64,
    pub available: i64,
    pub reserved: i64,
    pub in_transit: i64,
    pub paid_out: i64,
}

/// Per currency the shop has ever had money in.
pub async fn balances(db: impl PgExecutor<'_>, shop_id: i64) -> Result<Vec<(Currency, Balances)>, sqlx::Error> {
    let rows: Vec<(Currency, String, i64)> = sqlx::query_as(
        "SELECT a.currency, a.kind, coalesce(sum(e.amount_minor), 0)::BIGINT
         FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
         WHERE a.owner_id = $1
           AND a.kind IN ('merchant_pending', 'merchant_available', 'merchant_reserve', 'merchant_payouts_in_transit', 'merchant_bank')
         GROUP BY a.currency, a.kind ORDER BY a.currency",
    )
    .bind(shop_id)
    .fetch_all(db)
    .await?;
    let mut out: Vec<(Currency, Balances)> = Vec::new();
    for (currency, kind, sum) in rows {
        if out.last().is_none_or(|(c, _)| *c != currency) {
            out.push((currency, Balances::default()));
        }
        let b = &mut out.last_mut().expect("pushed above").1;
        match kind.as_str() {
            "merchant_pending" => b.pending = sum,
            "merchant_available" => b.available = sum,
            "merchant_reserve" => b.reserved = sum,
            "merchant_payouts_in_transit" => b.in_transit = sum,
            _ => b.paid_out = sum,
        }
    }
    Ok(out)
}

/// The platform's side, per currency and account kind: (currency, kind, balance).
pub async fn platform_balances(pool: &PgPool) -> Result<Vec<(Currency, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.currency, a.kind, coalesce(sum(e.amount_minor), 0)::BIGINT
         FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
         WHERE a.kind IN ('platform_clearing', 'platform_revenue', 'platform_suspense', 'merchant_pending', 'merchant_available',
                          'merchant_reserve', 'merchant_payouts_in_transit')
         GROUP BY a.currency, a.kind ORDER BY a.currency, a.kind",
    )
    .fetch_all(pool)
    .await
}

pub async fn available(db: impl PgExecutor<'_>, shop_id: i64, currency: Currency) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT coalesce(sum(e.amount_minor), 0)::BIGINT FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
         WHERE a.kind = 'merchant_available' AND a.owner_id = $1 AND a.currency = $2",
    )
    .bind(shop_id)
    .bind(currency.code())
    .fetch_one(db)
    .await
}

// ---- Payout accounts and schedules ------------------------------------------------------------

type AccountRow = (String, String, String, String, String);

fn bank_account((country, holder, bank_code, branch_code, account_number): AccountRow) -> Option<BankAccount> {
    Some(BankAccount { country: PayoutCountry::parse(&country)?, holder, bank_code, branch_code, account_number })
}

pub async fn payout_account(db: impl PgExecutor<'_>, shop_id: i64) -> Result<Option<BankAccount>, sqlx::Error> {
    let row: Option<AccountRow> =
        sqlx::query_as("SELECT country, holder, bank_code, branch_code, account_number FROM payout_accounts WHERE shop_id = $1")
            .bind(shop_id)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(bank_account))
}

/// The shop's payout account, locked: payouts of one shop are booked one after the other.
pub async fn lock_payout_account(tx: &mut PgConnection, shop_id: i64) -> Result<Option<BankAccount>, sqlx::Error> {
    let row: Option<AccountRow> =
        sqlx::query_as("SELECT country, holder, bank_code, branch_code, account_number FROM payout_accounts WHERE shop_id = $1 FOR UPDATE")
            .bind(shop_id)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(row.and_then(bank_account))
}

pub async fn bind_payout_account(db: impl PgExecutor<'_>, shop_id: i64, account: &BankAccount) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO payout_accounts (shop_id, country, holder, bank_code, branch_code, account_number) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (shop_id) DO UPDATE SET country = $2, holder = $3, bank_code = $4, branch_code = $5, account_number = $6, bound_at = now()",
    )
    .bind(shop_id)
    .bind(account.country.code())
    .bind(&account.holder)
    .bind(&account.bank_code)
    .bind(&account.branch_code)
    .bind(&account.account_number)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn schedule(db: impl PgExecutor<'_>, shop_id: i64) -> Result<PayoutSchedule, sqlx::Error> {
    let raw: String = sqlx::query_scalar("SELECT payout_schedule FROM shops WHERE id = $1").bind(shop_id).fetch_one(db).await?;
    Ok(PayoutSchedule::parse(&raw).unwrap_or(PayoutSchedule::Manual))
}

pub async fn set_schedule(db: impl PgExecutor<'_>, shop_id: i64, schedule: PayoutSchedule) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE shops SET payout_schedule = $2 WHERE id = $1").bind(shop_id).bind(schedule.as_str()).execute(db).await.map(|_| ())
}

/// Shops paid out automatically with a bank account, and the currencies they have money in.
pub async fn automatic_shops(pool: &PgPool) -> Result<Vec<(i64, PayoutSchedule, Currency)>, sqlx::Error> {
    let rows: Vec<(i64, String, Currency)> = sqlx::query_as(
        "SELECT s.id, s.payout_schedule, a.currency FROM shops s JOIN payout_accounts p ON p.shop_id = s.id
         JOIN ledger_accounts a ON a.owner_id = s.id AND a.kind = 'merchant_available'
         WHERE s.payout_schedule <> 'manual' ORDER BY s.id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(|(id, s, c)| Some((id, PayoutSchedule::parse(&s)?, c))).collect())
}

// ---- Payouts ----------------------------------------------------------------------------------

/// Who asked for a payout: the merchant (with their key) or the schedule (for its day).
#[derive(Clone, Copy, Debug)]
pub enum PayoutOrigin {
    ByHand(Uuid),
    Scheduled(Date),
}

/// Inserts a payout of everything available, and links the settled orders not in a payout yet
/// to it — in one statement, so one snapshot: the amount is exactly the money of the orders it
/// lists (a settlement committing meanwhile is in neither). `None` when nothing is available or
/// a payout with the same key (or for the same scheduled day) exists.
pub async fn insert_payout(
    tx: &mut PgConnection,
    shop_id: i64,
    currency: Currency,
    origin: PayoutOrigin,
    destination: &str,
) -> Result<Option<(i64, Money)>, sqlx::Error> {
    let (automatic, key, day) = match origin {
        PayoutOrigin::ByHand(key) => (false, Some(key), None),
        PayoutOrigin::Scheduled(day) => (true, None, Some(day)),
    };
    let row: Option<(i64, i64)> = sqlx::query_as(
        "WITH available AS (
             SELECT coalesce(sum(e.amount_minor), 0)::BIGINT AS minor FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
             WHERE a.kind = 'merchant_available' AND a.owner_id = $1 AND a.currency = $2),
         payout AS (
             INSERT INTO payouts (shop_id, amount_minor, currency, status, automatic, client_key, schedule_day, destination)
             SELECT $1, minor, $2, 'pending', $3, $4, $5, $6 FROM available WHERE minor > 0
             ON CONFLICT DO NOTHING RETURNING id, amount_minor),
         linked AS (
             UPDATE settlements SET payout_id = (SELECT id FROM payout)
             WHERE shop_id = $1 AND currency = $2 AND payout_id IS NULL AND EXISTS (SELECT 1 FROM payout) RETURNING id)
         SELECT id, amount_minor FROM payout",
    )
    .bind(shop_id)
    .bind(currency.code())
    .bind(automatic)
    .bind(key)
    .bind(day)
    .bind(destination)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|(id, minor)| (id, Money::new(minor, currency))))
}

pub async fn payout_by_key(db: impl PgExecutor<'_>, shop_id: i64, key: Uuid) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM payouts WHERE shop_id = $1 AND client_key = $2").bind(shop_id).bind(key).fetch_optional(db).await
}

/// A failed payout's orders wait for the next one.
pub async fn unlink_settlements(tx: &mut PgConnection, payout_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE settlements SET payout_id = NULL WHERE payout_id = $1").bind(payout_id).execute(&mut *tx).await.map(|_| ())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PayoutRow {
    pub id: i64,
    pub shop_id: i64,
    pub amount_minor: i64,
    pub currency: Currency,
    pub status: PayoutStatus,
    pub automatic: bool,
    pub destination: String,
    pub provider_reference: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub arrived_at: Option<OffsetDateTime>,
    pub orders: i64,
}

impl PayoutRow {
    pub fn amount(&self) -> Money {
        Money::new(self.amount_minor, self.currency)
    }
}

const PAYOUT_SELECT: &str = "SELECT p.id, p.shop_id, p.amount_minor, p.currency, p.status, p.automatic, p.destination, p.provider_reference,
        p.failure_reason, p.created_at, p.arrived_at, (SELECT count(*) FROM settlements s WHERE s.payout_id = p.id) AS orders
 FROM payouts p";

pub async fn payout(db: impl PgExecutor<'_>, payout_id: i64) -> Result<Option<PayoutRow>, sqlx::Error> {
    sqlx::query_as(&format!("{PAYOUT_SELECT} WHERE p.id = $1")).bind(payout_id).fetch_optional(db).await
}

pub async fn lock_payout(tx: &mut PgConnection, payout_id: i64) -> Result<Option<PayoutRow>, sqlx::Error> {
    sqlx::query_as(&format!("{PAYOUT_SELECT} WHERE p.id = $1 FOR UPDATE OF p")).bind(payout_id).fetch_optional(&mut *tx).await
}

pub async fn payout_by_reference(db: impl PgExecutor<'_>, reference: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM payouts WHERE provider_reference = $1").bind(reference).fetch_optional(db).await
}

/// A shop's payouts, newest first.
pub async fn payouts(db: impl PgExecutor<'_>, shop_id: i64, limit: i64) -> Result<Vec<PayoutRow>, sqlx::Error> {
    sqlx::query_as(&format!("{PAYOUT_SELECT} WHERE p.shop_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT $2"))
        .bind(shop_id)
        .bind(limit)
        .fetch_all(db)
        .await
}

pub async fn set_payout_status(
    tx: &mut PgConnection,
    payout_id: i64,
    status: PayoutStatus,
    reference: Option<&str>,
    reason: Option<&str>,
    arrived_at: Option<OffsetDateTime>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payouts SET status = $2, provider_reference = coalesce($3, provider_reference), failure_reason = $4, arrived_at = $5,
                            updated_at = now()
         WHERE id = $1",
    )
    .bind(payout_id)
    .bind(status.as_str())
    .bind(reference)
    .bind(reason)
    .bind(arrived_at)
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

/// Leases payouts still open after `older_than_secs` (the provider did not answer, or a slow
/// one whose callback may be lost): their `updated_at` moves to now, committed at once, so
/// another instance leaves them alone while this one asks the provider.
pub async fn lease_open_payouts(pool: &PgPool, older_than_secs: f64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE payouts SET updated_at = now()
         WHERE id IN (SELECT id FROM payouts WHERE status IN ('pending', 'in_transit') AND updated_at < now() - make_interval(secs => $1)
                      ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id",
    )
    .bind(older_than_secs)
    .bind(limit)
    .fetch_all(pool)
    .await
}

// ---- Statements -------------------------------------------------------------------------------

/// One line of a statement: a ledger transaction that changed the shop's available balance,
/// or settled one of its orders.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StatementLine {
    pub transaction_id: i64,
    pub booked_at: OffsetDateTime,
    pub kind: String,
    pub order_number: Option<String>,
    pub gross_minor: Option<i64>,
    pub refunded_minor: Option<i64>,
    pub commission_minor: Option<i64>,
    pub reserve_minor: Option<i64>,
    /// What the line did to the available balance, from the ledger.
    pub amount_minor: i64,
    pub payout_id: Option<i64>,
    /// The available balance after this line.
    pub balance_minor: i64,
}

/// The available balance before `at`.
pub async fn available_before(db: impl PgExecutor<'_>, shop_id: i64, currency: Currency, at: OffsetDateTime) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT coalesce(sum(e.amount_minor), 0)::BIGINT FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
         JOIN ledger_transactions t ON t.id = e.transaction_id
         WHERE a.kind = 'merchant_available' AND a.owner_id = $1 AND a.currency = $2 AND t.booked_at < $3",
    )
    .bind(shop_id)
    .bind(currency.code())
    .bind(at)
    .fetch_one(db)
    .await
}

/// A statement's lines: $1 shop, $2 currency, [$3, $4) the range, $5 the opening balance.
pub const LINES: &str = "
    WITH acct AS (SELECT id FROM ledger_accounts WHERE kind = 'merchant_available' AND owner_id = $1 AND currency = $2),
    lines AS (
        SELECT t.id AS transaction_id, t.booked_at, t.kind, o.number AS order_number,
               CASE WHEN t.kind = 'settlement' THEN s.gross_minor END AS gross_minor,
               CASE WHEN t.kind = 'settlement' THEN s.refunded_minor END AS refunded_minor,
               CASE WHEN t.kind = 'settlement' THEN s.commission_minor END AS commission_minor,
               CASE WHEN t.kind = 'settlement' THEN s.reserve_minor END AS reserve_minor,
               coalesce((SELECT sum(e.amount_minor) FROM ledger_entries e WHERE e.transaction_id = t.id AND e.account_id = (SELECT id FROM acct)), 0)::BIGINT
                   AS amount_minor,
               t.payout_id
        FROM ledger_transactions t
        LEFT JOIN settlements s ON s.id = t.settlement_id
        LEFT JOIN orders o ON o.id = coalesce(s.order_id, t.order_id)
        -- The range first (an index on booked_at), then: it moved the shop's available money,
        -- or it settled one of the shop's orders (a settlement may move nothing).
        WHERE t.booked_at >= $3 AND t.booked_at < $4
          AND (EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id AND e.account_id = (SELECT id FROM acct))
               OR (t.kind = 'settlement' AND s.shop_id = $1 AND s.currency = $2))
    )
    SELECT l.*, ($5::BIGINT + sum(l.amount_minor) OVER (ORDER BY l.booked_at, l.transaction_id))::BIGINT AS balance_minor
    FROM lines l
    ORDER BY l.booked_at, l.transaction_id";

/// The lines booked in `[from, to)`, oldest first, each with the balance after it (`opening`
/// is the balance at `from`). Streamed: any number of lines in bounded memory.
pub fn statement_lines<'a>(
    pool: &'a PgPool,
    shop_id: i64,
    currency: Currency,
    (from, to): (OffsetDateTime, OffsetDateTime),
    opening: i64,
) -> BoxStream<'a, Result<StatementLine, sqlx::Error>> {
    // The window runs after the WHERE: the balance is `opening` plus the lines so far.
    Box::pin(sqlx::query_as::<_, StatementLine>(LINES).bind(shop_id).bind(currency.code()).bind(from).bind(to).bind(opening).fetch(pool))
}

/// The days in `[from, to)` on which a shop's statement in `currency` has lines, newest first,
/// with how many lines and the net change: (day, lines, change).
pub async fn statement_days(
    pool: &PgPool,
    shop_id: i64,
    currency: Currency,
    (from, to): (OffsetDateTime, OffsetDateTime),
) -> Result<Vec<(Date, i64, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{} SELECT (booked_at AT TIME ZONE 'UTC')::date AS day, count(*), sum(amount_minor)::BIGINT FROM lines GROUP BY 1 ORDER BY 1 DESC",
        LINES.split_once("SELECT l.*").expect("the query has its final select").0
    ))
    .bind(shop_id)
    .bind(currency.code())
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// How many lines a statement over `[from, to)` has (for the export's progress).
pub async fn statement_line_count(
    pool: &PgPool,
    shop_id: i64,
    currency: Currency,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!("{} SELECT count(*) FROM lines", LINES.split_once("SELECT l.*").expect("the query has its final select").0))
        .bind(shop_id)
        .bind(currency.code())
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await
}
