//! Safe use: "Report a problem". A user (shopper or merchant) files a ticket from an order page,
//! a payment attempt or the account page — its order and attempt linked — and follows the
//! conversation; staff work a queue (oldest unanswered first), see the linked order's history
//! and payment attempts and the user's recent account activity beside the ticket, reply, close,
//! and freeze or unfreeze an account reported as used by someone else. Every staff action is
//! recorded with who and when. New tickets and replies reach the other side live.

pub use domain::support::{CATEGORIES, Message, StaffAction, StaffTicketView, StuckWork, Ticket, TicketCategory, TicketStatus, TicketThread};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::error::AppError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::ui::StatusTag;
use crate::ui::{ConfirmButton, FormError, confirmation_asked, field_error, fill, form_error};
use domain::orders::Actor;

// ---- Server functions -------------------------------------------------------------------

/// Signed-in shoppers and merchants: file a ticket, optionally about one of their orders and
/// one of its payment attempts.
#[server(prefix = "/api", endpoint = "report_problem")]
pub async fn report_problem(
    category: String,
    description: String,
    #[server(default)] order_number: String,
    #[server(default)] attempt_id: Option<i64>,
) -> Result<i64, AppError> {
    let (pool, me) = crate::accounts::session::signed_in().await?;
    if me.role == domain::accounts::Role::Staff {
        return Err(AppError::Forbidden);
    }
    let id = backend::support::report(&pool, &me, &category, &description, &order_number, attempt_id).await?;
    leptos_axum::redirect(&format!("/support/{id}"));
    Ok(id)
}

/// Signed-in users: their tickets.
#[server(prefix = "/api", endpoint = "my_tickets")]
pub async fn my_tickets() -> Result<Vec<Ticket>, AppError> {
    let (pool, me) = crate::accounts::session::signed_in().await?;
    Ok(crate::db::support::tickets_of_user(&pool, me.id).await?)
}

/// Signed-in users: one of their tickets with its conversation.
#[server(prefix = "/api", endpoint = "my_ticket")]
pub async fn my_ticket(id: i64) -> Result<TicketThread, AppError> {
    let (pool, me) = crate::accounts::session::signed_in().await?;
    let ticket =
        crate::db::support::ticket_by_id(&pool, id).await?.filter(|t| t.user_id == me.id).ok_or_else(|| AppError::NotFound("The ticket".into()))?;
    let messages = crate::db::support::messages(&pool, id).await?;
    Ok(TicketThread { ticket, messages })
}

/// The ticket's user or staff: add a message.
#[server(prefix = "/api", endpoint = "reply_ticket")]
pub async fn reply_ticket(id: i64, body: String) -> Result<(), AppError> {
    let (pool, me) = crate::accounts::session::signed_in().await?;
    Ok(backend::support::reply(&pool, &me, id, &body).await?)
}

/// Staff: the ticket queue, oldest unanswered first; `status` filters.
#[server(prefix = "/api", endpoint = "ticket_queue")]
pub async fn ticket_queue(#[server(default)] status: String) -> Result<Vec<Ticket>, AppError> {
    let (pool, _) = crate::accounts::session::signed_in_as(domain::accounts::Role::Staff).await?;
    let status = match status.trim() {
        "" | "all" => None,
        s => Some(TicketStatus::parse(s).ok_or_else(|| AppError::field("status", domain::Message::ChooseFromList))?),
    };
    Ok(crate::db::support::queue(&pool, status).await?)
}

/// Staff: background work that failed five times or more in a row (still retried).
#[server(prefix = "/api", endpoint = "stuck_jobs")]
pub async fn stuck_jobs() -> Result<Vec<StuckWork>, AppError> {
    let (pool, _) = crate::accounts::session::signed_in_as(domain::accounts::Role::Staff).await?;
    Ok(crate::db::jobs::stuck(&pool)
        .await?
        .into_iter()
        .map(|s| StuckWork { job: s.job, item_id: s.item_id, failures: s.failures, last_error: s.last_error, next_try: s.next_at })
        .collect())
}

