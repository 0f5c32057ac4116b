//! Notifications: what the platform tells a shopper (a payment request, its withdrawal, an
//! expired order, a shipped parcel) and a merchant (a payment received, an expired order).
//! Stored with the change they announce, in the same transaction; listed newest first with an
//! unread count in the header; marked read one by one or all at once.

pub use domain::notifications::{Notification, NotificationKind, NotificationList};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::error::AppError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::ui::{FormError, fill, form_error};

/// Signed-in shoppers and merchants: their latest notifications and the unread count.
#[server(prefix = "/api", endpoint = "my_notifications")]
pub async fn my_notifications() -> Result<NotificationList, AppError> {
    let (pool, me) = crate::accounts::session::signed_in().await?;
    let items = crate::db::notifications::latest(&pool, me.id, 100).await?;
    let unread = crate::db::notifications::unread_count(&pool, me.id).await?;
    Ok(NotificationList { items, unread })
}

/// Signed-in users: how many notifications they have not read (0 for visitors).
#[server(prefix = "/api", endpoint = "unread_notifications")]
pub async fn unread_notifications() -> Result<i64, AppError> {
    let pool = crate::db::pool()?;
    match crate::accounts::session::current_user(&pool).await? {
        Some(me) => Ok(crate::db::notifications::unread_count(&pool, me.id).await?),
        None => Ok(0),
    }
}

/// Signed-in users: mark one of their notifications read, or all of them (no `id`).
#[server(prefix = "/api", endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read(#[server(default)] id: Option<i64>) -> Result<u64, AppError> {
    let (pool, me) = crate::accounts::session::signed_in().await?;
    Ok(crate::db::notifications::mark_read(&pool, me.id, id).await?)
}

/// The header's unread count, shared by the page: created once where the routes are (never
/// inside a suspended view, so that the server and the hydrating browser create resources in
/// the same order), refetched on navigation and whenever this page marks notifications read.
#[derive(Clone, Copy)]
pub struct Notices {
    changed: RwSignal<u64>,
    unread: Resource<Result<i64, AppError>>,
}

impl Notices {
    pub fn provide() {
        let location = leptos_router::hooks::use_location();
        let changed = RwSignal::new(0u64);
        let arrived = crate::live::Live::kinds(&["notification"]);
        let unread = Resource::new(move || (location.pathname.get(), changed.get(), arrived.get()), |_| unread_notifications());
        provide_context(Notices { changed, unread });
    }
    pub fn bump() {
        if let Some(n) = use_context::<Notices>() {
            n.changed.update(|v| *v += 1);
        }
    }
}

impl Notices {
    /// The unread count (awaited inside the header's one suspended view: a nested one would
    /// not hydrate).
    pub async fn unread() -> i64 {
        match use_context::<Notices>() {
            Some(n) => n.unread.await.unwrap_or(0),
            None => 0,
        }
    }
}

/// A notification in the reader's language: it is stored as a kind and its parameters (the
/// order, the amount, the deadline, the device), never as a sentence.
pub fn notification_text(l: Locale, n: &Notification) -> String {
    let order = n.order_number.clone().unwrap_or_default();
    let amount = n.amount.map(|a| crate::words::money(l, a)).unwrap_or_default();
    let template = match n.kind {
        NotificationKind::PaymentReceived => td_string!(l, common.n_payment_received),
        NotificationKind::PaymentRequested if n.deadline.is_some() => td_string!(l, common.n_payment_requested_by),
        NotificationKind::PaymentRequested => td_string!(l, common.n_payment_requested),
        NotificationKind::PaymentRequestWithdrawn => td_string!(l, common.n_request_withdrawn),
        NotificationKind::OrderExpired => td_string!(l, common.n_order_expired),
        NotificationKind::OrderShipped => td_string!(l, common.n_order_shipped),
        NotificationKind::UnexpectedChargeRefunded => td_string!(l, common.n_unexpected_refunded),
        NotificationKind::NewDeviceSignIn => td_string!(l, common.n_new_device),
        NotificationKind::RefundRequested => td_string!(l, common.n_refund_requested),
        NotificationKind::RefundRefused => td_string!(l, common.n_refund_refused),
        NotificationKind::ReturnApproved => td_string!(l, common.n_return_approved),
        NotificationKind::ReturnShipped => td_string!(l, common.n_return_shipped),
        NotificationKind::RefundEscalated => td_string!(l, common.n_refund_escalated),
        NotificationKind::RefundSucceeded => td_string!(l, common.n_refund_succeeded),
        NotificationKind::RefundFailed => td_string!(l, common.n_refund_failed),
        NotificationKind::PayoutPaid => td_string!(l, common.n_payout_paid),
        NotificationKind::PayoutFailed => td_string!(l, common.n_payout_failed),
        NotificationKind::WebhookDisabled => td_string!(l, common.n_webhook_disabled),
    };
    let device = n.detail.clone().unwrap_or_else(|| td_string!(l, common.n_a_new_device).to_string());
    let deadline = n.deadline.map(crate::ui::when).unwrap_or_default();
    let reason = n.detail.as_deref().map(|r| crate::words::payout_failure_text(l, r)).unwrap_or_default();
    fill(
        template,
        &[
            ("order", order),
            ("amount", amount),
            ("deadline", deadline),
            ("device", device),
            ("reason", reason),
            ("url", n.detail.clone().unwrap_or_default()),
        ],
    )
}

