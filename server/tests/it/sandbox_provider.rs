//! The sandbox provider through the `PaymentProvider` trait, against Postgres: every test
//! instrument's outcome, idempotent charges, the verification step, refunds, and the slow
//! instrument settling through a signed callback delivered over real HTTP.

use crate::common::*;
use app::payments::provider::{CallbackTarget, ChargeOutcome, ChargeRequest, DeclineReason, InstrumentDetails, ProviderError, RefundOutcome, Token};
use domain::money::{Currency, Money};
use domain::payments::instrument::{CardNumber, Expiry, SecurityCode};
use sqlx::PgPool;

fn card(number: &str) -> InstrumentDetails {
    InstrumentDetails::Card {
        number: CardNumber::parse(number).unwrap(),
        expiry: Expiry { month: 12, year: 2030 },
        cvc: SecurityCode::parse("123", None).unwrap(),
        holder: "Sandbox Tester".into(),
    }
}

fn charge(token: &Token, key: &str) -> ChargeRequest {
    ChargeRequest { token: token.clone(), amount: Money::new(1999, Currency::USD), idempotency_key: key.into() }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn each_instrument_charges_as_documented(pool: PgPool) {
    let sandbox = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    for (number, expected) in [
        ("4242424242424242", None),
        ("4000000000000002", Some(DeclineReason::CardDeclined)),
        ("4000000000009995", Some(DeclineReason::InsufficientFunds)),
        ("4000000000000069", Some(DeclineReason::ExpiredCard)),
    ] {
        let token = sandbox.tokenize(card(number)).await.unwrap();
        match (sandbox.charge(charge(&token, &new_key())).await.unwrap(), expected) {
            (ChargeOutcome::Succeeded { .. }, None) => {}
            (ChargeOutcome::Declined { reason, .. }, Some(want)) => assert_eq!(reason, want, "{number}"),
            (got, want) => panic!("{number}: {got:?}, wanted {want:?}"),
        }
    }
    assert_eq!(sandbox.tokenize(card("4000000000000119")).await, Err(ProviderError::Declined(DeclineReason::CardDeclined)));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_same_key_is_the_same_charge(pool: PgPool) {
    let sandbox = app::payments::provider::from_config("sandbox", pool.clone(), None).unwrap();
    let token = sandbox.tokenize(card("4242424242424242")).await.unwrap();
    let key = new_key();
    let first = sandbox.charge(charge(&token, &key)).await.unwrap();
    let again = sandbox.charge(charge(&token, &key)).await.unwrap();
    assert_eq!(first, again);
    let charges: i64 = sqlx::query_scalar("SELECT count(*) FROM sandbox_charges").fetch_one(&pool).await.unwrap();
    assert_eq!(charges, 1);
    let ChargeOutcome::Succeeded { reference } = first else { panic!() };
    let refund = sandbox.refund(&reference, Money::new(500, Currency::USD), "refund-1").await.unwrap();
    assert_eq!(refund, sandbox.refund(&reference, Money::new(500, Currency::USD), "refund-1").await.unwrap());
    let over = sandbox.refund(&reference, Money::new(1500, Currency::USD), "refund-2").await.unwrap();
    assert!(matches!(over, RefundOutcome::Failed { .. }), "more than is left of the charge: {over:?}");
    let rest = sandbox.refund(&reference, Money::new(1499, Currency::USD), "refund-3").await.unwrap();
    assert!(matches!(rest, RefundOutcome::Succeeded { .. }), "{rest:?}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_verification_instrument_needs_the_right_code(pool: PgPool) {
    let sandbox = app::payments::provider::sandbox::Sandbox::new(pool.clone(), None);
    use app::payments::provider::PaymentProvider;
    let token = sandbox.tokenize(card("4000000000003220")).await.unwrap();
    let ChargeOutcome::RequiresVerification { reference, test_code } = sandbox.charge(charge(&token, &new_key())).await.unwrap() else {
        panic!("expected a verification step")
    };
    // The sandbox shows its code in its answer (a real provider texts it to the shopper).
    let code = test_code.expect("the sandbox's answer carries its code");
    assert_eq!(sandbox.verification_code(&reference).await.unwrap().as_deref(), Some(code.as_str()));
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(sandbox.verify(&reference, wrong).await, Err(ProviderError::Declined(DeclineReason::IncorrectCode)));
    assert_eq!(sandbox.verify(&reference, &code).await.unwrap(), ChargeOutcome::Succeeded { reference: reference.clone() });
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_slow_instrument_settles_through_a_signed_callback(pool: PgPool) {
    // A real server on a free port receives the sandbox's callback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/provider/callback", listener.local_addr().unwrap());
    let router = app(pool.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let target = CallbackTarget { url, secret: CALLBACK_SECRET.as_bytes().to_vec() };
    let sandbox = app::payments::provider::from_config("sandbox", pool.clone(), Some(target)).unwrap();
    let token = sandbox.tokenize(card("4000000000000259")).await.unwrap();
    let ChargeOutcome::Processing { reference } = sandbox.charge(charge(&token, &new_key())).await.unwrap() else { panic!("expected processing") };
    assert_eq!(sandbox.query(&reference).await.unwrap(), ChargeOutcome::Processing { reference: reference.clone() });

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let received: Option<String> = sqlx::query_scalar("SELECT body->>'status' FROM provider_events WHERE body->>'reference' = $1")
            .bind(&reference)
            .fetch_optional(&pool)
            .await
            .unwrap();
        if let Some(status) = received {
            assert_eq!(status, "succeeded");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no signed callback arrived");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(sandbox.query(&reference).await.unwrap(), ChargeOutcome::Succeeded { reference });
}
