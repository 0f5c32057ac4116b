//! Accounts: sign-up and sign-in (throttled), sessions, password hashing behind a gate, and
//! account safety (change the password, sign out elsewhere). The web layer reads the request
//! (cookie, address) and hands over what it found.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
    rand_core::{OsRng, RngCore},
};

use crate::db::accounts::AttemptKind;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::Error;
use crate::db;
use domain::Message;
use domain::accounts::{CurrentUser, Email, Language, NewPassword, RequestMeta, Role};

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

/// A fresh session token (sent in the cookie) and its hash (stored).
pub struct NewSession {
    pub token: String,
    pub user: CurrentUser,
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// 32 random bytes, hex: a session's or a guest cart's token.
pub fn new_token() -> String {
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

/// Runs one password hash or check through the gate.
async fn gated<T: Send + 'static>(gate: &HashGate, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    let Ok(_admitted) = gate.admitted.try_acquire() else {
        tracing::warn!("password hashing queue full: refusing a request");
        return Err(Error::Busy(2));
    };
    let _running = gate.running.acquire().await.map_err(Error::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(Error::internal)
}

/// argon2id with the crate's default (OWASP-recommended) parameters, off the async threads.
pub async fn hash_password(gate: &HashGate, password: &NewPassword) -> Result<String, Error> {
    let password = password.expose().to_owned();
    gated(gate, move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(Error::internal)
}

/// Checks a password against a stored hash. With no hash (unknown email) a dummy hash is
/// checked instead, so that both cases take the same time. `Err` only when the server is too
/// busy hashing to check it now.
pub async fn verify_password(gate: &HashGate, hash: Option<String>, password: &str) -> Result<bool, Error> {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3yF0MEEE9Wc8oQNbnXmuQ7uLtX2I7oH5W3Cjbk7rC6s";
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY.to_string());
    let password = password.to_owned();
    let ok = gated(gate, move || {
        PasswordHash::new(&hash).map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()).unwrap_or(false)
    })
    .await?;
    Ok(ok && known)
}

/// Creates the staff account, or resets its password, from the start-up configuration.
pub async fn ensure_staff(pool: &PgPool, email: &str, password: &str) -> Result<i64, String> {
    let email = Email::parse(email).map_err(|m| format!("PAYDESK_STAFF_EMAIL: {m}"))?;
    let password = NewPassword::parse(password).map_err(|m| format!("PAYDESK_STAFF_PASSWORD: {m}"))?;
    let hash = hash_password(&HashGate::for_this_machine(), &password).await.map_err(|e| e.to_string())?;
    db::accounts::upsert_user(pool, &email, &hash, Role::Staff).await.map_err(|e| format!("creating the staff account: {e}"))
}

/// The language `user` reads the product in, kept with the account (it follows them to
/// another browser).
pub async fn remember_language(pool: &PgPool, user: &CurrentUser, language: Language) -> Result<(), Error> {
    Ok(db::accounts::set_language(pool, user.id, language).await?)
}

/// The language the account chose, if it did.
pub async fn language_of(pool: &PgPool, user: &CurrentUser) -> Result<Option<Language>, Error> {
    Ok(db::accounts::language(pool, user.id).await?)
}

/// Creates a session row for `user`.
pub async fn start_session(pool: &PgPool, user: CurrentUser, meta: &RequestMeta) -> Result<NewSession, Error> {
    let token = new_token();
    let expires_at = OffsetDateTime::now_utc() + ABSOLUTE_TIMEOUT;
    db::accounts::insert_session(pool, &token_hash(&token), user.id, expires_at, meta).await?;
    Ok(NewSession { token, user })
}

/// Signs up: validates, hashes, creates the user, records the activity and starts a session.
pub async fn sign_up(pool: &PgPool, gate: &HashGate, email: &str, password: &str, role: &str, meta: &RequestMeta) -> Result<NewSession, Error> {
    let mut errors = Vec::new();
    let email = Email::parse(email).map_err(|m| errors.push(field("email", m))).ok();
    let password = NewPassword::parse(password).map_err(|m| errors.push(field("password", m))).ok();
    let role = match Role::parse(role) {
        Some(r @ (Role::Shopper | Role::Merchant)) => Some(r),
        _ => {
            errors.push(field("role", Message::ChooseRole));
            None
        }
    };
    let (Some(email), Some(password), Some(role)) = (email, password, role) else {
        return Err(Error::Validation(errors));
    };
    let attempt = claim_attempt(pool, SIGN_UP, email.as_str(), &meta.ip).await?;
    // Taken before the hash: an already registered email costs no hashing.
    if db::accounts::user_by_email(pool, &email).await?.is_some() {
        return Err(Error::field("email", Message::EmailTaken));
    }
    let hash = unless_busy(pool, attempt, hash_password(gate, &password).await).await?;
    let mut tx = pool.begin().await?;
    let Some(user) = db::accounts::insert_user(&mut *tx, &email, &hash, role).await? else {
        return Err(Error::field("email", Message::EmailTaken));
    };
    db::accounts::attempt_succeeded(&mut *tx, attempt).await?;
    db::accounts::record_activity(&mut *tx, user.id, "signed_up", meta).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, role = role.as_str(), "signed up");
    start_session(pool, user, meta).await
}

