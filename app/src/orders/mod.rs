//! Orders as the shopper sees them: "My orders" (awaiting payment first, with a countdown to
//! the payment deadline), the order page with lines, address, status and history, and
//! cancelling an unpaid order, which gives its stock back.

pub mod history;

use crate::ui::{Countdown, StatusTag};
pub use domain::orders::{Order, OrderEventView, OrderLine, OrderSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::error::AppError;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::ui::{ConfirmButton, FormError, confirmation_asked, fill, form_error};
use domain::collection::CollectionMethod;
use domain::collection::RequestState;
use domain::orders::{Actor, OrderStatus};

/// Shoppers: their own orders.
#[server(prefix = "/api", endpoint = "my_orders")]
pub async fn my_orders() -> Result<Vec<OrderSummary>, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    Ok(crate::db::orders::shopper_orders(&pool, me.id).await?)
}

/// Shoppers: one of their own orders (another shopper's order is "not found").
#[server(prefix = "/api", endpoint = "order_detail")]
pub async fn order_detail(number: String) -> Result<Order, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    crate::db::orders::shopper_order(&pool, me.id, &number).await?.ok_or_else(|| AppError::NotFound("The order".into()))
}

/// Shoppers: cancel one of their own orders while it awaits payment, once confirmed
/// (`confirm=yes`).
#[server(prefix = "/api", endpoint = "cancel_order")]
pub async fn cancel_order(number: String, #[server(default)] confirm: String) -> Result<(), AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    // The order cannot be brought back: confirmed first (see `ui::ConfirmButton`).
    crate::ui::confirmed(&confirm, "cancel")?;
    Ok(backend::orders::cancel_by_shopper(&pool, &me, &number).await?)
}

