//! SQL for the merchant's dashboard: reads only, each over one shop, each served by an index
//! (`orders_shop_paid` for sales and payments, `ledger_entries_account` for balances); the
//! orders to act on are the console's counts (`collection::status_counts`).

use sqlx::PgConnection;
use time::{Date, OffsetDateTime};

use domain::dashboard::{PaidDay, ReceivedPayment};
use domain::money::{Currency, Money};
use domain::orders::CollectionMethod;

#[derive(sqlx::FromRow)]
struct PaidDayRow {
    day: Date,
    currency: Currency,
    orders: i64,
    minor: i64,
}

/// The shop's orders paid in `[from, until)`, grouped by the UTC day they were paid and their
/// currency. An order is paid once (online, or in cash on delivery) and stays paid: `paid_at`
/// is set with the payment and never cleared.
pub async fn paid_by_day(db: &mut PgConnection, shop_id: i64, from: OffsetDateTime, until: OffsetDateTime) -> Result<Vec<PaidDay>, sqlx::Error> {
    let rows: Vec<PaidDayRow> = sqlx::query_as(
        "SELECT (paid_at AT TIME ZONE 'UTC')::date AS day, currency, count(*) AS orders, sum(total_minor)::bigint AS minor
         FROM orders WHERE shop_id = $1 AND paid_at >= $2 AND paid_at < $3
         GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind(shop_id)
    .bind(from)
    .bind(until)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| PaidDay { day: r.day, currency: r.currency, orders: r.orders, minor: r.minor }).collect())
}

#[derive(sqlx::FromRow)]
struct ReceivedRow {
    number: String,
    total_minor: i64,
    currency: Currency,
    collection_method: CollectionMethod,
    paid_at: OffsetDateTime,
}

/// The shop's latest paid orders, newest payment first.
pub async fn received(db: &mut PgConnection, shop_id: i64, limit: i64) -> Result<Vec<ReceivedPayment>, sqlx::Error> {
    let rows: Vec<ReceivedRow> = sqlx::query_as(
        "SELECT number, total_minor, currency, collection_method, paid_at FROM orders
         WHERE shop_id = $1 AND paid_at IS NOT NULL ORDER BY paid_at DESC, id DESC LIMIT $2",
    )
    .bind(shop_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReceivedPayment { number: r.number, amount: Money::new(r.total_minor, r.currency), method: r.collection_method, paid_at: r.paid_at })
        .collect())
}

/// The balance per currency of one of the shop's ledger accounts (`merchant_pending`,
/// `merchant_cash`): the sum of its postings, never a stored number.
pub async fn balances(db: &mut PgConnection, shop_id: i64, kind: &str) -> Result<Vec<Money>, sqlx::Error> {
    let rows: Vec<(Currency, i64)> = sqlx::query_as(
        "SELECT a.currency, coalesce(sum(e.amount_minor), 0)::bigint FROM ledger_accounts a
         LEFT JOIN ledger_entries e ON e.account_id = a.id
         WHERE a.kind = $2 AND a.owner_id = $1 GROUP BY a.currency",
    )
    .bind(shop_id)
    .bind(kind)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(currency, minor)| Money::new(minor, currency)).collect())
}
