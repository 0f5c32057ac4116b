//! Notifications: what a user is told, and whether they have read it.

use crate::money::Money;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    PaymentReceived,
    PaymentRequested,
    PaymentRequestWithdrawn,
    OrderExpired,
    OrderShipped,
    /// Someone signed in to the account from a device it had not used before.
    NewDeviceSignIn,
    /// Money that arrived for an order that could no longer take it was sent back.
    UnexpectedChargeRefunded,
    /// To the merchant: a shopper asks for a refund (deadline: the answer's).
    RefundRequested,
    /// To the shopper: the shop refused their request (they may escalate).
    RefundRefused,
    /// To the shopper: the return was approved; send the items back.
    ReturnApproved,
    /// To the merchant: the items are on their way back (deadline: the receipt's).
    ReturnShipped,
    /// To the merchant: the shopper took a refusal to the platform.
    RefundEscalated,
    /// To both: money went back to the shopper.
    RefundSucceeded,
    /// To the merchant: the provider refused a refund; Paydesk tries again.
    RefundFailed,
    /// To the merchant: a payout reached their bank.
    PayoutPaid,
    /// To the merchant: a payout failed; its money is available again (detail: why).
    PayoutFailed,
    /// To the merchant: a webhook endpoint failed for days and was turned off (detail: its
    /// address).
    WebhookDisabled,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::PaymentReceived => "payment_received",
            NotificationKind::PaymentRequested => "payment_requested",
            NotificationKind::PaymentRequestWithdrawn => "payment_request_withdrawn",
            NotificationKind::OrderExpired => "order_expired",
            NotificationKind::OrderShipped => "order_shipped",
            NotificationKind::NewDeviceSignIn => "new_device_sign_in",
            NotificationKind::UnexpectedChargeRefunded => "unexpected_charge_refunded",
            NotificationKind::RefundRequested => "refund_requested",
            NotificationKind::RefundRefused => "refund_refused",
            NotificationKind::ReturnApproved => "return_approved",
            NotificationKind::ReturnShipped => "return_shipped",
            NotificationKind::RefundEscalated => "refund_escalated",
            NotificationKind::RefundSucceeded => "refund_succeeded",
            NotificationKind::RefundFailed => "refund_failed",
            NotificationKind::PayoutPaid => "payout_paid",
            NotificationKind::PayoutFailed => "payout_failed",
            NotificationKind::WebhookDisabled => "webhook_disabled",
        }
    }
    pub fn parse(raw: &str) -> Option<NotificationKind> {
        NotificationKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
    pub const ALL: [NotificationKind; 17] = {
        use NotificationKind::*;
        [
            PaymentReceived,
            PaymentRequested,
            PaymentRequestWithdrawn,
            OrderExpired,
            OrderShipped,
            NewDeviceSignIn,
            UnexpectedChargeRefunded,
            RefundRequested,
            RefundRefused,
            ReturnApproved,
            ReturnShipped,
            RefundEscalated,
            RefundSucceeded,
            RefundFailed,
            PayoutPaid,
            PayoutFailed,
            WebhookDisabled,
        ]
    };
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    /// The order it is about (none for notices about the account itself).
    pub order_number: Option<String>,
    pub amount: Option<Money>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub deadline: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub read: bool,
    /// For a new-device sign-in: the device and address.
    pub detail: Option<String>,
}

impl Notification {
    /// Where the notification leads: its order, the shop's money page (payouts), or the
    /// account page.
    pub fn href(&self, order_base: &str) -> String {
        match (&self.order_number, self.kind) {
            (Some(n), _) => format!("{order_base}/{n}"),
            (None, NotificationKind::PayoutPaid | NotificationKind::PayoutFailed) => "/merchant/money".to_string(),
            (None, NotificationKind::WebhookDisabled) => "/merchant/webhooks".to_string(),
            (None, _) => "/account".to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub unread: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn kinds_round_trip_and_each_leads_to_its_page() {
        use NotificationKind::*;
        for k in [PaymentReceived, PaymentRequested, PaymentRequestWithdrawn, OrderExpired, OrderShipped, NewDeviceSignIn, UnexpectedChargeRefunded] {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
        }
        let n = Notification {
            id: 1,
            kind: PaymentReceived,
            order_number: Some("PD-261125-ABCDEF".into()),
            amount: Some(Money::new(1234, Currency::USD)),
            deadline: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            read: false,
            detail: None,
        };
        assert_eq!(n.href("/orders"), "/orders/PD-261125-ABCDEF");
        let device = Notification { kind: NewDeviceSignIn, order_number: None, amount: None, detail: Some("Firefox (203.0.113.9)".into()), ..n };
        assert_eq!(device.href("/orders"), "/account");
    }
}
