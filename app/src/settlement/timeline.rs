//! "Why is my money held?" — an order's money timeline on the merchant's order page: paid,
//! delivered, the settlement date with a countdown (or what holds it: an open refund request),
//! settled with its split, the reserve and its release date, and the payout it went out in.
//! Nothing waits without a reason and a date. Live: it refetches on the order's events.

use leptos::prelude::*;

use super::order_money;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::ui::{fill, when};
use crate::words::money;
use domain::money::{Currency, Money};

use domain::settlement::{MoneyStep, PayoutStatus, StepState, money_timeline};

/// Shown on the merchant's order page, outside the order's own suspended view: a suspended
/// view nested in another would not hydrate.
#[component]
pub fn MoneyTimeline(number: String) -> impl IntoView {
    let changed = crate::live::Live::order({
        let number = number.clone();
        move || Some(number.clone())
    });
    let facts = Resource::new(move || changed.get(), {
        let number = number.clone();
        move |_| order_money(number.clone())
    });
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="money-timeline">
            <h2 id="money-timeline">{t!(i18n, money.tl_heading)}</h2>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, money.tl_loading)}</p> }>
                {move || Suspend::new(async move {
                    let l = i18n.get_locale_untracked();
                    let facts = facts.await.ok()?;
                    let currency = facts.currency?;
                    let steps = money_timeline(&facts);
                    let facts = facts.clone();
                    Some(view! {
                        <ol class="timeline">
                            {steps.into_iter().map(|(step, state)| {
                                let (class, state_text) = match state {
                                    StepState::Done => ("timeline-step done", td_string!(l, money.tl_done)),
                                    StepState::Now => ("timeline-step now", td_string!(l, money.tl_now)),
                                    StepState::Later => ("timeline-step later", td_string!(l, money.tl_later)),
                                };
                                view! {
                                    <li class=class aria-current=(state == StepState::Now).then_some("step")>
                                        <span class="visually-hidden">{format!("{state_text}: ")}</span>
                                        <span>{step_text(l, &step, currency, facts.settle_after_days, facts.now)}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    })
                })}
            </Transition>
        </section>
    }
}

/// How long until `at`, in days and hours (or hours and minutes under a day).
fn left(l: Locale, now: time::OffsetDateTime, at: time::OffsetDateTime) -> Option<String> {
    let secs = (at - now).whole_seconds();
    if secs <= 0 {
        return None;
    }
    let (days, hours, minutes) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    Some(match l {
        Locale::en if days > 0 => format!("{days} d {hours} h"),
        Locale::en => format!("{hours} h {minutes} min"),
        Locale::zh_CN if days > 0 => format!("{days} 天 {hours} 小时"),
        Locale::zh_CN => format!("{hours} 小时 {minutes} 分钟"),
    })
}

fn step_text(l: Locale, step: &MoneyStep, currency: Currency, settle_after_days: i64, now: Option<time::OffsetDateTime>) -> String {
    let m = |minor: i64| money(l, Money::new(minor, currency));
    let at = |t: Option<time::OffsetDateTime>| t.map(when).unwrap_or_default();
    match step {
        MoneyStep::Paid { at: None, .. } => td_string!(l, money.tl_awaiting).to_string(),
        MoneyStep::Paid { at: Some(t), cash: true } => fill(td_string!(l, money.tl_cash), &[("at", when(*t))]),
        MoneyStep::Paid { at: Some(t), cash: false } => fill(td_string!(l, money.tl_paid), &[("at", when(*t))]),
        MoneyStep::Delivered { at: Some(t) } => fill(td_string!(l, money.tl_delivered), &[("at", when(*t))]),
        MoneyStep::Delivered { at: None } => td_string!(l, money.tl_not_delivered).to_string(),
        MoneyStep::Settles { at: settle_at, held_by_request: Some((id, since)) } => {
            fill(td_string!(l, money.tl_held), &[("id", id.to_string()), ("since", when(*since)), ("at", at(*settle_at))])
        }
        MoneyStep::Settles { at: None, .. } => fill(td_string!(l, money.tl_settles_after), &[("days", settle_after_days.to_string())]),
        MoneyStep::Settles { at: Some(t), held_by_request: None } => {
            let now = now.unwrap_or(*t);
            let countdown = left(l, now, *t)
                .map(|left| fill(td_string!(l, money.tl_settles_in), &[("left", left)]))
                .unwrap_or_else(|| td_string!(l, money.tl_settles_due).to_string());
            format!("{} ({countdown})", fill(td_string!(l, money.tl_settles), &[("at", when(*t))]))
        }
        MoneyStep::Settled { at: t, split } if split.cash => {
            fill(td_string!(l, money.tl_settled_cash), &[("at", when(*t)), ("commission", m(split.commission))])
        }
        MoneyStep::Settled { at: t, split } => fill(
            td_string!(l, money.tl_settled),
            &[
                ("at", when(*t)),
                ("net", m(split.net)),
                ("gross", m(split.gross)),
                ("refunded", m(split.refunded)),
                ("commission", m(split.commission)),
                ("reserve", m(split.reserve)),
            ],
        ),
        MoneyStep::ReserveHeld { amount, until } => fill(td_string!(l, money.tl_reserve_held), &[("amount", m(*amount)), ("until", when(*until))]),
        MoneyStep::ReserveReleased { amount, at: t } => fill(td_string!(l, money.tl_reserve_released), &[("amount", m(*amount)), ("at", when(*t))]),
        MoneyStep::PaidOut { payout_id: Some(id), status: Some(PayoutStatus::Paid), at: t } => {
            fill(td_string!(l, money.tl_paid_out), &[("id", id.to_string()), ("at", at(*t))])
        }
        MoneyStep::PaidOut { payout_id: Some(id), status: Some(PayoutStatus::Failed), .. } => {
            fill(td_string!(l, money.tl_payout_failed), &[("id", id.to_string())])
        }
        MoneyStep::PaidOut { payout_id: Some(id), .. } => fill(td_string!(l, money.tl_payout_on_way), &[("id", id.to_string())]),
        MoneyStep::PaidOut { payout_id: None, .. } => td_string!(l, money.tl_payout_next).to_string(),
    }
}