/// Staff: a ticket with the linked order, its attempts, and the user's recent account activity.
#[server(prefix = "/api", endpoint = "staff_ticket")]
pub async fn staff_ticket(id: i64) -> Result<StaffTicketView, AppError> {
    use crate::db;
    let (pool, _) = crate::accounts::session::signed_in_as(domain::accounts::Role::Staff).await?;
    let ticket = db::support::ticket_by_id(&pool, id).await?.ok_or_else(|| AppError::NotFound("The ticket".into()))?;
    let messages = db::support::messages(&pool, id).await?;
    let actions = db::support::actions(&pool, id).await?;
    let (order, attempts) = match &ticket.order_number {
        Some(n) => match db::orders::order_view(&pool, db::orders::OrderScope::Any, n).await? {
            Some((order_id, order)) => (Some(order), db::payments::attempts_of_order(&pool, order_id).await?),
            None => (None, Vec::new()),
        },
        None => (None, Vec::new()),
    };
    let activity = db::accounts::recent_activity(&pool, ticket.user_id, 15).await?;
    Ok(StaffTicketView { ticket, messages, actions, order, attempts, activity })
}

/// Staff: close a ticket (`close`), or `freeze` (with `confirm=yes`) / `unfreeze` the account
/// of its user.
#[server(prefix = "/api", endpoint = "staff_ticket_action")]
pub async fn staff_ticket_action(id: i64, action: String, #[server(default)] confirm: String) -> Result<(), AppError> {
    let (pool, me) = crate::accounts::session::signed_in_as(domain::accounts::Role::Staff).await?;
    // Freezing signs the user out everywhere: it is confirmed first (see `ui::ConfirmButton`).
    if action.trim() == "freeze" {
        crate::ui::confirmed(&confirm, "freeze")?;
    }
    Ok(backend::support::staff_act(&pool, &me, id, &action).await?)
}

// ---- Pages ------------------------------------------------------------------------------

#[component]
pub fn NewTicketPage() -> impl IntoView {
    let query = use_query_map();
    let report = ServerAction::<ReportProblem>::new();
    let value = report.value();
    let order = move || query.with(|q| q.get("order")).unwrap_or_default();
    let attempt = move || query.with(|q| q.get("attempt")).unwrap_or_default();
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let about = move || {
        let (order, attempt) = (order(), attempt());
        match (order.is_empty(), attempt.is_empty()) {
            (true, _) => None,
            (false, true) => Some(fill(td_string!(l, common.t_about_order), &[("order", order)])),
            (false, false) => Some(fill(td_string!(l, common.t_about_attempt), &[("order", order), ("attempt", attempt)])),
        }
    };
    view! {
        <Title text=t_string!(i18n, common.report_problem)/>
        <h1>{t!(i18n, common.report_problem)}</h1>
        <section class="card" aria-labelledby="report-title">
            <h2 id="report-title" class="visually-hidden">{t!(i18n, common.t_your_report)}</h2>
            {move || about().map(|text| view! { <p>{text}</p> })}
            <ActionForm action=report>
                <input type="hidden" name="order_number" value=order/>
                {move || (!attempt().is_empty()).then(|| view! { <input type="hidden" name="attempt_id" value=attempt()/> })}
                <div class="field">
                    <label for="category">{t!(i18n, common.t_what_about)}</label>
                    <select id="category" name="category">
                        <option value="">{t!(i18n, common.choose)}</option>
                        {CATEGORIES.iter().map(|(c, _)| view! { <option value=c.as_str()>{category_text(l, *c)}</option> }).collect_view()}
                    </select>
                    <p class="field-error">{move || field_error(value, "category").get()}</p>
                </div>
                <div class="field">
                    <label for="description">{t!(i18n, common.t_what_happened)}</label>
                    <textarea id="description" name="description" rows="6" maxlength="4000"></textarea>
                    <p class="field-error">{move || field_error(value, "description").get()}</p>
                </div>
                <FormError error=form_error(value)/>
                <button type="submit" class="button" disabled=move || report.pending().get()>{t!(i18n, common.t_send)}</button>
            </ActionForm>
            <p class="muted">{t!(i18n, common.t_change_password_too)}</p>
        </section>
    }
}

