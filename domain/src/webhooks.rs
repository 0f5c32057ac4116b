//! Webhooks' rules: which outbox events a merchant's systems are told of and under what type,
//! where an endpoint may point, and what happens after each try (deliver, try again later,
//! or stop). Pure functions: the sender in `backend::webhooks` only carries them out.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;
use time::OffsetDateTime;

use crate::Message;
use crate::live::LiveDetail;

/// How webhooks are sent. `Default` is the development mode's; production refuses plain HTTP
/// and private addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Plain `http://` and private or local addresses are accepted (development and tests).
    pub allow_insecure: bool,
    /// The first retry's delay; each further one doubles it (with jitter), up to `max_delay`.
    pub retry_base: Duration,
    pub max_delay: Duration,
    /// A delivery is tried for this long after its event, then given up.
    pub give_up_after: Duration,
    /// An endpoint that has only failed for this long is turned off (and its merchant told).
    pub disable_after: Duration,
    /// The receiver's time to answer one try.
    pub timeout: Duration,
    /// A refusal (4xx other than 408 and 429) is tried this many times in all, then given up.
    pub refusal_tries: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            allow_insecure: true,
            retry_base: Duration::from_secs(30),
            max_delay: Duration::from_secs(6 * 3600),
            give_up_after: Duration::from_secs(3 * 24 * 3600),
            disable_after: Duration::from_secs(3 * 24 * 3600),
            timeout: Duration::from_secs(10),
            refusal_tries: 3,
        }
    }
}

impl WebhookSettings {
    /// Production: HTTPS to public addresses only.
    pub fn production() -> Self {
        WebhookSettings { allow_insecure: false, ..Default::default() }
    }

    /// How long a sender holds a claimed delivery before another may take it over (a sender
    /// that crashed mid-try): longer than any try can last.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(1)
    }
}

/// The event types a merchant can subscribe to, in the order the console lists them.
pub const EVENT_TYPES: [&str; 15] = [
    "order.created",
    "order.paid",
    "order.cash_on_delivery",
    "order.shipped",
    "order.delivered",
    "order.delivered_cash_collected",
    "order.completed",
    "order.cancelled",
    "order.expired",
    "order.payment_request_withdrawn",
    "order.refunded",
    "order.refund_failed",
    "order.settled",
    "payment.attempt_failed",
    "payment.attempt_requires_verification",
];

/// The type of the test event ("send test event" in the console).
pub const TEST_EVENT_TYPE: &str = "webhook.test";

/// What an outbox event of a shop's merchant is, for their systems: its type and the object it
/// is about, or `None` for events that are not theirs to receive (notifications repeat order
/// events; tickets and qualification are the console's own business).
pub fn event_of(kind: &str, order_number: &str, detail: &LiveDetail) -> Option<(String, String)> {
    let event = detail.event.as_deref()?;
    let prefix = match kind {
        "order" => "order",
        "payment" => "payment",
        _ => return None,
    };
    let ty = format!("{prefix}.{event}");
    EVENT_TYPES.contains(&ty.as_str()).then(|| (ty, format!("order:{order_number}")))
}

/// The event types an endpoint wants: none ticked means every type.
pub fn parse_event_types(ticked: &[String]) -> Result<Vec<String>, Message> {
    let mut types = Vec::new();
    for t in ticked.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !EVENT_TYPES.contains(&t) {
            return Err(Message::ChooseFromList);
        }
        if !types.iter().any(|k: &String| k == t) {
            types.push(t.to_string());
        }
    }
    Ok(types)
}

/// Does an endpoint that asked for `types` want an event of type `ty`?
pub fn wants(types: &[String], ty: &str) -> bool {
    types.is_empty() || types.iter().any(|t| t == ty) || ty == TEST_EVENT_TYPE
}

