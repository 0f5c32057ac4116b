//! The merchant API's server side: API keys (created with their secret shown once, stored as a
//! hash beside a visible prefix, revoked at once), authenticating a bearer key, the per-key rate
//! window, the request log, and `Idempotency-Key` with Stripe's rules — the first answer is
//! kept and replayed, the same key with other parameters is refused, the same key while the
//! first request still runs is a conflict.

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::{Error, db};
use domain::Message;
use domain::accounts::CurrentUser;
use domain::api::{
    ApiKeyView, ApiRequestView, ApiScope, KEY_PREFIX, NewApiKey, RATE_LIMIT_PER_MINUTE, RateState, key_prefix, parse_key_name, rate_state,
};

/// Who is calling: a key of a shop, acting as that shop's merchant.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    pub key_id: i64,
    pub shop_id: i64,
    pub scope: ApiScope,
    pub merchant: CurrentUser,
}

fn hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// Random lowercase letters and digits (from two v4 UUIDs' random bits).
fn random_chars(n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = uuid::Uuid::new_v4().into_bytes().to_vec();
    bytes.extend(uuid::Uuid::new_v4().into_bytes());
    bytes.extend(uuid::Uuid::new_v4().into_bytes());
    bytes.iter().take(n).map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

type KeyRow = (i64, String, String, ApiScope, OffsetDateTime, Option<OffsetDateTime>, Option<OffsetDateTime>);

fn key_view((id, name, prefix, scope, created_at, last_used_at, revoked_at): KeyRow) -> ApiKeyView {
    ApiKeyView { id, name, prefix, scope, created_at, last_used_at, revoked_at }
}

/// Creates a key for the merchant's shop; the answer holds the whole key, the only time it is
/// shown.
pub async fn create_key(pool: &PgPool, merchant: &CurrentUser, name: &str, scope: &str) -> Result<NewApiKey, Error> {
    let mut errors = Vec::new();
    let name = parse_key_name(name).map_err(|m| errors.push(domain::FieldError::new("name", m))).ok();
    let scope = ApiScope::parse(scope).ok_or(()).map_err(|_| errors.push(domain::FieldError::new("scope", Message::ChooseFromList))).ok();
    let (Some(name), Some(scope)) = (name, scope) else {
        return Err(Error::Validation(errors));
    };
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    let prefix = format!("{KEY_PREFIX}{}", random_chars(8));
    let key = format!("{prefix}_{}", random_chars(32));
    let row: KeyRow = sqlx::query_as(
        "INSERT INTO api_keys (shop_id, name, prefix, secret_hash, scope) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, name, prefix, scope, created_at, last_used_at, revoked_at",
    )
    .bind(shop.id)
    .bind(&name)
    .bind(&prefix)
    .bind(hash(&key))
    .bind(scope.as_str())
    .fetch_one(pool)
    .await?;
    tracing::info!(shop_id = shop.id, %prefix, scope = scope.as_str(), "API key created");
    Ok(NewApiKey { key, view: key_view(row) })
}

/// The shop's keys, newest first, and its latest requests.
pub async fn keys(pool: &PgPool, merchant: &CurrentUser) -> Result<(Vec<ApiKeyView>, Vec<ApiRequestView>), Error> {
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    let rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT id, name, prefix, scope, created_at, last_used_at, revoked_at FROM api_keys WHERE shop_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(shop.id)
    .fetch_all(pool)
    .await?;
    let requests: Vec<(String, String, String, i16, OffsetDateTime)> = sqlx::query_as(
        "SELECT k.prefix, r.method, r.route, r.status, r.at FROM api_requests r JOIN api_keys k ON k.id = r.key_id
         WHERE k.shop_id = $1 ORDER BY r.at DESC, r.id DESC LIMIT 50",
    )
    .bind(shop.id)
    .fetch_all(pool)
    .await?;
    let requests = requests
        .into_iter()
        .map(|(key_prefix, method, route, status, at)| ApiRequestView { key_prefix, method, route, status: status as u16, at })
        .collect();
    Ok((rows.into_iter().map(key_view).collect(), requests))
}

/// Revokes one of the shop's keys: refused from the next request on.
pub async fn revoke_key(pool: &PgPool, merchant: &CurrentUser, key_id: i64) -> Result<(), Error> {
    let shop = crate::settlement::merchant_shop(pool, merchant).await?;
    let done = sqlx::query("UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND shop_id = $2")
        .bind(key_id)
        .bind(shop.id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("The API key".into()));
    }
    tracing::info!(key_id, shop_id = shop.id, "API key revoked");
    Ok(())
}

