//! `/api/v1`: the merchant API. Every request carries `Authorization: Bearer <key>`; it is
//! counted in the key's minute (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` on
//! every answer; 429 with `Retry-After` past the limit) and logged for the key's owner. JSON in
//! and out; a refusal is `{"error": {"code", "message", "field"}}`. Lists page with a cursor
//! (`next_cursor`, passed back as `after`). Every write needs an `Idempotency-Key` header and
//! a read-write key.

use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::{MatchedPath, Path, Query, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use backend::api::{ApiCaller, Idempotent, KeyRefusal};
use domain::api::ApiError;
use domain::collection::{ConsoleFilter, Cursor, MerchantAction};

/// The routes, behind the key check.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/orders", get(list_orders))
        .route("/orders/{number}", get(get_order))
        .route("/orders/{number}/ship", post(ship))
        .route("/orders/{number}/deliver", post(deliver))
        .route("/orders/{number}/collect_cash", post(collect_cash))
        .route("/orders/{number}/payment_request", post(request_payment))
        .route("/orders/{number}/payment_request/withdraw", post(withdraw_request))
        .route("/orders/{number}/refunds", get(list_refunds).post(create_refund))
        .route("/orders/{number}/refunds/{id}", get(get_refund))
        .route("/balances", get(balances))
        .route("/settlements", get(settlements))
        .route("/statements/{day}", get(statement))
        .route("/payouts", get(payouts))
        .route("/payouts/{id}", get(get_payout))
        .route("/events", get(events))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no_such_route", "There is no such API route.", None) })
        .layer(axum::middleware::from_fn_with_state(state, authenticate))
}

fn error(status: StatusCode, code: &str, message: impl Into<String>, field: Option<&str>) -> Response {
    let body = ApiError { code: code.into(), message: message.into(), field: field.map(str::to_string) };
    (status, Json(json!({ "error": body }))).into_response()
}

/// A backend refusal as the API's error object (the English wording; `code` is stable).
fn refused(err: backend::Error) -> Response {
    use backend::Error as E;
    match err {
        E::Validation(fields) => match fields.first() {
            Some(f) => error(StatusCode::UNPROCESSABLE_ENTITY, f.message.code(), f.message.to_string(), Some(&f.field)),
            None => error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "The request is not valid.", None),
        },
        E::BadRequest(why) => error(StatusCode::BAD_REQUEST, "bad_request", why, None),
        E::Unauthenticated => error(StatusCode::UNAUTHORIZED, "invalid_key", "The API key is not valid.", None),
        E::Forbidden => error(StatusCode::FORBIDDEN, "forbidden", "This key may not do that.", None),
        E::NotFound(what) => error(StatusCode::NOT_FOUND, "not_found", format!("{what} was not found."), None),
        E::Conflict(message) => error(StatusCode::CONFLICT, message.code(), message.to_string(), None),
        E::RateLimited(secs) | E::Busy(secs) => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests; try again later.", None);
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            r
        }
        E::Unavailable => error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Paydesk is briefly unavailable; try again.", None),
        E::Internal { reference } => {
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("Something failed on Paydesk's side (reference {reference})."), None)
        }
    }
}

