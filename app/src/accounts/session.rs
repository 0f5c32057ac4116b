//! Server-side sessions, password hashing, sign-in throttling and the authorization helpers
//! that every server function calls. Compiled for the server only.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
    rand_core::{OsRng, RngCore},
};

use crate::db::accounts::AttemptKind;
use http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use leptos::prelude::use_context;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use super::RequestMeta;
use crate::db;
use crate::error::AppError;
use domain::accounts::{CurrentUser, Email, NewPassword, Role};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "paydesk_session";
/// A session ends after this long without a request…
pub const IDLE_TIMEOUT: Duration = Duration::hours(12);
/// …and in any case this long after sign-in.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::days(7);
/// Sign-in throttling: failures counted over this window…
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// …at most this many failures per account…
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// …and this many per client address.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// Settings the server hands to the app through the Leptos context.
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionSettings {
    /// Mark the cookie `Secure` (set when the app is served over HTTPS).
    pub secure_cookies: bool,
}

/// A fresh session token (sent in the cookie) and its hash (stored).
pub struct NewSession {
    pub token: String,
    pub user: CurrentUser,
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Password hashing is deliberately expensive (argon2id: 19 MiB and tens of milliseconds
/// each), and unauthenticated requests can ask for it. So at most one hash per core runs at a
/// time, at most [`HASH_QUEUE_PER_CORE`] per core wait for their turn, and beyond that a
/// request is answered at once with "busy, try again" (503 with `Retry-After`) instead of
/// piling up threads and memory.
pub struct HashGate {
    running: tokio::sync::Semaphore,
    admitted: tokio::sync::Semaphore,
}

const HASH_QUEUE_PER_CORE: usize = 8;

impl HashGate {
    /// One hash at a time per core (at most 8), [`HASH_QUEUE_PER_CORE`] waiting per core.
    pub fn for_this_machine() -> HashGate {
        let cores = std::thread::available_parallelism().map_or(2, usize::from).clamp(1, 8);
        HashGate { running: tokio::sync::Semaphore::new(cores), admitted: tokio::sync::Semaphore::new(cores * (1 + HASH_QUEUE_PER_CORE)) }
    }
}

/// The server's gate, from the request's context (one per server); outside a request (the
/// staff account at start-up) a gate of its own.
fn hash_gate() -> std::sync::Arc<HashGate> {
    use_context::<std::sync::Arc<HashGate>>().unwrap_or_else(|| {
        static FALLBACK: std::sync::OnceLock<std::sync::Arc<HashGate>> = std::sync::OnceLock::new();
        FALLBACK.get_or_init(|| std::sync::Arc::new(HashGate::for_this_machine())).clone()
    })
}

/// Runs one password hash or check through the gate.
async fn gated<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let gate = hash_gate();
    let Ok(_admitted) = gate.admitted.try_acquire() else {
        tracing::warn!("password hashing queue full: refusing a request");
        return Err(AppError::Busy(2));
    };
    let _running = gate.running.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(AppError::internal)
}

/// argon2id with the crate's default (OWASP-recommended) parameters, off the async threads.
pub async fn hash_password(password: &NewPassword) -> Result<String, AppError> {
    let password = password.expose().to_owned();
    gated(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(AppError::internal)
}

/// Checks a password against a stored hash. With no hash (unknown email) a dummy hash is
/// checked instead, so that both cases take the same time. `Err` only when the server is too
/// busy hashing to check it now.
pub async fn verify_password(hash: Option<String>, password: &str) -> Result<bool, AppError> {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3yF0MEEE9Wc8oQNbnXmuQ7uLtX2I7oH5W3Cjbk7rC6s";
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY.to_string());
    let password = password.to_owned();
    let ok = gated(move || {
        PasswordHash::new(&hash).map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()).unwrap_or(false)
    })
    .await?;
    Ok(ok && known)
}

/// Creates the staff account, or resets its password, from the start-up configuration.
pub async fn ensure_staff(pool: &PgPool, email: &str, password: &str) -> Result<i64, String> {
    let email = Email::parse(email).map_err(|m| format!("PAYDESK_STAFF_EMAIL: {m}"))?;
    let password = NewPassword::parse(password).map_err(|m| format!("PAYDESK_STAFF_PASSWORD: {m}"))?;
    let hash = hash_password(&password).await.map_err(|e| e.to_string())?;
    db::accounts::upsert_user(pool, &email, &hash, Role::Staff).await.map_err(|e| format!("creating the staff account: {e}"))
}

/// Creates a session row for `user`.
pub async fn start_session(pool: &PgPool, user: CurrentUser, meta: &RequestMeta) -> Result<NewSession, AppError> {
    let token = new_token();
    let expires_at = OffsetDateTime::now_utc() + ABSOLUTE_TIMEOUT;
    db::accounts::insert_session(pool, &token_hash(&token), user.id, expires_at, meta).await?;
    Ok(NewSession { token, user })
}

