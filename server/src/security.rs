//! Browser and transport hardening, on every response and request:
//!
//! - security headers: `X-Content-Type-Options`, `Referrer-Policy`, `X-Frame-Options`,
//!   `Cross-Origin-Opener-Policy`, `Permissions-Policy`, a strict default
//!   `Content-Security-Policy` (pages replace it with one carrying their script nonce, see
//!   `app::shell`), and `Strict-Transport-Security` when served over HTTPS;
//! - cross-site request refusal: a state-changing request whose `Origin` (or, without one,
//!   `Sec-Fetch-Site`) says it came from another site is refused, whatever the cookies allow;
//! - request body size limits and time limits (set where the router is built).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A page's CSP: only the app's own scripts run — the hydration script and the resources' data
/// scripts carry this response's nonce — plus the WASM they load; styles, images, fetches and
/// the live channel come from the app's own origin; no framing.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Where the page being rendered leaves its script nonce (Leptos makes one per response) for
/// [`page_csp_header`] to put in the response's CSP.
#[derive(Clone, Default)]
pub struct NonceSlot(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl NonceSlot {
    pub fn set(&self, nonce: String) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(nonce);
    }
    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Gives every request a [`NonceSlot`]; an HTML answer whose rendering filled it gets the
/// page CSP with that nonce.
pub async fn page_csp_header(mut req: Request<Body>, next: Next) -> Response {
    let slot = NonceSlot::default();
    req.extensions_mut().insert(slot.clone());
    let mut res = next.run(req).await;
    let is_html = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if let Some(nonce) = slot.take().filter(|_| is_html)
        && let Ok(value) = HeaderValue::from_str(&page_csp(&nonce))
    {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    res
}

/// The CSP of everything that is not a page: nothing may run, nothing may frame it.
pub const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Headers added to every response.
pub fn static_headers() -> [(header::HeaderName, HeaderValue); 5] {
    [
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
        (
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
        ),
    ]
}

/// HSTS, sent when the app is served over HTTPS (itself or behind a TLS-terminating proxy).
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Where requests may come from: the host they were sent to, and the public URL if configured.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    /// `scheme://host[:port]` of `PAYDESK_PUBLIC_URL`, when set.
    pub public: Option<String>,
}

/// `scheme://host[:port]` of a URL.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// Is this request one that another site made the browser send?
fn is_cross_site(req: &Request<Body>, origins: &Origins) -> bool {
    let headers = req.headers();
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => {
            let Some(origin) = origin_of(origin) else { return true }; // "null" and garbage
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
            let same_host = origin.split_once("://").is_some_and(|(_, h)| h == host);
            !(same_host || origins.public.as_deref() == Some(origin.as_str()))
        }
        // No Origin: older browsers, or not a browser. Fetch metadata still tells.
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site"),
    }
}

/// Refuses state-changing requests from other sites (CSRF), before anything reads them. The
/// provider's callbacks are server-to-server and carry their own signature.
pub async fn same_origin(State(origins): State<Origins>, req: Request<Body>, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && req.uri().path() != "/provider/callback" && is_cross_site(&req, &origins) {
        tracing::warn!(path = %req.uri().path(), "refused a cross-site request");
        return (StatusCode::FORBIDDEN, "This request came from another site and was refused.").into_response();
    }
    next.run(req).await
}

/// The largest body of a server function or form: 64 KiB.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A body sent without a length (chunked) is read here, up to [`BODY_LIMIT`], so that an
/// oversized one is refused with 413 like one that declares its length (which
/// `RequestBodyLimitLayer` refuses before reading), never cut off inside a handler.
pub async fn bounded_body(req: Request<Body>, next: Next) -> Response {
    if req.headers().contains_key(header::CONTENT_LENGTH) || matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(_) => (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response(),
    }
}

/// The client's address as a trusted proxy reports it: the last `X-Forwarded-For` entry (the
/// one the proxy itself appended), or `X-Real-IP`.
pub fn forwarded_client(headers: &axum::http::HeaderMap) -> Option<std::net::IpAddr> {
    let from_xff = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .last()
        .and_then(|v| v.parse().ok());
    from_xff.or_else(|| headers.get("x-real-ip")?.to_str().ok()?.trim().parse().ok())
}

/// Behind a trusted TLS-terminating proxy (`PAYDESK_TRUST_PROXY=true`): the address the app
/// throttles and records is the client's, not the proxy's.
pub async fn use_forwarded_client(mut req: Request<Body>, next: Next) -> Response {
    if let Some(ip) = forwarded_client(req.headers()) {
        req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(ip, 0)));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, headers: &[(&str, &str)]) -> Request<Body> {
        let mut b = Request::builder().method(method).uri("/api/pay_order");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn the_client_is_the_address_the_proxy_appended() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(forwarded_client(&h), None);
        h.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1, 203.0.113.7"));
        assert_eq!(forwarded_client(&h), Some("203.0.113.7".parse().unwrap()));
        h.insert("x-forwarded-for", HeaderValue::from_static("garbage"));
        h.insert("x-real-ip", HeaderValue::from_static("198.51.100.2"));
        assert_eq!(forwarded_client(&h), Some("198.51.100.2".parse().unwrap()));
    }

    #[test]
    fn origins_are_compared_by_scheme_host_and_port() {
        assert_eq!(origin_of("https://Shop.Example.com:8443/x?y").as_deref(), Some("https://shop.example.com:8443"));
        assert_eq!(origin_of("null"), None);
        let none = Origins::default();
        let public = Origins { public: Some("https://pay.example.com".into()) };
        let host = ("host", "127.0.0.1:3000");
        assert!(!is_cross_site(&req(Method::POST, &[host, ("origin", "http://127.0.0.1:3000")]), &none));
        assert!(is_cross_site(&req(Method::POST, &[host, ("origin", "https://evil.example")]), &none));
        assert!(is_cross_site(&req(Method::POST, &[host, ("origin", "null")]), &none));
        assert!(is_cross_site(&req(Method::POST, &[host, ("origin", "http://127.0.0.1:3001")]), &none));
        assert!(!is_cross_site(&req(Method::POST, &[host, ("origin", "https://pay.example.com")]), &public));
        assert!(is_cross_site(&req(Method::POST, &[host, ("sec-fetch-site", "cross-site")]), &none));
        assert!(!is_cross_site(&req(Method::POST, &[host, ("sec-fetch-site", "same-origin")]), &none));
        assert!(!is_cross_site(&req(Method::POST, &[host]), &none), "no browser signals: not a browser");
    }
}
