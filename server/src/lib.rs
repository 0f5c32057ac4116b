//! The Paydesk HTTP server: Axum + leptos_axum serving the SSR pages, the server functions,
//! the static site and the operational routes. `main.rs` only reads the configuration and
//! starts it; tests build the same router with [`router`].
// The release build (without `--cfg erase_components`) names every page's whole view type
// while computing layouts; the default limit of 128 no longer holds them.
#![recursion_limit = "256"]

pub mod api;
pub mod assets;
pub mod callbacks;
pub mod config;
pub mod health;
pub mod images;
pub mod language;
pub mod live;
pub mod security;
pub mod session;
pub mod statements;
pub mod telemetry;
pub mod tls;

use axum::{Router, extract::FromRef, routing::get};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sqlx::{PgPool, postgres::PgPoolOptions};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use crate::config::Config;

/// What every request handler can reach: the Leptos options and the database pool.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub session: app::accounts::session::SessionSettings,
    pub orders: app::checkout::OrderSettings,
    pub provider: app::payments::provider::Provider,
    /// The shared secret provider callbacks are signed with.
    pub callback_secret: std::sync::Arc<[u8]>,
    /// The browsers connected to this instance's live channel.
    pub live: std::sync::Arc<live::LiveHub>,
    /// Where state-changing requests may come from besides the host they were sent to.
    pub origins: security::Origins,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Opens the pool (lazily: the server starts, and `/healthz` reports, even while Postgres is
/// still coming up).
pub fn pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(config.db_max_connections).acquire_timeout(config.db_acquire_timeout).connect_lazy(&config.database_url)
}

/// Applies the embedded migrations.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    app::db::MIGRATOR.run(pool).await
}

/// The app's routes, generated once per process. Generating them renders the app with resource
/// loading suppressed through a process-wide flag (leptos_server's `SuppressResourceLoad`), so a
/// page rendering anywhere in the process meanwhile would have its resources never load and hang
/// (leptos issue 4773). A server builds its router once before it serves, but tests and
/// benchmarks build several while others serve pages: with the list made once, under a lock that
/// every router build waits on, no page can be rendering while it is made.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let pool = state.pool.clone();
    let session = state.session;
    let orders = state.orders;
    let provider = state.provider.clone();
    // Password hashing's bounded concurrency, one gate per server.
    let hash_gate = std::sync::Arc::new(app::accounts::session::HashGate::for_this_machine());
    let provide_server_context = move || {
        // The page's script nonce, for its CSP header (see `security::page_csp_header`).
        if let (Some(parts), Some(nonce)) = (use_context::<axum::http::request::Parts>(), leptos::nonce::use_nonce())
            && let Some(slot) = parts.extensions.get::<security::NonceSlot>()
        {
            slot.set(nonce.to_string());
        }
        provide_context(pool.clone());
        provide_context(session);
        provide_context(orders);
        provide_context(provider.clone());
        provide_context(hash_gate.clone());
    };
    let options = state.leptos_options.clone();

    let https = state.session.secure_cookies;
    let origins = state.origins.clone();

    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/images/products/{id}", get(images::product_image))
        .route("/orders/{number}/refund-requests/{id}/photo", get(images::refund_photo))
        .route("/provider/callback", axum::routing::post(callbacks::provider_callback))
        .route("/live", get(live::live))
        .route("/merchant/statements.csv", get(statements::statement_csv))
        .nest("/api/v1", api::router(state.clone()))
        .route("/lang/{language}", get(language::switch))
        .leptos_routes_with_context(&state, routes, provide_server_context.clone(), move || app::shell(options.clone()))
        // Who is asking, looked up once per request (after the body checks below).
        .layer(axum::middleware::from_fn_with_state(state.pool.clone(), session::resolve))
        // Server-function forms: UTF-8, no control characters (checked before any handler).
        .layer(axum::middleware::from_fn(security::clean_form_text))
        // Every body above is small (forms, server-function arguments): 64 KiB at most.
        .layer(axum::middleware::from_fn(security::bounded_body))
        .layer(RequestBodyLimitLayer::new(security::BODY_LIMIT))
        .route(
            "/merchant/products/{id}/image",
            // The image upload reads its body through axum's multipart extractor: 3 MiB.
            axum::routing::post(images::upload_product_image).layer(axum::extract::DefaultBodyLimit::max(3 * 1024 * 1024)),
        )
        .route(
            "/orders/{number}/refund-requests/{id}/photo/upload",
            axum::routing::post(images::upload_refund_photo).layer(axum::extract::DefaultBodyLimit::max(3 * 1024 * 1024)),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(provide_server_context, app::shell))
        .layer(axum::middleware::from_fn_with_state(origins, security::same_origin))
        // A slow client cannot hold a request open: 10 s to send the body, 30 s for an answer.
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(10)))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(axum::middleware::from_fn(security::page_csp_header))
        .layer(axum::middleware::from_fn(security::no_store_for_users))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(security::DEFAULT_CSP)));
    // The static site on routes of its own, outside the page layers (sessions, CSP, no-store):
    // a bundle file is the same for everyone.
    router = router.merge(assets::routes(&state.leptos_options));
    for (name, value) in security::static_headers() {
        router = router.layer(SetResponseHeaderLayer::overriding(name, value));
    }
    if https {
        router = router.layer(SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(security::HSTS)));
    }
    router
        // Pages and server-function answers go out gzipped to browsers that accept it, at the
        // fastest level (they are small; the time matters more than the last bytes). The release
        // build precompresses CSS, JS and WASM (gzip and brotli), which are served as they are;
        // the live channel's event stream is left alone.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        // A panic anywhere in a request becomes a 500 with a reference id in the log, never a
        // dropped connection.
        .layer(security::catch_panics())
        .layer(telemetry::trace_layer())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
