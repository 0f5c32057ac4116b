//! The merchant's dashboard: sales today and this week, the orders waiting on the merchant,
//! the latest payments received, the money the platform owes the shop, and thirty days of
//! sales. The periods are calendar days in UTC (shops have no time zone of their own yet), a
//! week starts on Monday, and a sale counts on the day it was paid — online, or in cash on
//! delivery. The arithmetic here is pure; the backend reads the rows it works on.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::money::{Currency, Money, MoneyError};
use crate::orders::{CollectionMethod, OrderStatus};

// Days travel as "2026-12-02", as people and the dashboard's JSON readers write them.
time::serde::format_description!(iso_day, Date, "[year]-[month]-[day]");

/// Days in the sales chart, today included.
pub const CHART_DAYS: i64 = 30;

/// Payments listed under "Payments received".
pub const RECENT_PAYMENTS: i64 = 8;

/// The calendar the dashboard counts in, fixed at one instant: today, the Monday that starts
/// this week, and the first day of the chart. All in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Periods {
    pub today: Date,
    pub week_start: Date,
    pub first_day: Date,
}

impl Periods {
    pub fn at(now: OffsetDateTime) -> Periods {
        let today = now.to_offset(time::UtcOffset::UTC).date();
        let week_start = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
        Periods { today, week_start, first_day: today - Duration::days(CHART_DAYS - 1) }
    }

    /// Where the chart's window starts: midnight (UTC) of its first day.
    pub fn window_start(&self) -> OffsetDateTime {
        self.first_day.midnight().assume_utc()
    }

    /// Where every window ends: midnight (UTC) after today.
    pub fn window_end(&self) -> OffsetDateTime {
        self.today.midnight().assume_utc() + Duration::days(1)
    }
}

/// Paid orders of one day in one currency, as the database groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaidDay {
    pub day: Date,
    pub currency: Currency,
    pub orders: i64,
    pub minor: i64,
}

/// Sales over a period: how many orders were paid and what they came to, per currency (the
/// shop's own currency first, and always present, at zero when nothing sold).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sales {
    pub orders: i64,
    pub amounts: Vec<Money>,
}

/// One day of the chart, in the shop's currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySales {
    #[serde(with = "iso_day")]
    pub day: Date,
    pub orders: i64,
    pub amount: Money,
}

/// The orders waiting on the merchant, one count per console tab they link to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToAct {
    /// Waiting for the shopper to pay (a payment request may help).
    pub awaiting_payment: i64,
    /// Paid online: to ship.
    pub paid_to_ship: i64,
    /// Cash on delivery chosen: to ship, unpaid.
    pub cod_to_ship: i64,
    /// Shipped for cash on delivery: the cash is due when it is delivered.
    pub cash_due: i64,
}

impl ToAct {
    /// The console tab (status) each count links to, in the order the dashboard lists them.
    pub fn lines(&self) -> [(OrderStatus, i64); 4] {
        [
            (OrderStatus::AwaitingPayment, self.awaiting_payment),
            (OrderStatus::Paid, self.paid_to_ship),
            (OrderStatus::CodToShip, self.cod_to_ship),
            (OrderStatus::CodShipped, self.cash_due),
        ]
    }

    /// From the shop's orders per status.
    pub fn from_counts(counts: &[(OrderStatus, i64)]) -> ToAct {
        let of = |s: OrderStatus| counts.iter().filter(|(c, _)| *c == s).map(|(_, n)| *n).sum();
        ToAct {
            awaiting_payment: of(OrderStatus::AwaitingPayment),
            paid_to_ship: of(OrderStatus::Paid),
            cod_to_ship: of(OrderStatus::CodToShip),
            cash_due: of(OrderStatus::CodShipped),
        }
    }
}

