//! Checkout: the shipping address and its checks, the deadlines of orders.

use crate::cart::CartGroup;
use crate::collection::DeadlineLimits;
pub use crate::orders::ShippingAddress;
use serde::{Deserialize, Serialize};

/// Deadlines of orders: how long a shopper has to pay a new order or a payment request
/// (`PAYDESK_PAYMENT_WINDOW_MINUTES`), the limits a merchant may set a request's deadline
/// within, and how long after delivery an order completes by itself.
#[derive(Clone, Copy, Debug)]
pub struct OrderSettings {
    pub payment_window_minutes: i64,
    pub request_min_minutes: i64,
    pub request_max_minutes: i64,
    pub complete_after_hours: i64,
    /// How long a payment may wait for its one-time verification code.
    pub verification_timeout_minutes: i64,
    /// The after-sales windows: the merchant's answer, the return's receipt.
    pub after_sales: crate::refunds::AfterSalesSettings,
    /// Days after delivery before an order's money settles (nothing open on it).
    pub settle_after_days: i64,
    /// Staff may move the platform's clock forward (sandbox provider, not production).
    pub test_clock: bool,
    /// Where webhooks may go and how they are retried.
    pub webhooks: crate::webhooks::WebhookSettings,
}

impl Default for OrderSettings {
    fn default() -> Self {
        OrderSettings {
            payment_window_minutes: 30,
            request_min_minutes: 5,
            request_max_minutes: 7 * 24 * 60,
            complete_after_hours: 7 * 24,
            verification_timeout_minutes: 10,
            after_sales: Default::default(),
            settle_after_days: 7,
            test_clock: false,
            webhooks: Default::default(),
        }
    }
}

/// What the checkout page needs: the shop's cart lines and a fresh idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutInfo {
    pub group: CartGroup,
    pub idempotency_key: String,
}

impl OrderSettings {
    pub fn deadline_limits(&self) -> DeadlineLimits {
        DeadlineLimits { default_minutes: self.payment_window_minutes, min_minutes: self.request_min_minutes, max_minutes: self.request_max_minutes }
    }
}
