//! The product's words in the reader's language: order statuses, the merchant's actions,
//! payment methods, why a payment failed, amounts of money, and the messages the domain sends
//! as a kind plus parameters ([`domain::Message`]). A leaf module (it uses only the i18n
//! texts), so pages, errors and notifications can all word things the same way.

use crate::i18n::{Locale, td_string};
use crate::texts::fill;
use domain::Message;
use domain::collection::MerchantAction;
use domain::message::thousands;
use domain::money::{Currency, Money};
use domain::orders::{OrderChange, OrderStatus};
use domain::payments::instrument::{WALLETS, WalletKind};
use domain::refunds::{RefundStatus, RequestStatus};

/// An order's status in the page's language (the names Chinese sellers know: 待付款, 待发货…).
pub fn order_status_text(l: Locale, status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::AwaitingPayment => td_string!(l, shop.status_awaiting_payment),
        OrderStatus::CodToShip => td_string!(l, shop.status_cod_to_ship),
        OrderStatus::CodShipped => td_string!(l, shop.status_cod_shipped),
        OrderStatus::Paid => td_string!(l, shop.status_paid),
        OrderStatus::Shipped => td_string!(l, shop.status_shipped),
        OrderStatus::Delivered => td_string!(l, shop.status_delivered),
        OrderStatus::Completed => td_string!(l, shop.status_completed),
        OrderStatus::Cancelled => td_string!(l, shop.status_cancelled),
    }
}

/// Where a refund request stands, in the page's language.
pub fn request_status_text(l: Locale, status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::AwaitingAnswer => td_string!(l, refunds.rs_awaiting_answer),
        RequestStatus::Refused => td_string!(l, refunds.rs_refused),
        RequestStatus::Escalated => td_string!(l, refunds.rs_escalated),
        RequestStatus::AwaitingReturn => td_string!(l, refunds.rs_awaiting_return),
        RequestStatus::ReturnInTransit => td_string!(l, refunds.rs_return_in_transit),
        RequestStatus::Refunding => td_string!(l, refunds.rs_refunding),
        RequestStatus::Refunded => td_string!(l, refunds.rs_refunded),
        RequestStatus::Closed => td_string!(l, refunds.rs_closed),
    }
}

/// Where a refund's money stands, in the page's language.
pub fn refund_status_text(l: Locale, status: RefundStatus) -> &'static str {
    match status {
        RefundStatus::Pending => td_string!(l, refunds.r_pending),
        RefundStatus::Failed => td_string!(l, refunds.r_failed),
        RefundStatus::Succeeded => td_string!(l, refunds.r_succeeded),
        RefundStatus::Canceled => td_string!(l, refunds.r_canceled),
    }
}

/// The button of a merchant action, in the page's language.
pub fn action_text(l: Locale, action: MerchantAction) -> &'static str {
    match action {
        MerchantAction::RequestPayment => td_string!(l, merchant.action_request_payment),
        MerchantAction::ResendRequest => td_string!(l, merchant.action_resend_request),
        MerchantAction::WithdrawRequest => td_string!(l, merchant.action_withdraw_request),
        MerchantAction::ChooseCashOnDelivery => td_string!(l, merchant.action_choose_cash_on_delivery),
        MerchantAction::Ship => td_string!(l, merchant.action_ship),
        MerchantAction::Deliver => td_string!(l, merchant.action_deliver),
        MerchantAction::DeliverCollectingCash => td_string!(l, merchant.action_deliver_collecting_cash),
        MerchantAction::Cancel => td_string!(l, merchant.action_cancel),
    }
}

/// The wallets on offer, named as their users know them (Alipay is 支付宝 in Chinese).
pub fn wallets(l: Locale) -> &'static [(&'static str, &'static str)] {
    const ZH: &[(&str, &str)] = &[("alipay", "支付宝"), ("paypal", "PayPal"), ("grabpay", "GrabPay"), ("gcash", "GCash")];
    match l {
        Locale::en => WALLETS,
        Locale::zh_CN => ZH,
    }
}

