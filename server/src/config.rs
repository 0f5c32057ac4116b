//! Configuration from environment variables, read once at start-up.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | (required) | Postgres connection URL; `./paydesk run` starts a local cluster and sets it when unset |
//! | `LEPTOS_SITE_ADDR` | `127.0.0.1:3000` | address and port to listen on |
//! | `PAYDESK_DB_MAX_CONNECTIONS` | `10` | size of the connection pool |
//! | `PAYDESK_COOKIE_SECURE` | `false` | the app is reached over HTTPS (behind a TLS-terminating proxy): `Secure` session cookie and HSTS |
//! | `PAYDESK_TRUST_PROXY` | `false` | the app runs behind a proxy it trusts: the client address is taken from `X-Forwarded-For` / `X-Real-IP` |
//! | `PAYDESK_TLS_CERT`, `PAYDESK_TLS_KEY` | unset | PEM certificate chain and private key: the app serves HTTPS itself (implies `PAYDESK_COOKIE_SECURE`) |
//! | `PAYDESK_STAFF_EMAIL`, `PAYDESK_STAFF_PASSWORD` | unset | when both are set, the staff account is created (or its password reset) at start-up |
//! | `PAYDESK_PAYMENT_WINDOW_MINUTES` | `30` | how long a shopper has to pay a new order, and the default deadline of a payment request (1–1440) |
//! | `PAYDESK_REQUEST_MIN_MINUTES`, `PAYDESK_REQUEST_MAX_MINUTES` | `5`, `10080` | the limits a merchant may set a payment request's deadline within |
//! | `PAYDESK_COMPLETE_AFTER_HOURS` | `168` | a delivered order completes by itself after this many hours (0 = at the worker's next run) |
//! | `PAYDESK_VERIFICATION_TIMEOUT_MINUTES` | `10` | a payment waiting for its one-time code fails after this long (never later than the order's deadline plus 2 minutes) (1–60) |
//! | `PAYDESK_WORKER_INTERVAL_SECONDS` | `5` | how often the worker expires overdue orders, completes delivered ones and reconciles payments (1–3600) |
//! | `PAYDESK_PROVIDER` | `sandbox` | the payment provider |
//! | `PAYDESK_PROVIDER_SECRET` | `sandbox-callback-secret` | shared secret of the provider's signed callbacks (set a real one with a real provider) |
//! | `PAYDESK_SETTLE_AFTER_DAYS` | `7` | an order's money settles this many days after delivery, when no after-sales request is open on it (0–90) |
//! | `PAYDESK_MODE` | `development` | `production` refuses what only tests and demos need (the test clock) |
//! | `PAYDESK_PUBLIC_URL` | `http://<LEPTOS_SITE_ADDR>` | the address the provider's callbacks are sent to |
//! | `RUST_LOG` | `info,paydesk=debug,server=debug,app=debug` | log filter (tracing `EnvFilter` syntax) |

use std::time::Duration;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("DATABASE_URL is not set: point it at a Postgres database, or start the app with `./paydesk run`, which starts a local one")]
    MissingDatabaseUrl,
    #[error("DATABASE_URL must start with postgres:// or postgresql://")]
    BadDatabaseUrl,
    #[error("PAYDESK_DB_MAX_CONNECTIONS must be a whole number from 1 to 1000, got {0:?}")]
    BadPoolSize(String),
    #[error("{0} must be true or false, got {1:?}")]
    BadBool(&'static str, String),
    #[error("PAYDESK_MODE must be development or production, got {0:?}")]
    BadMode(String),
    #[error("set both PAYDESK_STAFF_EMAIL and PAYDESK_STAFF_PASSWORD, or neither")]
    HalfStaff,
    #[error("set both PAYDESK_TLS_CERT and PAYDESK_TLS_KEY, or neither")]
    HalfTls,
    #[error("PAYDESK_PAYMENT_WINDOW_MINUTES must be a whole number from 1 to 1440, got {0:?}")]
    BadPaymentWindow(String),
    #[error("{0} must be a whole number from {1} to {2}, got {3:?}")]
    OutOfRange(&'static str, i64, i64, String),
    #[error("PAYDESK_REQUEST_MIN_MINUTES must not exceed PAYDESK_REQUEST_MAX_MINUTES")]
    RequestLimits,
}

/// A whole number from the environment within `min..=max`, or `default` when unset.
fn number(lookup: &impl Fn(&str) -> Option<String>, key: &'static str, default: i64, min: i64, max: i64) -> Result<i64, ConfigError> {
    match lookup(key) {
        None => Ok(default),
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError::OutOfRange(key, min, max, raw)),
        },
    }
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub db_max_connections: u32,
    pub db_acquire_timeout: Duration,
    pub secure_cookies: bool,
    /// Take the client's address from the trusted proxy's forwarded headers.
    pub trust_proxy: bool,
    /// The certificate chain and key files when the app serves HTTPS itself.
    pub tls: Option<(String, String)>,
    /// The staff account to create at start-up: email and password.
    pub staff: Option<(String, String)>,
    pub payment_window_minutes: i64,
    pub request_min_minutes: i64,
    pub request_max_minutes: i64,
    pub complete_after_hours: i64,
    /// The merchant's time to answer a refund request before it is approved automatically
    /// (`PAYDESK_REFUND_ANSWER_MINUTES`, default 48 hours).
    pub refund_answer_minutes: i64,
    /// The merchant's time to confirm a return arrived before it is taken as received
    /// (`PAYDESK_RETURN_RECEIPT_MINUTES`, default 7 days).
    pub return_receipt_minutes: i64,
    pub verification_timeout_minutes: i64,
    pub worker_interval_seconds: u64,
    pub provider: String,
    pub provider_secret: String,
    pub public_url: Option<String>,
    pub settle_after_days: i64,
    /// `PAYDESK_MODE=production`.
    pub production: bool,
}

