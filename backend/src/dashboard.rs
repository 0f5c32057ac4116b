//! The merchant's dashboard, read in one read-only snapshot: the sales, the orders to act on,
//! the payments received and the ledger balances all describe the same moment, so "pending"
//! never counts a payment the sales do not (or the other way round) while one commits.

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::{Error, db};
use domain::accounts::CurrentUser;
use domain::catalog::Shop;
use domain::dashboard::{Dashboard, Periods, RECENT_PAYMENTS, ToAct, balances, sales};
use domain::payments::ledger::Account;

/// The dashboard of the merchant's shop, `None` while they have none (their qualification is
/// not approved yet).
pub async fn of_merchant(pool: &PgPool, merchant: &CurrentUser) -> Result<Option<Dashboard>, Error> {
    let Some(shop) = db::catalog::shop_of_merchant(pool, merchant.id).await? else {
        return Ok(None);
    };
    Ok(Some(read(pool, &shop, OffsetDateTime::now_utc()).await?))
}

/// The shop's dashboard as of `now`.
pub async fn read(pool: &PgPool, shop: &Shop, now: OffsetDateTime) -> Result<Dashboard, Error> {
    let periods = Periods::at(now);
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let paid = db::dashboard::paid_by_day(&mut tx, shop.id, periods.window_start(), periods.window_end()).await?;
    let counts = db::collection::status_counts(&mut *tx, shop.id).await?;
    let received = db::dashboard::received(&mut tx, shop.id, RECENT_PAYMENTS).await?;
    let pending = db::dashboard::balances(&mut tx, shop.id, Account::MerchantPending { shop_id: shop.id }.kind()).await?;
    let cash = db::dashboard::balances(&mut tx, shop.id, Account::MerchantCash { shop_id: shop.id }.kind()).await?;
    let available = db::dashboard::balances(&mut tx, shop.id, Account::MerchantAvailable { shop_id: shop.id }.kind()).await?;
    tx.commit().await?;
    let (sales_today, sales_week, days) = sales(&periods, shop.currency, &paid).map_err(Error::internal)?;
    Ok(Dashboard {
        shop_name: shop.name.clone(),
        currency: shop.currency,
        today: periods.today,
        week_start: periods.week_start,
        sales_today,
        sales_week,
        to_act: ToAct::from_counts(&counts),
        received,
        pending: balances(shop.currency, pending),
        cash_collected: balances(shop.currency, cash),
        available: balances(shop.currency, available),
        days,
    })
}