/// A payment method as its reader names it: "Visa credit card •••• 4242", "Visa 信用卡 ••••
/// 4242", "支付宝 a***@example.com".
pub fn method_label(l: Locale, m: &domain::payments::MethodSummary) -> String {
    use domain::payments::MethodKind;
    match m.kind {
        MethodKind::Wallet => {
            let wallet = m
                .wallet
                .and_then(|w| wallets(l).iter().find(|(code, _)| *code == w.as_str()).map(|(_, name)| (*name).to_string()))
                .unwrap_or_else(|| td_string!(l, shop.method_wallet).to_string());
            fill(td_string!(l, shop.method_wallet_account), &[("wallet", wallet), ("account", m.wallet_display.clone().unwrap_or_default())])
        }
        kind => {
            let template = if kind == MethodKind::DebitCard { td_string!(l, shop.method_debit) } else { td_string!(l, shop.method_credit) };
            let brand = m.brand.map(|b| b.label().to_string()).unwrap_or_else(|| td_string!(l, shop.method_card).to_string());
            fill(template, &[("brand", brand), ("last4", m.last4.clone().unwrap_or_default())])
        }
    }
}

/// Why a payment failed, in the reader's language.
pub fn decline_text(l: Locale, reason: domain::payments::DeclineReason) -> &'static str {
    use domain::payments::DeclineReason as R;
    match reason {
        R::CardDeclined => td_string!(l, shop.decline_card_declined),
        R::InsufficientFunds => td_string!(l, shop.decline_insufficient_funds),
        R::ExpiredCard => td_string!(l, shop.decline_expired_card),
        R::IncorrectCode => td_string!(l, shop.decline_incorrect_code),
        R::WalletRejected => td_string!(l, shop.decline_wallet_rejected),
        R::Cancelled => td_string!(l, shop.decline_cancelled),
        R::VerificationExpired => td_string!(l, shop.decline_verification_expired),
        R::TooManyWrongCodes => td_string!(l, shop.decline_too_many_wrong_codes),
        R::ShopperChoseAnotherMethod => td_string!(l, shop.decline_another_method),
        R::OrderClosed => td_string!(l, shop.decline_order_closed),
    }
}

/// An amount as its reader writes it. English puts the ISO code after the number ("1,500 JPY",
/// "12.50 USD"), as shops selling in many currencies do; Chinese puts the currency's symbol
/// before it, as Chinese shop platforms do ("JP¥1,500", "US$12.50", "¥88.00"), or the code
/// where Chinese has no symbol of its own ("SGD 49.90"). The amount stays minor units underneath.
pub fn money(l: Locale, m: Money) -> String {
    match l {
        Locale::en => m.to_string(),
        Locale::zh_CN => {
            let number = m.grouped();
            let (sign, number) = number.strip_prefix('-').map(|n| ("-", n)).unwrap_or(("", number.as_str()));
            match chinese_symbol(m.currency) {
                Some(symbol) => format!("{sign}{symbol}{number}"),
                None => format!("{sign}{}\u{a0}{number}", m.currency),
            }
        }
    }
}

/// The symbol Chinese readers know for a currency (CLDR's zh-Hans symbols), if it has one.
fn chinese_symbol(currency: Currency) -> Option<&'static str> {
    use Currency::*;
    Some(match currency {
        CNY => "¥",
        USD => "US$",
        EUR => "€",
        GBP => "£",
        HKD => "HK$",
        TWD => "NT$",
        JPY => "JP¥",
        KRW => "￦",
        INR => "₹",
        AUD => "AU$",
        CAD => "CA$",
        BRL => "R$",
        MXN => "MX$",
        VND => "₫",
        PHP => "₱",
        SGD | MYR | IDR | THB | SAR | AED => return None,
    })
}

