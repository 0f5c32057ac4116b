//! The merchant's order page: lines, shopper, address, amount, payment attempts and history,
//! with a form for each action the order allows now (and no others).

use super::MerchantOrderView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::CollectionMethod;
use crate::error::AppError;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::ui::{ConfirmButton, Field, FormError, confirmation_asked, field_error, fill, form_error};
use crate::ui::{Countdown, StatusTag};
use crate::words::action_text;
use domain::collection::{MerchantAction, RequestState};
use domain::orders::{Actor, OrderStatus};

/// Merchants with an open shop: one order of their shop (another shop's order is "not found").
#[server(prefix = "/api", endpoint = "merchant_order")]
pub async fn merchant_order(number: String) -> Result<MerchantOrderView, AppError> {
    use crate::db::orders::OrderScope;
    let (pool, _, shop) = crate::catalog::my_open_shop().await?;
    let (id, order) = crate::db::orders::order_view(&pool, OrderScope::Shop(shop.id), number.trim())
        .await?
        .ok_or_else(|| AppError::NotFound("The order".into()))?;
    let attempts = crate::db::payments::attempts_of_order(&pool, id).await?;
    let actions = domain::collection::allowed_actions(order.summary.status, order.request);
    let limits = use_context::<crate::checkout::OrderSettings>().unwrap_or_default().deadline_limits();
    Ok(MerchantOrderView {
        order,
        attempts,
        actions,
        default_minutes: limits.default_minutes,
        min_minutes: limits.min_minutes,
        max_minutes: limits.max_minutes,
    })
}

/// Merchants with an open shop: act on one of their shop's orders. Only the fields the action
/// needs are read: `minutes` (payment request), `carrier` and `tracking` (ship), `cash`
/// (delivery of a cash-on-delivery order); cancelling and withdrawing a request need
/// `confirm=yes` (the confirmation step, see `ui::ConfirmButton`).
#[server(prefix = "/api", endpoint = "merchant_order_action")]
pub async fn merchant_order_action(
    number: String,
    action: MerchantAction,
    #[server(default)] minutes: String,
    #[server(default)] carrier: String,
    #[server(default)] tracking: String,
    #[server(default)] cash: String,
    #[server(default)] confirm: String,
) -> Result<(), AppError> {
    let (pool, me, shop) = crate::catalog::my_open_shop().await?;
    if action.needs_confirmation() {
        crate::ui::confirmed(&confirm, action.as_str())?;
    }
    let settings = use_context::<crate::checkout::OrderSettings>().unwrap_or_default();
    let input = backend::collection::ActionInput { minutes, carrier, tracking, cash };
    Ok(backend::collection::act(&pool, &me, shop.id, number.trim(), action, &input, &settings).await?)
}

#[component]
pub fn MerchantOrderPage() -> impl IntoView {
    let params = use_params_map();
    let act = ServerAction::<MerchantOrderAction>::new();
    let after_sales = crate::refunds::AfterSalesForms::new();
    let changed = crate::live::Live::order(move || params.with_untracked(|p| p.get("number")));
    let order = Resource::new(
        move || (params.with(|p| p.get("number")), act.version().get(), changed.get()),
        |(number, _, _)| async move {
            match number {
                Some(n) => merchant_order(n).await,
                None => Err(AppError::NotFound("The order".into())),
            }
        },
    );
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, merchant.order_title)/>
        <p><A href="/merchant/orders">{t!(i18n, merchant.back_to_orders)}</A></p>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, merchant.order_loading)}</p> }>
            {move || Suspend::new(async move {
                let m = order.await?;
                Ok::<_, AppError>(view! { <OrderView m act/> })
            })}
        </Transition>
        // Outside the order's own live re-render, so that a refund being typed survives it (it
        // shows itself once something was paid); the money timeline beside it (a suspended view
        // nested in the order's would not hydrate).
        {move || params.with(|p| p.get("number")).map(|n| view! {
            <crate::settlement::timeline::MoneyTimeline number=n.clone()/>
            <crate::refunds::AfterSales number=n viewer=Actor::Merchant forms=after_sales/>
        })}
    }
}