/// Checks the key, counts the request in its minute, runs the route, adds the rate headers and
/// logs the answer for the key's owner.
async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let presented = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(domain::api::bearer).map(str::to_string);
    let caller = match backend::api::authenticate(&state.pool, presented.as_deref()).await {
        Ok(Ok(caller)) => caller,
        Ok(Err(KeyRefusal::Missing)) => {
            return error(StatusCode::UNAUTHORIZED, "missing_key", "Send your API key as `Authorization: Bearer <key>`.", None);
        }
        Ok(Err(KeyRefusal::Invalid)) => return error(StatusCode::UNAUTHORIZED, "invalid_key", "The API key is not valid, or was revoked.", None),
        Err(err) => return refused(err),
    };
    let rate = match backend::api::count_request(&state.pool, caller.key_id).await {
        Ok(rate) => rate,
        Err(err) => return refused(err),
    };
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| request.uri().path().to_string());
    let key_id = caller.key_id;
    let mut response = if rate.allowed {
        request.extensions_mut().insert(caller);
        next.run(request).await
    } else {
        let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests for this key; try again shortly.", None);
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(rate.reset_secs));
        r
    };
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(rate.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(rate.remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(rate.reset_secs));
    let route = format!("/api/v1{}", route.trim_start_matches("/api/v1"));
    if let Err(err) = backend::api::log_request(&state.pool, key_id, &method, &route, response.status().as_u16()).await {
        tracing::warn!(error = %err, "logging an API request");
    }
    response
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(flatten)]
    filter: ConsoleFilter,
    #[serde(default)]
    after: String,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /orders`: the console's filters (`status`, `method`, `from`, `to`, `q`, `after_sales`),
/// newest first (awaiting payment first, as in the console), `limit` (1–100, default 50).
async fn list_orders(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else { return error(StatusCode::BAD_REQUEST, "bad_request", "The query string could not be read.", None) };
    let limit = query.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "out_of_range", "limit must be from 1 to 100.", Some("limit"));
    }
    let parsed = match query.filter.parse() {
        Ok(q) => q,
        Err(refusal) => return refused(refusal.into()),
    };
    let after = match (!query.after.is_empty()).then(|| Cursor::decode(&query.after)).transpose() {
        Ok(after) => after,
        Err(refusal) => return refused(refusal.into()),
    };
    let mut rows = match backend::db::collection::console_page(&state.pool, caller.shop_id, &parsed, after, limit + 1).await {
        Ok(rows) => rows,
        Err(err) => return refused(err.into()),
    };
    let next = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.cursor().encode())
    });
    Json(json!({ "data": rows, "next_cursor": next.flatten() })).into_response()
}

/// `GET /orders/{number}`: the order with its lines, address, events, and payment attempts.
async fn get_order(State(state): State<AppState>, Extension(caller): Extension<ApiCaller>, Path(number): Path<String>) -> Response {
    use backend::db::orders::OrderScope;
    let found = match backend::db::orders::order_view(&state.pool, OrderScope::Shop(caller.shop_id), number.trim()).await {
        Ok(found) => found,
        Err(err) => return refused(err.into()),
    };
    let Some((id, order)) = found else { return refused(backend::Error::NotFound("The order".into())) };
    match backend::db::payments::attempts_of_order(&state.pool, id).await {
        Ok(attempts) => Json(json!({ "order": order, "payment_attempts": attempts })).into_response(),
        Err(err) => refused(err.into()),
    }
}

async fn balances(State(state): State<AppState>, Extension(caller): Extension<ApiCaller>) -> Response {
    let shop = match backend::db::catalog::shop_by_id(&state.pool, caller.shop_id).await {
        Ok(Some(shop)) => shop,
        Ok(None) => return refused(backend::Error::NotFound("The shop".into())),
        Err(err) => return refused(err.into()),
    };
    match backend::settlement::balances_of(&state.pool, &shop).await {
        Ok(b) => Json(json!({ "data": [b] })).into_response(),
        Err(err) => refused(err),
    }
}

async fn payouts(State(state): State<AppState>, Extension(caller): Extension<ApiCaller>) -> Response {
    match backend::payouts::list(&state.pool, &caller.merchant).await {
        Ok(list) => Json(json!({ "data": list })).into_response(),
        Err(err) => refused(err),
    }
}

#[derive(Debug, Default, Deserialize)]
struct EventsQuery {
    #[serde(default)]
    after: String,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /events?after=evt_<n>`: the shop's events after that one, oldest first (the same events
