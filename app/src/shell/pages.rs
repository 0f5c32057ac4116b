//! The landing pages of both shells (the merchant's is their dashboard) and the 404 page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::dashboard::MerchantDashboard;
use crate::i18n::{t, t_string, use_i18n};
use crate::merchant::open_shops;

#[component]
pub fn ShopHome() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, shop.home_title)/>
        <section class="hero">
            <h1>{t!(i18n, shop.home_heading)}</h1>
            <p>{t!(i18n, shop.home_intro)}</p>
        </section>
        <crate::catalog::SearchEverywhere/>
        <OpenShops/>
    }
}

/// The shops whose merchants the platform approved.
#[component]
fn OpenShops() -> impl IntoView {
    let shops = Resource::new(|| (), |_| open_shops());
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="shops-title">
            <h2 id="shops-title">{t!(i18n, shop.shops_heading)}</h2>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.shops_loading)}</p> }>
                {move || Suspend::new(async move {
                    let shops = shops.await?;
                    Ok::<_, crate::error::AppError>(if shops.is_empty() {
                        view! { <p class="muted">{t!(i18n, shop.no_shop_open)}</p> }.into_any()
                    } else {
                        view! { <ul class="shop-list" translate="no">{shops.into_iter().map(|s| view! {
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
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, common.merchant_home_title)/>
        <section class="hero">
            <h1>{t!(i18n, common.merchant_home_title)}</h1>
            <p>{t!(i18n, common.merchant_home_intro)}</p>
        </section>
        <MerchantDashboard/>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, common.not_found_title)/>
        <section class="card">
            <h1>{t!(i18n, common.not_found_title)}</h1>
            <p>{t!(i18n, common.not_found_text)}</p>
            <p><a href="/">{t!(i18n, common.not_found_shop)}</a>" · "<a href="/merchant">{t!(i18n, common.not_found_merchant)}</a></p>
        </section>
    }
}
