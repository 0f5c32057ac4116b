//! Webhooks: a merchant's endpoints (registered, rotated, turned off and on, tested from the
//! console) and the sender that delivers their shop's events.
//!
//! One event source: the live outbox. The sender fans the outbox out (`db::webhooks::fan_out`)
//! and delivers what is due, woken by the live dispatcher's `paydesk_live` notifications (and
//! `paydesk_webhooks` for the console's test events and redeliveries), or by the next retry's
//! time. A delivery is claimed with a lease in one short statement, sent with no transaction
//! open, and its outcome recorded afterwards: at least once (a sender that dies mid-try leaves
//! a lease that runs out, and the delivery is tried again), in order per object (only the
//! oldest pending delivery of an object is ever claimed), signed `Paydesk-Signature:
//! t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>` (two `v1` while a rotated secret overlaps).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use time::OffsetDateTime;

use crate::db::webhooks::{self as sql, Claimed, TryRecord};
use crate::{Error, db};
use domain::Message;
use domain::accounts::CurrentUser;
use domain::notifications::NotificationKind;
use domain::webhooks::{EndpointView, NextStep, SecretShown, TEST_EVENT_TYPE, TryOutcome, WebhookSettings};

/// Endpoints per shop.
pub const MAX_ENDPOINTS: u32 = 16;
/// Deliveries shown per endpoint in the console's log.
pub const LOG_LENGTH: i64 = 25;
/// A rotated secret keeps signing this long.
pub const ROTATION_OVERLAP_HOURS: i32 = 24;
/// Deliveries sent at once by one sender.
const PARALLEL: i64 = 32;
/// How much of a receiver's answer is kept for the log.
const RESPONSE_START: usize = 300;

fn new_secret() -> String {
    let hex: String = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()].iter().map(|u| u.simple().to_string()).collect();
    format!("whsec_{}", &hex[..32])
}

fn field(name: &str, message: Message) -> Error {
    Error::Validation(vec![domain::FieldError::new(name, message)])
}

// ---- The console ------------------------------------------------------------------------------

/// Registers an endpoint for the merchant's shop: its secret, shown in full.
pub async fn create_endpoint(pool: &PgPool, merchant: &CurrentUser, url: &str, types: &[String], s: &WebhookSettings) -> Result<SecretShown, Error> {
    let url = domain::webhooks::parse_endpoint_url(url, s.allow_insecure).map_err(|m| field("url", m))?;
    let types = domain::webhooks::parse_event_types(types).map_err(|m| field("event_types", m))?;
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    let mut tx = pool.begin().await?;
    // One count at a time per shop: two tabs adding endpoints at once stay within the limit.
    sqlx::query("SELECT 1 FROM shops WHERE id = $1 FOR UPDATE").bind(shop.id).execute(&mut *tx).await?;
    if sql::count_endpoints(&mut *tx, shop.id).await? >= MAX_ENDPOINTS as i64 {
        return Err(field("url", Message::TooManyEndpoints { max: MAX_ENDPOINTS }));
    }
    let secret = new_secret();
    let endpoint_id = sql::insert_endpoint(&mut *tx, shop.id, &url, &types, &secret).await?;
    tx.commit().await?;
    tracing::info!(shop_id = shop.id, endpoint_id, "webhook endpoint registered");
    Ok(SecretShown { endpoint_id, secret })
}

/// The shop's endpoints with their delivery logs.
pub async fn endpoints(pool: &PgPool, merchant: &CurrentUser) -> Result<Vec<EndpointView>, Error> {
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    Ok(sql::endpoints(pool, shop.id, LOG_LENGTH).await?)
}

fn found(done: bool) -> Result<(), Error> {
    if done { Ok(()) } else { Err(Error::NotFound("The webhook endpoint".into())) }
}

/// A new secret; the old one keeps signing for a day, so the merchant's systems can switch.
pub async fn rotate_secret(pool: &PgPool, merchant: &CurrentUser, endpoint_id: i64) -> Result<SecretShown, Error> {
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    let secret = new_secret();
    found(sql::rotate_secret(pool, shop.id, endpoint_id, &secret, ROTATION_OVERLAP_HOURS).await?)?;
    tracing::info!(endpoint_id, "webhook secret rotated");
    Ok(SecretShown { endpoint_id, secret })
}

pub async fn set_enabled(pool: &PgPool, merchant: &CurrentUser, endpoint_id: i64, enabled: bool) -> Result<(), Error> {
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    found(sql::set_enabled(pool, shop.id, endpoint_id, enabled).await?)?;
    if enabled {
        wake(pool).await;
    }
    Ok(())
}

pub async fn delete_endpoint(pool: &PgPool, merchant: &CurrentUser, endpoint_id: i64) -> Result<(), Error> {
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    found(sql::delete_endpoint(pool, shop.id, endpoint_id).await?)
}