/// Signs up: validates, hashes, creates the user, records the activity and starts a session.
pub async fn sign_up(pool: &PgPool, email: &str, password: &str, role: &str, meta: &RequestMeta) -> Result<NewSession, AppError> {
    let mut errors = Vec::new();
    let email = Email::parse(email).map_err(|m| errors.push(field("email", m))).ok();
    let password = NewPassword::parse(password).map_err(|m| errors.push(field("password", &m))).ok();
    let role = match Role::parse(role) {
        Some(r @ (Role::Shopper | Role::Merchant)) => Some(r),
        _ => {
            errors.push(field("role", "Choose whether you shop or sell."));
            None
        }
    };
    let (Some(email), Some(password), Some(role)) = (email, password, role) else {
        return Err(AppError::Validation(errors));
    };
    throttle(pool, SIGN_UP, email.as_str(), &meta.ip).await?;
    // Taken before the hash: an already registered email costs no hashing.
    if db::accounts::user_by_email(pool, &email).await?.is_some() {
        db::accounts::record_attempt(pool, AttemptKind::SignUp, email.as_str(), &meta.ip, false).await?;
        return Err(AppError::field("email", "An account with this email already exists. Sign in instead."));
    }
    let hash = hash_password(&password).await?;
    let mut tx = pool.begin().await?;
    let Some(user) = db::accounts::insert_user(&mut *tx, &email, &hash, role).await? else {
        db::accounts::record_attempt(pool, AttemptKind::SignUp, email.as_str(), &meta.ip, false).await?;
        return Err(AppError::field("email", "An account with this email already exists. Sign in instead."));
    };
    db::accounts::record_attempt(&mut *tx, AttemptKind::SignUp, email.as_str(), &meta.ip, true).await?;
    db::accounts::record_activity(&mut *tx, user.id, "signed_up", meta).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, role = role.as_str(), "signed up");
    start_session(pool, user, meta).await
}

/// Signs in, throttled per account and per address. A wrong password and an unknown email
/// get the same answer.
pub async fn sign_in(pool: &PgPool, email: &str, password: &str, meta: &RequestMeta) -> Result<NewSession, AppError> {
    let Ok(email) = Email::parse(email) else {
        return Err(AppError::field("email", "Enter the email address you signed up with."));
    };
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    throttle(pool, SIGN_IN, email.as_str(), &meta.ip).await?;

    let found = db::accounts::user_by_email(pool, &email).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let ok = verify_password(hash, password).await?;
    db::accounts::record_attempt(pool, AttemptKind::SignIn, email.as_str(), &meta.ip, ok).await?;
    match (ok, user) {
        (true, Some(user)) if db::accounts::is_frozen(pool, user.id).await? => {
            Err(AppError::Conflict("This account is frozen for your safety after a report to support. Contact support to unfreeze it.".into()))
        }
        (true, Some(user)) => {
            // A device (browser) the account never signed in from: said in the activity, and
            // told to the owner wherever they are signed in.
            if !db::accounts::known_device(pool, user.id, &meta.user_agent).await? {
                let mut tx = pool.begin().await?;
                db::accounts::record_activity(&mut *tx, user.id, "signed_in_new_device", meta).await?;
                let detail = format!("{} ({})", meta.user_agent.chars().take(200).collect::<String>(), meta.ip);
                db::notifications::insert_account(&mut tx, user.id, domain::notifications::NotificationKind::NewDeviceSignIn, &detail).await?;
                tx.commit().await?;
            } else {
                db::accounts::record_activity(pool, user.id, "signed_in", meta).await?;
            }
            start_session(pool, user, meta).await
        }
        _ => Err(AppError::field("password", "Email or password is incorrect.")),
    }
}

/// How one kind of attempt is throttled: at most `per_account` failed attempts for one email
/// and `per_address` from one address within [`THROTTLE_WINDOW`] (counting successful ones
/// too when `count_all`).
#[derive(Clone, Copy, Debug)]
pub struct Throttle {
    pub kind: AttemptKind,
    pub per_account: i64,
    pub per_address: i64,
    pub count_all: bool,
}

pub const SIGN_IN: Throttle =
    Throttle { kind: AttemptKind::SignIn, per_account: MAX_FAILURES_PER_ACCOUNT, per_address: MAX_FAILURES_PER_ADDRESS, count_all: false };
/// Sign-ups refused because the email is taken: 10 per address, 3 per email — so "already
/// exists" cannot enumerate accounts at speed. (A taken email is found before any hashing; the
/// hashing of new accounts is bounded by the hash gate.)
pub const SIGN_UP: Throttle = Throttle { kind: AttemptKind::SignUp, per_account: 3, per_address: 10, count_all: false };
/// Password changes: 5 wrong current passwords per account, 20 per address.
pub const PASSWORD_CHANGE: Throttle = Throttle { kind: AttemptKind::PasswordChange, per_account: 5, per_address: 20, count_all: false };

