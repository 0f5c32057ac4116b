//! HTTPS served by the app itself: a TLS listener (rustls, with the `ring` provider) for
//! `axum::serve`, given a PEM certificate chain and private key (`PAYDESK_TLS_CERT`,
//! `PAYDESK_TLS_KEY`). Behind a TLS-terminating proxy instead, leave these unset and set
//! `PAYDESK_COOKIE_SECURE=true` (see the README).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, ServerConfig};

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A TLS acceptor from PEM files; the error says which file is wrong and how.
pub fn acceptor(cert_path: &str, key_path: &str) -> Result<TlsAcceptor, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
        .map_err(|e| format!("PAYDESK_TLS_CERT {cert_path}: {e}"))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("PAYDESK_TLS_CERT {cert_path}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("PAYDESK_TLS_CERT {cert_path}: no certificate in the file"));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| format!("PAYDESK_TLS_KEY {key_path}: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("TLS certificate and key do not fit together: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A listener whose connections are TLS streams. Handshakes that fail or take too long are
/// dropped without stopping the server.
pub struct TlsListener {
    pub tcp: TcpListener,
    pub acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.tcp.accept().await {
                Ok(conn) => conn,
                Err(err) => {
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(stream)).await {
                Ok(Ok(tls)) => return (tls, addr),
                Ok(Err(err)) => tracing::debug!(%addr, error = %err, "TLS handshake failed"),
                Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// The client's address on a TLS connection. The app reads `ConnectInfo<SocketAddr>` (for
/// throttling and the activity log); [`expose_client_addr`] provides it from this.
#[derive(Clone, Copy, Debug)]
pub struct TlsClientAddr(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>> for TlsClientAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> Self {
        TlsClientAddr(*stream.remote_addr())
    }
}

pub async fn expose_client_addr(mut req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::extract::ConnectInfo;
    if let Some(ConnectInfo(TlsClientAddr(addr))) = req.extensions().get::<ConnectInfo<TlsClientAddr>>().copied() {
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    next.run(req).await
}
