//! Paying: the attempt machine, card and wallet checks, the ledger's postings.

use crate::orders::OrderSummary;
use instrument::{CardBrand, WalletKind};
use serde::{Deserialize, Serialize};
pub mod attempt;
pub mod instrument;
pub mod ledger;

/// What a "Pay" (or a verification) comes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayResult {
    pub attempt_id: i64,
    pub order_number: String,
    pub status: crate::payments::attempt::AttemptStatus,
    /// Why it failed, for the shopper.
    pub message: Option<String>,
    /// Sandbox only: the one-time code the sandbox "sent".
    pub sandbox_code: Option<String>,
    /// While it waits for its code: how many codes may still be tried, and until when.
    #[serde(default)]
    pub tries_left: Option<u8>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub verification_expires_at: Option<time::OffsetDateTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    CreditCard,
    DebitCard,
    Wallet,
}

impl MethodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MethodKind::CreditCard => "credit_card",
            MethodKind::DebitCard => "debit_card",
            MethodKind::Wallet => "wallet",
        }
    }
    pub fn parse(raw: &str) -> Option<MethodKind> {
        [MethodKind::CreditCard, MethodKind::DebitCard, MethodKind::Wallet].into_iter().find(|k| k.as_str() == raw)
    }
}

/// A bound method as the shopper sees it: never more than brand, last four digits, expiry,
/// holder name, or the wallet and its masked account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethod {
    pub id: i64,
    pub kind: MethodKind,
    pub brand: Option<String>,
    pub last4: Option<String>,
    pub exp_month: Option<u8>,
    pub exp_year: Option<u16>,
    pub holder_name: Option<String>,
    pub wallet: Option<String>,
    pub wallet_display: Option<String>,
    pub is_default: bool,
}

impl PaymentMethod {
    /// "Visa credit card •••• 4242", "PayPal a***@example.com".
    pub fn label(&self) -> String {
        match self.kind {
            MethodKind::Wallet => format!(
                "{} {}",
                self.wallet.as_deref().and_then(WalletKind::parse).map(WalletKind::label).unwrap_or("Wallet"),
                self.wallet_display.clone().unwrap_or_default()
            ),
            kind => format!(
                "{} {} •••• {}",
                self.brand.as_deref().and_then(CardBrand::parse).map(CardBrand::label).unwrap_or("Card"),
                if kind == MethodKind::DebitCard { "debit card" } else { "credit card" },
                self.last4.clone().unwrap_or_default()
            ),
        }
    }
}

/// The card form as typed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CardForm {
    pub kind: String,
    pub number: String,
    pub expiry: String,
    pub cvc: String,
    pub holder: String,
}

/// What the pay page needs, with a fresh idempotency key for the next "Pay".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayPageInfo {
    pub order: OrderSummary,
    pub methods: Vec<PaymentMethod>,
    pub latest: Option<PayResult>,
    pub idempotency_key: String,
}
