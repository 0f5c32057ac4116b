//! `/merchant/statements/:day`: one day's statement — opening balance, one line per movement
//! of the available balance (each settled order with its split, refunds after settlement,
//! reserve releases, payouts), closing balance, and the check that it adds up — with each
//! order linked to its page and the day's CSV.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::statement;
use crate::error::AppError;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::ui::{fill, when};
use crate::words::money;
use domain::money::Money;
use domain::settlement::{LineKind, StatementLineView, StatementView};

fn line_kind_text(l: Locale, line: &StatementLineView) -> String {
    let id = line.payout_id.map(|p| p.to_string()).unwrap_or_default();
    match line.kind {
        LineKind::Settlement => td_string!(l, money.k_settlement).to_string(),
        LineKind::ReserveRelease => td_string!(l, money.k_reserve_release).to_string(),
        LineKind::RefundAfterSettlement => td_string!(l, money.k_refund_after_settlement).to_string(),
        LineKind::Payout => fill(td_string!(l, money.k_payout), &[("id", id)]),
        LineKind::PayoutReturned => fill(td_string!(l, money.k_payout_returned), &[("id", id)]),
        LineKind::Adjustment => td_string!(l, money.k_adjustment).to_string(),
    }
}

#[component]
pub fn StatementPage() -> impl IntoView {
    let params = use_params_map();
    let changed = crate::live::Live::kinds(&["order", "notification"]);
    let day = move || params.with(|p| p.get("day")).unwrap_or_default();
    let shown = Resource::new(move || (day(), changed.get()), |(day, _)| statement(day));
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=move || fill(td_string!(l, money.statement_title), &[("day", day())])/>
        <p><A href="/merchant/money">{t!(i18n, money.statement_back)}</A></p>
        <h1>{move || fill(td_string!(l, money.statement_title), &[("day", day())])}</h1>
        <Transition fallback=move || view! { <p class="muted" role="status">{t!(i18n, money.statement_loading)}</p> }>
            {move || Suspend::new(async move {
                let s = shown.await?;
                Ok::<_, AppError>(view! { <Statement s/> })
            })}
        </Transition>
    }
}

#[component]
fn Statement(s: StatementView) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let m = move |minor: i64| money(l, Money::new(minor, s.currency));
    let opt = move |minor: Option<i64>| minor.map(m).unwrap_or_default();
    let sum: i64 = s.lines.iter().map(|line| line.amount).sum();
    let (gross, refunded, commission, reserve) = s.totals;
    let cols = [
        td_string!(l, money.l_col_time),
        td_string!(l, money.l_col_what),
        td_string!(l, money.l_col_order),
        td_string!(l, money.l_col_gross),
        td_string!(l, money.l_col_refunded),
        td_string!(l, money.l_col_commission),
        td_string!(l, money.l_col_reserve),
        td_string!(l, money.l_col_amount),
        td_string!(l, money.l_col_balance),
    ];
    let csv = format!("/merchant/statements.csv?from={0}&to={0}", s.day);
    let lines = if s.lines.is_empty() {
        view! { <p>{t!(i18n, money.statement_empty)}</p> }.into_any()
    } else {
        view! {
            <table class="table">
                <thead><tr>{cols.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {s.lines.iter().map(|line| view! {
                        <tr>
                            <td data-label=cols[0]>{when(line.at)}</td>
                            <td data-label=cols[1]>{line_kind_text(l, line)}</td>
                            <td data-label=cols[2]>{line.order_number.clone().map(|n| view! {
                                <A href=format!("/merchant/orders/{n}")>{n.clone()}</A>
                            })}</td>
                            <td data-label=cols[3]>{opt(line.gross)}</td>
                            <td data-label=cols[4]>{opt(line.refunded)}</td>
                            <td data-label=cols[5]>{opt(line.commission)}</td>
                            <td data-label=cols[6]>{opt(line.reserve)}</td>
                            <td data-label=cols[7]><strong>{m(line.amount)}</strong></td>
                            <td data-label=cols[8]>{m(line.balance)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="statement-lines">
            <h2 id="statement-lines" class="visually-hidden">{t!(i18n, money.statements_heading)}</h2>
            <dl class="facts">
                <dt>{t!(i18n, money.statement_opening)}</dt><dd>{m(s.opening)}</dd>
                <dt>{t!(i18n, money.statement_closing)}</dt><dd><strong>{m(s.closing)}</strong></dd>
            </dl>
            {lines}
            <p class="muted">{fill(td_string!(l, money.statement_totals), &[("gross", m(gross)), ("refunded", m(refunded)), ("commission", m(commission)), ("reserve", m(reserve))])}</p>
            <p>{fill(td_string!(l, money.statement_reconciles), &[("opening", m(s.opening)), ("sum", m(sum)), ("closing", m(s.closing))])}</p>
            <p><a href=csv download>{t!(i18n, money.statement_download)}</a></p>
        </section>
    }
}
