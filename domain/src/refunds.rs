//! After-sales: a shopper's refund request (the case: asked, answered, perhaps escalated, the
//! parcel returned) and a refund (the money: sent to the provider, retried, done). Two machines,
//! as Hyperswitch keeps an intent apart from its attempts: a request may end without money moving,
//! and a merchant may refund without any request.
//!
//! What always holds, here and again in the schema (`refunds_fit` triggers): the refunds of an
//! order that are not cancelled never add up to more than was paid for it, and never to more of a
//! line than its paid quantity.

use crate::money::{Currency, Money};
use crate::orders::{Actor, OrderStatus};
use crate::{FieldError, Message, Refusal};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// What the shopper asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundKind {
    /// The money back; nothing is sent back (before shipment, or goods not worth returning).
    RefundOnly,
    /// The goods go back first; the money follows once the merchant has them.
    ReturnAndRefund,
}

impl RefundKind {
    pub const ALL: [RefundKind; 2] = [RefundKind::RefundOnly, RefundKind::ReturnAndRefund];
    pub fn as_str(self) -> &'static str {
        match self {
            RefundKind::RefundOnly => "refund_only",
            RefundKind::ReturnAndRefund => "return_and_refund",
        }
    }
    pub fn parse(raw: &str) -> Option<RefundKind> {
        RefundKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// Why the shopper asks, from a fixed list (the note says the rest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    ChangedMind,
    OrderedByMistake,
    Damaged,
    WrongItem,
    NotAsDescribed,
    MissingParts,
    Other,
}

impl RefundReason {
    pub const ALL: [RefundReason; 7] = [
        RefundReason::ChangedMind,
        RefundReason::OrderedByMistake,
        RefundReason::Damaged,
        RefundReason::WrongItem,
        RefundReason::NotAsDescribed,
        RefundReason::MissingParts,
        RefundReason::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RefundReason::ChangedMind => "changed_mind",
            RefundReason::OrderedByMistake => "ordered_by_mistake",
            RefundReason::Damaged => "damaged",
            RefundReason::WrongItem => "wrong_item",
            RefundReason::NotAsDescribed => "not_as_described",
            RefundReason::MissingParts => "missing_parts",
            RefundReason::Other => "other",
        }
    }
    pub fn parse(raw: &str) -> Option<RefundReason> {
        RefundReason::ALL.into_iter().find(|r| r.as_str() == raw)
    }
    /// Reasons that make sense before the parcel left (nothing can be damaged or wrong yet).
    pub fn before_shipment(self) -> bool {
        matches!(self, RefundReason::ChangedMind | RefundReason::OrderedByMistake | RefundReason::Other)
    }
}

/// Which requests the shopper may open, by where the order stands. While the parcel travels
/// nothing can be asked (it is not theirs to judge yet); once the return window closed
/// (completed) only the merchant can still refund.
pub fn kinds_allowed(status: OrderStatus) -> &'static [RefundKind] {
    match status {
        OrderStatus::Paid => &[RefundKind::RefundOnly],
        OrderStatus::Delivered => &[RefundKind::RefundOnly, RefundKind::ReturnAndRefund],
        OrderStatus::AwaitingPayment
        | OrderStatus::CodToShip
        | OrderStatus::CodShipped
        | OrderStatus::Shipped
        | OrderStatus::Completed
        | OrderStatus::Cancelled => &[],
    }
}

// ---- The request ---------------------------------------------------------------------------------

