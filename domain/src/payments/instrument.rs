//! Payment instruments as typed by a shopper: card numbers (Luhn checksum, brand), expiry,
//! security code, and third-party wallet accounts. These types check everything they can
//! without the provider; the raw card number and code exist only in memory, on their way to
//! the provider, and print as `****` in every `Debug`.

use crate::Message;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    UnionPay,
    Jcb,
    Discover,
}

impl CardBrand {
    pub fn as_str(self) -> &'static str {
        match self {
            CardBrand::Visa => "visa",
            CardBrand::Mastercard => "mastercard",
            CardBrand::Amex => "amex",
            CardBrand::UnionPay => "unionpay",
            CardBrand::Jcb => "jcb",
            CardBrand::Discover => "discover",
        }
    }
    pub fn parse(raw: &str) -> Option<CardBrand> {
        [CardBrand::Visa, CardBrand::Mastercard, CardBrand::Amex, CardBrand::UnionPay, CardBrand::Jcb, CardBrand::Discover]
            .into_iter()
            .find(|b| b.as_str() == raw)
    }
    pub fn label(self) -> &'static str {
        match self {
            CardBrand::Visa => "Visa",
            CardBrand::Mastercard => "Mastercard",
            CardBrand::Amex => "American Express",
            CardBrand::UnionPay => "UnionPay",
            CardBrand::Jcb => "JCB",
            CardBrand::Discover => "Discover",
        }
    }
    /// Digits in a card number of this brand.
    fn lengths(self) -> &'static [usize] {
        match self {
            CardBrand::Visa => &[13, 16, 19],
            CardBrand::Mastercard => &[16],
            CardBrand::Amex => &[15],
            CardBrand::UnionPay => &[16, 17, 18, 19],
            CardBrand::Jcb => &[16, 17, 18, 19],
            CardBrand::Discover => &[16, 19],
        }
    }
    /// Digits in the security code.
    pub fn cvc_len(self) -> usize {
        if self == CardBrand::Amex { 4 } else { 3 }
    }

    /// The brand from the number's leading digits (IIN ranges).
    pub fn detect(digits: &str) -> Option<CardBrand> {
        let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
        match (prefix(1), prefix(2), prefix(4), prefix(6)) {
            (_, Some(34 | 37), _, _) => Some(CardBrand::Amex),
            (_, _, Some(3528..=3589), _) => Some(CardBrand::Jcb),
            (_, Some(62), _, _) => Some(CardBrand::UnionPay),
            (_, _, Some(6011), _) | (_, Some(65), _, _) => Some(CardBrand::Discover),
            (_, _, _, Some(644000..=649999)) => Some(CardBrand::Discover),
            (_, Some(51..=55), _, _) | (_, _, Some(2221..=2720), _) => Some(CardBrand::Mastercard),
            (Some(4), _, _, _) => Some(CardBrand::Visa),
            _ => None,
        }
    }
}

/// A card number that passed the Luhn checksum and matches a known brand's length.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber {
    digits: String,
    brand: CardBrand,
}

pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl CardNumber {
    pub fn parse(raw: &str) -> Result<CardNumber, Message> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if digits.is_empty() {
            return Err(Message::CardNumberMissing);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Message::CardNumberDigitsOnly);
        }
        let brand = CardBrand::detect(&digits).ok_or(Message::CardBrandNotAccepted)?;
        if !brand.lengths().contains(&digits.len()) {
            return Err(Message::CardNumberLength);
        }
        if !luhn_valid(&digits) {
            return Err(Message::CardNumberInvalid);
        }
        Ok(CardNumber { digits, brand })
    }
    pub fn brand(&self) -> CardBrand {
        self.brand
    }
    pub fn last4(&self) -> String {
        self.digits[self.digits.len() - 4..].to_string()
    }
    /// The full number, for the provider call only.
    pub fn expose(&self) -> &str {
        &self.digits
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber({} ****{})", self.brand.as_str(), self.last4())
    }
}

/// A card's expiry month and year, not in the past.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expiry {
    pub month: u8,
    pub year: u16,
}

impl Expiry {
    /// Parses "MM/YY", "MM/YYYY" or "MM YY"; `today` is (year, month).
    pub fn parse(raw: &str, today: (u16, u8)) -> Result<Expiry, Message> {
        let cleaned: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if cleaned.is_empty() {
            return Err(Message::ExpiryFormat);
        }
        let (m, y) = cleaned.split_once('/').ok_or(Message::ExpiryFormat)?;
        let month: u8 = m.parse().map_err(|_| Message::ExpiryFormat)?;
        let year: u16 = match y.len() {
            2 => 2000 + y.parse::<u16>().map_err(|_| Message::ExpiryFormat)?,
            4 => y.parse().map_err(|_| Message::ExpiryFormat)?,
            _ => return Err(Message::ExpiryFormat),
        };
        if !(1..=12).contains(&month) {
            return Err(Message::ExpiryMonth);
        }
        if (year, month) < today {
            return Err(Message::CardExpired);
        }
        if year > today.0 + 20 {
            return Err(Message::ExpiryTooFar);
        }
        Ok(Expiry { month, year })
    }
    pub fn label(self) -> String {
        format!("{:02}/{:02}", self.month, self.year % 100)
    }
}