/// Why a presented key is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRefusal {
    Missing,
    Invalid,
}

/// The caller behind a bearer key: `Err` for a missing, malformed, unknown or revoked key (all
/// but "missing" look alike to the caller). The hash is compared in constant time.
pub async fn authenticate(pool: &PgPool, presented: Option<&str>) -> Result<Result<ApiCaller, KeyRefusal>, Error> {
    let Some(presented) = presented else { return Ok(Err(KeyRefusal::Missing)) };
    let Some(prefix) = key_prefix(presented) else { return Ok(Err(KeyRefusal::Invalid)) };
    let row: Option<(i64, i64, Vec<u8>, ApiScope, i64)> = sqlx::query_as(
        "SELECT k.id, k.shop_id, k.secret_hash, k.scope, s.merchant_id FROM api_keys k JOIN shops s ON s.id = k.shop_id
         WHERE k.prefix = $1 AND k.revoked_at IS NULL",
    )
    .bind(prefix)
    .fetch_optional(pool)
    .await?;
    let Some((key_id, shop_id, stored, scope, merchant_id)) = row else { return Ok(Err(KeyRefusal::Invalid)) };
    let presented_hash = hash(presented);
    let same = stored.len() == presented_hash.len() && stored.iter().zip(&presented_hash).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if !same {
        return Ok(Err(KeyRefusal::Invalid));
    }
    let Some(merchant) = db::accounts::active_user_by_id(pool, merchant_id).await? else {
        return Ok(Err(KeyRefusal::Invalid)); // the merchant's account is frozen
    };
    Ok(Ok(ApiCaller { key_id, shop_id, scope, merchant }))
}

/// Counts this request in the key's current minute (one statement: concurrent requests each
/// get their own number) and marks the key used.
pub async fn count_request(pool: &PgPool, key_id: i64) -> Result<RateState, Error> {
    let (count, elapsed): (i32, f64) = sqlx::query_as(
        "WITH used AS (UPDATE api_keys SET last_used_at = now() WHERE id = $1)
         INSERT INTO api_rate (key_id, window_start, count) VALUES ($1, date_trunc('minute', now()), 1)
         ON CONFLICT (key_id, window_start) DO UPDATE SET count = api_rate.count + 1
         RETURNING count, extract(epoch FROM now() - window_start)::float8",
    )
    .bind(key_id)
    .fetch_one(pool)
    .await?;
    Ok(rate_state(count.into(), elapsed as i64, RATE_LIMIT_PER_MINUTE))
}

/// Records a request for its key's log.
pub async fn log_request(pool: &PgPool, key_id: i64, method: &str, route: &str, status: u16) -> Result<(), Error> {
    sqlx::query("INSERT INTO api_requests (key_id, method, route, status) VALUES ($1, $2, $3, $4)")
        .bind(key_id)
        .bind(method)
        .bind(route)
        .bind(status as i16)
        .execute(pool)
        .await?;
    Ok(())
}

/// Where an `Idempotency-Key` stands for a write about to run.
#[derive(Clone, Debug, PartialEq)]
pub enum Idempotent {
    /// First time: run it, then [`finish`].
    Run,
    /// Done before with the same parameters: answer this again.
    Replay { status: u16, body: serde_json::Value },
    /// The same key with other parameters.
    Mismatch,
    /// The first request with this key still runs.
    InProgress,
}

