//! Accounts: sign-up, sign-in, sign-out, the signed-in user, and the account page with its
//! activity. Server functions are thin wrappers over [`session`], which the tests call too.

pub use domain::accounts::{ActivityEntry, RequestMeta};
pub mod safety;
#[cfg(feature = "ssr")]
pub mod session;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::error::AppError;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::ui::{Field, FormError, field_error, form_error, with_url_error};
use domain::accounts::{CurrentUser, LocalPath};

// ---- Server functions -------------------------------------------------------------------

/// Anyone: creates a shopper or merchant account and signs it in. A shopper takes along the
/// cart this browser filled while signed out; `next` is the page to land on (this site's only).
#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(email: String, password: String, role: String, #[server(default)] next: Option<String>) -> Result<(), AppError> {
    let pool = crate::db::pool()?;
    let new = session::sign_up(&pool, &session::hash_gate(), &email, &password, &role, &session::request_meta()).await?;
    session::adopt_guest_cart(&pool, &new.user).await?;
    session::set_session_cookie(&new.token);
    // A language chosen in this browser before signing up becomes the account's.
    if let Some(language) = session::language_cookie() {
        session::remember_language(&pool, &new.user, language).await?;
    }
    leptos_axum::redirect(&domain::accounts::landing(new.user.role, next.as_deref(), true));
    Ok(())
}

/// Anyone: signs in with email and password (throttled). A shopper takes along the cart this
/// browser filled while signed out; `next` is the page to land on (this site's only). The
/// account's language comes along into this browser: the answer names the page to load afresh
/// when it is not the one shown.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, #[server(default)] next: Option<String>) -> Result<Option<String>, AppError> {
    let pool = crate::db::pool()?;
    let new = session::sign_in(&pool, &session::hash_gate(), &email, &password, &session::request_meta()).await?;
    session::adopt_guest_cart(&pool, &new.user).await?;
    session::set_session_cookie(&new.token);
    let landing = domain::accounts::landing(new.user.role, next.as_deref(), false);
    leptos_axum::redirect(&landing);
    match session::language_of(&pool, &new.user).await? {
        Some(language) if session::language_cookie() != Some(language) => {
            session::set_cookie(session::language_cookie_value(language));
            Ok(Some(landing))
        }
        _ => Ok(None),
    }
}

/// Anyone: ends the current session, if there is one.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let pool = crate::db::pool()?;
    if let Some(token) = session::request_token() {
        session::sign_out(&pool, &token, &session::request_meta()).await?;
    }
    session::clear_session_cookie();
    leptos_axum::redirect("/");
    Ok(())
}

/// Anyone: the signed-in user, or `None`.
#[server(prefix = "/api", endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    let pool = crate::db::pool()?;
    session::current_user(&pool).await
}

/// Any signed-in user: their own recent account activity.
#[server(prefix = "/api", endpoint = "my_activity")]
pub async fn my_activity() -> Result<Vec<ActivityEntry>, AppError> {
    let (pool, user) = crate::accounts::session::signed_in().await?;
    Ok(crate::db::accounts::recent_activity(&pool, user.id, 20).await?)
}

// ---- The signed-in user, shared by every page -------------------------------------------

/// The session actions and the user they produce, provided once by the app shell.
#[derive(Clone, Copy)]
pub struct Auth {
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
}

impl Auth {
    pub fn provide() -> Auth {
        let sign_in = ServerAction::<SignIn>::new();
        let sign_up = ServerAction::<SignUp>::new();
        let sign_out = ServerAction::<SignOut>::new();
        let user = Resource::new(move || (sign_in.version().get(), sign_up.version().get(), sign_out.version().get()), |_| get_current_user());
        let auth = Auth { sign_in, sign_up, sign_out, user };
        provide_context(auth);
        auth
    }

    pub fn get() -> Auth {
        expect_context::<Auth>()
    }
}

// ---- Pages ------------------------------------------------------------------------------

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = Auth::get().sign_up;
    let value = with_url_error::<SignUp, _>(action.value());
    let pending = action.pending();
    let next = next_page();
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, account.create_title)/>
        <section class="card narrow">
            <h1>{t!(i18n, account.create_title)}</h1>
            <ActionForm action=action>
                <fieldset class="field">
                    <legend>{t!(i18n, account.i_want_to)}</legend>
                    <label class="choice"><input type="radio" name="role" value="shopper" checked=true/>" "{t!(i18n, account.role_shop)}</label>
                    <label class="choice"><input type="radio" name="role" value="merchant"/>" "{t!(i18n, account.role_sell)}</label>
                    <p class="field-error" id="role-error">{move || field_error(value, "role").get()}</p>
                </fieldset>
                <Field label=t_string!(i18n, account.email) name="email" kind="email" autocomplete="email" required=true maxlength=254
                    error=field_error(value, "email")/>
                <Field label=t_string!(i18n, account.password) name="password" kind="password" autocomplete="new-password" required=true
                    hint=t_string!(i18n, account.password_hint) maxlength=128 error=field_error(value, "password")/>
                <NextField next/>
                <FormError error=form_error(value)/>
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { t_string!(i18n, account.creating) } else { t_string!(i18n, account.create) }}
                </button>
            </ActionForm>
            <p class="muted">{t!(i18n, account.have_account)} <A href=move || with_next("/signin", next.get().as_ref())>{t!(i18n, account.sign_in)}</A></p>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = Auth::get().sign_in;
    let value = with_url_error::<SignIn, _>(action.value());
    // The account reads in another language than this page: load its home afresh in it.
    Effect::new(move |_| {
        if let Some(Ok(Some(home))) = action.value().get() {
            let _ = window().location().set_href(&home);
        }
    });
    let pending = action.pending();
    let next = next_page();
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, account.sign_in)/>
        <section class="card narrow">
            <h1>{t!(i18n, account.sign_in)}</h1>
            <ActionForm action=action>
                <Field label=t_string!(i18n, account.email) name="email" kind="email" autocomplete="username" required=true maxlength=254
                    error=field_error(value, "email")/>
                <Field label=t_string!(i18n, account.password) name="password" kind="password" autocomplete="current-password" required=true
                    maxlength=128 error=field_error(value, "password")/>
                <NextField next/>
                <FormError error=form_error(value)/>
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { t_string!(i18n, account.signing_in) } else { t_string!(i18n, account.sign_in) }}
                </button>
            </ActionForm>
            <p class="muted">{t!(i18n, account.new_here)} <A href=move || with_next("/signup", next.get().as_ref())>{t!(i18n, account.create_link)}</A></p>
        </section>
    }
}

