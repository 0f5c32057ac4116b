//! Account domain types. Each can only hold a valid value: parse once at the edge, then trust.

use crate::Message;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// A normalised (trimmed, lower-cased) email address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Message> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(Message::EmailMissing);
        }
        if email.len() > Self::MAX_LEN {
            return Err(Message::EmailTooLong);
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(Message::EmailInvalid);
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty() && local.len() <= 64 && !local.chars().any(|c| c.is_whitespace() || c == '@' || c.is_control());
        if !domain_ok || !local_ok {
            return Err(Message::EmailInvalid);
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = Message;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed at sign-up: long enough, not absurdly long. Its `Debug` prints nothing,
/// so it can never reach a log by accident; it is not `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, Message> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(Message::TooShort { min: Self::MIN_CHARS as u32 });
        }
        if n > Self::MAX_CHARS {
            return Err(Message::TooLong { max: Self::MAX_CHARS as u32 });
        }
        if raw.trim().is_empty() {
            return Err(Message::PasswordBlank);
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(********)")
    }
}

/// A language the product is offered in, as its BCP 47 tag ("en", "zh-CN").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Language {
    #[serde(rename = "en")]
    English,
    #[serde(rename = "zh-CN")]
    SimplifiedChinese,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::English, Language::SimplifiedChinese];

    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::SimplifiedChinese => "zh-CN",
        }
    }

    pub fn parse(tag: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.tag() == tag)
    }
}

/// What an account may do. One account has one role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Shopper,
    Merchant,
    Staff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Shopper => "shopper",
            Role::Merchant => "merchant",
            Role::Staff => "staff",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        match raw {
            "shopper" => Some(Role::Shopper),
            "merchant" => Some(Role::Merchant),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }

    /// Where this role lands after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Shopper => "/",
            Role::Merchant => "/merchant",
            Role::Staff => "/staff/reviews",
        }
    }
}

/// A page of this site to go to next (after signing in, say): a path that starts with one `/`.
/// Nothing that a browser could read as another site — `//evil.example`, `/\evil.example`
/// (browsers treat `\` as `/`), `https://…`, `javascript:…`. Visible ASCII only: no spaces or
/// control characters (browsers drop tabs and line breaks from URLs, so `/\t/evil` would become
/// `//evil`), and nothing a `Location` header cannot carry (other text comes percent-encoded).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LocalPath(String);

impl LocalPath {
    pub const MAX_LEN: usize = 1000;

