//! The built-in sandbox provider: no card network, fixed and documented outcomes per test
//! instrument (see the README's table). It keeps its own records in `sandbox_*` tables, as a
//! real provider would on its side: tokens (never the card number) and charges.

use async_trait::async_trait;
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    CallbackTarget, ChargeOutcome, ChargeRequest, DeclineReason, InstrumentDetails, PaymentProvider, PayoutOutcome, PayoutRequest, ProviderError,
    RefundOutcome, Token,
};
use domain::money::Money;

/// How a sandbox instrument behaves when it is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    Succeed,
    Decline(DeclineReason),
    NeedsVerification,
    /// Processing at first; a few seconds later it succeeds (said by a callback).
    Slow,
    /// Processing at first; a few seconds later it is declined (said by a callback).
    SlowDecline,
    /// Charges succeed; each refund fails the first time and succeeds when asked again.
    RefundFailsOnce,
    /// Charges succeed; refunds stay pending a few seconds, then succeed (said by a callback).
    RefundSlow,
}

impl Behaviour {
    fn as_str(self) -> &'static str {
        match self {
            Behaviour::Succeed => "succeed",
            Behaviour::Decline(DeclineReason::CardDeclined) => "decline",
            Behaviour::Decline(DeclineReason::InsufficientFunds) => "insufficient_funds",
            Behaviour::Decline(DeclineReason::ExpiredCard) => "expired_card",
            Behaviour::Decline(_) => "decline",
            Behaviour::NeedsVerification => "needs_verification",
            Behaviour::Slow => "slow",
            Behaviour::SlowDecline => "slow_decline",
            Behaviour::RefundFailsOnce => "refund_fails_once",
            Behaviour::RefundSlow => "refund_slow",
        }
    }
    fn parse(raw: &str) -> Behaviour {
        match raw {
            "decline" => Behaviour::Decline(DeclineReason::CardDeclined),
            "insufficient_funds" => Behaviour::Decline(DeclineReason::InsufficientFunds),
            "expired_card" => Behaviour::Decline(DeclineReason::ExpiredCard),
            "needs_verification" => Behaviour::NeedsVerification,
            "slow" => Behaviour::Slow,
            "slow_decline" => Behaviour::SlowDecline,
            "refund_fails_once" => Behaviour::RefundFailsOnce,
            "refund_slow" => Behaviour::RefundSlow,
            _ => Behaviour::Succeed,
        }
    }
}

/// Binding: `Err` when the sandbox refuses the instrument itself.
pub fn behaviour_of(instrument: &InstrumentDetails) -> Result<Behaviour, DeclineReason> {
    match instrument {
        InstrumentDetails::Card { number, .. } => match number.expose() {
            "4000000000000119" => Err(DeclineReason::CardDeclined),
            "4000000000000002" => Ok(Behaviour::Decline(DeclineReason::CardDeclined)),
            "4000000000009995" => Ok(Behaviour::Decline(DeclineReason::InsufficientFunds)),
            "4000000000000069" => Ok(Behaviour::Decline(DeclineReason::ExpiredCard)),
            "4000000000003220" => Ok(Behaviour::NeedsVerification),
            "4000000000000259" => Ok(Behaviour::Slow),
            "4000000000000341" => Ok(Behaviour::SlowDecline),
            "4000000000005126" => Ok(Behaviour::RefundFailsOnce),
            "4000000000007726" => Ok(Behaviour::RefundSlow),
            _ => Ok(Behaviour::Succeed),
        },
        InstrumentDetails::Wallet(w) => {
            if w.account.starts_with("decline") {
                Err(DeclineReason::WalletRejected)
            } else if w.account.starts_with("insufficient") {
                Ok(Behaviour::Decline(DeclineReason::InsufficientFunds))
            } else {
                Ok(Behaviour::Succeed)
            }
        }
    }
}

/// Seconds after which a slow charge settles.
pub const SLOW_SETTLE_SECS: f64 = 3.0;

pub struct Sandbox {
    pool: PgPool,
    callbacks: Option<CallbackTarget>,
}

impl Sandbox {
    pub fn new(pool: PgPool, callbacks: Option<CallbackTarget>) -> Sandbox {
        Sandbox { pool, callbacks }
    }