/// Where a refund request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the merchant's answer, until the answer deadline.
    AwaitingAnswer,
    /// The merchant refused; the shopper may escalate to the platform.
    Refused,
    /// Escalated: platform staff decide.
    Escalated,
    /// Approved return: waiting for the shopper to send the goods back.
    AwaitingReturn,
    /// The goods are on their way back; the merchant confirms receipt (or the worker does).
    ReturnInTransit,
    /// Approved: the money is on its way back (a refund is pending).
    Refunding,
    /// The money is back with the shopper.
    Refunded,
    /// Ended without money: withdrawn by the shopper, or the refusal upheld by staff.
    Closed,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 8] = [
        RequestStatus::AwaitingAnswer,
        RequestStatus::Refused,
        RequestStatus::Escalated,
        RequestStatus::AwaitingReturn,
        RequestStatus::ReturnInTransit,
        RequestStatus::Refunding,
        RequestStatus::Refunded,
        RequestStatus::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::AwaitingAnswer => "awaiting_answer",
            RequestStatus::Refused => "refused",
            RequestStatus::Escalated => "escalated",
            RequestStatus::AwaitingReturn => "awaiting_return",
            RequestStatus::ReturnInTransit => "return_in_transit",
            RequestStatus::Refunding => "refunding",
            RequestStatus::Refunded => "refunded",
            RequestStatus::Closed => "closed",
        }
    }
    pub fn parse(raw: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }
    /// Still open: someone has something to do (an open request holds the order's after-sales).
    pub fn is_open(self) -> bool {
        !matches!(self, RequestStatus::Refunded | RequestStatus::Closed)
    }
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::AwaitingAnswer => "Waiting for the shop's answer",
            RequestStatus::Refused => "Refused by the shop",
            RequestStatus::Escalated => "With Paydesk support",
            RequestStatus::AwaitingReturn => "Approved: send the items back",
            RequestStatus::ReturnInTransit => "Return on its way",
            RequestStatus::Refunding => "Approved: refund on its way",
            RequestStatus::Refunded => "Refunded",
            RequestStatus::Closed => "Closed",
        }
    }
}

/// Something that happens to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestEvent {
    /// The merchant approves, or the worker does when the answer deadline passed
    /// (`Actor::System`), or staff do after an escalation (`Actor::Staff`).
    Approve(Actor),
    /// The merchant refuses, with a reason.
    Refuse,
    /// The shopper takes a refusal to the platform.
    Escalate,
    /// Staff uphold the refusal.
    Uphold,
    /// The shopper gives the return's carrier and tracking number.
    ShipReturn,
    /// The merchant has the goods back (or the worker says so after the receipt window).
    ConfirmReceipt(Actor),
    /// The refund of this request succeeded.
    MoneyBack,
    /// The shopper no longer wants it.
    Withdraw,
}

impl RequestEvent {
    /// The order event's name when this happens.
    pub fn name(self) -> &'static str {
        match self {
            RequestEvent::Approve(Actor::System) => "refund_auto_approved",
            RequestEvent::Approve(Actor::Staff) => "refund_approved_by_staff",
            RequestEvent::Approve(_) => "refund_approved",
            RequestEvent::Refuse => "refund_refused",
            RequestEvent::Escalate => "refund_escalated",
            RequestEvent::Uphold => "refund_refusal_upheld",
            RequestEvent::ShipReturn => "return_shipped",
            RequestEvent::ConfirmReceipt(Actor::System) => "return_received_auto",
            RequestEvent::ConfirmReceipt(_) => "return_received",
            RequestEvent::MoneyBack => "refund_request_refunded",
            RequestEvent::Withdraw => "refund_withdrawn",
        }
    }
}

/// Who may cause `event`: the merchant answers and receives, the shopper escalates, ships and
/// withdraws, staff decide escalations, the worker only acts on deadlines and money.
fn actor_may(event: RequestEvent, actor: Actor) -> bool {
    match event {
        RequestEvent::Approve(by) => by == actor && matches!(by, Actor::Merchant | Actor::System | Actor::Staff),
        RequestEvent::Refuse => actor == Actor::Merchant,
        RequestEvent::Escalate | RequestEvent::ShipReturn | RequestEvent::Withdraw => actor == Actor::Shopper,
        RequestEvent::Uphold => actor == Actor::Staff,
        RequestEvent::ConfirmReceipt(by) => by == actor && matches!(by, Actor::Merchant | Actor::System),
        RequestEvent::MoneyBack => actor == Actor::System,
    }
}