/// Queues a `webhook.test` event for one endpoint.
pub async fn send_test(pool: &PgPool, merchant: &CurrentUser, endpoint_id: i64) -> Result<i64, Error> {
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let body = json!({
        "id": format!("evt_test_{}", uuid::Uuid::new_v4().simple()),
        "type": TEST_EVENT_TYPE,
        "created": now,
        "data": { "object": { "object": "shop", "id": shop.id, "name": shop.name } },
    });
    sql::insert_test(pool, shop.id, endpoint_id, &body).await?.ok_or_else(|| Error::NotFound("The webhook endpoint".into()))
}

/// Queues an earlier delivery again, by hand (its log keeps both).
pub async fn redeliver(pool: &PgPool, merchant: &CurrentUser, delivery_id: i64) -> Result<i64, Error> {
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    sql::insert_redelivery(pool, shop.id, delivery_id).await?.ok_or_else(|| Error::NotFound("The delivery".into()))
}

async fn wake(pool: &PgPool) {
    if let Err(err) = sqlx::query("SELECT pg_notify('paydesk_webhooks', '')").execute(pool).await {
        tracing::debug!(error = %err, "waking the webhook sender");
    }
}

// ---- The sender -------------------------------------------------------------------------------

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Sends deliveries: an HTTP(S) client and the rules.
#[derive(Clone)]
pub struct Sender {
    client: HttpsClient,
    settings: WebhookSettings,
}

impl Sender {
    pub fn new(settings: WebhookSettings) -> Sender {
        let https = hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().build();
        Sender { client: Client::builder(TokioExecutor::new()).build(https), settings }
    }

    /// Fans out what the outbox has and sends what is due, until neither has work; returns how
    /// many tries were made.
    pub async fn run_once(&self, pool: &PgPool) -> Result<usize, Error> {
        let mut tries = 0;
        loop {
            let fanned = fan_out(pool).await?;
            let sent = self.send_due(pool).await?;
            tries += sent;
            if fanned == 0 && sent == 0 {
                return Ok(tries);
            }
        }
    }

    /// Claims the due deliveries and sends them side by side; how many were tried.
    async fn send_due(&self, pool: &PgPool) -> Result<usize, Error> {
        let lease = self.settings.lease().as_millis() as i64;
        let claimed = sql::claim_due(pool, PARALLEL, lease).await?;
        let n = claimed.len();
        futures::future::join_all(claimed.into_iter().map(|d| self.deliver(pool, d))).await;
        Ok(n)
    }

    /// One try of one delivery, recorded.
    async fn deliver(&self, pool: &PgPool, delivery: Claimed) {
        let started = Instant::now();
        let answer = self.post(&delivery).await;
        let duration_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        let (outcome, start, error) = match &answer {
            Ok((status, start)) => (TryOutcome::Answered(*status), start.as_str(), None),
            Err(why) => (TryOutcome::NoAnswer, "", Some(why.as_str())),
        };
        let age = (OffsetDateTime::now_utc() - delivery.created_at).try_into().unwrap_or(Duration::ZERO);
        let next = domain::webhooks::next_step(outcome, delivery.attempts.max(1) as u32, age, jitter(), &self.settings);
        let record = TryRecord { status: answer.as_ref().ok().map(|a| a.0), response_start: start, error, duration_ms };
        if let Err(err) = self.record(pool, &delivery, &record, next).await {
            // The lease runs out and the delivery is tried again: at least once.
            tracing::warn!(delivery = delivery.id, error = %err, "recording a webhook try");
        }
    }

    async fn record(&self, pool: &PgPool, delivery: &Claimed, found: &TryRecord<'_>, next: NextStep) -> Result<(), Error> {
        let (state, retry_ms) = match next {
            NextStep::Delivered => ("delivered", 0),
            NextStep::GiveUp => ("failed", 0),
            NextStep::RetryAfter(d) => ("pending", d.as_millis() as i64),
        };
        let mut tx = pool.begin().await?;
        sql::record_try(&mut tx, delivery, found, state, retry_ms).await?;
        if state != "delivered"
            && let Some((failing_since, merchant, on, url)) = sql::lock_endpoint(&mut tx, delivery.endpoint_id).await?
            && on
            && domain::webhooks::should_disable(failing_since, OffsetDateTime::now_utc(), &self.settings)
        {
            sql::disable_failing(&mut tx, delivery.endpoint_id).await?;
            db::notifications::insert_account(&mut tx, merchant, NotificationKind::WebhookDisabled, &url).await?;
            tracing::warn!(endpoint = delivery.endpoint_id, "webhook endpoint failing for days: turned off");
        }
        tx.commit().await?;
        match next {
            NextStep::Delivered => tracing::debug!(delivery = delivery.id, "webhook delivered"),
            _ => tracing::info!(delivery = delivery.id, status = ?found.status, error = ?found.error, ?next, "webhook not delivered"),
        }
        Ok(())
    }

