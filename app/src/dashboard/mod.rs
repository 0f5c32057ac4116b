//! The merchant's dashboard (`/merchant`): today's and this week's sales, the orders waiting on
//! the merchant (each count a link to its console tab), the latest payments received, the money
//! the platform owes the shop, and thirty days of sales as a chart with its table. It refetches
//! whenever one of the shop's orders changes, so a payment shows up without a reload.

pub use domain::dashboard::{Dashboard, DaySales, ReceivedPayment, Sales, ToAct};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::error::AppError;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::ui::fill;
use domain::money::Money;
use domain::orders::{CollectionMethod, OrderStatus};

mod chart;

pub use chart::SalesChart;

/// Merchants: their shop's dashboard, `None` while they have no open shop.
#[server(prefix = "/api", endpoint = "merchant_dashboard")]
pub async fn merchant_dashboard() -> Result<Option<Dashboard>, AppError> {
    let (pool, me) = crate::accounts::session::signed_in_as(domain::accounts::Role::Merchant).await?;
    Ok(backend::dashboard::of_merchant(&pool, &me).await?)
}

/// The dashboard, or what the visitor must do to see one (sign in, get a shop).
#[component]
pub fn MerchantDashboard() -> impl IntoView {
    // Every change that moves these numbers — an order placed, paid, shipped, delivered with
    // its cash, cancelled — is an order event. Attempt events (a card declined) move none.
    let changed = crate::live::Live::kinds(&["order"]);
    let dashboard = Resource::new(move || changed.get(), |_| merchant_dashboard());
    let i18n = use_i18n();
    view! {
        <Transition fallback=move || view! { <p class="muted" role="status">{t!(i18n, merchant.d_loading)}</p> }>
            {move || Suspend::new(async move {
                let l = i18n.get_locale_untracked();
                match dashboard.await {
                    Ok(Some(d)) => view! { <Board d/> }.into_any(),
                    Ok(None) => view! { <NoShop/> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <SignInFirst/> }.into_any(),
                    Err(AppError::Forbidden) => view! { <Note text=td_string!(l, merchant.d_merchants_only).to_string()/> }.into_any(),
                    Err(e) => view! { <Note text=e.text(l)/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Note(text: String) -> impl IntoView {
    view! { <section class="card" role="alert"><p>{text}</p></section> }
}

#[component]
fn SignInFirst() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="dash-sign-in">
            <h2 id="dash-sign-in">{t!(i18n, merchant.d_sign_in_heading)}</h2>
            <p>{t!(i18n, merchant.d_sign_in_text)}</p>
            <p>
                <a href="/signin?next=/merchant">{t!(i18n, common.sign_in)}</a>
                {t!(i18n, common.or)}
                <a href="/signup?next=/merchant">{t!(i18n, common.create_an_account)}</a>
            </p>
        </section>
    }
}

#[component]
fn NoShop() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="dash-no-shop">
            <h2 id="dash-no-shop">{t!(i18n, merchant.d_no_shop_heading)}</h2>
            <p>{t!(i18n, merchant.d_no_shop_text)}</p>
            <p><A href="/merchant/qualification">{t!(i18n, merchant.d_go_to_qualification)}</A></p>
        </section>
    }
}

/// Amounts per currency, one per line (a shop sells in one; an order in another would show).
fn amounts(l: Locale, list: &[Money]) -> impl IntoView + use<> {
    list.iter().map(|m| view! { <span class="stat-amount">{crate::words::money(l, *m)}</span> }).collect_view()
}

#[component]
fn Board(d: Dashboard) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let shop = d.shop_name.clone();
    let paid_orders = |n: i64| fill(td_string!(l, merchant.d_paid_orders), &[("count", n.to_string())]);
    let cash_held = d.cash_collected.iter().any(|m| m.minor != 0).then(|| {
        let list = d.cash_collected.iter().map(|m| crate::words::money(l, *m)).collect::<Vec<_>>().join(" + ");
        view! { <p class="stat-note">{fill(td_string!(l, merchant.d_cash_held), &[("amount", list)])}</p> }
    });
    view! {
        <p class="dash-intro muted">
            {t!(i18n, merchant.d_figures_for, shop = move || view! { <span translate="no">{shop.clone()}</span> })}" "
            {t!(i18n, merchant.d_utc_note)}
        </p>
        <div class="dash-stats">
            <section class="card stat" aria-labelledby="stat-today">
                <h2 id="stat-today">{t!(i18n, merchant.d_sales_today)}</h2>
                <p class="stat-value">{amounts(l, &d.sales_today.amounts)}</p>
                <p class="stat-note">{paid_orders(d.sales_today.orders)}</p>
            </section>
            <section class="card stat" aria-labelledby="stat-week">
                <h2 id="stat-week">{t!(i18n, merchant.d_sales_week)}</h2>
                <p class="stat-value">{amounts(l, &d.sales_week.amounts)}</p>
                <p class="stat-note">
                    {paid_orders(d.sales_week.orders)}" · "
                    {fill(td_string!(l, merchant.d_since), &[("day", d.week_start.to_string())])}
                </p>
            </section>
            <section class="card stat" aria-labelledby="stat-pending">
                <h2 id="stat-pending">{t!(i18n, merchant.d_pending)}</h2>
                <p class="stat-value">{amounts(l, &d.pending)}</p>
                <p class="stat-note">{t!(i18n, merchant.d_pending_note)}</p>
                {cash_held}
            </section>
            <section class="card stat" aria-labelledby="stat-available">
                <h2 id="stat-available">{t!(i18n, merchant.d_available)}</h2>
                <p class="stat-value">{amounts(l, &d.available)}</p>
                <p class="stat-note">{t!(i18n, merchant.d_available_note)}" "<A href="/merchant/money">{t!(i18n, merchant.d_available_link)}</A></p>
            </section>
        </div>
        <div class="dash-columns">
            <ToActOn to_act=d.to_act/>
            <Received received=d.received.clone()/>
        </div>
        <section class="card" aria-labelledby="dash-chart">
            <h2 id="dash-chart">{t!(i18n, merchant.d_chart_heading)}</h2>
            <p class="muted">{fill(td_string!(l, merchant.d_chart_intro), &[("currency", d.currency.to_string())])}</p>
            <SalesChart days=d.days.clone()/>
        </section>
    }
}

/// The console tab of orders in `status`.
fn console_tab(status: OrderStatus) -> String {
    format!("/merchant/orders?status={}", status.as_str())
}

fn to_act_label(l: Locale, status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::AwaitingPayment => td_string!(l, merchant.d_act_awaiting),
        OrderStatus::Paid => td_string!(l, merchant.d_act_paid_to_ship),
        OrderStatus::CodToShip => td_string!(l, merchant.d_act_cod_to_ship),
        _ => td_string!(l, merchant.d_act_cash_due),
    }
}

#[component]
fn ToActOn(to_act: ToAct) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <section class="card" aria-labelledby="dash-to-act">
            <div class="card-head">
                <h2 id="dash-to-act">{t!(i18n, merchant.d_to_act_heading)}</h2>
                <A href="/merchant/orders">{t!(i18n, merchant.d_all_orders)}</A>
            </div>
            <ul class="to-act">
                {to_act.lines().into_iter().map(|(status, n)| view! {
                    <li>
                        <A href=console_tab(status) attr:class=if n == 0 { "to-act-link zero" } else { "to-act-link" }>
                            <span class="to-act-label">{to_act_label(l, status)}</span>
                            <span class="to-act-count">{n}</span>
                        </A>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Received(received: Vec<ReceivedPayment>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let list = if received.is_empty() {
        view! { <p class="muted">{t!(i18n, merchant.d_received_none)}</p> }.into_any()
    } else {
        view! {
            <ol class="received">
                {received.into_iter().map(|p| {
                    let method = match p.method {
                        CollectionMethod::Online => td_string!(l, merchant.online),
                        CollectionMethod::CashOnDelivery => td_string!(l, merchant.cash_on_delivery),
                    };
                    view! {
                        <li>
                            <A href=format!("/merchant/orders/{}", p.number) attr:class="received-order">{p.number.clone()}</A>
                            <span class="price">{crate::words::money(l, p.amount)}</span>
                            <span class="received-when">{method}" · "{crate::ui::when(p.paid_at)}</span>
                        </li>
                    }
                }).collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="dash-received">
            <h2 id="dash-received">{t!(i18n, merchant.d_received_heading)}</h2>
            {list}
        </section>
    }
}
