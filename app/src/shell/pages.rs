//! The landing pages of both shells and the 404 page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::health::{Area, ConnectionCheck};

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
        <ConnectionCheck area=Area::Shop/>
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
