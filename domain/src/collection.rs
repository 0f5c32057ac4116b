//! What a merchant may do with an order, decided in one place from the order's status and its
//! latest payment request; the deadline arithmetic of payment requests; and the checks of a
//! shipment and of the cash collected on delivery. Pure functions, tested exhaustively.

use crate::orders::Order;
pub use crate::orders::{CollectionMethod, RequestState, Shipment};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::money::{Money, MoneyError};
use crate::orders::OrderStatus;
use crate::{Message, Refusal};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MerchantAction {
    RequestPayment,
    ResendRequest,
    WithdrawRequest,
    ChooseCashOnDelivery,
    Ship,
    Deliver,
    DeliverCollectingCash,
    Cancel,
}

pub const ALL_ACTIONS: &[MerchantAction] = &[
    MerchantAction::RequestPayment,
    MerchantAction::ResendRequest,
    MerchantAction::WithdrawRequest,
    MerchantAction::ChooseCashOnDelivery,
    MerchantAction::Ship,
    MerchantAction::Deliver,
    MerchantAction::DeliverCollectingCash,
    MerchantAction::Cancel,
];

impl MerchantAction {
    /// The name a form posts (as serde reads it).
    pub fn as_str(self) -> &'static str {
        match self {
            MerchantAction::RequestPayment => "request_payment",
            MerchantAction::ResendRequest => "resend_request",
            MerchantAction::WithdrawRequest => "withdraw_request",
            MerchantAction::ChooseCashOnDelivery => "choose_cash_on_delivery",
            MerchantAction::Ship => "ship",
            MerchantAction::Deliver => "deliver",
            MerchantAction::DeliverCollectingCash => "deliver_collecting_cash",
            MerchantAction::Cancel => "cancel",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MerchantAction::RequestPayment => "Send payment request",
            MerchantAction::ResendRequest => "Re-send payment request",
            MerchantAction::WithdrawRequest => "Withdraw payment request",
            MerchantAction::ChooseCashOnDelivery => "Collect cash on delivery",
            MerchantAction::Ship => "Mark shipped",
            MerchantAction::Deliver => "Mark delivered",
            MerchantAction::DeliverCollectingCash => "Mark delivered, cash collected",
            MerchantAction::Cancel => "Cancel order",
        }
    }

    /// What cannot be undone, and so is confirmed before it is done: cancelling, withdrawing
    /// a payment request (the shopper is told at once).
    pub fn needs_confirmation(self) -> bool {
        matches!(self, MerchantAction::Cancel | MerchantAction::WithdrawRequest)
    }
}

/// The actions the merchant may take now, in the order the console offers them.
pub fn allowed_actions(status: OrderStatus, request: RequestState) -> Vec<MerchantAction> {
    use MerchantAction::*;
    match (status, request) {
        (OrderStatus::AwaitingPayment, RequestState::Open) => vec![ResendRequest, WithdrawRequest, ChooseCashOnDelivery, Cancel],
        (OrderStatus::AwaitingPayment, _) => vec![RequestPayment, ChooseCashOnDelivery, Cancel],
        (OrderStatus::CodToShip, _) => vec![Ship, Cancel],
        (OrderStatus::Paid, _) => vec![Ship],
        (OrderStatus::CodShipped, _) => vec![DeliverCollectingCash],
        (OrderStatus::Shipped, _) => vec![Deliver],
        (OrderStatus::Delivered | OrderStatus::Completed | OrderStatus::Cancelled, _) => vec![],
    }
}

/// Refuses an action that is not allowed now, saying why.
pub fn check_allowed(status: OrderStatus, request: RequestState, action: MerchantAction) -> Result<(), Refusal> {
    if allowed_actions(status, request).contains(&action) {
        return Ok(());
    }
    let why = match (action, status, request) {
        (MerchantAction::ResendRequest | MerchantAction::WithdrawRequest, OrderStatus::AwaitingPayment, _) => Message::NoOpenRequest,
        (MerchantAction::RequestPayment, OrderStatus::AwaitingPayment, RequestState::Open) => Message::RequestAlreadyOpen,
        (MerchantAction::Deliver, OrderStatus::CodShipped, _) => Message::CashOnDeliveryNeedsCash,
        _ => Message::ActionNotAllowed { status, action },
    };
    Err(Refusal::Conflict(why))
}

