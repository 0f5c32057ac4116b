//! The order's life, in one place: a function from (status, event) to the next status or an
//! error. Every refused transition is an error, never a silent no-op.

use crate::money::Money;
use crate::qualification::COUNTRIES;
use crate::{FieldError, Message, Refusal};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    AwaitingPayment,
    /// Cash on delivery chosen: goes to shipping unpaid.
    CodToShip,
    /// Cash on delivery, handed to the carrier: the cash is due on delivery.
    CodShipped,
    Paid,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
}

pub const ALL_STATUSES: &[OrderStatus] = &[
    OrderStatus::AwaitingPayment,
    OrderStatus::CodToShip,
    OrderStatus::CodShipped,
    OrderStatus::Paid,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
    OrderStatus::Completed,
    OrderStatus::Cancelled,
];

/// Who caused a change: recorded with every order event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Shopper,
    Merchant,
    System,
    Staff,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Shopper => "shopper",
            Actor::Merchant => "merchant",
            Actor::System => "system",
            Actor::Staff => "staff",
        }
    }
    pub fn parse(raw: &str) -> Option<Actor> {
        [Actor::Shopper, Actor::Merchant, Actor::System, Actor::Staff].into_iter().find(|a| a.as_str() == raw)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderEvent {
    /// Payment succeeded.
    Pay,
    /// The merchant chose cash on delivery.
    ChooseCod,
    /// The merchant handed the parcel to the carrier.
    Ship,
    /// The parcel reached the shopper.
    Deliver,
    /// The parcel reached the shopper and the merchant collected the cash due.
    DeliverCollectingCash,
    /// The return window passed.
    Complete,
    /// The shopper (or merchant, or staff) cancelled an unpaid order.
    Cancel(Actor),
    /// The payment deadline passed.
    Expire,
}

impl OrderEvent {
    pub fn name(self) -> &'static str {
        match self {
            OrderEvent::Pay => "paid",
            OrderEvent::ChooseCod => "cash_on_delivery",
            OrderEvent::Ship => "shipped",
            OrderEvent::Deliver => "delivered",
            OrderEvent::DeliverCollectingCash => "delivered_cash_collected",
            OrderEvent::Complete => "completed",
            OrderEvent::Cancel(_) => "cancelled",
            OrderEvent::Expire => "expired",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", Message::OrderCannot { status: *from, change: *change })]
pub struct OrderTransitionError {
    pub from: OrderStatus,
    /// What was refused.
    pub change: OrderChange,
}

/// A change to an order, as named when it is refused ("… cannot be shipped").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderChange {
    Pay,
    SwitchToCashOnDelivery,
    Ship,
    Deliver,
    Complete,
    Cancel,
    Expire,
}

impl OrderChange {
    /// The end of "An order that is … cannot be …", in English.
    pub fn refused_words(self) -> &'static str {
        match self {
            OrderChange::Pay => "paid",
            OrderChange::SwitchToCashOnDelivery => "switched to cash on delivery",
            OrderChange::Ship => "shipped",
            OrderChange::Deliver => "delivered",
            OrderChange::Complete => "completed",
            OrderChange::Cancel => "cancelled",
            OrderChange::Expire => "expired",
        }
    }
}

impl OrderEvent {
    fn change(self) -> OrderChange {
        match self {
            OrderEvent::Pay => OrderChange::Pay,
            OrderEvent::ChooseCod => OrderChange::SwitchToCashOnDelivery,
            OrderEvent::Ship => OrderChange::Ship,
            OrderEvent::Deliver | OrderEvent::DeliverCollectingCash => OrderChange::Deliver,
            OrderEvent::Complete => OrderChange::Complete,
            OrderEvent::Cancel(_) => OrderChange::Cancel,
            OrderEvent::Expire => OrderChange::Expire,
        }
    }
}

impl From<OrderTransitionError> for crate::Refusal {
    fn from(err: OrderTransitionError) -> Self {
        crate::Refusal::Conflict(Message::OrderCannot { status: err.from, change: err.change })
    }
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::CodToShip => "cod_to_ship",
            OrderStatus::CodShipped => "cod_shipped",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<OrderStatus> {
        ALL_STATUSES.iter().copied().find(|s| s.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "Awaiting payment",
            OrderStatus::CodToShip => "Cash on delivery, to ship",
            OrderStatus::CodShipped => "Shipped, cash due",
            OrderStatus::Paid => "Paid",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Completed => "Completed",
            OrderStatus::Cancelled => "Cancelled",
        }
    }

    /// Does leaving this status for `Cancelled` give the reserved stock back?
    pub fn holds_stock(self) -> bool {
        !matches!(self, OrderStatus::Cancelled)
    }

    /// Has the shopper paid (online, or in cash on delivery)?
    pub fn is_paid(self) -> bool {
        matches!(self, OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Delivered | OrderStatus::Completed)
    }

    pub fn apply(self, event: OrderEvent) -> Result<OrderStatus, OrderTransitionError> {
        use OrderStatus::*;
        match (self, event) {
            (AwaitingPayment, OrderEvent::Pay) => Ok(Paid),
            (AwaitingPayment, OrderEvent::ChooseCod) => Ok(CodToShip),
            (AwaitingPayment, OrderEvent::Cancel(_) | OrderEvent::Expire) => Ok(Cancelled),
            // Once the merchant has committed to shipping for cash, only they (or staff) may
            // call it off, and only before it ships.
            (CodToShip, OrderEvent::Cancel(Actor::Merchant | Actor::Staff)) => Ok(Cancelled),
            (CodToShip, OrderEvent::Ship) => Ok(CodShipped),
            (CodShipped, OrderEvent::DeliverCollectingCash) => Ok(Delivered),
            (Paid, OrderEvent::Ship) => Ok(Shipped),
            (Shipped, OrderEvent::Deliver) => Ok(Delivered),
            (Delivered, OrderEvent::Complete) => Ok(Completed),
            (from, event) => Err(OrderTransitionError { from, change: event.change() }),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub number: String,
    pub shop_name: String,
    pub status: OrderStatus,
    pub total: Money,
    #[serde(with = "time::serde::rfc3339")]
    pub payment_due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub items: i64,
    /// What refunds gave back so far ("Partially refunded" / "Refunded in full" beside the status).
    pub refunded: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_id: i64,
    pub title: String,
    pub unit_price: Money,
    pub quantity: i32,
    pub line_total: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEventView {
    pub actor: Actor,
    pub event: String,
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub detail: Option<EventDetail>,
}

/// What an order event carries beyond its status change. Parameters, never prose: each reader
/// sees the same event in their own language (a merchant in Chinese, a shopper in English).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventDetail {
    /// A payment request: the shopper must pay by then.
    PayBy {
        #[serde(with = "time::serde::rfc3339")]
        deadline: OffsetDateTime,
    },
    /// The parcel went out with this carrier under this tracking number.
    Shipment { carrier: String, tracking: String },
    /// Cash the courier collected on delivery.
    CashCollected { amount: Money },
    /// Money that arrived after the order could no longer take it, being sent back.
    UnexpectedCharge { amount: Money },
    /// That money, sent back to the shopper.
    UnexpectedChargeRefunded { amount: Money },
    /// An after-sales step about this much money (asked, approved, refunded, failed).
    Refund { amount: Money },
    /// Items sent back by the shopper with this carrier under this tracking number.
    ReturnShipment { carrier: String, tracking: String },
    /// Text stored before details were kept as parameters (shown as it was written).
    Note { text: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub summary: OrderSummary,
    pub shopper_email: String,
    pub address: ShippingAddress,
    pub lines: Vec<OrderLine>,
    pub events: Vec<OrderEventView>,
    pub method: CollectionMethod,
    /// The latest payment request, and its deadline while it is open.
    pub request: RequestState,
    #[serde(with = "time::serde::rfc3339::option")]
    pub request_deadline: Option<OffsetDateTime>,
    pub shipment: Option<Shipment>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub paid_at: Option<OffsetDateTime>,
}

/// The latest payment request of an order, as far as the merchant's choices go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// No request was sent yet (the shopper may still pay within the checkout window).
    NotSent,
    /// A request is waiting for the shopper.
    Open,
    /// The merchant withdrew the last request: the shopper cannot pay until a new one is sent.
    Withdrawn,
    /// The request ended (paid, expired, cancelled).
    Closed,
}

/// A parcel's carrier and tracking number, trimmed and checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
}

impl Shipment {
    pub fn parse(carrier: &str, tracking: &str) -> Result<Shipment, Refusal> {
        let carrier = carrier.trim().to_string();
        let tracking: String = tracking.trim().to_string();
        let mut errors = Vec::new();
        if carrier.is_empty() || carrier.chars().count() > 60 {
            errors.push(FieldError::new("carrier", Message::CarrierFormat));
        }
        if tracking.is_empty() || tracking.len() > 60 || !tracking.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ') {
            errors.push(FieldError::new("tracking", Message::TrackingFormat));
        }
        if errors.is_empty() { Ok(Shipment { carrier, tracking_number: tracking }) } else { Err(Refusal::Invalid(errors)) }
    }
}

/// How the merchant collects an order's money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectionMethod {
    Online,
    CashOnDelivery,
}