impl Config {
    /// Staff may move the platform's clock: only with the sandbox provider, never in production.
    pub fn test_clock(&self) -> bool {
        self.provider == "sandbox" && !self.production
    }
}

impl std::fmt::Debug for Config {
    // The URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &"<redacted>")
            .field("db_max_connections", &self.db_max_connections)
            .field("secure_cookies", &self.secure_cookies)
            .field("staff", &self.staff.as_ref().map(|(email, _)| email))
            .field("provider", &self.provider)
            .finish()
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = lookup("DATABASE_URL").filter(|v| !v.trim().is_empty()).ok_or(ConfigError::MissingDatabaseUrl)?;
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError::BadDatabaseUrl);
        }
        let db_max_connections = match lookup("PAYDESK_DB_MAX_CONNECTIONS") {
            None => 10,
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(n) if (1..=1000).contains(&n) => n,
                _ => return Err(ConfigError::BadPoolSize(raw)),
            },
        };
        let secure_cookies = match lookup("PAYDESK_COOKIE_SECURE").as_deref().map(str::trim) {
            None | Some("") | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => return Err(ConfigError::BadBool("PAYDESK_COOKIE_SECURE", other.to_string())),
        };
        let tls = match (lookup("PAYDESK_TLS_CERT"), lookup("PAYDESK_TLS_KEY")) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => return Err(ConfigError::HalfTls),
        };
        let secure_cookies = secure_cookies || tls.is_some();
        let trust_proxy = match lookup("PAYDESK_TRUST_PROXY").as_deref().map(str::trim) {
            None | Some("") | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => return Err(ConfigError::BadBool("PAYDESK_TRUST_PROXY", other.to_string())),
        };
        let staff = match (lookup("PAYDESK_STAFF_EMAIL"), lookup("PAYDESK_STAFF_PASSWORD")) {
            (Some(email), Some(password)) => Some((email, password)),
            (None, None) => None,
            _ => return Err(ConfigError::HalfStaff),
        };
        let payment_window_minutes = match lookup("PAYDESK_PAYMENT_WINDOW_MINUTES") {
            None => 30,
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if (1..=1440).contains(&n) => n,
                _ => return Err(ConfigError::BadPaymentWindow(raw)),
            },
        };
        let request_min_minutes = number(&lookup, "PAYDESK_REQUEST_MIN_MINUTES", 5, 1, 525_600)?;
        let request_max_minutes = number(&lookup, "PAYDESK_REQUEST_MAX_MINUTES", 10_080, 1, 525_600)?;
        if request_min_minutes > request_max_minutes {
            return Err(ConfigError::RequestLimits);
        }
        let complete_after_hours = number(&lookup, "PAYDESK_COMPLETE_AFTER_HOURS", 168, 0, 8_760)?;
        let verification_timeout_minutes = number(&lookup, "PAYDESK_VERIFICATION_TIMEOUT_MINUTES", 10, 1, 60)?;
        let refund_answer_minutes = number(&lookup, "PAYDESK_REFUND_ANSWER_MINUTES", 2_880, 1, 43_200)?;
        let return_receipt_minutes = number(&lookup, "PAYDESK_RETURN_RECEIPT_MINUTES", 10_080, 1, 129_600)?;
        let worker_interval_seconds = number(&lookup, "PAYDESK_WORKER_INTERVAL_SECONDS", 5, 1, 3_600)? as u64;
        let settle_after_days = number(&lookup, "PAYDESK_SETTLE_AFTER_DAYS", 7, 0, 90)?;
        let production = match lookup("PAYDESK_MODE").as_deref().map(str::trim) {
            None | Some("" | "development") => false,
            Some("production") => true,
            Some(other) => return Err(ConfigError::BadMode(other.to_string())),
        };
        Ok(Config {
            settle_after_days,
            production,
            database_url,
            request_min_minutes,
            request_max_minutes,
            complete_after_hours,
            refund_answer_minutes,
            return_receipt_minutes,
            verification_timeout_minutes,
            worker_interval_seconds,
            db_max_connections,
            db_acquire_timeout: Duration::from_secs(3),
            secure_cookies,
            trust_proxy,
            tls,
            staff,
            payment_window_minutes,
            provider: lookup("PAYDESK_PROVIDER").unwrap_or_else(|| "sandbox".into()),
            provider_secret: lookup("PAYDESK_PROVIDER_SECRET").unwrap_or_else(|| "sandbox-callback-secret".into()),
            public_url: lookup("PAYDESK_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_apply_when_only_the_database_is_given() {
        let c = from(&[("DATABASE_URL", "postgres://u@localhost/db")]).unwrap();
        assert_eq!(c.db_max_connections, 10);
    }

    #[test]
    fn a_missing_or_foreign_database_url_is_refused_clearly() {
        assert_eq!(from(&[]).unwrap_err(), ConfigError::MissingDatabaseUrl);
        assert_eq!(from(&[("DATABASE_URL", "  ")]).unwrap_err(), ConfigError::MissingDatabaseUrl);
        assert_eq!(from(&[("DATABASE_URL", "mysql://x")]).unwrap_err(), ConfigError::BadDatabaseUrl);
    }

    #[test]
    fn pool_size_is_bounded() {
        let url = ("DATABASE_URL", "postgresql://u@h/d");
        assert_eq!(from(&[url, ("PAYDESK_DB_MAX_CONNECTIONS", "25")]).unwrap().db_max_connections, 25);
        for bad in ["0", "-1", "lots", "1001"] {
            assert_eq!(from(&[url, ("PAYDESK_DB_MAX_CONNECTIONS", bad)]).unwrap_err(), ConfigError::BadPoolSize(bad.into()));
        }
    }

    #[test]
    fn debug_output_hides_the_database_url_and_the_staff_password() {
        let c = from(&[
            ("DATABASE_URL", "postgres://u:secret@h/d"),
            ("PAYDESK_STAFF_EMAIL", "staff@example.com"),
            ("PAYDESK_STAFF_PASSWORD", "hunter2hunter2"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("secret") && !shown.contains("hunter2"));
        assert!(shown.contains("staff@example.com"));
    }

    #[test]
    fn staff_needs_both_email_and_password() {
        let url = ("DATABASE_URL", "postgres://h/d");
        assert_eq!(from(&[url, ("PAYDESK_STAFF_EMAIL", "a@b.co")]).unwrap_err(), ConfigError::HalfStaff);
        assert_eq!(from(&[url]).unwrap().staff, None);
    }

    #[test]
    fn deadlines_and_the_worker_are_bounded() {
        let url = ("DATABASE_URL", "postgres://h/d");
        let c = from(&[url]).unwrap();
        assert_eq!((c.request_min_minutes, c.request_max_minutes, c.complete_after_hours, c.worker_interval_seconds), (5, 10_080, 168, 5));
        let c = from(&[url, ("PAYDESK_REQUEST_MIN_MINUTES", "1"), ("PAYDESK_WORKER_INTERVAL_SECONDS", "1")]).unwrap();
        assert_eq!((c.request_min_minutes, c.worker_interval_seconds), (1, 1));
        assert!(matches!(from(&[url, ("PAYDESK_WORKER_INTERVAL_SECONDS", "0")]), Err(ConfigError::OutOfRange(..))));
        assert_eq!(
            from(&[url, ("PAYDESK_REQUEST_MIN_MINUTES", "60"), ("PAYDESK_REQUEST_MAX_MINUTES", "30")]).unwrap_err(),
            ConfigError::RequestLimits
        );
    }

    #[test]
    fn tls_needs_both_files_and_implies_secure_cookies() {
        let url = ("DATABASE_URL", "postgres://h/d");
        assert_eq!(from(&[url, ("PAYDESK_TLS_CERT", "cert.pem")]).unwrap_err(), ConfigError::HalfTls);
        let c = from(&[url, ("PAYDESK_TLS_CERT", "cert.pem"), ("PAYDESK_TLS_KEY", "key.pem")]).unwrap();
        assert!(c.secure_cookies);
        assert_eq!(c.tls, Some(("cert.pem".into(), "key.pem".into())));
    }

    #[test]
    fn secure_cookies_is_a_boolean() {
        let url = ("DATABASE_URL", "postgres://h/d");
        assert!(from(&[url, ("PAYDESK_COOKIE_SECURE", "true")]).unwrap().secure_cookies);
        assert!(!from(&[url]).unwrap().secure_cookies);
        assert_eq!(from(&[url, ("PAYDESK_COOKIE_SECURE", "yes")]).unwrap_err(), ConfigError::BadBool("PAYDESK_COOKIE_SECURE", "yes".into()));
    }
}
