//! Money: integer minor units with an ISO-4217 currency. Never floats — not in the database,
//! not on the wire, not in the browser.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The currencies shops can sell in, with their ISO-4217 minor-unit exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    USD,
    EUR,
    GBP,
    CNY,
    HKD,
    TWD,
    JPY,
    KRW,
    SGD,
    MYR,
    IDR,
    THB,
    VND,
    PHP,
    INR,
    AUD,
    CAD,
    BRL,
    MXN,
    SAR,
    AED,
}

pub const ALL_CURRENCIES: &[Currency] = &[
    Currency::USD,
    Currency::EUR,
    Currency::GBP,
    Currency::CNY,
    Currency::HKD,
    Currency::TWD,
    Currency::JPY,
    Currency::KRW,
    Currency::SGD,
    Currency::MYR,
    Currency::IDR,
    Currency::THB,
    Currency::VND,
    Currency::PHP,
    Currency::INR,
    Currency::AUD,
    Currency::CAD,
    Currency::BRL,
    Currency::MXN,
    Currency::SAR,
    Currency::AED,
];

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::USD => "USD",
            Currency::EUR => "EUR",
            Currency::GBP => "GBP",
            Currency::CNY => "CNY",
            Currency::HKD => "HKD",
            Currency::TWD => "TWD",
            Currency::JPY => "JPY",
            Currency::KRW => "KRW",
            Currency::SGD => "SGD",
            Currency::MYR => "MYR",
            Currency::IDR => "IDR",
            Currency::THB => "THB",
            Currency::VND => "VND",
            Currency::PHP => "PHP",
            Currency::INR => "INR",
            Currency::AUD => "AUD",
            Currency::CAD => "CAD",
            Currency::BRL => "BRL",
            Currency::MXN => "MXN",
            Currency::SAR => "SAR",
            Currency::AED => "AED",
        }
    }

    pub fn parse(code: &str) -> Option<Currency> {
        let code = code.trim().to_ascii_uppercase();
        ALL_CURRENCIES.iter().copied().find(|c| c.code() == code)
    }

    /// Digits after the decimal point (ISO 4217): 0 for JPY, KRW, VND; 2 for the others here.
    pub fn exponent(self) -> u32 {
        match self {
            Currency::JPY | Currency::KRW | Currency::VND => 0,
            _ => 2,
        }
    }

    /// The currency a shop registered in `country` (ISO 3166 alpha-2) sells in.
    pub fn for_country(country: &str) -> Currency {
        match country {
            "CN" => Currency::CNY,
            "HK" => Currency::HKD,
            "TW" => Currency::TWD,
            "JP" => Currency::JPY,
            "KR" => Currency::KRW,
            "SG" => Currency::SGD,
            "MY" => Currency::MYR,
            "ID" => Currency::IDR,
            "TH" => Currency::THB,
            "VN" => Currency::VND,
            "PH" => Currency::PHP,
            "IN" => Currency::INR,
            "GB" => Currency::GBP,
            "AU" => Currency::AUD,
            "CA" => Currency::CAD,
            "BR" => Currency::BRL,
            "MX" => Currency::MXN,
            "SA" => Currency::SAR,
            "AE" => Currency::AED,
            "DE" | "FR" | "ES" | "IT" | "NL" => Currency::EUR,
            _ => Currency::USD,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of money. `minor` is in the currency's minor unit (cents, or yen for JPY).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Enter an amount, e.g. {0}.")]
    Empty(&'static str),
    #[error("Enter the amount as digits, e.g. {0}.")]
    NotANumber(&'static str),
    #[error("{0} amounts have no decimals.")]
    NoDecimalsAllowed(Currency),
    #[error("{0} amounts have at most {1} decimals.")]
    TooManyDecimals(Currency, u32),
    #[error("That amount is too large.")]
    TooLarge,
    #[error("The amount must be more than zero.")]
    NotPositive,
    #[error("Amounts in different currencies cannot be added.")]
    CurrencyMismatch,
}

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    fn example(currency: Currency) -> &'static str {
        if currency.exponent() == 0 { "1500" } else { "12.50" }
    }

    /// Parses an amount typed in major units ("12.5", "1,299.00", "1500" for JPY). Refuses
    /// negative or zero amounts and more decimals than the currency has.
    pub fn parse_major(raw: &str, currency: Currency) -> Result<Money, MoneyError> {
        let text: String = raw.trim().chars().filter(|c| *c != ',' && *c != ' ' && *c != '_').collect();
        let example = Self::example(currency);
        if text.is_empty() {
            return Err(MoneyError::Empty(example));
        }
        if text.starts_with('-') {
            return Err(MoneyError::NotPositive);
        }
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text.as_str(), ""),
        };
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
            return Err(MoneyError::NotANumber(example));
        }
        let exp = currency.exponent();
        if exp == 0 && text.contains('.') && frac.chars().any(|c| c != '0') {
            return Err(MoneyError::NoDecimalsAllowed(currency));
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() as u32 > exp {
            return Err(MoneyError::TooManyDecimals(currency, exp));
        }
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| MoneyError::TooLarge)? };
        let mut frac_minor: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| MoneyError::TooLarge)? };
        for _ in frac.len() as u32..exp {
            frac_minor *= 10;
        }
        let minor =
            whole.checked_mul(10i64.pow(exp)).and_then(|m| m.checked_add(frac_minor)).filter(|m| *m <= MAX_MINOR).ok_or(MoneyError::TooLarge)?;
        if minor == 0 {
            return Err(MoneyError::NotPositive);
        }
        Ok(Money { minor, currency })
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        self.minor.checked_add(other.minor).map(|minor| Money { minor, currency: self.currency }).ok_or(MoneyError::TooLarge)
    }

    pub fn checked_mul(self, quantity: i64) -> Result<Money, MoneyError> {
        self.minor.checked_mul(quantity).map(|minor| Money { minor, currency: self.currency }).ok_or(MoneyError::TooLarge)
    }

    /// The amount in major units without the currency code, as typed in a form ("12.50").
    pub fn major_string(&self) -> String {
        let exp = self.currency.exponent();
        let unit = 10i64.pow(exp);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let whole = abs / unit as u64;
        if exp == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{:0width$}", abs % unit as u64, width = exp as usize) }
    }
}

