//! Support: tickets, their messages, what staff did, and work that is stuck.

use crate::Refusal;
use crate::accounts::ActivityEntry;
use crate::collection::AttemptView;
use crate::orders::Order;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketCategory {
    UnrecognisedPayment,
    WrongAmount,
    OrderNotReceived,
    AccountAccessed,
    Other,
    /// Filed by the platform itself: money arrived for an order that could not take it.
    UnexpectedCharge,
    /// A refund request the shop refused, escalated by the shopper: staff decide.
    RefundDispute,
}

pub const CATEGORIES: &[(TicketCategory, &str)] = &[
    (TicketCategory::UnrecognisedPayment, "A payment I do not recognise"),
    (TicketCategory::WrongAmount, "A wrong amount"),
    (TicketCategory::OrderNotReceived, "An order that did not arrive"),
    (TicketCategory::AccountAccessed, "Someone else used my account"),
    (TicketCategory::Other, "Something else"),
];

impl TicketCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketCategory::UnrecognisedPayment => "unrecognised_payment",
            TicketCategory::WrongAmount => "wrong_amount",
            TicketCategory::OrderNotReceived => "order_not_received",
            TicketCategory::AccountAccessed => "account_accessed",
            TicketCategory::Other => "other",
            TicketCategory::UnexpectedCharge => "unexpected_charge",
            TicketCategory::RefundDispute => "refund_dispute",
        }
    }
    /// A category a user may choose (the platform's own are refused).
    pub fn parse(raw: &str) -> Option<TicketCategory> {
        CATEGORIES.iter().map(|(c, _)| *c).find(|c| c.as_str() == raw)
    }
    /// Any stored category, the platform's own included.
    pub fn parse_stored(raw: &str) -> Option<TicketCategory> {
        Self::parse(raw).or(match raw {
            "unexpected_charge" => Some(TicketCategory::UnexpectedCharge),
            "refund_dispute" => Some(TicketCategory::RefundDispute),
            _ => None,
        })
    }
    pub fn label(self) -> &'static str {
        match self {
            TicketCategory::UnexpectedCharge => "Money received after the order closed (filed by Paydesk)",
            TicketCategory::RefundDispute => "A refused refund request, escalated",
            other => CATEGORIES.iter().find(|(c, _)| *c == other).map(|(_, l)| *l).unwrap_or("Something else"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    Answered,
    Closed,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Answered => "answered",
            TicketStatus::Closed => "closed",
        }
    }
    pub fn parse(raw: &str) -> Option<TicketStatus> {
        [TicketStatus::Open, TicketStatus::Answered, TicketStatus::Closed].into_iter().find(|s| s.as_str() == raw)
    }
    pub fn label(self) -> &'static str {
        match self {
            TicketStatus::Open => "Open",
            TicketStatus::Answered => "Answered",
            TicketStatus::Closed => "Closed",
        }
    }

    /// A new message: from the user it (re)opens the ticket, from staff it answers it. A closed
    /// ticket takes no more messages.
    pub fn after_message(self, from_staff: bool) -> Result<TicketStatus, Refusal> {
        match (self, from_staff) {
            (TicketStatus::Closed, _) => Err(Refusal::Conflict(crate::Message::TicketClosedOpenNew)),
            (_, true) => Ok(TicketStatus::Answered),
            (_, false) => Ok(TicketStatus::Open),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub user_id: i64,
    pub user_email: String,
    pub category: TicketCategory,
    pub order_number: Option<String>,
    pub attempt_id: Option<i64>,
    pub status: TicketStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub waiting_since: OffsetDateTime,
    pub user_frozen: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub from_staff: bool,
    pub author: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAction {
    pub staff: String,
    pub action: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl StaffAction {
    pub fn describe(&self) -> String {
        let what = match self.action.as_str() {
            "replied" => "replied",
            "closed" => "closed the ticket",
            "froze_account" => "froze the account",
            "unfroze_account" => "unfroze the account",
            "approved_refund" => "approved the refund",
            "upheld_refusal" => "upheld the shop's refusal",
            _ => "acted",
        };
        format!("{} {what}", self.staff)
    }
}

/// A ticket with its conversation, for its user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketThread {
    pub ticket: Ticket,
    pub messages: Vec<Message>,
}

/// A ticket as staff see it: the conversation, what staff did, and the context beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffTicketView {
    pub ticket: Ticket,
    pub messages: Vec<Message>,
    pub actions: Vec<StaffAction>,
    pub order: Option<Order>,
    pub attempts: Vec<AttemptView>,
    pub activity: Vec<ActivityEntry>,
}

/// Background work that kept failing (a payment the provider cannot answer about, an order
/// the worker cannot expire…), as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StuckWork {
    pub job: String,
    pub item_id: i64,
    pub failures: i32,
    pub last_error: String,
    #[serde(with = "time::serde::rfc3339")]
    pub next_try: OffsetDateTime,
}

impl StuckWork {
    /// What the item is, for a person.
    pub fn describe(&self) -> String {
        match self.job.as_str() {
            "reconcile" => format!("Payment attempt {}: its outcome could not be confirmed with the provider", self.item_id),
            "verification_timeout" => format!("Payment attempt {}: its timed-out verification could not be stopped", self.item_id),
            "unexpected_refund" => format!("Payment attempt {}: an unexpected charge could not be refunded", self.item_id),
            "expire" => format!("Order #{}: could not be expired after its deadline", self.item_id),
            "complete" => format!("Order #{}: could not be completed", self.item_id),
            "refund" => format!("Refund #{}: the provider has not refunded it yet", self.item_id),
            "after_sales_deadline" => format!("Refund request #{}: could not be acted on after its deadline", self.item_id),
            other => format!("{other} #{}", self.item_id),
        }
    }
}

/// A message as typed: trimmed, 1 to 4,000 characters. Markup is kept as text (and shown
/// escaped, like everything the app renders).
pub fn message_text(raw: &str, field: &'static str) -> Result<String, Refusal> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Refusal::field(field, crate::Message::DescribeProblem));
    }
    if text.chars().count() > 4000 {
        return Err(Refusal::field(field, crate::Message::TooLong { max: 4000 }));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_statuses_round_trip() {
        for (c, _) in CATEGORIES {
            assert_eq!(TicketCategory::parse(c.as_str()), Some(*c));
        }
        for s in [TicketStatus::Open, TicketStatus::Answered, TicketStatus::Closed] {
            assert_eq!(TicketStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn messages_move_the_ticket_and_a_closed_one_takes_none() {
        assert_eq!(TicketStatus::Open.after_message(true).unwrap(), TicketStatus::Answered);
        assert_eq!(TicketStatus::Answered.after_message(false).unwrap(), TicketStatus::Open);
        assert_eq!(TicketStatus::Open.after_message(false).unwrap(), TicketStatus::Open);
        assert!(TicketStatus::Closed.after_message(false).is_err());
        assert!(TicketStatus::Closed.after_message(true).is_err());
    }

    #[test]
    fn message_text_is_trimmed_and_bounded() {
        assert_eq!(message_text("  <b>hi</b> ", "body").unwrap(), "<b>hi</b>");
        assert!(message_text("   ", "body").unwrap_err().message_for("body").is_some());
        assert!(message_text(&"x".repeat(4001), "body").is_err());
        assert!(message_text(&"字".repeat(4000), "body").is_ok());
    }
}