/// Signs in, throttled per account and per address. A wrong password and an unknown email
/// get the same answer.
pub async fn sign_in(pool: &PgPool, gate: &HashGate, email: &str, password: &str, meta: &RequestMeta) -> Result<NewSession, Error> {
    let Ok(email) = Email::parse(email) else {
        return Err(Error::field("email", Message::SignInEmailMissing));
    };
    if password.is_empty() {
        return Err(Error::field("password", Message::PasswordMissing));
    }
    let attempt = claim_attempt(pool, SIGN_IN, email.as_str(), &meta.ip).await?;

    let found = db::accounts::user_by_email(pool, &email).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let ok = unless_busy(pool, attempt, verify_password(gate, hash, password).await).await?;
    if ok {
        db::accounts::attempt_succeeded(pool, attempt).await?;
    }
    match (ok, user) {
        (true, Some(user)) if db::accounts::is_frozen(pool, user.id).await? => Err(Error::Conflict(Message::AccountFrozen)),
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
        _ => Err(Error::field("password", Message::WrongCredentials)),
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

/// Checks the throttle and, if the attempt may go on, records it as failed until it proves
/// otherwise ([`db::accounts::attempt_succeeded`]); returns the attempt's id. Check and record
/// are one step under a lock per email and per address: a burst of concurrent attempts gets
/// exactly as many tries as the limits allow, however slow judging each one is.
pub async fn claim_attempt(pool: &PgPool, rule: Throttle, email: &str, ip: &str) -> Result<i64, Error> {
    let window = THROTTLE_WINDOW.whole_seconds();
    let mut tx = pool.begin().await?;
    db::accounts::lock_throttle(&mut tx, rule.kind, email, ip).await?;
    let recent = db::accounts::recent_failures(&mut *tx, rule.kind, email, ip, window, rule.count_all).await?;
    let now = OffsetDateTime::now_utc();
    let wait = |oldest: Option<OffsetDateTime>| oldest.map(|t| (t + THROTTLE_WINDOW - now).whole_seconds().max(1) as u64).unwrap_or(1);
    if recent.by_email >= rule.per_account {
        return Err(Error::RateLimited(wait(recent.oldest_by_email)));
    }
    if recent.by_ip >= rule.per_address {
        return Err(Error::RateLimited(wait(recent.oldest_by_ip)));
    }
    let attempt = db::accounts::record_attempt(&mut *tx, rule.kind, email, ip).await?;
    tx.commit().await?;
    Ok(attempt)
}

/// An attempt the server was too busy to judge does not count against anyone.
async fn unless_busy<T>(pool: &PgPool, attempt: i64, judged: Result<T, Error>) -> Result<T, Error> {
    if judged.is_err() {
        db::accounts::forget_attempt(pool, attempt).await?;
    }
    judged
}

/// Ends the session behind `token`.
pub async fn sign_out(pool: &PgPool, token: &str, meta: &RequestMeta) -> Result<(), Error> {
    if let Some(user_id) = db::accounts::delete_session(pool, &token_hash(token)).await? {
        db::accounts::record_activity(pool, user_id, "signed_out", meta).await?;
    }
    Ok(())
}

/// The user behind a session token, if the session is live.
pub async fn user_for_token(pool: &PgPool, token: &str) -> Result<Option<CurrentUser>, Error> {
    Ok(db::accounts::session_user(pool, &token_hash(token), IDLE_TIMEOUT.whole_seconds()).await?)
}

fn field(name: &str, message: Message) -> domain::FieldError {
    domain::FieldError::new(name, message)
}

// ---- Account safety ----------------------------------------------------------------------

/// Changes the password of `user`, whose current session is `token`: every other session
/// ends in the same transaction. Returns how many ended.
pub async fn change_password(
    pool: &PgPool,
    gate: &HashGate,
    user: &CurrentUser,
    token: &str,
    current: &str,
    new: &str,
    meta: &RequestMeta,
) -> Result<u64, Error> {
    if current.is_empty() {
        return Err(Error::field("current_password", Message::CurrentPasswordMissing));
    }
    let new = NewPassword::parse(new).map_err(|m| Error::field("new_password", m))?;
    if current == new.expose() {
        return Err(Error::field("new_password", Message::SamePassword));
    }
    let account = format!("user:{}", user.id);
    let attempt = claim_attempt(pool, PASSWORD_CHANGE, &account, &meta.ip).await?;
    let hash = db::accounts::password_hash(pool, user.id).await?;
    let right = unless_busy(pool, attempt, verify_password(gate, hash, current).await).await?;
    if right {
        db::accounts::attempt_succeeded(pool, attempt).await?;
    } else {
        return Err(Error::field("current_password", Message::WrongCurrentPassword));
    }
    let new_hash = hash_password(gate, &new).await?;
    let mut tx = pool.begin().await?;
    db::accounts::set_password(&mut *tx, user.id, &new_hash).await?;
    let ended = db::accounts::delete_other_sessions(&mut *tx, user.id, &token_hash(token)).await?;
    db::accounts::record_activity(&mut *tx, user.id, "password_changed", meta).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, ended, "password changed");
    Ok(ended)
}

/// Ends every session of `user` but the current one.
pub async fn sign_out_elsewhere(pool: &PgPool, user: &CurrentUser, token: &str, meta: &RequestMeta) -> Result<u64, Error> {
    let mut tx = pool.begin().await?;
    let ended = db::accounts::delete_other_sessions(&mut *tx, user.id, &token_hash(token)).await?;
    db::accounts::record_activity(&mut *tx, user.id, "signed_out_elsewhere", meta).await?;
    tx.commit().await?;
    Ok(ended)
}
