//! Settlement: a delivered order's money becomes the shop's `settle_after_days` after delivery
//! when no after-sales request or refund is open on it; the commission goes to the platform,
//! the reserve (if the shop has one) is held and released later — each one balanced ledger
//! transaction, booked once per order however many workers run. Also the shop's balances, its
//! daily statements (and their CSV export, streamed), each order's money timeline, and the
//! platform's daily reconciliation.

use bytes::Bytes;
use futures::{Stream, StreamExt};

use sqlx::{PgConnection, PgPool};
use time::{Date, Duration, OffsetDateTime, Time};

use crate::db::payments::Booking;
use crate::db::settlement::{Balances, StatementLine};
use crate::provider::{PayoutOutcome, Provider};
use crate::{Error, clock, db};
use domain::accounts::CurrentUser;
use domain::catalog::Shop;
use domain::checkout::OrderSettings;
use domain::money::Currency;
use domain::settlement::{
    BalancesView, Difference, LineKind, MoneyFacts, PayoutStatus, PlatformMoney, ReconciliationView, SettlementFacts, ShopTerms, Split, StatementDay,
    StatementLineView, StatementView, parse_percent, parse_reserve_days, reserve_release_posting, settles_at,
};

/// At most this many orders per run, so one run never holds the worker for long.
const BATCH: usize = 500;

pub(crate) async fn merchant_shop(pool: &PgPool, merchant: &CurrentUser) -> Result<Shop, Error> {
    db::catalog::shop_of_merchant(pool, merchant.id).await?.ok_or_else(|| Error::NotFound("Your shop".into()))
}

// ---- Settling ---------------------------------------------------------------------------------

/// Settles every order due at `now`; returns how many. Each order in its own short
/// transaction; one that fails is logged, put in back-off and skipped.
pub async fn settle_due(pool: &PgPool, settings: &OrderSettings, now: OffsetDateTime) -> Result<usize, Error> {
    let mut done = 0;
    let mut failed = Vec::new();
    while done < BATCH {
        let mut tx = pool.begin().await?;
        let Some(order_id) = db::settlement::claim_settleable(&mut tx, now, settings.settle_after_days, &failed).await? else { break };
        match settle_one(&mut tx, order_id, settings.settle_after_days, now).await {
            Ok(settled) => {
                tx.commit().await?;
                done += usize::from(settled);
            }
            Err(err) => {
                let _ = tx.rollback().await;
                tracing::warn!(order_id, error = %err, "settling an order");
                failed.push(order_id);
            }
        }
    }
    Ok(done)
}

/// One claimed (locked) order: its split from what is still pending on it, booked once.
/// `false` when, by the time the lock was taken, it had been settled by another worker or had
/// a refund request or refund opened on it (the claim's look predates those commits).
async fn settle_one(tx: &mut PgConnection, order_id: i64, settle_after_days: i64, now: OffsetDateTime) -> Result<bool, Error> {
    if !db::settlement::still_settleable(tx, order_id).await? {
        return Ok(false);
    }
    let (gross, left, cash, shop_id, currency) = db::settlement::order_money(tx, order_id).await?;
    if gross <= 0 {
        return Err(Error::internal(format!("order {order_id} is delivered but nothing was paid for it")));
    }
    let terms = db::settlement::terms(&mut *tx, shop_id, settle_after_days).await?;
    let split = Split::of(gross, gross - left, cash, &terms);
    let release_at = (split.reserve > 0).then(|| now + Duration::days(terms.reserve_days));
    let Some(settlement_id) = db::settlement::insert_settlement(tx, order_id, shop_id, currency, &split, now, release_at).await? else {
        return Ok(false);
    };
    let booking =
        Booking { kind: "settlement", settlement_id: Some(settlement_id), order_id: Some(order_id), booked_at: Some(now), ..Booking::default() };
    db::payments::post_booking(tx, &booking, currency, &split.posting(shop_id)).await?;
    db::settlement::tell_merchant(tx, order_id, "settled").await?;
    tracing::info!(order_id, settlement_id, net = split.net, commission = split.commission, reserve = split.reserve, "order settled");
    Ok(true)
}

