//! SQL of webhooks: endpoints, the fan-out from the live outbox into API events and
//! deliveries, claiming the deliveries that are due (the oldest pending one of each object per
//! endpoint only, so each object's events arrive in order), recording each try, and the
//! delivery log.

use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, PgPool};
use time::OffsetDateTime;

use domain::live::LiveDetail;
use domain::webhooks::{AttemptView, DeliveryView, EndpointView, event_of, wants};

type EndpointRow =
    (i64, String, Vec<String>, String, Option<OffsetDateTime>, OffsetDateTime, Option<OffsetDateTime>, Option<OffsetDateTime>, Option<String>);

// The list shows only the secret's start; the whole one is read by [`secret`] when asked for.
const ENDPOINT_COLUMNS: &str =
    "id, url, event_types, left(secret, 10) || '…', previous_secret_until, created_at, failing_since, disabled_at, disabled_reason";

fn endpoint_view(r: EndpointRow) -> EndpointView {
    let (id, url, event_types, secret_hint, previous_secret_until, created_at, failing_since, disabled_at, disabled_reason) = r;
    EndpointView {
        id,
        url,
        event_types,
        secret_hint,
        previous_secret_until,
        created_at,
        failing_since,
        disabled_at,
        disabled_reason,
        deliveries: vec![],
    }
}

pub async fn count_endpoints(db: impl PgExecutor<'_>, shop_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM webhook_endpoints WHERE shop_id = $1").bind(shop_id).fetch_one(db).await
}

pub async fn insert_endpoint(db: impl PgExecutor<'_>, shop_id: i64, url: &str, types: &[String], secret: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO webhook_endpoints (shop_id, url, event_types, secret) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(shop_id)
        .bind(url)
        .bind(types)
        .bind(secret)
        .fetch_one(db)
        .await
}

/// The shop's endpoints, oldest first, each with its latest `log` deliveries and their tries.
pub async fn endpoints(pool: &PgPool, shop_id: i64, log: i64) -> Result<Vec<EndpointView>, sqlx::Error> {
    let rows: Vec<EndpointRow> = sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE shop_id = $1 ORDER BY id"))
        .bind(shop_id)
        .fetch_all(pool)
        .await?;
    let mut list: Vec<EndpointView> = rows.into_iter().map(endpoint_view).collect();
    for endpoint in &mut list {
        endpoint.deliveries = deliveries(pool, endpoint.id, log).await?;
    }
    Ok(list)
}

type DeliveryRow = (i64, Option<i64>, Option<String>, Option<String>, String, bool, OffsetDateTime, OffsetDateTime);
type AttemptRow = (i64, OffsetDateTime, Option<i16>, String, Option<String>, i32);

async fn deliveries(pool: &PgPool, endpoint_id: i64, limit: i64) -> Result<Vec<DeliveryView>, sqlx::Error> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(
        "SELECT d.id, d.event_id, e.type, d.test_body ->> 'type', d.state, d.manual, d.next_try_at, d.created_at
         FROM webhook_deliveries d LEFT JOIN api_events e ON e.id = d.event_id
         WHERE d.endpoint_id = $1 ORDER BY d.id DESC LIMIT $2",
    )
    .bind(endpoint_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let attempts: Vec<AttemptRow> = sqlx::query_as(
        "SELECT delivery_id, at, response_status, response_start, error, duration_ms FROM webhook_attempts
         WHERE delivery_id = ANY($1) ORDER BY id DESC",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, event_id, event_type, test_type, state, manual, next_try_at, created_at)| DeliveryView {
            id,
            event_id: event_id.map(|e| format!("evt_{e}")).unwrap_or_else(|| format!("evt_test_{id}")),
            event_type: event_type.or(test_type).unwrap_or_default(),
            next_try_at: (state == "pending").then_some(next_try_at),
            state,
            manual,
            attempts: attempts
                .iter()
                .filter(|a| a.0 == id)
                .map(|(_, at, status, start, error, duration_ms)| AttemptView {
                    at: *at,
                    response_status: status.map(|s| s as u16),
                    response_start: start.clone(),
                    error: error.clone(),
                    duration_ms: *duration_ms,
                })
                .collect(),
            created_at,
        })
        .collect())
}

/// The whole signing secret of one of the shop's endpoints.
pub async fn secret(db: impl PgExecutor<'_>, shop_id: i64, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT secret FROM webhook_endpoints WHERE id = $1 AND shop_id = $2").bind(id).bind(shop_id).fetch_optional(db).await
}

