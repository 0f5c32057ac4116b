//! `/merchant/money`: the shop's balances, "Withdraw", the payout schedule and bank account,
//! its payouts and its daily statements (with the CSV export). Live: a settlement, a payout
//! arriving or failing, a refund — the page refetches on the merchant's live events.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::export::{Export, ExportForm};
use super::{BindPayoutAccount, SetPayoutSchedule, Withdraw, merchant_money};
use crate::error::AppError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::ui::{Field, FormError, field_error, fill, form_error, when};
use crate::words::money;
use domain::money::{Currency, Money};
use domain::settlement::{BalancesView, MoneyOverview, PayoutCountry, PayoutSchedule, PayoutStatus, PayoutView, Terms};

/// A payout's state in words (with when it arrived, or why it failed).
pub fn payout_status_text(l: Locale, p: &PayoutView) -> String {
    match p.status {
        PayoutStatus::Pending => td_string!(l, money.ps_pending).to_string(),
        PayoutStatus::InTransit => td_string!(l, money.ps_in_transit).to_string(),
        PayoutStatus::Paid => fill(td_string!(l, money.ps_paid), &[("at", p.arrived_at.map(when).unwrap_or_default())]),
        PayoutStatus::Failed => {
            fill(td_string!(l, money.ps_failed), &[("reason", crate::words::payout_failure_text(l, p.failure_reason.as_deref().unwrap_or("")))])
        }
    }
}

/// Basis points as a percentage: 200 → "2%", 250 → "2.5%".
pub fn percent(bp: i64) -> String {
    let whole = bp / 100;
    match bp % 100 {
        0 => format!("{whole}%"),
        r if r % 10 == 0 => format!("{whole}.{}%", r / 10),
        r => format!("{whole}.{r:02}%"),
    }
}

#[component]
pub fn MoneyPage() -> impl IntoView {
    let bind = ServerAction::<BindPayoutAccount>::new();
    let schedule = ServerAction::<SetPayoutSchedule>::new();
    let withdraw = ServerAction::<Withdraw>::new();
    let changed = crate::live::Live::kinds(&["order", "notification"]);
    let overview =
        Resource::new(move || (bind.version().get(), schedule.version().get(), withdraw.version().get(), changed.get()), |_| merchant_money());
    // Here, above the live re-render: a file still arriving keeps its progress through it.
    let export = RwSignal::new(Export::Idle);
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, money.title)/>
        <h1>{t!(i18n, money.heading)}</h1>
        <p class="muted">{t!(i18n, money.intro)}</p>
        <Transition fallback=move || view! { <p class="muted" role="status">{t!(i18n, money.loading)}</p> }>
            {move || Suspend::new(async move {
                let o = overview.await?;
                Ok::<_, AppError>(view! { <Overview o withdraw schedule export/> })
            })}
        </Transition>
        // Outside the live re-render, so that what is being typed survives a live update.
        <AccountForm bind/>
    }
}

#[component]
fn Overview(
    o: MoneyOverview,
    withdraw: ServerAction<Withdraw>,
    schedule: ServerAction<SetPayoutSchedule>,
    export: RwSignal<Export>,
) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <Balances b=o.balances currency=o.currency terms=o.terms/>
        <p class="muted">{terms_text(l, &o.terms)}</p>
        <WithdrawCard o=o.clone() withdraw/>
        <ScheduleCard current=o.schedule schedule/>
        <Payouts payouts=o.payouts.clone()/>
        <Statements o export/>
    }
}

fn terms_text(l: Locale, terms: &Terms) -> String {
    let reserve = if terms.reserve_bp == 0 {
        td_string!(l, money.terms_no_reserve).to_string()
    } else {
        fill(td_string!(l, money.terms_reserve), &[("percent", percent(terms.reserve_bp)), ("days", terms.reserve_days.to_string())])
    };
    fill(
        td_string!(l, money.terms),
        &[("days", terms.settle_after_days.to_string()), ("commission", percent(terms.commission_bp)), ("reserve", reserve)],
    )
}

