//! The landing pages of both shells and the 404 page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::health::{Area, ConnectionCheck};
use crate::merchant::open_shops;

#[component]
pub fn ShopHome() -> impl IntoView {
    view! {
        <Title text="Shop"/>
        <section class="hero">
            <h1>"Shop and pay with confidence"</h1>
            <p>
                "Paydesk takes your payment once, shows your order's status live, and keeps your card details with the payment provider — never in the shop."
            </p>
        </section>
        <OpenShops/>
        <ConnectionCheck area=Area::Shop/>
    }
}

/// The shops whose merchants the platform approved.
#[component]
fn OpenShops() -> impl IntoView {
    let shops = Resource::new(|| (), |_| open_shops());
    view! {
        <section class="card" aria-labelledby="shops-title">
            <h2 id="shops-title">"Shops"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading shops…"</p> }>
                {move || Suspend::new(async move {
                    let shops = shops.await?;
                    Ok::<_, crate::error::AppError>(if shops.is_empty() {
                        view! { <p class="muted">"No shop is open yet."</p> }.into_any()
                    } else {
                        view! { <ul class="shop-list">{shops.into_iter().map(|s| view! {
                            <li><leptos_router::components::A href=format!("/shops/{}", s.id)>{s.name}</leptos_router::components::A></li>
                        }).collect_view()}</ul> }.into_any()
                    })
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn MerchantHome() -> impl IntoView {
    view! {
        <Title text="Merchant console"/>
        <section class="hero">
            <h1>"Merchant console"</h1>
            <p>"Work your pending orders, request payments and see money arrive the moment it does."</p>
        </section>
        <ConnectionCheck area=Area::Merchant/>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address. It may have moved, or the link may be mistyped."</p>
            <p><a href="/">"Go to the shop"</a>" · "<a href="/merchant">"Go to the merchant console"</a></p>
        </section>
    }
}