/// An endpoint's address: absolute, `https://` (or `http://` when insecure addresses are
/// allowed), with a host, no user or password, no fragment, at most 2,000 characters; and in
/// production not a local or private address.
pub fn parse_endpoint_url(raw: &str, allow_insecure: bool) -> Result<String, Message> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Message::Required);
    }
    if raw.len() > 2000 {
        return Err(Message::TooLong { max: 2000 });
    }
    let url = url::Url::parse(raw).map_err(|_| Message::WebhookUrlFormat)?;
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or(Message::WebhookUrlFormat)?;
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(Message::WebhookUrlFormat);
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        "http" => return Err(Message::WebhookUrlNotHttps),
        _ => return Err(Message::WebhookUrlFormat),
    }
    if !allow_insecure && is_local_host(host) {
        return Err(Message::WebhookUrlPrivate);
    }
    Ok(url.to_string())
}

/// A host name or address that leads inside: `localhost`, loopback, private, link-local,
/// unspecified or unique-local addresses.
pub fn is_local_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(is_local_address)
}

/// An address that is not a public unicast one: loopback, private, shared (100.64/10),
/// link-local, "this network" (0/8), IETF protocol (192.0.0/24), benchmarking (198.18/15),
/// multicast, reserved (240/4); in IPv6 also unique-local, link-local, multicast, and every
/// form that embeds an IPv4 address (mapped, compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) —
/// judged by the embedded address.
pub fn is_local_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (b & 0xc0) == 64)
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b & 0xfe) == 18)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| IpAddr::V4(std::net::Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8));
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_local_address(IpAddr::V4(v4));
            }
            if s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                return is_local_address(embedded(s[6], s[7]));
            }
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_local_address(embedded(s[6], s[7]));
            }
            if s[0] == 0x2002 {
                return is_local_address(embedded(s[1], s[2]));
            }
            v6.is_loopback() || v6.is_unspecified() || v6.is_multicast() || (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Why a try got no answer, as stored and shown (each worded in the console's languages).
pub const TRY_ERRORS: [&str; 7] = ["timeout", "connect", "resolve", "private_address", "tls", "bad_address", "other"];

/// Keeps what a receiver answered printable: no NUL or other control characters but line
/// breaks and tabs, at most `max` characters.
pub fn printable_start(raw: &str, max: usize) -> String {
    raw.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').take(max).collect()
}

/// How one try ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryOutcome {
    /// The receiver answered with this status.
    Answered(u16),
    /// No answer: the connection failed or the time ran out.
    NoAnswer,
}

/// What to do with a delivery after a try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    Delivered,
    RetryAfter(Duration),
    GiveUp,
}

/// After try number `tries` (1 for the first) of a delivery whose event is `age` old: a 2xx
/// is delivered; network errors, timeouts, 5xx, 408 and 429 are tried again with exponential
/// back-off (`jitter` in 0..1 spreads retries of many deliveries apart) until `give_up_after`;
/// other answers (a refusal: the receiver will not change its mind) only `refusal_tries` times.
pub fn next_step(outcome: TryOutcome, tries: u32, age: Duration, jitter: f64, s: &WebhookSettings) -> NextStep {
    let retryable = match outcome {
        TryOutcome::Answered(code) if (200..300).contains(&code) => return NextStep::Delivered,
        TryOutcome::Answered(code) => code >= 500 || code == 408 || code == 429,
        TryOutcome::NoAnswer => true,
    };
    if !retryable && tries >= s.refusal_tries {
        return NextStep::GiveUp;
    }
    let delay = backoff(tries, jitter, s);
    if age + delay > s.give_up_after {
        return NextStep::GiveUp;
    }
    NextStep::RetryAfter(delay)
}