/// Releases every reserve due at `now` to the shop's available balance; returns how many.
pub async fn release_reserves(pool: &PgPool, now: OffsetDateTime) -> Result<usize, Error> {
    let mut done = 0;
    let mut failed: Vec<i64> = Vec::new();
    while done < BATCH {
        let mut tx = pool.begin().await?;
        let Some((settlement_id, order_id, shop_id, amount)) = db::settlement::release_due_reserve(&mut tx, now, &failed).await? else { break };
        let booking = Booking {
            kind: "reserve_release",
            settlement_id: Some(settlement_id),
            order_id: Some(order_id),
            booked_at: Some(now),
            ..Booking::default()
        };
        let booked = async {
            db::payments::post_booking(&mut tx, &booking, amount.currency, &reserve_release_posting(amount.minor, shop_id)).await?;
            db::settlement::tell_merchant(&mut tx, order_id, "reserve_released").await
        }
        .await;
        match booked {
            Ok(()) => {
                tx.commit().await?;
                done += 1;
            }
            Err(err) => {
                // Skipped this run (the others behind it go on), tried again at the next.
                let _ = tx.rollback().await;
                tracing::warn!(settlement_id, error = %err, "releasing a reserve");
                failed.push(settlement_id);
            }
        }
    }
    Ok(done)
}

// ---- What the merchant sees -------------------------------------------------------------------

pub fn balances_view(currency: Currency, b: Balances) -> BalancesView {
    BalancesView {
        currency: Some(currency),
        pending: b.pending,
        available: b.available,
        reserved: b.reserved,
        in_transit: b.in_transit,
        paid_out: b.paid_out,
    }
}

/// The shop's balances in its currency.
pub async fn balances_of(pool: &PgPool, shop: &Shop) -> Result<BalancesView, Error> {
    let all = db::settlement::balances(pool, shop.id).await?;
    let mine = all.into_iter().find(|(c, _)| *c == shop.currency).map(|(_, b)| b).unwrap_or_default();
    Ok(balances_view(shop.currency, mine))
}

/// The days with statement lines within `days` days of `now` (the platform's), newest first.
pub async fn statement_days(pool: &PgPool, shop: &Shop, now: OffsetDateTime, days: i64) -> Result<Vec<StatementDay>, Error> {
    let (_, end) = day_bounds(now.date());
    let days = db::settlement::statement_days(pool, shop.id, shop.currency, (end - Duration::days(days), end)).await?;
    Ok(days.into_iter().map(|(day, lines, change)| StatementDay { day, currency: shop.currency, lines, change }).collect())
}

fn day_bounds(day: Date) -> (OffsetDateTime, OffsetDateTime) {
    let start = day.with_time(Time::MIDNIGHT).assume_utc();
    (start, start + Duration::days(1))
}

fn line_view(l: StatementLine) -> StatementLineView {
    StatementLineView {
        at: l.booked_at,
        kind: LineKind::of(&l.kind),
        order_number: l.order_number,
        gross: l.gross_minor,
        refunded: l.refunded_minor,
        commission: l.commission_minor,
        reserve: l.reserve_minor,
        amount: l.amount_minor,
        payout_id: l.payout_id,
        balance: l.balance_minor,
    }
}

/// The merchant's statement for one day (UTC) in their shop's currency.
pub async fn statement(pool: &PgPool, merchant: &CurrentUser, day: Date) -> Result<StatementView, Error> {
    let shop = merchant_shop(pool, merchant).await?;
    statement_of(pool, shop.id, shop.currency, day).await
}

pub async fn statement_of(pool: &PgPool, shop_id: i64, currency: Currency, day: Date) -> Result<StatementView, Error> {
    let (from, to) = day_bounds(day);
    let opening = db::settlement::available_before(pool, shop_id, currency, from).await?;
    let closing = db::settlement::available_before(pool, shop_id, currency, to).await?;
    let mut lines = Vec::new();
    let mut stream = db::settlement::statement_lines(pool, shop_id, currency, (from, to), opening);
    while let Some(line) = stream.next().await {
        lines.push(line_view(line?));
    }
    let totals = lines.iter().filter(|l| l.kind == LineKind::Settlement).fold((0, 0, 0, 0), |t, l| {
        (t.0 + l.gross.unwrap_or(0), t.1 + l.refunded.unwrap_or(0), t.2 + l.commission.unwrap_or(0), t.3 + l.reserve.unwrap_or(0))
    });
    Ok(StatementView { day, currency, opening, lines, closing, totals })
}