/// its webhooks carry, kept 30 days), `limit` 1–100 (default 100); `has_more` when more follow.
async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else { return error(StatusCode::BAD_REQUEST, "bad_request", "The query string could not be read.", None) };
    let limit = query.limit.unwrap_or(100);
    if !(1..=100).contains(&limit) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "out_of_range", "limit must be from 1 to 100.", Some("limit"));
    }
    let after = query.after.trim();
    let after = if after.is_empty() { Some(0) } else { after.strip_prefix("evt_").unwrap_or(after).parse::<i64>().ok().filter(|n| *n >= 0) };
    let Some(after) = after else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_event_id", "after must be an event id such as evt_123.", Some("after"));
    };
    match backend::webhooks::events(&state.pool, caller.shop_id, after, limit + 1).await {
        Ok(mut list) => {
            let has_more = list.len() as i64 > limit;
            list.truncate(limit as usize);
            Json(json!({ "data": list, "has_more": has_more })).into_response()
        }
        Err(err) => refused(err),
    }
}

#[derive(Debug, Default, Deserialize)]
struct Shipment {
    #[serde(default)]
    carrier: String,
    #[serde(default)]
    tracking: String,
}

/// `POST /orders/{number}/ship` `{"carrier", "tracking"}`.
async fn ship(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(&state, &caller, &headers, (Method::POST, format!("/orders/{number}/ship")), &body, async |state: &AppState, caller: &ApiCaller| {
        let shipment: Shipment = if body.is_empty() {
            Shipment::default()
        } else {
            serde_json::from_slice(&body).map_err(|e| backend::Error::BadRequest(format!("the body is not the JSON expected: {e}")))?
        };
        let input = backend::collection::ActionInput { carrier: shipment.carrier, tracking: shipment.tracking, ..Default::default() };
        act(state, caller, &number, MerchantAction::Ship, &input).await
    })
    .await
}

/// `POST /orders/{number}/deliver`.
async fn deliver(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(&state, &caller, &headers, (Method::POST, format!("/orders/{number}/deliver")), &body, async |state: &AppState, caller: &ApiCaller| {
        act(state, caller, &number, MerchantAction::Deliver, &Default::default()).await
    })
    .await
}

/// A JSON body of type `T` (an empty body is `T`'s default).
fn json_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, backend::Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| backend::Error::BadRequest(format!("the body is not the JSON expected: {e}")))
}

#[derive(Debug, Default, Deserialize)]
struct PaymentRequestBody {
    /// Minutes the shopper has to pay (the shop's limits apply; default: the platform's).
    #[serde(default)]
    minutes: Option<i64>,
}

/// `POST /orders/{number}/payment_request` `{"minutes"}`: asks the shopper to pay an order
/// awaiting payment by a deadline (or sends the request again).
async fn request_payment(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/orders/{number}/payment_request");
    write(&state, &caller, &headers, (Method::POST, path), &body, async |state: &AppState, caller: &ApiCaller| {
        let asked: PaymentRequestBody = json_body(&body)?;
        let input = backend::collection::ActionInput { minutes: asked.minutes.map(|m| m.to_string()).unwrap_or_default(), ..Default::default() };
        act(state, caller, &number, MerchantAction::RequestPayment, &input).await
    })
    .await
}

