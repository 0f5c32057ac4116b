//! Signed callbacks from a provider: `Paydesk-Signature: t=<unix seconds>,v1=<hex>` where v1 is
//! HMAC-SHA256 over `"<t>.<body>"` with the shared secret. Signatures older than five minutes
//! are refused (replay protection); comparison is constant-time; events are deduplicated by id
//! by the receiver.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "paydesk-signature";
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is missing or malformed")]
    Malformed,
    #[error("the signature is older than five minutes")]
    Stale,
    #[error("the signature does not match the body")]
    Mismatch,
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` (one `v1=` value).
pub fn signature_hex(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    mac(secret, timestamp, body).finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The header value for `body` signed at `timestamp`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", signature_hex(secret, timestamp, body))
}

/// Checks a signature header against `body` at time `now`. The header may carry several `v1=`
/// values (a sender whose secret is being rotated signs with both): one matching is enough.
pub fn verify(secret: &[u8], header: &str, body: &[u8], now: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.extend(decode_hex(v)),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp.filter(|_| !signatures.is_empty()) else {
        return Err(SignatureError::Malformed);
    };
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, timestamp, body);
    if signatures.iter().any(|s| expected.clone().verify_slice(s).is_ok()) { Ok(()) } else { Err(SignatureError::Mismatch) }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1","reference":"ch_1","status":"succeeded"}"#;

    #[test]
    fn a_valid_signature_passes() {
        let header = sign(SECRET, 1_800_000_000, BODY);
        assert_eq!(verify(SECRET, &header, BODY, 1_800_000_010), Ok(()));
    }

    #[test]
    fn the_wrong_secret_fails() {
        let header = sign(b"another secret", 1_800_000_000, BODY);
        assert_eq!(verify(SECRET, &header, BODY, 1_800_000_000), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_tampered_body_fails() {
        let header = sign(SECRET, 1_800_000_000, BODY);
        let tampered = br#"{"id":"evt_1","reference":"ch_1","status":"succeeded","amount":1}"#;
        assert_eq!(verify(SECRET, &header, tampered, 1_800_000_000), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_stale_or_future_timestamp_fails() {
        let header = sign(SECRET, 1_800_000_000, BODY);
        assert_eq!(verify(SECRET, &header, BODY, 1_800_000_301), Err(SignatureError::Stale));
        assert_eq!(verify(SECRET, &header, BODY, 1_799_999_600), Err(SignatureError::Stale));
        assert_eq!(verify(SECRET, &header, BODY, 1_800_000_300), Ok(()));
    }

    #[test]
    fn a_replayed_signature_with_a_new_timestamp_fails() {
        let header = sign(SECRET, 1_800_000_000, BODY);
        let v1 = header.split_once(",v1=").unwrap().1;
        let moved = format!("t=1800000200,v1={v1}");
        assert_eq!(verify(SECRET, &moved, BODY, 1_800_000_200), Err(SignatureError::Mismatch));
    }

    #[test]
    fn malformed_headers_fail() {
        for header in ["", "t=abc,v1=00", "v1=0011", "t=1800000000", "t=1800000000,v1=zz"] {
            assert_eq!(verify(SECRET, header, BODY, 1_800_000_000), Err(SignatureError::Malformed), "{header:?}");
        }
    }
}