/// Rotates an endpoint's secret: the old one keeps signing for `overlap_hours`.
pub async fn rotate_secret(db: impl PgExecutor<'_>, shop_id: i64, id: i64, secret: &str, overlap_hours: i32) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = now() + make_interval(hours => $4), secret = $3
         WHERE id = $1 AND shop_id = $2",
    )
    .bind(id)
    .bind(shop_id)
    .bind(secret)
    .bind(overlap_hours)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Turns an endpoint off (by its merchant) or on again (its failures forgotten).
pub async fn set_enabled(db: impl PgExecutor<'_>, shop_id: i64, id: i64, enabled: bool) -> Result<bool, sqlx::Error> {
    let sql = if enabled {
        "UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL, failing_since = NULL WHERE id = $1 AND shop_id = $2"
    } else {
        "UPDATE webhook_endpoints SET disabled_at = coalesce(disabled_at, now()), disabled_reason = coalesce(disabled_reason, 'by_merchant')
         WHERE id = $1 AND shop_id = $2"
    };
    sqlx::query(sql).bind(id).bind(shop_id).execute(db).await.map(|r| r.rows_affected() == 1)
}

pub async fn delete_endpoint(db: impl PgExecutor<'_>, shop_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1 AND shop_id = $2")
        .bind(id)
        .bind(shop_id)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Queues a test event for one of the shop's endpoints; its delivery id.
pub async fn insert_test(db: impl PgExecutor<'_>, shop_id: i64, id: i64, body: &Value) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (endpoint_id, test_body, object_key)
         SELECT id, $3, 'test' FROM webhook_endpoints WHERE id = $1 AND shop_id = $2 RETURNING id",
    )
    .bind(id)
    .bind(shop_id)
    .bind(body)
    .fetch_optional(db)
    .await
}

/// Queues a delivery of the shop's earlier delivery again (by hand); the new delivery's id.
pub async fn insert_redelivery(db: impl PgExecutor<'_>, shop_id: i64, delivery_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, test_body, object_key, manual)
         SELECT d.endpoint_id, d.event_id, d.test_body, d.object_key, true
         FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
         WHERE d.id = $1 AND w.shop_id = $2 RETURNING id",
    )
    .bind(delivery_id)
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

// ---- Fan-out ----------------------------------------------------------------------------------

/// At most this many outbox events per fan-out transaction.
pub const FAN_OUT_BATCH: i64 = 500;

#[derive(sqlx::FromRow)]
struct OutboxRow {
    seq: i64,
    kind: String,
    order_number: String,
    detail: Json<Value>,
    created_at: OffsetDateTime,
    shop_id: Option<i64>,
    total_minor: Option<i64>,
    currency: Option<String>,
}

/// Turns the outbox's next events (after the fan-out cursor, in sequence order) into API events
/// of their shops and deliveries to the endpoints that want them, and moves the cursor — all in
/// one transaction that holds the cursor's row, so each event is fanned out exactly once.
/// Returns how many outbox events were read.
pub async fn fan_out(db: &mut PgConnection) -> Result<usize, sqlx::Error> {
    let last: i64 = sqlx::query_scalar("SELECT last_seq FROM webhook_fanout FOR UPDATE").fetch_one(&mut *db).await?;
    // A shop's merchant's copy of each event (the shopper's copy is the same change).
    let rows: Vec<OutboxRow> = sqlx::query_as(
        "SELECT e.seq, e.kind, e.order_number, e.detail, e.created_at, s.id AS shop_id, o.total_minor, o.currency::text AS currency
         FROM live_events e
         LEFT JOIN orders o ON o.number = e.order_number
         LEFT JOIN shops s ON s.id = o.shop_id AND s.merchant_id = e.user_id
         WHERE e.seq > $1 ORDER BY e.seq LIMIT $2",
    )
    .bind(last)
    .bind(FAN_OUT_BATCH)
    .fetch_all(&mut *db)
    .await?;
    let Some(newest) = rows.last().map(|r| r.seq) else { return Ok(0) };
    let read = rows.len();
    let mut ids = Vec::new();
    let mut shops = Vec::new();
    let mut types = Vec::new();
    let mut objects = Vec::new();
    let mut data = Vec::new();
    let mut created = Vec::new();
    for row in rows {
        let Some(shop_id) = row.shop_id else { continue };
        let detail: LiveDetail = serde_json::from_value(row.detail.0.clone()).unwrap_or_default();
        let Some((ty, object)) = event_of(&row.kind, &row.order_number, &detail) else { continue };
        let mut order = serde_json::json!({ "object": "order", "number": row.order_number });
        if let (Some(amount), Some(currency)) = (row.total_minor, row.currency) {
            order["total"] = serde_json::json!({ "amount_minor": amount, "currency": currency });
        }
        if let Value::Object(fields) = row.detail.0 {
            for (k, v) in fields.into_iter().filter(|(k, _)| ["status", "actor"].contains(&k.as_str())) {
                order[k] = v;
            }
        }
        ids.push(row.seq);
        shops.push(shop_id);
        types.push(ty);
        objects.push(object);
        data.push(order);
        created.push(row.created_at);
    }
    if !ids.is_empty() {
        insert_events(db, &ids, &shops, &types, &objects, &data, &created).await?;
    }
    sqlx::query("UPDATE webhook_fanout SET last_seq = $1").bind(newest).execute(&mut *db).await?;
    Ok(read)
}

