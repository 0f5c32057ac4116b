//! An order's history, worded for its reader: the same stored event (a kind, who did it, the
//! status change and its parameters) reads "Payment requested by the shop (pay by …)" to a
//! shopper in English and "商家发起了收款请求（请于 … 前付款）" to a merchant in Chinese.

use domain::orders::{Actor, EventDetail, OrderEventView};

use crate::i18n::{Locale, td_string};
use crate::ui::{fill, order_status_text};

/// One line of an order's history for `viewer` (the shopper, the merchant or staff).
pub fn event_text(l: Locale, e: &OrderEventView, viewer: Actor) -> String {
    let who = match (e.actor, viewer) {
        (a, v) if a == v => td_string!(l, common.event_by_you),
        (Actor::Shopper, _) => td_string!(l, common.event_by_shopper),
        (Actor::Merchant, _) => td_string!(l, common.event_by_shop),
        (Actor::System, _) => td_string!(l, common.event_by_system),
        (Actor::Staff, _) => td_string!(l, common.event_by_staff),
    };
    let detail = e.detail.as_ref().map(|d| detail_text(l, d)).unwrap_or_default();
    let template = match (e.event.as_str(), e.from) {
        (_, None) => td_string!(l, common.event_placed),
        ("payment_requested", _) => td_string!(l, common.event_payment_requested),
        ("payment_request_resent", _) => td_string!(l, common.event_request_resent),
        ("payment_request_withdrawn", _) => td_string!(l, common.event_request_withdrawn),
        ("expired", Some(_)) => td_string!(l, common.event_expired),
        ("unexpected_charge", _) => td_string!(l, common.event_unexpected_charge),
        ("unexpected_charge_refunded", _) => td_string!(l, common.event_unexpected_refunded),
        ("refund_requested", _) => td_string!(l, common.event_refund_requested),
        ("refund_approved", _) => td_string!(l, common.event_refund_approved),
        ("refund_auto_approved", _) => td_string!(l, common.event_refund_auto_approved),
        ("refund_approved_by_staff", _) => td_string!(l, common.event_refund_approved_by_staff),
        ("refund_refused", _) => td_string!(l, common.event_refund_refused),
        ("refund_escalated", _) => td_string!(l, common.event_refund_escalated),
        ("refund_refusal_upheld", _) => td_string!(l, common.event_refund_refusal_upheld),
        ("return_shipped", _) => td_string!(l, common.event_return_shipped),
        ("return_received", _) => td_string!(l, common.event_return_received),
        ("return_received_auto", _) => td_string!(l, common.event_return_received_auto),
        ("refund_withdrawn", _) => td_string!(l, common.event_refund_withdrawn),
        ("refund_started", _) => td_string!(l, common.event_refund_started),
        ("refunded", _) => td_string!(l, common.event_refunded),
        ("refund_failed", _) => td_string!(l, common.event_refund_failed),
        (_, Some(_)) => td_string!(l, common.event_status_changed),
    };
    let from = e.from.map(|s| order_status_text(l, s)).unwrap_or_default();
    fill(template, &[("who", who.to_string()), ("from", from.to_string()), ("to", order_status_text(l, e.to).to_string()), ("detail", detail)])
}