/// The largest amount accepted for one price: 10^12 minor units.
pub const MAX_MINOR: i64 = 1_000_000_000_000;

impl Money {
    /// The amount with thousands grouped and its decimals, without the currency: "1,234.50",
    /// "-1,500". Where the currency goes is the reader's language's business.
    pub fn grouped(&self) -> String {
        let plain = self.major_string();
        let (sign, rest) = plain.strip_prefix('-').map(|r| ("-", r)).unwrap_or(("", plain.as_str()));
        let (whole, frac) = rest.split_once('.').map(|(w, f)| (w, Some(f))).unwrap_or((rest, None));
        let mut grouped = format!("{sign}{}", group_digits(whole));
        if let Some(frac) = frac {
            grouped.push('.');
            grouped.push_str(frac);
        }
        grouped
    }
}

/// Digits with a comma between each group of three from the right: "1234567" → "1,234,567".
pub(crate) fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Money {
    /// "1,234.50 USD", "1,500 JPY".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.grouped(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_per_currency_exponent() {
        assert_eq!(Money::new(123456, Currency::USD).to_string(), "1,234.56 USD");
        assert_eq!(Money::new(5, Currency::EUR).to_string(), "0.05 EUR");
        assert_eq!(Money::new(1500, Currency::JPY).to_string(), "1,500 JPY");
        assert_eq!(Money::new(25_000_000, Currency::VND).to_string(), "25,000,000 VND");
        assert_eq!(Money::new(100, Currency::KRW).to_string(), "100 KRW");
        assert_eq!(Money::new(-1999, Currency::SGD).to_string(), "-19.99 SGD");
        assert_eq!(Money::new(0, Currency::CNY).to_string(), "0.00 CNY");
    }

    #[test]
    fn parses_major_units_exactly() {
        let usd = |s| Money::parse_major(s, Currency::USD).map(|m| m.minor);
        assert_eq!(usd("12.5"), Ok(1250));
        assert_eq!(usd("12.50"), Ok(1250));
        assert_eq!(usd("1,299.99"), Ok(129999));
        assert_eq!(usd(".99"), Ok(99));
        assert_eq!(usd("7"), Ok(700));
        assert_eq!(usd("0.10"), Ok(10));
        // 0.1 + 0.2 is exactly 30 cents: no floats anywhere.
        assert_eq!(usd("0.30"), Ok(30));
    }

    #[test]
    fn refuses_bad_amounts_with_a_reason() {
        let usd = |s| Money::parse_major(s, Currency::USD);
        assert_eq!(usd(""), Err(MoneyError::Empty("12.50")));
        assert_eq!(usd("abc"), Err(MoneyError::NotANumber("12.50")));
        assert_eq!(usd("1.2.3"), Err(MoneyError::NotANumber("12.50")));
        assert_eq!(usd("12.345"), Err(MoneyError::TooManyDecimals(Currency::USD, 2)));
        assert_eq!(usd("-5"), Err(MoneyError::NotPositive));
        assert_eq!(usd("0"), Err(MoneyError::NotPositive));
        assert_eq!(usd("0.00"), Err(MoneyError::NotPositive));
        assert_eq!(usd("99999999999999999999"), Err(MoneyError::TooLarge));
        assert_eq!(usd("1e3"), Err(MoneyError::NotANumber("12.50")));
    }

    #[test]
    fn zero_decimal_currencies_take_no_decimals() {
        assert_eq!(Money::parse_major("1500", Currency::JPY).map(|m| m.minor), Ok(1500));
        assert_eq!(Money::parse_major("1500.00", Currency::JPY).map(|m| m.minor), Ok(1500));
        assert_eq!(Money::parse_major("1500.5", Currency::JPY), Err(MoneyError::NoDecimalsAllowed(Currency::JPY)));
        assert_eq!(Money::parse_major("25,000", Currency::VND).map(|m| m.minor), Ok(25000));
    }

    #[test]
    fn formatting_and_parsing_round_trip() {
        for c in ALL_CURRENCIES {
            for minor in [1, 99, 100, 12345, 1_000_000] {
                let m = Money::new(minor, *c);
                assert_eq!(Money::parse_major(&m.major_string(), *c), Ok(m), "{m}");
            }
        }
    }

    #[test]
    fn arithmetic_checks_currency_and_overflow() {
        let a = Money::new(100, Currency::USD);
        assert_eq!(a.checked_add(Money::new(250, Currency::USD)), Ok(Money::new(350, Currency::USD)));
        assert_eq!(a.checked_add(Money::new(1, Currency::EUR)), Err(MoneyError::CurrencyMismatch));
        assert_eq!(a.checked_mul(3), Ok(Money::new(300, Currency::USD)));
        assert_eq!(Money::new(i64::MAX, Currency::USD).checked_mul(2), Err(MoneyError::TooLarge));
    }

    #[test]
    fn currencies_parse_by_code() {
        assert_eq!(Currency::parse("jpy"), Some(Currency::JPY));
        assert_eq!(Currency::parse("XXX"), None);
        assert_eq!(Currency::for_country("VN"), Currency::VND);
        assert_eq!(Currency::for_country("DE"), Currency::EUR);
    }
}