    /// The one-time code of a charge that asks for one — what the sandbox "sends" to the
    /// shopper's phone, shown on the pay page in sandbox mode.
    pub async fn verification_code(&self, reference: &str) -> Result<Option<String>, ProviderError> {
        sqlx::query_scalar("SELECT verification_code FROM sandbox_charges WHERE reference = $1")
            .bind(reference)
            .fetch_optional(&self.pool)
            .await
            .map(Option::flatten)
            .map_err(unavailable)
    }
}

impl Sandbox {
    /// Runs `sql` (an UPDATE of one charge by reference, `RETURNING status, decline_reason,
    /// verification_code`)
    /// and answers where the charge stands afterwards.
    async fn update_charge(&self, sql: &'static str, reference: &str) -> Result<ChargeOutcome, ProviderError> {
        let row: Option<(String, Option<String>, Option<String>)> =
            sqlx::query_as(sql).bind(reference).fetch_optional(&self.pool).await.map_err(unavailable)?;
        let (status, reason, code) = row.ok_or(ProviderError::Unknown("charge"))?;
        Ok(outcome(reference.to_string(), &status, reason.as_deref(), code))
    }
}

/// A random six-digit one-time code.
fn new_code() -> String {
    format!("{:06}", Uuid::new_v4().as_u128() % 1_000_000)
}

fn unavailable(err: sqlx::Error) -> ProviderError {
    ProviderError::Unavailable(err.to_string())
}

/// Where a charge stands. The sandbox has no phone to send a verification code to, so it shows
/// the code in its answer (`test_code`), which the pay page displays.
fn outcome(reference: String, status: &str, reason: Option<&str>, code: Option<String>) -> ChargeOutcome {
    match status {
        "succeeded" => ChargeOutcome::Succeeded { reference },
        "requires_verification" => ChargeOutcome::RequiresVerification { reference, test_code: code },
        "processing" => ChargeOutcome::Processing { reference },
        _ => ChargeOutcome::Declined {
            reference,
            reason: match reason {
                Some("insufficient_funds") => DeclineReason::InsufficientFunds,
                Some("expired_card") => DeclineReason::ExpiredCard,
                Some("incorrect_code") => DeclineReason::IncorrectCode,
                Some("cancelled") => DeclineReason::Cancelled,
                _ => DeclineReason::CardDeclined,
            },
        },
    }
}

