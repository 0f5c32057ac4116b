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

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use time::OffsetDateTime;
use tokio::sync::Semaphore;

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
const PARALLEL: usize = 32;
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

/// The whole secret of one endpoint, when its merchant asks to see it.
pub async fn reveal_secret(pool: &PgPool, merchant: &CurrentUser, endpoint_id: i64) -> Result<SecretShown, Error> {
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    let secret = sql::secret(pool, shop.id, endpoint_id).await?.ok_or_else(|| Error::NotFound("The webhook endpoint".into()))?;
    Ok(SecretShown { endpoint_id, secret })
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

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector<PublicOnly>>, Full<Bytes>>;

/// Resolves endpoint names for the sender: in production only to public addresses, so a name
/// that leads inside (or is changed to after it was registered) is never connected to — the
/// check and the connection use the same addresses.
#[derive(Clone)]
struct PublicOnly {
    allow_local: bool,
}

impl tower_service::Service<Name> for PublicOnly {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_local = self.allow_local;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.iter().copied().filter(|a| allow_local || !domain::webhooks::is_local_address(a.ip())).collect();
            if public.is_empty() && !found.is_empty() {
                return Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, PRIVATE_ADDRESS));
            }
            Ok(public.into_iter())
        })
    }
}

const PRIVATE_ADDRESS: &str = "the endpoint's name leads to a private address";

/// Sends deliveries: an HTTP(S) client and the rules.
#[derive(Clone)]
pub struct Sender {
    client: HttpsClient,
    settings: WebhookSettings,
    /// Tries in flight at once (all endpoints together).
    slots: Arc<Semaphore>,
}

impl Sender {
    pub fn new(settings: WebhookSettings) -> Sender {
        let mut http = HttpConnector::new_with_resolver(PublicOnly { allow_local: settings.allow_insecure });
        http.enforce_http(false);
        http.set_connect_timeout(Some(settings.timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().wrap_connector(http);
        Sender { client: Client::builder(TokioExecutor::new()).build(https), settings, slots: Arc::new(Semaphore::new(PARALLEL)) }
    }

    /// Fans out what the outbox has and sends what is due, waiting for each try, until neither
    /// has work; returns how many tries were made.
    pub async fn run_once(&self, pool: &PgPool) -> Result<usize, Error> {
        let mut tries = 0;
        loop {
            let fanned = fan_out(pool).await;
            let sent = self.send_due(pool).await?;
            let n = sent.len();
            futures::future::join_all(sent).await;
            tries += n;
            if fanned? == 0 && n == 0 {
                return Ok(tries);
            }
        }
    }

    /// Claims as many due deliveries as there are free slots: one future per try (it holds its
    /// slot until its outcome is recorded), for the caller to run side by side — a slow
    /// endpoint holds one slot per try, never the others' turn.
    async fn send_due(&self, pool: &PgPool) -> Result<Vec<Pin<Box<dyn Future<Output = ()> + Send>>>, Error> {
        let free = self.slots.available_permits();
        if free == 0 {
            return Ok(vec![]);
        }
        let lease = self.settings.lease().as_millis() as i64;
        let claimed = sql::claim_due(pool, free as i64, lease).await?;
        let mut tasks = Vec::with_capacity(claimed.len());
        for delivery in claimed {
            let Ok(slot) = self.slots.clone().try_acquire_owned() else { break };
            let (sender, pool) = (self.clone(), pool.clone());
            tasks.push(Box::pin(async move {
                sender.deliver(&pool, delivery).await;
                drop(slot);
            }) as Pin<Box<dyn Future<Output = ()> + Send>>);
        }
        Ok(tasks)
    }

    /// One try of one delivery, recorded.
    async fn deliver(&self, pool: &PgPool, delivery: Claimed) {
        let started = Instant::now();
        let answer = self.post(&delivery).await;
        let duration_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        let (outcome, start, error) = match &answer {
            Ok((status, start)) => (TryOutcome::Answered(*status), start.as_str(), None),
            Err(why) => (TryOutcome::NoAnswer, "", Some(*why)),
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
        // Failures further apart than two of the longest retry delays are separate spells.
        let spell_gap_ms = (self.settings.max_delay * 2).as_millis() as i64;
        let mut tx = pool.begin().await?;
        if !sql::record_try(&mut tx, delivery, found, state, retry_ms, spell_gap_ms).await? {
            tx.commit().await?;
            tracing::info!(delivery = delivery.id, "webhook try outlived its lease: the new holder decides");
            return Ok(());
        }
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

    /// POSTs the signed event, all within the timeout: the answer's status and first bytes,
    /// or why none came (one of [`domain::webhooks::TRY_ERRORS`]).
    async fn post(&self, delivery: &Claimed) -> Result<(u16, String), &'static str> {
        let Ok(url) = url::Url::parse(&delivery.url) else { return Err("bad_address") };
        if !self.settings.allow_insecure {
            // Registration checked this; the mode may have changed since.
            if url.scheme() != "https" {
                return Err("bad_address");
            }
            if url.host_str().is_some_and(domain::webhooks::is_local_host) {
                return Err("private_address");
            }
        }
        let body = serde_json::to_vec(&delivery.body.0).map_err(|_| "other")?;
        let t = OffsetDateTime::now_utc().unix_timestamp();
        let sign = |secret: &str| crate::provider::callback::signature_hex(secret.as_bytes(), t, &body);
        let mut signatures = vec![sign(&delivery.secret)];
        signatures.extend(delivery.previous_secret.as_deref().map(sign));
        let event_id = delivery.body.0.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let request = http::Request::post(delivery.url.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, "Paydesk-Webhooks/1")
            .header("paydesk-signature", domain::webhooks::signature_header(t, &signatures))
            .header("paydesk-event-id", event_id)
            .header("paydesk-delivery", delivery.id)
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| "bad_address")?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| classify(delivery.id, &e))?;
            let status = response.status().as_u16();
            let start = first_bytes(response.into_body()).await;
            Ok((status, start))
        };
        tokio::time::timeout(self.settings.timeout, exchange).await.unwrap_or(Err("timeout"))
    }
}

