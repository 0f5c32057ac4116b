//! `/staff/money`: the platform's balances (clearing, revenue, suspense, what shops are owed,
//! outstanding payouts), the last reconciliation with every difference it found and a button to
//! run it now, and — with the sandbox provider outside production — the test clock.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{AdvanceClock, RunReconciliation, SetShopTerms, platform_balances};
use crate::error::AppError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::ui::{FormError, field_error, fill, form_error, when};
use crate::words::money;
use domain::money::Money;
use domain::settlement::{PlatformMoney, ReconciliationView, ShopTerms};

fn account_text(l: Locale, kind: &str) -> String {
    match kind {
        "platform_clearing" => td_string!(l, money.a_platform_clearing),
        "platform_revenue" => td_string!(l, money.a_platform_revenue),
        "platform_suspense" => td_string!(l, money.a_platform_suspense),
        "merchant_pending" => td_string!(l, money.a_merchant_pending),
        "merchant_available" => td_string!(l, money.a_merchant_available),
        "merchant_reserve" => td_string!(l, money.a_merchant_reserve),
        "merchant_payouts_in_transit" => td_string!(l, money.a_merchant_payouts_in_transit),
        other => return other.to_string(),
    }
    .to_string()
}

/// A duration in days and hours: "7 d 0 h" / "7 天 0 小时".
fn ahead(l: Locale, secs: i64) -> String {
    let (days, hours) = (secs / 86_400, secs % 86_400 / 3_600);
    match l {
        Locale::en => format!("{days} d {hours} h"),
        Locale::zh_CN => format!("{days} 天 {hours} 小时"),
    }
}

#[component]
pub fn PlatformMoneyPage() -> impl IntoView {
    let run = ServerAction::<RunReconciliation>::new();
    let clock = ServerAction::<AdvanceClock>::new();
    let terms = ServerAction::<SetShopTerms>::new();
    let shown = Resource::new(move || (run.version().get(), clock.version().get(), terms.version().get()), |_| platform_balances());
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, money.platform_title)/>
        <h1>{t!(i18n, money.platform_title)}</h1>
        <Transition fallback=move || view! { <p class="muted" role="status">{t!(i18n, money.platform_loading)}</p> }>
            {move || Suspend::new(async move {
                let p = shown.await?;
                Ok::<_, AppError>(view! { <Platform p run clock terms/> })
            })}
        </Transition>
    }
}

