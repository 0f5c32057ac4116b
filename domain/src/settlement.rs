//! Settlement and payouts: when a paid order's money becomes the shop's to take, what the
//! platform keeps (commission) and holds (reserve), the payout's life, the bank account it goes
//! to, and the timeline that tells a merchant why money is where it is.
//!
//! Amounts are minor units of one currency. Commission and reserve are basis points of an
//! amount, **rounded half up to the currency's minor unit** (a yen for JPY, a cent for USD or
//! SGD): 2 % of ¥1,025 is ¥20.5 → ¥21; 2 % of $10.25 is 20.5¢ → 21¢. The commission is kept
//! when a settled order is refunded later (as card networks keep their fees).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::Message;
use crate::payments::ledger::Account;

/// A shop's settlement terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// Days after delivery before an order's money settles (when no after-sales request is open).
    pub settle_after_days: i64,
    /// Commission in basis points (200 = 2 %).
    pub commission_bp: i64,
    /// Reserve held at settlement, in basis points of what is left after commission.
    pub reserve_bp: i64,
    /// Days the reserve is held after settlement.
    pub reserve_days: i64,
}

impl Default for Terms {
    fn default() -> Self {
        Terms { settle_after_days: 7, commission_bp: 200, reserve_bp: 0, reserve_days: 30 }
    }
}

/// The most a commission or a reserve may be: 50 %.
pub const MAX_BP: i64 = 5_000;

/// A percentage as typed ("2", "2.5", "0.25", "2 %") into basis points: 0 to 50 %, at most two
/// decimals.
pub fn parse_percent(raw: &str) -> Result<i64, Message> {
    let raw = raw.trim().trim_end_matches('%').trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.len() > 2 || !(fraction.is_empty() || fraction.bytes().all(|b| b.is_ascii_digit())) {
        return Err(Message::PercentFormat { max: (MAX_BP / 100) as u32 });
    }
    let whole: i64 = whole.parse().map_err(|_| Message::PercentFormat { max: (MAX_BP / 100) as u32 })?;
    let fraction: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
    let bp = whole * 100 + fraction;
    if bp > MAX_BP {
        return Err(Message::PercentFormat { max: (MAX_BP / 100) as u32 });
    }
    Ok(bp)
}

/// A shop's reserve days: 1 to 365.
pub fn parse_reserve_days(raw: &str) -> Result<i64, Message> {
    raw.trim().parse::<i64>().ok().filter(|d| (1..=365).contains(d)).ok_or(Message::DaysBetween { min: 1, max: 365 })
}

/// `bp` basis points of `minor`, rounded half up to the minor unit (`minor` ≥ 0).
pub fn basis_points(minor: i64, bp: i64) -> i64 {
    let exact = i128::from(minor) * i128::from(bp);
    ((exact + 5_000) / 10_000) as i64
}

/// How one order's money settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// What the shopper paid.
    pub gross: i64,
    /// Refunded before settlement (already taken back from pending).
    pub refunded: i64,
    pub commission: i64,
    pub reserve: i64,
    /// What the shop's available balance changes by.
    pub net: i64,
    /// Cash on delivery: the money is with the shop already; only the commission moves.
    pub cash: bool,
}

impl Split {
    /// The split of an order paid `gross` of which `refunded` went back before settlement.
    /// Commission is on what is left; the reserve on what is left after commission; neither
    /// on cash collected by the shop's courier except the commission, which the shop owes.
    pub fn of(gross: i64, refunded: i64, cash: bool, terms: &Terms) -> Split {
        let refunded = refunded.clamp(0, gross);
        let base = gross - refunded;
        let commission = basis_points(base, terms.commission_bp);
        if cash {
            return Split { gross, refunded, commission, reserve: 0, net: -commission, cash };
        }
        let reserve = basis_points(base - commission, terms.reserve_bp);
        Split { gross, refunded, commission, reserve, net: base - commission - reserve, cash }
    }