#[component]
pub fn MyOrdersPage() -> impl IntoView {
    let orders_changed = crate::live::Live::kinds(&["order"]);
    let orders = Resource::new(move || orders_changed.get(), |_| my_orders());
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, shop.my_orders)/>
        <h1>{t!(i18n, shop.my_orders)}</h1>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.orders_loading)}</p> }>
            {move || Suspend::new(async move {
                let orders = orders.await?;
                Ok::<_, AppError>(if orders.is_empty() {
                    view! { <section class="card"><p>{t!(i18n, shop.no_orders)}</p></section> }.into_any()
                } else {
                    view! {
                        <ul class="order-list">
                            {orders.into_iter().map(|o| view! {
                                <li class="card order-row">
                                    <A href=format!("/orders/{}", o.number)>{let n = o.number.clone(); t!(i18n, shop.order_link, number = move || n.clone())}</A>
                                    <span>{o.shop_name.clone()}</span>
                                    <span><StatusTag status=o.status/>{crate::refunds::standing_badge(i18n.get_locale_untracked(), o.total, o.refunded)}</span>
                                    <strong>{crate::words::money(i18n.get_locale_untracked(), o.total)}</strong>
                                    {(o.status == OrderStatus::AwaitingPayment).then(|| view! { <Countdown due=o.payment_due_at/> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })
            })}
        </Transition>
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let cancel = ServerAction::<CancelOrder>::new();
    let after_sales = crate::refunds::AfterSalesForms::new();
    let changed = crate::live::Live::order(move || params.with_untracked(|p| p.get("number")));
    let order = Resource::new(
        move || (params.with(|p| p.get("number")), cancel.version().get(), changed.get()),
        |(number, _, _)| async move {
            match number {
                Some(n) => order_detail(n).await,
                None => Err(AppError::NotFound("The order".into())),
            }
        },
    );
    let value = cancel.value();
    let pending = cancel.pending();
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, shop.order_title)/>
        <p><A href="/orders">{t!(i18n, shop.back_to_my_orders)}</A></p>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.order_loading)}</p> }>
            {move || Suspend::new(async move {
                let o = order.await?;
                let l = i18n.get_locale_untracked();
                let s = o.summary.clone();
                let a = o.address.clone();
                let number = s.number.clone();
                let heading = { let n = s.number.clone(); t!(i18n, shop.order_link, number = move || n.clone()) };
                let from = { let (shop, placed) = (s.shop_name.clone(), crate::ui::when(s.created_at)); t!(i18n, shop.from_shop, shop = move || shop.clone(), placed = move || placed.clone()) };
                let asks = { let (amount, deadline) = (crate::words::money(i18n.get_locale_untracked(), s.total), o.request_deadline.map(crate::ui::when).unwrap_or_default()); t!(i18n, shop.shop_asks, amount = move || amount.clone(), deadline = move || deadline.clone()) };
                let cod = { let amount = crate::words::money(i18n.get_locale_untracked(), s.total); t!(i18n, shop.cash_on_delivery_note, amount = move || amount.clone()) };
                Ok::<_, AppError>(view! {
                    <h1>{heading}</h1>
                    <section class="card">
                        <p class="status-line">{t!(i18n, shop.status)} <StatusTag status=s.status/>{crate::refunds::standing_badge(l, s.total, s.refunded)}</p>
                        <p>{from}</p>
                        {(o.request == RequestState::Open).then(|| view! {
                            <p class="notice-info" role="status">{asks}</p>
                        })}
                        {(o.method == CollectionMethod::CashOnDelivery && !s.status.is_paid() && s.status != OrderStatus::Cancelled).then(|| view! {
                            <p class="notice-info">{cod}</p>
                        })}
                        {o.shipment.clone().map(|sh| view! {
                            <p>{let (carrier, tracking) = (sh.carrier.clone(), sh.tracking_number.clone()); t!(i18n, shop.shipped_with, carrier = move || carrier.clone(), tracking = move || tracking.clone())}</p>
                        })}
                        {(s.status == OrderStatus::AwaitingPayment && o.request == RequestState::Withdrawn).then(|| view! {
                            <p class="notice">{t!(i18n, shop.request_withdrawn)}</p>
                        })}
                        {(s.status == OrderStatus::AwaitingPayment).then(|| view! {
                            <p>{t!(i18n, shop.payment_due)} <Countdown due=s.payment_due_at/></p>
                            {(o.request != RequestState::Withdrawn).then(|| view! {
                                <p><A href=format!("/orders/{}/pay", s.number) attr:class="button">{t!(i18n, shop.pay_now)}</A></p>
                            })}
                            <ActionForm action=cancel>
                                <input type="hidden" name="number" value=s.number.clone()/>
                                <ConfirmButton
                                    label=t_string!(i18n, shop.cancel_order)
                                    subject="cancel"
                                    question=fill(td_string!(l, shop.confirm_cancel_question), &[("number", s.number.clone())])
                                    consequence=td_string!(l, shop.confirm_cancel_consequence)
                                    keep=td_string!(l, shop.confirm_cancel_keep)
                                    asked=confirmation_asked(value, "cancel")
                                    disabled=pending
                                />
                            </ActionForm>
                            <FormError error=form_error(value)/>
                        })}
                    </section>
                    <section class="card" aria-labelledby="lines-title">
                        <h2 id="lines-title">{t!(i18n, shop.items)}</h2>
                        <table class="table">
                            <thead><tr><th scope="col">{t!(i18n, shop.col_product)}</th><th scope="col">{t!(i18n, shop.col_quantity)}</th><th scope="col">{t!(i18n, shop.col_price)}</th><th scope="col">{t!(i18n, shop.col_total)}</th></tr></thead>
                            <tbody>
                                {o.lines.iter().map(|l| view! {
                                    <tr><td class="wrap card-title">{l.title.clone()}</td><td data-label=t_string!(i18n, shop.col_quantity)>{l.quantity}</td><td data-label=t_string!(i18n, shop.col_price)>{crate::words::money(i18n.get_locale_untracked(), l.unit_price)}</td><td data-label=t_string!(i18n, shop.col_total)>{crate::words::money(i18n.get_locale_untracked(), l.line_total)}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <p class="total">{t!(i18n, shop.total)} <strong>{crate::words::money(i18n.get_locale_untracked(), s.total)}</strong></p>
                    </section>
                    <section class="card" aria-labelledby="ship-title">
                        <h2 id="ship-title">{t!(i18n, shop.shipping_to)}</h2>
                        <address>
                            {a.name.clone()}<br/>{a.line1.clone()}<br/>
                            {(!a.line2.is_empty()).then(|| view! { {a.line2.clone()}<br/> })}
                            {format!("{} {}", a.postcode, a.city)}<br/>{crate::ui::country_name(i18n.get_locale_untracked(), &a.country)}<br/>{a.phone.clone()}
                        </address>
                    </section>
                    <p><crate::ui::ReportProblemLink order=number/></p>
                    <section class="card" aria-labelledby="history-title">
                        <h2 id="history-title">{t!(i18n, shop.history)}</h2>
                        <ol class="history">
                            {o.events.iter().rev().map(|e| view! {
                                <li><time>{crate::ui::when(e.at)}</time>" — "{history::event_text(i18n.get_locale_untracked(), e, Actor::Shopper)}</li>
                            }).collect_view()}
                        </ol>
                    </section>
                })
            })}
        </Transition>
        // Outside the order's own live re-render, so that a request being typed survives it
        // (it shows itself once something was paid).
        {move || params.with(|p| p.get("number")).map(|n| view! {
            <crate::refunds::AfterSales number=n viewer=Actor::Shopper forms=after_sales/>
        })}
    }
}