/// The header link to the notifications, with the unread count.
#[component]
pub fn NotificationsLink(href: &'static str, unread: i64) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let label = if unread > 0 {
        fill(td_string!(l, common.notifications_unread), &[("count", unread.to_string())])
    } else {
        td_string!(l, common.notifications).to_string()
    };
    view! {
        <A href=href attr:class="notifications-link" attr:aria-label=label>
            <svg class="icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                <path d="M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15zM10 20a2 2 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>
            </svg>
            <span class="label">{t!(i18n, common.notifications)}</span>
            {(unread > 0).then(|| view! { <span class="count" aria-hidden="true">{unread}</span> })}
        </A>
    }
}

/// The notifications page of either side; `order_base` is where an order's page lives.
#[component]
pub fn NotificationsPage(order_base: &'static str) -> impl IntoView {
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let arrived = crate::live::Live::kinds(&["notification"]);
    let list = Resource::new(move || (mark.version().get(), arrived.get()), |_| my_notifications());
    Effect::new(move |_| {
        if mark.version().get() > 0 {
            Notices::bump();
        }
    });
    let value = mark.value();
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, common.notifications)/>
        <h1>{t!(i18n, common.notifications)}</h1>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, common.n_loading)}</p> }>
            {move || Suspend::new(async move {
                let list = list.await?;
                Ok::<_, AppError>(view! {
                    <section class="card" aria-labelledby="notes-title">
                        <div class="card-head">
                            <h2 id="notes-title">{fill(td_string!(l, common.n_unread), &[("count", list.unread.to_string())])}</h2>
                            {(list.unread > 0).then(|| view! {
                                <ActionForm action=mark>
                                    <button type="submit" class="button secondary">{t!(i18n, common.n_mark_all)}</button>
                                </ActionForm>
                            })}
                        </div>
                        <FormError error=form_error(value)/>
                        {if list.items.is_empty() {
                            view! { <p class="muted">{t!(i18n, common.n_nothing)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="notifications">
                                    {list.items.into_iter().map(|n| {
                                        let text = notification_text(l, &n);
                                        let (id, read) = (n.id, n.read);
                                        let mark_label = fill(td_string!(l, common.n_mark_read_label), &[("text", text.clone())]);
                                        view! {
                                        <li class:unread=!read>
                                            <A href=n.href(order_base)>{text.clone()}</A>
                                            <time>{crate::ui::when(n.created_at)}</time>
                                            {(!read).then(|| view! {
                                                <ActionForm action=mark>
                                                    <input type="hidden" name="id" value=id/>
                                                    <button type="submit" class="link-button" aria-label=mark_label>{t!(i18n, common.n_mark_read)}</button>
                                                </ActionForm>
                                            })}
                                        </li>
                                    }}).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                })
            })}
        </Transition>
    }
}

#[component]
pub fn ShopperNotificationsPage() -> impl IntoView {
    view! { <NotificationsPage order_base="/orders"/> }
}

#[component]
pub fn MerchantNotificationsPage() -> impl IntoView {
    view! { <NotificationsPage order_base="/merchant/orders"/> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::money::{Currency, Money};
    use time::OffsetDateTime;

    #[test]
    fn a_notification_reads_in_the_readers_language() {
        let n = Notification {
            id: 1,
            kind: NotificationKind::PaymentReceived,
            order_number: Some("PD-261125-ABCDEF".into()),
            amount: Some(Money::new(1234, Currency::USD)),
            deadline: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            read: false,
            detail: None,
        };
        assert_eq!(notification_text(Locale::en, &n), "Payment received: order PD-261125-ABCDEF — 12.34 USD");
        assert_eq!(notification_text(Locale::zh_CN, &n), "已收到付款：订单 PD-261125-ABCDEF — US$12.34");
        let due = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let n = Notification { kind: NotificationKind::PaymentRequested, deadline: Some(due), ..n };
        assert_eq!(notification_text(Locale::en, &n), "Payment requested: order PD-261125-ABCDEF — 12.34 USD, pay by 2027-01-15 08:00 UTC");
        assert_eq!(notification_text(Locale::zh_CN, &n), "收款请求：订单 PD-261125-ABCDEF — US$12.34，请于 2027-01-15 08:00 UTC 前付款");
        let device = Notification {
            kind: NotificationKind::NewDeviceSignIn,
            order_number: None,
            amount: None,
            detail: Some("Firefox (203.0.113.9)".into()),
            ..n
        };
        assert!(notification_text(Locale::en, &device).starts_with("New sign-in to your account from Firefox (203.0.113.9)."));
        assert!(notification_text(Locale::zh_CN, &device).starts_with("您的账号在 Firefox (203.0.113.9) 上有新的登录。"));
    }
}
