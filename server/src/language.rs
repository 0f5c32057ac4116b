//! The header's language switch: `GET /lang/<language>?next=/where/it/was` remembers the choice
//! in the cookie the app's i18n reads on every request (before `Accept-Language`) and sends the
//! browser back to the page, which the server then renders in that language. A plain link: it
//! works before the page's script has loaded, and without it.

use app::accounts::session::{ResolvedSession, language_cookie_value};
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::accounts::Language;

#[derive(serde::Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// A signed-in user's choice is kept with their account too, so that it follows them to
/// another browser; if that cannot be written now, this browser still switches.
pub async fn switch(
    State(state): State<crate::AppState>,
    who: Option<Extension<ResolvedSession>>,
    Path(language): Path<String>,
    Query(Next { next }): Query<Next>,
) -> Response {
    let Some(language) = Language::parse(&language) else {
        return (StatusCode::NOT_FOUND, "This language is not offered. 暂不提供该语言。").into_response();
    };
    if let Some(Extension(ResolvedSession(Ok(Some(user))))) = who
        && let Err(err) = backend::accounts::remember_language(&state.pool, &user, language).await
    {
        tracing::warn!(user_id = user.id, error = %err, "could not keep the language with the account");
    }
    // Only back to a page of this site: a path, never another host ("//evil", "/\evil").
    let back = next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"))
        .and_then(|n| HeaderValue::from_str(&n).ok())
        .unwrap_or(HeaderValue::from_static("/"));
    let cookie = language_cookie_value(language);
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(header::LOCATION, back);
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}