/// Claims `key` for a request whose method, route and body are `fingerprint`ed. One statement
/// decides between concurrent requests with the same key: exactly one runs.
pub async fn begin(pool: &PgPool, shop_id: i64, key: &str, fingerprint: &[u8]) -> Result<Idempotent, Error> {
    if key.is_empty() || key.len() > 255 {
        return Err(Error::field("Idempotency-Key", Message::TooLong { max: 255 }));
    }
    let fingerprint = Sha256::digest(fingerprint).to_vec();
    let inserted: Option<i32> = sqlx::query_scalar(
        "INSERT INTO api_idempotency (shop_id, idempotency_key, fingerprint) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
    )
    .bind(shop_id)
    .bind(key)
    .bind(&fingerprint)
    .fetch_optional(pool)
    .await?;
    if inserted.is_some() {
        return Ok(Idempotent::Run);
    }
    let (stored, status, body): (Vec<u8>, Option<i16>, Option<serde_json::Value>) =
        sqlx::query_as("SELECT fingerprint, status, response FROM api_idempotency WHERE shop_id = $1 AND idempotency_key = $2")
            .bind(shop_id)
            .bind(key)
            .fetch_one(pool)
            .await?;
    Ok(match (stored == fingerprint, status) {
        (false, _) => Idempotent::Mismatch,
        (true, None) => Idempotent::InProgress,
        (true, Some(status)) => Idempotent::Replay { status: status as u16, body: body.unwrap_or(serde_json::Value::Null) },
    })
}

/// Keeps the answer of a request that ran under `key`. An answer that says "try again" (a
/// 5xx, a 429) is not kept: the key is freed, so the retry runs.
pub async fn finish(pool: &PgPool, shop_id: i64, key: &str, status: u16, body: &serde_json::Value) -> Result<(), Error> {
    if status >= 500 || status == 429 {
        sqlx::query("DELETE FROM api_idempotency WHERE shop_id = $1 AND idempotency_key = $2").bind(shop_id).bind(key).execute(pool).await?;
    } else {
        sqlx::query("UPDATE api_idempotency SET status = $3, response = $4 WHERE shop_id = $1 AND idempotency_key = $2")
            .bind(shop_id)
            .bind(key)
            .bind(status as i16)
            .bind(body)
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// Forgets idempotency answers older than two days (they are kept at least 24 hours) and rate
/// windows older than an hour.
pub async fn prune(pool: &PgPool) -> Result<u64, Error> {
    let answers = sqlx::query("DELETE FROM api_idempotency WHERE created_at < now() - interval '48 hours'").execute(pool).await?;
    sqlx::query("DELETE FROM api_rate WHERE window_start < now() - interval '1 hour'").execute(pool).await?;
    Ok(answers.rows_affected())
}

/// The shop's settlements after id `after`, oldest first, at most `limit` (`GET
/// /api/v1/settlements`).
pub async fn settlements(pool: &PgPool, shop_id: i64, after: i64, limit: i64) -> Result<Vec<serde_json::Value>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT jsonb_build_object(
                    'id', s.id, 'order_number', o.number, 'currency', s.currency, 'cash_on_delivery', s.cash,
                    'gross_minor', s.gross_minor, 'refunded_minor', s.refunded_minor, 'commission_minor', s.commission_minor,
                    'reserve_minor', s.reserve_minor, 'net_minor', s.net_minor, 'settled_at', s.settled_at,
                    'reserve_release_at', s.reserve_release_at, 'reserve_released_at', s.reserve_released_at, 'payout_id', s.payout_id)
         FROM settlements s JOIN orders o ON o.id = s.order_id
         WHERE s.shop_id = $1 AND s.id > $2 ORDER BY s.id LIMIT $3",
    )
    .bind(shop_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// A UUID standing for an API client's `Idempotency-Key` within its shop, for the services
/// whose own idempotency keys are UUIDs (refunds): the same key always gives the same UUID, so
/// a retry after the API's kept answer expired still refunds only once.
pub fn service_key(shop_id: i64, idempotency_key: &str) -> String {
    let digest = Sha256::digest(format!("api:{shop_id}:{idempotency_key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::from_bytes(bytes).to_string()
}
