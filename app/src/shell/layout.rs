//! The two shells: the shopper side and the merchant console, each with its own navigation and
//! a page-level error boundary that turns any error into a readable message.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::accounts::{Auth, with_next};
use crate::cart::CartTally;
use crate::error::AppError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::live::{LiveIndicator, Toasts};
use crate::notifications::{Notices, NotificationsLink};
use leptos_i18n::Locale as _;

/// A shell's navigation: (address, label) in the page's language.
type Nav = Vec<(&'static str, &'static str)>;

fn shopper_nav(l: Locale) -> Nav {
    vec![
        ("/", td_string!(l, common.nav_shop)),
        ("/orders", td_string!(l, common.nav_my_orders)),
        ("/account/payment-methods", td_string!(l, common.nav_payment_methods)),
        ("/support", td_string!(l, common.nav_support)),
        ("/merchant", td_string!(l, common.nav_for_merchants)),
    ]
}

fn merchant_nav(l: Locale) -> Nav {
    vec![
        ("/merchant", td_string!(l, common.nav_overview)),
        ("/merchant/orders", td_string!(l, common.nav_orders)),
        ("/merchant/money", td_string!(l, common.nav_money)),
        ("/merchant/api-keys", td_string!(l, common.nav_api_keys)),
        ("/merchant/webhooks", td_string!(l, common.nav_webhooks)),
        ("/merchant/qualification", td_string!(l, common.nav_qualification)),
        ("/merchant/products", td_string!(l, common.nav_products)),
        ("/", td_string!(l, common.nav_shopper_site)),
    ]
}

fn staff_nav(l: Locale) -> Nav {
    vec![
        ("/staff/reviews", td_string!(l, common.nav_reviews)),
        ("/staff/tickets", td_string!(l, common.nav_tickets)),
        ("/staff/status", td_string!(l, common.nav_status)),
        ("/staff/money", td_string!(l, common.nav_money)),
        ("/", td_string!(l, common.nav_shopper_site)),
    ]
}

/// The header, phone first: the brand, what needs to stay in sight (live status, the
/// notifications badge, the cart with its count) and a "Menu" disclosure holding the
/// navigation, the account and the language. A `<details>`, so it opens before the script has
/// loaded (and without it); on wide screens the stylesheet shows its content inline.
#[component]
fn Frame(brand: &'static str, home: &'static str, nav_label: &'static str, nav: Nav, class: &'static str, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    // The error boundary's fallback is rendered where the i18n context cannot be found: it is
    // handed the page's language instead.
    let locale = i18n.get_locale_untracked();
    let menu = NodeRef::<leptos::html::Details>::new();
    close_on_navigation(menu);
    // Every page is inside a frame, inside the route tree: its effects run once the whole
    // page, a lazily loaded one included, is hydrated.
    crate::ui::Hydrated::mark_when_done();
    // So is the router's: the fallback is handed the page shown, for "sign in and come back".
    let location = leptos_router::hooks::use_location();
    let here = Signal::derive(move || current_page(location.pathname, location.search));
    view! {
        <div class=format!("frame {class}")>
            <a class="skip-link" href="#content">{t!(i18n, common.skip_to_content)}</a>
            <header class="topbar">
                <a class="brand" href=home>{brand}</a>
                <HeaderQuick with_cart=class == "shopper"/>
                <details class="menu" node_ref=menu>
                    <summary class="menu-button"><span class="menu-icon" aria-hidden="true"></span>{t!(i18n, common.menu)}</summary>
                    <div class="menu-panel">
                        <nav aria-label=nav_label>
                            <ul>
                                {nav.into_iter().map(|(href, label)| view! { <li><A href=href exact=true>{label}</A></li> }).collect_view()}
                            </ul>
                        </nav>
                        <AccountMenu/>
                        <LanguageSwitch/>
                    </div>
                </details>
            </header>
            <main id="content" tabindex="-1">
                <ErrorBoundary fallback=move |errors| view! { <PageError errors locale here/> }>{children()}</ErrorBoundary>
            </main>
            <Toasts/>
            <footer class="footer">{t!(i18n, common.footer)}</footer>
        </div>
    }
}

#[component]
pub fn ShopperLayout(children: Children) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    view! {
        <Frame brand=td_string!(l, common.brand_shopper) home="/" nav_label=td_string!(l, common.nav_shopper) nav=shopper_nav(l) class="shopper">
            {children()}
        </Frame>
    }
}

#[component]
pub fn MerchantLayout(children: Children) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    view! {
        <Frame
            brand=td_string!(l, common.brand_merchant)
            home="/merchant"
            nav_label=td_string!(l, common.nav_merchant)
            nav=merchant_nav(l)
            class="merchant"
        >
            {children()}
        </Frame>
    }
}

#[component]
pub fn StaffLayout(children: Children) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    view! {
        <Frame
            brand=td_string!(l, common.brand_staff)
            home="/staff/reviews"
            nav_label=td_string!(l, common.nav_staff)
            nav=staff_nav(l)
            class="merchant staff"
        >
            {children()}
        </Frame>
    }
}

/// The header's language switch: plain links to the server's `/lang/<language>`, which
/// remembers the choice in a cookie and sends the browser back to this page — so it works
/// before (and without) the script, and the page comes back rendered in the new language.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = leptos_router::hooks::use_location();
    let here = move || current_page(location.pathname, location.search);
    let link = move |locale: Locale, name: &'static str| {
        let href = move || format!("/lang/{}?next={}", locale.as_str(), crate::ui::url_encode(&here()));
        let current = move || (i18n.get_locale() == locale).then_some("true");
        // `rel="external"`: the router leaves it to the browser (a full page load).
        view! { <a href=href rel="external" hreflang=locale.as_str() lang=locale.as_str() aria-current=current>{name}</a> }
    };
    view! {
        <nav class="language-switch" aria-label=move || t_string!(i18n, common.language)>
            {link(Locale::en, "English")}
            {link(Locale::zh_CN, "简体中文")}
        </nav>
    }
}