impl RequestStatus {
    /// The request's next status after `event` caused by `actor`, or the refusal. Every pair is
    /// decided here (the tests walk them all).
    pub fn apply(self, kind: RefundKind, event: RequestEvent, actor: Actor) -> Result<RequestStatus, Refusal> {
        use RequestStatus::*;
        if !actor_may(event, actor) {
            return Err(Refusal::Conflict(Message::RefundRequestCannot { status: self }));
        }
        let approved = match kind {
            RefundKind::RefundOnly => Refunding,
            RefundKind::ReturnAndRefund => AwaitingReturn,
        };
        let next = match (self, event) {
            (AwaitingAnswer, RequestEvent::Approve(Actor::Merchant | Actor::System)) => approved,
            (Escalated, RequestEvent::Approve(Actor::Staff)) => approved,
            (AwaitingAnswer, RequestEvent::Refuse) => Refused,
            (Refused, RequestEvent::Escalate) => Escalated,
            (Escalated, RequestEvent::Uphold) => Closed,
            (AwaitingReturn, RequestEvent::ShipReturn) => ReturnInTransit,
            (ReturnInTransit, RequestEvent::ConfirmReceipt(_)) => Refunding,
            (Refunding, RequestEvent::MoneyBack) => Refunded,
            (AwaitingAnswer | Refused | AwaitingReturn, RequestEvent::Withdraw) => Closed,
            _ => return Err(Refusal::Conflict(Message::RefundRequestCannot { status: self })),
        };
        Ok(next)
    }
}

/// How long each side has, and what happens when the time is up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AfterSalesSettings {
    /// The merchant's time to answer, in minutes; then the worker approves (default 48 hours).
    pub answer_minutes: i64,
    /// The merchant's time to confirm a return arrived once it is on its way, in minutes; then
    /// the worker confirms it (default 7 days).
    pub receipt_minutes: i64,
}

impl Default for AfterSalesSettings {
    fn default() -> Self {
        AfterSalesSettings { answer_minutes: 48 * 60, receipt_minutes: 7 * 24 * 60 }
    }
}

impl AfterSalesSettings {
    /// The deadline that starts when a request enters `status` at `now`, if that status has one.
    pub fn deadline(&self, status: RequestStatus, now: OffsetDateTime) -> Option<OffsetDateTime> {
        match status {
            RequestStatus::AwaitingAnswer => Some(now + Duration::minutes(self.answer_minutes)),
            RequestStatus::ReturnInTransit => Some(now + Duration::minutes(self.receipt_minutes)),
            _ => None,
        }
    }
}

// ---- The money ---------------------------------------------------------------------------------

/// Where a refund's money stands (Stripe's refund statuses; "failed" here is retried by the
/// worker until it succeeds or staff cancel it, so no money is ever silently left behind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Sent (or about to be sent) to the provider; the outcome is not known yet.
    Pending,
    /// The provider refused it; the worker tries again later.
    Failed,
    Succeeded,
    /// Given up by staff: the amount no longer counts against the order.
    Canceled,
}

impl RefundStatus {
    pub const ALL: [RefundStatus; 4] = [RefundStatus::Pending, RefundStatus::Failed, RefundStatus::Succeeded, RefundStatus::Canceled];
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Failed => "failed",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Canceled => "canceled",
        }
    }
    pub fn parse(raw: &str) -> Option<RefundStatus> {
        RefundStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }
    pub fn label(self) -> &'static str {
        match self {
            RefundStatus::Pending => "Pending",
            RefundStatus::Failed => "Failed, retrying",
            RefundStatus::Succeeded => "Succeeded",
            RefundStatus::Canceled => "Canceled",
        }
    }
    /// Counts against what may still be refunded.
    pub fn counts(self) -> bool {
        !matches!(self, RefundStatus::Canceled)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundEvent {
    /// The provider (or, for cash, the merchant's record) says the money went back.
    Succeeded,
    /// The provider refused.
    Failed,
    /// The worker tries a failed refund again.
    Retry,
    /// Staff give up on a failed refund.
    Cancel,
}

impl RefundStatus {
    pub fn apply(self, event: RefundEvent) -> Result<RefundStatus, Refusal> {
        use RefundStatus::*;
        match (self, event) {
            (Pending, RefundEvent::Succeeded) => Ok(Succeeded),
            (Pending, RefundEvent::Failed) => Ok(Failed),
            (Failed, RefundEvent::Retry) => Ok(Pending),
            (Failed, RefundEvent::Cancel) => Ok(Canceled),
            _ => Err(Refusal::Conflict(Message::RefundCannot { status: self })),
        }
    }
}

/// How a cash-on-delivery refund went back to the shopper (outside the provider).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum CashReturn {
    Cash,
    BankTransfer { reference: String },
}