/// An event's parameters as the bracketed tail of its line.
fn detail_text(l: Locale, detail: &EventDetail) -> String {
    match detail {
        EventDetail::PayBy { deadline } => fill(td_string!(l, common.detail_pay_by), &[("deadline", crate::ui::when(*deadline))]),
        EventDetail::Shipment { carrier, tracking } => {
            fill(td_string!(l, common.detail_shipment), &[("carrier", carrier.clone()), ("tracking", tracking.clone())])
        }
        EventDetail::CashCollected { amount } => fill(td_string!(l, common.detail_cash_collected), &[("amount", crate::words::money(l, *amount))]),
        EventDetail::UnexpectedCharge { amount } => {
            fill(td_string!(l, common.detail_unexpected_charge), &[("amount", crate::words::money(l, *amount))])
        }
        EventDetail::UnexpectedChargeRefunded { amount } => {
            fill(td_string!(l, common.detail_unexpected_refunded), &[("amount", crate::words::money(l, *amount))])
        }
        EventDetail::Refund { amount } => fill(td_string!(l, common.detail_refund), &[("amount", crate::words::money(l, *amount))]),
        EventDetail::ReturnShipment { carrier, tracking } => {
            fill(td_string!(l, common.detail_return_shipment), &[("carrier", carrier.clone()), ("tracking", tracking.clone())])
        }
        EventDetail::Note { text } => fill(td_string!(l, common.detail_note), &[("text", text.clone())]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::money::{Currency, Money};
    use domain::orders::OrderStatus;
    use time::macros::datetime;

    fn event(actor: Actor, event: &str, from: Option<OrderStatus>, to: OrderStatus, detail: Option<EventDetail>) -> OrderEventView {
        OrderEventView { actor, event: event.into(), from, to, at: datetime!(2026-11-30 08:00 UTC), detail }
    }

    #[test]
    fn the_same_event_reads_in_each_readers_language_and_from_each_side() {
        let requested = event(
            Actor::Merchant,
            "payment_requested",
            Some(OrderStatus::AwaitingPayment),
            OrderStatus::AwaitingPayment,
            Some(EventDetail::PayBy { deadline: datetime!(2026-11-30 09:30 UTC) }),
        );
        assert_eq!(event_text(Locale::en, &requested, Actor::Shopper), "Payment requested by the shop (pay by 2026-11-30 09:30 UTC)");
        assert_eq!(event_text(Locale::en, &requested, Actor::Merchant), "Payment requested by you (pay by 2026-11-30 09:30 UTC)");
        assert_eq!(event_text(Locale::zh_CN, &requested, Actor::Merchant), "您发起了收款请求（请于 2026-11-30 09:30 UTC 前付款）");
        assert_eq!(event_text(Locale::zh_CN, &requested, Actor::Shopper), "商家发起了收款请求（请于 2026-11-30 09:30 UTC 前付款）");
    }

    #[test]
    fn every_kind_of_event_and_detail_is_worded() {
        let jpy = |minor| Money::new(minor, Currency::JPY);
        let cases = [
            (event(Actor::Shopper, "placed", None, OrderStatus::AwaitingPayment, None), "Order placed by the shopper", "买家提交了订单"),
            (
                event(Actor::Shopper, "cancel", Some(OrderStatus::AwaitingPayment), OrderStatus::Cancelled, None),
                "Awaiting payment → Cancelled by the shopper",
                "买家将订单从待付款改为已取消",
            ),
            (
                event(Actor::System, "expired", Some(OrderStatus::AwaitingPayment), OrderStatus::Cancelled, None),
                "Awaiting payment → Cancelled: the payment deadline passed",
                "待付款 → 已取消：已过付款截止时间",
            ),
            (
                event(
                    Actor::Merchant,
                    "ship",
                    Some(OrderStatus::Paid),
                    OrderStatus::Shipped,
                    Some(EventDetail::Shipment { carrier: "顺丰速运".into(), tracking: "SF1234".into() }),
                ),
                "Paid → Shipped by the shop (顺丰速运 SF1234)",
                "商家将订单从待发货改为已发货（顺丰速运 SF1234）",
            ),
            (
                event(
                    Actor::Merchant,
                    "deliver_collecting_cash",
                    Some(OrderStatus::CodShipped),
                    OrderStatus::Delivered,
                    Some(EventDetail::CashCollected { amount: jpy(1500) }),
                ),
                "Shipped, cash due → Delivered by the shop (cash collected: 1,500 JPY)",
                "商家将订单从货到付款·已发货改为已送达（已收现金 JP¥1,500）",
            ),
            (
                event(Actor::Merchant, "payment_request_withdrawn", Some(OrderStatus::AwaitingPayment), OrderStatus::AwaitingPayment, None),
                "Payment request withdrawn by the shop",
                "商家撤回了收款请求",
            ),
            (
                event(
                    Actor::System,
                    "unexpected_charge_refunded",
                    Some(OrderStatus::Cancelled),
                    OrderStatus::Cancelled,
                    Some(EventDetail::UnexpectedChargeRefunded { amount: jpy(1500) }),
                ),
                "Unexpected payment refunded (1,500 JPY sent back to the shopper)",
                "意外付款已退回（JP¥1,500 已退回买家）",
            ),
            (
                event(
                    Actor::System,
                    "unexpected_charge",
                    Some(OrderStatus::Cancelled),
                    OrderStatus::Cancelled,
                    Some(EventDetail::UnexpectedCharge { amount: jpy(1500) }),
                ),
                "Unexpected payment (1,500 JPY charged after the order closed; it is being sent back)",
                "收到意外付款（订单关闭后收到 JP¥1,500，正在退回）",
            ),
            (
                event(
                    Actor::Merchant,
                    "payment_request_resent",
                    Some(OrderStatus::AwaitingPayment),
                    OrderStatus::AwaitingPayment,
                    Some(EventDetail::Note { text: "pay by 2026-11-25 10:00 UTC".into() }),
                ),
                "Payment request re-sent by the shop (pay by 2026-11-25 10:00 UTC)",
                "商家重新发送了收款请求（pay by 2026-11-25 10:00 UTC）",
            ),
        ];
        for (e, en, zh) in cases {
            assert_eq!(event_text(Locale::en, &e, Actor::Staff), en);
            assert_eq!(event_text(Locale::zh_CN, &e, Actor::Staff), zh);
        }
    }
}