/// What the domain tells a user, in their language. English says what `Message`'s `Display`
/// says (a test compares every kind), so API clients and pages read the same sentence.
pub fn message_text(l: Locale, m: &Message) -> String {
    use Message::*;
    let n = |v: &dyn ToString| v.to_string();
    let text: &str = match m {
        Required => td_string!(l, messages.required),
        TooShort { min } => return fill(td_string!(l, messages.too_short), &[("min", thousands(*min as i64))]),
        TooLong { max } => return fill(td_string!(l, messages.too_long), &[("max", thousands(*max as i64))]),
        OneLine { max } => return fill(td_string!(l, messages.one_line), &[("max", thousands(*max as i64))]),
        ControlCharacter => td_string!(l, messages.control_character),
        ChooseFromList => td_string!(l, messages.choose_from_list),
        AmountMissing { example } => return fill(td_string!(l, messages.amount_missing), &[("example", example.clone())]),
        AmountNotANumber { example } => return fill(td_string!(l, messages.amount_not_a_number), &[("example", example.clone())]),
        NoDecimals { currency } => return fill(td_string!(l, messages.no_decimals), &[("currency", n(currency))]),
        TooManyDecimals { currency, decimals } => {
            return fill(td_string!(l, messages.too_many_decimals), &[("currency", n(currency)), ("decimals", n(decimals))]);
        }
        AmountTooLarge => td_string!(l, messages.amount_too_large),
        AmountNotPositive => td_string!(l, messages.amount_not_positive),
        CurrencyMismatch => td_string!(l, messages.currency_mismatch),
        EmailMissing => td_string!(l, messages.email_missing),
        EmailTooLong => td_string!(l, messages.email_too_long),
        EmailInvalid => td_string!(l, messages.email_invalid),
        PasswordBlank => td_string!(l, messages.password_blank),
        ChooseRole => td_string!(l, messages.choose_role),
        EmailTaken => td_string!(l, messages.email_taken),
        SignInEmailMissing => td_string!(l, messages.sign_in_email_missing),
        PasswordMissing => td_string!(l, messages.password_missing),
        WrongCredentials => td_string!(l, messages.wrong_credentials),
        AccountFrozen => td_string!(l, messages.account_frozen),
        CurrentPasswordMissing => td_string!(l, messages.current_password_missing),
        SamePassword => td_string!(l, messages.same_password),
        WrongCurrentPassword => td_string!(l, messages.wrong_current_password),
        CardNumberMissing => td_string!(l, messages.card_number_missing),
        CardNumberDigitsOnly => td_string!(l, messages.card_number_digits_only),
        CardBrandNotAccepted => td_string!(l, messages.card_brand_not_accepted),
        CardNumberLength => td_string!(l, messages.card_number_length),
        CardNumberInvalid => td_string!(l, messages.card_number_invalid),
        ExpiryFormat => td_string!(l, messages.expiry_format),
        ExpiryMonth => td_string!(l, messages.expiry_month),
        CardExpired => td_string!(l, messages.card_expired),
        ExpiryTooFar => td_string!(l, messages.expiry_too_far),
        SecurityCodeMissing => td_string!(l, messages.security_code_missing),
        SecurityCodeLength { digits } => return fill(td_string!(l, messages.security_code_length), &[("digits", n(digits))]),
        SecurityCodeLengthAny => td_string!(l, messages.security_code_length_any),
        WalletAccountFormat { wallet } => match wallet {
            WalletKind::Alipay => td_string!(l, messages.wallet_format_alipay),
            WalletKind::PayPal => td_string!(l, messages.wallet_format_paypal),
            WalletKind::GrabPay => td_string!(l, messages.wallet_format_grabpay),
            WalletKind::GCash => td_string!(l, messages.wallet_format_gcash),
        },
        ChooseCardKind => td_string!(l, messages.choose_card_kind),
        HolderName => td_string!(l, messages.holder_name),
        CardAlreadySaved { method } => return fill(td_string!(l, messages.card_already_saved), &[("method", method_label(l, method))]),
        ProviderRefused { reason } => return fill(td_string!(l, messages.provider_refused), &[("reason", decline_text(l, *reason).to_string())]),
        Declined { reason } => decline_text(l, *reason),
        PaymentSentWithOtherDetails => td_string!(l, messages.payment_sent_with_other_details),
        OrderCancelledCannotPay => td_string!(l, messages.order_cancelled_cannot_pay),
        OrderIsCashOnDelivery => td_string!(l, messages.order_is_cash_on_delivery),
        OrderAlreadyPaid => td_string!(l, messages.order_already_paid),
        PaymentDeadlinePassed => td_string!(l, messages.payment_deadline_passed),
        PaymentRequestWithdrawn => td_string!(l, messages.payment_request_withdrawn),
        ChoosePaymentMethod => td_string!(l, messages.choose_payment_method),
        EnterSixDigitCode => td_string!(l, messages.enter_six_digit_code),
        WrongCode { tries_left: 1 } => td_string!(l, messages.wrong_code_last_try),
        WrongCode { tries_left } => return fill(td_string!(l, messages.wrong_code_tries), &[("tries_left", n(tries_left))]),
        CodeNoLongerAwaited => td_string!(l, messages.code_no_longer_awaited),
        NewCodeTooSoon { seconds } => return fill(td_string!(l, messages.new_code_too_soon), &[("seconds", n(seconds))]),
        PaymentInProgressShopper => td_string!(l, messages.payment_in_progress_shopper),
        PaymentInProgressMerchant => td_string!(l, messages.payment_in_progress_merchant),
        PaymentAlreadyUnderway => td_string!(l, messages.payment_already_underway),
        MethodInUse => td_string!(l, messages.method_in_use),
        ProductNoLongerSold => td_string!(l, messages.product_no_longer_sold),
        SoldOut => td_string!(l, messages.sold_out),
        OnlyLeft { stock } => return fill(td_string!(l, messages.only_left), &[("stock", n(stock))]),
        ChooseAtLeastOne => td_string!(l, messages.choose_at_least_one),
        AtMostPerOrder { max } => return fill(td_string!(l, messages.at_most_per_order), &[("max", n(max))]),
        ProductSoldOut => td_string!(l, messages.product_sold_out),
        StockNegative => td_string!(l, messages.stock_negative),
        StockTooHigh { max } => return fill(td_string!(l, messages.stock_too_high), &[("max", thousands(*max as i64))]),
        StockNotANumber => td_string!(l, messages.stock_not_a_number),
        ShopNotOpen => td_string!(l, messages.shop_not_open),
        ImageTooLarge => td_string!(l, messages.image_too_large),
        ImageType => td_string!(l, messages.image_type),
        ImageMissing => td_string!(l, messages.image_missing),
        ImageUnreadable => td_string!(l, messages.image_unreadable),
        ImageDimensions { max_side, max_megapixels } => {
            return fill(
                td_string!(l, messages.image_dimensions),
                &[("max_side", thousands(*max_side as i64)), ("max_megapixels", n(max_megapixels))],
            );
        }
        CheckoutUsedForOtherShop => td_string!(l, messages.checkout_used_for_other_shop),
        OrderStillBeingPlaced => td_string!(l, messages.order_still_being_placed),
        NothingFromThisShop => td_string!(l, messages.nothing_from_this_shop),
        CartLineProblem { title, problem } => {
            return fill(td_string!(l, messages.cart_line_problem), &[("title", title.clone()), ("problem", message_text(l, problem))]);
        }
        PostcodeFormat => td_string!(l, messages.postcode_format),
        PhoneFormat => td_string!(l, messages.phone_format),
        OrderCannot { status, change } => {
            let status = order_status_text(l, *status).to_lowercase();
            return fill(td_string!(l, messages.order_cannot), &[("status", status), ("change", change_text(l, *change).to_string())]);
        }
        ActionNotAllowed { status, action } => {
            let status = order_status_text(l, *status).to_lowercase();
            return fill(td_string!(l, messages.action_not_allowed), &[("status", status), ("action", action_text(l, *action).to_string())]);
        }
        NoOpenRequest => td_string!(l, messages.no_open_request),
        RequestAlreadyOpen => td_string!(l, messages.request_already_open),
        CashOnDeliveryNeedsCash => td_string!(l, messages.cash_on_delivery_needs_cash),
        DeadlineMinutes { min, max } => return fill(td_string!(l, messages.deadline_minutes), &[("min", n(min)), ("max", n(max))]),
        CashMissing { due } => return fill(td_string!(l, messages.cash_missing), &[("due", money(l, *due))]),
        CashMismatch { collected, due } => {
            return fill(td_string!(l, messages.cash_mismatch), &[("collected", money(l, *collected)), ("due", money(l, *due))]);
        }
        DateOrder => td_string!(l, messages.date_order),
        SearchHint => td_string!(l, messages.search_hint),
        DateFormat => td_string!(l, messages.date_format),
        DateRange => td_string!(l, messages.date_range),
        CarrierFormat => td_string!(l, messages.carrier_format),
        TrackingFormat => td_string!(l, messages.tracking_format),
        AlreadyUnderReview => td_string!(l, messages.already_under_review),
        AlreadyApproved => td_string!(l, messages.already_approved),
        SubmissionAlreadyApproved => td_string!(l, messages.submission_already_approved),
        NothingToReview => td_string!(l, messages.nothing_to_review),
        RejectionReasonTooShort => td_string!(l, messages.rejection_reason_too_short),
        RegistrationNumberFormat => td_string!(l, messages.registration_number_format),
        ContactPhoneFormat => td_string!(l, messages.contact_phone_format),
        TicketClosedOpenNew => td_string!(l, messages.ticket_closed_open_new),
        TicketAlreadyClosed => td_string!(l, messages.ticket_already_closed),
        DescribeProblem => td_string!(l, messages.describe_problem),
        ChooseProblemKind => td_string!(l, messages.choose_problem_kind),
        AccountAlreadyFrozen => td_string!(l, messages.account_already_frozen),
        AccountNotFrozen => td_string!(l, messages.account_not_frozen),
        RefundRequestCannot { status } => {
            return fill(td_string!(l, messages.refund_request_cannot), &[("status", request_status_text(l, *status).into())]);
        }
        RefundCannot { status } => return fill(td_string!(l, messages.refund_cannot), &[("status", refund_status_text(l, *status).to_lowercase())]),
        RefundQuantityTooMany { left } => return fill(td_string!(l, messages.refund_quantity_too_many), &[("left", n(left))]),
        ChooseRefundItems => td_string!(l, messages.choose_refund_items),
        RefundExceedsPaid { left } => return fill(td_string!(l, messages.refund_exceeds_paid), &[("left", money(l, *left))]),
        RefundNotNow { status } => return fill(td_string!(l, messages.refund_not_now), &[("status", order_status_text(l, *status).to_lowercase())]),
        ReturnNeedsDelivery => td_string!(l, messages.return_needs_delivery),
        RefundRequestAlreadyOpen => td_string!(l, messages.refund_request_already_open),
        RefundSentWithOtherDetails => td_string!(l, messages.refund_sent_with_other_details),
        NothingPaidToRefund => td_string!(l, messages.nothing_paid_to_refund),
        OrderFullyRefunded => td_string!(l, messages.order_fully_refunded),
        PaidInCashRecordIt => td_string!(l, messages.paid_in_cash_record_it),
        PaidOnlineNoCashRecord => td_string!(l, messages.paid_online_no_cash_record),
        RefundQuantityFormat => td_string!(l, messages.refund_quantity_format),
        AnswerRefundRequestFirst => td_string!(l, messages.answer_refund_request_first),
        DigitsExactly { digits } => return fill(td_string!(l, messages.digits_exactly), &[("digits", n(digits))]),
        DigitsBetween { min, max } => return fill(td_string!(l, messages.digits_between), &[("min", n(min)), ("max", n(max))]),
        RoutingNumberInvalid => td_string!(l, messages.routing_number_invalid),
        NoPayoutAccount => td_string!(l, messages.no_payout_account),
        NothingToPayOut => td_string!(l, messages.nothing_to_pay_out),
        PayoutSentWithOtherDetails => td_string!(l, messages.payout_sent_with_other_details),
        TestClockOff => td_string!(l, messages.test_clock_off),
        ClockStepInvalid => td_string!(l, messages.clock_step_invalid),
        PercentFormat { max } => return fill(td_string!(l, messages.percent_format), &[("max", n(max))]),
        DaysBetween { min, max } => return fill(td_string!(l, messages.days_between), &[("min", n(min)), ("max", n(max))]),
        WebhookUrlFormat => td_string!(l, messages.webhook_url_format),
        WebhookUrlNotHttps => td_string!(l, messages.webhook_url_not_https),
        WebhookUrlPrivate => td_string!(l, messages.webhook_url_private),
        TooManyEndpoints { max } => return fill(td_string!(l, messages.too_many_endpoints), &[("max", n(max))]),
        ConfirmFirst { .. } => td_string!(l, messages.confirm_first),
    };
    text.to_string()
}