#[async_trait]
impl PaymentProvider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn tokenize(&self, instrument: InstrumentDetails) -> Result<Token, ProviderError> {
        let behaviour = behaviour_of(&instrument).map_err(ProviderError::Declined)?;
        let token = format!("sbx_tok_{}", Uuid::new_v4().simple());
        sqlx::query("INSERT INTO sandbox_tokens (token, behaviour) VALUES ($1, $2)")
            .bind(&token)
            .bind(behaviour.as_str())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(Token(token))
    }

    async fn charge(&self, request: ChargeRequest) -> Result<ChargeOutcome, ProviderError> {
        let behaviour: Option<String> = sqlx::query_scalar("SELECT behaviour FROM sandbox_tokens WHERE token = $1")
            .bind(&request.token.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        let behaviour = Behaviour::parse(&behaviour.ok_or(ProviderError::Unknown("token"))?);
        let (status, reason, code) = match behaviour {
            Behaviour::Succeed | Behaviour::RefundFailsOnce | Behaviour::RefundSlow => ("succeeded", None, None),
            Behaviour::Decline(r) => ("declined", Some(r.code()), None),
            Behaviour::NeedsVerification => ("requires_verification", None, Some(new_code())),
            Behaviour::Slow | Behaviour::SlowDecline => ("processing", None, None),
        };
        let reference = format!("sbx_ch_{}", Uuid::new_v4().simple());
        // The same idempotency key is the same charge: the first one is returned.
        let row: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
            "WITH new AS (
                 INSERT INTO sandbox_charges (reference, token, amount_minor, currency, idempotency_key, status,
                                              decline_reason, verification_code, settle_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $6 = 'processing' THEN now() + make_interval(secs => $9) END)
                 ON CONFLICT (idempotency_key) DO NOTHING
                 RETURNING reference, status, decline_reason, verification_code
             )
             SELECT reference, status, decline_reason, verification_code FROM new
             UNION ALL
             SELECT reference, status, decline_reason, verification_code FROM sandbox_charges WHERE idempotency_key = $5
             LIMIT 1",
        )
        .bind(&reference)
        .bind(&request.token.0)
        .bind(request.amount.minor)
        .bind(request.amount.currency.code())
        .bind(&request.idempotency_key)
        .bind(status)
        .bind(reason)
        .bind(code)
        .bind(SLOW_SETTLE_SECS)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let row: (String, String, Option<String>, Option<String>) = match row {
            Some(row) => row,
            // The same key was being charged concurrently: its row committed after this
            // statement's snapshot was taken. Read it now.
            None => sqlx::query_as("SELECT reference, status, decline_reason, verification_code FROM sandbox_charges WHERE idempotency_key = $1")
                .bind(&request.idempotency_key)
                .fetch_one(&self.pool)
                .await
                .map_err(unavailable)?,
        };
        // A new slow charge settles a few seconds later and says so through the callback.
        if row.0 == reference
            && row.1 == "processing"
            && let Some(target) = self.callbacks.clone()
        {
            let declined = behaviour == Behaviour::SlowDecline;
            tokio::spawn(settle_later(self.pool.clone(), target, reference.clone(), declined));
        }
        Ok(outcome(row.0, &row.1, row.2.as_deref(), row.3))
    }

    async fn verify(&self, reference: &str, code: &str) -> Result<ChargeOutcome, ProviderError> {
        let row: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "UPDATE sandbox_charges SET
                 status = CASE WHEN status = 'requires_verification' AND verification_code = $2 THEN 'succeeded' ELSE status END
             WHERE reference = $1
             RETURNING status, decline_reason, verification_code",
        )
        .bind(reference)
        .bind(code.trim())
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let (status, reason, expected) = row.ok_or(ProviderError::Unknown("charge"))?;
        if status == "requires_verification" && expected.as_deref() != Some(code.trim()) {
            return Err(ProviderError::Declined(DeclineReason::IncorrectCode));
        }
        Ok(outcome(reference.to_string(), &status, reason.as_deref(), expected))
    }

    async fn resend_code(&self, reference: &str) -> Result<ChargeOutcome, ProviderError> {
        // Kept as the first code was: at the provider's side, in its charge record. Never the
        // same code again (two candidates, so one differs from the old one).
        let (code, other) = (new_code(), new_code());
        let other = if other == code { format!("{:06}", (code.parse::<u32>().unwrap_or(0) + 1) % 1_000_000) } else { other };
        let row: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "UPDATE sandbox_charges SET
                 verification_code = CASE WHEN status <> 'requires_verification' THEN verification_code
                                          WHEN verification_code = $2 THEN $3 ELSE $2 END
             WHERE reference = $1
             RETURNING status, decline_reason, verification_code",
        )
        .bind(reference)
        .bind(code)
        .bind(other)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let (status, reason, code) = row.ok_or(ProviderError::Unknown("charge"))?;
        Ok(outcome(reference.to_string(), &status, reason.as_deref(), code))
    }

    async fn query(&self, reference: &str) -> Result<ChargeOutcome, ProviderError> {
        // A slow charge whose time has come settles (successfully) when asked about.
        self.update_charge(
            "UPDATE sandbox_charges SET status = CASE WHEN status = 'processing' AND settle_at <= now() THEN 'succeeded' ELSE status END
             WHERE reference = $1 RETURNING status, decline_reason, verification_code",
            reference,
        )
        .await
    }

    async fn cancel(&self, reference: &str) -> Result<ChargeOutcome, ProviderError> {
        self.update_charge(
            "UPDATE sandbox_charges SET
                 status = CASE WHEN status IN ('processing', 'requires_verification') THEN 'declined' ELSE status END,
                 decline_reason = CASE WHEN status IN ('processing', 'requires_verification') THEN 'cancelled' ELSE decline_reason END
             WHERE reference = $1 RETURNING status, decline_reason, verification_code",
            reference,
        )
        .await
    }

    async fn refund(&self, charge_reference: &str, amount: Money, idempotency_key: &str) -> Result<RefundOutcome, ProviderError> {
        let charged: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT c.amount_minor, c.status, t.behaviour FROM sandbox_charges c JOIN sandbox_tokens t ON t.token = c.token WHERE c.reference = $1",
        )
        .bind(charge_reference)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let (charged_minor, status, behaviour) = charged.ok_or(ProviderError::Unknown("charge"))?;
        if status != "succeeded" || amount.minor <= 0 {
            return Err(ProviderError::Declined(DeclineReason::CardDeclined));
        }
        // The refund reference is derived from the key: the same key is the same refund.
        let digest = <sha2::Sha256 as sha2::Digest>::digest(idempotency_key.as_bytes());
        let reference = format!("sbx_re_{}", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
        let behaviour = Behaviour::parse(&behaviour);
        // Asked again: a refund that failed once succeeds now; a slow one settles when its time came.
        let again: Option<String> = sqlx::query_scalar(
            "UPDATE sandbox_refunds SET tries = tries + 1,
                 status = CASE WHEN status = 'failed' THEN 'succeeded'
                               WHEN status = 'pending' AND settle_at <= now() THEN 'succeeded' ELSE status END
             WHERE idempotency_key = $1 RETURNING status",
        )
        .bind(idempotency_key)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        if let Some(status) = again {
            return Ok(refund_outcome(reference, &status));
        }
        // A new refund: never more than the charge, over all its refunds. The charge's row lock
        // makes concurrent refunds of one charge count one after the other.
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query("SELECT 1 FROM sandbox_charges WHERE reference = $1 FOR UPDATE")
            .bind(charge_reference)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        let refunded: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(amount_minor), 0)::BIGINT FROM sandbox_refunds WHERE charge_reference = $1 AND status <> 'failed'",
        )
        .bind(charge_reference)
        .fetch_one(&mut *tx)
        .await
        .map_err(unavailable)?;
        if refunded + amount.minor > charged_minor {
            return Ok(RefundOutcome::Failed { reference, reason: "amount_exceeds_charge".into() });
        }
        let status = match behaviour {
            Behaviour::RefundFailsOnce => "failed",
            Behaviour::RefundSlow => "pending",
            _ => "succeeded",
        };
        let inserted = sqlx::query(
            "INSERT INTO sandbox_refunds (reference, charge_reference, idempotency_key, amount_minor, status, settle_at)
             VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 = 'pending' THEN now() + make_interval(secs => $6) END)
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&reference)
        .bind(charge_reference)
        .bind(idempotency_key)
        .bind(amount.minor)
        .bind(status)
        .bind(SLOW_SETTLE_SECS)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        if inserted.rows_affected() == 0 {
            // The same key was refunded concurrently: answer where that one stands.
            return self.query_refund(&reference).await;
        }
        if status == "pending"
            && let Some(target) = self.callbacks.clone()
        {
            tokio::spawn(settle_refund_later(self.pool.clone(), target, reference.clone()));
        }
        Ok(refund_outcome(reference, status))
    }

    /// Payouts by the account number's last four digits: `0002` is refused (a closed account),
    /// `0003` arrives a few seconds later and `0004` bounces a few seconds later (both said by
    /// a signed callback); any other arrives at once.
    async fn payout(&self, request: PayoutRequest) -> Result<PayoutOutcome, ProviderError> {
        let digest = <sha2::Sha256 as sha2::Digest>::digest(request.idempotency_key.as_bytes());
        let reference = format!("sbx_po_{}", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
        let account = request.destination.account_number;
        let (status, reason) = match &account[account.len().saturating_sub(4)..] {
            "0002" => ("failed", Some("account_closed")),
            "0003" | "0004" => ("in_transit", None),
            _ => ("paid", None),
        };
        let inserted = sqlx::query(
            "INSERT INTO sandbox_payouts (reference, idempotency_key, amount_minor, currency, account_number, status, failure_reason, settle_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'in_transit' THEN now() + make_interval(secs => $8) END)
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&reference)
        .bind(&request.idempotency_key)
        .bind(request.amount.minor)
        .bind(request.amount.currency.code())
        .bind(&account)
        .bind(status)
        .bind(reason)
        .bind(SLOW_SETTLE_SECS)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        if inserted.rows_affected() == 0 {
            return self.query_payout(&reference).await;
        }
        if status == "in_transit"
            && let Some(target) = self.callbacks.clone()
        {
            tokio::spawn(settle_payout_later(self.pool.clone(), target, reference.clone()));
        }
        Ok(payout_outcome(reference, status, reason))
    }

    async fn query_payout(&self, reference: &str) -> Result<PayoutOutcome, ProviderError> {
        let row: Option<(String, Option<String>)> =
            sqlx::query_as(&format!("UPDATE sandbox_payouts SET {SETTLE_PAYOUT} WHERE reference = $1 RETURNING status, failure_reason"))
                .bind(reference)
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
        let (status, reason) = row.ok_or(ProviderError::Unknown("payout"))?;
        Ok(payout_outcome(reference.to_string(), &status, reason.as_deref()))
    }

    async fn query_refund(&self, reference: &str) -> Result<RefundOutcome, ProviderError> {
        let status: Option<String> = sqlx::query_scalar(
            "UPDATE sandbox_refunds SET status = CASE WHEN status = 'pending' AND settle_at <= now() THEN 'succeeded' ELSE status END
             WHERE reference = $1 RETURNING status",
        )
        .bind(reference)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(refund_outcome(reference.to_string(), &status.ok_or(ProviderError::Unknown("refund"))?))
    }
}