#[component]
fn Balances(b: BalancesView, currency: Currency, terms: Terms) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let amount = move |minor: i64| money(l, Money::new(minor, currency));
    let days = terms.settle_after_days.to_string();
    let reserve_days = terms.reserve_days.to_string();
    let cards = [
        ("bal-pending", td_string!(l, money.b_pending), b.pending, fill(td_string!(l, money.b_pending_note), &[("days", days)])),
        ("bal-available", td_string!(l, money.b_available), b.available, td_string!(l, money.b_available_note).to_string()),
        ("bal-reserved", td_string!(l, money.b_reserved), b.reserved, fill(td_string!(l, money.b_reserved_note), &[("days", reserve_days)])),
        ("bal-in-transit", td_string!(l, money.b_in_transit), b.in_transit, td_string!(l, money.b_in_transit_note).to_string()),
        ("bal-paid-out", td_string!(l, money.b_paid_out), b.paid_out, td_string!(l, money.b_paid_out_note).to_string()),
    ];
    view! {
        <div class="dash-stats">
            {cards.into_iter().map(|(id, title, minor, note)| view! {
                <section class="card stat" aria-labelledby=id>
                    <h2 id=id>{title}</h2>
                    <p class="stat-value"><span class="stat-amount">{amount(minor)}</span></p>
                    <p class="stat-note">{note}</p>
                    {(id == "bal-available" && minor < 0).then(|| view! {
                        <p class="stat-note" role="note">{t!(i18n, money.b_available_negative)}</p>
                    })}
                </section>
            }).collect_view()}
        </div>
    }
}

#[component]
fn WithdrawCard(o: MoneyOverview, withdraw: ServerAction<Withdraw>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let available = Money::new(o.balances.available, o.currency);
    let value = withdraw.value();
    let sent = move || {
        value.with(|v| match v {
            Some(Ok(p)) => Some(fill(
                td_string!(l, money.withdraw_sent),
                &[("id", p.id.to_string()), ("amount", money(l, p.amount)), ("status", payout_status_text(l, p))],
            )),
            _ => None,
        })
    };
    let body = match (&o.account, available.minor > 0) {
        (None, _) => view! { <p>{t!(i18n, money.withdraw_no_account)}</p> }.into_any(),
        (Some(_), false) => view! { <p>{t!(i18n, money.withdraw_nothing)}</p> }.into_any(),
        (Some(account), true) => {
            let to = fill(td_string!(l, money.withdraw_to), &[("account", account.masked.clone())]);
            let label = fill(td_string!(l, money.withdraw_button), &[("amount", money(l, available))]);
            view! {
                <ActionForm action=withdraw>
                    <input type="hidden" name="key" value=o.withdraw_key.clone()/>
                    <p>{to}</p>
                    <button type="submit" class="button" disabled=move || withdraw.pending().get() aria-busy=move || withdraw.pending().get().to_string()>
                        {move || if withdraw.pending().get() { td_string!(l, money.withdraw_busy).to_string() } else { label.clone() }}
                    </button>
                </ActionForm>
            }
            .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="withdraw-title">
            <h2 id="withdraw-title">{t!(i18n, money.withdraw_heading)}</h2>
            {body}
            <p role="status">{sent}</p>
            <FormError error=form_error(value)/>
        </section>
    }
}

#[component]
fn ScheduleCard(current: PayoutSchedule, schedule: ServerAction<SetPayoutSchedule>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let value = schedule.value();
    let options = [
        (PayoutSchedule::Manual, td_string!(l, money.schedule_manual)),
        (PayoutSchedule::Daily, td_string!(l, money.schedule_daily)),
        (PayoutSchedule::Weekly, td_string!(l, money.schedule_weekly)),
    ];
    view! {
        <section class="card" aria-labelledby="schedule-title">
            <h2 id="schedule-title">{t!(i18n, money.schedule_heading)}</h2>
            <ActionForm action=schedule>
                <div class="field">
                    <label for="schedule">{t!(i18n, money.schedule_label)}</label>
                    <select id="schedule" name="schedule">
                        {options.into_iter().map(|(s, label)| view! {
                            <option value=s.as_str() selected=s == current>{label}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error">{move || field_error(value, "schedule").get()}</p>
                </div>
                <button type="submit" class="button secondary" disabled=move || schedule.pending().get()>
                    {move || if schedule.pending().get() { td_string!(l, money.schedule_saving) } else { td_string!(l, money.schedule_save) }}
                </button>
                <p role="status">{move || value.with(|v| matches!(v, Some(Ok(_))).then(|| td_string!(l, money.schedule_saved)))}</p>
            </ActionForm>
        </section>
    }
}

#[component]
fn AccountForm(bind: ServerAction<BindPayoutAccount>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let value = bind.value();
    let countries = [
        (PayoutCountry::SG, td_string!(l, money.country_sg)),
        (PayoutCountry::US, td_string!(l, money.country_us)),
        (PayoutCountry::JP, td_string!(l, money.country_jp)),
    ];
    let saved = move || {
        value.with(|v| v.as_ref().and_then(|r| r.as_ref().ok()).map(|a| fill(td_string!(l, money.account_saved), &[("masked", a.masked.clone())])))
    };
    view! {
        <section class="card" aria-labelledby="account-title">
            <h2 id="account-title">{t!(i18n, money.account_heading)}</h2>
            <AccountNow bind/>
            <ActionForm action=bind>
                <div class="field">
                    <label for="country">{t!(i18n, money.f_country)}</label>
                    <select id="country" name="country">
                        {countries.into_iter().map(|(c, label)| view! { <option value=c.code()>{label}</option> }).collect_view()}
                    </select>
                    <p class="field-error">{move || field_error(value, "country").get()}</p>
                </div>
                <Field label=td_string!(l, money.f_holder) name="holder" autocomplete="name" maxlength=100 error=field_error(value, "holder")/>
                <Field label=td_string!(l, money.f_bank_code) name="bank_code" hint=td_string!(l, money.f_bank_hint) error=field_error(value, "bank_code")/>
                <Field label=td_string!(l, money.f_branch_code) name="branch_code" error=field_error(value, "branch_code")/>
                <Field label=td_string!(l, money.f_account_number) name="account_number" autocomplete="off" error=field_error(value, "account_number")/>
                <FormError error=form_error(value)/>
                <button type="submit" class="button" disabled=move || bind.pending().get()>
                    {move || if bind.pending().get() { td_string!(l, money.account_saving) } else { td_string!(l, money.account_save) }}
                </button>
                <p role="status">{saved}</p>
            </ActionForm>
        </section>
    }
}

/// The bank account payouts go to now (or that there is none), from the same overview.
#[component]
fn AccountNow(bind: ServerAction<BindPayoutAccount>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let overview = Resource::new(move || bind.version().get(), |_| merchant_money());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let o = overview.await.ok()?;
                Some(match o.account {
                    Some(a) => view! {
                        <p>{fill(td_string!(l, money.account_current), &[("holder", a.holder), ("bank", a.bank_code), ("masked", a.masked)])}</p>
                        <h3>{t!(i18n, money.account_change)}</h3>
                    }.into_any(),
                    None => view! { <p>{t!(i18n, money.account_none)}</p><h3>{t!(i18n, money.account_add)}</h3> }.into_any(),
                })
            })}
        </Transition>
    }
}

