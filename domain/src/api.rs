//! The merchant API's vocabulary: API keys (what a key may do, its name, the shape of the
//! secret and of its visible prefix), the rate limit's window, and the error object every
//! `/api/v1` answer carries when it refuses.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::Message;

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiScope {
    /// Read orders, balances, payouts, statements and events.
    Read,
    /// Also request payments, ship, refund.
    ReadWrite,
}

impl ApiScope {
    pub const ALL: [ApiScope; 2] = [ApiScope::Read, ApiScope::ReadWrite];
    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::Read => "read",
            ApiScope::ReadWrite => "read_write",
        }
    }
    pub fn parse(raw: &str) -> Option<ApiScope> {
        ApiScope::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }
    pub fn may_write(self) -> bool {
        self == ApiScope::ReadWrite
    }
}

/// A key's name, as its owner typed it: 1 to 60 characters on one line.
pub fn parse_key_name(raw: &str) -> Result<String, Message> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Message::Required);
    }
    if name.chars().count() > 60 {
        return Err(Message::TooLong { max: 60 });
    }
    if name.chars().any(char::is_control) {
        return Err(Message::OneLine { max: 60 });
    }
    Ok(name.to_string())
}

/// Keys read `pdk_<8 prefix characters>_<32 secret characters>`; the prefix is stored and
/// shown, the whole key only as a hash.
pub const KEY_PREFIX: &str = "pdk_";

/// The visible part of a presented key (`pdk_ab12cd34`), when it has the right shape.
pub fn key_prefix(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let fine = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (fine(id, 8) && fine(secret, 32)).then(|| &key[..KEY_PREFIX.len() + 8])
}

/// The bearer token of an `Authorization` header.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// A key as its owner sees it in the console: never its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scope: ApiScope,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A key just created: the only time its whole secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub key: String,
    pub view: ApiKeyView,
}

/// One request made with a key, for its owner's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRequestView {
    pub key_prefix: String,
    pub method: String,
    pub route: String,
    pub status: u16,
    pub at: OffsetDateTime,
}

/// Requests per key per minute.
pub const RATE_LIMIT_PER_MINUTE: i64 = 120;

/// Where a key stands in its minute: whether this request may go on, how many are left and in
/// how many seconds the window starts again (the `RateLimit-*` headers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateState {
    pub allowed: bool,
    pub limit: i64,
    pub remaining: i64,
    pub reset_secs: i64,
}

/// `count` is this request's number within the minute that started `elapsed_secs` ago.
pub fn rate_state(count: i64, elapsed_secs: i64, limit: i64) -> RateState {
    RateState { allowed: count <= limit, limit, remaining: (limit - count).max(0), reset_secs: (60 - elapsed_secs).clamp(1, 60) }
}

/// The error object of every refused `/api/v1` request: a stable code, a message in English,
/// and the field it is about (if any).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_one_shape_and_a_visible_prefix() {
        let key = "pdk_ab12cd34_0123456789abcdefghijklmnopqrstuv";
        assert_eq!(key_prefix(key), Some("pdk_ab12cd34"));
        for bad in [
            "",
            "pdk_",
            "pdk_ab12cd34",
            "pdk_AB12CD34_0123456789abcdefghijklmnopqrstuv",
            "sk_ab12cd34_0123456789abcdefghijklmnopqrstuv",
            "pdk_ab12cd34_short",
        ] {
            assert_eq!(key_prefix(bad), None, "{bad:?}");
        }
        assert_eq!(bearer("Bearer pdk_x"), Some("pdk_x"));
        assert_eq!(bearer("bearer   pdk_x "), Some("pdk_x"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }

    #[test]
    fn names_and_scopes_are_checked() {
        assert_eq!(parse_key_name("  ERP sync "), Ok("ERP sync".into()));
        assert_eq!(parse_key_name(""), Err(Message::Required));
        assert_eq!(parse_key_name(&"x".repeat(61)), Err(Message::TooLong { max: 60 }));
        assert_eq!(parse_key_name("a\nb"), Err(Message::OneLine { max: 60 }));
        assert_eq!(ApiScope::parse("read_write"), Some(ApiScope::ReadWrite));
        assert_eq!(ApiScope::parse("admin"), None);
        assert!(!ApiScope::Read.may_write());
    }

    #[test]
    fn the_rate_window_counts_down_and_refuses_past_the_limit() {
        assert_eq!(rate_state(1, 0, 120), RateState { allowed: true, limit: 120, remaining: 119, reset_secs: 60 });
        assert_eq!(rate_state(120, 59, 120), RateState { allowed: true, limit: 120, remaining: 0, reset_secs: 1 });
        assert!(!rate_state(121, 30, 120).allowed);
        assert_eq!(rate_state(500, 75, 120).reset_secs, 1);
    }
}