/// A payment the shop received: online, or cash collected on delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedPayment {
    pub number: String,
    pub amount: Money,
    pub method: CollectionMethod,
    #[serde(with = "time::serde::rfc3339")]
    pub paid_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub shop_name: String,
    pub currency: Currency,
    #[serde(with = "iso_day")]
    pub today: Date,
    #[serde(with = "iso_day")]
    pub week_start: Date,
    pub sales_today: Sales,
    pub sales_week: Sales,
    pub to_act: ToAct,
    /// Newest first, at most [`RECENT_PAYMENTS`].
    pub received: Vec<ReceivedPayment>,
    /// What the platform owes the shop for payments taken online: the balance of the shop's
    /// pending ledger account, summed from its postings. Nothing is paid out yet (settlement
    /// comes later), so nothing is "available".
    pub pending: Vec<Money>,
    /// Cash the shop's couriers collected on delivery: already in the shop's hands.
    pub cash_collected: Vec<Money>,
    /// Settled, not paid out yet (below zero after a refund that came after settlement).
    pub available: Vec<Money>,
    /// [`CHART_DAYS`] days, oldest first, every day present (zero when nothing sold).
    pub days: Vec<DaySales>,
}

/// The sales of today, of this week and of every day of the chart, from the paid orders of the
/// chart's window grouped by day and currency. The chart shows the shop's currency.
pub fn sales(periods: &Periods, currency: Currency, rows: &[PaidDay]) -> Result<(Sales, Sales, Vec<DaySales>), MoneyError> {
    let today = sum(currency, rows.iter().filter(|r| r.day == periods.today))?;
    let week = sum(currency, rows.iter().filter(|r| r.day >= periods.week_start && r.day <= periods.today))?;
    let mut days = Vec::with_capacity(CHART_DAYS as usize);
    for offset in 0..CHART_DAYS {
        let day = periods.first_day + Duration::days(offset);
        let mut amount = Money::zero(currency);
        let mut orders = 0;
        for r in rows.iter().filter(|r| r.day == day && r.currency == currency) {
            amount = amount.checked_add(Money::new(r.minor, currency))?;
            orders += r.orders;
        }
        days.push(DaySales { day, orders, amount });
    }
    Ok((today, week, days))
}

fn sum<'a>(currency: Currency, rows: impl Iterator<Item = &'a PaidDay>) -> Result<Sales, MoneyError> {
    let mut sales = Sales { orders: 0, amounts: vec![Money::zero(currency)] };
    for r in rows {
        sales.orders += r.orders;
        let amount = Money::new(r.minor, r.currency);
        match sales.amounts.iter_mut().find(|m| m.currency == r.currency) {
            Some(total) => *total = total.checked_add(amount)?,
            None => sales.amounts.push(amount),
        }
    }
    // The shop's currency first, the others (if an order ever was in another) by code.
    sales.amounts[1..].sort_by_key(|m| m.currency.code());
    Ok(sales)
}