/// A slow payout whose time has come: `…0004` bounces, any other arrives.
const SETTLE_PAYOUT: &str = "status = CASE WHEN status = 'in_transit' AND settle_at <= now()
                                            THEN CASE WHEN right(account_number, 4) = '0004' THEN 'failed' ELSE 'paid' END
                                            ELSE status END,
         failure_reason = CASE WHEN status = 'in_transit' AND settle_at <= now() AND right(account_number, 4) = '0004'
                               THEN 'account_closed' ELSE failure_reason END";

fn payout_outcome(reference: String, status: &str, reason: Option<&str>) -> PayoutOutcome {
    match status {
        "paid" => PayoutOutcome::Paid { reference },
        "in_transit" => PayoutOutcome::InTransit { reference },
        _ => PayoutOutcome::Failed { reference, reason: reason.unwrap_or("payout_refused").to_string() },
    }
}

/// Settles a slow payout after [`SLOW_SETTLE_SECS`] and says so with a signed callback.
async fn settle_payout_later(pool: PgPool, target: CallbackTarget, reference: String) {
    tokio::time::sleep(std::time::Duration::from_secs_f64(SLOW_SETTLE_SECS)).await;
    let settled: Result<Option<String>, _> =
        sqlx::query_scalar(&format!("UPDATE sandbox_payouts SET {SETTLE_PAYOUT} WHERE reference = $1 RETURNING status"))
            .bind(&reference)
            .fetch_optional(&pool)
            .await;
    match settled {
        Ok(Some(status)) => deliver(&target, &reference, &format!("payout.{status}"), &status).await,
        Ok(None) => {}
        Err(err) => tracing::warn!(%reference, error = %err, "sandbox could not settle a payout"),
    }
}