/// The page shown: its path and query.
fn current_page(pathname: Memo<String>, search: Memo<String>) -> String {
    let query = search.get();
    let query = query.trim_start_matches('?');
    if query.is_empty() { pathname.get() } else { format!("{}?{query}", pathname.get()) }
}

/// What a page shows instead of its content when something on it failed.
#[component]
fn PageError(errors: ArcRwSignal<Errors>, locale: Locale, here: Signal<String>) -> impl IntoView {
    let all = errors.clone();
    let messages = move || {
        all.get()
            .into_iter()
            .map(|(_, err)| match err.downcast_ref::<AppError>() {
                Some(app) => app.text(locale),
                None => td_string!(locale, common.page_error_unknown).to_string(),
            })
            // Two parts of a page failing for one reason ("Please sign in") say it once.
            .fold(Vec::new(), |mut seen: Vec<String>, m| {
                if !seen.contains(&m) {
                    seen.push(m);
                }
                seen
            })
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
            <h1>{td_string!(locale, common.page_error_title)}</h1>
            <ul>{move || messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
            {move || if needs_sign_in() {
                // Back to this page once signed in.
                let back = domain::accounts::LocalPath::parse(&here.get());
                view! {
                    <p>
                        <a href=with_next("/signin", back.as_ref())>{td_string!(locale, common.sign_in)}</a>
                        {td_string!(locale, common.or)}
                        <a href=with_next("/signup", back.as_ref())>{td_string!(locale, common.create_an_account)}</a>
                    </p>
                }
                .into_any()
            } else {
                view! { <p><a href="">{td_string!(locale, common.try_again)}</a></p> }.into_any()
            }}
        </section>
    }
}

/// The menu folds again when a link in it took the reader to another page.
fn close_on_navigation(menu: NodeRef<leptos::html::Details>) {
    let location = leptos_router::hooks::use_location();
    Effect::new(move |seen: Option<String>| {
        let path = location.pathname.get();
        if seen.is_some_and(|before| before != path)
            && let Some(el) = menu.get_untracked()
        {
            let _ = el.remove_attribute("open");
        }
        path
    });
}

/// What stays in sight in the header on every screen: the live status, the notifications
/// badge and (on the shopper side, for visitors too) the cart with its count.
#[component]
fn HeaderQuick(with_cart: bool) -> impl IntoView {
    let auth = Auth::get();
    let i18n = use_i18n();
    view! {
        <div class="quick">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let user = auth.user.await.ok().flatten();
                    let unread = Notices::unread().await;
                    let in_cart = if with_cart { CartTally::get().await } else { 0 };
                    let role = user.as_ref().map(|u| u.role);
                    let l = i18n.get_locale_untracked();
                    view! {
                        {user.is_some().then(|| view! { <LiveIndicator/> })}
                        {match role {
                            Some(domain::accounts::Role::Shopper) => Some(view! { <NotificationsLink href="/notifications" unread/> }),
                            Some(domain::accounts::Role::Merchant) => Some(view! { <NotificationsLink href="/merchant/notifications" unread/> }),
                            _ => None,
                        }}
                        {(with_cart && matches!(role, None | Some(domain::accounts::Role::Shopper))).then(|| view! { <CartLink count=in_cart l/> })}
                    }
                })}
            </Transition>
        </div>
    }
}

/// The header's cart link: "Cart" and the number of items in it.
#[component]
fn CartLink(count: i64, l: Locale) -> impl IntoView {
    let label = match count {
        0 => td_string!(l, common.nav_cart).to_string(),
        1 => td_string!(l, common.cart_single_item).to_string(),
        n => crate::ui::fill(td_string!(l, common.cart_items), &[("count", n.to_string())]),
    };
    view! {
        <A href="/cart" attr:class="cart-link" attr:aria-label=label>
            <svg class="icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                <path d="M3 4h2l2.4 10.2a1 1 0 0 0 1 .8h8.9a1 1 0 0 0 1-.8L20 7H6.2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>
                <circle cx="9.5" cy="19.5" r="1.5" fill="currentColor"/>
                <circle cx="17" cy="19.5" r="1.5" fill="currentColor"/>
            </svg>
            <span class="label">{td_string!(l, common.nav_cart)}</span>
            {(count > 0).then(|| view! { <span class="count" aria-hidden="true">{count}</span> })}
        </A>
    }
}

/// The header's account links: sign in / sign up, or who is signed in and sign out.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let auth = Auth::get();
    let i18n = use_i18n();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = auth.user.await;
                match user {
                    Ok(Some(user)) => view! {
                        <div class="account-menu">
                            <A href="/account"><crate::ui::Email address=user.email.to_string()/></A>
                            <ActionForm action=auth.sign_out>
                                <button type="submit" class="link-button">{t!(i18n, common.sign_out)}</button>
                            </ActionForm>
                        </div>
                    }.into_any(),
                    Ok(None) => view! {
                        <div class="account-menu">
                            <A href="/signin">{t!(i18n, common.sign_in)}</A>
                            <A href="/signup">{t!(i18n, common.sign_up)}</A>
                        </div>
                    }.into_any(),
                    // Whether someone is signed in cannot be told right now: never pretend
                    // they are signed out.
                    Err(_) => view! {
                        <div class="account-menu">
                            <span class="muted" role="status">{t!(i18n, common.account_unavailable)}</span>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