impl CashReturn {
    /// From the form: `how` is `cash` or `bank_transfer`; a transfer needs its reference.
    pub fn parse(how: &str, reference: &str) -> Result<CashReturn, Refusal> {
        match how {
            "cash" => Ok(CashReturn::Cash),
            "bank_transfer" => {
                let reference = reference.trim();
                if reference.is_empty() {
                    return Err(Refusal::field("transfer_reference", Message::Required));
                }
                if reference.chars().count() > 60 {
                    return Err(Refusal::field("transfer_reference", Message::TooLong { max: 60 }));
                }
                if reference.chars().any(char::is_control) {
                    return Err(Refusal::field("transfer_reference", Message::ControlCharacter));
                }
                Ok(CashReturn::BankTransfer { reference: reference.to_string() })
            }
            _ => Err(Refusal::field("how", Message::ChooseFromList)),
        }
    }
}

// ---- What may still be refunded ------------------------------------------------------------------

/// One line of a paid order, with what its refunds (those that count) already took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundableLine {
    pub product_id: i64,
    pub title: String,
    pub unit_price: Money,
    pub quantity: i32,
    pub refunded_quantity: i32,
}

impl RefundableLine {
    pub fn left(&self) -> i32 {
        (self.quantity - self.refunded_quantity).max(0)
    }
}

/// What is asked for: some units of some lines, or (merchant only) an amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefundScope {
    Lines(Vec<(i64, i32)>),
    Amount(Money),
}

/// An accepted ask: the lines it covers (possibly none) and the amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPlan {
    pub lines: Vec<(i64, i32)>,
    pub amount: Money,
}

/// Checks `scope` against what was paid (`paid`), what refunds already took (`taken`) and the
/// order's lines, and prices it. Lines are priced at their unit price; the amount never exceeds
/// what is left of the order.
pub fn plan(paid: Money, taken: Money, lines: &[RefundableLine], scope: &RefundScope) -> Result<RefundPlan, Refusal> {
    let left = paid.minor - taken.minor;
    let plan = match scope {
        RefundScope::Amount(amount) => {
            if amount.currency != paid.currency {
                return Err(Refusal::field("amount", Message::CurrencyMismatch));
            }
            if amount.minor <= 0 {
                return Err(Refusal::field("amount", Message::AmountNotPositive));
            }
            RefundPlan { lines: Vec::new(), amount: *amount }
        }
        RefundScope::Lines(asked) => {
            let mut errors = Vec::new();
            let mut total: i64 = 0;
            let mut chosen = Vec::new();
            // The same line named twice counts once, with both quantities.
            let mut merged: Vec<(i64, i32)> = Vec::new();
            for &(product_id, quantity) in asked {
                match merged.iter_mut().find(|(p, _)| *p == product_id) {
                    Some((_, q)) => *q = q.saturating_add(quantity),
                    None => merged.push((product_id, quantity)),
                }
            }
            for (product_id, quantity) in merged.into_iter().filter(|(_, q)| *q != 0) {
                let field = format!("qty_{product_id}");
                let Some(line) = lines.iter().find(|l| l.product_id == product_id) else {
                    errors.push(FieldError::new(field, Message::ChooseFromList));
                    continue;
                };
                if quantity < 0 {
                    errors.push(FieldError::new(field, Message::RefundQuantityFormat));
                    continue;
                }
                if quantity > line.left() {
                    errors.push(FieldError::new(field, Message::RefundQuantityTooMany { left: line.left() as u32 }));
                    continue;
                }
                total = total.saturating_add(line.unit_price.minor.saturating_mul(quantity as i64));
                chosen.push((product_id, quantity));
            }
            if !errors.is_empty() {
                return Err(Refusal::Invalid(errors));
            }
            if chosen.is_empty() {
                return Err(Refusal::field("lines", Message::ChooseRefundItems));
            }
            RefundPlan { lines: chosen, amount: Money::new(total, paid.currency) }
        }
    };
    if plan.amount.minor > left {
        return Err(Refusal::Conflict(Message::RefundExceedsPaid { left: Money::new(left.max(0), paid.currency) }));
    }
    Ok(plan)
}