#[component]
pub fn MyTicketsPage() -> impl IntoView {
    let answered = crate::live::Live::kinds(&["ticket"]);
    let tickets = Resource::new(move || answered.get(), |_| my_tickets());
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, common.t_support)/>
        <h1>{t!(i18n, common.t_support)}</h1>
        <p><A href="/support/new" attr:class="button">{t!(i18n, common.report_problem)}</A></p>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, common.t_loading_tickets)}</p> }>
            {move || Suspend::new(async move {
                let tickets = tickets.await?;
                Ok::<_, AppError>(if tickets.is_empty() {
                    view! { <section class="card"><p>{t!(i18n, common.t_none)}</p></section> }.into_any()
                } else {
                    view! { <ul class="order-list">{tickets.into_iter().map(|t| view! {
                        <li class="card order-row">
                            <A href=format!("/support/{}", t.id)>{fill(td_string!(l, common.t_ticket_about), &[("id", t.id.to_string()), ("category", category_text(l, t.category).to_string())])}</A>
                            <span class=format!("badge ticket-{}", t.status.as_str())>{ticket_status_text(l, t.status)}</span>
                            <span class="muted">{crate::ui::when(t.created_at)}</span>
                        </li>
                    }).collect_view()}</ul> }.into_any()
                })
            })}
        </Transition>
    }
}

#[component]
fn Conversation(messages: Vec<Message>, staff_view: bool) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    view! {
        <ol class="conversation">
            {messages.into_iter().map(|m| {
                let who = match (m.from_staff, staff_view) {
                    (true, false) => td_string!(l, common.t_paydesk_support).to_string(),
                    (true, true) => fill(td_string!(l, common.t_staff_author), &[("author", m.author.clone())]),
                    (false, true) => m.author.clone(),
                    (false, false) => td_string!(l, common.t_you).to_string(),
                };
                view! {
                    <li class:from-staff=m.from_staff>
                        <p class="muted">{format!("{who} · {}", crate::ui::when(m.at))}</p>
                        <p class="message-body">{m.body}</p>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

#[component]
fn ReplyForm(id: i64, reply: ServerAction<ReplyTicket>) -> impl IntoView {
    let value = reply.value();
    let i18n = use_i18n();
    view! {
        <ActionForm action=reply>
            <input type="hidden" name="id" value=id/>
            <div class="field">
                <label for="body">{t!(i18n, common.t_your_reply)}</label>
                <textarea id="body" name="body" rows="4" maxlength="4000"></textarea>
                <p class="field-error">{move || field_error(value, "body").get()}</p>
            </div>
            <FormError error=form_error(value)/>
            <button type="submit" class="button" disabled=move || reply.pending().get()>{t!(i18n, common.t_send_reply)}</button>
        </ActionForm>
    }
}

#[component]
pub fn TicketPage() -> impl IntoView {
    let params = use_params_map();
    let reply = ServerAction::<ReplyTicket>::new();
    let answered = crate::live::Live::kinds(&["ticket"]);
    let thread = Resource::new(
        move || (params.with(|p| p.get("id")), reply.version().get(), answered.get()),
        |(id, _, _)| async move {
            match id.and_then(|i| i.parse::<i64>().ok()) {
                Some(id) => my_ticket(id).await,
                None => Err(AppError::NotFound("The ticket".into())),
            }
        },
    );
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, common.t_ticket_title)/>
        <p><A href="/support">{t!(i18n, common.t_back_to_support)}</A></p>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, common.t_loading_ticket)}</p> }>
            {move || Suspend::new(async move {
                let t = thread.await?;
                let ticket = t.ticket.clone();
                Ok::<_, AppError>(view! {
                    <h1>{fill(td_string!(l, common.t_ticket_number), &[("id", ticket.id.to_string())])}</h1>
                    <section class="card">
                        <p>{category_text(l, ticket.category)}" · "<span class=format!("badge ticket-{}", ticket.status.as_str())>{ticket_status_text(l, ticket.status)}</span></p>
                        {ticket.order_number.clone().map(|n| view! { <p>{t!(i18n, common.t_order)}<A href=format!("/orders/{n}")>{n.clone()}</A></p> })}
                        {ticket.attempt_id.map(|a| view! { <p>{fill(td_string!(l, common.t_attempt), &[("attempt", a.to_string())])}</p> })}
                    </section>
                    <section class="card" aria-labelledby="conversation-title">
                        <h2 id="conversation-title">{t!(i18n, common.t_conversation)}</h2>
                        <Conversation messages=t.messages.clone() staff_view=false/>
                        {(ticket.status != TicketStatus::Closed).then(|| view! { <ReplyForm id=ticket.id reply/> })}
                    </section>
                })
            })}
        </Transition>
    }
}

