//! The payment provider interface. The flows depend only on [`PaymentProvider`]; the provider
//! in use is chosen by configuration (`PAYDESK_PROVIDER`, today only `sandbox`). A real
//! provider is added by implementing this trait in a module beside [`sandbox`] and naming it
//! in [`from_config`].

pub mod callback;
pub mod sandbox;

use std::sync::Arc;

use async_trait::async_trait;

use domain::money::Money;
use domain::payments::instrument::{CardNumber, Expiry, SecurityCode, WalletAccount};

/// What the shopper typed, on its way to the provider. Never stored, never logged (every
/// field's `Debug` is masked).
#[derive(Debug)]
pub enum InstrumentDetails {
    Card { number: CardNumber, expiry: Expiry, cvc: SecurityCode, holder: String },
    Wallet(WalletAccount),
}

/// The provider's stand-in for the instrument: all the platform keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token(pub String);

pub use domain::payments::DeclineReason;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("{}", .0.message())]
    Declined(DeclineReason),
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
    #[error("the payment provider does not know this {0}")]
    Unknown(&'static str),
}

/// A charge to make: `idempotency_key` makes a retried request the same charge.
#[derive(Clone, Debug)]
pub struct ChargeRequest {
    pub token: Token,
    pub amount: Money,
    pub idempotency_key: String,
}

/// Where a charge stands at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded {
        reference: String,
    },
    /// The instrument asks for a one-time verification code.
    RequiresVerification {
        reference: String,
        /// The code itself, from a test provider only (the sandbox, which has no phone to send
        /// it to); a real provider sends it to the shopper and leaves this empty.
        test_code: Option<String>,
    },
    /// Settles later; the outcome arrives through the signed callback (or `query`).
    Processing {
        reference: String,
    },
    Declined {
        reference: String,
        reason: DeclineReason,
    },
}

/// Where a refund stands at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundOutcome {
    Succeeded {
        reference: String,
    },
    /// Settles later; the outcome arrives through the signed callback (or `query_refund`).
    Pending {
        reference: String,
    },
    /// The provider refused it (the card was closed, say); asking again may succeed later.
    Failed {
        reference: String,
        reason: String,
    },
}

/// Money to send to a shop's bank account: `idempotency_key` makes a retried request the same
/// payout.
#[derive(Clone, Debug)]
pub struct PayoutRequest {
    pub destination: domain::settlement::BankAccount,
    pub amount: Money,
    pub idempotency_key: String,
}

/// Where a payout stands at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayoutOutcome {
    Paid {
        reference: String,
    },
    /// On its way; the outcome arrives through the signed callback (or `query_payout`).
    InTransit {
        reference: String,
    },
    /// Refused or bounced (a closed account, say): the money is the shop's again.
    Failed {
        reference: String,
        reason: String,
    },
}

#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Exchanges an instrument for a token, or refuses it with the reason.
    async fn tokenize(&self, instrument: InstrumentDetails) -> Result<Token, ProviderError>;
    /// Charges a tokenized instrument. The same idempotency key returns the same charge.
    async fn charge(&self, request: ChargeRequest) -> Result<ChargeOutcome, ProviderError>;
    /// Completes a charge that asked for a verification code.
    async fn verify(&self, reference: &str, code: &str) -> Result<ChargeOutcome, ProviderError>;
    /// Sends the shopper a fresh one-time code for a charge that waits for one; the code sent
    /// before stops working. Answers the charge's state afterwards: `RequiresVerification`
    /// (with the new code from a test provider), or where the charge stands if it no longer
    /// waits for a code.
    async fn resend_code(&self, reference: &str) -> Result<ChargeOutcome, ProviderError>;
    /// The current state of a charge (for reconciling after a crash).
    async fn query(&self, reference: &str) -> Result<ChargeOutcome, ProviderError>;
    /// Voids a charge that has not completed (abandoned or timed-out verification). Answers the
    /// charge's state afterwards: `Declined { reason: Cancelled, .. }`, or `Succeeded` when it
    /// had completed already — then the money was taken and must be dealt with.
    async fn cancel(&self, reference: &str) -> Result<ChargeOutcome, ProviderError>;
    /// Refunds (part of) a succeeded charge. The same idempotency key is the same refund: asking
    /// again answers where that refund stands (and tries a failed one once more).
    async fn refund(&self, charge_reference: &str, amount: Money, idempotency_key: &str) -> Result<RefundOutcome, ProviderError>;
    /// The current state of a refund (for a slow one, or after a crash).
    async fn query_refund(&self, reference: &str) -> Result<RefundOutcome, ProviderError>;
    /// Sends money to a shop's bank account. The same idempotency key is the same payout:
    /// asking again answers where it stands.
    async fn payout(&self, request: PayoutRequest) -> Result<PayoutOutcome, ProviderError>;
    /// The current state of a payout (for a slow one, or after a crash).
    async fn query_payout(&self, reference: &str) -> Result<PayoutOutcome, ProviderError>;
}

pub type Provider = Arc<dyn PaymentProvider>;

/// Where a provider delivers its signed callbacks, and the secret it signs them with.
#[derive(Clone, Debug)]
pub struct CallbackTarget {
    pub url: String,
    pub secret: Vec<u8>,
}

/// The provider named by configuration.
pub fn from_config(name: &str, pool: sqlx::PgPool, callbacks: Option<CallbackTarget>) -> Result<Provider, String> {
    match name {
        "sandbox" => Ok(Arc::new(sandbox::Sandbox::new(pool, callbacks))),
        other => Err(format!("unknown payment provider {other:?} (known: sandbox)")),
    }
}