impl CollectionMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            CollectionMethod::Online => "online",
            CollectionMethod::CashOnDelivery => "cash_on_delivery",
        }
    }
    pub fn parse(raw: &str) -> Option<CollectionMethod> {
        [CollectionMethod::Online, CollectionMethod::CashOnDelivery].into_iter().find(|m| m.as_str() == raw)
    }
    pub fn label(self) -> &'static str {
        match self {
            CollectionMethod::Online => "Online payment",
            CollectionMethod::CashOnDelivery => "Cash on delivery",
        }
    }
}

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
        let mut text = |field: &str, value: &str, max: u32, required: bool| {
            let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
            if required && v.is_empty() {
                errors.push(FieldError::new(field, Message::Required));
            } else if v.chars().count() > max as usize {
                errors.push(FieldError::new(field, Message::TooLong { max }));
            }
            v
        };
        let name = text("name", &raw.name, 100, true);
        let line1 = text("line1", &raw.line1, 200, true);
        let line2 = text("line2", &raw.line2, 200, false);
        let city = text("city", &raw.city, 100, true);
        let postcode = raw.postcode.trim().to_uppercase();
        if postcode.is_empty() || postcode.len() > 12 || !postcode.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
            errors.push(FieldError::new("postcode", Message::PostcodeFormat));
        }
        let phone = raw.phone.trim().to_string();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if !(7..=15).contains(&digits) || !phone.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0)) {
            errors.push(FieldError::new("phone", Message::PhoneFormat));
        }
        let country = raw.country.trim().to_uppercase();
        if !COUNTRIES.iter().any(|(c, _)| *c == country) {
            errors.push(FieldError::new("country", Message::ChooseFromList));
        }
        if !errors.is_empty() {
            return Err(Refusal::Invalid(errors));
        }
        Ok(ShippingAddress { name, phone, line1, line2, city, postcode, country })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn every_status_and_event_pair_is_decided() {
        let events = [
            OrderEvent::Pay,
            OrderEvent::ChooseCod,
            OrderEvent::Ship,
            OrderEvent::Deliver,
            OrderEvent::DeliverCollectingCash,
            OrderEvent::Complete,
            OrderEvent::Cancel(Actor::Shopper),
            OrderEvent::Cancel(Actor::Merchant),
            OrderEvent::Cancel(Actor::Staff),
            OrderEvent::Cancel(Actor::System),
            OrderEvent::Expire,
        ];
        let allowed = |from: OrderStatus, e: OrderEvent| -> Option<OrderStatus> {
            match (from, e) {
                (AwaitingPayment, OrderEvent::Pay) => Some(Paid),
                (AwaitingPayment, OrderEvent::ChooseCod) => Some(CodToShip),
                (AwaitingPayment, OrderEvent::Cancel(_)) => Some(Cancelled),
                (AwaitingPayment, OrderEvent::Expire) => Some(Cancelled),
                (CodToShip, OrderEvent::Cancel(Actor::Merchant)) => Some(Cancelled),
                (CodToShip, OrderEvent::Cancel(Actor::Staff)) => Some(Cancelled),
                (CodToShip, OrderEvent::Ship) => Some(CodShipped),
                (CodShipped, OrderEvent::DeliverCollectingCash) => Some(Delivered),
                (Paid, OrderEvent::Ship) => Some(Shipped),
                (Shipped, OrderEvent::Deliver) => Some(Delivered),
                (Delivered, OrderEvent::Complete) => Some(Completed),
                _ => None,
            }
        };
        let mut allowed_count = 0;
        for from in ALL_STATUSES {
            for e in events {
                match (from.apply(e), allowed(*from, e)) {
                    (Ok(to), Some(want)) => {
                        assert_eq!(to, want);
                        allowed_count += 1;
                    }
                    (Err(err), None) => {
                        assert_eq!(err.from, *from);
                        assert!(err.to_string().starts_with("An order that is"));
                    }
                    (got, want) => panic!("{from:?} + {e:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        assert_eq!(allowed_count, 14);
    }

    #[test]
    fn terminal_statuses_refuse_everything() {
        for e in [OrderEvent::Pay, OrderEvent::Cancel(Actor::Shopper), OrderEvent::Expire, OrderEvent::Ship] {
            assert!(Cancelled.apply(e).is_err());
            assert!(Completed.apply(e).is_err());
        }
    }

    #[test]
    fn refusals_read_well() {
        let err = Paid.apply(OrderEvent::Cancel(Actor::Shopper)).unwrap_err();
        assert_eq!(err.to_string(), "An order that is paid cannot be cancelled.");
        let err = CodShipped.apply(OrderEvent::Deliver).unwrap_err();
        assert_eq!(err.to_string(), "An order that is shipped, cash due cannot be delivered.");
        let err = CodToShip.apply(OrderEvent::Cancel(Actor::Shopper)).unwrap_err();
        assert_eq!(err.to_string(), "An order that is cash on delivery, to ship cannot be cancelled.");
    }

    #[test]
    fn only_money_received_counts_as_paid() {
        let paid: Vec<_> = ALL_STATUSES.iter().filter(|s| s.is_paid()).collect();
        assert_eq!(paid, [&Paid, &Shipped, &Delivered, &Completed]);
    }

    #[test]
    fn statuses_round_trip() {
        for s in ALL_STATUSES {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Actor::parse("system"), Some(Actor::System));
    }
}