#[component]
pub fn TicketQueuePage() -> impl IntoView {
    let query = use_query_map();
    let status = Memo::new(move |_| query.with(|q| q.get("status")).unwrap_or_default());
    let tickets_changed = crate::live::Live::kinds(&["ticket"]);
    let queue = Resource::new(move || (status.get(), tickets_changed.get()), |(s, _)| ticket_queue(s));
    // Stuck work has no event of its own: any change may have cleared or added some.
    let anything = crate::live::Live::follow(|_| true);
    let stuck = Resource::new(move || anything.get(), |_| stuck_jobs());
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let tab = move |value: &'static str, label: &'static str| {
        let current = move || status.get() == value;
        let href = if value.is_empty() { "/staff/tickets".to_string() } else { format!("/staff/tickets?status={value}") };
        view! { <li><a href=href aria-current=move || current().then_some("page") class:current=current>{label}</a></li> }
    };
    view! {
        <Title text=t_string!(i18n, staff.q_title)/>
        <h1>{t!(i18n, staff.q_title)}</h1>
        <nav class="tabs" aria-label=t_string!(i18n, staff.q_tabs)>
            <ul>
                {tab("", td_string!(l, staff.q_all))}
                {[TicketStatus::Open, TicketStatus::Answered, TicketStatus::Closed].into_iter().map(|s| tab(s.as_str(), ticket_status_text(l, s))).collect_view()}
            </ul>
        </nav>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, staff.q_loading)}</p> }>
            {move || Suspend::new(async move {
                let tickets = queue.await?;
                Ok::<_, AppError>(if tickets.is_empty() {
                    view! { <section class="card"><p>{t!(i18n, staff.q_none)}</p></section> }.into_any()
                } else {
                    view! { <div class="table-scroll card"><table class="table">
                        <thead><tr>
                            <th scope="col">{t!(i18n, staff.q_col_ticket)}</th>
                            <th scope="col">{t!(i18n, staff.q_col_from)}</th>
                            <th scope="col">{t!(i18n, staff.q_col_status)}</th>
                            <th scope="col">{t!(i18n, staff.q_col_waiting)}</th>
                        </tr></thead>
                        <tbody>{tickets.into_iter().map(|t| view! {
                            <tr>
                                <th scope="row"><A href=format!("/staff/tickets/{}", t.id)>{format!("#{} {}", t.id, category_text(l, t.category))}</A></th>
                                <td class="wrap" data-label=t_string!(i18n, staff.q_col_from)><crate::ui::Email address=t.user_email.clone()/></td>
                                <td data-label=t_string!(i18n, staff.q_col_status)><span class=format!("badge ticket-{}", t.status.as_str())>{ticket_status_text(l, t.status)}</span></td>
                                <td data-label=t_string!(i18n, staff.q_col_waiting)>{crate::ui::when(t.waiting_since)}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table></div> }.into_any()
                })
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let items = stuck.await?;
                Ok::<_, AppError>((!items.is_empty()).then(|| view! {
                    <section class="card" aria-labelledby="stuck-title">
                        <h2 id="stuck-title">{t!(i18n, staff.s_heading)}</h2>
                        <p class="muted">{t!(i18n, staff.s_intro)}</p>
                        <ul class="stuck">{items.into_iter().map(|w| view! {
                            <li>
                                <strong>{stuck_text(l, &w)}</strong>
                                <span class="muted">
                                    {fill(td_string!(l, staff.s_details), &[("failures", w.failures.to_string()), ("next", crate::ui::when(w.next_try))])}
                                    <span translate="no">{w.last_error.clone()}</span>
                                </span>
                            </li>
                        }).collect_view()}</ul>
                    </section>
                }))
            })}
        </Transition>
    }
}

#[component]
pub fn StaffTicketPage() -> impl IntoView {
    let params = use_params_map();
    let reply = ServerAction::<ReplyTicket>::new();
    let act = ServerAction::<StaffTicketAction>::new();
    let after_sales = crate::refunds::AfterSalesForms::new();
    let answered = crate::live::Live::kinds(&["ticket"]);
    let data = Resource::new(
        move || (params.with(|p| p.get("id")), reply.version().get(), act.version().get(), answered.get(), after_sales.decide.version().get()),
        |(id, ..)| async move {
            match id.and_then(|i| i.parse::<i64>().ok()) {
                Some(id) => staff_ticket(id).await,
                None => Err(AppError::NotFound("The ticket".into())),
            }
        },
    );
    let act_value = act.value();
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, staff.t_title)/>
        <p><A href="/staff/tickets">{t!(i18n, staff.t_back)}</A></p>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, staff.t_loading)}</p> }>
            {move || Suspend::new(async move {
                let s = data.await?;
                let t = s.ticket.clone();
                let button = move |action: &'static str, label: &'static str| view! {
                    <ActionForm action=act>
                        <input type="hidden" name="id" value=t.id/>
                        <input type="hidden" name="action" value=action/>
                        <button type="submit" class="button secondary">{label}</button>
                    </ActionForm>
                };
                let freeze = {
                    let question = fill(td_string!(l, staff.t_confirm_freeze_question), &[("email", t.user_email.clone())]);
                    view! {
                        <ActionForm action=act>
                            <input type="hidden" name="id" value=t.id/>
                            <input type="hidden" name="action" value="freeze"/>
                            <ConfirmButton
                                label=td_string!(l, staff.t_freeze)
                                subject="freeze"
                                question
                                consequence=td_string!(l, staff.t_confirm_freeze_consequence)
                                keep=td_string!(l, staff.t_confirm_freeze_keep)
                                asked=confirmation_asked(act_value, "freeze")
                            />
                        </ActionForm>
                    }
                };
                Ok::<_, AppError>(view! {
                    <h1>{fill(td_string!(l, staff.t_heading), &[("id", t.id.to_string()), ("category", category_text(l, t.category).to_string())])}</h1>
                    // Two columns on a wide screen: what staff read and do on the left, the
                    // facts they check on the right; one column on a phone.
                    <div class="ticket-columns">
                        <div class="ticket-main">
                            <section class="card" aria-labelledby="conversation-title">
                                <h2 id="conversation-title">{t!(i18n, staff.t_conversation)}</h2>
                                <p>{fill(td_string!(l, staff.t_from), &[("email", t.user_email.clone())])}<span class=format!("badge ticket-{}", t.status.as_str())>{ticket_status_text(l, t.status)}</span>
                                    {t.user_frozen.then(|| view! { " "<span class="badge badge-rejected">{t!(i18n, staff.t_frozen)}</span> })}</p>
                                <Conversation messages=s.messages.clone() staff_view=true/>
                                {(t.status != TicketStatus::Closed).then(|| view! { <ReplyForm id=t.id reply/> })}
                            </section>
                            <section class="card" aria-labelledby="staff-actions-title">
                                <h2 id="staff-actions-title">{t!(i18n, staff.t_actions)}</h2>
                                <FormError error=form_error(act_value)/>
                                <div class="actions">
                                    {(t.status != TicketStatus::Closed).then(|| button("close", td_string!(l, staff.t_close)))}
                                    {if t.user_frozen { button("unfreeze", td_string!(l, staff.t_unfreeze)).into_any() } else { freeze.into_any() }}
                                </div>
                                <ul class="history">{s.actions.iter().map(|a| view! { <li><time>{crate::ui::when(a.at)}</time>" — "{staff_action_text(l, a)}</li> }).collect_view()}</ul>
                            </section>
                        </div>
                        <div class="ticket-facts">
                            <section class="card" aria-labelledby="order-title">
                                <h2 id="order-title">{t!(i18n, staff.t_order)}</h2>
                                {match s.order.clone() {
                                    None => view! { <p class="muted">{t!(i18n, staff.t_no_order)}</p> }.into_any(),
                                    Some(o) => view! {
                                        <p>{format!("{} · {} · ", o.summary.number, crate::words::money(l, o.summary.total))}<StatusTag status=o.summary.status/></p>
                                        <ol class="history">{o.events.iter().rev().map(|e| view! { <li><time>{crate::ui::when(e.at)}</time>" — "{crate::orders::history::event_text(l, e, Actor::Staff)}</li> }).collect_view()}</ol>
                                    }.into_any(),
                                }}
                                {(t.category == TicketCategory::RefundDispute).then(|| s.order.clone().map(|o| view! {
                                    <crate::refunds::AfterSales number=o.summary.number.clone() viewer=Actor::Staff ticket=t.id forms=after_sales/>
                                }))}
                                <h3 id="attempts-title">{t!(i18n, staff.t_attempts)}</h3>
                                <ul class="attempts">{s.attempts.iter().map(|a| view! {
                                    <li class:linked=t.attempt_id == Some(a.id)>
                                        {format!("#{} · {} · {} · {}", a.id, crate::ui::when(a.at), crate::payments::method_label(l, &a.method), crate::ui::attempt_status_text(l, a.status))}
                                        {a.reason.map(|r| format!(" — {}", crate::payments::decline_text(l, r)))}
                                    </li>
                                }).collect_view()}</ul>
                            </section>
                            <section class="card" aria-labelledby="activity-title">
                                <h2 id="activity-title">{t!(i18n, staff.t_activity)}</h2>
                                <ul class="history activity">{s.activity.iter().map(|e| view! {
                                    <li>
                                        <time>{crate::ui::when(e.at)}</time>" — "{crate::accounts::activity_text(l, &e.kind)}" · "{e.ip.clone()}" · "
                                        <strong class="device" translate="no">{device_text(l, &e.user_agent)}</strong>
                                        {(!e.user_agent.is_empty()).then(|| view! {
                                            <details class="raw-ua">
                                                <summary>{t!(i18n, staff.t_show_raw)}</summary>
                                                <code class="wrap" translate="no">{e.user_agent.clone()}</code>
                                            </details>
                                        })}
                                    </li>
                                }).collect_view()}</ul>
                            </section>
                        </div>
                    </div>
                })
            })}
        </Transition>
    }
}
pub use crate::words::device_text;

