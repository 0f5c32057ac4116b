//! "Check connection": a button that calls a server function which writes to and reads from
//! Postgres, then shows the answer. It proves that SSR, hydration, server functions and the
//! database work together. It sits on the staff's "System status" page (with the last checks
//! of the other sides and what is waiting for staff); the merchant console's overview is the
//! merchant's dashboard since issue 17.

pub use domain::health::{Area, ConnectionReport, StatusReport};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::error::AppError;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::ui::fill;

/// The staff's area is for staff only; the others are open to anyone.
#[cfg(feature = "ssr")]
async fn pool_for(area: Area) -> Result<sqlx::PgPool, AppError> {
    match area {
        Area::Staff => Ok(crate::accounts::session::signed_in_as(domain::accounts::Role::Staff).await?.0),
        Area::Shop | Area::Merchant => crate::db::pool(),
    }
}

/// Records a connection check in Postgres and returns it.
#[server(prefix = "/api", endpoint = "check_connection")]
pub async fn check_connection(area: Area) -> Result<ConnectionReport, AppError> {
    let pool = pool_for(area).await?;
    Ok(crate::db::health::record_check(&pool, area).await?)
}

/// The most recent connection check of an area, if any.
#[server(prefix = "/api", endpoint = "last_connection_check")]
pub async fn last_connection_check(area: Area) -> Result<Option<ConnectionReport>, AppError> {
    let pool = pool_for(area).await?;
    Ok(crate::db::health::last_check(&pool, area).await?)
}

/// Staff: the last checks from the shop and the console, and what is waiting for staff.
#[server(prefix = "/api", endpoint = "system_status")]
pub async fn system_status() -> Result<StatusReport, AppError> {
    use crate::db;
    let (pool, _) = crate::accounts::session::signed_in_as(domain::accounts::Role::Staff).await?;
    Ok(StatusReport {
        last_shop_check: db::health::last_check(&pool, Area::Shop).await?,
        last_merchant_check: db::health::last_check(&pool, Area::Merchant).await?,
        stuck_work: db::jobs::stuck(&pool).await?.len(),
        open_tickets: db::support::queue(&pool, Some(domain::support::TicketStatus::Open)).await?.len(),
        reviews_waiting: db::qualification::queue(&pool, 200).await?.len(),
    })
}

/// Staff: "System status" — the connection check, the other sides' last checks, and links to
/// what is waiting (stuck background work, open tickets, reviews).
#[component]
pub fn StatusPage() -> impl IntoView {
    let anything = crate::live::Live::follow(|_| true);
    let status = Resource::new(move || anything.get(), |_| system_status());
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let last = move |report: Option<ConnectionReport>| match report {
        Some(r) => fill(td_string!(l, common.connection_last), &[("id", r.check_id.to_string()), ("time", r.time_utc())]),
        None => td_string!(l, staff.st_no_check).to_string(),
    };
    view! {
        <Title text=t_string!(i18n, staff.st_title)/>
        <h1>{t!(i18n, staff.st_title)}</h1>
        <ConnectionCheck area=Area::Staff/>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, staff.st_loading)}</p> }>
            {move || Suspend::new(async move {
                let s = status.await?;
                let count = |n: usize| domain::message::thousands(n as i64);
                Ok::<_, AppError>(view! {
                    <section class="card" aria-labelledby="waiting-title">
                        <h2 id="waiting-title">{t!(i18n, staff.st_waiting)}</h2>
                        <dl class="facts">
                            <dt>{t!(i18n, staff.st_stuck)}</dt>
                            <dd>{if s.stuck_work == 0 {
                                view! { <span>{t!(i18n, staff.st_none)}</span> }.into_any()
                            } else {
                                view! { <A href="/staff/tickets#stuck-title">{fill(td_string!(l, staff.st_stuck_items), &[("count", count(s.stuck_work))])}</A> }.into_any()
                            }}</dd>
                            <dt>{t!(i18n, staff.st_open_tickets)}</dt>
                            <dd><A href="/staff/tickets?status=open">{count(s.open_tickets)}</A></dd>
                            <dt>{t!(i18n, staff.st_reviews)}</dt>
                            <dd><A href="/staff/reviews">{count(s.reviews_waiting)}</A></dd>
                        </dl>
                    </section>
                    <section class="card" aria-labelledby="other-checks-title">
                        <h2 id="other-checks-title">{t!(i18n, staff.st_other_checks)}</h2>
                        <dl class="facts">
                            <dt>{t!(i18n, staff.st_from_shop)}</dt><dd>{last(s.last_shop_check)}</dd>
                            <dt>{t!(i18n, staff.st_from_console)}</dt><dd>{last(s.last_merchant_check)}</dd>
                        </dl>
                    </section>
                })
            })}
        </Transition>
    }
}

#[component]
pub fn ConnectionCheck(area: Area) -> impl IntoView {
    let check = ServerAction::<CheckConnection>::new();
    let pending = check.pending();
    let value = check.value();
    // Rendered on the server from Postgres, and read again after every new check.
    let last = Resource::new(move || check.version().get(), move |_| last_connection_check(area));
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();

    view! {
        <section class="card connection-check" aria-labelledby="connection-check-title">
            <h2 id="connection-check-title">{t!(i18n, common.connection_heading)}</h2>
            <p class="muted">{t!(i18n, common.connection_intro)}</p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, common.connection_loading)}</p> }>
                {move || Suspend::new(async move {
                    let text = match last.await? {
                        Some(report) => fill(td_string!(l, common.connection_last), &[("id", report.check_id.to_string()), ("time", report.time_utc())]),
                        None => td_string!(l, common.connection_none).to_string(),
                    };
                    Ok::<_, AppError>(view! { <p class="last-check">{text}</p> })
                })}
            </Transition>
            <ActionForm action=check>
                <input type="hidden" name="area" value=area.as_str()/>
                <button type="submit" class="button" disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { td_string!(l, common.connection_checking) } else { td_string!(l, common.connection_check) }}
                </button>
            </ActionForm>
            <p role="status" class="check-result" aria-live="polite">
                {move || match value.get() {
                    None => String::new(),
                    Some(Ok(report)) => answered(l, &report),
                    Some(Err(err)) => err.text(l),
                }}
            </p>
        </section>
    }
}

/// The sentence a finished check shows, in the reader's language.
fn answered(l: crate::i18n::Locale, report: &ConnectionReport) -> String {
    fill(
        td_string!(l, common.connection_answered),
        &[("time", report.time_utc()), ("id", report.check_id.to_string()), ("count", report.area_total.to_string())],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn the_answer_names_the_check_and_the_time_in_utc_in_either_language() {
        let report =
            ConnectionReport { check_id: 42, area: Area::Merchant, checked_at: time::macros::datetime!(2026-11-25 09:05:03 +08:00), area_total: 7 };
        assert_eq!(answered(Locale::en, &report), "Server and database answered at 01:05:03 UTC — check #42 (7 from this console so far).");
        assert_eq!(answered(Locale::zh_CN, &report), "服务器和数据库已于 01:05:03 UTC 响应 — 第 42 次检查（此处累计 7 次）。");
    }

    #[test]
    fn areas_serialize_as_the_database_spells_them() {
        for area in [Area::Shop, Area::Merchant, Area::Staff] {
            let json = serde_json::to_string(&area).unwrap();
            assert_eq!(json, format!("\"{}\"", area.as_str()));
        }
    }
}