/// Limits of a payment request's deadline, in minutes from when it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadlineLimits {
    pub default_minutes: i64,
    pub min_minutes: i64,
    pub max_minutes: i64,
}

/// The deadline of a request sent at `now`: the default, or what the merchant typed (whole
/// minutes within the limits).
pub fn request_deadline(now: OffsetDateTime, typed: &str, limits: DeadlineLimits) -> Result<OffsetDateTime, Refusal> {
    let typed = typed.trim();
    let minutes = if typed.is_empty() {
        limits.default_minutes
    } else {
        let bad = || Refusal::field("minutes", Message::DeadlineMinutes { min: limits.min_minutes, max: limits.max_minutes });
        let n: i64 = typed.parse().map_err(|_| bad())?;
        if !(limits.min_minutes..=limits.max_minutes).contains(&n) {
            return Err(bad());
        }
        n
    };
    Ok(now + Duration::minutes(minutes))
}

/// How long is left before a deadline, at the precision a reader needs: a clock under an hour
/// ("12:34"), hours and minutes under a day, days and hours beyond ("1439:59" helps no one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeLeft {
    Over,
    Clock { minutes: i64, seconds: i64 },
    Hours { hours: i64, minutes: i64 },
    Days { days: i64, hours: i64 },
}

impl TimeLeft {
    pub fn of(seconds: i64) -> TimeLeft {
        match seconds {
            s if s <= 0 => TimeLeft::Over,
            s if s < 3600 => TimeLeft::Clock { minutes: s / 60, seconds: s % 60 },
            s if s < 86_400 => TimeLeft::Hours { hours: s / 3600, minutes: s % 3600 / 60 },
            s => TimeLeft::Days { days: s / 86_400, hours: s % 86_400 / 3600 },
        }
    }
}

/// May the shopper still pay at `now` an order due at `due`? Up to, not including, the deadline.
pub fn can_still_pay(due: OffsetDateTime, now: OffsetDateTime) -> bool {
    now < due
}

/// The cash the merchant collected on delivery must be exactly the amount due.
pub fn cash_collected(due: Money, typed: &str) -> Result<Money, Refusal> {
    let field = |m: Message| Refusal::field("cash", m);
    let collected = Money::parse_major(typed, due.currency).map_err(|e| match e {
        MoneyError::Empty(_) => field(Message::CashMissing { due }),
        other => field(other.into()),
    })?;
    if collected != due {
        return Err(field(Message::CashMismatch { collected, due }));
    }
    Ok(collected)
}

/// The console's filters as typed in the URL: `?status=&method=&from=&to=&q=`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleFilter {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub q: String,
    /// `open` (a refund request waits on someone) or `refunded` (some money went back).
    #[serde(default)]
    pub after_sales: String,
}

/// What the console search looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Search {
    OrderNumber(String),
    ShopperEmail(String),
}

/// The filters, checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsoleQuery {
    pub status: Option<OrderStatus>,
    pub method: Option<CollectionMethod>,
    pub from: Option<time::Date>,
    /// Inclusive: orders placed on this day are shown.
    pub to: Option<time::Date>,
    pub search: Option<Search>,
    pub after_sales: Option<AfterSalesFilter>,
}

/// The console's after-sales filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterSalesFilter {
    /// Orders with a refund request still open.
    Open,
    /// Orders with money refunded (in part or in full).
    Refunded,
}