    /// The ledger entries: pending money (online) leaves for the platform's revenue, the
    /// reserve and the shop's available balance; cash on delivery moves only the commission,
    /// out of available. Zero amounts are left out.
    pub fn posting(&self, shop_id: i64) -> Vec<(Account, i64)> {
        let entries = if self.cash {
            vec![(Account::MerchantAvailable { shop_id }, -self.commission), (Account::PlatformRevenue, self.commission)]
        } else {
            vec![
                (Account::MerchantPending { shop_id }, -(self.gross - self.refunded)),
                (Account::PlatformRevenue, self.commission),
                (Account::MerchantReserve { shop_id }, self.reserve),
                (Account::MerchantAvailable { shop_id }, self.net),
            ]
        };
        entries.into_iter().filter(|(_, m)| *m != 0).collect()
    }
}

/// The reserve held at settlement goes to the available balance.
pub fn reserve_release_posting(amount: i64, shop_id: i64) -> Vec<(Account, i64)> {
    vec![(Account::MerchantReserve { shop_id }, -amount), (Account::MerchantAvailable { shop_id }, amount)]
}

/// A payout leaves the available balance and is in transit until the bank has it.
pub fn payout_posting(amount: i64, shop_id: i64) -> Vec<(Account, i64)> {
    vec![(Account::MerchantAvailable { shop_id }, -amount), (Account::MerchantPayoutsInTransit { shop_id }, amount)]
}

/// The payout arrived: it is the shop's, in its bank.
pub fn payout_paid_posting(amount: i64, shop_id: i64) -> Vec<(Account, i64)> {
    vec![(Account::MerchantPayoutsInTransit { shop_id }, -amount), (Account::MerchantBank { shop_id }, amount)]
}

/// The payout failed: its money is available again.
pub fn payout_failed_posting(amount: i64, shop_id: i64) -> Vec<(Account, i64)> {
    vec![(Account::MerchantPayoutsInTransit { shop_id }, -amount), (Account::MerchantAvailable { shop_id }, amount)]
}

/// When an order delivered at `delivered_at` settles, if nothing holds it.
pub fn settles_at(delivered_at: OffsetDateTime, terms: &Terms) -> OffsetDateTime {
    delivered_at + Duration::days(terms.settle_after_days)
}

// ---- Payouts ------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutSchedule {
    /// Only when the merchant asks.
    Manual,
    /// Every day, of what is available.
    Daily,
    /// Every Monday.
    Weekly,
}

impl PayoutSchedule {
    pub const ALL: [PayoutSchedule; 3] = [PayoutSchedule::Manual, PayoutSchedule::Daily, PayoutSchedule::Weekly];
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutSchedule::Manual => "manual",
            PayoutSchedule::Daily => "daily",
            PayoutSchedule::Weekly => "weekly",
        }
    }
    pub fn parse(raw: &str) -> Option<PayoutSchedule> {
        PayoutSchedule::ALL.into_iter().find(|s| s.as_str() == raw)
    }
    /// Whether an automatic payout is due on `day`.
    pub fn due_on(self, day: time::Date) -> bool {
        match self {
            PayoutSchedule::Manual => false,
            PayoutSchedule::Daily => true,
            PayoutSchedule::Weekly => day.weekday() == time::Weekday::Monday,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutStatus {
    /// Booked out of available; the provider has not answered yet.
    Pending,
    /// The provider took it; the bank has not confirmed.
    InTransit,
    Paid,
    /// Refused or bounced: the money is available again.
    Failed,
}

/// What happens to a payout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayoutEvent {
    Accepted,
    Arrived,
    Failed,
}

impl PayoutStatus {
    pub const ALL: [PayoutStatus; 4] = [PayoutStatus::Pending, PayoutStatus::InTransit, PayoutStatus::Paid, PayoutStatus::Failed];
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutStatus::Pending => "pending",
            PayoutStatus::InTransit => "in_transit",
            PayoutStatus::Paid => "paid",
            PayoutStatus::Failed => "failed",
        }
    }
    pub fn parse(raw: &str) -> Option<PayoutStatus> {
        PayoutStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }
    pub fn is_final(self) -> bool {
        matches!(self, PayoutStatus::Paid | PayoutStatus::Failed)
    }
    /// The payout's next state, or `None` when the event does not apply (a paid payout never
    /// fails afterwards; a failed one never arrives).
    pub fn apply(self, event: PayoutEvent) -> Option<PayoutStatus> {
        match (self, event) {
            (PayoutStatus::Pending, PayoutEvent::Accepted) => Some(PayoutStatus::InTransit),
            (PayoutStatus::Pending | PayoutStatus::InTransit, PayoutEvent::Arrived) => Some(PayoutStatus::Paid),
            (PayoutStatus::Pending | PayoutStatus::InTransit, PayoutEvent::Failed) => Some(PayoutStatus::Failed),
            _ => None,
        }
    }
}

