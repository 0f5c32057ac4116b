//! Live status: the events that tell open pages what changed.

use crate::money::{Currency, Money};
use crate::notifications::NotificationKind;
use crate::orders::OrderStatus;
use serde::{Deserialize, Serialize};

/// One event as the server streams it (the `data` of an SSE message, also the `NOTIFY` payload).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub id: i64,
    pub user_id: i64,
    /// "order" (an order event), "notification", "ticket" (a new message on a support ticket)
    /// or "qualification" (a merchant's qualification submitted or decided).
    pub kind: String,
    pub order_number: String,
    pub detail: LiveDetail,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveDetail {
    #[serde(default)]
    pub event: Option<String>,
    #[serde(default)]
    pub status: Option<OrderStatus>,
    #[serde(default)]
    pub notification: Option<NotificationKind>,
    #[serde(default)]
    pub amount_minor: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub ticket_id: Option<i64>,
}

impl LiveEvent {
    /// The money that arrived, if this event tells a merchant of a payment (for a toast).
    pub fn payment_received(&self) -> Option<Money> {
        if self.detail.notification != Some(NotificationKind::PaymentReceived) {
            return None;
        }
        let currency = Currency::parse(self.detail.currency.as_deref()?)?;
        Some(Money::new(self.detail.amount_minor?, currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_and_payments_make_toasts() {
        let raw = r#"{"id":7,"user_id":3,"kind":"notification","order_number":"PD-1","detail":{"notification":"payment_received","amount_minor":1234,"currency":"USD"}}"#;
        let e: LiveEvent = serde_json::from_str(raw).unwrap();
        assert_eq!(e.payment_received(), Some(Money::new(1234, Currency::USD)));
        let raw = r#"{"id":8,"user_id":3,"kind":"order","order_number":"PD-1","detail":{"event":"paid","status":"paid","actor":"shopper"}}"#;
        let e: LiveEvent = serde_json::from_str(raw).unwrap();
        assert_eq!(e.detail.status, Some(OrderStatus::Paid));
        assert_eq!(e.payment_received(), None);
    }
}