/// How much of an order went back: shown beside its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStanding {
    None,
    PartiallyRefunded,
    Refunded,
}

impl RefundStanding {
    pub fn of(paid_minor: i64, refunded_minor: i64) -> RefundStanding {
        if refunded_minor <= 0 || paid_minor <= 0 {
            RefundStanding::None
        } else if refunded_minor >= paid_minor {
            RefundStanding::Refunded
        } else {
            RefundStanding::PartiallyRefunded
        }
    }
}

/// A free-text note (the shopper's, the merchant's refusal reason, staff's decision).
pub fn note(field: &str, raw: &str, min: u32, max: u32) -> Result<String, Refusal> {
    let text = raw.trim();
    let chars = text.chars().count() as u32;
    if min > 0 && chars == 0 {
        return Err(Refusal::field(field, Message::Required));
    }
    if chars < min {
        return Err(Refusal::field(field, Message::TooShort { min }));
    }
    if chars > max {
        return Err(Refusal::field(field, Message::TooLong { max }));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(Refusal::field(field, Message::ControlCharacter));
    }
    Ok(text.to_string())
}

/// A refund's idempotency key at the provider: derived from the refund's own id, so a retry
/// (by the worker, after a crash) is the same refund and can never pay twice.
pub fn provider_key(refund_id: i64) -> String {
    format!("paydesk-refund-{refund_id}")
}

/// The amount a staff decision or merchant form typed, in the order's currency.
pub fn typed_amount(raw: &str, currency: Currency) -> Result<Money, Refusal> {
    Money::parse_major(raw, currency).map_err(|e| Refusal::field("amount", Message::from(e)))
}

// ---- What the pages show -------------------------------------------------------------------------

/// One refund request as both sides (and staff) see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub id: i64,
    pub kind: RefundKind,
    pub reason: RefundReason,
    pub note: String,
    pub has_photo: bool,
    pub status: RequestStatus,
    pub requested: Money,
    /// (title, quantity) of each line asked for.
    pub lines: Vec<(String, i32)>,
    /// The answer or receipt deadline while one runs.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deadline: Option<OffsetDateTime>,
    pub refusal: Option<String>,
    pub return_carrier: Option<String>,
    pub return_tracking: Option<String>,
    pub ticket_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// How a refund's money travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundMethod {
    Provider,
    Cash,
    BankTransfer,
}

impl RefundMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundMethod::Provider => "provider",
            RefundMethod::Cash => "cash",
            RefundMethod::BankTransfer => "bank_transfer",
        }
    }
    pub fn parse(raw: &str) -> Option<RefundMethod> {
        [RefundMethod::Provider, RefundMethod::Cash, RefundMethod::BankTransfer].into_iter().find(|m| m.as_str() == raw)
    }
}

/// One refund (money) of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundView {
    pub id: i64,
    pub amount: Money,
    pub status: RefundStatus,
    pub method: RefundMethod,
    pub transfer_reference: Option<String>,
    pub reason: String,
    pub initiated_by: Actor,
    pub request_id: Option<i64>,
    /// Failed tries so far (shown while the worker retries).
    pub failures: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub succeeded_at: Option<OffsetDateTime>,
}