// ---- Payout bank accounts -----------------------------------------------------------------------

/// The countries a shop can be paid out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayoutCountry {
    SG,
    US,
    JP,
}

impl PayoutCountry {
    pub const ALL: [PayoutCountry; 3] = [PayoutCountry::SG, PayoutCountry::US, PayoutCountry::JP];
    pub fn code(self) -> &'static str {
        match self {
            PayoutCountry::SG => "SG",
            PayoutCountry::US => "US",
            PayoutCountry::JP => "JP",
        }
    }
    pub fn parse(raw: &str) -> Option<PayoutCountry> {
        PayoutCountry::ALL.into_iter().find(|c| c.code() == raw.trim())
    }
    /// Digits of the bank code (the ABA routing number in the US) and of the branch code
    /// (none in the US), and the account number's length range.
    pub fn formats(self) -> (u32, u32, (u32, u32)) {
        match self {
            PayoutCountry::SG => (4, 3, (9, 12)),
            PayoutCountry::US => (9, 0, (4, 17)),
            PayoutCountry::JP => (4, 3, (7, 7)),
        }
    }
}

/// A bank account a shop is paid out to, in a valid format for its country.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    pub country: PayoutCountry,
    pub holder: String,
    pub bank_code: String,
    pub branch_code: String,
    pub account_number: String,
}

impl std::fmt::Debug for BankAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BankAccount({} {})", self.country.code(), self.masked())
    }
}

fn digits(raw: &str) -> String {
    raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect()
}

/// The ABA checksum: 3·d1 + 7·d2 + d3 + 3·d4 + … ≡ 0 (mod 10).
fn aba_valid(routing: &str) -> bool {
    let weights = [3, 7, 1];
    routing.len() == 9 && routing.bytes().enumerate().map(|(i, b)| u32::from(b - b'0') * weights[i % 3]).sum::<u32>() % 10 == 0
}

