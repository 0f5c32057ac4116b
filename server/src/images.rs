//! Product images: uploaded by the shop's merchant as a plain multipart form, checked by
//! their bytes (PNG, JPEG or WebP, at most 2 MB and 25 megapixels), resized to a few widths
//! (`backend::catalog::images`), stored in Postgres and served from the app.

use axum::{
    body::Body,
    extract::{Multipart, Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::AppState;
use app::accounts::session;
use app::error::AppError;
use domain::accounts::Role;

/// `?v=` the image's version (from the page that links it), `?w=` the width wanted.
#[derive(Debug, Default, Deserialize)]
pub struct ImageQuery {
    v: Option<i32>,
    w: Option<u32>,
}

/// A year: the URL names the version, and a new upload gets a new URL.
const CACHE_FOR_GOOD: &str = "public, max-age=31536000, immutable";
/// A URL without the current version may show another image tomorrow.
const CACHE_BRIEFLY: &str = "public, max-age=300";

/// `GET /images/products/{id}?v={version}&w={width}`: the stored width closest above `w`
/// (the largest without one).
pub async fn product_image(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    query: Result<Query<ImageQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    // A malformed query (`?w=big`) gets the largest image rather than an error.
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let wanted = query.w.unwrap_or(u32::MAX);
    match backend::catalog::image_variant(&state.pool, id, wanted).await {
        Ok(Some(image)) => {
            let etag = format!("\"p{id}-v{}-w{}\"", image.version, image.width);
            let cache = if query.v == Some(image.version) { CACHE_FOR_GOOD } else { CACHE_BRIEFLY };
            let mut response =
                if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == etag)) {
                    StatusCode::NOT_MODIFIED.into_response()
                } else {
                    let content_type = HeaderValue::from_str(&image.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
                    ([(header::CONTENT_TYPE, content_type)], Body::from(image.bytes)).into_response()
                };
            let out = response.headers_mut();
            out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            if let Ok(etag) = HeaderValue::from_str(&etag) {
                out.insert(header::ETAG, etag);
            }
            response
        }
        Ok(None) => (StatusCode::NOT_FOUND, [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")], "No image for this product.").into_response(),
        Err(err) => error_response(AppError::from(err), &headers),
    }
}

/// The plain-text answer to an upload that failed, in the uploader's language (the cookie the
/// header's switch sets, else the browser's first language).
pub(crate) fn error_response(err: AppError, headers: &HeaderMap) -> Response {
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
    let size = bytes.len();
    if !backend::catalog::store_image(&state.pool, &shop, id, bytes.to_vec()).await? {
        return Err(AppError::NotFound("The product".into()));
    }
    tracing::info!(product_id = id, bytes = size, "product image stored and resized");
    Ok(())
}

/// `POST /orders/{number}/refund-requests/{id}/photo/upload`, multipart with one `photo` file field:
/// the shopper adds a photo to their open refund request (PNG, JPEG or WebP, at most 2 MB).
/// Answers with a redirect back to the order, or a plain-text explanation of what was wrong.
pub async fn upload_refund_photo(
    State(state): State<AppState>,
    Path((number, id)): Path<(String, i64)>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    match refund_photo_upload(&state, &number, id, &headers, multipart).await {
        Ok(()) => Redirect::to(&format!("/orders/{}", app::ui::url_encode(&number))).into_response(),
        Err(err) => error_response(err, &headers),
    }
}

async fn refund_photo_upload(state: &AppState, number: &str, id: i64, headers: &HeaderMap, mut multipart: Multipart) -> Result<(), AppError> {
    let token = session::token_from_headers(headers).ok_or(AppError::Unauthenticated)?;
    let user = session::user_for_token(&state.pool, &token).await?.ok_or(AppError::Unauthenticated)?;
    if user.role != Role::Shopper {
        return Err(AppError::Forbidden);
    }
    let mut photo = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        if field.name() == Some("photo") {
            photo = Some(field.bytes().await.map_err(|_| AppError::field("photo", domain::Message::ImageTooLarge))?);
        }
    }
    let bytes = photo.filter(|b| !b.is_empty()).ok_or_else(|| AppError::field("photo", domain::Message::ImageMissing))?;
    backend::refunds::attach_photo(&state.pool, &user, number, id, &bytes).await?;
    tracing::info!(request_id = id, bytes = bytes.len(), "refund photo stored");
    Ok(())
}

/// `GET /orders/{number}/refund-requests/{id}/photo`: the photo, for the order's shopper, its
/// shop's merchant and staff only (never cached by a shared cache).
pub async fn refund_photo(State(state): State<AppState>, Path((number, id)): Path<(String, i64)>, headers: HeaderMap) -> Response {
    let found = async {
        let token = session::token_from_headers(&headers).ok_or(AppError::Unauthenticated)?;
        let user = session::user_for_token(&state.pool, &token).await?.ok_or(AppError::Unauthenticated)?;
        let viewer = match user.role {
            Role::Shopper => backend::refunds::Viewer::Shopper(user.id),
            Role::Merchant => {
                let shop = app::db::catalog::shop_of_merchant(&state.pool, user.id).await?.ok_or(AppError::Forbidden)?;
                backend::refunds::Viewer::Shop(shop.id)
            }
            Role::Staff => backend::refunds::Viewer::Staff,
        };
        Ok::<_, AppError>(backend::refunds::photo(&state.pool, viewer, &number, id).await?)
    }
    .await;
    match found {
        Ok((content_type, bytes)) => {
            let content_type = HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300")),
                    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                ],
                Body::from(bytes),
            )
                .into_response()
        }
        Err(err) => error_response(err, &headers),
    }
}
