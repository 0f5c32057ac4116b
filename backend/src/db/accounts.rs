//! SQL for users, sessions, sign-in attempts and account activity.

use sqlx::{PgConnection, PgExecutor, PgPool};
use time::OffsetDateTime;

use domain::accounts::{ActivityEntry, RequestMeta};
use domain::accounts::{CurrentUser, Email, Language, Role};

fn to_user(id: i64, email: String, role: String) -> Option<CurrentUser> {
    Some(CurrentUser { id, email: Email::parse(&email).ok()?, role: Role::parse(&role)? })
}

/// Inserts a user; `None` when the email is taken.
pub async fn insert_user(db: impl PgExecutor<'_>, email: &Email, password_hash: &str, role: Role) -> Result<Option<CurrentUser>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3)
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(email.as_str())
    .bind(password_hash)
    .bind(role.as_str())
    .fetch_optional(db)
    .await?;
    Ok(id.map(|id| CurrentUser { id, email: email.clone(), role }))
}

/// Creates the user, or resets its password and role when it exists (the staff bootstrap).
pub async fn upsert_user(pool: &PgPool, email: &Email, password_hash: &str, role: Role) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3)
         ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role
         RETURNING id",
    )
    .bind(email.as_str())
    .bind(password_hash)
    .bind(role.as_str())
    .fetch_one(pool)
    .await
}

/// The language a user chose, if they did.
pub async fn language(pool: &PgPool, user_id: i64) -> Result<Option<Language>, sqlx::Error> {
    let tag: Option<String> = sqlx::query_scalar("SELECT language FROM users WHERE id = $1").bind(user_id).fetch_optional(pool).await?.flatten();
    Ok(tag.as_deref().and_then(Language::parse))
}

pub async fn set_language(pool: &PgPool, user_id: i64, language: Language) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET language = $2 WHERE id = $1").bind(user_id).bind(language.tag()).execute(pool).await.map(|_| ())
}

/// The user and password hash for an email.
pub async fn user_by_email(pool: &PgPool, email: &Email) -> Result<Option<(CurrentUser, String)>, sqlx::Error> {
    let row: Option<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, email, role, password_hash FROM users WHERE email = $1").bind(email.as_str()).fetch_optional(pool).await?;
    Ok(row.and_then(|(id, email, role, hash)| Some((to_user(id, email, role)?, hash))))
}

pub async fn insert_session(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    user_id: i64,
    expires_at: OffsetDateTime,
    meta: &RequestMeta,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(user_id)
        .bind(expires_at)
        .bind(&meta.ip)
        .bind(&meta.user_agent)
        .execute(db)
        .await
        .map(|_| ())
}

/// The user of a live session. Sessions past their absolute expiry, or idle for longer than
/// `idle_secs`, are not found. The last-seen time is written at most once a minute: every page
/// and server function looks the session up, and a write (a row lock and a WAL flush) on each
/// would serialise a user's concurrent requests on their session row.
/// A user who is not frozen (an API key acts as its shop's merchant only while they may).
pub async fn active_user_by_id(pool: &PgPool, user_id: i64) -> Result<Option<CurrentUser>, sqlx::Error> {
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT id, email, role FROM users WHERE id = $1 AND frozen_at IS NULL").bind(user_id).fetch_optional(pool).await?;
    Ok(row.and_then(|(id, email, role)| to_user(id, email, role)))
}

pub async fn session_user(pool: &PgPool, token_hash: &[u8], idle_secs: i64) -> Result<Option<CurrentUser>, sqlx::Error> {
    let row: Option<(i64, String, String, bool)> = sqlx::query_as(
        "SELECT u.id, u.email, u.role, s.last_seen_at < now() - interval '1 minute'
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND u.frozen_at IS NULL
           AND s.expires_at > now()
           AND s.last_seen_at > now() - make_interval(secs => $2)",
    )
    .bind(token_hash)
    .bind(idle_secs as f64)
    .fetch_optional(pool)
    .await?;
    let Some((id, email, role, stale)) = row else {
        return Ok(None);
    };
    if stale {
        sqlx::query("UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
    }
    Ok(to_user(id, email, role))
}

/// Ends a session; returns its user, if it existed.
pub async fn delete_session(pool: &PgPool, token_hash: &[u8]) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id").bind(token_hash).fetch_optional(pool).await
}

/// What an attempt counted for throttling was: each kind is throttled on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptKind {
    SignIn,
    SignUp,
    PasswordChange,
}

impl AttemptKind {
    fn as_str(self) -> &'static str {
        match self {
            AttemptKind::SignIn => "sign_in",
            AttemptKind::SignUp => "sign_up",
            AttemptKind::PasswordChange => "password_change",
        }
    }
}

/// Records an attempt that is about to be judged, as failed until [`attempt_succeeded`] says
/// otherwise (so one still in flight counts against the throttle); returns its id.
pub async fn record_attempt(db: impl PgExecutor<'_>, kind: AttemptKind, email: &str, ip: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO sign_in_attempts (kind, email, ip, succeeded) VALUES ($3, $1, $2, false) RETURNING id")
        .bind(email)
        .bind(ip)
        .bind(kind.as_str())
        .fetch_one(db)
        .await
}

pub async fn attempt_succeeded(db: impl PgExecutor<'_>, attempt_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sign_in_attempts SET succeeded = true WHERE id = $1").bind(attempt_id).execute(db).await.map(|_| ())
}

pub async fn forget_attempt(db: impl PgExecutor<'_>, attempt_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE id = $1").bind(attempt_id).execute(db).await.map(|_| ())
}