fn refund_outcome(reference: String, status: &str) -> RefundOutcome {
    match status {
        "succeeded" => RefundOutcome::Succeeded { reference },
        "pending" => RefundOutcome::Pending { reference },
        _ => RefundOutcome::Failed { reference, reason: "refund_declined".into() },
    }
}

/// Settles a slow refund after [`SLOW_SETTLE_SECS`] and tells the platform with a signed
/// `refund.succeeded` callback.
async fn settle_refund_later(pool: PgPool, target: CallbackTarget, reference: String) {
    tokio::time::sleep(std::time::Duration::from_secs_f64(SLOW_SETTLE_SECS)).await;
    let settled = sqlx::query("UPDATE sandbox_refunds SET status = 'succeeded' WHERE reference = $1 AND status = 'pending'")
        .bind(&reference)
        .execute(&pool)
        .await;
    if let Err(err) = settled {
        tracing::warn!(%reference, error = %err, "sandbox could not settle a refund");
        return;
    }
    deliver(&target, &reference, "refund.succeeded", "succeeded").await;
}

/// Settles a slow charge after [`SLOW_SETTLE_SECS`] and delivers a signed `charge.succeeded`
/// event to the platform, retrying with back-off. A delivery lost to a restart is made good by
/// the platform asking `query` (reconciliation), not by this task.
async fn settle_later(pool: PgPool, target: CallbackTarget, reference: String, declined: bool) {
    tokio::time::sleep(std::time::Duration::from_secs_f64(SLOW_SETTLE_SECS)).await;
    let (status, reason, event) =
        if declined { ("declined", Some(DeclineReason::CardDeclined.code()), "charge.failed") } else { ("succeeded", None, "charge.succeeded") };
    let settled = sqlx::query("UPDATE sandbox_charges SET status = $2, decline_reason = $3 WHERE reference = $1 AND status = 'processing'")
        .bind(&reference)
        .bind(status)
        .bind(reason)
        .execute(&pool)
        .await;
    if let Err(err) = settled {
        tracing::warn!(%reference, error = %err, "sandbox could not settle a charge");
        return;
    }
    deliver(&target, &reference, event, status).await;
}