/// A card security code: 3 digits, or 4 for American Express.
#[derive(Clone, PartialEq, Eq)]
pub struct SecurityCode(String);

impl SecurityCode {
    pub fn parse(raw: &str, brand: Option<CardBrand>) -> Result<SecurityCode, Message> {
        let code = raw.trim();
        let want = brand.map(CardBrand::cvc_len);
        let ok_len = match want {
            Some(n) => code.len() == n,
            None => (3..=4).contains(&code.len()),
        };
        if code.is_empty() {
            return Err(Message::SecurityCodeMissing);
        }
        if !code.bytes().all(|b| b.is_ascii_digit()) || !ok_len {
            return Err(match want {
                Some(n) => Message::SecurityCodeLength { digits: n as u32 },
                None => Message::SecurityCodeLengthAny,
            });
        }
        Ok(SecurityCode(code.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecurityCode(***)")
    }
}

/// Third-party wallets a shopper can bind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WalletKind {
    Alipay,
    PayPal,
    GrabPay,
    GCash,
}

pub const WALLETS: &[(&str, &str)] = &[("alipay", "Alipay"), ("paypal", "PayPal"), ("grabpay", "GrabPay"), ("gcash", "GCash")];

impl WalletKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WalletKind::Alipay => "alipay",
            WalletKind::PayPal => "paypal",
            WalletKind::GrabPay => "grabpay",
            WalletKind::GCash => "gcash",
        }
    }
    pub fn parse(raw: &str) -> Option<WalletKind> {
        [WalletKind::Alipay, WalletKind::PayPal, WalletKind::GrabPay, WalletKind::GCash].into_iter().find(|w| w.as_str() == raw)
    }
    pub fn label(self) -> &'static str {
        WALLETS.iter().find(|(c, _)| *c == self.as_str()).map(|(_, l)| *l).unwrap_or("Wallet")
    }
    /// The wallet's account format, in English (pages word it per reader).
    pub(crate) fn format_hint(self) -> &'static str {
        match self {
            WalletKind::Alipay => "Enter the email address or 11-digit mainland China mobile number of your Alipay account.",
            WalletKind::PayPal => "Enter the email address of your PayPal account.",
            WalletKind::GrabPay => "Enter your GrabPay mobile number with its country code, e.g. +65 9123 4567.",
            WalletKind::GCash => "Enter your GCash mobile number, e.g. 0917 123 4567.",
        }
    }
}

/// A wallet account in the wallet's own format, normalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletAccount {
    pub kind: WalletKind,
    pub account: String,
}

