//! Orders as the shopper sees them: "My orders" (awaiting payment first, with a countdown to
//! the payment deadline), the order page with lines, address, status and history, and
//! cancelling an unpaid order, which gives its stock back.

use crate::ui::{Countdown, StatusTag};
use domain::orders::describe;
pub use domain::orders::{Order, OrderEventView, OrderLine, OrderSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::error::AppError;
use crate::ui::{FormError, form_error};
use domain::accounts::format_utc;
use domain::collection::CollectionMethod;
use domain::collection::RequestState;
use domain::orders::{Actor, OrderStatus};
use domain::qualification::country_name;

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

/// Shoppers: cancel one of their own orders while it awaits payment.
#[server(prefix = "/api", endpoint = "cancel_order")]
pub async fn cancel_order(number: String) -> Result<(), AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    Ok(backend::orders::cancel_by_shopper(&pool, &me, &number).await?)
}

#[component]
pub fn MyOrdersPage() -> impl IntoView {
    let orders_changed = crate::live::Live::kinds(&["order"]);
    let orders = Resource::new(move || orders_changed.get(), |_| my_orders());
    view! {
        <Title text="My orders"/>
        <h1>"My orders"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading your orders…"</p> }>
            {move || Suspend::new(async move {
                let orders = orders.await?;
                Ok::<_, AppError>(if orders.is_empty() {
                    view! { <section class="card"><p>"You have no orders yet."</p></section> }.into_any()
                } else {
                    view! {
                        <ul class="order-list">
                            {orders.into_iter().map(|o| view! {
                                <li class="card order-row">
                                    <A href=format!("/orders/{}", o.number)>{format!("Order {}", o.number)}</A>
                                    <span>{o.shop_name.clone()}</span>
                                    <StatusTag status=o.status/>
                                    <strong>{o.total.to_string()}</strong>
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
    view! {
        <Title text="Order"/>
        <p><A href="/orders">"← My orders"</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the order…"</p> }>
            {move || Suspend::new(async move {
                let o = order.await?;
                let s = o.summary.clone();
                let a = o.address.clone();
                let number = s.number.clone();
                Ok::<_, AppError>(view! {
                    <h1>{format!("Order {}", s.number)}</h1>
                    <section class="card">
                        <p class="status-line">"Status: " <StatusTag status=s.status/></p>
                        <p>{format!("From {} · placed {}", s.shop_name, format_utc(s.created_at))}</p>
                        {(o.request == RequestState::Open).then(|| view! {
                            <p class="notice-info" role="status">{format!("The shop asks you to pay {} by {}.", s.total, o.request_deadline.map(format_utc).unwrap_or_default())}</p>
                        })}
                        {(o.method == CollectionMethod::CashOnDelivery && !s.status.is_paid() && s.status != OrderStatus::Cancelled).then(|| view! {
                            <p class="notice-info">{format!("Cash on delivery: you pay {} to the courier.", s.total)}</p>
                        })}
                        {o.shipment.clone().map(|sh| view! {
                            <p>{format!("Shipped with {} — tracking number {}", sh.carrier, sh.tracking_number)}</p>
                        })}
                        {(s.status == OrderStatus::AwaitingPayment && o.request == RequestState::Withdrawn).then(|| view! {
                            <p class="notice">"The shop withdrew its payment request. You can pay once it sends a new one."</p>
                        })}
                        {(s.status == OrderStatus::AwaitingPayment).then(|| view! {
                            <p>"Payment due: " <Countdown due=s.payment_due_at/></p>
                            {(o.request != RequestState::Withdrawn).then(|| view! {
                                <p><A href=format!("/orders/{}/pay", s.number) attr:class="button">"Pay now"</A></p>
                            })}
                            <ActionForm action=cancel>
                                <input type="hidden" name="number" value=s.number.clone()/>
                                <button type="submit" class="button button-danger" disabled=move || pending.get()>"Cancel order"</button>
                            </ActionForm>
                            <FormError error=form_error(value)/>
                        })}
                    </section>
                    <section class="card" aria-labelledby="lines-title">
                        <h2 id="lines-title">"Items"</h2>
                        <table class="table">
                            <thead><tr><th scope="col">"Product"</th><th scope="col">"Quantity"</th><th scope="col">"Price"</th><th scope="col">"Total"</th></tr></thead>
                            <tbody>
                                {o.lines.iter().map(|l| view! {
                                    <tr><td class="wrap">{l.title.clone()}</td><td>{l.quantity}</td><td>{l.unit_price.to_string()}</td><td>{l.line_total.to_string()}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <p class="total">"Total: " <strong>{s.total.to_string()}</strong></p>
                    </section>
                    <section class="card" aria-labelledby="ship-title">
                        <h2 id="ship-title">"Shipping to"</h2>
                        <address>
                            {a.name.clone()}<br/>{a.line1.clone()}<br/>
                            {(!a.line2.is_empty()).then(|| view! { {a.line2.clone()}<br/> })}
                            {format!("{} {}", a.postcode, a.city)}<br/>{country_name(&a.country).to_string()}<br/>{a.phone.clone()}
                        </address>
                    </section>
                    <p><crate::ui::ReportProblemLink order=number/></p>
                    <section class="card" aria-labelledby="history-title">
                        <h2 id="history-title">"History"</h2>
                        <ol class="history">
                            {o.events.iter().rev().map(|e| view! {
                                <li><time>{format_utc(e.at)}</time>" — "{describe(e, Actor::Shopper)}</li>
                            }).collect_view()}
                        </ol>
                    </section>
                })
            })}
        </Transition>
    }
}