/// A ticket's category in the reader's language.
pub fn category_text(l: Locale, category: TicketCategory) -> &'static str {
    match category {
        TicketCategory::UnrecognisedPayment => td_string!(l, common.t_cat_unrecognised),
        TicketCategory::WrongAmount => td_string!(l, common.t_cat_wrong_amount),
        TicketCategory::OrderNotReceived => td_string!(l, common.t_cat_not_received),
        TicketCategory::AccountAccessed => td_string!(l, common.t_cat_account),
        TicketCategory::Other => td_string!(l, common.t_cat_other),
        TicketCategory::UnexpectedCharge => td_string!(l, common.t_cat_unexpected),
        TicketCategory::RefundDispute => td_string!(l, common.t_cat_refund_dispute),
    }
}

/// A ticket's status in the reader's language.
pub fn ticket_status_text(l: Locale, status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::Open => td_string!(l, common.t_status_open),
        TicketStatus::Answered => td_string!(l, common.t_status_answered),
        TicketStatus::Closed => td_string!(l, common.t_status_closed),
    }
}

/// A stuck item of background work in the reader's language, from its kind and id (the
/// English is `StuckWork::describe`'s, word for word).
pub fn stuck_text(l: Locale, item: &StuckWork) -> String {
    let template = match item.job.as_str() {
        "reconcile" => td_string!(l, staff.s_reconcile),
        "verification_timeout" => td_string!(l, staff.s_verification_timeout),
        "unexpected_refund" => td_string!(l, staff.s_unexpected_refund),
        "expire" => td_string!(l, staff.s_expire),
        "complete" => td_string!(l, staff.s_complete),
        "refund" => td_string!(l, staff.s_refund),
        "after_sales_deadline" => td_string!(l, staff.s_after_sales_deadline),
        _ => td_string!(l, staff.s_other),
    };
    fill(template, &[("id", item.item_id.to_string()), ("job", item.job.clone())])
}