pub async fn throttle(pool: &PgPool, rule: Throttle, email: &str, ip: &str) -> Result<(), AppError> {
    let window = THROTTLE_WINDOW.whole_seconds();
    let recent = db::accounts::recent_failures(pool, rule.kind, email, ip, window, rule.count_all).await?;
    let now = OffsetDateTime::now_utc();
    let wait = |oldest: Option<OffsetDateTime>| oldest.map(|t| (t + THROTTLE_WINDOW - now).whole_seconds().max(1) as u64).unwrap_or(1);
    if recent.by_email >= rule.per_account {
        return Err(AppError::RateLimited(wait(recent.oldest_by_email)));
    }
    if recent.by_ip >= rule.per_address {
        return Err(AppError::RateLimited(wait(recent.oldest_by_ip)));
    }
    Ok(())
}

/// Ends the session behind `token`.
pub async fn sign_out(pool: &PgPool, token: &str, meta: &RequestMeta) -> Result<(), AppError> {
    if let Some(user_id) = db::accounts::delete_session(pool, &token_hash(token)).await? {
        db::accounts::record_activity(pool, user_id, "signed_out", meta).await?;
    }
    Ok(())
}

/// The user behind a session token, if the session is live.
pub async fn user_for_token(pool: &PgPool, token: &str) -> Result<Option<CurrentUser>, AppError> {
    Ok(db::accounts::session_user(pool, &token_hash(token), IDLE_TIMEOUT.whole_seconds()).await?)
}

fn field(name: &str, message: &str) -> crate::error::FieldError {
    crate::error::FieldError { field: name.into(), message: message.into() }
}

// ---- The request at hand ----------------------------------------------------------------

/// Who sent the request: resolved once per request by the server's middleware
/// (`server::session::resolve`) and read by every page and server function of that request
/// through [`current_user`] — one session lookup per request, however many checks it makes.
#[derive(Clone, Debug)]
pub struct ResolvedSession(pub Result<Option<CurrentUser>, AppError>);

impl ResolvedSession {
    /// Looks up the session a request's cookie names (no query without a cookie).
    pub async fn of(pool: &PgPool, headers: &http::HeaderMap) -> ResolvedSession {
        ResolvedSession(match token_from_headers(headers) {
            Some(token) => user_for_token(pool, &token).await,
            None => Ok(None),
        })
    }
}

fn request_parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

/// The session token sent by the browser, if any.
pub fn request_token() -> Option<String> {
    token_from_headers(&request_parts()?.headers)
}

/// The session token in a request's `Cookie` headers, for plain Axum routes.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|cookies| {
        cookies.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_string())
        })
    })
}

/// Address and user agent of the request, for throttling and the activity log.
pub fn request_meta() -> RequestMeta {
    let Some(parts) = request_parts() else {
        return RequestMeta { ip: "unknown".into(), user_agent: String::new() };
    };
    let ip =
        parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into());
    let user_agent = parts.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect()).unwrap_or_default();
    RequestMeta { ip, user_agent }
}

fn set_cookie(value: String) {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(v) = http::HeaderValue::from_str(&value)
    {
        res.append_header(SET_COOKIE, v);
    }
}

pub fn set_session_cookie(token: &str) {
    let secure = use_context::<SessionSettings>().unwrap_or_default().secure_cookies;
    set_cookie(format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        ABSOLUTE_TIMEOUT.whole_seconds(),
        if secure { "; Secure" } else { "" }
    ));
}

pub fn clear_session_cookie() {
    set_cookie(format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
}

/// The signed-in user of this request, if any.
pub async fn current_user(pool: &PgPool) -> Result<Option<CurrentUser>, AppError> {
    if let Some(ResolvedSession(resolved)) = request_parts().and_then(|p| p.extensions.get::<ResolvedSession>().cloned()) {
        return resolved;
    }
    match request_token() {
        Some(token) => user_for_token(pool, &token).await,
        None => Ok(None),
    }
}

/// The signed-in user, or `Unauthenticated`.
pub async fn require_user(pool: &PgPool) -> Result<CurrentUser, AppError> {
    current_user(pool).await?.ok_or(AppError::Unauthenticated)
}

/// The signed-in user if they have `role`; `Unauthenticated` or `Forbidden` otherwise.
pub async fn require_role(pool: &PgPool, role: Role) -> Result<CurrentUser, AppError> {
    let user = require_user(pool).await?;
    if user.role == role { Ok(user) } else { Err(AppError::Forbidden) }
}