async fn insert_events(
    db: &mut PgConnection,
    ids: &[i64],
    shops: &[i64],
    types: &[String],
    objects: &[String],
    data: &[Value],
    created: &[OffsetDateTime],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO api_events (id, shop_id, type, object_key, data, created_at)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(ids)
    .bind(shops)
    .bind(types)
    .bind(objects)
    .bind(data)
    .bind(created)
    .execute(&mut *db)
    .await?;
    // Every endpoint of the shop that wants the type, disabled ones too: their events wait.
    let endpoints: Vec<(i64, i64, Vec<String>)> =
        sqlx::query_as("SELECT id, shop_id, event_types FROM webhook_endpoints WHERE shop_id = ANY($1)").bind(shops).fetch_all(&mut *db).await?;
    let (mut endpoint_ids, mut event_ids, mut keys) = (Vec::new(), Vec::new(), Vec::new());
    for (i, id) in ids.iter().enumerate() {
        for (endpoint, shop, wanted) in &endpoints {
            if *shop == shops[i] && wants(wanted, &types[i]) {
                endpoint_ids.push(*endpoint);
                event_ids.push(*id);
                keys.push(objects[i].clone());
            }
        }
    }
    sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, object_key)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(&endpoint_ids)
    .bind(&event_ids)
    .bind(&keys)
    .execute(&mut *db)
    .await
    .map(|_| ())
}

// ---- Sending ----------------------------------------------------------------------------------

/// A claimed delivery, with what sending it needs.
#[derive(Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub endpoint_id: i64,
    /// This claim's lease: only its holder records the try.
    pub lease_token: uuid::Uuid,
    pub attempts: i32,
    pub url: String,
    pub secret: String,
    /// Set while a rotated secret still signs.
    pub previous_secret: Option<String>,
    /// The event as sent: `{"id","type","created","data":{"object":…}}`.
    pub body: Json<Value>,
    /// When the delivery was queued: retries stop `give_up_after` later.
    pub created_at: OffsetDateTime,
}

/// Claims up to `limit` due deliveries for `lease_ms`: each the oldest pending one of its
/// object at its endpoint (so an endpoint gets each object's events in order), of an endpoint
/// that is on. The try is counted at once: a sender that dies mid-try still used it.
pub async fn claim_due(pool: &PgPool, limit: i64, lease_ms: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    sqlx::query_as(
        "WITH claimed AS (
             UPDATE webhook_deliveries d SET leased_until = now() + make_interval(secs => $2::double precision / 1000), attempts = d.attempts + 1,
                    lease_token = gen_random_uuid()
             FROM (
                 SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
                 WHERE d.state = 'pending' AND d.next_try_at <= now() AND (d.leased_until IS NULL OR d.leased_until < now())
                   AND w.disabled_at IS NULL
                   AND (d.test_body IS NOT NULL OR NOT EXISTS (
                       SELECT 1 FROM webhook_deliveries p
                       WHERE p.endpoint_id = d.endpoint_id AND p.object_key = d.object_key AND p.state = 'pending'
                         AND p.test_body IS NULL AND (p.event_id, p.id) < (d.event_id, d.id)))
                 ORDER BY d.next_try_at, d.id LIMIT $1
                 FOR UPDATE OF d SKIP LOCKED
             ) due WHERE d.id = due.id
             RETURNING d.id, d.endpoint_id, d.lease_token, d.attempts, d.event_id, d.test_body, d.created_at
         )
         SELECT c.id, c.endpoint_id, c.lease_token, c.attempts, w.url, w.secret,
                CASE WHEN w.previous_secret_until > now() THEN w.previous_secret END AS previous_secret,
                coalesce(c.test_body, jsonb_build_object(
                    'id', 'evt_' || e.id, 'type', e.type, 'created', extract(epoch FROM e.created_at)::bigint,
                    'data', jsonb_build_object('object', e.data))) AS body,
                c.created_at
         FROM claimed c JOIN webhook_endpoints w ON w.id = c.endpoint_id LEFT JOIN api_events e ON e.id = c.event_id
         ORDER BY c.id",
    )
    .bind(limit)
    .bind(lease_ms)
    .fetch_all(pool)
    .await
}