#[component]
fn OrderView(m: MerchantOrderView, act: ServerAction<MerchantOrderAction>) -> impl IntoView {
    let o = m.order.clone();
    let s = o.summary.clone();
    let a = o.address.clone();
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let heading = {
        let n = s.number.clone();
        t!(i18n, merchant.order_heading, number = move || n.clone())
    };
    let deadline = o.request_deadline.map(crate::ui::when).unwrap_or_default();
    let request_open = t!(i18n, merchant.request_open, deadline = move || deadline.clone());
    view! {
        <h1>{heading}</h1>
        <section class="card" aria-labelledby="status-title">
            <h2 id="status-title" class="visually-hidden">{t!(i18n, merchant.status)}</h2>
            <p class="status-line">{t!(i18n, merchant.status_line)} <StatusTag status=s.status/>{crate::refunds::standing_badge(l, s.total, s.refunded)}</p>
            <dl class="facts">
                <dt>{t!(i18n, merchant.fact_shopper)}</dt><dd><crate::ui::Email address=o.shopper_email.clone()/></dd>
                <dt>{t!(i18n, merchant.fact_amount_due)}</dt><dd><strong>{crate::words::money(i18n.get_locale_untracked(), s.total)}</strong></dd>
                <dt>{t!(i18n, merchant.fact_collection)}</dt><dd>{if o.method == CollectionMethod::CashOnDelivery { td_string!(l, merchant.cash_on_delivery) } else { td_string!(l, merchant.online_payment) }}</dd>
                <dt>{t!(i18n, merchant.fact_placed)}</dt><dd>{crate::ui::when(s.created_at)}</dd>
                {o.paid_at.map(|t| view! { <dt>{t!(i18n, merchant.fact_paid)}</dt><dd>{crate::ui::when(t)}</dd> })}
                {(s.status == OrderStatus::AwaitingPayment).then(|| view! {
                    <dt>{t!(i18n, merchant.fact_payment_due)}</dt><dd><Countdown due=s.payment_due_at/></dd>
                })}
                {o.shipment.clone().map(|sh| view! { <dt>{t!(i18n, merchant.fact_shipment)}</dt><dd>{format!("{} {}", sh.carrier, sh.tracking_number)}</dd> })}
            </dl>
            {match o.request {
                RequestState::Open => Some(view! { <p class="notice-info" role="status">{request_open}</p> }.into_any()),
                RequestState::Withdrawn if s.status == OrderStatus::AwaitingPayment => Some(view! { <p class="notice-info">{t!(i18n, merchant.request_withdrawn)}</p> }.into_any()),
                _ => None,
            }}
        </section>
        <Actions m=m.clone() act/>
        <section class="card" aria-labelledby="lines-title">
            <h2 id="lines-title">{t!(i18n, merchant.items)}</h2>
            <div class="table-scroll">
                <table class="table">
                    <thead><tr><th scope="col">{t!(i18n, merchant.col_product)}</th><th scope="col">{t!(i18n, merchant.col_quantity)}</th><th scope="col">{t!(i18n, merchant.col_price)}</th><th scope="col">{t!(i18n, merchant.col_total)}</th></tr></thead>
                    <tbody>
                        {o.lines.iter().map(|l| view! {
                            <tr><td class="wrap card-title">{l.title.clone()}</td><td data-label=t_string!(i18n, merchant.col_quantity)>{l.quantity}</td><td data-label=t_string!(i18n, merchant.col_price)>{crate::words::money(i18n.get_locale_untracked(), l.unit_price)}</td><td data-label=t_string!(i18n, merchant.col_total)>{crate::words::money(i18n.get_locale_untracked(), l.line_total)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="ship-title">
            <h2 id="ship-title">{t!(i18n, merchant.ship_to)}</h2>
            <address>
                {a.name.clone()}<br/>{a.line1.clone()}<br/>
                {(!a.line2.is_empty()).then(|| view! { {a.line2.clone()}<br/> })}
                {format!("{} {}", a.postcode, a.city)}<br/>{crate::ui::country_name(i18n.get_locale_untracked(), &a.country)}<br/>{a.phone.clone()}
            </address>
        </section>
        <section class="card" aria-labelledby="attempts-title">
            <h2 id="attempts-title">{t!(i18n, merchant.attempts)}</h2>
            {if m.attempts.is_empty() {
                view! { <p class="muted">{t!(i18n, merchant.no_attempts)}</p> }.into_any()
            } else {
                view! {
                    <ul class="attempts">
                        {m.attempts.iter().map(|t| view! {
                            <li>
                                <time>{crate::ui::when(t.at)}</time>" — "{crate::payments::method_label(l, &t.method)}" — "
                                <span class=format!("badge attempt-{}", t.status.as_str())>{crate::ui::attempt_status_text(l, t.status)}</span>
                                {t.reason.map(|r| view! { " "<span class="muted">{crate::payments::decline_text(l, r)}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <p><crate::ui::ReportProblemLink order=s.number.clone()/></p>
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">{t!(i18n, merchant.history)}</h2>
            <ol class="history">
                {o.events.iter().rev().map(|e| view! {
                    <li><time>{crate::ui::when(e.at)}</time>" — "{crate::orders::history::event_text(i18n.get_locale_untracked(), e, Actor::Merchant)}</li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// One form per allowed action. Each form posts to the same server function, so each works
/// without JavaScript too.
#[component]
fn Actions(m: MerchantOrderView, act: ServerAction<MerchantOrderAction>) -> impl IntoView {
    let number = m.order.summary.number.clone();
    let due = m.order.summary.total;
    let value = act.value();
    let pending = act.pending();
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    if m.actions.is_empty() {
        let why = match m.order.summary.status {
            OrderStatus::Delivered => td_string!(l, merchant.done_delivered),
            OrderStatus::Completed => td_string!(l, merchant.done_completed),
            _ => td_string!(l, merchant.done_cancelled),
        };
        return view! {
            <section class="card" aria-labelledby="actions-title"><h2 id="actions-title">{t!(i18n, merchant.next_steps)}</h2><p class="muted">{why}</p></section>
        }
        .into_any();
    }
    let hint = crate::ui::fill(
        td_string!(l, merchant.minutes_hint),
        &[("min", m.min_minutes.to_string()), ("max", m.max_minutes.to_string()), ("default", m.default_minutes.to_string())],
    );
    let forms = m
        .actions
        .iter()
        .map(|action| {
            let action = *action;
            let number = number.clone();
            let fields = match action {
                MerchantAction::RequestPayment | MerchantAction::ResendRequest => view! {
                    <Field label=td_string!(l, merchant.pay_within_minutes) name="minutes" kind="number" hint=hint.clone() error=field_error(value, "minutes")/>
                }
                .into_any(),
                MerchantAction::Ship => view! {
                    <Field label=td_string!(l, merchant.carrier) name="carrier" maxlength=60 required=true error=field_error(value, "carrier")/>
                    <Field label=td_string!(l, merchant.tracking_number) name="tracking" maxlength=60 required=true error=field_error(value, "tracking")/>
                }
                .into_any(),
                MerchantAction::DeliverCollectingCash => view! {
                    <Field label=crate::ui::fill(td_string!(l, merchant.cash_collected), &[("currency", due.currency.to_string())]) name="cash" required=true hint=td_string!(l, merchant.cash_hint) error=field_error(value, "cash")/>
                }
                .into_any(),
                _ => ().into_any(),
            };
            // What cannot be undone asks first (a dialog, or a step in the page without JavaScript).
            let button = match confirmation(l, action, &number) {
                Some((question, consequence, keep)) => view! {
                    <ConfirmButton
                        label=action_text(l, action)
                        subject=action.as_str()
                        question
                        consequence
                        keep
                        asked=confirmation_asked(value, action.as_str())
                        disabled=pending
                    />
                }
                .into_any(),
                None => view! { <button type="submit" class="button" disabled=move || pending.get()>{action_text(l, action)}</button> }.into_any(),
            };
            view! {
                <ActionForm action=act attr:class="action-form">
                    <input type="hidden" name="number" value=number/>
                    <input type="hidden" name="action" value=action.as_str()/>
                    {fields}
                    {button}
                </ActionForm>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="actions-title">
            <h2 id="actions-title">{t!(i18n, merchant.next_steps)}</h2>
            {(m.order.method == CollectionMethod::Online && m.order.summary.status == OrderStatus::AwaitingPayment).then(|| view! {
                <p class="muted">{t!(i18n, merchant.request_explain)}</p>
            })}
            <FormError error=form_error(value)/>
            <div class="actions">{forms}</div>
            {move || pending.get().then(|| view! { <p class="muted" role="status">{t!(i18n, merchant.saving)}</p> })}
        </section>
    }
    .into_any()
}

/// For an action that cannot be undone: the question, what follows, and the safe button's words.
fn confirmation(l: crate::i18n::Locale, action: MerchantAction, number: &str) -> Option<(String, String, String)> {
    let n = [("number", number.to_string())];
    match action {
        MerchantAction::Cancel => Some((
            fill(td_string!(l, merchant.confirm_cancel_question), &n),
            td_string!(l, merchant.confirm_cancel_consequence).to_string(),
            td_string!(l, merchant.confirm_cancel_keep).to_string(),
        )),
        MerchantAction::WithdrawRequest => Some((
            fill(td_string!(l, merchant.confirm_withdraw_question), &n),
            td_string!(l, merchant.confirm_withdraw_consequence).to_string(),
            td_string!(l, merchant.confirm_withdraw_keep).to_string(),
        )),
        _ => None,
    }
}
