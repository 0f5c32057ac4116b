//! The shop's money after the sale: balances (pending, available, reserved, in transit, paid
//! out — all from the ledger), the payout bank account and schedule, "Withdraw", payouts, daily
//! statements with their CSV export, and each order's money timeline ("why is my money
//! held?"). For staff: the platform's balances, the daily reconciliation and, in a sandbox, the
//! test clock. Server functions here are thin: `backend::settlement` and `backend::payouts` do
//! the work.

pub mod export;
pub mod money_page;
pub mod platform_page;
pub mod statement_page;
pub mod timeline;

use leptos::prelude::*;

use crate::error::AppError;
use domain::settlement::{
    MoneyFacts, MoneyOverview, PayoutAccountView, PayoutSchedule, PayoutView, PlatformMoney, ReconciliationView, StatementView,
};

#[cfg(feature = "ssr")]
fn settings() -> crate::checkout::OrderSettings {
    use_context::<crate::checkout::OrderSettings>().unwrap_or_default()
}

/// Merchants: the money page.
#[server(prefix = "/api", endpoint = "merchant_money")]
pub async fn merchant_money() -> Result<MoneyOverview, AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    Ok(backend::payouts::overview(&pool, &me, settings().settle_after_days).await?)
}

/// Merchants: bind (or replace) the bank account payouts go to.
#[server(prefix = "/api", endpoint = "bind_payout_account")]
pub async fn bind_payout_account(
    #[server(default)] country: String,
    #[server(default)] holder: String,
    #[server(default)] bank_code: String,
    #[server(default)] branch_code: String,
    #[server(default)] account_number: String,
) -> Result<PayoutAccountView, AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    Ok(backend::payouts::bind_account(&pool, &me, (&country, &holder, &bank_code, &branch_code, &account_number)).await?)
}

/// Merchants: manual, daily or weekly payouts.
#[server(prefix = "/api", endpoint = "set_payout_schedule")]
pub async fn set_payout_schedule(#[server(default)] schedule: String) -> Result<PayoutSchedule, AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    Ok(backend::payouts::set_schedule(&pool, &me, &schedule).await?)
}

/// Merchants: pay out everything available now. The key makes a double click one payout.
#[server(prefix = "/api", endpoint = "withdraw")]
pub async fn withdraw(key: String) -> Result<PayoutView, AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    let provider = crate::payments::provider::provider()?;
    Ok(backend::payouts::withdraw(&pool, &provider, &me, &key).await?)
}

/// Merchants: the statement of one day (`YYYY-MM-DD`, UTC).
#[server(prefix = "/api", endpoint = "statement")]
pub async fn statement(day: String) -> Result<StatementView, AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    let day = parse_day(&day).ok_or_else(|| AppError::from(domain::Refusal::field("day", domain::Message::DateFormat)))?;
    Ok(backend::settlement::statement(&pool, &me, day).await?)
}

/// A day as `YYYY-MM-DD`.
pub fn parse_day(raw: &str) -> Option<time::Date> {
    time::Date::parse(raw.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Merchants: one of their orders' money timeline.
#[server(prefix = "/api", endpoint = "order_money")]
pub async fn order_money(number: String) -> Result<MoneyFacts, AppError> {
    let (pool, _, shop) = crate::catalog::my_open_shop().await?;
    let order_id: Option<i64> = sqlx::query_scalar("SELECT id FROM orders WHERE number = $1 AND shop_id = $2")
        .bind(number.trim())
        .bind(shop.id)
        .fetch_optional(&pool)
        .await
        .map_err(backend::Error::from)?;
    let order_id = order_id.ok_or_else(|| AppError::NotFound("The order".into()))?;
    Ok(backend::settlement::money_facts(&pool, order_id, settings().settle_after_days).await?)
}

/// Staff: the platform's balances, the last reconciliation and the clock.
#[server(prefix = "/api", endpoint = "platform_balances")]
pub async fn platform_balances() -> Result<PlatformMoney, AppError> {
    let (pool, _) = crate::accounts::session::signed_in_as(domain::accounts::Role::Staff).await?;
    Ok(backend::settlement::platform_money(&pool, &settings()).await?)
}

/// Staff: run the reconciliation now (it also runs once a day by itself).
#[server(prefix = "/api", endpoint = "run_reconciliation")]
pub async fn run_reconciliation() -> Result<ReconciliationView, AppError> {
    let (pool, _) = crate::accounts::session::signed_in_as(domain::accounts::Role::Staff).await?;
    let provider = crate::payments::provider::provider()?;
    let now = backend::clock::now(&pool).await.map_err(backend::Error::from)?;
    Ok(backend::settlement::reconcile(&pool, &provider, now).await?)
}

/// Staff: a shop's commission and reserve (percentages) and reserve days.
#[server(prefix = "/api", endpoint = "set_shop_terms")]
pub async fn set_shop_terms(
    shop_id: i64,
    #[server(default)] commission: String,
    #[server(default)] reserve: String,
    #[server(default)] reserve_days: String,
) -> Result<(), AppError> {
    let (pool, _) = crate::accounts::session::signed_in_as(domain::accounts::Role::Staff).await?;
    Ok(backend::settlement::set_terms(&pool, shop_id, &commission, &reserve, &reserve_days).await?)
}

/// Staff, in a sandbox only: move the platform's clock forward by `days` and `hours`, then run
/// the worker's jobs at once (deadlines, settlement, payouts), so the result shows right away.
#[server(prefix = "/api", endpoint = "advance_clock")]
pub async fn advance_clock(#[server(default)] days: String, #[server(default)] hours: String) -> Result<String, AppError> {
    let (pool, _) = crate::accounts::session::signed_in_as(domain::accounts::Role::Staff).await?;
    let number = |raw: &str| if raw.trim().is_empty() { Some(0) } else { raw.trim().parse::<i64>().ok().filter(|n| *n >= 0) };
    let (Some(days), Some(hours)) = (number(&days), number(&hours)) else {
        return Err(domain::Refusal::field("step", domain::Message::ClockStepInvalid).into());
    };
    let settings = settings();
    let now = backend::clock::advance(&pool, settings.test_clock, days * 86_400 + hours * 3_600).await?;
    let provider = crate::payments::provider::provider()?;
    backend::worker::run_once(&pool, &provider, &settings, now).await;
    Ok(now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default())
}
