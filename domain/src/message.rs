//! What the product tells a user when it refuses an input or a change: a kind plus its
//! parameters, never a finished sentence. The domain decides *what* to say; each reader's
//! page words it in their language (`app::messages`), and an API client gets the stable
//! `code` with the parameters. `Display` is the English wording, for logs, tests and API
//! clients; the app's English locale says the same (a test there compares them).

use crate::collection::MerchantAction;
use crate::money::{Currency, Money, MoneyError};
use crate::orders::{OrderChange, OrderStatus};
use crate::payments::instrument::WalletKind;
use crate::payments::{DeclineReason, MethodSummary};
use crate::refunds::{RefundStatus, RequestStatus};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, strum::EnumCount, strum::IntoStaticStr)]
#[serde(tag = "code", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Message {
    // Any text field.
    Required,
    TooShort {
        min: u32,
    },
    TooLong {
        max: u32,
    },
    OneLine {
        max: u32,
    },
    ControlCharacter,
    ChooseFromList,

    // Amounts typed in major units.
    AmountMissing {
        example: String,
    },
    AmountNotANumber {
        example: String,
    },
    NoDecimals {
        currency: Currency,
    },
    TooManyDecimals {
        currency: Currency,
        decimals: u32,
    },
    AmountTooLarge,
    AmountNotPositive,
    CurrencyMismatch,

    // Accounts.
    EmailMissing,
    EmailTooLong,
    EmailInvalid,
    PasswordBlank,
    ChooseRole,
    EmailTaken,
    SignInEmailMissing,
    PasswordMissing,
    WrongCredentials,
    AccountFrozen,
    CurrentPasswordMissing,
    SamePassword,
    WrongCurrentPassword,

    // Cards and wallets.
    CardNumberMissing,
    CardNumberDigitsOnly,
    CardBrandNotAccepted,
    CardNumberLength,
    CardNumberInvalid,
    ExpiryFormat,
    ExpiryMonth,
    CardExpired,
    ExpiryTooFar,
    SecurityCodeMissing,
    SecurityCodeLength {
        digits: u32,
    },
    SecurityCodeLengthAny,
    WalletAccountFormat {
        wallet: WalletKind,
    },
    ChooseCardKind,
    HolderName,
    CardAlreadySaved {
        method: MethodSummary,
    },
    ProviderRefused {
        reason: DeclineReason,
    },

    // Paying.
    Declined {
        reason: DeclineReason,
    },
    PaymentSentWithOtherDetails,
    OrderCancelledCannotPay,
    OrderIsCashOnDelivery,
    OrderAlreadyPaid,
    PaymentDeadlinePassed,
    PaymentRequestWithdrawn,
    ChoosePaymentMethod,
    EnterSixDigitCode,
    WrongCode {
        tries_left: u32,
    },
    CodeNoLongerAwaited,
    NewCodeTooSoon {
        seconds: u32,
    },
    PaymentInProgressShopper,
    PaymentInProgressMerchant,
    PaymentAlreadyUnderway,
    MethodInUse,

    // Cart and products.
    ProductNoLongerSold,
    SoldOut,
    OnlyLeft {
        stock: i32,
    },
    ChooseAtLeastOne,
    AtMostPerOrder {
        max: i32,
    },
    ProductSoldOut,
    StockNegative,
    StockTooHigh {
        max: i32,
    },
    StockNotANumber,
    ShopNotOpen,
    ImageTooLarge,
    ImageType,
    ImageMissing,
    ImageUnreadable,
    ImageDimensions {
        max_side: u32,
        max_megapixels: u32,
    },

    // Checkout and addresses.
    CheckoutUsedForOtherShop,
    OrderStillBeingPlaced,
    NothingFromThisShop,
    CartLineProblem {
        title: String,
        problem: Box<Message>,
    },
    PostcodeFormat,
    PhoneFormat,

    // Orders and collection.
    OrderCannot {
        status: OrderStatus,
        change: OrderChange,
    },
    ActionNotAllowed {
        status: OrderStatus,
        action: MerchantAction,
    },
    NoOpenRequest,
    RequestAlreadyOpen,
    CashOnDeliveryNeedsCash,
    DeadlineMinutes {
        min: i64,
        max: i64,
    },
    CashMissing {
        due: Money,
    },
    CashMismatch {
        collected: Money,
        due: Money,
    },
    DateOrder,
    SearchHint,
    DateFormat,
    DateRange,
    CarrierFormat,
    TrackingFormat,

    // Merchant qualification.
    AlreadyUnderReview,
    AlreadyApproved,
    SubmissionAlreadyApproved,
    NothingToReview,
    RejectionReasonTooShort,
    RegistrationNumberFormat,
    ContactPhoneFormat,

    // Support.
    TicketClosedOpenNew,
    TicketAlreadyClosed,
    DescribeProblem,
    ChooseProblemKind,
    AccountAlreadyFrozen,
    AccountNotFrozen,

    // Refunds and after-sales.
    RefundRequestCannot {
        status: RequestStatus,
    },
    RefundCannot {
        status: RefundStatus,
    },
    RefundQuantityTooMany {
        left: u32,
    },
    ChooseRefundItems,
    RefundExceedsPaid {
        left: Money,
    },
    RefundNotNow {
        status: OrderStatus,
    },
    ReturnNeedsDelivery,
    RefundRequestAlreadyOpen,
    RefundSentWithOtherDetails,
    NothingPaidToRefund,
    OrderFullyRefunded,
    PaidInCashRecordIt,
    PaidOnlineNoCashRecord,
    RefundQuantityFormat,
    AnswerRefundRequestFirst,

    // Settlement and payouts.
    DigitsExactly {
        digits: u32,
    },
    DigitsBetween {
        min: u32,
        max: u32,
    },
    RoutingNumberInvalid,
    NoPayoutAccount,
    NothingToPayOut,
    PayoutSentWithOtherDetails,
    TestClockOff,
    ClockStepInvalid,
    PercentFormat {
        max: u32,
    },
    DaysBetween {
        min: u32,
        max: u32,
    },

    // Webhooks.
    WebhookUrlFormat,
    WebhookUrlNotHttps,
    WebhookUrlPrivate,
    TooManyEndpoints {
        max: u32,
    },

    // Anything that cannot be undone.
    /// A destructive action was sent without its confirmation; `subject` names what was to be
    /// done (an action, a method's id), so that the page shows the confirmation step beside it.
    ConfirmFirst {
        subject: String,
    },
}