/// `POST /orders/{number}/payment_request/withdraw`.
async fn withdraw_request(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/orders/{number}/payment_request/withdraw");
    write(&state, &caller, &headers, (Method::POST, path), &body, async |state: &AppState, caller: &ApiCaller| {
        act(state, caller, &number, MerchantAction::WithdrawRequest, &Default::default()).await
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
struct CashBody {
    /// The cash collected, in major units ("25.00"): it must equal what is due.
    #[serde(default)]
    cash: String,
}

/// `POST /orders/{number}/collect_cash` `{"cash"}`: a cash-on-delivery order delivered and its
/// cash collected.
async fn collect_cash(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/orders/{number}/collect_cash");
    write(&state, &caller, &headers, (Method::POST, path), &body, async |state: &AppState, caller: &ApiCaller| {
        let cash: CashBody = json_body(&body)?;
        let input = backend::collection::ActionInput { cash: cash.cash, ..Default::default() };
        act(state, caller, &number, MerchantAction::DeliverCollectingCash, &input).await
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
struct RefundBody {
    /// Units of lines (`product_id`, `quantity`); or, with none, `amount` in major units.
    #[serde(default)]
    lines: Vec<RefundLine>,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Deserialize)]
struct RefundLine {
    product_id: i64,
    quantity: i32,
}

/// `POST /orders/{number}/refunds` `{"lines" | "amount", "reason"}`: refunds (part of) a paid
/// order; the `Idempotency-Key` is also the refund's own, so a retried request never refunds
/// twice.
async fn create_refund(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let given = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().trim();
    let key = backend::api::service_key(caller.shop_id, given);
    let path = format!("/orders/{number}/refunds");
    write(&state, &caller, &headers, (Method::POST, path), &body, async |state: &AppState, caller: &ApiCaller| {
        let asked: RefundBody = json_body(&body)?;
        let lines = asked.lines.iter().map(|l| (l.product_id, l.quantity)).collect();
        let input = backend::refunds::MerchantRefundInput { lines, amount: asked.amount, reason: asked.reason, key, ..Default::default() };
        let id = backend::refunds::refund_by_merchant(&state.pool, &state.provider, &caller.merchant, caller.shop_id, number.trim(), input).await?;
        Ok(json!({ "refund": refund_of(state, caller, &number, id).await? }))
    })
    .await
}

/// One refund of one of the shop's orders.
async fn refund_of(state: &AppState, caller: &ApiCaller, number: &str, id: i64) -> Result<Value, backend::Error> {
    let view = backend::refunds::view(&state.pool, backend::refunds::Viewer::Shop(caller.shop_id), number.trim()).await?;
    let refund = view.refunds.into_iter().find(|r| r.id == id).ok_or_else(|| backend::Error::NotFound("The refund".into()))?;
    serde_json::to_value(refund).map_err(|e| backend::Error::internal(e.to_string()))
}

/// `GET /orders/{number}/refunds`: the order's refunds and after-sales requests, with what is
/// paid, refunded and still refundable.
async fn list_refunds(State(state): State<AppState>, Extension(caller): Extension<ApiCaller>, Path(number): Path<String>) -> Response {
    match backend::refunds::view(&state.pool, backend::refunds::Viewer::Shop(caller.shop_id), number.trim()).await {
        Ok(v) => Json(json!({
            "data": v.refunds,
            "requests": v.requests,
            "paid": v.paid,
            "refunded": v.refunded,
            "committed": v.committed,
        }))
        .into_response(),
        Err(err) => refused(err),
    }
}

/// `GET /orders/{number}/refunds/{id}`.
async fn get_refund(State(state): State<AppState>, Extension(caller): Extension<ApiCaller>, Path((number, id)): Path<(String, i64)>) -> Response {
    match refund_of(&state, &caller, &number, id).await {
        Ok(refund) => Json(json!({ "refund": refund })).into_response(),
        Err(err) => refused(err),
    }
}

#[derive(Debug, Default, Deserialize)]
struct AfterQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /settlements?after=<id>`: the shop's settled orders, oldest first (gross, refunded,
/// commission, reserve, net, the payout that carried it).
async fn settlements(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    query: Result<Query<AfterQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else { return error(StatusCode::BAD_REQUEST, "bad_request", "The query string could not be read.", None) };
    let limit = query.limit.unwrap_or(100);
    if !(1..=100).contains(&limit) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "out_of_range", "limit must be from 1 to 100.", Some("limit"));
    }
    match backend::api::settlements(&state.pool, caller.shop_id, query.after.unwrap_or(0), limit + 1).await {
        Ok(mut list) => {
            let has_more = list.len() as i64 > limit;
            list.truncate(limit as usize);
            Json(json!({ "data": list, "has_more": has_more })).into_response()
        }
        Err(err) => refused(err),
    }
}

#[derive(Debug, Default, Deserialize)]
struct StatementQuery {
    #[serde(default)]
    currency: String,
}

/// `GET /statements/{day}?currency=USD`: the shop's statement of a UTC day (opening, lines,
/// closing), in its currency unless another is named.
async fn statement(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(day): Path<String>,
    query: Result<Query<StatementQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else { return error(StatusCode::BAD_REQUEST, "bad_request", "The query string could not be read.", None) };
    let Ok(day) = time::Date::parse(day.trim(), time::macros::format_description!("[year]-[month]-[day]")) else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "date_format", "Give the day as YYYY-MM-DD.", Some("day"));
    };
    let currency = if query.currency.trim().is_empty() {
        match backend::db::catalog::shop_by_id(&state.pool, caller.shop_id).await {
            Ok(Some(shop)) => shop.currency,
            Ok(None) => return refused(backend::Error::NotFound("The shop".into())),
            Err(err) => return refused(err.into()),
        }
    } else {
        match domain::money::Currency::parse(query.currency.trim()) {
            Some(c) => c,
            None => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "choose_from_list",
                    "currency must be an ISO 4217 code Paydesk uses.",
                    Some("currency"),
                );
            }
        }
    };
    match backend::settlement::statement_of(&state.pool, caller.shop_id, currency, day).await {
        Ok(s) => Json(json!({ "statement": s })).into_response(),
        Err(err) => refused(err),
    }
}

/// `GET /payouts/{id}`.
async fn get_payout(State(state): State<AppState>, Extension(caller): Extension<ApiCaller>, Path(id): Path<i64>) -> Response {
    match backend::payouts::list(&state.pool, &caller.merchant).await {
        Ok(list) => match list.into_iter().find(|p| p.id == id) {
            Some(p) => Json(json!({ "payout": p })).into_response(),
            None => refused(backend::Error::NotFound("The payout".into())),
        },
        Err(err) => refused(err),
    }
}

/// A merchant action through the API: the order as it stands afterwards.
async fn act(
    state: &AppState,
    caller: &ApiCaller,
    number: &str,
    action: MerchantAction,
    input: &backend::collection::ActionInput,
) -> Result<Value, backend::Error> {
    use backend::db::orders::OrderScope;
    backend::collection::act(&state.pool, &caller.merchant, caller.shop_id, number.trim(), action, input, &state.orders).await?;
    let (_, order) = backend::db::orders::order_view(&state.pool, OrderScope::Shop(caller.shop_id), number.trim())
        .await?
        .ok_or_else(|| backend::Error::NotFound("The order".into()))?;
    Ok(json!({ "order": order }))
}

/// Runs a write under the rules every write follows: a read-write key, an `Idempotency-Key`
/// (the first answer is kept and replayed; the same key with another body is refused with 422;
/// the same key while the first still runs gets 409).
async fn write<F>(state: &AppState, caller: &ApiCaller, headers: &HeaderMap, (method, path): (Method, String), body: &[u8], run: F) -> Response
where
    F: AsyncFnOnce(&AppState, &ApiCaller) -> Result<Value, backend::Error>,
{
    if !caller.scope.may_write() {
        return error(StatusCode::FORBIDDEN, "read_only_key", "This key is read-only: create a read-write key to make changes.", None);
    }
    let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim).filter(|k| !k.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "idempotency_key_missing",
            "Send an Idempotency-Key header with every write.",
            Some("Idempotency-Key"),
        );
    };
    let fingerprint = [method.as_str().as_bytes(), b" ", path.as_bytes(), b"\n", body].concat();
    match backend::api::begin(&state.pool, caller.shop_id, key, &fingerprint).await {
        Ok(Idempotent::Run) => {}
        Ok(Idempotent::Replay { status, body }) => {
            let mut r = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), Json(body)).into_response();
            r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            return r;
        }
        Ok(Idempotent::Mismatch) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was used with other parameters.",
                Some("Idempotency-Key"),
            );
        }
        Ok(Idempotent::InProgress) => {
            return error(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still running.",
                Some("Idempotency-Key"),
            );
        }
        Err(err) => return refused(err),
    }
    let response = match run(state, caller).await {
        Ok(value) => (StatusCode::OK, Json(value)).into_response(),
        Err(err) => refused(err),
    };
    // The answer is kept as it was sent (status and JSON body).
    let status = response.status();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if let Err(err) = backend::api::finish(&state.pool, caller.shop_id, key, status.as_u16(), &value).await {
        tracing::warn!(error = %err, "keeping an idempotent answer");
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