/// The delay after try `tries`: `retry_base × 2^(tries−1)`, capped, then between 75% and 125%
/// of that by `jitter`.
pub fn backoff(tries: u32, jitter: f64, s: &WebhookSettings) -> Duration {
    let doubled = s.retry_base.saturating_mul(1u32 << tries.saturating_sub(1).min(20));
    let capped = doubled.min(s.max_delay);
    capped.mul_f64(0.75 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// Should an endpoint that has been failing since `failing_since` be turned off at `now`?
pub fn should_disable(failing_since: Option<OffsetDateTime>, now: OffsetDateTime, s: &WebhookSettings) -> bool {
    failing_since.is_some_and(|since| now - since >= s.disable_after)
}

/// The `Paydesk-Signature` header's value: the time and one `v1=` per secret in use (two while
/// a rotated secret still signs). The hex signatures are computed by the caller (HMAC-SHA256 of
/// `"{t}.{body}"`).
pub fn signature_header(t: i64, signatures: &[String]) -> String {
    let mut header = format!("t={t}");
    for s in signatures {
        header.push_str(",v1=");
        header.push_str(s);
    }
    header
}

/// A webhook endpoint as the console shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    pub id: i64,
    pub url: String,
    pub event_types: Vec<String>,
    /// The secret's first characters ("whsec_ab12…"); the whole one only when asked for.
    pub secret_hint: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub previous_secret_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub failing_since: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
    /// "by_merchant" or "failing".
    pub disabled_reason: Option<String>,
    pub deliveries: Vec<DeliveryView>,
}

/// One delivery in an endpoint's log, with its tries (latest first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    /// `evt_<n>`, or `evt_test_<delivery>` for a test event.
    pub event_id: String,
    pub event_type: String,
    /// "pending", "delivered" or "failed".
    pub state: String,
    pub manual: bool,
    pub attempts: Vec<AttemptView>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_try_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub response_status: Option<u16>,
    /// The first bytes of the answer.
    pub response_start: String,
    /// What went wrong when no answer came.
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// A new endpoint, or a rotated secret: the secret in full, once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretShown {
    pub endpoint_id: i64,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> WebhookSettings {
        WebhookSettings { retry_base: Duration::from_secs(10), ..WebhookSettings::production() }
    }

    #[test]
    fn order_and_payment_events_have_types_and_objects_others_none() {
        let d = |e: &str| LiveDetail { event: Some(e.into()), ..Default::default() };
        assert_eq!(event_of("order", "PD-1", &d("shipped")), Some(("order.shipped".into(), "order:PD-1".into())));
        assert_eq!(event_of("payment", "PD-1", &d("attempt_failed")), Some(("payment.attempt_failed".into(), "order:PD-1".into())));
        assert_eq!(event_of("order", "PD-1", &d("something_new")), None);
        assert_eq!(event_of("notification", "PD-1", &d("paid")), None);
        assert_eq!(event_of("ticket", "PD-1", &LiveDetail::default()), None);
        assert_eq!(event_of("order", "PD-1", &LiveDetail::default()), None);
    }

    #[test]
    fn event_types_are_chosen_from_the_list() {
        assert_eq!(parse_event_types(&[]), Ok(vec![]));
        assert_eq!(parse_event_types(&["order.paid".into(), " order.paid ".into(), "".into()]), Ok(vec!["order.paid".to_string()]));
        assert_eq!(parse_event_types(&["order.eaten".into()]), Err(Message::ChooseFromList));
        assert!(wants(&[], "order.paid"));
        assert!(wants(&["order.paid".into()], "order.paid"));
        assert!(!wants(&["order.paid".into()], "order.shipped"));
        assert!(wants(&["order.paid".into()], TEST_EVENT_TYPE), "a test event reaches every endpoint");
    }

    #[test]
    fn endpoint_addresses() {
        assert_eq!(parse_endpoint_url(" https://erp.example.com/hooks?a=1 ", false), Ok("https://erp.example.com/hooks?a=1".into()));
        assert_eq!(parse_endpoint_url("", false), Err(Message::Required));
        assert_eq!(parse_endpoint_url("erp.example.com/hooks", false), Err(Message::WebhookUrlFormat));
        assert_eq!(parse_endpoint_url("ftp://erp.example.com/", false), Err(Message::WebhookUrlFormat));
        assert_eq!(parse_endpoint_url("https://user:pw@erp.example.com/", false), Err(Message::WebhookUrlFormat));
        assert_eq!(parse_endpoint_url("http://erp.example.com/", false), Err(Message::WebhookUrlNotHttps));
        assert_eq!(parse_endpoint_url("http://erp.example.com/", true), Ok("http://erp.example.com/".into()));
        for local in [
            "https://localhost/",
            "https://127.0.0.1:8443/",
            "https://10.1.2.3/",
            "https://192.168.0.9/",
            "https://169.254.169.254/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://100.64.0.1/",
            "https://[::ffff:10.0.0.1]/",
        ] {
            assert_eq!(parse_endpoint_url(local, false), Err(Message::WebhookUrlPrivate), "{local}");
            assert!(parse_endpoint_url(local, true).is_ok(), "{local}");
        }
        assert!(parse_endpoint_url("https://8.8.8.8/", false).is_ok());
        assert!(parse_endpoint_url("https://[2606:4700::1111]/", false).is_ok());
        assert!(parse_endpoint_url("https://[64:ff9b::808:808]/", false).is_ok(), "NAT64 of a public address");
        assert_eq!(parse_endpoint_url(&format!("https://e.com/{}", "a".repeat(2000)), false), Err(Message::TooLong { max: 2000 }));
    }

    #[test]
    fn tries_end_delivered_retried_or_given_up() {
        let young = Duration::from_secs(60);
        assert_eq!(next_step(TryOutcome::Answered(200), 1, young, 0.5, &s()), NextStep::Delivered);
        assert_eq!(next_step(TryOutcome::Answered(204), 9, young, 0.5, &s()), NextStep::Delivered);
        for retryable in
            [TryOutcome::NoAnswer, TryOutcome::Answered(500), TryOutcome::Answered(503), TryOutcome::Answered(408), TryOutcome::Answered(429)]
        {
            assert_eq!(next_step(retryable, 1, young, 0.5, &s()), NextStep::RetryAfter(Duration::from_secs(10)), "{retryable:?}");
            assert_eq!(next_step(retryable, 5, young, 0.5, &s()), NextStep::RetryAfter(Duration::from_secs(160)), "{retryable:?}");
            assert_eq!(next_step(retryable, 5, Duration::from_secs(3 * 24 * 3600 - 100), 0.5, &s()), NextStep::GiveUp, "three days at most");
        }
        // A refusal is tried a few times, then given up.
        assert_eq!(next_step(TryOutcome::Answered(400), 1, young, 0.5, &s()), NextStep::RetryAfter(Duration::from_secs(10)));
        assert_eq!(next_step(TryOutcome::Answered(410), 2, young, 0.5, &s()), NextStep::RetryAfter(Duration::from_secs(20)));
        assert_eq!(next_step(TryOutcome::Answered(404), 3, young, 0.5, &s()), NextStep::GiveUp);
        assert_eq!(next_step(TryOutcome::Answered(301), 3, young, 0.5, &s()), NextStep::GiveUp, "a redirect is not followed");
    }

    #[test]
    fn back_off_doubles_is_capped_and_jittered() {
        let s = s();
        assert_eq!(backoff(1, 0.0, &s), Duration::from_millis(7500));
        assert_eq!(backoff(1, 1.0, &s), Duration::from_millis(12500));
        assert_eq!(backoff(2, 0.5, &s), Duration::from_secs(20));
        assert_eq!(backoff(40, 0.5, &s), Duration::from_secs(6 * 3600), "capped, no overflow");
        let total: Duration = (1..=30).map(|n| backoff(n, 0.5, &s)).sum();
        assert!(total > Duration::from_secs(3 * 24 * 3600), "enough tries to span three days");
    }

    #[test]
    fn failing_endpoints_turn_off_after_the_set_time() {
        let now = OffsetDateTime::now_utc();
        assert!(!should_disable(None, now, &s()));
        assert!(!should_disable(Some(now - time::Duration::days(2)), now, &s()));
        assert!(should_disable(Some(now - time::Duration::days(3)), now, &s()));
    }

    #[test]
    fn answers_are_kept_printable() {
        assert_eq!(printable_start("ok\0\u{7}\nnext\tline", 100), "ok\nnext\tline");
        assert_eq!(printable_start("日本語のこたえ", 3), "日本語");
    }

    #[test]
    fn the_signature_header_carries_each_secret_in_use() {
        assert_eq!(signature_header(1700000000, &["ab".into()]), "t=1700000000,v1=ab");
        assert_eq!(signature_header(5, &["ab".into(), "cd".into()]), "t=5,v1=ab,v1=cd");
    }
}
