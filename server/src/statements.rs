//! `GET /merchant/statements.csv?from=YYYY-MM-DD&to=YYYY-MM-DD`: the merchant's statement
//! lines over those days (UTC) as CSV, streamed from Postgres as the client reads it — a
//! million lines in bounded memory. `Paydesk-Lines` says up front how many lines follow, so
//! the page can show the download's progress.

use axum::{
    body::Body,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::AppState;
use crate::images::error_response;
use app::accounts::session;
use app::error::AppError;
use domain::accounts::Role;

#[derive(Debug, Default, Deserialize)]
pub struct Range {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub async fn statement_csv(
    State(state): State<AppState>,
    query: Result<Query<Range>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let export = async {
        let token = session::token_from_headers(&headers).ok_or(AppError::Unauthenticated)?;
        let user = session::user_for_token(&state.pool, &token).await?.ok_or(AppError::Unauthenticated)?;
        if user.role != Role::Merchant {
            return Err(AppError::Forbidden);
        }
        let range = query.map(|Query(r)| r).unwrap_or_default();
        let day = |field: &str, raw: &str| {
            app::settlement::parse_day(raw).ok_or_else(|| AppError::from(domain::Refusal::field(field, domain::Message::DateFormat)))
        };
        let (from, to) = (day("from", &range.from)?, day("to", &range.to)?);
        let (lines, body) = backend::settlement::csv_export(&state.pool, &user, from, to).await?;
        Ok::<_, AppError>((from, to, lines, body))
    }
    .await;
    match export {
        Ok((from, to, lines, body)) => {
            let name = format!("attachment; filename=\"paydesk-statement-{from}-to-{to}.csv\"");
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
                    (header::CONTENT_DISPOSITION, HeaderValue::from_str(&name).unwrap_or(HeaderValue::from_static("attachment"))),
                    (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
                    (header::HeaderName::from_static("paydesk-lines"), HeaderValue::from(lines)),
                ],
                Body::from_stream(body),
            )
                .into_response()
        }
        Err(err) => error_response(err, &headers),
    }
}