/// What one try found.
pub struct TryRecord<'a> {
    pub status: Option<u16>,
    pub response_start: &'a str,
    pub error: Option<&'a str>,
    pub duration_ms: i32,
}

/// Records a try and the delivery's next step: delivered, given up, or tried again after
/// `retry_in_ms` — if the caller still holds the lease (a sender whose lease ran out and was
/// taken over records only its try, so the new holder decides). The endpoint's failing spell
/// follows: cleared by a success; a failure more than `spell_gap_ms` after the previous one
/// starts a new spell. Returns whether the lease was still held.
pub async fn record_try(
    db: &mut PgConnection,
    delivery: &Claimed,
    found: &TryRecord<'_>,
    state: &str,
    retry_in_ms: i64,
    spell_gap_ms: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query("INSERT INTO webhook_attempts (delivery_id, response_status, response_start, error, duration_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(delivery.id)
        .bind(found.status.map(|s| s as i16))
        .bind(found.response_start)
        .bind(found.error)
        .bind(found.duration_ms)
        .execute(&mut *db)
        .await?;
    let held = sqlx::query(
        "UPDATE webhook_deliveries SET state = $2, leased_until = NULL, lease_token = NULL,
                next_try_at = now() + make_interval(secs => $3::double precision / 1000),
                finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END
         WHERE id = $1 AND state = 'pending' AND lease_token = $4",
    )
    .bind(delivery.id)
    .bind(state)
    .bind(retry_in_ms)
    .bind(delivery.lease_token)
    .execute(&mut *db)
    .await?
    .rows_affected()
        == 1;
    if !held {
        return Ok(false);
    }
    if state == "delivered" {
        sqlx::query("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL")
            .bind(delivery.endpoint_id)
            .execute(&mut *db)
            .await?;
    } else {
        sqlx::query(
            "UPDATE webhook_endpoints SET
                 failing_since = CASE WHEN failing_since IS NOT NULL AND last_failure_at > now() - make_interval(secs => $2::double precision / 1000)
                                      THEN failing_since ELSE now() END,
                 last_failure_at = now()
             WHERE id = $1",
        )
        .bind(delivery.endpoint_id)
        .bind(spell_gap_ms)
        .execute(&mut *db)
        .await?;
    }
    Ok(true)
}

/// The endpoint's failing-since time, its shop's merchant and whether it is on, locked.
pub async fn lock_endpoint(db: &mut PgConnection, id: i64) -> Result<Option<(Option<OffsetDateTime>, i64, bool, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT w.failing_since, s.merchant_id, w.disabled_at IS NULL, w.url FROM webhook_endpoints w JOIN shops s ON s.id = w.shop_id
         WHERE w.id = $1 FOR UPDATE OF w",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn disable_failing(db: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE webhook_endpoints SET disabled_at = now(), disabled_reason = 'failing' WHERE id = $1 AND disabled_at IS NULL")
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// When the next pending delivery falls due (the sender sleeps until then, at most).
pub async fn next_due(pool: &PgPool) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT min(greatest(d.next_try_at, coalesce(d.leased_until, d.next_try_at))) FROM webhook_deliveries d
         JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE d.state = 'pending' AND w.disabled_at IS NULL
           AND (d.test_body IS NOT NULL OR NOT EXISTS (
               SELECT 1 FROM webhook_deliveries p
               WHERE p.endpoint_id = d.endpoint_id AND p.object_key = d.object_key AND p.state = 'pending'
                 AND p.test_body IS NULL AND (p.event_id, p.id) < (d.event_id, d.id)))",
    )
    .fetch_one(pool)
    .await
}

// ---- The API's event list ---------------------------------------------------------------------

/// The shop's events after `after`, oldest first, at most `limit`.
pub async fn events_since(pool: &PgPool, shop_id: i64, after: i64, limit: i64) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT jsonb_build_object('id', 'evt_' || id, 'type', type, 'created', extract(epoch FROM created_at)::bigint,
                                   'data', jsonb_build_object('object', data))
         FROM api_events WHERE shop_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(shop_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Drops API events (and their deliveries) older than 30 days, and finished test deliveries.
pub async fn prune(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let events = sqlx::query("DELETE FROM api_events WHERE created_at < now() - interval '30 days'").execute(pool).await?;
    let tests =
        sqlx::query("DELETE FROM webhook_deliveries WHERE test_body IS NOT NULL AND finished_at < now() - interval '30 days'").execute(pool).await?;
    Ok(events.rows_affected() + tests.rows_affected())
}
