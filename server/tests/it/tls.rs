//! HTTPS served by the app itself: with a certificate and key it answers over TLS (with HSTS),
//! and a wrong file is refused at start-up with a clear message.

use std::sync::Arc;

use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

fn temp_file(name: &str, contents: &str) -> String {
    let path = std::env::temp_dir().join(format!("paydesk-tls-{}-{name}", uuid::Uuid::new_v4()));
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_app_serves_https_with_a_certificate_and_key(pool: PgPool) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = cert.cert.pem();
    let cert_path = temp_file("cert.pem", &cert_pem);
    let key_path = temp_file("key.pem", &cert.signing_key.serialize_pem());
    let acceptor = server::tls::acceptor(&cert_path, &key_path).unwrap();

    let app = crate::common::app_over_https(pool)
        .layer(axum::middleware::from_fn(server::tls::expose_client_addr))
        .into_make_service_with_connect_info::<server::tls::TlsClientAddr>();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(server::tls::TlsListener { tcp, acceptor }, app).await.unwrap() });

    let mut roots = RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("a TLS handshake");
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    tls.read_to_string(&mut answer).await.ok();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("strict-transport-security: max-age="), "{answer}");

    // A plain-HTTP client gets no answer from the TLS port.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), plain.read(&mut buf)).await.map(|r| r.unwrap_or(0)).unwrap_or(0);
    assert!(!String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
}

#[test]
fn wrong_certificate_files_are_refused_with_the_reason() {
    let err = server::tls::acceptor("/nonexistent/cert.pem", "/nonexistent/key.pem").err().unwrap();
    assert!(err.starts_with("PAYDESK_TLS_CERT /nonexistent/cert.pem"), "{err}");
    let empty = temp_file("empty.pem", "");
    let err = server::tls::acceptor(&empty, &empty).err().unwrap();
    assert!(err.contains("no certificate"), "{err}");
    let a = rcgen::generate_simple_self_signed(vec!["a.test".to_string()]).unwrap();
    let b = rcgen::generate_simple_self_signed(vec!["b.test".to_string()]).unwrap();
    let err = server::tls::acceptor(&temp_file("a.pem", &a.cert.pem()), &temp_file("b.key", &b.signing_key.serialize_pem())).err().unwrap();
    assert!(err.contains("do not fit together"), "{err}");
}
