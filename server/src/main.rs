//! `paydesk`: reads the configuration, applies migrations and serves the app until Ctrl-C or
//! SIGTERM.

use leptos::prelude::get_configuration;

/// See `server/benches/hashing.rs`: with glibc's allocator a hashing flood left the process
/// hundreds of MB larger for good.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use server::{AppState, config::Config};

#[tokio::main]
async fn main() {
    server::telemetry::init();
    if let Err(message) = run().await {
        tracing::error!("{message}");
        eprintln!("paydesk: {message}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let leptos = get_configuration(None).map_err(|e| format!("Leptos configuration: {e}"))?;
    let leptos_options = server::assets::with_hashed_names(leptos.leptos_options);
    let addr = leptos_options.site_addr;

    let pool = server::pool(&config).map_err(|e| format!("database URL: {e}"))?;
    server::migrate(&pool).await.map_err(|e| format!("applying migrations: {e}"))?;
    tracing::info!("migrations applied");
    // Images uploaded before they were resized: resized in the background (a request for one
    // resizes it first if it comes sooner).
    tokio::spawn({
        let pool = pool.clone();
        async move {
            match backend::catalog::resize_pending(&pool).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(images = n, "earlier product images resized"),
                Err(err) => tracing::warn!(error = %err, "resizing earlier product images"),
            }
        }
    });

    if let Some((email, password)) = &config.staff {
        app::accounts::session::ensure_staff(&pool, email, password).await?;
        tracing::info!(%email, "staff account ready");
    }

    let session = app::accounts::session::SessionSettings { secure_cookies: config.secure_cookies };
    let orders = app::checkout::OrderSettings {
        payment_window_minutes: config.payment_window_minutes,
        request_min_minutes: config.request_min_minutes,
        request_max_minutes: config.request_max_minutes,
        complete_after_hours: config.complete_after_hours,
        verification_timeout_minutes: config.verification_timeout_minutes,
        after_sales: domain::refunds::AfterSalesSettings {
            answer_minutes: config.refund_answer_minutes,
            receipt_minutes: config.return_receipt_minutes,
        },
        settle_after_days: config.settle_after_days,
        test_clock: config.test_clock(),
        webhooks: if config.production { domain::webhooks::WebhookSettings::production() } else { Default::default() },
    };
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let callbacks = app::payments::provider::CallbackTarget {
        url: format!("{public_url}/provider/callback"),
        secret: config.provider_secret.as_bytes().to_vec(),
    };
    let provider = app::payments::provider::from_config(&config.provider, pool.clone(), Some(callbacks))?;
    let callback_secret = config.provider_secret.as_bytes().into();
    let interval = std::time::Duration::from_secs(config.worker_interval_seconds);
    tokio::spawn(backend::worker::run(pool.clone(), provider.clone(), orders, interval));
    let live = std::sync::Arc::new(server::live::LiveHub::default());
    let origins = server::security::Origins { public: config.public_url.as_deref().and_then(server::security::origin_of) };
    server::live::spawn_listener(pool.clone(), live.clone());
    tokio::spawn(backend::webhooks::run(pool.clone(), orders.webhooks));
    let app =
        server::router(AppState { leptos_options, pool: pool.clone(), session, orders, provider, callback_secret, live: live.clone(), origins });
    let listener = tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let app = if config.trust_proxy { app.layer(axum::middleware::from_fn(server::security::use_forwarded_client)) } else { app };
    let stop = async move {
        shutdown_signal().await;
        // Live streams never end by themselves: end them so that the server can stop.
        live.close();
    };
    match &config.tls {
        Some((cert, key)) => {
            let acceptor = server::tls::acceptor(cert, key)?;
            tracing::info!("listening on https://{addr}");
            let app = app
                .layer(axum::middleware::from_fn(server::tls::expose_client_addr))
                .into_make_service_with_connect_info::<server::tls::TlsClientAddr>();
            axum::serve(server::tls::TlsListener { tcp: listener, acceptor }, app)
                .with_graceful_shutdown(stop)
                .await
                .map_err(|e| format!("server: {e}"))?;
        }
        None => {
            tracing::info!("listening on http://{addr}");
            let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).with_graceful_shutdown(stop).await.map_err(|e| format!("server: {e}"))?;
        }
    }
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