/// A refused change to an order, as the end of "An order that is … cannot be …".
fn change_text(l: Locale, change: OrderChange) -> &'static str {
    match change {
        OrderChange::Pay => td_string!(l, messages.change_pay),
        OrderChange::SwitchToCashOnDelivery => td_string!(l, messages.change_switch_to_cash_on_delivery),
        OrderChange::Ship => td_string!(l, messages.change_ship),
        OrderChange::Deliver => td_string!(l, messages.change_deliver),
        OrderChange::Complete => td_string!(l, messages.change_complete),
        OrderChange::Cancel => td_string!(l, messages.change_cancel),
        OrderChange::Expire => td_string!(l, messages.change_expire),
    }
}

/// A user agent as people read it — "Chrome on Android", "Safari on iPhone" — in the reader's
/// language (the English is `domain::device::Device`'s, word for word).
pub fn device_text(l: Locale, user_agent: &str) -> String {
    use domain::device::{Browser, parse_user_agent};
    let device = parse_user_agent(user_agent);
    let browser = match device.browser {
        None => td_string!(l, staff.d_unknown_browser),
        Some(Browser::SamsungInternet) => td_string!(l, staff.d_samsung_internet),
        Some(Browser::WeChat) => td_string!(l, staff.d_wechat),
        Some(b) => b.name(),
    };
    match device.os {
        None => browser.to_string(),
        // Systems are brand names in every language.
        Some(os) => fill(td_string!(l, staff.d_on), &[("browser", browser.to_string()), ("os", os.name().to_string())]),
    }
}