impl Message {
    /// The stable name of this kind of message, as API clients and the stored JSON see it.
    pub fn code(&self) -> &'static str {
        self.into()
    }

    /// One message of every kind, for tests that check each is worded everywhere.
    pub fn examples() -> Vec<Message> {
        use crate::money::Currency::USD as Usd;
        use crate::payments::MethodKind;
        use crate::payments::instrument::CardBrand;
        let due = Money::new(2500, Usd);
        let all = vec![
            Message::Required,
            Message::TooShort { min: 10 },
            Message::TooLong { max: 60 },
            Message::OneLine { max: 120 },
            Message::ControlCharacter,
            Message::ChooseFromList,
            Message::AmountMissing { example: "12.50".into() },
            Message::AmountNotANumber { example: "12.50".into() },
            Message::NoDecimals { currency: Currency::JPY },
            Message::TooManyDecimals { currency: Usd, decimals: 2 },
            Message::AmountTooLarge,
            Message::AmountNotPositive,
            Message::CurrencyMismatch,
            Message::EmailMissing,
            Message::EmailTooLong,
            Message::EmailInvalid,
            Message::PasswordBlank,
            Message::ChooseRole,
            Message::EmailTaken,
            Message::SignInEmailMissing,
            Message::PasswordMissing,
            Message::WrongCredentials,
            Message::AccountFrozen,
            Message::CurrentPasswordMissing,
            Message::SamePassword,
            Message::WrongCurrentPassword,
            Message::CardNumberMissing,
            Message::CardNumberDigitsOnly,
            Message::CardBrandNotAccepted,
            Message::CardNumberLength,
            Message::CardNumberInvalid,
            Message::ExpiryFormat,
            Message::ExpiryMonth,
            Message::CardExpired,
            Message::ExpiryTooFar,
            Message::SecurityCodeMissing,
            Message::SecurityCodeLength { digits: 4 },
            Message::SecurityCodeLengthAny,
            Message::WalletAccountFormat { wallet: WalletKind::GCash },
            Message::ChooseCardKind,
            Message::HolderName,
            Message::CardAlreadySaved {
                method: MethodSummary {
                    kind: MethodKind::CreditCard,
                    brand: Some(CardBrand::Visa),
                    last4: Some("4242".into()),
                    wallet: None,
                    wallet_display: None,
                },
            },
            Message::ProviderRefused { reason: DeclineReason::WalletRejected },
            Message::Declined { reason: DeclineReason::CardDeclined },
            Message::PaymentSentWithOtherDetails,
            Message::OrderCancelledCannotPay,
            Message::OrderIsCashOnDelivery,
            Message::OrderAlreadyPaid,
            Message::PaymentDeadlinePassed,
            Message::PaymentRequestWithdrawn,
            Message::ChoosePaymentMethod,
            Message::EnterSixDigitCode,
            Message::WrongCode { tries_left: 4 },
            Message::CodeNoLongerAwaited,
            Message::NewCodeTooSoon { seconds: 25 },
            Message::PaymentInProgressShopper,
            Message::PaymentInProgressMerchant,
            Message::PaymentAlreadyUnderway,
            Message::MethodInUse,
            Message::ProductNoLongerSold,
            Message::SoldOut,
            Message::OnlyLeft { stock: 5 },
            Message::ChooseAtLeastOne,
            Message::AtMostPerOrder { max: 999 },
            Message::ProductSoldOut,
            Message::StockNegative,
            Message::StockTooHigh { max: 1_000_000 },
            Message::StockNotANumber,
            Message::ShopNotOpen,
            Message::ImageTooLarge,
            Message::ImageType,
            Message::ImageMissing,
            Message::ImageUnreadable,
            Message::ImageDimensions { max_side: 8000, max_megapixels: 25 },
            Message::CheckoutUsedForOtherShop,
            Message::OrderStillBeingPlaced,
            Message::NothingFromThisShop,
            Message::CartLineProblem { title: "Wireless earbuds".into(), problem: Box::new(Message::OnlyLeft { stock: 2 }) },
            Message::PostcodeFormat,
            Message::PhoneFormat,
            Message::OrderCannot { status: OrderStatus::Shipped, change: OrderChange::Cancel },
            Message::ActionNotAllowed { status: OrderStatus::Paid, action: MerchantAction::Deliver },
            Message::NoOpenRequest,
            Message::RequestAlreadyOpen,
            Message::CashOnDeliveryNeedsCash,
            Message::DeadlineMinutes { min: 5, max: 10080 },
            Message::CashMissing { due },
            Message::CashMismatch { collected: Money::new(1000, Usd), due },
            Message::DateOrder,
            Message::SearchHint,
            Message::DateFormat,
            Message::DateRange,
            Message::CarrierFormat,
            Message::TrackingFormat,
            Message::AlreadyUnderReview,
            Message::AlreadyApproved,
            Message::SubmissionAlreadyApproved,
            Message::NothingToReview,
            Message::RejectionReasonTooShort,
            Message::RegistrationNumberFormat,
            Message::ContactPhoneFormat,
            Message::TicketClosedOpenNew,
            Message::TicketAlreadyClosed,
            Message::DescribeProblem,
            Message::ChooseProblemKind,
            Message::AccountAlreadyFrozen,
            Message::AccountNotFrozen,
            Message::RefundRequestCannot { status: RequestStatus::Refused },
            Message::RefundCannot { status: RefundStatus::Succeeded },
            Message::RefundQuantityTooMany { left: 2 },
            Message::ChooseRefundItems,
            Message::RefundExceedsPaid { left: due },
            Message::RefundNotNow { status: OrderStatus::Shipped },
            Message::ReturnNeedsDelivery,
            Message::RefundRequestAlreadyOpen,
            Message::RefundSentWithOtherDetails,
            Message::NothingPaidToRefund,
            Message::OrderFullyRefunded,
            Message::PaidInCashRecordIt,
            Message::PaidOnlineNoCashRecord,
            Message::RefundQuantityFormat,
            Message::AnswerRefundRequestFirst,
            Message::DigitsExactly { digits: 4 },
            Message::DigitsBetween { min: 9, max: 12 },
            Message::RoutingNumberInvalid,
            Message::NoPayoutAccount,
            Message::NothingToPayOut,
            Message::PayoutSentWithOtherDetails,
            Message::TestClockOff,
            Message::ClockStepInvalid,
            Message::PercentFormat { max: 50 },
            Message::DaysBetween { min: 1, max: 365 },
            Message::WebhookUrlFormat,
            Message::WebhookUrlNotHttps,
            Message::WebhookUrlPrivate,
            Message::TooManyEndpoints { max: 16 },
            Message::ConfirmFirst { subject: "cancel".into() },
        ];
        debug_assert_eq!(all.len(), <Message as strum::EnumCount>::COUNT);
        all
    }
}

