//! The order console (`/merchant/orders`): tabs with counts per status, filters by collection
//! method and date range, search by order number or shopper email, and keyset paging. The
//! filters live in the URL, so a filtered page can be bookmarked, shared and reloaded.

use super::ConsolePage;
#[cfg(feature = "ssr")]
use super::PAGE_SIZE;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

use super::{CollectionMethod, ConsoleFilter, ConsoleRow};
use crate::error::AppError;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::{Countdown, StatusTag};
use crate::ui::{FormError, url_encode};
use domain::orders::{ALL_STATUSES, OrderStatus};

/// Merchants with an open shop: one page of their shop's orders.
#[server(prefix = "/api", endpoint = "console_orders")]
pub async fn console_orders(#[server(default)] filter: ConsoleFilter, #[server(default)] after: Option<String>) -> Result<ConsolePage, AppError> {
    use super::Cursor;
    let (pool, _, shop) = crate::catalog::my_open_shop().await?;
    let query = filter.parse()?;
    let after = after.filter(|a| !a.is_empty()).map(|a| Cursor::decode(&a)).transpose()?;
    let mut rows = crate::db::collection::console_page(&pool, shop.id, &query, after, PAGE_SIZE + 1).await?;
    let next = (rows.len() as i64 > PAGE_SIZE).then(|| {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| r.cursor().encode()).unwrap_or_default()
    });
    let counts = crate::db::collection::status_counts(&pool, shop.id).await?;
    Ok(ConsolePage { rows, next, counts })
}

/// The console URL for a filter (and page).
fn console_url(f: &ConsoleFilter, after: Option<&str>) -> String {
    let mut parts = Vec::new();
    for (k, v) in [("status", &f.status), ("method", &f.method), ("from", &f.from), ("to", &f.to), ("q", &f.q), ("after_sales", &f.after_sales)] {
        if !v.trim().is_empty() {
            parts.push(format!("{k}={}", url_encode(v.trim())));
        }
    }
    if let Some(a) = after {
        parts.push(format!("after={}", url_encode(a)));
    }
    if parts.is_empty() { "/merchant/orders".into() } else { format!("/merchant/orders?{}", parts.join("&")) }
}

#[component]
pub fn OrdersConsolePage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| ConsoleFilter {
            status: q.get("status").unwrap_or_default(),
            method: q.get("method").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
            q: q.get("q").unwrap_or_default(),
            after_sales: q.get("after_sales").unwrap_or_default(),
        })
    });
    let after = Memo::new(move |_| query.with(|q| q.get("after")));
    let orders_changed = crate::live::Live::kinds(&["order"]);
    let page = Resource::new(move || (filter.get(), after.get(), orders_changed.get()), |(f, a, _)| console_orders(f, a));

    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, merchant.orders_title)/>
        <h1>{t!(i18n, merchant.orders_title)}</h1>
        // Outside the refreshed part: what the merchant types survives live updates.
        {move || view! { <Filters f=filter.get()/> }}
        <Transition fallback=move || view! { <p class="muted" role="status">{t!(i18n, merchant.orders_loading)}</p> }>
            {move || Suspend::new(async move {
                let f = filter.get_untracked();
                let on_later_page = after.get_untracked().is_some();
                let result = page.await;
                let error = result.as_ref().err().map(|e| e.text(i18n.get_locale_untracked()));
                let data = result.unwrap_or(ConsolePage { rows: vec![], next: None, counts: vec![] });
                view! {
                    <Tabs f=f.clone() counts=data.counts.clone()/>
                    <FormError error=Signal::stored(error)/>
                    <Rows rows=data.rows.clone()/>
                    <nav class="pager" aria-label=t_string!(i18n, merchant.pages)>
                        {on_later_page.then(|| view! { <A href=console_url(&f, None)>{t!(i18n, merchant.first_page)}</A> })}
                        {data.next.clone().map(|n| view! { <A href=console_url(&f, Some(&n))>{t!(i18n, merchant.next_page)}</A> })}
                    </nav>
                }
            })}
        </Transition>
    }
}

#[component]
fn Tabs(f: ConsoleFilter, counts: Vec<(OrderStatus, i64)>) -> impl IntoView {
    let count_of = |s: OrderStatus| counts.iter().find(|(c, _)| *c == s).map(|(_, n)| *n).unwrap_or(0);
    let all: i64 = counts.iter().map(|(_, n)| n).sum();
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let tab = |value: &str, label: String, n: i64| {
        let current = f.status == value || (value.is_empty() && f.status == "all");
        let target = ConsoleFilter { status: value.to_string(), ..f.clone() };
        view! {
            <li>
                <a href=console_url(&target, None) aria-current=current.then_some("page") class:current=current>
                    {label}" "<span class="count">{n}</span>
                </a>
            </li>
        }
    };
    view! {
        <nav class="tabs" aria-label=t_string!(i18n, merchant.status_tabs)>
            <ul>
                {tab("", t_string!(i18n, merchant.all).to_string(), all)}
                {ALL_STATUSES.iter().map(|s| tab(s.as_str(), crate::ui::order_status_text(locale, *s).to_string(), count_of(*s))).collect_view()}
            </ul>
        </nav>
    }
}