/// The page a sign-in or sign-up page was asked to go on to (`?next=/checkout/7`), when it is
/// a page of this site. The server checks it again: this only carries it along.
fn next_page() -> Signal<Option<LocalPath>> {
    let query = leptos_router::hooks::use_query_map();
    Signal::derive(move || query.with(|q| q.get_str("next").and_then(LocalPath::parse)))
}

/// The form's `next`, sent along with the email and password (with and without JavaScript).
#[component]
fn NextField(next: Signal<Option<LocalPath>>) -> impl IntoView {
    move || next.get().map(|n| view! { <input type="hidden" name="next" value=n.as_str().to_string()/> })
}

/// `page` (`/signin`, `/signup`) with `?next=` when there is a page to go on to.
pub fn with_next(page: &str, next: Option<&LocalPath>) -> String {
    match next {
        Some(n) => format!("{page}?next={}", n.to_query_value()),
        None => page.to_string(),
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = Auth::get();
    let activity = Resource::new(move || auth.user.get().map(|u| u.ok().flatten().map(|u| u.id)), |_| my_activity());
    let safety = safety::Safety::load();
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, account.account_title)/>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, account.account_loading)}</p> }>
            {move || Suspend::new(async move {
                let user = auth.user.await?.ok_or(AppError::Unauthenticated)?;
                let entries = activity.await?;
                Ok::<_, AppError>(view! {
                    <section class="card">
                        <h1>{t!(i18n, account.account_title)}</h1>
                        <dl class="facts">
                            <dt>{t!(i18n, account.email)}</dt><dd><crate::ui::Email address=user.email.to_string()/></dd>
                            <dt>{t!(i18n, account.account_type)}</dt><dd>{role_text(l, user.role)}</dd>
                        </dl>
                    </section>
                    <safety::AccountSafety safety/>
                    <section class="card">
                        <h2>{t!(i18n, account.recent_activity)}</h2>
                        <table class="table">
                            <thead><tr><th scope="col">{t!(i18n, account.col_when)}</th><th scope="col">{t!(i18n, account.col_what)}</th><th scope="col">{t!(i18n, account.col_address)}</th><th scope="col">{t!(i18n, account.col_device)}</th></tr></thead>
                            <tbody>
                                {entries.into_iter().map(|e| view! {
                                    <tr>
                                        <td class="card-title">{crate::ui::when(e.at)}</td>
                                        <td data-label=t_string!(i18n, account.col_what)>{activity_text(l, &e.kind)}</td>
                                        <td data-label=t_string!(i18n, account.col_address)>{e.ip.clone()}</td>
                                        <td data-label=t_string!(i18n, account.col_device) title=e.user_agent.clone() translate="no">{crate::words::device_text(l, &e.user_agent)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                    <p><A href="/support/new">{t!(i18n, account.report_account_problem)}</A></p>
                })
            })}
        </Transition>
    }
}

/// An account's role in the reader's language.
pub fn role_text(l: crate::i18n::Locale, role: domain::accounts::Role) -> &'static str {
    use domain::accounts::Role;
    match role {
        Role::Shopper => td_string!(l, account.role_shopper),
        Role::Merchant => td_string!(l, account.role_merchant),
        Role::Staff => td_string!(l, account.role_staff),
    }
}

/// A line of the account's activity (stored as a kind) in the reader's language.
pub fn activity_text(l: crate::i18n::Locale, kind: &str) -> &'static str {
    match kind {
        "signed_up" => td_string!(l, account.activity_signed_up),
        "signed_in" => td_string!(l, account.activity_signed_in),
        "signed_out" => td_string!(l, account.activity_signed_out),
        "qualification_submitted" => td_string!(l, account.activity_qualification_submitted),
        "payment_method_added" => td_string!(l, account.activity_method_added),
        "payment_method_removed" => td_string!(l, account.activity_method_removed),
        "default_method_changed" => td_string!(l, account.activity_default_changed),
        "signed_in_new_device" => td_string!(l, account.activity_new_device),
        "password_changed" => td_string!(l, account.activity_password_changed),
        "signed_out_elsewhere" => td_string!(l, account.activity_signed_out_elsewhere),
        _ => td_string!(l, account.activity_other),
    }
}
