//! Notifications: what the platform tells a shopper (a payment request, its withdrawal, an
//! expired order, a shipped parcel) and a merchant (a payment received, an expired order).
//! Stored with the change they announce, in the same transaction; listed newest first with an
//! unread count in the header; marked read one by one or all at once.

pub use domain::notifications::{Notification, NotificationKind, NotificationList};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::error::AppError;
use crate::ui::{FormError, form_error};
use domain::accounts::format_utc;

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
    let arrived = crate::live::Live::kinds(&["notification"]);
    let list = Resource::new(move || (mark.version().get(), arrived.get()), |_| my_notifications());
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