/// Statement exports streaming at once, per server process.
const MAX_EXPORTS: usize = 3;
static EXPORTS: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
/// How long an export waits for a client that stopped reading.
const STALL: std::time::Duration = std::time::Duration::from_secs(30);

/// The CSV header of a statement export.
pub const CSV_HEADER: &str = "booked_at,kind,order,gross,refunded,commission,reserve,amount,payout,balance,currency\n";

fn csv_line(l: &StatementLine, currency: Currency) -> String {
    let opt = |v: Option<i64>| v.map(|v| minor_text(v, currency)).unwrap_or_default();
    let at = l.booked_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    // Order numbers are the platform's own ("PD-…"): no comma, quote or formula character.
    format!(
        "{at},{},{},{},{},{},{},{},{},{},{}\n",
        LineKind::of(&l.kind).as_str(),
        l.order_number.as_deref().unwrap_or(""),
        opt(l.gross_minor),
        opt(l.refunded_minor),
        opt(l.commission_minor),
        opt(l.reserve_minor),
        minor_text(l.amount_minor, currency),
        l.payout_id.map(|p| p.to_string()).unwrap_or_default(),
        minor_text(l.balance_minor, currency),
        currency.code()
    )
}

/// An amount in major units with the currency's decimals, no grouping: "-12.50", "1025".
fn minor_text(minor: i64, currency: Currency) -> String {
    let exp = currency.exponent();
    if exp == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(exp);
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:0width$}", minor.unsigned_abs() / scale as u64, minor.unsigned_abs() % scale as u64, width = exp as usize)
}

/// The statement lines of `[from, to)` days as CSV, streamed from Postgres in chunks: memory
/// stays bounded whatever the number of lines. Returns the number of lines first (for the
/// download's progress) and the stream.
pub async fn csv_export(
    pool: &PgPool,
    merchant: &CurrentUser,
    from: Date,
    to: Date,
) -> Result<(i64, impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<>), Error> {
    let shop = merchant_shop(pool, merchant).await?;
    if to < from {
        return Err(Error::field("to", domain::Message::DateOrder));
    }
    let (start, _) = day_bounds(from);
    let (_, end) = day_bounds(to);
    let count = db::settlement::statement_line_count(pool, shop.id, shop.currency, start, end).await?;
    let opening = db::settlement::available_before(pool, shop.id, shop.currency, start).await?;
    // Each export holds a database connection while it streams: a few at a time, so that
    // exports can never take the pool from everyone else.
    let permit = EXPORTS
        .get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_EXPORTS)))
        .clone()
        .try_acquire_owned()
        .map_err(|_| Error::Busy(10))?;
    // A task reads the rows and hands chunks over a channel of four: Postgres is read only as
    // fast as the client takes the file; a client that goes away, or stops reading for
    // `STALL`, ends the task and frees its connection.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let (pool, currency, shop_id) = (pool.clone(), shop.currency, shop.id);
    tokio::spawn(async move {
        let _permit = permit;
        let send = |item| {
            let sender = sender.clone();
            async move { matches!(tokio::time::timeout(STALL, sender.send(item)).await, Ok(Ok(()))) }
        };
        if !send(Ok(Bytes::from_static(CSV_HEADER.as_bytes()))).await {
            return;
        }
        let mut lines = db::settlement::statement_lines(&pool, shop_id, currency, (start, end), opening);
        let mut chunk = String::with_capacity(64 * 1024);
        while let Some(line) = lines.next().await {
            match line {
                Ok(line) => chunk.push_str(&csv_line(&line, currency)),
                Err(err) => {
                    tracing::warn!(error = %err, "statement export stopped");
                    send(Err(std::io::Error::other("the export was interrupted; please download it again"))).await;
                    return;
                }
            }
            if chunk.len() >= 60 * 1024 && !send(Ok(Bytes::from(std::mem::take(&mut chunk)))).await {
                return;
            }
        }
        if !chunk.is_empty() {
            send(Ok(Bytes::from(chunk))).await;
        }
    });
    // `poll_fn` keeps answering "ended" once it has (a compressing layer polls again after the
    // end; `unfold` would panic there).
    let mut receiver = receiver;
    let body = futures::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    Ok((count, body))
}

