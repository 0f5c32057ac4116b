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
        (header::HeaderName::from_static("permissions-policy"), HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()")),
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

/// Server-function arguments (URL-encoded forms) are read here before any handler sees them:
/// a body that is not UTF-8 once decoded is refused with 400, and a field holding a control
/// character — NUL, which Postgres text cannot store, among them; only tab and line breaks are
/// let through, for the few fields that take several lines — is refused with 422 and a
/// message on that field. So no handler ever starts (and no provider is ever called) with
/// such input.
pub async fn clean_form_text(req: Request<Body>, next: Next) -> Response {
    let is_form = req.method() == Method::POST
        && req.uri().path().starts_with("/api/")
        && req.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response(),
    };
    match check_form(&bytes) {
        Ok(()) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(refused) => {
            let status = StatusCode::from_u16(refused.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
            let body = serde_json::to_string(&refused).unwrap_or_default();
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    }
}

/// The name a form field's error is shown under: `card[holder]` → `holder`.
fn field_name(key: &str) -> &str {
    key.rsplit('[').next().map(|k| k.trim_end_matches(']')).filter(|k| !k.is_empty()).unwrap_or(key)
}

fn decode(part: &[u8]) -> Option<String> {
    let spaced: Vec<u8> = part.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
    String::from_utf8(percent_encoding::percent_decode(&spaced).collect()).ok()
}

/// Checks a URL-encoded body: every key and value UTF-8, no control characters but tab and
/// line breaks.
pub fn check_form(body: &[u8]) -> Result<(), app::error::AppError> {
    use app::error::{AppError, FieldError};
    let mut errors: Vec<FieldError> = Vec::new();
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let mut halves = pair.splitn(2, |&b| b == b'=');
        let (key, value) = (halves.next().unwrap_or_default(), halves.next().unwrap_or_default());
        let (Some(key), Some(value)) = (decode(key), decode(value)) else {
            return Err(AppError::BadRequest("the form is not valid UTF-8 text".into()));
        };
        let bad = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
        if key.chars().any(bad) {
            return Err(AppError::BadRequest("a form field name holds a control character".into()));
        }
        if value.chars().any(bad) {
            let field = field_name(&key).to_string();
            if !errors.iter().any(|e| e.field == field) {
                errors.push(FieldError::new(field, domain::Message::ControlCharacter));
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// What belongs to a signed-in user or to a browser's guest cart — every page and
/// server-function answer of a request that carries a session or a guest cart's cookie, and
/// every server-function answer anyway — is never stored by a browser or a shared cache
/// (`Cache-Control: no-store`). Static assets stay cacheable.
pub async fn no_store_for_users(req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path();
    let private = path.starts_with("/api/")
        || path == "/live"
        || (!path.starts_with("/pkg/")
            && !path.starts_with("/images/")
            && (app::accounts::session::token_from_headers(req.headers()).is_some() || app::accounts::session::has_guest_cart(req.headers())));
    let mut response = next.run(req).await;
    if private {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The layer that turns a panic inside a request into a 500 answer: the panic is logged with a
/// fresh reference id, and the client gets the same opaque error as any internal failure.
pub fn catch_panics() -> tower_http::catch_panic::CatchPanicLayer<fn(Box<dyn std::any::Any + Send + 'static>) -> Response> {
    tower_http::catch_panic::CatchPanicLayer::custom(panic_response as fn(Box<dyn std::any::Any + Send + 'static>) -> Response)
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied()).unwrap_or("(no message)");
    // `internal` logs the detail under a new reference id.
    let error = app::error::AppError::internal(format!("panic while answering a request: {detail}"));
    let body = serde_json::to_string(&error).unwrap_or_default();
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "application/json")], body).into_response()
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
        .rfind(|v| !v.is_empty())
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

    #[test]
    fn forms_with_control_characters_or_bad_bytes_are_refused_per_field() {
        use app::error::AppError;
        assert_eq!(check_form(b"card[holder]=Li+Wei&card[number]=4242%204242"), Ok(()));
        assert_eq!(check_form(b"body=line+one%0D%0Aline+two%09tabbed"), Ok(()));
        assert_eq!(check_form(b""), Ok(()));
        let nul = check_form(b"card[holder]=Li%00Wei&card[kind]=credit_card").unwrap_err();
        assert_eq!(nul.message_for("holder"), Some(&domain::Message::ControlCharacter), "{nul:?}");
        assert!(matches!(check_form(b"title=bell%07&description=esc%1B"), Err(AppError::Validation(v)) if v.len() == 2));
        assert!(matches!(check_form(b"title=%FF%FE"), Err(AppError::BadRequest(_))));
        assert!(matches!(check_form(b"ti%00tle=x"), Err(AppError::BadRequest(_))));
        assert_eq!(field_name("address[line1]"), "line1");
        assert_eq!(field_name("email"), "email");
    }

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