impl WalletAccount {
    pub fn parse(kind: WalletKind, raw: &str) -> Result<WalletAccount, Message> {
        let raw = raw.trim();
        let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
        let phone_chars = raw.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0));
        let email = || crate::accounts::Email::parse(raw).ok().map(|e| e.as_str().to_string());
        let account = match kind {
            WalletKind::PayPal => email(),
            WalletKind::Alipay => email().or_else(|| {
                let d = digits.strip_prefix("86").filter(|_| raw.starts_with("+86")).unwrap_or(&digits);
                (phone_chars && d.len() == 11 && d.starts_with('1')).then(|| format!("+86{d}"))
            }),
            WalletKind::GrabPay => {
                let ok = phone_chars
                    && raw.starts_with('+')
                    && (9..=13).contains(&digits.len())
                    && ["65", "60", "62", "63", "66", "84", "95", "855"].iter().any(|cc| digits.starts_with(cc));
                ok.then(|| format!("+{digits}"))
            }
            WalletKind::GCash => {
                let national =
                    if let Some(rest) = digits.strip_prefix("63").filter(|_| raw.starts_with('+')) { format!("0{rest}") } else { digits.clone() };
                (phone_chars && national.len() == 11 && national.starts_with("09")).then(|| format!("+63{}", &national[1..]))
            }
        };
        account.map(|account| WalletAccount { kind, account }).ok_or(Message::WalletAccountFormat { wallet: kind })
    }

    /// What is shown for the account: most of it masked.
    pub fn display(&self) -> String {
        let a = &self.account;
        match a.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => format!("{}•••{}", &a[..3.min(a.len())], &a[a.len().saturating_sub(4)..]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_valid_numbers_and_rejects_typos() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("4242424242424241"));
        assert!(!luhn_valid("79927398710"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("4242a"));
    }

    #[test]
    fn brands_are_detected_from_the_number() {
        for (number, brand) in [
            ("4242424242424242", CardBrand::Visa),
            ("5555555555554444", CardBrand::Mastercard),
            ("2223003122003222", CardBrand::Mastercard),
            ("378282246310005", CardBrand::Amex),
            ("6200000000000005", CardBrand::UnionPay),
            ("3566002020360505", CardBrand::Jcb),
            ("6011111111111117", CardBrand::Discover),
        ] {
            assert_eq!(CardNumber::parse(number).unwrap().brand(), brand, "{number}");
        }
        assert!(CardNumber::parse("9999999999999995").is_err(), "unknown brand");
    }

    #[test]
    fn card_numbers_accept_spaces_and_refuse_typos_with_a_reason() {
        let n = CardNumber::parse("4242 4242 4242 4242").unwrap();
        assert_eq!(n.last4(), "4242");
        assert_eq!(CardNumber::parse("4242 4242 4242 4241").unwrap_err(), Message::CardNumberInvalid);
        assert_eq!(CardNumber::parse("4242 4242").unwrap_err(), Message::CardNumberLength);
        assert_eq!(CardNumber::parse("4242-abcd").unwrap_err(), Message::CardNumberDigitsOnly);
        assert_eq!(CardNumber::parse(" ").unwrap_err(), Message::CardNumberMissing);
    }

    #[test]
    fn card_numbers_never_print() {
        let n = CardNumber::parse("4242424242424242").unwrap();
        let shown = format!("{n:?}");
        assert!(!shown.contains("42424242"), "{shown}");
        assert!(shown.contains("4242"));
        assert!(!format!("{:?}", SecurityCode::parse("123", None).unwrap()).contains("123"));
    }

    #[test]
    fn expiry_must_be_in_the_future() {
        let today = (2026, 11);
        assert_eq!(Expiry::parse("11/26", today), Ok(Expiry { month: 11, year: 2026 }), "this month still counts");
        assert_eq!(Expiry::parse("01/2030", today), Ok(Expiry { month: 1, year: 2030 }));
        assert_eq!(Expiry::parse("10/26", today), Err(Message::CardExpired));
        assert_eq!(Expiry::parse("13/27", today), Err(Message::ExpiryMonth));
        assert_eq!(Expiry::parse("1227", today), Err(Message::ExpiryFormat));
        assert_eq!(Expiry::parse("12/60", today), Err(Message::ExpiryTooFar));
        assert_eq!(Expiry { month: 3, year: 2031 }.label(), "03/31");
    }

    #[test]
    fn security_codes_follow_the_brand() {
        assert!(SecurityCode::parse("123", Some(CardBrand::Visa)).is_ok());
        assert!(SecurityCode::parse("1234", Some(CardBrand::Visa)).is_err());
        assert!(SecurityCode::parse("1234", Some(CardBrand::Amex)).is_ok());
        assert!(SecurityCode::parse("12a", None).is_err());
        assert!(SecurityCode::parse("", None).is_err());
    }

    #[test]
    fn wallet_accounts_follow_each_wallet_format() {
        let ok = |k, s: &str| WalletAccount::parse(k, s).map(|w| w.account);
        assert_eq!(ok(WalletKind::PayPal, "Ann@Example.com"), Ok("ann@example.com".into()));
        assert!(ok(WalletKind::PayPal, "+65 9123 4567").is_err());
        assert_eq!(ok(WalletKind::Alipay, "138 0013 8000"), Ok("+8613800138000".into()));
        assert_eq!(ok(WalletKind::Alipay, "+86 138 0013 8000"), Ok("+8613800138000".into()));
        assert_eq!(ok(WalletKind::Alipay, "li@example.cn"), Ok("li@example.cn".into()));
        assert!(ok(WalletKind::Alipay, "2380013800").is_err());
        assert_eq!(ok(WalletKind::GrabPay, "+65 9123 4567"), Ok("+6591234567".into()));
        assert!(ok(WalletKind::GrabPay, "91234567").is_err(), "needs a country code");
        assert!(ok(WalletKind::GrabPay, "+1 415 555 0100").is_err(), "not a GrabPay country");
        assert_eq!(ok(WalletKind::GCash, "0917 123 4567"), Ok("+639171234567".into()));
        assert_eq!(ok(WalletKind::GCash, "+63 917 123 4567"), Ok("+639171234567".into()));
        assert!(ok(WalletKind::GCash, "0817 123 4567").is_err());
    }

    #[test]
    fn wallet_accounts_display_masked() {
        assert_eq!(WalletAccount::parse(WalletKind::PayPal, "ann@example.com").unwrap().display(), "a***@example.com");
        assert_eq!(WalletAccount::parse(WalletKind::GCash, "09171234567").unwrap().display(), "+63•••4567");
    }
}