/// What one order's money timeline needs, on the platform's clock.
pub async fn money_facts(pool: &PgPool, order_id: i64, settle_after_days: i64) -> Result<MoneyFacts, Error> {
    type Row = (bool, Option<OffsetDateTime>, Option<OffsetDateTime>, bool, i64, Currency);
    let (cash, paid_at, delivered_at, cancelled, shop_id, currency): Row = sqlx::query_as(
        "SELECT collection_method = 'cash_on_delivery', paid_at, delivered_at, status = 'cancelled', shop_id, currency FROM orders WHERE id = $1",
    )
    .bind(order_id)
    .fetch_one(pool)
    .await?;
    let terms = db::settlement::terms(pool, shop_id, settle_after_days).await?;
    let open_request: Option<(i64, OffsetDateTime)> = sqlx::query_as(
        "SELECT id, created_at FROM refund_requests WHERE order_id = $1 AND status NOT IN ('refunded', 'closed') ORDER BY id DESC LIMIT 1",
    )
    .bind(order_id)
    .fetch_optional(pool)
    .await?;
    let settled = db::settlement::settlement_of(pool, order_id).await?;
    let payout = settled.as_ref().and_then(|s| Some((s.payout_id?, s.payout_status?, s.payout_arrived_at)));
    let settlement = settled.map(|s| SettlementFacts {
        at: s.settled_at,
        split: s.split(),
        reserve_release_at: s.reserve_release_at,
        reserve_released_at: s.reserve_released_at,
    });
    Ok(MoneyFacts {
        cash,
        paid_at,
        delivered_at,
        settles_at: delivered_at.map(|d| settles_at(d, &terms)),
        open_request,
        settlement,
        payout,
        cancelled,
        now: Some(clock::now(pool).await?),
        settle_after_days,
        currency: Some(currency),
    })
}

// ---- Staff: platform balances and reconciliation ----------------------------------------------

pub async fn platform_money(pool: &PgPool, settings: &OrderSettings) -> Result<PlatformMoney, Error> {
    let balances = db::settlement::platform_balances(pool).await?;
    let last: Option<(Date, OffsetDateTime, i64, sqlx::types::Json<Vec<Difference>>)> =
        sqlx::query_as("SELECT day, started_at, checked, differences FROM reconciliation_runs ORDER BY started_at DESC LIMIT 1")
            .fetch_optional(pool)
            .await?;
    let last_run = last.map(|(day, at, checked, differences)| ReconciliationView { day, at, checked, differences: differences.0 });
    let now = clock::now(pool).await?;
    let clock_offset = if settings.test_clock { Some(clock::offset(pool).await?) } else { None };
    let shops: Vec<(i64, String, Currency, i32, i32, i32)> =
        sqlx::query_as("SELECT id, name, currency, commission_bp, reserve_bp, reserve_days FROM shops ORDER BY id LIMIT 500").fetch_all(pool).await?;
    let shops = shops
        .into_iter()
        .map(|(shop_id, name, currency, c, r, d)| ShopTerms {
            shop_id,
            name,
            currency,
            commission_bp: c.into(),
            reserve_bp: r.into(),
            reserve_days: d.into(),
        })
        .collect();
    Ok(PlatformMoney { balances, last_run, now, clock_offset, shops })
}

