//! The header's language switch: `GET /lang/<language>?next=/where/it/was` remembers the choice
//! in the cookie the app's i18n reads on every request (before `Accept-Language`) and sends the
//! browser back to the page, which the server then renders in that language. A plain link: it
//! works before the page's script has loaded, and without it.

use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The cookie leptos_i18n reads and writes (its default name).
pub const COOKIE: &str = "i18n_pref_locale";

#[derive(serde::Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn switch(Path(language): Path<String>, Query(Next { next }): Query<Next>) -> Response {
    let Ok(locale) = language.parse::<app::i18n::Locale>() else {
        return (StatusCode::NOT_FOUND, "This language is not offered. 暂不提供该语言。").into_response();
    };
    // Only back to a page of this site: a path, never another host ("//evil", "/\evil").
    let back = next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"))
        .and_then(|n| HeaderValue::from_str(&n).ok())
        .unwrap_or(HeaderValue::from_static("/"));
    let cookie = format!("{COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax");
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(header::LOCATION, back);
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}