impl ConsoleFilter {
    pub fn parse(&self) -> Result<ConsoleQuery, Refusal> {
        let status = match self.status.trim() {
            "" | "all" => None,
            s => Some(OrderStatus::parse(s).ok_or_else(|| Refusal::field("status", Message::ChooseFromList))?),
        };
        let method = match self.method.trim() {
            "" | "all" => None,
            m => Some(CollectionMethod::parse(m).ok_or_else(|| Refusal::field("method", Message::ChooseFromList))?),
        };
        let from = parse_date(&self.from, "from")?;
        let to = parse_date(&self.to, "to")?;
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(Refusal::field("to", Message::DateOrder));
        }
        let q = self.q.trim();
        let search = if q.is_empty() {
            None
        } else if q.contains('@') {
            Some(Search::ShopperEmail(q.to_lowercase()))
        } else if q.len() <= 40 && q.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            Some(Search::OrderNumber(q.to_uppercase()))
        } else {
            return Err(Refusal::field("q", Message::SearchHint));
        };
        let after_sales = match self.after_sales.trim() {
            "" | "all" => None,
            "open" => Some(AfterSalesFilter::Open),
            "refunded" => Some(AfterSalesFilter::Refunded),
            _ => return Err(Refusal::field("after_sales", Message::ChooseFromList)),
        };
        Ok(ConsoleQuery { status, method, from, to, search, after_sales })
    }
}

/// Where a console page starts: after this order, in this part of the listing (orders awaiting
/// payment come first, then the others, each newest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub awaiting: bool,
    /// Microseconds since the epoch (Postgres' precision).
    pub created_us: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}{}_{}", if self.awaiting { 'a' } else { 'o' }, self.created_us, self.id)
    }
    pub fn decode(raw: &str) -> Result<Cursor, Refusal> {
        let bad = || Refusal::Malformed("the page link is not valid; start from the first page".into());
        let awaiting = match raw.chars().next() {
            Some('a') => true,
            Some('o') => false,
            _ => return Err(bad()),
        };
        let (us, id) = raw[1..].split_once('_').ok_or_else(bad)?;
        Ok(Cursor { awaiting, created_us: us.parse().map_err(|_| bad())?, id: id.parse().map_err(|_| bad())? })
    }
    pub fn created_at(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(self.created_us as i128 * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// One line of the console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleRow {
    pub id: i64,
    pub number: String,
    pub shopper_email: String,
    pub status: OrderStatus,
    pub method: CollectionMethod,
    pub total: Money,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub payment_due_at: OffsetDateTime,
    /// Money refunded so far (succeeded refunds).
    pub refunded: Money,
    /// A refund request of the order waits on someone.
    pub after_sales_open: bool,
}

impl ConsoleRow {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            awaiting: self.status == OrderStatus::AwaitingPayment,
            created_us: (self.created_at.unix_timestamp_nanos() / 1000) as i64,
            id: self.id,
        }
    }
}

/// One try to pay an order, as the merchant sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub id: i64,
    /// The brand or wallet and its masked end: never more of the instrument.
    pub method: crate::payments::MethodSummary,
    pub status: crate::payments::attempt::AttemptStatus,
    pub reason: Option<crate::payments::DeclineReason>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantOrderView {
    pub order: Order,
    pub attempts: Vec<AttemptView>,
    pub actions: Vec<MerchantAction>,
    pub default_minutes: i64,
    pub min_minutes: i64,
    pub max_minutes: i64,
}

/// Orders per console page.
pub const PAGE_SIZE: i64 = 25;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsolePage {
    pub rows: Vec<ConsoleRow>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
    /// Orders per status in the whole shop (the tabs).
    pub counts: Vec<(OrderStatus, i64)>,
}

