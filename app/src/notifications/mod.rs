//! Notifications: what the platform tells a shopper (a payment request, its withdrawal, an
//! expired order, a shipped parcel) and a merchant (a payment received, an expired order).
//! Stored with the change they announce, in the same transaction; listed newest first with an
//! unread count in the header; marked read one by one or all at once.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::accounts::format_utc;
use crate::error::AppError;
use crate::ui::{FormError, form_error};
use domain::money::Money;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    PaymentReceived,
    PaymentRequested,
    PaymentRequestWithdrawn,
    OrderExpired,
    OrderShipped,
    /// Someone signed in to the account from a device it had not used before.
    NewDeviceSignIn,
    /// Money that arrived for an order that could no longer take it was sent back.
    UnexpectedChargeRefunded,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::PaymentReceived => "payment_received",
            NotificationKind::PaymentRequested => "payment_requested",
            NotificationKind::PaymentRequestWithdrawn => "payment_request_withdrawn",
            NotificationKind::OrderExpired => "order_expired",
            NotificationKind::OrderShipped => "order_shipped",
            NotificationKind::NewDeviceSignIn => "new_device_sign_in",
            NotificationKind::UnexpectedChargeRefunded => "unexpected_charge_refunded",
        }
    }
    pub fn parse(raw: &str) -> Option<NotificationKind> {
        use NotificationKind::*;
        [PaymentReceived, PaymentRequested, PaymentRequestWithdrawn, OrderExpired, OrderShipped, NewDeviceSignIn, UnexpectedChargeRefunded]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    /// The order it is about (none for notices about the account itself).
    pub order_number: Option<String>,
    pub amount: Option<Money>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub deadline: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub read: bool,
    /// For a new-device sign-in: the device and address.
    pub detail: Option<String>,
}

impl Notification {
    /// The sentence shown to the user.
    pub fn text(&self) -> String {
        let n = self.order_number.as_deref().unwrap_or_default();
        let amount = self.amount.map(|a| a.to_string()).unwrap_or_default();
        match self.kind {
            NotificationKind::PaymentReceived => format!("Payment received: order {n} — {amount}"),
            NotificationKind::PaymentRequested => match self.deadline {
                Some(d) => format!("Payment requested: order {n} — {amount}, pay by {}", format_utc(d)),
                None => format!("Payment requested: order {n} — {amount}"),
            },
            NotificationKind::PaymentRequestWithdrawn => format!("Payment request withdrawn: order {n}"),
            NotificationKind::OrderExpired => format!("Order {n} was cancelled: its payment deadline passed"),
            NotificationKind::OrderShipped => format!("Order {n} has shipped"),
            NotificationKind::UnexpectedChargeRefunded => {
                format!("Order {n}: {amount} charged after the order had closed was refunded to the shopper's payment method")
            }
            NotificationKind::NewDeviceSignIn => {
                format!("New sign-in to your account from {}. Not you? Change your password.", self.detail.as_deref().unwrap_or("a new device"))
            }
        }
    }

    /// Where the notification leads: its order, or the account page.
    pub fn href(&self, order_base: &str) -> String {
        match &self.order_number {
            Some(n) => format!("{order_base}/{n}"),
            None => "/account".to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub unread: i64,
}

/// Signed-in shoppers and merchants: their latest notifications and the unread count.
#[server(prefix = "/api", endpoint = "my_notifications")]
pub async fn my_notifications() -> Result<NotificationList, AppError> {
    let pool = crate::db::pool()?;
    let me = crate::accounts::session::require_user(&pool).await?;
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
    let pool = crate::db::pool()?;
    let me = crate::accounts::session::require_user(&pool).await?;
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
        let unread = Resource::new(move || (location.pathname.get(), changed.get(), crate::live::Live::version()), |_| unread_notifications());
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

/// The header link to the notifications, with the unread count.
#[component]
pub fn NotificationsLink(href: &'static str, unread: i64) -> impl IntoView {
    let label = if unread > 0 { format!("Notifications, {unread} unread") } else { "Notifications".to_string() };
    view! {
        <A href=href attr:class="notifications-link" attr:aria-label=label>
            "Notifications"
            {(unread > 0).then(|| view! { <span class="count" aria-hidden="true">{unread}</span> })}
        </A>
    }
}

/// The notifications page of either side; `order_base` is where an order's page lives.
#[component]
pub fn NotificationsPage(order_base: &'static str) -> impl IntoView {
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let list = Resource::new(move || (mark.version().get(), crate::live::Live::version()), |_| my_notifications());
    Effect::new(move |_| {
        if mark.version().get() > 0 {
            Notices::bump();
        }
    });
    let value = mark.value();
    view! {
        <Title text="Notifications"/>
        <h1>"Notifications"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading notifications…"</p> }>
            {move || Suspend::new(async move {
                let list = list.await?;
                Ok::<_, AppError>(view! {
                    <section class="card" aria-labelledby="notes-title">
                        <div class="card-head">
                            <h2 id="notes-title">{format!("{} unread", list.unread)}</h2>
                            {(list.unread > 0).then(|| view! {
                                <ActionForm action=mark>
                                    <button type="submit" class="button secondary">"Mark all read"</button>
                                </ActionForm>
                            })}
                        </div>
                        <FormError error=form_error(value)/>
                        {if list.items.is_empty() {
                            view! { <p class="muted">"Nothing yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="notifications">
                                    {list.items.into_iter().map(|n| {
                                        let text = n.text();
                                        let (id, read) = (n.id, n.read);
                                        let mark_label = format!("Mark read: {text}");
                                        view! {
                                        <li class:unread=!read>
                                            <A href=n.href(order_base)>{text.clone()}</A>
                                            <time>{format_utc(n.created_at)}</time>
                                            {(!read).then(|| view! {
                                                <ActionForm action=mark>
                                                    <input type="hidden" name="id" value=id/>
                                                    <button type="submit" class="link-button" aria-label=mark_label>"Mark read"</button>
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
    use domain::money::Currency;

    #[test]
    fn kinds_round_trip_and_texts_read_well() {
        use NotificationKind::*;
        for k in [PaymentReceived, PaymentRequested, PaymentRequestWithdrawn, OrderExpired, OrderShipped, NewDeviceSignIn, UnexpectedChargeRefunded] {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
        }
        let n = Notification {
            id: 1,
            kind: PaymentReceived,
            order_number: Some("PD-261125-ABCDEF".into()),
            amount: Some(Money::new(1234, Currency::USD)),
            deadline: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            read: false,
            detail: None,
        };
        assert_eq!(n.text(), "Payment received: order PD-261125-ABCDEF — 12.34 USD");
        let due = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let n = Notification { kind: PaymentRequested, deadline: Some(due), ..n };
        assert_eq!(n.text(), "Payment requested: order PD-261125-ABCDEF — 12.34 USD, pay by 2027-01-15 08:00 UTC");
        assert_eq!(n.href("/orders"), "/orders/PD-261125-ABCDEF");
        let device = Notification { kind: NewDeviceSignIn, order_number: None, amount: None, detail: Some("Firefox (203.0.113.9)".into()), ..n };
        assert!(device.text().starts_with("New sign-in to your account from Firefox (203.0.113.9)."));
        assert_eq!(device.href("/orders"), "/account");
    }
}
