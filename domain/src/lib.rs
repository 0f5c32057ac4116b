//! Paydesk's domain: the vocabulary every other part speaks and the rules that need nothing
//! but their inputs — money in minor units, accounts and roles, the order and payment-attempt
//! state machines, what a merchant may do to an order, the ledger's postings, card and wallet
//! checks, the merchant qualification. Pure functions over plain values: no web framework, no
//! database, no async runtime, so these tests run in a second.
//!
//! Who may use what: `domain` ← `app`'s server side (SQL and transactions, `app::db` and the
//! feature services) ← server functions and pages. Nothing here imports from above.

pub mod accounts;
pub mod api;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod collection;
pub mod dashboard;
pub mod device;
pub mod health;
pub mod live;
pub mod message;
pub mod money;
pub mod notifications;
pub mod orders;
pub mod payments;
pub mod qualification;
pub mod refunds;
pub mod settlement;
#[cfg(feature = "sqlx")]
mod stored;
pub mod support;
pub mod webhooks;

use serde::{Deserialize, Serialize};

pub use message::Message;

/// A field-level validation message, shown next to the field it names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: Message,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<Message>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// Why the domain refuses an input or a change: the user can act on either.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The input is not acceptable; one message per offending field.
    #[error("Please correct the highlighted fields.")]
    Invalid(Vec<FieldError>),
    /// The change conflicts with the current state (an order already paid, say).
    #[error("{0}")]
    Conflict(Message),
    /// The request itself is malformed (a page link that was tampered with, say).
    #[error("The request could not be understood: {0}")]
    Malformed(String),
}

impl Refusal {
    /// One message for one field.
    pub fn field(field: impl Into<String>, message: impl Into<Message>) -> Self {
        Refusal::Invalid(vec![FieldError::new(field, message)])
    }

    /// The message for `field`, if this refusal names it.
    pub fn message_for(&self, field: &str) -> Option<&Message> {
        match self {
            Refusal::Invalid(errors) => errors.iter().find(|e| e.field == field).map(|e| &e.message),
            Refusal::Conflict(_) | Refusal::Malformed(_) => None,
        }
    }
}
