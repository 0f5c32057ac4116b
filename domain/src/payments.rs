//! Paying: the attempt machine, card and wallet checks, the ledger's postings.

use crate::orders::{OrderLine, OrderSummary};
use instrument::{CardBrand, WalletKind};
use serde::{Deserialize, Serialize};
pub mod attempt;
pub mod instrument;
pub mod ledger;

/// Why a payment attempt failed: a code, stored as it is (`payment_attempts.failure_reason`)
/// and worded by each reader's page in their language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum DeclineReason {
    CardDeclined,
    InsufficientFunds,
    ExpiredCard,
    IncorrectCode,
    WalletRejected,
    /// The charge was cancelled (voided) before it completed.
    Cancelled,
    /// Paydesk's own reasons for giving up on an attempt (the provider is told to cancel it).
    VerificationExpired,
    TooManyWrongCodes,
    ShopperChoseAnotherMethod,
    /// The money came after the order had closed: it is being sent back.
    OrderClosed,
}

impl DeclineReason {
    pub fn code(self) -> &'static str {
        match self {
            DeclineReason::CardDeclined => "card_declined",
            DeclineReason::InsufficientFunds => "insufficient_funds",
            DeclineReason::ExpiredCard => "expired_card",
            DeclineReason::IncorrectCode => "incorrect_code",
            DeclineReason::WalletRejected => "wallet_rejected",
            DeclineReason::Cancelled => "cancelled",
            DeclineReason::VerificationExpired => "verification_expired",
            DeclineReason::TooManyWrongCodes => "too_many_wrong_codes",
            DeclineReason::ShopperChoseAnotherMethod => "another_method",
            DeclineReason::OrderClosed => "order_closed",
        }
    }
    pub const ALL: [DeclineReason; 10] = [
        DeclineReason::CardDeclined,
        DeclineReason::InsufficientFunds,
        DeclineReason::ExpiredCard,
        DeclineReason::IncorrectCode,
        DeclineReason::WalletRejected,
        DeclineReason::Cancelled,
        DeclineReason::VerificationExpired,
        DeclineReason::TooManyWrongCodes,
        DeclineReason::ShopperChoseAnotherMethod,
        DeclineReason::OrderClosed,
    ];

    pub fn parse(code: &str) -> Option<DeclineReason> {
        DeclineReason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// In English, for logs and the provider's errors; pages word it in their own language.
    pub fn message(self) -> &'static str {
        match self {
            DeclineReason::CardDeclined => "The card was declined by its bank.",
            DeclineReason::InsufficientFunds => "There are not enough funds on this account.",
            DeclineReason::ExpiredCard => "The card has expired.",
            DeclineReason::IncorrectCode => "The verification code is not correct.",
            DeclineReason::WalletRejected => "The wallet provider refused this account.",
            DeclineReason::Cancelled => "The payment was cancelled.",
            DeclineReason::VerificationExpired => "The verification step timed out.",
            DeclineReason::TooManyWrongCodes => "Too many wrong codes were entered, so this payment was stopped.",
            DeclineReason::ShopperChoseAnotherMethod => "You stopped this payment to use another method.",
            DeclineReason::OrderClosed => "The payment arrived after the order had closed; the money is being sent back.",
        }
    }
}

impl From<DeclineReason> for &'static str {
    fn from(reason: DeclineReason) -> &'static str {
        reason.code()
    }
}

impl TryFrom<String> for DeclineReason {
    type Error = String;
    fn try_from(code: String) -> Result<DeclineReason, String> {
        DeclineReason::parse(&code).ok_or_else(|| format!("unknown decline reason {code:?}"))
    }
}

#[cfg(test)]
mod decline_tests {
    use super::DeclineReason;

    #[test]
    fn every_decline_reason_round_trips_through_its_code() {
        for reason in DeclineReason::ALL {
            assert_eq!(DeclineReason::parse(reason.code()), Some(reason));
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.code()));
            assert_eq!(serde_json::from_str::<DeclineReason>(&json).unwrap(), reason);
        }
        assert!(serde_json::from_str::<DeclineReason>("\"The card was declined\"").is_err());
    }
}

/// What a "Pay" (or a verification) comes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayResult {
    pub attempt_id: i64,
    pub order_number: String,
    pub status: crate::payments::attempt::AttemptStatus,
    /// Why it failed.
    pub reason: Option<DeclineReason>,
    /// Sandbox only: the one-time code the sandbox "sent".
    pub sandbox_code: Option<String>,
    /// While it waits for its code: how many codes may still be tried, and until when.
    #[serde(default)]
    pub tries_left: Option<u8>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub verification_expires_at: Option<time::OffsetDateTime>,
    /// The method this attempt pays with, as far as its shopper may see it (named on the
    /// verification step: "Visa credit card •••• 3220"). Filled where the attempt is read back.
    #[serde(default)]
    pub method: Option<MethodSummary>,
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

/// What may be shown of a method to someone who does not own it (the merchant): the kind,
/// the brand or wallet and its masked end — never the holder or the expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodSummary {
    pub kind: MethodKind,
    pub brand: Option<CardBrand>,
    pub last4: Option<String>,
    pub wallet: Option<WalletKind>,
    pub wallet_display: Option<String>,
}

impl PaymentMethod {
    pub fn summary(&self) -> MethodSummary {
        MethodSummary {
            kind: self.kind,
            brand: self.brand.as_deref().and_then(CardBrand::parse),
            last4: self.last4.clone(),
            wallet: self.wallet.as_deref().and_then(WalletKind::parse),
            wallet_display: self.wallet_display.clone(),
        }
    }

    /// "Visa credit card •••• 4242", "PayPal a***@example.com".
    pub fn label(&self) -> String {
        self.summary().label()
    }
}

impl MethodSummary {
    /// In English, for logs and API clients; pages word it in their reader's language.
    pub fn label(&self) -> String {
        match self.kind {
            MethodKind::Wallet => {
                format!("{} {}", self.wallet.map(WalletKind::label).unwrap_or("Wallet"), self.wallet_display.clone().unwrap_or_default())
            }
            kind => format!(
                "{} {} •••• {}",
                self.brand.map(CardBrand::label).unwrap_or("Card"),
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

/// What the pay page needs, with a fresh idempotency key for the next "Pay": what is being
/// paid for (the shop, its lines, the total in `order`), the shopper's methods and the latest
/// attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayPageInfo {
    pub order: OrderSummary,
    /// The shop the order is from (its name is `order.shop_name`), for a link to it.
    pub shop_id: i64,
    pub lines: Vec<OrderLine>,
    pub methods: Vec<PaymentMethod>,
    pub latest: Option<PayResult>,
    pub idempotency_key: String,
}