/// A line of what staff did on a ticket in the reader's language (the English is
/// `StaffAction::describe`'s).
pub fn staff_action_text(l: Locale, action: &StaffAction) -> String {
    let template = match action.action.as_str() {
        "replied" => td_string!(l, staff.t_action_replied),
        "closed" => td_string!(l, staff.t_action_closed),
        "froze_account" => td_string!(l, staff.t_action_froze),
        "unfroze_account" => td_string!(l, staff.t_action_unfroze),
        "approved_refund" => td_string!(l, staff.t_action_approved_refund),
        "upheld_refusal" => td_string!(l, staff.t_action_upheld_refusal),
        _ => td_string!(l, staff.t_action_other),
    };
    fill(template, &[("staff", action.staff.clone())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn stuck_work_reads_as_the_domain_words_it_in_english_and_in_chinese_too() {
        let item = |job: &str| StuckWork {
            job: job.into(),
            item_id: 42,
            failures: 6,
            last_error: "timeout".into(),
            next_try: datetime!(2026-11-30 09:30 UTC),
        };
        for job in ["reconcile", "verification_timeout", "unexpected_refund", "expire", "complete", "refund", "after_sales_deadline", "something_new"]
        {
            assert_eq!(stuck_text(Locale::en, &item(job)), item(job).describe(), "{job}");
        }
        assert_eq!(stuck_text(Locale::zh_CN, &item("reconcile")), "支付记录 #42：无法向支付渠道确认支付结果");
        assert_eq!(stuck_text(Locale::zh_CN, &item("complete")), "订单 #42：无法自动完成");
        assert_eq!(stuck_text(Locale::zh_CN, &item("something_new")), "后台任务 something_new #42");
    }

    #[test]
    fn devices_read_as_the_domain_words_them_in_english_and_in_chinese_too() {
        let android = "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36";
        let wechat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47 NetType/WIFI";
        let windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0";
        for ua in [android, wechat, windows, "curl/8.5.0", "Mozilla/5.0 (Windows NT 10.0) SomeBot/1"] {
            assert_eq!(device_text(Locale::en, ua), domain::device::parse_user_agent(ua).to_string(), "{ua}");
        }
        assert_eq!(device_text(Locale::zh_CN, android), "三星浏览器（Android）");
        assert_eq!(device_text(Locale::zh_CN, wechat), "微信（iPhone）");
        assert_eq!(device_text(Locale::zh_CN, windows), "Firefox（Windows）");
        assert_eq!(device_text(Locale::zh_CN, "curl/8.5.0"), "未知浏览器");
    }

    #[test]
    fn staff_actions_read_as_the_domain_words_them_in_english_and_in_chinese_too() {
        let action = |what: &str| StaffAction { staff: "staff@paydesk.test".into(), action: what.into(), at: datetime!(2026-11-30 09:30 UTC) };
        for what in ["replied", "closed", "froze_account", "unfroze_account", "something_new"] {
            assert_eq!(staff_action_text(Locale::en, &action(what)), action(what).describe(), "{what}");
        }
        assert_eq!(staff_action_text(Locale::zh_CN, &action("froze_account")), "staff@paydesk.test 冻结了账号");
    }
}
