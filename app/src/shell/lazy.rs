//! The pages loaded on demand. A shopper's pages — shop, product, search, cart, checkout, pay,
//! orders, sign-in — are in the module every visitor downloads first; the rest come in three
//! groups, each cut out of that module by `cargo leptos build --split` and fetched when one of
//! its pages is opened (the server links the chunks of the page it renders, so a first visit
//! fetches them at once, beside the main module):
//! - the shopper's account and support pages,
//! - the merchant console,
//! - the staff pages.
//!
//! Groups, not one chunk per page: the splitter puts code that several split points share into
//! a chunk per combination of them, and with a split point per page a page needed 100–165 small
//! files — on a phone network that is 560 ms a round trip, six at a time (measured: 11–19 s to
//! hydrate). Three groups make at most a handful of files per page.
//!
//! Without `--split` the groups stay in the one module: the loaders' imports then dangle, so
//! every build splits (`./paydesk`).

use leptos::prelude::*;

/// `Group, load_fn, preload_fn { Route => Page, … }`: the enum `Group` of the group's pages, the
/// lazily loaded `load_fn` showing one of them, and per page a route `Route` that loads the
/// group (`preload_fn` is what `#[lazy]` names the function fetching the chunk).
macro_rules! lazy_group {
    ($group:ident, $load:ident, $preload:ident { $($route:ident => $page:path),* $(,)? }) => {
        #[derive(Clone, Copy, Debug)]
        #[allow(clippy::enum_variant_names)]
        enum $group {
            $($route),*
        }

        #[leptos::lazy]
        fn $load(page: $group) -> AnyView {
            // A page's own signals must not subscribe the route to them.
            match page {
                $($group::$route => untrack($page).into_any()),*
            }
        }

        $(
            #[doc = concat!("The route of [`", stringify!($page), "`], loaded on demand with its group.")]
            pub struct $route;

            impl leptos_router::LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $load($group::$route).await
                }

                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $preload().await;
                }
            }
        )*
    };
}

lazy_group!(AccountPages, account_pages, __preload_account_pages {
    AccountRoute => crate::accounts::AccountPage,
    PaymentMethodsRoute => crate::payments::PaymentMethodsPage,
    ShopperNotificationsRoute => crate::notifications::ShopperNotificationsPage,
    MyTicketsRoute => crate::support::MyTicketsPage,
    NewTicketRoute => crate::support::NewTicketPage,
    TicketRoute => crate::support::TicketPage,
});

lazy_group!(MerchantPages, merchant_pages, __preload_merchant_pages {
    MerchantHomeRoute => super::MerchantHome,
    QualificationRoute => crate::merchant::QualificationPage,
    MerchantProductsRoute => crate::catalog::MerchantProductsPage,
    OrdersConsoleRoute => crate::collection::OrdersConsolePage,
    MerchantOrderRoute => crate::collection::MerchantOrderPage,
    MerchantNotificationsRoute => crate::notifications::MerchantNotificationsPage,
    MoneyRoute => crate::settlement::money_page::MoneyPage,
    StatementRoute => crate::settlement::statement_page::StatementPage,
    ApiKeysRoute => crate::api_keys::ApiKeysPage,
    WebhooksRoute => crate::webhooks::WebhooksPage,
});

lazy_group!(StaffPages, staff_pages, __preload_staff_pages {
    ReviewQueueRoute => crate::staff::ReviewQueuePage,
    ReviewDetailRoute => crate::staff::ReviewDetailPage,
    TicketQueueRoute => crate::support::TicketQueuePage,
    StaffTicketRoute => crate::support::StaffTicketPage,
    StatusRoute => crate::health::StatusPage,
    PlatformMoneyRoute => crate::settlement::platform_page::PlatformMoneyPage,
});