#[component]
fn Payouts(payouts: Vec<PayoutView>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    if payouts.is_empty() {
        return view! {
            <section class="card" aria-labelledby="payouts-title">
                <h2 id="payouts-title">{t!(i18n, money.payouts_heading)}</h2>
                <p>{t!(i18n, money.payouts_none)}</p>
            </section>
        }
        .into_any();
    }
    let cols = [
        td_string!(l, money.p_col_number),
        td_string!(l, money.p_col_created),
        td_string!(l, money.p_col_amount),
        td_string!(l, money.p_col_status),
        td_string!(l, money.p_col_to),
        td_string!(l, money.p_col_orders),
    ];
    view! {
        <section class="card" aria-labelledby="payouts-title">
            <h2 id="payouts-title">{t!(i18n, money.payouts_heading)}</h2>
            <table class="table">
                <thead><tr>{cols.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {payouts.into_iter().map(|p| {
                        let how = if p.automatic { td_string!(l, money.p_automatic) } else { td_string!(l, money.p_by_hand) };
                        view! {
                            <tr>
                                <td data-label=cols[0]>{format!("#{} ({how})", p.id)}</td>
                                <td data-label=cols[1]>{when(p.created_at)}</td>
                                <td data-label=cols[2]>{money(l, p.amount)}</td>
                                <td data-label=cols[3]>{payout_status_text(l, &p)}</td>
                                <td data-label=cols[4]>{p.destination.clone()}</td>
                                <td data-label=cols[5]>{p.orders}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn Statements(o: MoneyOverview, export: RwSignal<Export>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let today = o.now.date();
    let first = o.days.last().map(|d| d.day).unwrap_or(today);
    let cols = [td_string!(l, money.s_col_day), td_string!(l, money.s_col_lines), td_string!(l, money.s_col_change)];
    let list = if o.days.is_empty() {
        view! { <p>{t!(i18n, money.statements_none)}</p> }.into_any()
    } else {
        view! {
            <table class="table">
                <thead><tr>{cols.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {o.days.clone().into_iter().map(|d| view! {
                        <tr>
                            <td data-label=cols[0]><A href=format!("/merchant/statements/{}", d.day)>{d.day.to_string()}</A></td>
                            <td data-label=cols[1]>{d.lines}</td>
                            <td data-label=cols[2]>{money(l, Money::new(d.change, d.currency))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="statements-title">
            <h2 id="statements-title">{t!(i18n, money.statements_heading)}</h2>
            {list}
            <h3 id="export-title">{t!(i18n, money.export_heading)}</h3>
            <ExportForm first today state=export/>
            <p class="muted">{t!(i18n, money.export_note)}</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn basis_points_read_as_percentages() {
        assert_eq!(percent(200), "2%");
        assert_eq!(percent(250), "2.5%");
        assert_eq!(percent(1234), "12.34%");
        assert_eq!(percent(0), "0%");
    }
}
