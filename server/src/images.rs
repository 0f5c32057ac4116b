//! Product images: uploaded by the shop's merchant as a plain multipart form, checked by
//! their bytes (PNG, JPEG or WebP, at most 2 MB), stored in Postgres and served from the app.

use axum::{
    body::Body,
    extract::{Multipart, Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

use crate::AppState;
use app::accounts::session;
use app::error::AppError;
use domain::accounts::Role;

/// `GET /images/products/{id}`.
pub async fn product_image(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    match app::db::catalog::product_image(&state.pool, id).await {
        Ok(Some((content_type, bytes))) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"))),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
                (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ],
            Body::from(bytes),
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "No image for this product.").into_response(),
        Err(err) => error_response(AppError::from(err), &headers),
    }
}

/// The plain-text answer to an upload that failed, in the uploader's language (the cookie the
/// header's switch sets, else the browser's first language).
fn error_response(err: AppError, headers: &HeaderMap) -> Response {
    use app::i18n::Locale;
    let chinese = match app::cookies::value(headers, app::accounts::session::LANGUAGE_COOKIE) {
        Some(chosen) => chosen.starts_with("zh"),
        None => headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim_start().starts_with("zh")),
    };
    let l = if chinese { Locale::zh_CN } else { Locale::en };
    let status = StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
    let message = match &err {
        AppError::Validation(fields) => fields.iter().map(|f| app::words::message_text(l, &f.message)).collect::<Vec<_>>().join(" "),
        other => other.text(l),
    };
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
}

/// `POST /merchant/products/{id}/image`, multipart with one `image` file field. Answers with a
/// redirect back to the product list, or a plain-text explanation of what was wrong.
pub async fn upload_product_image(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap, multipart: Multipart) -> Response {
    match upload(&state, id, &headers, multipart).await {
        Ok(()) => Redirect::to("/merchant/products").into_response(),
        Err(err) => error_response(err, &headers),
    }
}

async fn upload(state: &AppState, id: i64, headers: &HeaderMap, mut multipart: Multipart) -> Result<(), AppError> {
    let token = session::token_from_headers(headers).ok_or(AppError::Unauthenticated)?;
    let user = session::user_for_token(&state.pool, &token).await?.ok_or(AppError::Unauthenticated)?;
    if user.role != Role::Merchant {
        return Err(AppError::Forbidden);
    }
    let shop = app::db::catalog::shop_of_merchant(&state.pool, user.id).await?.ok_or(AppError::Forbidden)?;
    let mut image = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        if field.name() == Some("image") {
            let bytes = field.bytes().await.map_err(|_| AppError::field("image", domain::Message::ImageTooLarge))?;
            image = Some(bytes);
        }
    }
    let bytes = image.filter(|b| !b.is_empty()).ok_or_else(|| AppError::field("image", domain::Message::ImageMissing))?;
    let content_type = backend::catalog::image_type(&bytes)?;
    if !app::db::catalog::set_product_image(&state.pool, &shop, id, content_type, &bytes).await? {
        return Err(AppError::NotFound("The product".into()));
    }
    tracing::info!(product_id = id, bytes = bytes.len(), "product image stored");
    Ok(())
}
