//! The full card number and security code reach the provider and nothing else: no table, no
//! log line. This test binary captures every log line (all levels) to look for them.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::StatusCode;
use common::*;
use sqlx::PgPool;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured_logs() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let writer = capture.clone();
        tracing_subscriber::fmt()
            .with_env_filter("trace")
            .with_writer(move || writer.clone())
            .try_init()
            .expect("this test binary installs the only subscriber");
        capture
    })
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_card_number_is_in_no_table_and_no_log(pool: PgPool) {
    let logs = captured_logs();
    let app = app(pool.clone());
    let me = signed_up(&app, "grep@example.com", "shopper").await;
    let number = "4000056655665556";
    let form = format!("card[kind]=debit_card&card[number]={number}&card[expiry]=12%2F30&card[cvc]=987&card[holder]=Grep+Test");
    let answer = call_as(&app, "bind_card", &form, Some(&me), HOME).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // A refused binding must not leak it either.
    call_as(&app, "bind_card", &form.replace(number, "4000000000000119"), Some(&me), HOME).await;
    call_as(&app, "bind_card", &form.replace("12%2F30", "01%2F20"), Some(&me), HOME).await;
    assert!(!answer.body.contains(number));

    // Every column of every table, as text.
    let tables: Vec<String> = sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'").fetch_all(&pool).await.unwrap();
    let mut dump = String::new();
    for table in tables {
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM {table} t")).fetch_all(&pool).await.unwrap();
        dump.push_str(&rows.join("\n"));
    }
    assert!(dump.contains("5556"), "the last four digits are kept");
    assert!(!dump.contains(number), "the full number is stored somewhere");
    // The code is short, so look for it as a whole value (a timestamp may contain "987").
    for pattern in [",987,", "(987,", ",987)", "\"987\""] {
        assert!(!dump.contains(pattern), "the security code is stored somewhere");
    }

    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logged.contains("card bound"), "the capture works");
    assert!(!logged.contains(number) && !logged.contains("4000000000000119"), "a card number reached the logs");
    assert!(!logged.contains("card[cvc]"), "a form body reached the logs");
}
