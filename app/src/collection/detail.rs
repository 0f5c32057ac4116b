//! The merchant's order page: lines, shopper, address, amount, payment attempts and history,
//! with a form for each action the order allows now (and no others).

use super::MerchantOrderView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::CollectionMethod;
use crate::error::AppError;
use crate::ui::{Countdown, StatusTag};
use crate::ui::{Field, FormError, field_error, form_error};
use domain::accounts::format_utc;
use domain::collection::{MerchantAction, RequestState};
use domain::orders::describe;
use domain::orders::{Actor, OrderStatus};
use domain::qualification::country_name;

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
/// (delivery of a cash-on-delivery order).
#[server(prefix = "/api", endpoint = "merchant_order_action")]
pub async fn merchant_order_action(
    number: String,
    action: MerchantAction,
    #[server(default)] minutes: String,
    #[server(default)] carrier: String,
    #[server(default)] tracking: String,
    #[server(default)] cash: String,
) -> Result<(), AppError> {
    let (pool, me, shop) = crate::catalog::my_open_shop().await?;
    let settings = use_context::<crate::checkout::OrderSettings>().unwrap_or_default();
    let input = backend::collection::ActionInput { minutes, carrier, tracking, cash };
    Ok(backend::collection::act(&pool, &me, shop.id, number.trim(), action, &input, &settings).await?)
}

#[component]
pub fn MerchantOrderPage() -> impl IntoView {
    let params = use_params_map();
    let act = ServerAction::<MerchantOrderAction>::new();
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
    view! {
        <Title text="Order"/>
        <p><A href="/merchant/orders">"← Orders"</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the order…"</p> }>
            {move || Suspend::new(async move {
                let m = order.await?;
                Ok::<_, AppError>(view! { <OrderView m act/> })
            })}
        </Transition>
    }
}