/// Staff: a shop's commission and reserve, as typed (percentages, days); every field checked
/// before anything changes. They apply to the settlements from now on.
pub async fn set_terms(pool: &PgPool, shop_id: i64, commission: &str, reserve: &str, reserve_days: &str) -> Result<(), Error> {
    let mut errors = Vec::new();
    let commission = parse_percent(commission).map_err(|m| errors.push(domain::FieldError::new("commission", m))).ok();
    let reserve = parse_percent(reserve).map_err(|m| errors.push(domain::FieldError::new("reserve", m))).ok();
    let days = parse_reserve_days(reserve_days).map_err(|m| errors.push(domain::FieldError::new("reserve_days", m))).ok();
    let (Some(commission), Some(reserve), Some(days)) = (commission, reserve, days) else {
        return Err(Error::Validation(errors));
    };
    let changed = sqlx::query("UPDATE shops SET commission_bp = $2, reserve_bp = $3, reserve_days = $4 WHERE id = $1")
        .bind(shop_id)
        .bind(commission as i32)
        .bind(reserve as i32)
        .bind(days as i32)
        .execute(pool)
        .await?;
    if changed.rows_affected() == 0 {
        return Err(Error::NotFound("The shop".into()));
    }
    tracing::info!(shop_id, commission, reserve, days, "shop terms changed");
    Ok(())
}