    /// The path, or `None` for anything that is not a plain path on this site.
    pub fn parse(raw: &str) -> Option<LocalPath> {
        let mut chars = raw.chars();
        let local = chars.next() == Some('/') && chars.next() != Some('/');
        let clean = raw.chars().all(|c| c.is_ascii_graphic() && c != '\\');
        (local && clean && raw.len() <= Self::MAX_LEN).then(|| LocalPath(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path as a query parameter's value (`/signin?next=…`): percent-encoded but for the
    /// characters a query value may hold as they are, so `/checkout/7` stays readable.
    pub fn to_query_value(&self) -> String {
        let mut out = String::with_capacity(self.0.len());
        for b in self.0.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
}

/// Where an account lands after signing in or up (`new_account`): the page it was on its way
/// to when that is a page of this site ([`LocalPath`]), else its role's home. A new merchant
/// goes to its qualification whatever it was heading for: nothing else is open to it before.
pub fn landing(role: Role, next: Option<&str>, new_account: bool) -> String {
    if new_account && role == Role::Merchant {
        return "/merchant/qualification".into();
    }
    next.and_then(LocalPath::parse).map_or_else(|| role.home().to_string(), |p| p.0)
}

/// The signed-in user as the app sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: Email,
    pub role: Role,
}

/// Where a request came from, for throttling and the activity log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
}

/// One line of a user's account activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub kind: String,
    pub ip: String,
    pub user_agent: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One signed-in session, as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    pub ip: String,
    /// The browser's user agent.
    pub device: String,
    /// Is this the session making the request?
    pub current: bool,
}

/// `YYYY-MM-DD HH:MM UTC`, identical on server and browser.
pub fn format_utc(t: OffsetDateTime) -> String {
    format_at(t, 0)
}

/// The most a time zone is ahead of or behind UTC, in minutes (UTC+14, UTC−12).
pub const MAX_ZONE_MINUTES: i16 = 14 * 60;

/// A time on the reader's clock, 24-hour, with the zone it is in: `2026-11-30 17:30 UTC+8`
/// (`UTC` itself, `UTC+5:30`, `UTC-3`). `offset_minutes` is how far the reader's clock is
/// ahead of UTC; an offset no place on earth has counts as UTC.
pub fn format_at(t: OffsetDateTime, offset_minutes: i16) -> String {
    let minutes = if offset_minutes.unsigned_abs() <= MAX_ZONE_MINUTES.unsigned_abs() { offset_minutes } else { 0 };
    let offset = time::UtcOffset::from_whole_seconds(i32::from(minutes) * 60).unwrap_or(time::UtcOffset::UTC);
    let t = t.to_offset(offset);
    let zone = match (minutes / 60, (minutes % 60).abs()) {
        (0, 0) => "UTC".to_string(),
        (h, 0) => format!("UTC{h:+}"),
        (h, m) => format!("UTC{}{}:{m:02}", if minutes < 0 { '-' } else { '+' }, h.abs()),
    };
    format!("{}-{:02}-{:02} {:02}:{:02} {zone}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_round_trip_through_their_tags_and_nothing_else_parses() {
        for l in Language::ALL {
            assert_eq!(Language::parse(l.tag()), Some(l));
            assert_eq!(serde_json::to_string(&l).unwrap(), format!("\"{}\"", l.tag()));
        }
        for bad in ["", "zh", "zh-cn", "EN", "fr", "zh-CN; x"] {
            assert_eq!(Language::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn times_are_shown_on_the_readers_clock_with_their_zone() {
        let t = time::macros::datetime!(2026-11-30 23:45 UTC);
        assert_eq!(format_utc(t), "2026-11-30 23:45 UTC");
        assert_eq!(format_at(t, 0), "2026-11-30 23:45 UTC");
        assert_eq!(format_at(t, 480), "2026-12-01 07:45 UTC+8");
        assert_eq!(format_at(t, 330), "2026-12-01 05:15 UTC+5:30");
        assert_eq!(format_at(t, -180), "2026-11-30 20:45 UTC-3");
        assert_eq!(format_at(t, -570), "2026-11-30 14:15 UTC-9:30");
        // No place is 20 hours ahead: a forged cookie shows UTC, never a wrong clock.
        assert_eq!(format_at(t, 1200), "2026-11-30 23:45 UTC");
        assert_eq!(format_at(t, i16::MIN), "2026-11-30 23:45 UTC");
    }

    #[test]
    fn local_paths_are_paths_of_this_site_only() {
        for good in ["/", "/checkout/7", "/orders?page=2&x=%2F", "/search?q=%E7%BB%BF%E8%8C%B6", "/a/b/../c", "/@evil.example"] {
            assert_eq!(LocalPath::parse(good).map(|p| p.as_str().to_string()), Some(good.to_string()), "{good:?}");
        }
        for evil in [
            "",
            "//evil.example",
            "//evil.example/checkout",
            "/\\evil.example",
            "\\\\evil.example",
            "/x\\y",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,hi",
            "evil.example",
            "checkout/7",
            " /checkout/7",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "/\u{0}x",
            "/\u{2028}x",
            "/search?q=绿茶",
        ] {
            assert_eq!(LocalPath::parse(evil), None, "{evil:?}");
        }
        assert_eq!(LocalPath::parse(&format!("/{}", "a".repeat(LocalPath::MAX_LEN))), None, "too long");
    }

    #[test]
    fn local_paths_travel_in_a_query_value() {
        assert_eq!(LocalPath::parse("/checkout/7").unwrap().to_query_value(), "/checkout/7");
        assert_eq!(LocalPath::parse("/orders?page=2&q=a+b").unwrap().to_query_value(), "/orders%3Fpage%3D2%26q%3Da%2Bb");
        assert_eq!(LocalPath::parse("/search?q=%E7%BB%BF").unwrap().to_query_value(), "/search%3Fq%3D%25E7%25BB%25BF");
    }

    #[test]
    fn signing_in_lands_on_the_next_page_of_this_site_or_the_roles_home() {
        assert_eq!(landing(Role::Shopper, Some("/checkout/7"), false), "/checkout/7");
        assert_eq!(landing(Role::Shopper, Some("/checkout/7"), true), "/checkout/7");
        assert_eq!(landing(Role::Merchant, Some("/merchant/orders"), false), "/merchant/orders");
        assert_eq!(landing(Role::Merchant, Some("/checkout/7"), true), "/merchant/qualification", "a new merchant qualifies first");
        assert_eq!(landing(Role::Merchant, None, true), "/merchant/qualification");
        for (role, home) in [(Role::Shopper, "/"), (Role::Merchant, "/merchant"), (Role::Staff, "/staff/reviews")] {
            assert_eq!(landing(role, None, false), home);
            for evil in ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", ""] {
                assert_eq!(landing(role, Some(evil), false), home, "{evil:?}");
            }
        }
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse("  Ann.Lee@Example.COM ").unwrap().as_str(), "ann.lee@example.com");
        assert_eq!(Email::parse("a+tag@shop.co.uk").unwrap().as_str(), "a+tag@shop.co.uk");
    }

    #[test]
    fn malformed_emails_are_refused_with_a_message() {
        for bad in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@.example.com",
            "ann@example..com",
            "ann lee@example.com",
            "ann@exa mple.com",
            "a@b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err(), Message::EmailTooLong);
    }

    #[test]
    fn emails_deserialize_only_when_valid() {
        assert!(serde_json::from_str::<Email>("\"x@y.io\"").is_ok());
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }

    #[test]
    fn passwords_need_ten_to_128_characters() {
        assert!(NewPassword::parse("123456789").is_err());
        assert!(NewPassword::parse("1234567890").is_ok());
        assert!(NewPassword::parse("密码密码密码密码密码").is_ok(), "counted in characters, not bytes");
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert!(NewPassword::parse("          ").is_err());
    }

    #[test]
    fn passwords_never_print() {
        let p = NewPassword::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in [Role::Shopper, Role::Merchant, Role::Staff] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