/// A count with its thousands grouped, as both languages write it: "4,000".
pub fn thousands(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", crate::money::group_digits(&n.unsigned_abs().to_string()))
}

impl From<MoneyError> for Message {
    fn from(err: MoneyError) -> Self {
        match err {
            MoneyError::Empty(example) => Message::AmountMissing { example: example.into() },
            MoneyError::NotANumber(example) => Message::AmountNotANumber { example: example.into() },
            MoneyError::NoDecimalsAllowed(currency) => Message::NoDecimals { currency },
            MoneyError::TooManyDecimals(currency, decimals) => Message::TooManyDecimals { currency, decimals },
            MoneyError::TooLarge => Message::AmountTooLarge,
            MoneyError::NotPositive => Message::AmountNotPositive,
            MoneyError::CurrencyMismatch => Message::CurrencyMismatch,
        }
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Message::*;
        let fixed = match self {
            Required => "Fill in this field.",
            TooShort { min } => return write!(f, "Use at least {} characters.", thousands(*min as i64)),
            TooLong { max } => return write!(f, "Use at most {} characters.", thousands(*max as i64)),
            OneLine { max } => return write!(f, "Use at most {} characters, on one line.", thousands(*max as i64)),
            ControlCharacter => "This contains a character that cannot be used here (a control character).",
            ChooseFromList => "Choose an option from the list.",
            AmountMissing { example } => return write!(f, "Enter an amount, e.g. {example}."),
            AmountNotANumber { example } => return write!(f, "Enter the amount as digits, e.g. {example}."),
            NoDecimals { currency } => return write!(f, "{currency} amounts have no decimals."),
            TooManyDecimals { currency, decimals } => return write!(f, "{currency} amounts have at most {decimals} decimals."),
            AmountTooLarge => "That amount is too large.",
            AmountNotPositive => "The amount must be more than zero.",
            CurrencyMismatch => "Amounts in different currencies cannot be added.",
            EmailMissing => "Enter your email address.",
            EmailTooLong => "That email address is too long.",
            EmailInvalid => "Enter an email address like name@example.com.",
            PasswordBlank => "A password cannot be only spaces.",
            ChooseRole => "Choose whether you shop or sell.",
            EmailTaken => "An account with this email already exists. Sign in instead.",
            SignInEmailMissing => "Enter the email address you signed up with.",
            PasswordMissing => "Enter your password.",
            WrongCredentials => "Email or password is incorrect.",
            AccountFrozen => "This account is frozen for your safety after a report to support. Contact support to unfreeze it.",
            CurrentPasswordMissing => "Enter your current password.",
            SamePassword => "Choose a password different from the current one.",
            WrongCurrentPassword => "That is not your current password.",
            CardNumberMissing => "Enter the card number.",
            CardNumberDigitsOnly => "A card number has only digits.",
            CardBrandNotAccepted => "We don't accept this card brand. Use Visa, Mastercard, American Express, UnionPay, JCB or Discover.",
            CardNumberLength => "This card number has the wrong number of digits.",
            CardNumberInvalid => "This card number is not valid. Check it for typing mistakes.",
            ExpiryFormat => "Enter the expiry date as MM/YY.",
            ExpiryMonth => "The month must be from 01 to 12.",
            CardExpired => "This card has expired.",
            ExpiryTooFar => "This expiry date is too far in the future.",
            SecurityCodeMissing => "Enter the security code from the back of the card.",
            SecurityCodeLength { digits } => return write!(f, "The security code has {digits} digits."),
            SecurityCodeLengthAny => "The security code has 3 or 4 digits.",
            WalletAccountFormat { wallet } => wallet.format_hint(),
            ChooseCardKind => "Choose credit card or debit card.",
            HolderName => "Enter the name as printed on the card (up to 100 characters).",
            CardAlreadySaved { method } => return write!(f, "This card is already saved: {}.", method.label()),
            ProviderRefused { reason } => return write!(f, "The provider refused this: {}", reason.message()),
            Declined { reason } => reason.message(),
            PaymentSentWithOtherDetails => "This payment was already sent with other details. Reload the page and try again.",
            OrderCancelledCannotPay => "This order was cancelled; it can no longer be paid.",
            OrderIsCashOnDelivery => "This order is paid in cash on delivery; it cannot be paid online.",
            OrderAlreadyPaid => "This order is already paid.",
            PaymentDeadlinePassed => "The payment deadline of this order has passed.",
            PaymentRequestWithdrawn => "The shop withdrew its payment request for this order; wait for a new one.",
            ChoosePaymentMethod => "Choose one of your payment methods.",
            EnterSixDigitCode => "Enter the 6-digit code.",
            WrongCode { tries_left: 1 } => "The verification code is not correct (1 try left).",
            WrongCode { tries_left } => return write!(f, "The verification code is not correct ({tries_left} tries left)."),
            CodeNoLongerAwaited => "This payment no longer waits for a verification code.",
            NewCodeTooSoon { seconds } => return write!(f, "A code was sent a moment ago. You can ask for a new one in {seconds} s."),
            PaymentInProgressShopper => {
                "A payment of this order is still in progress. Wait for it to finish, or stop it on the payment page, then cancel."
            }
            PaymentInProgressMerchant => "The shopper is paying this order right now; wait for the payment to finish.",
            PaymentAlreadyUnderway => "A payment for this order is already in progress or done.",
            MethodInUse => "A payment with this method is still being processed. Remove it once that payment has finished.",
            ProductNoLongerSold => "This product is no longer sold.",
            SoldOut => "Sold out.",
            OnlyLeft { stock } => return write!(f, "Only {stock} left in stock."),
            ChooseAtLeastOne => "Choose at least 1.",
            AtMostPerOrder { max } => return write!(f, "At most {max} of one product per order."),
            ProductSoldOut => "This product is sold out.",
            StockNegative => "Stock cannot be negative.",
            StockTooHigh { max } => return write!(f, "Stock can be at most {}.", thousands(*max as i64)),
            StockNotANumber => "Enter the number of items in stock, e.g. 25.",
            ShopNotOpen => "Your shop opens once the platform approves your qualification.",
            ImageTooLarge => "The image is larger than 2 MB.",
            ImageType => "Upload a PNG, JPEG or WebP image.",
            ImageMissing => "Choose an image to upload.",
            ImageUnreadable => "This image could not be read. Upload another PNG, JPEG or WebP file.",
            ImageDimensions { max_side, max_megapixels } => {
                return write!(
                    f,
                    "The image has too many pixels: at most {} on a side and {max_megapixels} megapixels.",
                    thousands(*max_side as i64)
                );
            }
            CheckoutUsedForOtherShop => "This checkout was already used for another shop. Reload the page.",
            OrderStillBeingPlaced => "This order is still being placed. Check “My orders” in a moment.",
            NothingFromThisShop => "Your cart has nothing from this shop.",
            CartLineProblem { title, problem } => return write!(f, "{title}: {problem}"),
            PostcodeFormat => "Enter a postcode of up to 12 letters and digits.",
            PhoneFormat => "Enter a phone number with 7 to 15 digits.",
            OrderCannot { status, change } => {
                return write!(f, "An order that is {} cannot be {}.", status.label().to_lowercase(), change.refused_words());
            }
            ActionNotAllowed { status, action } => {
                return write!(f, "An order that is {} cannot take “{}”.", status.label().to_lowercase(), action.label());
            }
            NoOpenRequest => "There is no open payment request on this order.",
            RequestAlreadyOpen => "A payment request is already open: re-send it instead.",
            CashOnDeliveryNeedsCash => "Record the cash collected: a cash-on-delivery order is delivered only with its payment.",
            DeadlineMinutes { min, max } => return write!(f, "Enter whole minutes from {min} to {max}."),
            CashMissing { due } => return write!(f, "Enter the cash collected: {due} is due."),
            CashMismatch { collected, due } => return write!(f, "The cash collected ({collected}) must equal the amount due ({due})."),
            DateOrder => "The end date is before the start date.",
            SearchHint => "Search by an order number (PD-…) or the shopper's email.",
            DateFormat => "Enter a date as YYYY-MM-DD.",
            DateRange => "Enter a date between 2000 and 2100.",
            CarrierFormat => "Enter the carrier (up to 60 characters).",
            TrackingFormat => "Enter the tracking number: letters, digits and dashes, up to 60.",
            AlreadyUnderReview => "These details are already under review.",
            AlreadyApproved => "This merchant is already approved.",
            SubmissionAlreadyApproved => "This submission has already been approved.",
            NothingToReview => "There is no submission waiting for review.",
            RejectionReasonTooShort => "Tell the merchant what to correct (at least 5 characters).",
            RegistrationNumberFormat => "Use 3 to 40 letters, digits, spaces, dots, dashes or slashes.",
            ContactPhoneFormat => "Enter a phone number with 7 to 15 digits, e.g. +86 138 0013 8000.",
            TicketClosedOpenNew => "This ticket is closed. Open a new one if you still need help.",
            TicketAlreadyClosed => "This ticket is already closed.",
            DescribeProblem => "Describe the problem.",
            ChooseProblemKind => "Choose what the problem is about.",
            AccountAlreadyFrozen => "The account is already frozen.",
            AccountNotFrozen => "The account is not frozen.",
            RefundRequestCannot { status } => {
                return write!(f, "This refund request is “{}”: that step is not possible now.", status.label());
            }
            RefundCannot { status } => return write!(f, "This refund is {}: that step is not possible now.", status.label().to_lowercase()),
            RefundQuantityTooMany { left } => return write!(f, "At most {left} of this item can still be refunded."),
            ChooseRefundItems => "Choose at least one item to refund.",
            RefundExceedsPaid { left } => return write!(f, "That is more than can still be refunded: at most {left}."),
            RefundNotNow { status } => {
                return write!(f, "An order that is {} cannot take a refund request.", status.label().to_lowercase());
            }
            ReturnNeedsDelivery => "Items can be sent back once the order has been delivered.",
            RefundRequestAlreadyOpen => "A refund request of this order is already open.",
            RefundSentWithOtherDetails => "This refund was already sent with other details. Reload the page and try again.",
            NothingPaidToRefund => "Nothing has been paid for this order, so there is nothing to refund.",
            OrderFullyRefunded => "This order was refunded in full; it cannot be shipped.",
            PaidInCashRecordIt => "This order was paid in cash on delivery: record how the cash went back.",
            PaidOnlineNoCashRecord => "This order was paid online: the refund goes back through the payment provider.",
            RefundQuantityFormat => "Enter a whole number of items, 0 or more.",
            AnswerRefundRequestFirst => "A refund request of this order is open: answer it before shipping.",
            DigitsExactly { digits } => return write!(f, "Enter exactly {digits} digits."),
            DigitsBetween { min, max } => return write!(f, "Enter {min} to {max} digits."),
            RoutingNumberInvalid => "This routing number does not exist: check its 9 digits.",
            NoPayoutAccount => "Add the bank account to pay out to first.",
            NothingToPayOut => "Nothing is available to pay out yet.",
            PayoutSentWithOtherDetails => "This payout was already sent with other details.",
            TestClockOff => "The test clock works only with the sandbox provider, never in production.",
            ClockStepInvalid => "Move the clock forward by 1 to 90 days, or 1 to 24 hours.",
            PercentFormat { max } => return write!(f, "Enter a percentage from 0 to {max}, with at most 2 decimals."),
            DaysBetween { min, max } => return write!(f, "Enter a number of days from {min} to {max}."),
            WebhookUrlFormat => "Enter the endpoint's full address, e.g. https://erp.example.com/paydesk.",
            WebhookUrlNotHttps => "Use an https:// address: events carry your customers' orders.",
            WebhookUrlPrivate => "This address is on a private or local network, which Paydesk cannot reach.",
            TooManyEndpoints { max } => return write!(f, "A shop can have at most {max} webhook endpoints."),
            ConfirmFirst { .. } => "Please confirm: this cannot be undone.",
        };
        f.write_str(fixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_an_example_of_every_kind_and_each_has_its_own_code() {
        let all = Message::examples();
        assert_eq!(all.len(), <Message as strum::EnumCount>::COUNT);
        let mut codes: Vec<_> = all.iter().map(Message::code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn a_message_travels_as_its_code_and_parameters() {
        let m = Message::OnlyLeft { stock: 5 };
        assert_eq!(serde_json::to_value(&m).unwrap(), serde_json::json!({"code": "only_left", "stock": 5}));
        for m in Message::examples() {
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), m, "{json}");
            assert!(json.contains(&format!("\"code\":\"{}\"", m.code())), "{json}");
        }
    }

    #[test]
    fn english_reads_as_a_sentence() {
        assert_eq!(Message::WrongCode { tries_left: 1 }.to_string(), "The verification code is not correct (1 try left).");
        assert_eq!(Message::WrongCode { tries_left: 3 }.to_string(), "The verification code is not correct (3 tries left).");
        let due = Money::new(1500, Currency::JPY);
        let m = Message::CashMismatch { collected: Money::new(1000, Currency::JPY), due };
        assert_eq!(m.to_string(), "The cash collected (1,000 JPY) must equal the amount due (1,500 JPY).");
        assert_eq!(Message::TooLong { max: 4000 }.to_string(), "Use at most 4,000 characters.");
        assert_eq!(Message::StockTooHigh { max: 1_000_000 }.to_string(), "Stock can be at most 1,000,000.");
        assert_eq!((thousands(0), thousands(999), thousands(-1234)), ("0".into(), "999".into(), "-1,234".into()));
        for m in Message::examples() {
            let text = m.to_string();
            assert!(text.ends_with(['.', ')']), "{text}");
        }
    }
}