/// Reads up to [`RESPONSE_START`] bytes of an answer as printable text (the rest is dropped).
async fn first_bytes(mut body: hyper::body::Incoming) -> String {
    let mut kept = Vec::new();
    while kept.len() < RESPONSE_START {
        match body.frame().await {
            Some(Ok(frame)) => kept.extend(frame.into_data().unwrap_or_default()),
            _ => break,
        }
    }
    kept.truncate(RESPONSE_START);
    domain::webhooks::printable_start(&String::from_utf8_lossy(&kept), RESPONSE_START)
}

/// Why a request got no answer, as a stored code; the detail goes to the log.
fn classify(delivery: i64, err: &hyper_util::client::legacy::Error) -> &'static str {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    tracing::debug!(delivery, error = %text, "webhook try got no answer");
    let lower = text.to_ascii_lowercase();
    if lower.contains(PRIVATE_ADDRESS) {
        "private_address"
    } else if lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve") {
        "resolve"
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        "tls"
    } else if err.is_connect() {
        "connect"
    } else {
        "other"
    }
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
/// work through the database. Tries run as tasks of their own; the loop claims more as slots
/// free up, and wakes on new events, on a finished try, or when the next retry falls due.
pub async fn run(pool: PgPool, settings: WebhookSettings) {
    let sender = Sender::new(settings);
    // The tries in flight belong to this loop: when it stops, they stop with it.
    let mut in_flight = tokio::task::JoinSet::new();
    let mut listener = listen(&pool).await;
    loop {
        if let Err(err) = fan_out(&pool).await {
            tracing::warn!(error = %err, "webhooks: fan-out");
        }
        match sender.send_due(&pool).await {
            Ok(tries) => {
                for t in tries {
                    in_flight.spawn(t);
                }
            }
            Err(err) => tracing::warn!(error = %err, "webhooks: sending"),
        }
        let wait = until_next(&pool).await;
        let woken = async {
            match listener.as_mut() {
                Some(l) => {
                    let got = l.recv().await;
                    // Events come in bursts: one pass serves every notification already here.
                    while l.next_buffered().is_some() {}
                    got.map(|_| ())
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            got = woken => if let Err(err) = got {
                tracing::warn!(error = %err, "webhook listener");
                listener = None;
            },
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
            _ = tokio::time::sleep(wait) => {
                if listener.is_none() {
                    listener = listen(&pool).await;
                }
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
