//! "Check connection": a button in each shell that calls a server function which writes to
//! and reads from Postgres, then shows the answer. It proves that SSR, hydration, server
//! functions and the database work together, and tells a user at a glance that the platform
//! is reachable.

pub use domain::health::{Area, ConnectionReport};
use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::{t, td_string, use_i18n};
use crate::ui::fill;

/// Records a connection check in Postgres and returns it.
#[server(prefix = "/api", endpoint = "check_connection")]
pub async fn check_connection(area: Area) -> Result<ConnectionReport, AppError> {
    let pool = crate::db::pool()?;
    Ok(crate::db::health::record_check(&pool, area).await?)
}

/// The most recent connection check of an area, if any.
#[server(prefix = "/api", endpoint = "last_connection_check")]
pub async fn last_connection_check(area: Area) -> Result<Option<ConnectionReport>, AppError> {
    let pool = crate::db::pool()?;
    Ok(crate::db::health::last_check(&pool, area).await?)
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
        for area in [Area::Shop, Area::Merchant] {
            let json = serde_json::to_string(&area).unwrap();
            assert_eq!(json, format!("\"{}\"", area.as_str()));
        }
    }
}
