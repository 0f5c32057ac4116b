//! The request's session: the cookie, the address and user agent, and the authorization
//! helpers every server function calls. Sign-up, sign-in, sessions and hashing themselves are
//! the backend's (`backend::accounts`). Compiled for the server only.

pub use backend::accounts::*;

use http::header::{SET_COOKIE, USER_AGENT};
use leptos::prelude::use_context;
use sqlx::PgPool;

use crate::error::AppError;
use domain::accounts::{CurrentUser, RequestMeta, Role};

/// Settings the server hands to the app through the Leptos context.
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionSettings {
    /// Mark the cookie `Secure` (set when the app is served over HTTPS).
    pub secure_cookies: bool,
}

/// The server's hashing gate, from the request's context (one per server); outside a request
/// a gate of its own.
pub fn hash_gate() -> std::sync::Arc<HashGate> {
    use_context::<std::sync::Arc<HashGate>>().unwrap_or_else(|| {
        static FALLBACK: std::sync::OnceLock<std::sync::Arc<HashGate>> = std::sync::OnceLock::new();
        FALLBACK.get_or_init(|| std::sync::Arc::new(HashGate::for_this_machine())).clone()
    })
}

// ---- The request at hand ----------------------------------------------------------------

/// Who sent the request: resolved once per request by the server's middleware
/// (`server::session::resolve`) and read by every page and server function of that request
/// through [`current_user`] — one session lookup per request, however many checks it makes.
#[derive(Clone, Debug)]
pub struct ResolvedSession(pub Result<Option<CurrentUser>, AppError>);

impl ResolvedSession {
    /// Looks up the session a request's cookie names (no query without a cookie).
    pub async fn of(pool: &PgPool, headers: &http::HeaderMap) -> ResolvedSession {
        ResolvedSession(match token_from_headers(headers) {
            Some(token) => user_for_token(pool, &token).await.map_err(AppError::from),
            None => Ok(None),
        })
    }
}

fn request_parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

/// The session token sent by the browser, if any.
pub fn request_token() -> Option<String> {
    token_from_headers(&request_parts()?.headers)
}

/// The session token in a request's `Cookie` headers, for plain Axum routes.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<String> {
    crate::cookies::value(headers, SESSION_COOKIE).map(str::to_string)
}

/// Address and user agent of the request, for throttling and the activity log.
pub fn request_meta() -> RequestMeta {
    let Some(parts) = request_parts() else {
        return RequestMeta { ip: "unknown".into(), user_agent: String::new() };
    };
    let ip =
        parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into());
    let user_agent = parts.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect()).unwrap_or_default();
    RequestMeta { ip, user_agent }
}

pub fn set_cookie(value: String) {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(v) = http::HeaderValue::from_str(&value)
    {
        res.append_header(SET_COOKIE, v);
    }
}

pub fn set_session_cookie(token: &str) {
    let secure = use_context::<SessionSettings>().unwrap_or_default().secure_cookies;
    set_cookie(format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        ABSOLUTE_TIMEOUT.whole_seconds(),
        if secure { "; Secure" } else { "" }
    ));
}

// ---- The guest cart's cookie ------------------------------------------------------------

/// The guest cart token this browser sent, if any.
pub fn guest_cart_token() -> Option<String> {
    crate::cookies::value(&request_parts()?.headers, backend::cart::GUEST_CART_COOKIE).map(str::to_string)
}

/// Whether a request's `Cookie` headers carry a guest cart token, for plain Axum layers.
pub fn has_guest_cart(headers: &http::HeaderMap) -> bool {
    crate::cookies::value(headers, backend::cart::GUEST_CART_COOKIE).is_some()
}

/// Keeps a guest cart's token in this browser for [`backend::cart::GUEST_CART_LIFETIME`]: out of
/// reach of scripts, sent along with top-level navigation from other sites (so a link to the
/// cart works) but not with their form posts, `Secure` exactly when the session cookie is.
pub fn set_guest_cart_cookie(token: &str) {
    set_cookie(guest_cart_cookie(token, backend::cart::GUEST_CART_LIFETIME.whole_seconds()));
}

/// Forgets the guest cart's token in this browser (its cart was merged).
pub fn clear_guest_cart_cookie() {
    set_cookie(guest_cart_cookie("", 0));
}

fn guest_cart_cookie(token: &str, max_age: i64) -> String {
    let secure = use_context::<SessionSettings>().unwrap_or_default().secure_cookies;
    let name = backend::cart::GUEST_CART_COOKIE;
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", if secure { "; Secure" } else { "" })
}

/// After signing in or up: a shopper takes this browser's guest cart into their own cart, and
/// the browser forgets it. Merchants and staff have no cart: the guest cart stays with the
/// browser (for whoever shops in it next, signed out or as a shopper; pruned when forgotten).
pub async fn adopt_guest_cart(pool: &PgPool, user: &CurrentUser) -> Result<(), AppError> {
    let Some(token) = guest_cart_token().filter(|_| user.role == Role::Shopper) else {
        return Ok(());
    };
    backend::cart::merge_guest_cart(pool, &token, user).await?;
    clear_guest_cart_cookie();
    Ok(())
}

/// The cookie that remembers the page language in this browser (the name leptos_i18n reads).
pub const LANGUAGE_COOKIE: &str = "i18n_pref_locale";

/// The language this browser's cookie asks for, if any.
pub fn language_cookie() -> Option<domain::accounts::Language> {
    domain::accounts::Language::parse(crate::cookies::value(&request_parts()?.headers, LANGUAGE_COOKIE)?)
}

/// The `Set-Cookie` value that remembers `language` in a browser for a year.
pub fn language_cookie_value(language: domain::accounts::Language) -> String {
    format!("{LANGUAGE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", language.tag())
}

pub fn clear_session_cookie() {
    set_cookie(format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
}

/// The signed-in user of this request, if any.
pub async fn current_user(pool: &PgPool) -> Result<Option<CurrentUser>, AppError> {
    if let Some(ResolvedSession(resolved)) = request_parts().and_then(|p| p.extensions.get::<ResolvedSession>().cloned()) {
        return resolved;
    }
    match request_token() {
        Some(token) => Ok(user_for_token(pool, &token).await?),
        None => Ok(None),
    }
}

/// The signed-in user, or `Unauthenticated`.
pub async fn require_user(pool: &PgPool) -> Result<CurrentUser, AppError> {
    current_user(pool).await?.ok_or(AppError::Unauthenticated)
}

/// The signed-in user if they have `role`; `Unauthenticated` or `Forbidden` otherwise.
pub async fn require_role(pool: &PgPool, role: Role) -> Result<CurrentUser, AppError> {
    let user = require_user(pool).await?;
    if user.role == role { Ok(user) } else { Err(AppError::Forbidden) }
}

/// How every server function for signed-in users opens: the request's database pool and who
/// is asking, checked here on the server.
pub async fn signed_in() -> Result<(PgPool, CurrentUser), AppError> {
    let pool = crate::db::pool()?;
    let user = require_user(&pool).await?;
    Ok((pool, user))
}

/// [`signed_in`], for one role only (`Forbidden` for the others).
pub async fn signed_in_as(role: Role) -> Result<(PgPool, CurrentUser), AppError> {
    let pool = crate::db::pool()?;
    let user = require_role(&pool, role).await?;
    Ok((pool, user))
}