    /// POSTs the signed event: the answer's status and first bytes, or why none came.
    async fn post(&self, delivery: &Claimed) -> Result<(u16, String), String> {
        if !self.settings.allow_insecure {
            refuse_local_addresses(&delivery.url).await?;
        }
        let body = serde_json::to_vec(&delivery.body.0).map_err(|e| e.to_string())?;
        let t = OffsetDateTime::now_utc().unix_timestamp();
        let sign = |secret: &str| crate::provider::callback::signature_hex(secret.as_bytes(), t, &body);
        let mut signatures = vec![sign(&delivery.secret)];
        signatures.extend(delivery.previous_secret.as_deref().map(sign));
        let event_id = delivery.body.0.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let request = http::Request::post(&delivery.url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, "Paydesk-Webhooks/1")
            .header("paydesk-signature", domain::webhooks::signature_header(t, &signatures))
            .header("paydesk-event-id", event_id)
            .header("paydesk-delivery", delivery.id)
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| "the endpoint's address cannot be used".to_string())?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| describe(&e))?;
            let status = response.status().as_u16();
            let start = first_bytes(response.into_body()).await;
            Ok((status, start))
        };
        tokio::time::timeout(self.settings.timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} ms", self.settings.timeout.as_millis())))
    }
}

/// Reads up to [`RESPONSE_START`] bytes of an answer as text (the rest is dropped).
async fn first_bytes(mut body: hyper::body::Incoming) -> String {
    let mut kept = Vec::new();
    while kept.len() < RESPONSE_START {
        match body.frame().await {
            Some(Ok(frame)) => kept.extend(frame.into_data().unwrap_or_default()),
            _ => break,
        }
    }
    kept.truncate(RESPONSE_START);
    String::from_utf8_lossy(&kept).into_owned()
}

fn describe(err: &hyper_util::client::legacy::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// In production an endpoint's name must not lead inside (checked at every try: the name's
/// addresses can change after registration).
async fn refuse_local_addresses(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| "the endpoint's address cannot be used".to_string())?;
    let host = parsed.host_str().unwrap_or_default().to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> =
        tokio::net::lookup_host((host.as_str(), port)).await.map_err(|e| format!("cannot resolve {host}: {e}"))?.map(|a| a.ip()).collect();
    if addresses.iter().any(|ip| domain::webhooks::is_local_address(*ip)) {
        return Err(format!("{host} leads to a private address"));
    }
    Ok(())
}

/// 0..1, different for every delivery.
fn jitter() -> f64 {
    (uuid::Uuid::new_v4().as_u128() % 10_000) as f64 / 10_000.0
}

/// Fans the outbox out until it is drained; how many outbox events were read.
pub async fn fan_out(pool: &PgPool) -> Result<usize, Error> {
    let mut total = 0;
    loop {
        let mut tx = pool.begin().await?;
        let n = sql::fan_out(&mut tx).await?;
        tx.commit().await?;
        total += n;
        if n < sql::FAN_OUT_BATCH as usize {
            return Ok(total);
        }
    }
}

/// The sender's loop, for as long as the server runs: every instance runs one; they share the
/// work through the database.
pub async fn run(pool: PgPool, settings: WebhookSettings) {
    let sender = Sender::new(settings);
    let mut listener = listen(&pool).await;
    loop {
        if let Err(err) = sender.run_once(&pool).await {
            tracing::warn!(error = %err, "webhooks");
        }
        let wait = until_next(&pool).await;
        match listener.as_mut() {
            Some(l) => {
                if let Ok(Err(err)) = tokio::time::timeout(wait, l.recv()).await {
                    tracing::warn!(error = %err, "webhook listener");
                    listener = None;
                }
            }
            None => {
                tokio::time::sleep(wait.min(Duration::from_secs(1))).await;
                listener = listen(&pool).await;
            }
        }
    }
}

async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen_all(["paydesk_live", "paydesk_webhooks"]).await.ok()?;
    Some(listener)
}

/// Until the next retry falls due; at most 5 s (a missed notification costs no more).
async fn until_next(pool: &PgPool) -> Duration {
    let cap = Duration::from_secs(5);
    match sql::next_due(pool).await {
        Ok(Some(at)) => (at - OffsetDateTime::now_utc()).try_into().unwrap_or(Duration::from_millis(10)).clamp(Duration::from_millis(10), cap),
        _ => cap,
    }
}

/// The shop's API events after `after` (`GET /api/v1/events`).
pub async fn events(pool: &PgPool, shop_id: i64, after: i64, limit: i64) -> Result<Vec<serde_json::Value>, Error> {
    Ok(sql::events_since(pool, shop_id, after, limit).await?)
}

/// Drops old API events, finished test deliveries, API request logs older than 30 days and
/// rate windows older than a day.
pub async fn prune(pool: &PgPool) -> Result<u64, Error> {
    let mut n = sql::prune(pool).await?;
    n += sqlx::query("DELETE FROM api_requests WHERE at < now() - interval '30 days'").execute(pool).await?.rows_affected();
    n += sqlx::query("DELETE FROM api_rate WHERE window_start < now() - interval '1 day'").execute(pool).await?.rows_affected();
    Ok(n)
}