/// Balances per currency as the ledger sums them, with the shop's currency first and always
/// present (at zero before the first posting).
pub fn balances(currency: Currency, mut sums: Vec<Money>) -> Vec<Money> {
    sums.sort_by_key(|m| (m.currency != currency, m.currency.code()));
    if sums.first().is_none_or(|m| m.currency != currency) {
        sums.insert(0, Money::zero(currency));
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn periods_are_utc_days_and_weeks_start_on_monday() {
        // Thursday 2026-12-03, 01:30 in Shanghai is still Wednesday in UTC.
        let p = Periods::at(datetime!(2026-12-03 01:30 +08:00));
        assert_eq!(p.today, date!(2026 - 12 - 02));
        assert_eq!(p.week_start, date!(2026 - 11 - 30));
        assert_eq!(p.first_day, date!(2026 - 11 - 03));
        assert_eq!(p.window_start(), datetime!(2026-11-03 00:00 UTC));
        assert_eq!(p.window_end(), datetime!(2026-12-03 00:00 UTC));
        // A Monday starts its own week; a Sunday ends it.
        assert_eq!(Periods::at(datetime!(2026-11-30 00:00 UTC)).week_start, date!(2026 - 11 - 30));
        assert_eq!(Periods::at(datetime!(2026-12-06 23:59:59 UTC)).week_start, date!(2026 - 11 - 30));
    }

    fn row(day: Date, currency: Currency, orders: i64, minor: i64) -> PaidDay {
        PaidDay { day, currency, orders, minor }
    }

    #[test]
    fn sales_count_today_the_week_and_every_day_of_the_chart() {
        let p = Periods::at(datetime!(2026-12-02 12:00 UTC));
        let rows = [
            row(date!(2026 - 11 - 03), Currency::USD, 1, 500),
            row(date!(2026 - 11 - 29), Currency::USD, 2, 1_000),
            row(date!(2026 - 11 - 30), Currency::USD, 1, 2_500),
            row(date!(2026 - 12 - 02), Currency::USD, 3, 7_500),
            row(date!(2026 - 12 - 02), Currency::EUR, 1, 900),
        ];
        let (today, week, days) = sales(&p, Currency::USD, &rows).unwrap();
        assert_eq!(today, Sales { orders: 4, amounts: vec![Money::new(7_500, Currency::USD), Money::new(900, Currency::EUR)] });
        assert_eq!(week, Sales { orders: 5, amounts: vec![Money::new(10_000, Currency::USD), Money::new(900, Currency::EUR)] });
        assert_eq!(days.len(), CHART_DAYS as usize);
        assert_eq!(days.first().unwrap(), &DaySales { day: date!(2026 - 11 - 03), orders: 1, amount: Money::new(500, Currency::USD) });
        assert_eq!(days.last().unwrap(), &DaySales { day: date!(2026 - 12 - 02), orders: 3, amount: Money::new(7_500, Currency::USD) });
        // Every day is there, one after the other, zero when nothing sold.
        for pair in days.windows(2) {
            assert_eq!(pair[1].day, pair[0].day + Duration::days(1));
        }
        assert_eq!(days.iter().filter(|d| d.orders == 0 && d.amount.minor == 0).count(), 26);
    }

    #[test]
    fn nothing_sold_is_zero_in_the_shops_currency() {
        let p = Periods::at(datetime!(2026-12-02 12:00 UTC));
        let (today, week, days) = sales(&p, Currency::JPY, &[]).unwrap();
        assert_eq!(today, Sales { orders: 0, amounts: vec![Money::zero(Currency::JPY)] });
        assert_eq!(week, today);
        assert!(days.iter().all(|d| d.orders == 0 && d.amount == Money::zero(Currency::JPY)));
    }

    #[test]
    fn sums_that_overflow_are_refused_not_wrapped() {
        let p = Periods::at(datetime!(2026-12-02 12:00 UTC));
        let rows = [row(p.today, Currency::USD, 1, i64::MAX), row(p.today - Duration::days(1), Currency::USD, 1, 1)];
        assert!(sales(&p, Currency::USD, &rows).is_err());
    }

    #[test]
    fn balances_put_the_shops_currency_first() {
        assert_eq!(balances(Currency::SGD, vec![]), vec![Money::zero(Currency::SGD)]);
        let sums = vec![Money::new(5, Currency::USD), Money::new(7, Currency::SGD), Money::new(1, Currency::EUR)];
        assert_eq!(balances(Currency::SGD, sums), vec![Money::new(7, Currency::SGD), Money::new(1, Currency::EUR), Money::new(5, Currency::USD)]);
    }

    #[test]
    fn orders_to_act_on_come_from_the_status_counts() {
        let counts = [(OrderStatus::AwaitingPayment, 2), (OrderStatus::Paid, 3), (OrderStatus::CodShipped, 1), (OrderStatus::Completed, 9)];
        let to_act = ToAct::from_counts(&counts);
        assert_eq!(to_act, ToAct { awaiting_payment: 2, paid_to_ship: 3, cod_to_ship: 0, cash_due: 1 });
        assert_eq!(to_act.lines().map(|(_, n)| n), [2, 3, 0, 1]);
    }
}