/// Why a payout failed, from the provider's reason code.
pub fn payout_failure_text(l: Locale, reason: &str) -> String {
    match reason {
        "account_closed" => td_string!(l, money.fail_account_closed),
        _ => td_string!(l, money.fail_refused),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_says_what_the_domain_says_for_every_kind_of_message() {
        for m in Message::examples() {
            assert_eq!(message_text(Locale::en, &m), m.to_string(), "{}", m.code());
        }
    }

    #[test]
    fn chinese_words_every_kind_of_message_with_its_values() {
        for m in Message::examples() {
            let zh = message_text(Locale::zh_CN, &m);
            assert!(!zh.contains('{'), "{}: {zh}", m.code());
            assert_ne!(zh, m.to_string(), "{} is not translated", m.code());
        }
        let due = Money::new(150_000, Currency::JPY);
        let m = Message::CashMismatch { collected: Money::new(100_000, Currency::JPY), due };
        assert_eq!(message_text(Locale::zh_CN, &m), "已收现金（JP¥100,000）必须等于应收金额（JP¥150,000）。");
        let m = Message::OrderCannot { status: OrderStatus::Shipped, change: OrderChange::Cancel };
        assert_eq!(message_text(Locale::zh_CN, &m), "已发货的订单不能取消。");
    }

    #[test]
    fn amounts_follow_the_readers_language() {
        let yen = Money::new(1500, Currency::JPY);
        assert_eq!(money(Locale::en, yen), "1,500 JPY");
        assert_eq!(money(Locale::zh_CN, yen), "JP¥1,500");
        assert_eq!(money(Locale::zh_CN, Money::new(-123_456, Currency::USD)), "-US$1,234.56");
        assert_eq!(money(Locale::zh_CN, Money::new(8800, Currency::CNY)), "¥88.00");
        assert_eq!(money(Locale::zh_CN, Money::new(4990, Currency::SGD)), "SGD\u{a0}49.90");
    }
}