#[component]
fn Filters(f: ConsoleFilter) -> impl IntoView {
    let i18n = use_i18n();
    let methods = [("online", t_string!(i18n, merchant.online_payment)), ("cash_on_delivery", t_string!(i18n, merchant.cash_on_delivery))];
    // On a phone the filters fold behind a button (open when some are in use), so the
    // orders come first; wide screens show them always (see the stylesheet).
    let active = [&f.method, &f.from, &f.to, &f.q, &f.after_sales].into_iter().filter(|v| !v.trim().is_empty()).count();
    let after_sales = [("open", t_string!(i18n, merchant.after_sales_open)), ("refunded", t_string!(i18n, merchant.after_sales_refunded))];
    let summary = if active == 0 {
        t_string!(i18n, merchant.filters).to_string()
    } else {
        crate::ui::fill(t_string!(i18n, merchant.filters_in_use), &[("count", active.to_string())])
    };
    view! {
        <details class="filters-fold" open={active > 0}>
        <summary class="button secondary">{summary}</summary>
        <Form method="GET" action="/merchant/orders" attr:class="card filters" attr:aria-label=t_string!(i18n, merchant.filter_orders)>
            <input type="hidden" name="status" value=f.status.clone()/>
            <div class="field">
                <label for="q">{t!(i18n, merchant.search)}</label>
                <input id="q" name="q" type="search" value=f.q.clone() placeholder=t_string!(i18n, merchant.search_placeholder) maxlength="254"/>
            </div>
            <div class="field">
                <label for="method">{t!(i18n, merchant.collection_method)}</label>
                <select id="method" name="method">
                    <option value="" selected=f.method.is_empty()>{t!(i18n, merchant.all_methods)}</option>
                    {methods.into_iter().map(|(v, l)| view! { <option value=v selected=f.method == v>{l}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="after_sales">{t!(i18n, merchant.after_sales)}</label>
                <select id="after_sales" name="after_sales">
                    <option value="" selected=f.after_sales.is_empty()>{t!(i18n, merchant.after_sales_any)}</option>
                    {after_sales.into_iter().map(|(v, l)| view! { <option value=v selected=f.after_sales == v>{l}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="from">{t!(i18n, merchant.placed_from)}</label>
                <input id="from" name="from" type="date" value=f.from.clone()/>
            </div>
            <div class="field">
                <label for="to">{t!(i18n, merchant.placed_until)}</label>
                <input id="to" name="to" type="date" value=f.to.clone()/>
            </div>
            <div class="filter-buttons">
                <button type="submit" class="button">{t!(i18n, merchant.apply_filters)}</button>
                <a href="/merchant/orders">{t!(i18n, merchant.clear)}</a>
            </div>
        </Form>
        </details>
    }
}

#[component]
fn Rows(rows: Vec<ConsoleRow>) -> impl IntoView {
    let i18n = use_i18n();
    if rows.is_empty() {
        return view! { <section class="card"><p>{t!(i18n, merchant.no_orders)}</p></section> }.into_any();
    }
    view! {
        <div class="table-scroll card">
            <table class="table console">
                <caption class="visually-hidden">{t!(i18n, merchant.orders_caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, merchant.col_order)}</th>
                        <th scope="col">{t!(i18n, merchant.col_shopper)}</th>
                        <th scope="col">{t!(i18n, merchant.col_status)}</th>
                        <th scope="col">{t!(i18n, merchant.col_collection)}</th>
                        <th scope="col">{t!(i18n, merchant.col_amount)}</th>
                        <th scope="col">{t!(i18n, merchant.col_placed)}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <th scope="row"><A href=format!("/merchant/orders/{}", r.number)>{r.number.clone()}</A></th>
                            <td class="wrap" data-label=t_string!(i18n, merchant.col_shopper)><crate::ui::Email address=r.shopper_email.clone()/></td>
                            <td data-label=t_string!(i18n, merchant.col_status)>
                                <StatusTag status=r.status/>
                                {(r.status == OrderStatus::AwaitingPayment).then(|| view! { " "<Countdown due=r.payment_due_at/> })}
                                {crate::refunds::standing_badge(i18n.get_locale_untracked(), r.total, r.refunded)}
                                {r.after_sales_open.then(|| view! { " "<span class="badge after-sales-open">{t!(i18n, merchant.after_sales_open_badge)}</span> })}
                            </td>
                            <td data-label=t_string!(i18n, merchant.col_collection)>{if r.method == CollectionMethod::CashOnDelivery { t_string!(i18n, merchant.cash_on_delivery) } else { t_string!(i18n, merchant.online) }}</td>
                            <td data-label=t_string!(i18n, merchant.col_amount)>{crate::words::money(i18n.get_locale_untracked(), r.total)}</td>
                            <td data-label=t_string!(i18n, merchant.col_placed)>{crate::ui::when(r.created_at)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