/// Checks the money end to end and records what does not add up, for the platform day of
/// `now` (a second run that day replaces the first):
/// - every ledger transaction balances per currency;
/// - every settlement's net, commission and reserve are what its ledger transaction moved;
/// - every reserve and the revenue account equal what the settlements say they hold;
/// - every payout's in-transit and bank postings match its status, and the provider agrees.
pub async fn reconcile(pool: &PgPool, provider: &Provider, now: OffsetDateTime) -> Result<ReconciliationView, Error> {
    let mut differences = Vec::new();
    let mut checked = 0i64;
    let diff = |subject: &str, id: String, expected: i64, found: i64| Difference {
        subject: subject.into(),
        id,
        expected: expected.to_string(),
        found: found.to_string(),
    };

    let unbalanced: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT transaction_id, sum(amount_minor)::BIGINT FROM ledger_entries GROUP BY transaction_id, currency HAVING sum(amount_minor) <> 0",
    )
    .fetch_all(pool)
    .await?;
    checked += sqlx::query_scalar::<_, i64>("SELECT count(*) FROM ledger_transactions").fetch_one(pool).await?;
    differences.extend(unbalanced.into_iter().map(|(id, sum)| diff("ledger_transaction", id.to_string(), 0, sum)));

    // Each settlement against its own ledger transaction, account by account.
    type SettlementCheck = (i64, i64, i64, i64, i64, i64, i64);
    let settlements: Vec<SettlementCheck> = sqlx::query_as(
        "SELECT s.id, s.net_minor, s.commission_minor, s.reserve_minor,
                coalesce(sum(e.amount_minor) FILTER (WHERE a.kind = 'merchant_available'), 0)::BIGINT,
                coalesce(sum(e.amount_minor) FILTER (WHERE a.kind = 'platform_revenue'), 0)::BIGINT,
                coalesce(sum(e.amount_minor) FILTER (WHERE a.kind = 'merchant_reserve'), 0)::BIGINT
         FROM settlements s
         LEFT JOIN ledger_transactions t ON t.settlement_id = s.id AND t.kind = 'settlement'
         LEFT JOIN ledger_entries e ON e.transaction_id = t.id
         LEFT JOIN ledger_accounts a ON a.id = e.account_id
         GROUP BY s.id ORDER BY s.id",
    )
    .fetch_all(pool)
    .await?;
    checked += settlements.len() as i64;
    for (id, net, commission, reserve, available, revenue, reserved) in settlements {
        for (what, expected, found) in [("net", net, available), ("commission", commission, revenue), ("reserve", reserve, reserved)] {
            if expected != found {
                differences.push(diff("settlement", format!("{id} {what}"), expected, found));
            }
        }
    }

    // Accounts against the records that explain them.
    let accounts: Vec<(String, Currency, i64, i64)> = sqlx::query_as(
        "WITH bal AS (SELECT a.kind, a.owner_id, a.currency, coalesce(sum(e.amount_minor), 0)::BIGINT AS balance
                      FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
                      WHERE a.kind IN ('merchant_reserve', 'merchant_payouts_in_transit', 'merchant_bank', 'platform_revenue') GROUP BY a.id)
         SELECT b.kind || coalesce(' of shop ' || b.owner_id, ''), b.currency, b.balance,
                CASE b.kind
                  WHEN 'merchant_reserve' THEN (SELECT coalesce(sum(reserve_minor), 0) FROM settlements
                                                WHERE shop_id = b.owner_id AND currency = b.currency AND reserve_released_at IS NULL)
                  WHEN 'merchant_payouts_in_transit' THEN (SELECT coalesce(sum(amount_minor), 0) FROM payouts
                                                           WHERE shop_id = b.owner_id AND currency = b.currency AND status IN ('pending', 'in_transit'))
                  WHEN 'platform_revenue' THEN (SELECT coalesce(sum(commission_minor), 0) FROM settlements WHERE currency = b.currency)
                  ELSE (SELECT coalesce(sum(amount_minor), 0) FROM payouts WHERE shop_id = b.owner_id AND currency = b.currency AND status = 'paid')
                END::BIGINT
         FROM bal b ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    checked += accounts.len() as i64;
    for (name, currency, balance, expected) in accounts {
        if balance != expected {
            differences.push(diff("account", format!("{name} {}", currency.code()), expected, balance));
        }
    }

    // Payouts of the last 30 days against the provider (older ones were checked on their days).
    let payouts: Vec<(i64, PayoutStatus, Option<String>)> = sqlx::query_as(
        "SELECT id, status, provider_reference FROM payouts WHERE provider_reference IS NOT NULL AND created_at > $1 - interval '30 days' ORDER BY id",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    checked += payouts.len() as i64;
    for (id, status, reference) in payouts {
        let Some(reference) = reference else { continue };
        let theirs = match provider.query_payout(&reference).await {
            Ok(PayoutOutcome::Paid { .. }) => PayoutStatus::Paid,
            Ok(PayoutOutcome::InTransit { .. }) => PayoutStatus::InTransit,
            Ok(PayoutOutcome::Failed { .. }) => PayoutStatus::Failed,
            Err(err) => {
                differences.push(Difference {
                    subject: "payout".into(),
                    id: id.to_string(),
                    expected: status.as_str().into(),
                    found: err.to_string(),
                });
                continue;
            }
        };
        // In transit here while the provider has finished is the worker's next job, not a difference.
        if theirs != status && !(status == PayoutStatus::InTransit || status == PayoutStatus::Pending) {
            differences.push(Difference {
                subject: "payout".into(),
                id: id.to_string(),
                expected: theirs.as_str().into(),
                found: status.as_str().into(),
            });
        }
    }

    let day = now.date();
    let differences_json = sqlx::types::Json(&differences);
    let at: OffsetDateTime = sqlx::query_scalar(
        "INSERT INTO reconciliation_runs (day, started_at, checked, differences) VALUES ($1, $2, $3, $4)
         ON CONFLICT (day) DO UPDATE SET started_at = $2, checked = $3, differences = $4 RETURNING started_at",
    )
    .bind(day)
    .bind(now)
    .bind(checked)
    .bind(differences_json)
    .fetch_one(pool)
    .await?;
    if differences.is_empty() {
        tracing::info!(checked, "reconciliation: everything adds up");
    } else {
        tracing::warn!(checked, differences = differences.len(), "reconciliation found differences");
    }
    Ok(ReconciliationView { day, at, checked, differences })
}

/// The daily reconciliation, once per platform day.
pub async fn reconcile_daily(pool: &PgPool, provider: &Provider, now: OffsetDateTime) -> Result<bool, Error> {
    let ran: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM reconciliation_runs WHERE day = $1)").bind(now.date()).fetch_one(pool).await?;
    if ran {
        return Ok(false);
    }
    reconcile(pool, provider, now).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_amounts_use_the_currencys_decimals() {
        assert_eq!(minor_text(1025, Currency::JPY), "1025");
        assert_eq!(minor_text(-1025, Currency::USD), "-10.25");
        assert_eq!(minor_text(5, Currency::SGD), "0.05");
        assert_eq!(minor_text(-5, Currency::SGD), "-0.05");
    }
}