#[component]
fn Platform(
    p: PlatformMoney,
    run: ServerAction<RunReconciliation>,
    clock: ServerAction<AdvanceClock>,
    terms: ServerAction<SetShopTerms>,
) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let cols = [td_string!(l, money.pa_col_currency), td_string!(l, money.pa_col_account), td_string!(l, money.pa_col_balance)];
    let clock_now = p.clock_offset.map(|offset| fill(td_string!(l, money.clock_now), &[("now", when(p.now)), ("ahead", ahead(l, offset))]));
    view! {
        {clock_now.map(|text| view! { <p class="notice" role="status">{text}</p> })}
        <section class="card" aria-labelledby="platform-balances">
            <h2 id="platform-balances">{t!(i18n, money.platform_balances)}</h2>
            <table class="table">
                <thead><tr>{cols.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {p.balances.iter().map(|(currency, kind, minor)| view! {
                        <tr>
                            <td data-label=cols[0]>{currency.code()}</td>
                            <td data-label=cols[1]>{account_text(l, kind)}</td>
                            <td data-label=cols[2]>{money(l, Money::new(*minor, *currency))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <Reconciliation last=p.last_run run/>
        <Terms shops=p.shops terms/>
        {match p.clock_offset {
            Some(_) => view! { <ClockCard clock/> }.into_any(),
            None => view! {
                <section class="card" aria-labelledby="test-clock">
                    <h2 id="test-clock">{t!(i18n, money.clock_heading)}</h2>
                    <p class="muted">{t!(i18n, money.clock_off)}</p>
                </section>
            }.into_any(),
        }}
    }
}

#[component]
fn Reconciliation(last: Option<ReconciliationView>, run: ServerAction<RunReconciliation>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let cols =
        [td_string!(l, money.d_col_subject), td_string!(l, money.d_col_id), td_string!(l, money.d_col_expected), td_string!(l, money.d_col_found)];
    let report = match last {
        None => view! { <p>{t!(i18n, money.rec_never)}</p> }.into_any(),
        Some(r) => {
            let summary = fill(td_string!(l, money.rec_last), &[("at", when(r.at)), ("day", r.day.to_string()), ("checked", r.checked.to_string())]);
            let found = if r.differences.is_empty() {
                view! { <p class="ok">{t!(i18n, money.rec_clean)}</p> }.into_any()
            } else {
                view! {
                    <p role="alert">{fill(td_string!(l, money.rec_differences), &[("count", r.differences.len().to_string())])}</p>
                    <table class="table">
                        <thead><tr>{cols.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {r.differences.into_iter().map(|d| view! {
                                <tr>
                                    <td data-label=cols[0]>{d.subject}</td>
                                    <td data-label=cols[1]>{d.id}</td>
                                    <td data-label=cols[2]>{d.expected}</td>
                                    <td data-label=cols[3]>{d.found}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            };
            view! { <p>{summary}</p>{found} }.into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="reconciliation">
            <h2 id="reconciliation">{t!(i18n, money.rec_heading)}</h2>
            {report}
            <ActionForm action=run>
                <button type="submit" class="button secondary" disabled=move || run.pending().get()>
                    {move || if run.pending().get() { td_string!(l, money.rec_running) } else { td_string!(l, money.rec_run) }}
                </button>
            </ActionForm>
            <FormError error=form_error(run.value())/>
        </section>
    }
}

#[component]
fn ClockCard(clock: ServerAction<AdvanceClock>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let value = clock.value();
    let moved =
        move || value.with(|v| v.as_ref().and_then(|r| r.as_ref().ok()).map(|now| fill(td_string!(l, money.clock_moved), &[("now", now.clone())])));
    view! {
        <section class="card" aria-labelledby="test-clock">
            <h2 id="test-clock">{t!(i18n, money.clock_heading)}</h2>
            <ActionForm action=clock attr:class="inline-form">
                <div class="field">
                    <label for="clock-days">{t!(i18n, money.clock_days)}</label>
                    <input id="clock-days" name="days" type="number" min="0" max="90" inputmode="numeric" value="7"/>
                </div>
                <div class="field">
                    <label for="clock-hours">{t!(i18n, money.clock_hours)}</label>
                    <input id="clock-hours" name="hours" type="number" min="0" max="24" inputmode="numeric" value="0"/>
                </div>
                <button type="submit" class="button" disabled=move || clock.pending().get()>
                    {move || if clock.pending().get() { td_string!(l, money.clock_moving) } else { td_string!(l, money.clock_move) }}
                </button>
                <p class="field-error">{move || field_error(value, "step").get()}</p>
                <FormError error=form_error(value)/>
                <p role="status">{moved}</p>
            </ActionForm>
        </section>
    }
}

#[component]
fn Terms(shops: Vec<ShopTerms>, terms: ServerAction<SetShopTerms>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let value = terms.value();
    let pct = |bp: i64| {
        let p = crate::settlement::money_page::percent(bp);
        p.trim_end_matches('%').to_string()
    };
    view! {
        <section class="card" aria-labelledby="shop-terms">
            <h2 id="shop-terms">{t!(i18n, money.terms_heading)}</h2>
            <p class="muted">{t!(i18n, money.terms_intro)}</p>
            <FormError error=form_error(value)/>
            {shops.into_iter().map(|s| {
                let id = s.shop_id;
                view! {
                    <ActionForm action=terms attr:class="inline-form">
                        <fieldset>
                            <legend><span translate="no">{s.name.clone()}</span>" ("{s.currency.code()}")"</legend>
                            <input type="hidden" name="shop_id" value=id.to_string()/>
                            <div class="field">
                                <label for=format!("commission-{id}")>{t!(i18n, money.terms_commission)}</label>
                                <input id=format!("commission-{id}") name="commission" inputmode="decimal" value=pct(s.commission_bp)/>
                            </div>
                            <div class="field">
                                <label for=format!("reserve-{id}")>{t!(i18n, money.terms_reserve_pct)}</label>
                                <input id=format!("reserve-{id}") name="reserve" inputmode="decimal" value=pct(s.reserve_bp)/>
                            </div>
                            <div class="field">
                                <label for=format!("reserve-days-{id}")>{t!(i18n, money.terms_reserve_days)}</label>
                                <input id=format!("reserve-days-{id}") name="reserve_days" inputmode="numeric" value=s.reserve_days.to_string()/>
                            </div>
                            <button type="submit" class="button secondary" disabled=move || terms.pending().get()>{td_string!(l, money.terms_save)}</button>
                        </fieldset>
                    </ActionForm>
                }
            }).collect_view()}
            <p class="field-error" role="alert">
                {move || ["commission", "reserve", "reserve_days"].into_iter().filter_map(|f| field_error(value, f).get()).collect::<Vec<_>>().join(" ")}
            </p>
        </section>
    }
}
