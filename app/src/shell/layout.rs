//! The two shells: the shopper side and the merchant console, each with its own navigation and
//! a page-level error boundary that turns any error into a readable message.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::accounts::Auth;
use crate::error::AppError;
use crate::live::{LiveIndicator, Toasts};
use crate::notifications::{Notices, NotificationsLink};

/// One entry of a shell's navigation.
struct NavItem {
    href: &'static str,
    label: &'static str,
}

const SHOPPER_NAV: &[NavItem] = &[
    NavItem { href: "/", label: "Shop" },
    NavItem { href: "/cart", label: "Cart" },
    NavItem { href: "/orders", label: "My orders" },
    NavItem { href: "/account/payment-methods", label: "Payment methods" },
    NavItem { href: "/support", label: "Support" },
    NavItem { href: "/merchant", label: "For merchants" },
];

const MERCHANT_NAV: &[NavItem] = &[
    NavItem { href: "/merchant", label: "Overview" },
    NavItem { href: "/merchant/orders", label: "Orders" },
    NavItem { href: "/merchant/qualification", label: "Qualification" },
    NavItem { href: "/merchant/products", label: "Products" },
    NavItem { href: "/", label: "Shopper site" },
];

const STAFF_NAV: &[NavItem] = &[
    NavItem { href: "/staff/reviews", label: "Merchant reviews" },
    NavItem { href: "/staff/tickets", label: "Support tickets" },
    NavItem { href: "/", label: "Shopper site" },
];

#[component]
fn Frame(
    brand: &'static str,
    home: &'static str,
    nav_label: &'static str,
    nav: &'static [NavItem],
    class: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <div class=format!("frame {class}")>
            <a class="skip-link" href="#content">"Skip to content"</a>
            <header class="topbar">
                <a class="brand" href=home>{brand}</a>
                <nav aria-label=nav_label>
                    <ul>
                        {nav
                            .iter()
                            .map(|item| view! { <li><A href=item.href exact=true>{item.label}</A></li> })
                            .collect_view()}
                    </ul>
                </nav>
                <AccountMenu/>
            </header>
            <main id="content" tabindex="-1">
                <ErrorBoundary fallback=|errors| view! { <PageError errors/> }>{children()}</ErrorBoundary>
            </main>
            <Toasts/>
            <footer class="footer">"Paydesk — payments for social commerce"</footer>
        </div>
    }
}

#[component]
pub fn ShopperLayout(children: Children) -> impl IntoView {
    view! {
        <Frame brand="Paydesk" home="/" nav_label="Shopper" nav=SHOPPER_NAV class="shopper">
            {children()}
        </Frame>
    }
}

#[component]
pub fn MerchantLayout(children: Children) -> impl IntoView {
    view! {
        <Frame
            brand="Paydesk Merchant"
            home="/merchant"
            nav_label="Merchant console"
            nav=MERCHANT_NAV
            class="merchant"
        >
            {children()}
        </Frame>
    }
}

#[component]
pub fn StaffLayout(children: Children) -> impl IntoView {
    view! {
        <Frame brand="Paydesk Staff" home="/staff/reviews" nav_label="Staff" nav=STAFF_NAV class="merchant staff">
            {children()}
        </Frame>
    }
}

/// What a page shows instead of its content when something on it failed.
#[component]
fn PageError(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let all = errors.clone();
    let messages = move || {
        all.get()
            .into_iter()
            .map(|(_, err)| match err.downcast_ref::<AppError>() {
                Some(app) => app.to_string(),
                None => "Something went wrong while showing this page.".to_string(),
            })
            .collect::<Vec<_>>()
    };
    #[cfg(feature = "ssr")]
    let seen = errors.get_untracked();
    let needs_sign_in = move || errors.get().into_iter().any(|(_, e)| matches!(e.downcast_ref::<AppError>(), Some(AppError::Unauthenticated)));
    // The server-rendered page says what happened in its status too: a database that does not
    // answer is a 503 ("try again"), never a 200 page that looks empty.
    #[cfg(feature = "ssr")]
    {
        let worst = seen.into_iter().filter_map(|(_, e)| e.downcast_ref::<AppError>().map(AppError::status_code)).max();
        if let (Some(code @ 500..), Some(response)) = (worst, use_context::<leptos_axum::ResponseOptions>())
            && let Ok(status) = http::StatusCode::from_u16(code)
        {
            response.set_status(status);
        }
    }
    view! {
        <section class="card page-error" role="alert">
            <h1>"This page could not be shown"</h1>
            <ul>{move || messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
            {move || if needs_sign_in() {
                view! { <p><a href="/signin">"Sign in"</a>" or "<a href="/signup">"create an account"</a></p> }.into_any()
            } else {
                view! { <p><a href="">"Try again"</a></p> }.into_any()
            }}
        </section>
    }
}

/// The header's account links: sign in / sign up, or who is signed in and sign out.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let auth = Auth::get();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = auth.user.await;
                let unread = Notices::unread().await;
                match user {
                    Ok(Some(user)) => view! {
                        <div class="account-menu">
                            {match user.role {
                                domain::accounts::Role::Shopper => Some(view! { <NotificationsLink href="/notifications" unread/> }),
                                domain::accounts::Role::Merchant => Some(view! { <NotificationsLink href="/merchant/notifications" unread/> }),
                                domain::accounts::Role::Staff => None,
                            }}
                            <LiveIndicator/>
                            <A href="/account">{user.email.to_string()}</A>
                            <ActionForm action=auth.sign_out>
                                <button type="submit" class="link-button">"Sign out"</button>
                            </ActionForm>
                        </div>
                    }.into_any(),
                    Ok(None) => view! {
                        <div class="account-menu">
                            <A href="/signin">"Sign in"</A>
                            <A href="/signup">"Sign up"</A>
                        </div>
                    }.into_any(),
                    // Whether someone is signed in cannot be told right now: never pretend
                    // they are signed out.
                    Err(_) => view! {
                        <div class="account-menu">
                            <span class="muted" role="status">"Account unavailable — try again in a moment"</span>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