fn parse_date(raw: &str, field: &'static str) -> Result<Option<time::Date>, Refusal> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let bad = || Refusal::field(field, Message::DateFormat);
    let mut parts = raw.splitn(3, '-');
    let mut next = || parts.next().and_then(|p| p.parse::<i32>().ok()).ok_or_else(bad);
    let (y, m, d) = (next()?, next()?, next()?);
    let month = time::Month::try_from(u8::try_from(m).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(y, month, u8::try_from(d).map_err(|_| bad())?).map_err(|_| bad())?;
    // Orders exist only in this range; outside it the date arithmetic of the listing would
    // overflow (9999-12-31 plus a day).
    if !(2000..=2100).contains(&date.year()) {
        return Err(Refusal::field(field, Message::DateRange));
    }
    Ok(Some(date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::orders::ALL_STATUSES;
    use MerchantAction::*;

    const STATES: [RequestState; 4] = [RequestState::NotSent, RequestState::Open, RequestState::Withdrawn, RequestState::Closed];

    #[test]
    fn every_status_request_and_action_is_decided() {
        let expected = |s: OrderStatus, r: RequestState, a: MerchantAction| -> bool {
            match s {
                OrderStatus::AwaitingPayment => match a {
                    RequestPayment => r != RequestState::Open,
                    ResendRequest | WithdrawRequest => r == RequestState::Open,
                    ChooseCashOnDelivery | Cancel => true,
                    _ => false,
                },
                OrderStatus::CodToShip => matches!(a, Ship | Cancel),
                OrderStatus::CodShipped => a == DeliverCollectingCash,
                OrderStatus::Paid => a == Ship,
                OrderStatus::Shipped => a == Deliver,
                OrderStatus::Delivered | OrderStatus::Completed | OrderStatus::Cancelled => false,
            }
        };
        for s in ALL_STATUSES {
            for r in STATES {
                for a in ALL_ACTIONS {
                    let ok = check_allowed(*s, r, *a);
                    assert_eq!(ok.is_ok(), expected(*s, r, *a), "{s:?} {r:?} {a:?}");
                    if let Err(err) = ok {
                        assert!(matches!(err, Refusal::Conflict(_)));
                    }
                }
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let err = check_allowed(OrderStatus::CodShipped, RequestState::Closed, Deliver).unwrap_err();
        assert!(err.to_string().contains("Record the cash collected"), "{err}");
        let err = check_allowed(OrderStatus::AwaitingPayment, RequestState::Open, RequestPayment).unwrap_err();
        assert!(err.to_string().contains("re-send it"), "{err}");
        let err = check_allowed(OrderStatus::Paid, RequestState::Closed, Cancel).unwrap_err();
        assert_eq!(err.to_string(), "An order that is paid cannot take “Cancel order”.");
    }

    #[test]
    fn time_left_reads_at_the_precision_a_reader_needs() {
        assert_eq!(TimeLeft::of(0), TimeLeft::Over);
        assert_eq!(TimeLeft::of(-5), TimeLeft::Over);
        assert_eq!(TimeLeft::of(59), TimeLeft::Clock { minutes: 0, seconds: 59 });
        assert_eq!(TimeLeft::of(3599), TimeLeft::Clock { minutes: 59, seconds: 59 });
        assert_eq!(TimeLeft::of(3600), TimeLeft::Hours { hours: 1, minutes: 0 });
        assert_eq!(TimeLeft::of(86_399), TimeLeft::Hours { hours: 23, minutes: 59 });
        assert_eq!(TimeLeft::of(86_400), TimeLeft::Days { days: 1, hours: 0 });
        assert_eq!(TimeLeft::of(7 * 86_400 - 1), TimeLeft::Days { days: 6, hours: 23 });
    }

    const LIMITS: DeadlineLimits = DeadlineLimits { default_minutes: 30, min_minutes: 5, max_minutes: 10_080 };

    #[test]
    fn deadlines_default_and_respect_the_limits() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        assert_eq!(request_deadline(now, "", LIMITS).unwrap(), now + Duration::minutes(30));
        assert_eq!(request_deadline(now, " 5 ", LIMITS).unwrap(), now + Duration::minutes(5));
        assert_eq!(request_deadline(now, "10080", LIMITS).unwrap(), now + Duration::days(7));
        for bad in ["4", "10081", "0", "-5", "1.5", "soon", "99999999999999999999"] {
            let err = request_deadline(now, bad, LIMITS).unwrap_err();
            assert_eq!(err.message_for("minutes"), Some(&Message::DeadlineMinutes { min: 5, max: 10080 }), "{bad}");
        }
    }

    #[test]
    fn paying_is_possible_until_the_deadline_and_not_at_it() {
        let due = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        assert!(can_still_pay(due, due - Duration::seconds(1)));
        assert!(can_still_pay(due, due - Duration::nanoseconds(1)));
        assert!(!can_still_pay(due, due));
        assert!(!can_still_pay(due, due + Duration::seconds(1)));
    }

    #[test]
    fn cash_must_equal_the_amount_due() {
        let due = Money::new(1250, Currency::USD);
        assert_eq!(cash_collected(due, "12.50").unwrap(), due);
        assert_eq!(cash_collected(due, " 12.5 ").unwrap(), due);
        let err = cash_collected(due, "12.00").unwrap_err();
        assert_eq!(err.message_for("cash").unwrap().to_string(), "The cash collected (12.00 USD) must equal the amount due (12.50 USD).");
        let err = cash_collected(due, "").unwrap_err();
        assert_eq!(err.message_for("cash").unwrap().to_string(), "Enter the cash collected: 12.50 USD is due.");
        assert!(cash_collected(due, "twelve").is_err());
        let yen = Money::new(1500, Currency::JPY);
        assert!(cash_collected(yen, "1500").is_ok());
        assert_eq!(cash_collected(yen, "1500.5").unwrap_err().message_for("cash"), Some(&Message::NoDecimals { currency: Currency::JPY }));
    }

    #[test]
    fn shipments_need_a_carrier_and_a_tracking_number() {
        let s = Shipment::parse(" DHL ", " JD-0042 ").unwrap();
        assert_eq!((s.carrier.as_str(), s.tracking_number.as_str()), ("DHL", "JD-0042"));
        let err = Shipment::parse("", "<script>").unwrap_err();
        assert!(err.message_for("carrier").is_some());
        assert!(err.message_for("tracking").is_some());
        assert!(Shipment::parse("SF Express", &"9".repeat(61)).is_err());
    }
}

#[cfg(test)]
mod console_tests {
    use super::*;

    fn filter(status: &str, method: &str, from: &str, to: &str, q: &str) -> ConsoleFilter {
        ConsoleFilter { status: status.into(), method: method.into(), from: from.into(), to: to.into(), q: q.into(), after_sales: String::new() }
    }

    #[test]
    fn filters_parse_or_name_the_bad_field() {
        let q = filter("paid", "cash_on_delivery", "2026-11-01", "2026-11-30", " pd-261125-abc123 ").parse().unwrap();
        assert_eq!(q.status, Some(OrderStatus::Paid));
        assert_eq!(q.method, Some(CollectionMethod::CashOnDelivery));
        assert_eq!(q.search, Some(Search::OrderNumber("PD-261125-ABC123".into())));
        assert_eq!(filter("", "", "", "", "Li@Example.com").parse().unwrap().search, Some(Search::ShopperEmail("li@example.com".into())));
        assert_eq!(filter("all", "all", "", "", "").parse().unwrap(), ConsoleQuery::default());
        for (f, field) in [
            (filter("lost", "", "", "", ""), "status"),
            (filter("", "cheque", "", "", ""), "method"),
            (filter("", "", "2026-13-01", "", ""), "from"),
            (filter("", "", "", "yesterday", ""), "to"),
            (filter("", "", "", "9999-12-31", ""), "to"),
            (filter("", "", "-9999-01-01", "", ""), "from"),
            (filter("", "", "1999-12-31", "", ""), "from"),
            (filter("", "", "2026-11-02", "2026-11-01", ""), "to"),
            (filter("", "", "", "", "'; DROP TABLE orders"), "q"),
        ] {
            assert!(f.parse().unwrap_err().message_for(field).is_some(), "{f:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = Cursor { awaiting: true, created_us: 1_764_000_000_123_456, id: 42 };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        let c = Cursor { awaiting: false, ..c };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for bad in ["", "x1_2", "a", "a12", "a1_x", "o_"] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }
}