/// Serialises the throttle checks of one kind for one email and one address until the
/// transaction ends, so that a burst of attempts cannot all pass the count before any of them
/// is recorded. Email locks and address locks live in two lock spaces and are always taken in
/// that order: no two checks can wait on each other in a cycle.
pub async fn lock_throttle(tx: &mut PgConnection, kind: AttemptKind, email: &str, ip: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(1, hashtext($1 || ':' || $2)), pg_advisory_xact_lock(2, hashtext($1 || ':' || $3))")
        .bind(kind.as_str())
        .bind(email)
        .bind(ip)
        .execute(tx)
        .await
        .map(|_| ())
}

/// Failed attempts within the window, per email and per address, with the oldest of each
/// (from which the wait is computed).
pub struct RecentFailures {
    pub by_email: i64,
    pub oldest_by_email: Option<OffsetDateTime>,
    pub by_ip: i64,
    pub oldest_by_ip: Option<OffsetDateTime>,
}

/// Attempts of `kind` within the window: failed ones, or all of them when `count_all`.
pub async fn recent_failures(
    db: impl PgExecutor<'_>,
    kind: AttemptKind,
    email: &str,
    ip: &str,
    window_secs: i64,
    count_all: bool,
) -> Result<RecentFailures, sqlx::Error> {
    let (by_email, oldest_by_email, by_ip, oldest_by_ip): (i64, Option<OffsetDateTime>, i64, Option<OffsetDateTime>) = sqlx::query_as(
        "WITH recent AS (
                 SELECT email, ip, at FROM sign_in_attempts
                 WHERE kind = $4 AND ($5 OR NOT succeeded) AND at > now() - make_interval(secs => $3)
                   AND (email = $1 OR ip = $2)
             )
             SELECT count(*) FILTER (WHERE email = $1), min(at) FILTER (WHERE email = $1),
                    count(*) FILTER (WHERE ip = $2),    min(at) FILTER (WHERE ip = $2)
             FROM recent",
    )
    .bind(email)
    .bind(ip)
    .bind(window_secs as f64)
    .bind(kind.as_str())
    .bind(count_all)
    .fetch_one(db)
    .await?;
    Ok(RecentFailures { by_email, oldest_by_email, by_ip, oldest_by_ip })
}

pub async fn record_activity(db: impl PgExecutor<'_>, user_id: i64, kind: &str, meta: &RequestMeta) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO account_activity (user_id, kind, ip, user_agent) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(kind)
        .bind(&meta.ip)
        .bind(&meta.user_agent)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn recent_activity(pool: &PgPool, user_id: i64, limit: i64) -> Result<Vec<ActivityEntry>, sqlx::Error> {
    let rows: Vec<(String, String, String, OffsetDateTime)> =
        sqlx::query_as("SELECT kind, ip, user_agent, at FROM account_activity WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2")
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(kind, ip, user_agent, at)| ActivityEntry { kind, ip, user_agent, at }).collect())
}

// ---- Account safety ------------------------------------------------------------------------

pub async fn password_hash(pool: &PgPool, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_optional(pool).await
}

pub async fn set_password(db: impl PgExecutor<'_>, user_id: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1").bind(user_id).bind(hash).execute(db).await.map(|_| ())
}

/// Ends every session of the user except the one whose token hashes to `keep`.
pub async fn delete_other_sessions(db: impl PgExecutor<'_>, user_id: i64, keep: &[u8]) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2").bind(user_id).bind(keep).execute(db).await.map(|r| r.rows_affected())
}

/// The user's live sessions, the current one marked.
pub async fn sessions_of(pool: &PgPool, user_id: i64, current: &[u8]) -> Result<Vec<domain::accounts::SessionInfo>, sqlx::Error> {
    let rows: Vec<(OffsetDateTime, OffsetDateTime, String, String, bool)> = sqlx::query_as(
        "SELECT created_at, last_seen_at, ip, user_agent, token_hash = $2 FROM sessions
         WHERE user_id = $1 AND expires_at > now() ORDER BY last_seen_at DESC LIMIT 50",
    )
    .bind(user_id)
    .bind(current)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(created_at, last_seen_at, ip, device, current)| domain::accounts::SessionInfo { created_at, last_seen_at, ip, device, current })
        .collect())
}

/// Has the user signed up or in from this device (browser) before?
pub async fn known_device(pool: &PgPool, user_id: i64, user_agent: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM account_activity WHERE user_id = $1 AND user_agent = $2
                        AND kind IN ('signed_up', 'signed_in', 'signed_in_new_device'))",
    )
    .bind(user_id)
    .bind(user_agent)
    .fetch_one(pool)
    .await
}

/// Is the account frozen (by staff, after a report that someone else used it)?
pub async fn is_frozen(pool: &PgPool, user_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT frozen_at IS NOT NULL FROM users WHERE id = $1").bind(user_id).fetch_one(pool).await
}

/// Freezes (`true`) or unfreezes an account; freezing ends all its sessions. Returns whether the
/// account changed.
pub async fn set_frozen(db: &mut sqlx::PgConnection, user_id: i64, frozen: bool) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query("UPDATE users SET frozen_at = CASE WHEN $2 THEN now() END WHERE id = $1 AND (frozen_at IS NOT NULL) <> $2")
        .bind(user_id)
        .bind(frozen)
        .execute(&mut *db)
        .await?
        .rows_affected()
        > 0;
    if frozen {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *db).await?;
    }
    Ok(changed)
}
