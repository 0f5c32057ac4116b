//! The page frame: the HTML document, the router, the shopper and merchant shells with their
//! navigation, the page-level error boundary and the 404 page.

mod layout;
mod lazy;
mod pages;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

pub use layout::{MerchantLayout, ShopperLayout, StaffLayout};

use crate::accounts::{Auth, SignInPage, SignUpPage};
use crate::cart::CartPage;
use crate::catalog::{ProductPage, SearchPage, ShopPage};
use crate::checkout::CheckoutPage;
use crate::i18n::I18nContextProvider;
use crate::live::{Live, LiveChannel};
use crate::notifications::Notices;
use crate::orders::{MyOrdersPage, OrderPage};
use crate::payments::PayPage;
use lazy::*;
pub use pages::{MerchantHome, NotFound, ShopHome};

/// The HTML document that the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        // `lang` (and `dir`) are set by the i18n provider to the page's language.
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <AutoReload options=options.clone()/>
                // Content-hashed names when the build made them (see `server::assets`).
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    // The marker tells people's tools and the end-to-end tests that the page is interactive:
    // set by every page's frame (`layout.rs`), inside the route tree, whose effects run once the
    // page's own chunk arrived and the whole page is hydrated.
    let crate::ui::Hydrated(hydrated) = crate::ui::Hydrated::provide();
    let zone = crate::ui::Zone::of_page();
    provide_context(zone);
    Effect::new(move |_| crate::ui::Zone::remember_browsers(zone));

    // True while the router fetches the next page's data.
    let (is_routing, set_is_routing) = signal(false);

    // Every page is rendered completely on the server before it is sent (SsrMode::Async):
    // it works without JavaScript, and what the first paint shows is the real data.
    // The language: the cookie the header's switch sets, else the browser's Accept-Language;
    // the server renders in it and the browser reads it back from `<html lang>`.
    view! {
        <I18nContextProvider>
            <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
            <Title formatter=document_title/>
            <div id="app" data-tz=zone.0 data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
                <Router set_is_routing>
                    <PageLoading is_routing/>
                    <Pages/>
                </Router>
            </div>
        </I18nContextProvider>
    }
}

/// Every page's title, "<page> · Paydesk". Titles carry user text (product titles, shop names).
/// leptos_meta writes the server's `<title>` into the HTML exactly as given — no escaping — so
/// on the server it is escaped here; in the browser it becomes `document.title`, which is text
/// and must not be escaped.
fn document_title(page: String) -> String {
    let title = if page.is_empty() { "Paydesk".to_string() } else { format!("{page} · Paydesk") };
    if cfg!(feature = "ssr") { crate::ui::escape_html(&title) } else { title }
}

/// The busy state of a page change: the next page is rendered once its data is there, and on a
/// slow phone network that takes a moment. A bar across the top shows it, and screen readers
/// hear "Loading the page…".
#[component]
fn PageLoading(is_routing: ReadSignal<bool>) -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    view! {
        <div class="page-loading" role="status" aria-live="polite">
            {move || is_routing.get().then(|| view! { <span class="page-loading-bar"></span><span class="visually-hidden">{crate::i18n::t!(i18n, common.page_loading)}</span> })}
        </div>
    }
}

#[component]
fn ShopperLayoutOutlet() -> impl IntoView {
    view! { <ShopperLayout><leptos_router::components::Outlet/></ShopperLayout> }
}

/// The routes, inside the router so that the session actions it provides can see a plain
/// form's error sent back in the URL (no-JavaScript forms).
#[component]
fn Pages() -> impl IntoView {
    let auth = Auth::provide();
    Live::provide();
    Notices::provide();
    crate::cart::CartTally::provide();
    let signed_in = Signal::derive(move || matches!(auth.user.get(), Some(Ok(Some(_)))));
    // A shopper's pages are plain components, in the module every visitor loads first; the
    // account and support pages, the merchant console and the staff pages are lazy routes,
    // fetched by group when opened (see `lazy.rs`).
    view! {
        <LiveChannel signed_in/>
        <Routes fallback=|| view! { <ShopperLayout><NotFound/></ShopperLayout> }>
                <ParentRoute path=path!("/merchant") view=MerchantLayoutOutlet>
                    <Route path=path!("") view={Lazy::<MerchantHomeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("qualification") view={Lazy::<QualificationRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("products") view={Lazy::<MerchantProductsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("orders") view={Lazy::<OrdersConsoleRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("orders/:number") view={Lazy::<MerchantOrderRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("notifications") view={Lazy::<MerchantNotificationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("money") view={Lazy::<MoneyRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("statements/:day") view={Lazy::<StatementRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("api-keys") view={Lazy::<ApiKeysRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("webhooks") view={Lazy::<WebhooksRoute>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
                <ParentRoute path=path!("/staff") view=StaffLayoutOutlet>
                    <Route path=path!("reviews") view={Lazy::<ReviewQueueRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("reviews/:merchant_id") view={Lazy::<ReviewDetailRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("tickets") view={Lazy::<TicketQueueRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("tickets/:id") view={Lazy::<StaffTicketRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("status") view={Lazy::<StatusRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("money") view={Lazy::<PlatformMoneyRoute>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
                <ParentRoute path=path!("") view=ShopperLayoutOutlet>
                    <Route path=path!("") view=ShopHome ssr=SsrMode::Async/>
                    <Route path=path!("signup") view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("signin") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("account/payment-methods") view={Lazy::<PaymentMethodsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("shops/:shop_id") view=ShopPage ssr=SsrMode::Async/>
                    <Route path=path!("products/:product_id") view=ProductPage ssr=SsrMode::Async/>
                    <Route path=path!("search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("cart") view=CartPage ssr=SsrMode::Async/>
                    <Route path=path!("checkout/:shop_id") view=CheckoutPage ssr=SsrMode::Async/>
                    <Route path=path!("orders") view=MyOrdersPage ssr=SsrMode::Async/>
                    <Route path=path!("orders/:number") view=OrderPage ssr=SsrMode::Async/>
                    <Route path=path!("orders/:number/pay") view=PayPage ssr=SsrMode::Async/>
                    <Route path=path!("notifications") view={Lazy::<ShopperNotificationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("support") view={Lazy::<MyTicketsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("support/new") view={Lazy::<NewTicketRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("support/:id") view={Lazy::<TicketRoute>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
        </Routes>
    }
}

#[component]
fn StaffLayoutOutlet() -> impl IntoView {
    view! { <StaffLayout><leptos_router::components::Outlet/></StaffLayout> }
}

#[component]
fn MerchantLayoutOutlet() -> impl IntoView {
    view! { <MerchantLayout><leptos_router::components::Outlet/></MerchantLayout> }
}