/// Delivers one signed callback, retrying with back-off; a delivery lost to a restart is made
/// good by the platform asking (`query`, `query_refund`), not by this task.
async fn deliver(target: &CallbackTarget, reference: &str, event: &str, status: &str) {
    let body = serde_json::json!({
        "id": format!("evt_{}", Uuid::new_v4().simple()),
        "type": event,
        "reference": reference,
        "status": status,
    })
    .to_string();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    for attempt in 0..5u32 {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = super::callback::sign(&target.secret, now, body.as_bytes());
        let request = http::Request::post(&target.url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(super::callback::SIGNATURE_HEADER, signature)
            .body(http_body_util::Full::new(bytes::Bytes::from(body.clone())));
        let delivered = match request {
            Ok(request) => client.request(request).await.map(|r| r.status().is_success()).unwrap_or(false),
            Err(_) => false,
        };
        if delivered {
            tracing::debug!(%reference, "sandbox callback delivered");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500 * 2u64.pow(attempt))).await;
    }
    tracing::warn!(%reference, "sandbox callback not delivered; the reconciler will ask for it");
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::payments::instrument::{CardNumber, Expiry, SecurityCode, WalletAccount, WalletKind};

    fn card(number: &str) -> InstrumentDetails {
        InstrumentDetails::Card {
            number: CardNumber::parse(number).unwrap(),
            expiry: Expiry { month: 12, year: 2030 },
            cvc: SecurityCode::parse("123", None).unwrap(),
            holder: "Test".into(),
        }
    }

    #[test]
    fn each_test_instrument_has_its_documented_outcome() {
        let table = [
            ("4242424242424242", Ok(Behaviour::Succeed)),
            ("5555555555554444", Ok(Behaviour::Succeed)),
            ("4000056655665556", Ok(Behaviour::Succeed)),
            ("4000000000000002", Ok(Behaviour::Decline(DeclineReason::CardDeclined))),
            ("4000000000009995", Ok(Behaviour::Decline(DeclineReason::InsufficientFunds))),
            ("4000000000000069", Ok(Behaviour::Decline(DeclineReason::ExpiredCard))),
            ("4000000000003220", Ok(Behaviour::NeedsVerification)),
            ("4000000000000259", Ok(Behaviour::Slow)),
            ("4000000000000341", Ok(Behaviour::SlowDecline)),
            ("4000000000005126", Ok(Behaviour::RefundFailsOnce)),
            ("4000000000007726", Ok(Behaviour::RefundSlow)),
            ("4000000000000119", Err(DeclineReason::CardDeclined)),
        ];
        for (number, want) in table {
            assert_eq!(behaviour_of(&card(number)), want, "{number}");
        }
        let wallet = |a: &str| InstrumentDetails::Wallet(WalletAccount::parse(WalletKind::PayPal, a).unwrap());
        assert_eq!(behaviour_of(&wallet("ann@example.com")), Ok(Behaviour::Succeed));
        assert_eq!(behaviour_of(&wallet("decline@example.com")), Err(DeclineReason::WalletRejected));
        assert_eq!(behaviour_of(&wallet("insufficient@example.com")), Ok(Behaviour::Decline(DeclineReason::InsufficientFunds)));
    }

    #[test]
    fn behaviours_survive_storage() {
        for b in [
            Behaviour::Succeed,
            Behaviour::Decline(DeclineReason::CardDeclined),
            Behaviour::Decline(DeclineReason::InsufficientFunds),
            Behaviour::Decline(DeclineReason::ExpiredCard),
            Behaviour::NeedsVerification,
            Behaviour::Slow,
        ] {
            assert_eq!(Behaviour::parse(b.as_str()), b);
        }
    }
}