/// An order's after-sales: what was paid and refunded, what may still be asked, the requests
/// and the refunds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AfterSalesView {
    pub order_number: String,
    pub order_status: OrderStatus,
    pub cash_on_delivery: bool,
    /// What was paid (zero while nothing was).
    pub paid: Money,
    /// Refunds that succeeded.
    pub refunded: Money,
    /// Refunds that count (pending, failed and retried, succeeded).
    pub committed: Money,
    pub standing: RefundStanding,
    pub lines: Vec<RefundableLine>,
    /// What the shopper may ask for now (empty while a request is open).
    pub kinds_allowed: Vec<RefundKind>,
    pub requests: Vec<RequestView>,
    pub refunds: Vec<RefundView>,
    /// A fresh idempotency key for the next form sent from this page.
    pub key: String,
}

impl AfterSalesView {
    /// The open request, if any (there is at most one).
    pub fn open_request(&self) -> Option<&RequestView> {
        self.requests.iter().find(|r| r.status.is_open())
    }
    /// What may still be refunded.
    pub fn left(&self) -> Money {
        Money::new((self.paid.minor - self.committed.minor).max(0), self.paid.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestStatus::*;

    const EVENTS: [RequestEvent; 14] = [
        RequestEvent::Approve(Actor::Merchant),
        RequestEvent::Approve(Actor::System),
        RequestEvent::Approve(Actor::Staff),
        RequestEvent::Approve(Actor::Shopper),
        RequestEvent::Refuse,
        RequestEvent::Escalate,
        RequestEvent::Uphold,
        RequestEvent::ShipReturn,
        RequestEvent::ConfirmReceipt(Actor::Merchant),
        RequestEvent::ConfirmReceipt(Actor::System),
        RequestEvent::ConfirmReceipt(Actor::Shopper),
        RequestEvent::MoneyBack,
        RequestEvent::Withdraw,
        RequestEvent::ConfirmReceipt(Actor::Staff),
    ];
    const ACTORS: [Actor; 4] = [Actor::Shopper, Actor::Merchant, Actor::System, Actor::Staff];

    /// The whole table: every (status, kind, event, actor) is allowed exactly where listed.
    fn expected(status: RequestStatus, kind: RefundKind, event: RequestEvent, actor: Actor) -> Option<RequestStatus> {
        let approved = if kind == RefundKind::RefundOnly { Refunding } else { AwaitingReturn };
        let table: &[(RequestStatus, RequestEvent, Actor, RequestStatus)] = &[
            (AwaitingAnswer, RequestEvent::Approve(Actor::Merchant), Actor::Merchant, approved),
            (AwaitingAnswer, RequestEvent::Approve(Actor::System), Actor::System, approved),
            (Escalated, RequestEvent::Approve(Actor::Staff), Actor::Staff, approved),
            (AwaitingAnswer, RequestEvent::Refuse, Actor::Merchant, Refused),
            (Refused, RequestEvent::Escalate, Actor::Shopper, Escalated),
            (Escalated, RequestEvent::Uphold, Actor::Staff, Closed),
            (AwaitingReturn, RequestEvent::ShipReturn, Actor::Shopper, ReturnInTransit),
            (ReturnInTransit, RequestEvent::ConfirmReceipt(Actor::Merchant), Actor::Merchant, Refunding),
            (ReturnInTransit, RequestEvent::ConfirmReceipt(Actor::System), Actor::System, Refunding),
            (Refunding, RequestEvent::MoneyBack, Actor::System, Refunded),
            (AwaitingAnswer, RequestEvent::Withdraw, Actor::Shopper, Closed),
            (Refused, RequestEvent::Withdraw, Actor::Shopper, Closed),
            (AwaitingReturn, RequestEvent::Withdraw, Actor::Shopper, Closed),
        ];
        table.iter().find(|(s, e, a, _)| *s == status && *e == event && *a == actor).map(|(_, _, _, to)| *to)
    }

    #[test]
    fn every_request_status_event_and_actor_is_decided() {
        let mut allowed = 0;
        for status in RequestStatus::ALL {
            for kind in RefundKind::ALL {
                for event in EVENTS {
                    for actor in ACTORS {
                        let got = status.apply(kind, event, actor);
                        match expected(status, kind, event, actor) {
                            Some(to) => {
                                assert_eq!(got, Ok(to), "{status:?} {kind:?} {event:?} by {actor:?}");
                                allowed += 1;
                            }
                            None => assert_eq!(
                                got,
                                Err(Refusal::Conflict(Message::RefundRequestCannot { status })),
                                "{status:?} {kind:?} {event:?} by {actor:?}"
                            ),
                        }
                    }
                }
            }
        }
        assert_eq!(allowed, 13 * 2);
    }

    #[test]
    fn finished_requests_take_no_event() {
        for status in [Refunded, Closed] {
            assert!(!status.is_open());
            for event in EVENTS {
                for actor in ACTORS {
                    assert!(status.apply(RefundKind::RefundOnly, event, actor).is_err());
                }
            }
        }
    }

    #[test]
    fn every_refund_status_and_event_is_decided() {
        let events = [RefundEvent::Succeeded, RefundEvent::Failed, RefundEvent::Retry, RefundEvent::Cancel];
        for status in RefundStatus::ALL {
            for event in events {
                let expected = match (status, event) {
                    (RefundStatus::Pending, RefundEvent::Succeeded) => Some(RefundStatus::Succeeded),
                    (RefundStatus::Pending, RefundEvent::Failed) => Some(RefundStatus::Failed),
                    (RefundStatus::Failed, RefundEvent::Retry) => Some(RefundStatus::Pending),
                    (RefundStatus::Failed, RefundEvent::Cancel) => Some(RefundStatus::Canceled),
                    _ => None,
                };
                match expected {
                    Some(to) => assert_eq!(status.apply(event), Ok(to)),
                    None => assert_eq!(status.apply(event), Err(Refusal::Conflict(Message::RefundCannot { status }))),
                }
            }
        }
        // A succeeded refund can never be sent again.
        assert!(RefundStatus::Succeeded.apply(RefundEvent::Retry).is_err());
    }

    #[test]
    fn statuses_survive_storage() {
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
        }
        for s in RefundStatus::ALL {
            assert_eq!(RefundStatus::parse(s.as_str()), Some(s));
        }
        for r in RefundReason::ALL {
            assert_eq!(RefundReason::parse(r.as_str()), Some(r));
        }
        for k in RefundKind::ALL {
            assert_eq!(RefundKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn shoppers_ask_before_shipment_or_after_delivery_only() {
        assert_eq!(kinds_allowed(OrderStatus::Paid), &[RefundKind::RefundOnly]);
        assert_eq!(kinds_allowed(OrderStatus::Delivered), &[RefundKind::RefundOnly, RefundKind::ReturnAndRefund]);
        for s in [OrderStatus::AwaitingPayment, OrderStatus::Shipped, OrderStatus::Completed, OrderStatus::Cancelled, OrderStatus::CodShipped] {
            assert!(kinds_allowed(s).is_empty(), "{s:?}");
        }
    }

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::USD)
    }

    fn lines() -> Vec<RefundableLine> {
        vec![
            RefundableLine { product_id: 1, title: "Mug".into(), unit_price: usd(1200), quantity: 2, refunded_quantity: 1 },
            RefundableLine { product_id: 2, title: "Tea".into(), unit_price: usd(500), quantity: 3, refunded_quantity: 0 },
        ]
    }

    #[test]
    fn lines_are_priced_and_bounded_by_what_is_left_of_them() {
        let paid = usd(3900);
        let ok = plan(paid, usd(1200), &lines(), &RefundScope::Lines(vec![(1, 1), (2, 2), (3, 0)])).unwrap();
        assert_eq!(ok, RefundPlan { lines: vec![(1, 1), (2, 2)], amount: usd(2200) });
        let too_many = plan(paid, usd(1200), &lines(), &RefundScope::Lines(vec![(1, 2)])).unwrap_err();
        assert_eq!(too_many.message_for("qty_1"), Some(&Message::RefundQuantityTooMany { left: 1 }));
        let negative = plan(paid, usd(0), &lines(), &RefundScope::Lines(vec![(2, -1)])).unwrap_err();
        assert_eq!(negative.message_for("qty_2"), Some(&Message::RefundQuantityFormat));
        // A line named twice counts once with both quantities.
        let twice = plan(paid, usd(0), &lines(), &RefundScope::Lines(vec![(2, 2), (2, 2)])).unwrap_err();
        assert_eq!(twice.message_for("qty_2"), Some(&Message::RefundQuantityTooMany { left: 3 }));
        assert_eq!(plan(paid, usd(0), &lines(), &RefundScope::Lines(vec![(2, 1), (2, 1)])).unwrap().lines, vec![(2, 2)]);
        let unknown = plan(paid, usd(0), &lines(), &RefundScope::Lines(vec![(9, 1)])).unwrap_err();
        assert_eq!(unknown.message_for("qty_9"), Some(&Message::ChooseFromList));
        let nothing = plan(paid, usd(0), &lines(), &RefundScope::Lines(vec![(1, 0)])).unwrap_err();
        assert_eq!(nothing.message_for("lines"), Some(&Message::ChooseRefundItems));
    }

    #[test]
    fn amounts_never_exceed_what_is_left_of_the_order() {
        let paid = usd(3900);
        assert_eq!(plan(paid, usd(3000), &[], &RefundScope::Amount(usd(900))).unwrap().amount, usd(900));
        assert_eq!(plan(paid, usd(3000), &[], &RefundScope::Amount(usd(901))), Err(Refusal::Conflict(Message::RefundExceedsPaid { left: usd(900) })));
        assert!(plan(paid, usd(0), &[], &RefundScope::Amount(usd(0))).is_err());
        assert!(plan(paid, usd(0), &[], &RefundScope::Amount(Money::new(5, Currency::JPY))).is_err());
        // Lines that fit their own quantities still cannot take more than is left of the order.
        assert!(plan(paid, usd(3000), &lines(), &RefundScope::Lines(vec![(2, 2)])).is_err());
    }

    #[test]
    fn standing_follows_the_refunded_share() {
        assert_eq!(RefundStanding::of(1000, 0), RefundStanding::None);
        assert_eq!(RefundStanding::of(1000, 1), RefundStanding::PartiallyRefunded);
        assert_eq!(RefundStanding::of(1000, 1000), RefundStanding::Refunded);
    }

    #[test]
    fn deadlines_start_where_someone_must_act() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let s = AfterSalesSettings::default();
        assert_eq!(s.deadline(AwaitingAnswer, now), Some(now + Duration::hours(48)));
        assert_eq!(s.deadline(ReturnInTransit, now), Some(now + Duration::days(7)));
        assert_eq!(s.deadline(Refunding, now), None);
    }

    #[test]
    fn cash_returns_need_a_transfer_reference() {
        assert_eq!(CashReturn::parse("cash", ""), Ok(CashReturn::Cash));
        assert!(CashReturn::parse("bank_transfer", "  ").unwrap_err().message_for("transfer_reference").is_some());
        assert_eq!(CashReturn::parse("bank_transfer", " TX-1 "), Ok(CashReturn::BankTransfer { reference: "TX-1".into() }));
        assert!(CashReturn::parse("cheque", "").is_err());
    }

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(note("note", "  broken  ", 0, 10), Ok("broken".into()));
        assert!(note("reason", "", 5, 10).is_err());
        assert!(note("note", "x\u{7}", 0, 10).is_err());
        assert!(note("note", &"x".repeat(11), 0, 10).is_err());
    }
}