#[component]
fn OrderView(m: MerchantOrderView, act: ServerAction<MerchantOrderAction>) -> impl IntoView {
    let o = m.order.clone();
    let s = o.summary.clone();
    let a = o.address.clone();
    view! {
        <h1>{format!("Order {}", s.number)}</h1>
        <section class="card" aria-labelledby="status-title">
            <h2 id="status-title" class="visually-hidden">"Status"</h2>
            <p class="status-line">"Status: " <StatusTag status=s.status/></p>
            <dl class="facts">
                <dt>"Shopper"</dt><dd>{o.shopper_email.clone()}</dd>
                <dt>"Amount due"</dt><dd><strong>{s.total.to_string()}</strong></dd>
                <dt>"Collection"</dt><dd>{o.method.label()}</dd>
                <dt>"Placed"</dt><dd>{format_utc(s.created_at)}</dd>
                {o.paid_at.map(|t| view! { <dt>"Paid"</dt><dd>{format_utc(t)}</dd> })}
                {(s.status == OrderStatus::AwaitingPayment).then(|| view! {
                    <dt>"Payment due"</dt><dd><Countdown due=s.payment_due_at/></dd>
                })}
                {o.shipment.clone().map(|sh| view! { <dt>"Shipment"</dt><dd>{format!("{} {}", sh.carrier, sh.tracking_number)}</dd> })}
            </dl>
            {match o.request {
                RequestState::Open => Some(view! { <p class="notice-info" role="status">{format!("Payment request sent: the shopper must pay by {}.", o.request_deadline.map(format_utc).unwrap_or_default())}</p> }.into_any()),
                RequestState::Withdrawn if s.status == OrderStatus::AwaitingPayment => Some(view! { <p class="notice-info">"Payment request withdrawn: the shopper cannot pay until you send a new one."</p> }.into_any()),
                _ => None,
            }}
        </section>
        <Actions m=m.clone() act/>
        <section class="card" aria-labelledby="lines-title">
            <h2 id="lines-title">"Items"</h2>
            <div class="table-scroll">
                <table class="table">
                    <thead><tr><th scope="col">"Product"</th><th scope="col">"Quantity"</th><th scope="col">"Price"</th><th scope="col">"Total"</th></tr></thead>
                    <tbody>
                        {o.lines.iter().map(|l| view! {
                            <tr><td class="wrap">{l.title.clone()}</td><td>{l.quantity}</td><td>{l.unit_price.to_string()}</td><td>{l.line_total.to_string()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="ship-title">
            <h2 id="ship-title">"Ship to"</h2>
            <address>
                {a.name.clone()}<br/>{a.line1.clone()}<br/>
                {(!a.line2.is_empty()).then(|| view! { {a.line2.clone()}<br/> })}
                {format!("{} {}", a.postcode, a.city)}<br/>{country_name(&a.country).to_string()}<br/>{a.phone.clone()}
            </address>
        </section>
        <section class="card" aria-labelledby="attempts-title">
            <h2 id="attempts-title">"Payment attempts"</h2>
            {if m.attempts.is_empty() {
                view! { <p class="muted">"No payment attempt yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="attempts">
                        {m.attempts.iter().map(|t| view! {
                            <li>
                                <time>{format_utc(t.at)}</time>" — "{t.method.clone()}" — "
                                <span class=format!("badge attempt-{}", t.status.as_str())>{crate::ui::attempt_status_text(crate::i18n::use_i18n().get_locale_untracked(), t.status)}</span>
                                {t.reason.clone().map(|r| view! { " "<span class="muted">{r}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <p><crate::ui::ReportProblemLink order=s.number.clone()/></p>
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <ol class="history">
                {o.events.iter().rev().map(|e| view! {
                    <li><time>{format_utc(e.at)}</time>" — "{describe(e, Actor::Merchant)}</li>
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
    if m.actions.is_empty() {
        let why = match m.order.summary.status {
            OrderStatus::Delivered => "Delivered: the order completes by itself after the return period.",
            OrderStatus::Completed => "Completed: nothing more to do.",
            _ => "Cancelled: nothing more to do.",
        };
        return view! { <section class="card" aria-labelledby="actions-title"><h2 id="actions-title">"Next steps"</h2><p class="muted">{why}</p></section> }.into_any();
    }
    let hint = format!("Whole minutes, {} to {}. Leave empty for {}.", m.min_minutes, m.max_minutes, m.default_minutes);
    let forms = m
        .actions
        .iter()
        .map(|action| {
            let action = *action;
            let number = number.clone();
            let fields = match action {
                MerchantAction::RequestPayment | MerchantAction::ResendRequest => view! {
                    <Field label="Pay within (minutes)" name="minutes" kind="number" hint=hint.clone() error=field_error(value, "minutes")/>
                }
                .into_any(),
                MerchantAction::Ship => view! {
                    <Field label="Carrier" name="carrier" maxlength=60 required=true error=field_error(value, "carrier")/>
                    <Field label="Tracking number" name="tracking" maxlength=60 required=true error=field_error(value, "tracking")/>
                }
                .into_any(),
                MerchantAction::DeliverCollectingCash => view! {
                    <Field label=format!("Cash collected ({})", due.currency) name="cash" required=true hint="The courier's cash must equal the amount due." error=field_error(value, "cash")/>
                }
                .into_any(),
                _ => ().into_any(),
            };
            let danger = matches!(action, MerchantAction::Cancel | MerchantAction::WithdrawRequest);
            view! {
                <ActionForm action=act attr:class="action-form">
                    <input type="hidden" name="number" value=number/>
                    <input type="hidden" name="action" value=action.as_str()/>
                    {fields}
                    <button type="submit" class=if danger { "button button-danger" } else { "button" } disabled=move || pending.get()>
                        {action.label()}
                    </button>
                </ActionForm>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="actions-title">
            <h2 id="actions-title">"Next steps"</h2>
            {(m.order.method == CollectionMethod::Online && m.order.summary.status == OrderStatus::AwaitingPayment).then(|| view! {
                <p class="muted">"Send the shopper a payment request with a deadline, or collect the money in cash when the parcel arrives."</p>
            })}
            <FormError error=form_error(value)/>
            <div class="actions">{forms}</div>
            {move || pending.get().then(|| view! { <p class="muted" role="status">"Saving…"</p> })}
        </section>
    }
    .into_any()
}
