//! Checkout: the shipping address and its checks, the deadlines of orders.

use crate::cart::CartGroup;
use crate::collection::DeadlineLimits;
use crate::qualification::COUNTRIES;
use crate::{FieldError, Refusal};
use serde::{Deserialize, Serialize};

/// A validated shipping address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingAddress {
    pub name: String,
    pub phone: String,
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
}

impl ShippingAddress {
    /// Validates the address as typed (the same struct, trimmed), one message per field.
    pub fn parse(raw: &ShippingAddress) -> Result<ShippingAddress, Refusal> {
        let mut errors = Vec::new();
        let mut text = |field: &str, label: &str, value: &str, max: usize, required: bool| {
            let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
            if required && v.is_empty() {
                errors.push(FieldError { field: field.into(), message: format!("Enter the {label}.") });
            } else if v.chars().count() > max {
                errors.push(FieldError { field: field.into(), message: format!("The {label} can have at most {max} characters.") });
            }
            v
        };
        let name = text("name", "recipient's name", &raw.name, 100, true);
        let line1 = text("line1", "street address", &raw.line1, 200, true);
        let line2 = text("line2", "second address line", &raw.line2, 200, false);
        let city = text("city", "city", &raw.city, 100, true);
        let postcode = raw.postcode.trim().to_uppercase();
        if postcode.is_empty() || postcode.len() > 12 || !postcode.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
            errors.push(FieldError { field: "postcode".into(), message: "Enter a postcode of up to 12 letters and digits.".into() });
        }
        let phone = raw.phone.trim().to_string();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if !(7..=15).contains(&digits) || !phone.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0)) {
            errors.push(FieldError { field: "phone".into(), message: "Enter a phone number with 7 to 15 digits.".into() });
        }
        let country = raw.country.trim().to_uppercase();
        if !COUNTRIES.iter().any(|(c, _)| *c == country) {
            errors.push(FieldError { field: "country".into(), message: "Choose a country from the list.".into() });
        }
        if !errors.is_empty() {
            return Err(Refusal::Invalid(errors));
        }
        Ok(ShippingAddress { name, phone, line1, line2, city, postcode, country })
    }
}

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
}

impl Default for OrderSettings {
    fn default() -> Self {
        OrderSettings {
            payment_window_minutes: 30,
            request_min_minutes: 5,
            request_max_minutes: 7 * 24 * 60,
            complete_after_hours: 7 * 24,
            verification_timeout_minutes: 10,
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