impl BankAccount {
    /// Checks each field for `country`; spaces and dashes in numbers are ignored.
    pub fn parse(
        country: &str,
        holder: &str,
        bank_code: &str,
        branch_code: &str,
        account_number: &str,
    ) -> Result<BankAccount, Vec<(&'static str, Message)>> {
        let mut errors = Vec::new();
        let Some(country) = PayoutCountry::parse(country) else {
            return Err(vec![("country", Message::ChooseFromList)]);
        };
        let holder = holder.trim();
        if holder.is_empty() {
            errors.push(("holder", Message::Required));
        } else if holder.chars().count() > 100 {
            errors.push(("holder", Message::TooLong { max: 100 }));
        } else if holder.chars().any(char::is_control) {
            errors.push(("holder", Message::ControlCharacter));
        }
        let (bank_digits, branch_digits, (min, max)) = country.formats();
        let (bank, branch, account) = (digits(bank_code), digits(branch_code), digits(account_number));
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if country == PayoutCountry::US {
            if !numeric(&bank) || bank.len() != 9 {
                errors.push(("bank_code", Message::DigitsExactly { digits: 9 }));
            } else if !aba_valid(&bank) {
                errors.push(("bank_code", Message::RoutingNumberInvalid));
            }
        } else if !numeric(&bank) || bank.len() != bank_digits as usize {
            errors.push(("bank_code", Message::DigitsExactly { digits: bank_digits }));
        }
        if branch_digits > 0 && (!numeric(&branch) || branch.len() != branch_digits as usize) {
            errors.push(("branch_code", Message::DigitsExactly { digits: branch_digits }));
        }
        if !numeric(&account) || !(min as usize..=max as usize).contains(&account.len()) {
            errors.push(("account_number", if min == max { Message::DigitsExactly { digits: min } } else { Message::DigitsBetween { min, max } }));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let branch = if branch_digits > 0 { branch } else { String::new() };
        Ok(BankAccount { country, holder: holder.to_string(), bank_code: bank, branch_code: branch, account_number: account })
    }

    /// The account as shown once bound: only its last four digits.
    pub fn masked(&self) -> String {
        let last4: String = self.account_number.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        format!("•••• {last4}")
    }
}

// ---- Why is my money held? ----------------------------------------------------------------------

/// What is known about one order's money, for its timeline.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyFacts {
    pub cash: bool,
    pub paid_at: Option<OffsetDateTime>,
    pub delivered_at: Option<OffsetDateTime>,
    /// When the money settles if nothing holds it (delivery + the shop's days).
    pub settles_at: Option<OffsetDateTime>,
    /// An after-sales request that is open: its id and since when.
    pub open_request: Option<(i64, OffsetDateTime)>,
    pub settlement: Option<SettlementFacts>,
    /// The payout the settled money went out in: its id, status and when it arrived.
    pub payout: Option<(i64, PayoutStatus, Option<OffsetDateTime>)>,
    pub cancelled: bool,
    /// Now on the platform's clock (for the countdown), and the platform's settlement delay.
    pub now: Option<OffsetDateTime>,
    pub settle_after_days: i64,
    /// The order's currency.
    pub currency: Option<crate::money::Currency>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementFacts {
    pub at: OffsetDateTime,
    pub split: Split,
    pub reserve_release_at: Option<OffsetDateTime>,
    pub reserve_released_at: Option<OffsetDateTime>,
}

/// One step of the money's way, done, happening now (with why it waits) or still to come.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoneyStep {
    Paid {
        at: Option<OffsetDateTime>,
        cash: bool,
    },
    Delivered {
        at: Option<OffsetDateTime>,
    },
    /// Settles at `at` (a countdown while it is ahead); `held_by_request` while a request is
    /// open (then it settles when the request ends, not before `at`).
    Settles {
        at: Option<OffsetDateTime>,
        held_by_request: Option<(i64, OffsetDateTime)>,
    },
    Settled {
        at: OffsetDateTime,
        split: Split,
    },
    ReserveHeld {
        amount: i64,
        until: OffsetDateTime,
    },
    ReserveReleased {
        amount: i64,
        at: OffsetDateTime,
    },
    PaidOut {
        payout_id: Option<i64>,
        status: Option<PayoutStatus>,
        at: Option<OffsetDateTime>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepState {
    Done,
    /// Where the money is now.
    Now,
    Later,
}

/// The money timeline of one order: every step with its state, nothing held without a reason
/// and a date. A cancelled or unpaid order has only its first step.
pub fn money_timeline(facts: &MoneyFacts) -> Vec<(MoneyStep, StepState)> {
    use StepState::*;
    let mut steps = Vec::new();
    let paid = facts.paid_at.is_some();
    steps.push((MoneyStep::Paid { at: facts.paid_at, cash: facts.cash }, if paid { Done } else { Now }));
    if !paid || facts.cancelled {
        return steps;
    }
    let delivered = facts.delivered_at.is_some();
    steps.push((MoneyStep::Delivered { at: facts.delivered_at }, if delivered { Done } else { Now }));
    match &facts.settlement {
        None => {
            let held_by_request = facts.open_request.filter(|_| delivered);
            steps.push((MoneyStep::Settles { at: facts.settles_at, held_by_request }, if delivered { Now } else { Later }));
            steps.push((MoneyStep::PaidOut { payout_id: None, status: None, at: None }, Later));
        }
        Some(s) => {
            steps.push((MoneyStep::Settled { at: s.at, split: s.split }, Done));
            if s.split.reserve > 0 {
                match (s.reserve_released_at, s.reserve_release_at) {
                    (Some(at), _) => steps.push((MoneyStep::ReserveReleased { amount: s.split.reserve, at }, Done)),
                    (None, Some(until)) => steps.push((MoneyStep::ReserveHeld { amount: s.split.reserve, until }, Now)),
                    (None, None) => {}
                }
            }
            let (payout_id, status, at) = match facts.payout {
                Some((id, status, at)) => (Some(id), Some(status), at),
                None => (None, None, None),
            };
            let state = match status {
                Some(PayoutStatus::Paid) => Done,
                Some(PayoutStatus::Pending | PayoutStatus::InTransit) => Now,
                _ if s.split.net <= 0 => Done,
                _ => Later,
            };
            if s.split.net > 0 || payout_id.is_some() {
                steps.push((MoneyStep::PaidOut { payout_id, status, at }, state));
            }
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn commission_rounds_half_up_to_the_minor_unit() {
        // JPY has no decimals: ¥1,025 × 2 % = ¥20.5 → ¥21; ¥1,024 × 2 % = ¥20.48 → ¥20.
        assert_eq!(basis_points(1_025, 200), 21);
        assert_eq!(basis_points(1_024, 200), 20);
        // USD/SGD cents: $10.25 × 2 % = 20.5¢ → 21¢; $0.24 × 2 % = 0.48¢ → 0¢.
        assert_eq!(basis_points(1_025, 200), 21);
        assert_eq!(basis_points(24, 200), 0);
        assert_eq!(basis_points(25, 200), 1);
        assert_eq!(basis_points(0, 200), 0);
        assert_eq!(basis_points(i64::MAX / 2, 10_000), i64::MAX / 2, "no overflow");
    }

    #[test]
    fn percentages_are_read_into_basis_points() {
        assert_eq!(parse_percent("2"), Ok(200));
        assert_eq!(parse_percent(" 2.5 % "), Ok(250));
        assert_eq!(parse_percent("0.25"), Ok(25));
        assert_eq!(parse_percent("50"), Ok(5_000));
        for bad in ["", "abc", "-1", "50.01", "2.555", "1e2", ".5", "1000"] {
            assert_eq!(parse_percent(bad), Err(Message::PercentFormat { max: 50 }), "{bad:?}");
        }
        assert_eq!(parse_reserve_days("30"), Ok(30));
        assert!(parse_reserve_days("0").is_err() && parse_reserve_days("366").is_err() && parse_reserve_days("x").is_err());
    }

    #[test]
    fn a_split_takes_commission_then_reserve_and_balances() {
        let terms = Terms { reserve_bp: 1_000, ..Terms::default() };
        let split = Split::of(10_000, 2_000, false, &terms);
        assert_eq!((split.commission, split.reserve, split.net), (160, 784, 7_056));
        let posting = split.posting(3);
        assert_eq!(posting.iter().map(|(_, m)| m).sum::<i64>(), 0);
        assert!(posting.contains(&(Account::MerchantPending { shop_id: 3 }, -8_000)));
        assert!(posting.iter().all(|(_, m)| *m != 0));
    }

    #[test]
    fn a_fully_refunded_order_settles_to_nothing() {
        let split = Split::of(5_000, 5_000, false, &Terms::default());
        assert_eq!((split.commission, split.reserve, split.net), (0, 0, 0));
        assert!(split.posting(1).is_empty());
        // More refunded than paid cannot be written down.
        assert_eq!(Split::of(5_000, 9_000, false, &Terms::default()).refunded, 5_000);
    }

    #[test]
    fn cash_on_delivery_owes_only_the_commission() {
        let split = Split::of(3_000, 0, true, &Terms { reserve_bp: 1_000, ..Terms::default() });
        assert_eq!((split.commission, split.reserve, split.net), (60, 0, -60));
        let posting = split.posting(4);
        assert_eq!(posting, vec![(Account::MerchantAvailable { shop_id: 4 }, -60), (Account::PlatformRevenue, 60)]);
    }

    #[test]
    fn every_split_balances_and_never_pays_more_than_was_left() {
        for gross in [1, 7, 99, 1_000, 123_457] {
            for refunded in [0, 1, gross / 2, gross] {
                for (c, r) in [(0, 0), (200, 0), (200, 1_000), (5_000, 5_000)] {
                    for cash in [false, true] {
                        let terms = Terms { commission_bp: c, reserve_bp: r, ..Terms::default() };
                        let s = Split::of(gross, refunded, cash, &terms);
                        assert_eq!(s.posting(1).iter().map(|(_, m)| m).sum::<i64>(), 0);
                        assert!(s.commission >= 0 && s.reserve >= 0);
                        if !cash {
                            assert!(s.net >= 0 && s.net + s.commission + s.reserve == gross - refunded);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn payout_postings_balance_and_a_failure_returns_the_money() {
        let mut all = payout_posting(500, 2);
        all.extend(payout_failed_posting(500, 2));
        let available: i64 = all.iter().filter(|(a, _)| *a == Account::MerchantAvailable { shop_id: 2 }).map(|(_, m)| m).sum();
        assert_eq!(available, 0);
        for p in [payout_posting(1, 1), payout_paid_posting(1, 1), payout_failed_posting(1, 1), reserve_release_posting(1, 1)] {
            assert_eq!(p.iter().map(|(_, m)| m).sum::<i64>(), 0);
        }
    }

    #[test]
    fn payout_transitions_are_forward_only() {
        use PayoutStatus::{InTransit, Paid, Pending};
        for from in PayoutStatus::ALL {
            for event in [PayoutEvent::Accepted, PayoutEvent::Arrived, PayoutEvent::Failed] {
                let to = from.apply(event);
                match (from, event) {
                    (Pending, PayoutEvent::Accepted) => assert_eq!(to, Some(InTransit)),
                    (Pending | InTransit, PayoutEvent::Arrived) => assert_eq!(to, Some(Paid)),
                    (Pending | InTransit, PayoutEvent::Failed) => assert_eq!(to, Some(PayoutStatus::Failed)),
                    _ => assert_eq!(to, None, "{from:?} {event:?}"),
                }
                if from.is_final() {
                    assert_eq!(to, None);
                }
            }
            assert_eq!(PayoutStatus::parse(from.as_str()), Some(from));
        }
    }

    #[test]
    fn weekly_payouts_are_on_mondays() {
        let monday = time::macros::date!(2026 - 11 - 30);
        assert!(PayoutSchedule::Weekly.due_on(monday));
        assert!(!PayoutSchedule::Weekly.due_on(monday.next_day().unwrap()));
        assert!(PayoutSchedule::Daily.due_on(monday.next_day().unwrap()));
        assert!(!PayoutSchedule::Manual.due_on(monday));
    }

    #[test]
    fn bank_accounts_are_checked_per_country_and_shown_masked() {
        let sg = BankAccount::parse("SG", "Tan Ah Kow", "7171", "081", "123-456789-0").unwrap();
        assert_eq!((sg.account_number.as_str(), sg.masked().as_str()), ("1234567890", "•••• 7890"));
        assert!(!format!("{sg:?}").contains("123456"), "Debug is masked");
        // 011000015 is a valid ABA routing number; 011000016 fails the checksum.
        assert!(BankAccount::parse("US", "Ann Lee", "011000015", "", "12345678").is_ok());
        let bad = BankAccount::parse("US", "Ann Lee", "011000016", "", "123").unwrap_err();
        assert_eq!(bad, vec![("bank_code", Message::RoutingNumberInvalid), ("account_number", Message::DigitsBetween { min: 4, max: 17 })]);
        let jp = BankAccount::parse("JP", "", "12a4", "12", "123456").unwrap_err();
        assert_eq!(jp.iter().map(|(f, _)| *f).collect::<Vec<_>>(), ["holder", "bank_code", "branch_code", "account_number"], "one message per field");
        assert_eq!(BankAccount::parse("FR", "A", "1", "1", "1").unwrap_err(), vec![("country", Message::ChooseFromList)]);
    }

    #[test]
    fn the_timeline_says_where_the_money_is_and_why() {
        let paid = datetime!(2026-12-01 10:00 UTC);
        let delivered = datetime!(2026-12-03 10:00 UTC);
        let mut facts = MoneyFacts { paid_at: Some(paid), ..Default::default() };
        let states = |f: &MoneyFacts| money_timeline(f).into_iter().map(|(_, s)| s).collect::<Vec<_>>();
        assert_eq!(states(&facts), [StepState::Done, StepState::Now, StepState::Later, StepState::Later]);

        facts.delivered_at = Some(delivered);
        facts.settles_at = Some(settles_at(delivered, &Terms::default()));
        facts.open_request = Some((9, delivered));
        let steps = money_timeline(&facts);
        assert_eq!(steps[2], (MoneyStep::Settles { at: facts.settles_at, held_by_request: Some((9, delivered)) }, StepState::Now));

        let split = Split::of(10_000, 0, false, &Terms { reserve_bp: 1_000, ..Terms::default() });
        let settled_at = datetime!(2026-12-10 10:00 UTC);
        facts.open_request = None;
        facts.settlement =
            Some(SettlementFacts { at: settled_at, split, reserve_release_at: Some(settled_at + Duration::days(30)), reserve_released_at: None });
        let steps = money_timeline(&facts);
        assert!(matches!(steps[3], (MoneyStep::ReserveHeld { amount: 980, .. }, StepState::Now)));
        assert_eq!(steps[4], (MoneyStep::PaidOut { payout_id: None, status: None, at: None }, StepState::Later));

        facts.payout = Some((5, PayoutStatus::Paid, Some(settled_at)));
        assert_eq!(money_timeline(&facts).last().unwrap().1, StepState::Done);

        let unpaid = MoneyFacts::default();
        assert_eq!(money_timeline(&unpaid).len(), 1);
    }
}

// ---- What the console shows ---------------------------------------------------------------------

/// A shop's money in one currency, every part derived from the ledger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalancesView {
    pub currency: Option<crate::money::Currency>,
    /// Paid, not settled yet.
    pub pending: i64,
    /// Settled, not paid out (below zero after a refund that came after settlement).
    pub available: i64,
    /// Held back at settlement until its release date.
    pub reserved: i64,
    /// Paid out, not yet confirmed by the bank.
    pub in_transit: i64,
    /// In the shop's bank.
    pub paid_out: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutView {
    pub id: i64,
    pub amount: crate::money::Money,
    pub status: PayoutStatus,
    pub automatic: bool,
    pub destination: String,
    pub failure_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub arrived_at: Option<OffsetDateTime>,
    /// Settled orders it carries.
    pub orders: i64,
}

/// The bank account payouts go to, as shown: never its full number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutAccountView {
    pub country: PayoutCountry,
    pub holder: String,
    pub bank_code: String,
    pub masked: String,
}

impl From<&BankAccount> for PayoutAccountView {
    fn from(a: &BankAccount) -> Self {
        PayoutAccountView { country: a.country, holder: a.holder.clone(), bank_code: a.bank_code.clone(), masked: a.masked() }
    }
}

/// A day with statement lines: (day, lines, net change).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementDay {
    pub day: time::Date,
    pub currency: crate::money::Currency,
    pub lines: i64,
    pub change: i64,
}

/// The money page of the console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyOverview {
    pub currency: crate::money::Currency,
    pub balances: BalancesView,
    pub account: Option<PayoutAccountView>,
    pub schedule: PayoutSchedule,
    pub payouts: Vec<PayoutView>,
    pub days: Vec<StatementDay>,
    /// The platform's "now" (moved by the test clock in a sandbox), for countdowns.
    pub now: OffsetDateTime,
    pub terms: Terms,
    /// A fresh key for "Withdraw".
    pub withdraw_key: String,
}

/// One line of a statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLineView {
    pub at: OffsetDateTime,
    pub kind: LineKind,
    pub order_number: Option<String>,
    pub gross: Option<i64>,
    pub refunded: Option<i64>,
    pub commission: Option<i64>,
    pub reserve: Option<i64>,
    /// The change to the available balance.
    pub amount: i64,
    pub payout_id: Option<i64>,
    pub balance: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Settlement,
    ReserveRelease,
    RefundAfterSettlement,
    Payout,
    PayoutReturned,
    Adjustment,
}

impl LineKind {
    /// From the ledger transaction's kind.
    pub fn of(kind: &str) -> LineKind {
        match kind {
            "settlement" => LineKind::Settlement,
            "reserve_release" => LineKind::ReserveRelease,
            "refund" => LineKind::RefundAfterSettlement,
            "payout" => LineKind::Payout,
            "payout_failed" => LineKind::PayoutReturned,
            _ => LineKind::Adjustment,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Settlement => "settlement",
            LineKind::ReserveRelease => "reserve_release",
            LineKind::RefundAfterSettlement => "refund_after_settlement",
            LineKind::Payout => "payout",
            LineKind::PayoutReturned => "payout_returned",
            LineKind::Adjustment => "adjustment",
        }
    }
}

/// A shop's statement for one currency and one day (UTC): it reconciles to the ledger, so
/// `opening + Σ amount = closing`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementView {
    pub day: time::Date,
    pub currency: crate::money::Currency,
    pub opening: i64,
    pub lines: Vec<StatementLineView>,
    pub closing: i64,
    /// Totals of the settlement lines: gross, refunded, commission, reserve.
    pub totals: (i64, i64, i64, i64),
}

/// The platform's balances and the last reconciliation, for staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformMoney {
    /// (currency, account kind, balance).
    pub balances: Vec<(crate::money::Currency, String, i64)>,
    pub last_run: Option<ReconciliationView>,
    pub now: OffsetDateTime,
    /// How far the test clock is ahead of real time, in seconds; `None` when it is off.
    pub clock_offset: Option<i64>,
    /// Every shop's terms (staff change them; they apply to settlements from then on).
    pub shops: Vec<ShopTerms>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopTerms {
    pub shop_id: i64,
    pub name: String,
    pub currency: crate::money::Currency,
    pub commission_bp: i64,
    pub reserve_bp: i64,
    pub reserve_days: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconciliationView {
    pub day: time::Date,
    pub at: OffsetDateTime,
    pub checked: i64,
    pub differences: Vec<Difference>,
}

/// One thing that does not add up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    /// What was checked: "ledger_transaction", "settlement", "payout", "account".
    pub subject: String,
    /// Which one: an id or a name.
    pub id: String,
    pub expected: String,
    pub found: String,
}
