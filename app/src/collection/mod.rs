//! The merchant collects (收款): the order console (filters, search, keyset paging, counts per
//! status), the merchant's order page with the actions allowed now, payment requests with
//! deadlines, cash on delivery, fulfilment, and the background worker that expires unpaid
//! requests and completes delivered orders.

mod console;
mod detail;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod worker;

pub use console::{ConsolePage, OrdersConsolePage, console_orders};
pub use detail::{MerchantOrderPage, MerchantOrderView, merchant_order, merchant_order_action};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::AppError;
use domain::money::Money;
use domain::orders::OrderStatus;

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
}

fn parse_date(raw: &str, field: &'static str) -> Result<Option<time::Date>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let bad = || AppError::field(field, "Enter a date as YYYY-MM-DD.");
    let mut parts = raw.splitn(3, '-');
    let mut next = || parts.next().and_then(|p| p.parse::<i32>().ok()).ok_or_else(bad);
    let (y, m, d) = (next()?, next()?, next()?);
    let month = time::Month::try_from(u8::try_from(m).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(y, month, u8::try_from(d).map_err(|_| bad())?).map_err(|_| bad())?;
    // Orders exist only in this range; outside it the date arithmetic of the listing would
    // overflow (9999-12-31 plus a day).
    if !(2000..=2100).contains(&date.year()) {
        return Err(AppError::field(field, "Enter a date between 2000 and 2100."));
    }
    Ok(Some(date))
}

impl ConsoleFilter {
    pub fn parse(&self) -> Result<ConsoleQuery, AppError> {
        let status = match self.status.trim() {
            "" | "all" => None,
            s => Some(OrderStatus::parse(s).ok_or_else(|| AppError::field("status", "Choose a status from the list."))?),
        };
        let method = match self.method.trim() {
            "" | "all" => None,
            m => Some(CollectionMethod::parse(m).ok_or_else(|| AppError::field("method", "Choose a collection method from the list."))?),
        };
        let from = parse_date(&self.from, "from")?;
        let to = parse_date(&self.to, "to")?;
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(AppError::field("to", "The end date is before the start date."));
        }
        let q = self.q.trim();
        let search = if q.is_empty() {
            None
        } else if q.contains('@') {
            Some(Search::ShopperEmail(q.to_lowercase()))
        } else if q.len() <= 40 && q.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            Some(Search::OrderNumber(q.to_uppercase()))
        } else {
            return Err(AppError::field("q", "Search by an order number (PD-…) or the shopper's email."));
        };
        Ok(ConsoleQuery { status, method, from, to, search })
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
    pub fn decode(raw: &str) -> Result<Cursor, AppError> {
        let bad = || AppError::BadRequest("the page link is not valid; start from the first page".into());
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
    /// "Visa credit card •••• 4242": never more of the instrument.
    pub method: String,
    pub status: domain::payments::attempt::AttemptStatus,
    pub reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(status: &str, method: &str, from: &str, to: &str, q: &str) -> ConsoleFilter {
        ConsoleFilter { status: status.into(), method: method.into(), from: from.into(), to: to.into(), q: q.into() }
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
