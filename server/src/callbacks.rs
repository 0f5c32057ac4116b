//! `POST /provider/callback`: asynchronous outcomes from the payment provider. The body must
//! carry a valid `Paydesk-Signature` (HMAC-SHA256 of `timestamp.body`, at most five minutes
//! old); each event id is accepted once — a repeated delivery is acknowledged and ignored.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use serde_json::{Value, json};

use crate::AppState;
use app::payments::provider::callback::{self, SIGNATURE_HEADER};

pub async fn provider_callback(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> (StatusCode, Json<Value>) {
    let header = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    if let Err(err) = callback::verify(&state.callback_secret, header, &body, now) {
        tracing::warn!(error = %err, "provider callback refused");
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": err.to_string() })));
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "the body is not JSON" })));
    };
    let Some(event_id) = event.get("id").and_then(Value::as_str).map(str::to_owned) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "the event has no id" })));
    };
    let inserted = sqlx::query("INSERT INTO provider_events (provider, event_id, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(state.provider.name())
        .bind(&event_id)
        .bind(&event)
        .execute(&state.pool)
        .await;
    match inserted {
        Ok(done) => {
            let duplicate = done.rows_affected() == 0;
            tracing::info!(%event_id, duplicate, "provider callback received");
            let kind = event.get("type").and_then(Value::as_str).unwrap_or("");
            if !duplicate && let Some(reference) = event.get("reference").and_then(Value::as_str) {
                let applied = if kind.starts_with("refund.") {
                    backend::refunds::on_callback(&state.pool, &state.provider, reference).await
                } else if kind.starts_with("payout.") {
                    backend::payouts::on_callback(&state.pool, &state.provider, reference).await
                } else {
                    backend::pay::on_callback(&state.pool, &state.provider, &state.orders, reference).await
                };
                // The event is stored; the reconciler (or the refund retry) finishes it later.
                if let Err(err) = applied {
                    tracing::warn!(%event_id, error = %err, "applying a provider callback");
                }
            }
            (StatusCode::OK, Json(json!({ "received": true, "duplicate": duplicate })))
        }
        Err(err) => {
            tracing::error!(error = %err, "storing a provider callback");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "error": "try again later" })))
        }
    }
}
