//! Refunds and after-sales on an order's page: what was paid and refunded, the shopper's refund
//! request (ask, withdraw, escalate, send the return), the merchant's answer (approve, refuse,
//! confirm the return) and their own refunds (online through the provider, cash recorded), and
//! staff deciding an escalated request. The same section serves all three, each seeing only the
//! forms their role may send; the server checks every one again.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::ui::{ActionResult, ConfirmButton, Field, FormError, confirmation_asked, field_error, fill, form_error};
use crate::words::{money, refund_status_text, request_status_text};
use domain::orders::{Actor, OrderStatus};
use domain::refunds::{AfterSalesView, RefundKind, RefundMethod, RefundReason, RefundStanding, RefundStatus, RequestStatus, RequestView};

/// The quantities typed per line (`qty[<product id>]`), as (product id, quantity); a field that
/// is not a whole number is refused by name.
#[cfg(feature = "ssr")]
fn quantities(qty: &HashMap<String, String>) -> Result<Vec<(i64, i32)>, AppError> {
    let mut lines = Vec::new();
    for (product, raw) in qty {
        let product_id: i64 = product.parse().map_err(|_| AppError::BadRequest("unknown item".into()))?;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let quantity: i32 =
            raw.parse().map_err(|_| AppError::from(domain::Refusal::field(format!("qty_{product_id}"), domain::Message::RefundQuantityFormat)))?;
        lines.push((product_id, quantity));
    }
    lines.sort();
    Ok(lines)
}

/// Who is looking, from the session: the order's shopper, its shop's merchant, or staff.
#[cfg(feature = "ssr")]
async fn viewer() -> Result<(sqlx::PgPool, domain::accounts::CurrentUser, backend::refunds::Viewer), AppError> {
    use domain::accounts::Role;
    let (pool, me) = crate::accounts::session::signed_in().await?;
    let viewer = match me.role {
        Role::Shopper => backend::refunds::Viewer::Shopper(me.id),
        Role::Merchant => backend::refunds::Viewer::Shop(backend::catalog::open_shop_of(&pool, &me).await?.id),
        Role::Staff => backend::refunds::Viewer::Staff,
    };
    Ok((pool, me, viewer))
}

#[cfg(feature = "ssr")]
fn settings() -> domain::refunds::AfterSalesSettings {
    use_context::<crate::checkout::OrderSettings>().unwrap_or_default().after_sales
}

/// The order's after-sales for whoever may see the order (another's order is "not found").
#[server(prefix = "/api", endpoint = "after_sales")]
pub async fn after_sales(number: String) -> Result<AfterSalesView, AppError> {
    let (pool, _, viewer) = viewer().await?;
    Ok(backend::refunds::view(&pool, viewer, number.trim()).await?)
}

/// Shoppers: ask for a refund of some units of their paid order.
#[server(prefix = "/api", endpoint = "ask_refund")]
pub async fn ask_refund(
    number: String,
    #[server(default)] kind: String,
    #[server(default)] reason: String,
    #[server(default)] note: String,
    #[server(default)] qty: HashMap<String, String>,
    key: String,
) -> Result<i64, AppError> {
    use domain::accounts::Role;
    let (pool, me) = crate::accounts::session::signed_in_as(Role::Shopper).await?;
    let input = backend::refunds::RequestInput { kind, reason, note, lines: quantities(&qty)?, photo: None, key };
    Ok(backend::refunds::ask(&pool, &me, number.trim(), input, &settings()).await?)
}

/// Shoppers: a step on their own request — `withdraw` (confirmed), `escalate`, or
/// `ship_return` with the carrier and tracking number.
#[server(prefix = "/api", endpoint = "refund_request_step")]
pub async fn refund_request_step(
    number: String,
    request_id: i64,
    step: String,
    #[server(default)] carrier: String,
    #[server(default)] tracking: String,
    #[server(default)] confirm: String,
) -> Result<(), AppError> {
    use backend::refunds::ShopperStep;
    use domain::accounts::Role;
    let (pool, me) = crate::accounts::session::signed_in_as(Role::Shopper).await?;
    let step = match step.as_str() {
        "withdraw" => {
            crate::ui::confirmed(&confirm, format!("withdraw-{request_id}"))?;
            ShopperStep::Withdraw
        }
        "escalate" => ShopperStep::Escalate,
        "ship_return" => ShopperStep::ShipReturn { carrier, tracking },
        _ => return Err(AppError::BadRequest("unknown step".into())),
    };
    Ok(backend::refunds::shopper_step(&pool, &me, number.trim(), request_id, step, &settings()).await?)
}

/// Merchants with an open shop: answer a request of their shop's order — `approve`, `refuse`
/// (with a reason) or `receive` (the return arrived).
#[server(prefix = "/api", endpoint = "answer_refund_request")]
pub async fn answer_refund_request(number: String, request_id: i64, answer: String, #[server(default)] refusal: String) -> Result<(), AppError> {
    use backend::refunds::Answer;
    let (pool, me, shop) = crate::catalog::my_open_shop().await?;
    let answer = match answer.as_str() {
        "approve" => Answer::Approve,
        "refuse" => Answer::Refuse { reason: refusal },
        "receive" => Answer::ConfirmReceipt,
        _ => return Err(AppError::BadRequest("unknown answer".into())),
    };
    let provider = crate::payments::provider::provider()?;
    let target = backend::refunds::ShopRequest { shop_id: shop.id, number: number.trim(), request_id };
    Ok(backend::refunds::answer(&pool, &provider, &me, target, answer, &settings()).await?)
}

/// How the cash of a cash-on-delivery order went back (`cash[how]`: `cash` or `bank_transfer`,
/// `cash[transfer_reference]`), from the merchant's refund form.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct CashBack {
    #[serde(default)]
    pub how: String,
    #[serde(default)]
    pub transfer_reference: String,
}

/// Merchants with an open shop: refund their shop's paid order — some units, or an amount —
/// through the provider (online) or as cash given back (cash on delivery: `cash`). The same `key` twice is one refund.
#[server(prefix = "/api", endpoint = "merchant_refund")]
pub async fn merchant_refund(
    number: String,
    #[server(default)] qty: HashMap<String, String>,
    #[server(default)] amount: String,
    #[server(default)] reason: String,
    #[server(default)] cash: CashBack,
    #[server(default)] request_id: Option<i64>,
    key: String,
) -> Result<i64, AppError> {
    let (pool, me, shop) = crate::catalog::my_open_shop().await?;
    let provider = crate::payments::provider::provider()?;
    let CashBack { how, transfer_reference } = cash;
    let input = backend::refunds::MerchantRefundInput { lines: quantities(&qty)?, amount, reason, how, transfer_reference, request_id, key };
    Ok(backend::refunds::refund_by_merchant(&pool, &provider, &me, shop.id, number.trim(), input).await?)
}

/// Staff: decide the refund dispute of a ticket — `approve` (in full, or `amount`) or `uphold`.
#[server(prefix = "/api", endpoint = "decide_refund_dispute")]
pub async fn decide_refund_dispute(ticket_id: i64, decision: String, #[server(default)] amount: String) -> Result<(), AppError> {
    use backend::refunds::StaffDecision;
    use domain::accounts::Role;
    let (pool, me) = crate::accounts::session::signed_in_as(Role::Staff).await?;
    let decision = match decision.as_str() {
        "approve" => StaffDecision::Approve { amount },
        "uphold" => StaffDecision::Uphold,
        _ => return Err(AppError::BadRequest("unknown decision".into())),
    };
    let provider = crate::payments::provider::provider()?;
    Ok(backend::refunds::staff_decide(&pool, &provider, &me, ticket_id, decision, &settings()).await?)
}

// ---- The section ---------------------------------------------------------------------------------

/// The after-sales section of an order's page, for `viewer` (shopper, merchant or staff; a
/// staff page passes the dispute's ticket). Live: it refetches on the order's live events.
/// `forms` are made by the page, outside what its own live updates re-render, so that an
/// answer (a refusal to show beside its field) outlives a re-render of the order.
#[component]
pub fn AfterSales(#[prop(into)] number: String, viewer: Actor, forms: AfterSalesForms, #[prop(optional)] ticket: Option<i64>) -> impl IntoView {
    let AfterSalesForms { ask, step, answer, refund, decide } = forms;
    let live_number = number.clone();
    let changed = crate::live::Live::order(move || Some(live_number.clone()));
    let moved_number = number.clone();
    let moved = order_moved(move || moved_number.clone());
    let versions = move || (ask.version().get(), step.version().get(), answer.version().get(), refund.version().get(), decide.version().get());
    // What changes live (statuses, amounts, requests, refunds)…
    let live_of = {
        let number = number.clone();
        Resource::new(move || (number.clone(), changed.get(), versions()), |(number, ..)| after_sales(number))
    };
    // …and what the forms are made from, fetched again only after the reader's own answers, so
    // that what they are typing survives every live update.
    let form_of = Resource::new(move || (number.clone(), versions(), moved.get()), |(number, ..)| after_sales(number));
    let i18n = use_i18n();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let v = live_of.await?;
                Ok::<_, AppError>((v.paid.minor > 0 || !v.refunds.is_empty()).then(|| view! {
                    <section class="card after-sales" aria-labelledby="after-sales-title">
                        <h2 id="after-sales-title">{t!(i18n, refunds.heading)}</h2>
                        <Sections v viewer ticket forms/>
                    </section>
                }))
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let v = form_of.await?;
                Ok::<_, AppError>(view! { <Forms v viewer forms/> })
            })}
        </Transition>
    }
}

/// Changes when something that decides the after-sales forms happens to the order (it is paid,
/// ships, is delivered; a request opens or ends; money goes back), not on every live event nor
/// on a reconnection: what someone is typing there survives those.
fn order_moved(number: impl Fn() -> String + Send + Sync + 'static) -> Memo<Option<i64>> {
    const MOVES: &[&str] = &[
        "paid",
        "shipped",
        "delivered",
        "delivered_cash_collected",
        "completed",
        "refund_requested",
        "refund_withdrawn",
        "refund_approved",
        "refund_auto_approved",
        "refund_approved_by_staff",
        "refund_refusal_upheld",
        "return_received",
        "return_received_auto",
        "refunded",
    ];
    let last = use_context::<crate::live::Live>().map(|l| l.last);
    Memo::new(move |previous: Option<&Option<i64>>| {
        let latest = last.and_then(|l| {
            l.with(|e| {
                e.as_ref()
                    .filter(|e| e.kind == "order" && e.order_number == number() && e.detail.event.as_deref().is_some_and(|n| MOVES.contains(&n)))
                    .map(|e| e.id)
            })
        });
        latest.or_else(|| previous.copied().flatten())
    })
}

/// The after-sales forms' actions (see [`AfterSales`]).
#[derive(Clone, Copy)]
pub struct AfterSalesForms {
    pub ask: ServerAction<AskRefund>,
    pub step: ServerAction<RefundRequestStep>,
    pub answer: ServerAction<AnswerRefundRequest>,
    pub refund: ServerAction<MerchantRefund>,
    pub decide: ServerAction<DecideRefundDispute>,
}

impl AfterSalesForms {
    pub fn new() -> Self {
        AfterSalesForms {
            ask: ServerAction::new(),
            step: ServerAction::new(),
            answer: ServerAction::new(),
            refund: ServerAction::new(),
            decide: ServerAction::new(),
        }
    }
}

impl Default for AfterSalesForms {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
fn Sections(v: AfterSalesView, viewer: Actor, ticket: Option<i64>, forms: AfterSalesForms) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    if v.paid.minor == 0 {
        return view! { <p class="muted">{t!(i18n, refunds.nothing_to_refund)}</p> }.into_any();
    }
    let standing = match v.standing {
        RefundStanding::None => None,
        RefundStanding::PartiallyRefunded => Some(td_string!(l, refunds.standing_partial)),
        RefundStanding::Refunded => Some(td_string!(l, refunds.standing_full)),
    };
    view! {
        {standing.map(|s| view! { <p class="status-line"><span class="badge refund-standing">{s}</span></p> })}
        <dl class="facts">
            <dt>{t!(i18n, refunds.paid)}</dt><dd>{money(l, v.paid)}</dd>
            <dt>{t!(i18n, refunds.refunded)}</dt><dd>{money(l, v.refunded)}</dd>
            <dt>{t!(i18n, refunds.left)}</dt><dd>{money(l, v.left())}</dd>
        </dl>
        {v.requests.iter().map(|r| view! { <Request r=r.clone() v=v.clone() viewer ticket forms/> }).collect_view()}
        {(!v.refunds.is_empty()).then(|| view! { <RefundList v=v.clone()/> })}
    }
    .into_any()
}

/// The forms to start something: the shopper's request, the merchant's own refund.
#[component]
fn Forms(v: AfterSalesView, viewer: Actor, forms: AfterSalesForms) -> impl IntoView {
    let open = v.open_request().cloned();
    let asking = viewer == Actor::Shopper && !v.kinds_allowed.is_empty();
    let merchant_refunds = viewer == Actor::Merchant && v.paid.minor > 0 && v.left().minor > 0;
    view! {
        {asking.then(|| view! { <AskForm v=v.clone() action=forms.ask/> })}
        {merchant_refunds.then(|| view! { <MerchantRefundForm v=v.clone() open=open.clone() action=forms.refund/> })}
    }
}

/// The message for a line's quantity field (named per product, so not a `'static` name).
fn line_error<T, S>(value: S, field: String) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    S: With<Value = ActionResult<T>> + Send + Sync + 'static,
{
    let l = use_i18n().get_locale_untracked();
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(err)) => err.message_for(&field).map(|m| crate::words::message_text(l, m)),
            _ => None,
        })
    })
}

/// "Partially refunded" / "Refunded" beside an order's status, when money went back.
pub fn standing_badge(l: crate::i18n::Locale, paid: domain::money::Money, refunded: domain::money::Money) -> Option<impl IntoView> {
    let text = match RefundStanding::of(paid.minor, refunded.minor) {
        RefundStanding::None => return None,
        RefundStanding::PartiallyRefunded => td_string!(l, refunds.standing_partial),
        RefundStanding::Refunded => td_string!(l, refunds.standing_full),
    };
    Some(view! { " "<span class="badge refund-standing">{text}</span> })
}

fn reason_text(l: crate::i18n::Locale, r: RefundReason) -> &'static str {
    match r {
        RefundReason::ChangedMind => td_string!(l, refunds.reason_changed_mind),
        RefundReason::OrderedByMistake => td_string!(l, refunds.reason_ordered_by_mistake),
        RefundReason::Damaged => td_string!(l, refunds.reason_damaged),
        RefundReason::WrongItem => td_string!(l, refunds.reason_wrong_item),
        RefundReason::NotAsDescribed => td_string!(l, refunds.reason_not_as_described),
        RefundReason::MissingParts => td_string!(l, refunds.reason_missing_parts),
        RefundReason::Other => td_string!(l, refunds.reason_other),
    }
}

fn kind_text(l: crate::i18n::Locale, k: RefundKind) -> &'static str {
    match k {
        RefundKind::RefundOnly => td_string!(l, refunds.kind_refund_only),
        RefundKind::ReturnAndRefund => td_string!(l, refunds.kind_return_and_refund),
    }
}

/// The shopper's "Ask for a refund": type, reason, note, and a quantity per line.
#[component]
fn AskForm(v: AfterSalesView, action: ServerAction<AskRefund>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let value = action.value();
    let pending = action.pending();
    let before = v.order_status == OrderStatus::Paid;
    let reasons: Vec<RefundReason> = RefundReason::ALL.into_iter().filter(|r| !before || r.before_shipment()).collect();
    let kinds = v.kinds_allowed.clone();
    let single = kinds.len() == 1;
    view! {
        <section class="card" aria-labelledby="ask-title">
        <ActionForm action attr:class="stack refund-ask">
            <h2 id="ask-title">{t!(i18n, refunds.ask_heading)}</h2>
            <p class="muted">{if before { td_string!(l, refunds.ask_intro_before) } else { td_string!(l, refunds.ask_intro_after) }}</p>
            <input type="hidden" name="number" value=v.order_number.clone()/>
            <input type="hidden" name="key" value=v.key.clone()/>
            <fieldset class="field">
                <legend>{t!(i18n, refunds.kind)}</legend>
                {kinds.iter().enumerate().map(|(i, k)| view! {
                    <label class="choice"><input type="radio" name="kind" value=k.as_str() checked={single || i == 0}/>" "{kind_text(l, *k)}</label>
                }).collect_view()}
                <p class="field-error" id="kind-error">{move || field_error(value, "kind").try_get().flatten()}</p>
            </fieldset>
            <div class="field">
                <label for="reason">{t!(i18n, refunds.reason)}</label>
                <select id="reason" name="reason" required aria-describedby="reason-error">
                    <option value="">{t!(i18n, refunds.choose_reason)}</option>
                    {reasons.into_iter().map(|r| view! { <option value=r.as_str()>{reason_text(l, r)}</option> }).collect_view()}
                </select>
                <p class="field-error" id="reason-error">{move || field_error(value, "reason").try_get().flatten()}</p>
            </div>
            <fieldset class="field">
                <legend>{t!(i18n, refunds.items)}</legend>
                {v.lines.iter().filter(|line| line.left() > 0).map(|line| {
                    let name = format!("qty[{}]", line.product_id);
                    let id = format!("qty-{}", line.product_id);
                    let label = fill(td_string!(l, refunds.qty_label), &[("title", line.title.clone()), ("left", line.left().to_string())]);
                    let error = line_error(value, format!("qty_{}", line.product_id));
                    let error_id = format!("qty-{}-error", line.product_id);
                    view! {
                        <div class="field qty-line">
                            <label for=id.clone()>{label}</label>
                            <input id=id type="number" name=name min="0" max=line.left().to_string() value=line.left().to_string() inputmode="numeric"
                                aria-describedby=error_id.clone() aria-invalid=move || error.try_with(Option::is_some).unwrap_or(false).then_some("true")/>
                            <p class="field-error" id=error_id>{move || error.try_get().flatten()}</p>
                        </div>
                    }
                }).collect_view()}
                <p class="field-error">{move || field_error(value, "lines").try_get().flatten()}</p>
            </fieldset>
            <Field label=t_string!(i18n, refunds.note) name="note" maxlength=1000 error=field_error(value, "note")/>
            <FormError error=form_error(value)/>
            <button type="submit" class="button" disabled=pending>
                {move || if pending.get() { t_string!(i18n, refunds.sending) } else { t_string!(i18n, refunds.send_request) }}
            </button>
        </ActionForm>
        </section>
    }
}

/// One request, with the steps the viewer may take on it now.
#[component]
fn Request(r: RequestView, v: AfterSalesView, viewer: Actor, ticket: Option<i64>, forms: AfterSalesForms) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let heading = fill(td_string!(l, refunds.request_heading), &[("id", r.id.to_string())]);
    let items = r.lines.iter().map(|(title, q)| format!("{title} × {q}")).collect::<Vec<_>>().join(", ");
    let deadline_label = match r.status {
        RequestStatus::ReturnInTransit => td_string!(l, refunds.request_deadline_receipt),
        _ => td_string!(l, refunds.request_deadline_answer),
    };
    let status = r.status;
    let cod_note = (viewer == Actor::Merchant && v.cash_on_delivery && status == RequestStatus::Refunding)
        .then(|| fill(td_string!(l, refunds.cod_request_note), &[("id", r.id.to_string())]));
    view! {
        <article class="refund-request" aria-label=heading.clone()>
            <h3>{heading.clone()}</h3>
            <dl class="facts">
                <dt>{t!(i18n, refunds.request_status)}</dt><dd><span class="badge">{request_status_text(l, status)}</span></dd>
                <dt>{t!(i18n, refunds.request_kind)}</dt><dd>{kind_text(l, r.kind)}</dd>
                <dt>{t!(i18n, refunds.request_amount)}</dt><dd>{money(l, r.requested)}</dd>
                <dt>{t!(i18n, refunds.request_reason)}</dt><dd>{reason_text(l, r.reason)}</dd>
                <dt>{t!(i18n, refunds.request_items)}</dt><dd class="wrap">{items}</dd>
                {(!r.note.is_empty()).then(|| view! { <dt>{t!(i18n, refunds.request_note)}</dt><dd class="wrap">{r.note.clone()}</dd> })}
                {r.refusal.clone().map(|x| view! { <dt>{t!(i18n, refunds.request_refusal)}</dt><dd class="wrap">{x}</dd> })}
                {r.return_tracking.clone().map(|tr| view! { <dt>{t!(i18n, refunds.request_return)}</dt><dd>{format!("{} {}", r.return_carrier.clone().unwrap_or_default(), tr)}</dd> })}
                {r.deadline.map(|d| view! { <dt>{deadline_label}</dt><dd>{crate::ui::when(d)}" · "<crate::ui::Countdown due=d plain=true/></dd> })}
                {r.ticket_id.map(|id| view! { <dt>{t!(i18n, refunds.support_ticket)}</dt><dd>{format!("#{id}")}</dd> })}
            </dl>
            {r.has_photo.then(|| {
                let src = format!("/orders/{}/refund-requests/{}/photo", crate::ui::url_encode(&v.order_number), r.id);
                let alt = fill(td_string!(l, refunds.photo_alt), &[("id", r.id.to_string())]);
                let href = src.clone();
                view! { <p><a href=href><img class="refund-photo" src=src alt=alt width="160" loading="lazy"/></a></p> }
            })}
            {(viewer == Actor::Shopper && status.is_open()).then(|| {
                let action = format!("/orders/{}/refund-requests/{}/photo/upload", crate::ui::url_encode(&v.order_number), r.id);
                let id = format!("photo-{}", r.id);
                view! {
                    <form class="image-upload" method="post" enctype="multipart/form-data" action=action>
                        <label for=id.clone()>{t!(i18n, refunds.photo_add)}</label>
                        <input id=id type="file" name="photo" accept="image/png,image/jpeg,image/webp"/>
                        <button type="submit" class="button button-secondary">{t!(i18n, refunds.photo_upload)}</button>
                    </form>
                }
            })}
            {(status == RequestStatus::AwaitingAnswer).then(|| view! { <p class="muted">{t!(i18n, refunds.auto_answer_note)}</p> })}
            {cod_note.map(|n| view! { <p class="notice-info">{n}</p> })}
            {match viewer {
                Actor::Shopper => view! { <ShopperSteps r=r.clone() number=v.order_number.clone() action=forms.step/> }.into_any(),
                Actor::Merchant => view! { <MerchantAnswers r=r.clone() number=v.order_number.clone() action=forms.answer/> }.into_any(),
                Actor::Staff => match ticket {
                    Some(ticket) if status == RequestStatus::Escalated && r.ticket_id == Some(ticket) => {
                        view! { <StaffDecision r=r.clone() ticket action=forms.decide/> }.into_any()
                    }
                    _ => ().into_any(),
                },
                Actor::System => ().into_any(),
            }}
        </article>
    }
}

#[component]
fn ShopperSteps(r: RequestView, number: String, action: ServerAction<RefundRequestStep>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let value = action.value();
    let pending = action.pending();
    let status = r.status;
    let subject = format!("withdraw-{}", r.id);
    let (n1, n2, n3) = (number.clone(), number.clone(), number);
    let withdraw = matches!(status, RequestStatus::AwaitingAnswer | RequestStatus::Refused | RequestStatus::AwaitingReturn).then(|| {
        view! {
            <ActionForm action>
                <input type="hidden" name="number" value=n1/>
                <input type="hidden" name="request_id" value=r.id.to_string()/>
                <input type="hidden" name="step" value="withdraw"/>
                <ConfirmButton
                    label=t_string!(i18n, refunds.withdraw)
                    subject=subject.clone()
                    question=fill(td_string!(l, refunds.withdraw_question), &[("id", r.id.to_string())])
                    consequence=td_string!(l, refunds.withdraw_consequence)
                    keep=td_string!(l, refunds.withdraw_keep)
                    asked=confirmation_asked(value, subject.clone())
                    class="button button-secondary"
                    disabled=pending
                />
            </ActionForm>
        }
    });
    view! {
        {(status == RequestStatus::AwaitingReturn).then(|| view! {
            <ActionForm action attr:class="stack">
                <h4>{t!(i18n, refunds.ship_return_heading)}</h4>
                <input type="hidden" name="number" value=n2/>
                <input type="hidden" name="request_id" value=r.id.to_string()/>
                <input type="hidden" name="step" value="ship_return"/>
                <Field label=t_string!(i18n, refunds.carrier) name="carrier" required=true maxlength=60 error=field_error(value, "carrier")/>
                <Field label=t_string!(i18n, refunds.tracking) name="tracking" required=true maxlength=60 error=field_error(value, "tracking")/>
                <button type="submit" class="button" disabled=pending>{t!(i18n, refunds.ship_return)}</button>
            </ActionForm>
        })}
        {(status == RequestStatus::Refused).then(|| view! {
            <ActionForm action>
                <input type="hidden" name="number" value=n3/>
                <input type="hidden" name="request_id" value=r.id.to_string()/>
                <input type="hidden" name="step" value="escalate"/>
                <button type="submit" class="button" disabled=pending>{t!(i18n, refunds.escalate)}</button>
            </ActionForm>
        })}
        {withdraw}
        <FormError error=form_error(value)/>
    }
}

#[component]
fn MerchantAnswers(r: RequestView, number: String, action: ServerAction<AnswerRefundRequest>) -> impl IntoView {
    let i18n = use_i18n();
    let value = action.value();
    let pending = action.pending();
    let status = r.status;
    let id = r.id;
    let hidden = move |answer: &'static str| {
        view! {
            <input type="hidden" name="number" value=number.clone()/>
            <input type="hidden" name="request_id" value=id.to_string()/>
            <input type="hidden" name="answer" value=answer/>
        }
    };
    let (approve, refuse, receive) = (hidden("approve"), hidden("refuse"), hidden("receive"));
    view! {
        {(status == RequestStatus::AwaitingAnswer).then(|| view! {
            <div class="actions">
                <ActionForm action>
                    {approve}
                    <button type="submit" class="button" disabled=pending>{t!(i18n, refunds.approve)}</button>
                </ActionForm>
                <ActionForm action attr:class="stack">
                    <h4>{t!(i18n, refunds.refuse_heading)}</h4>
                    {refuse}
                    <Field label=t_string!(i18n, refunds.refusal) name="refusal" required=true maxlength=500 error=field_error(value, "refusal")/>
                    <button type="submit" class="button button-secondary" disabled=pending>{t!(i18n, refunds.refuse)}</button>
                </ActionForm>
            </div>
        })}
        {(status == RequestStatus::ReturnInTransit).then(|| view! {
            <ActionForm action>
                {receive}
                <button type="submit" class="button" disabled=pending>{t!(i18n, refunds.confirm_receipt)}</button>
            </ActionForm>
        })}
        <FormError error=form_error(value)/>
    }
}

#[component]
fn StaffDecision(r: RequestView, ticket: i64, action: ServerAction<DecideRefundDispute>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let value = action.value();
    let pending = action.pending();
    let amount_label =
        fill(td_string!(l, refunds.staff_amount), &[("currency", r.requested.currency.code().to_string()), ("asked", money(l, r.requested))]);
    view! {
        <ActionForm action attr:class="stack">
            <h4>{t!(i18n, refunds.staff_heading)}</h4>
            <input type="hidden" name="ticket_id" value=ticket.to_string()/>
            <input type="hidden" name="decision" value="approve"/>
            <Field label=amount_label name="amount" error=field_error(value, "amount")/>
            <button type="submit" class="button" disabled=pending>{t!(i18n, refunds.staff_approve)}</button>
        </ActionForm>
        <ActionForm action>
            <input type="hidden" name="ticket_id" value=ticket.to_string()/>
            <input type="hidden" name="decision" value="uphold"/>
            <button type="submit" class="button button-secondary" disabled=pending>{t!(i18n, refunds.staff_uphold)}</button>
        </ActionForm>
        <FormError error=form_error(value)/>
    }
}

/// The merchant's own refund: units per line or an amount, a reason; for cash on delivery, how
/// the cash went back (settling an approved request when there is one).
#[component]
fn MerchantRefundForm(v: AfterSalesView, open: Option<RequestView>, action: ServerAction<MerchantRefund>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let value = action.value();
    let pending = action.pending();
    let cod = v.cash_on_delivery;
    let settles = open.filter(|r| cod && r.status == RequestStatus::Refunding);
    let amount_label = fill(td_string!(l, refunds.amount), &[("currency", v.paid.currency.code().to_string())]);
    let amount_hint = fill(td_string!(l, refunds.amount_hint), &[("left", money(l, v.left()))]);
    let how_error = field_error(value, "how");
    view! {
        <section class="card" aria-labelledby="merchant-refund-title">
        <ActionForm action attr:class="stack merchant-refund">
            <h2 id="merchant-refund-title">{t!(i18n, refunds.merchant_heading)}</h2>
            <p class="muted">{t!(i18n, refunds.merchant_intro)}</p>
            <input type="hidden" name="number" value=v.order_number.clone()/>
            <input type="hidden" name="key" value=v.key.clone()/>
            {settles.as_ref().map(|r| view! { <input type="hidden" name="request_id" value=r.id.to_string()/> })}
            {match settles.clone() {
                Some(r) => view! {
                    <p class="notice-info">{fill(td_string!(l, refunds.settles_request), &[("id", r.id.to_string()), ("amount", money(l, r.requested))])}</p>
                }.into_any(),
                None => view! {
                    <fieldset class="field">
                        <legend>{t!(i18n, refunds.items)}</legend>
                        {v.lines.iter().filter(|line| line.left() > 0).map(|line| {
                            let name = format!("qty[{}]", line.product_id);
                            let id = format!("mqty-{}", line.product_id);
                            let error_id = format!("mqty-{}-error", line.product_id);
                            let label = fill(td_string!(l, refunds.qty_label), &[("title", line.title.clone()), ("left", line.left().to_string())]);
                            let error = line_error(value, format!("qty_{}", line.product_id));
                            view! {
                                <div class="field qty-line">
                                    <label for=id.clone()>{label}</label>
                                    <input id=id type="number" name=name min="0" max=line.left().to_string() value="0" inputmode="numeric"
                                        aria-describedby=error_id.clone() aria-invalid=move || error.try_with(Option::is_some).unwrap_or(false).then_some("true")/>
                                    <p class="field-error" id=error_id>{move || error.try_get().flatten()}</p>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                    <Field label=amount_label.clone() name="amount" hint=amount_hint.clone() error=field_error(value, "amount")/>
                }.into_any(),
            }}
            <Field label=t_string!(i18n, refunds.merchant_reason) name="reason" required=true maxlength=500 error=field_error(value, "reason")/>
            {cod.then(|| view! {
                <fieldset class="field">
                    <legend>{t!(i18n, refunds.how)}</legend>
                    <label class="choice"><input type="radio" name="cash[how]" value="cash" checked=true/>" "{t!(i18n, refunds.how_cash)}</label>
                    <label class="choice"><input type="radio" name="cash[how]" value="bank_transfer"/>" "{t!(i18n, refunds.how_bank_transfer)}</label>
                    <p class="field-error">{move || how_error.try_get().flatten()}</p>
                </fieldset>
                <Field label=t_string!(i18n, refunds.transfer_reference) name="cash[transfer_reference]" maxlength=60 error=field_error(value, "transfer_reference")/>
            })}
            <FormError error=form_error(value)/>
            <button type="submit" class="button" disabled=pending>
                {if cod { t_string!(i18n, refunds.refund_cod_button) } else { t_string!(i18n, refunds.refund_button) }}
            </button>
        </ActionForm>
        </section>
    }
}

#[component]
fn RefundList(v: AfterSalesView) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let any_failed = v.refunds.iter().any(|r| r.status == RefundStatus::Failed);
    view! {
        <h3>{t!(i18n, refunds.refunds_heading)}</h3>
        {any_failed.then(|| view! { <p class="notice" role="status">{t!(i18n, refunds.failed_note)}</p> })}
        <div class="table-scroll">
            <table class="table">
                <thead><tr>
                    <th scope="col">{t!(i18n, refunds.col_refund)}</th>
                    <th scope="col">{t!(i18n, refunds.col_amount)}</th>
                    <th scope="col">{t!(i18n, refunds.col_status)}</th>
                    <th scope="col">{t!(i18n, refunds.col_how)}</th>
                    <th scope="col">{t!(i18n, refunds.col_by)}</th>
                    <th scope="col">{t!(i18n, refunds.col_when)}</th>
                </tr></thead>
                <tbody>
                    {v.refunds.iter().map(|r| {
                        let how = match r.method {
                            RefundMethod::Provider => td_string!(l, refunds.how_provider).to_string(),
                            RefundMethod::Cash => td_string!(l, refunds.how_cash).to_string(),
                            RefundMethod::BankTransfer => format!("{} {}", td_string!(l, refunds.how_bank_transfer), r.transfer_reference.clone().unwrap_or_default()),
                        };
                        let by = match (r.initiated_by, r.request_id) {
                            (Actor::Staff, _) => td_string!(l, refunds.by_staff),
                            (Actor::System, _) => td_string!(l, refunds.by_system),
                            (_, Some(_)) => td_string!(l, refunds.by_shopper_request),
                            _ => td_string!(l, refunds.by_merchant),
                        };
                        view! {
                            <tr>
                                <td class="card-title">{format!("#{}", r.id)}</td>
                                <td data-label=t_string!(i18n, refunds.col_amount)>{money(l, r.amount)}</td>
                                <td data-label=t_string!(i18n, refunds.col_status)><span class=format!("badge refund-{}", r.status.as_str())>{refund_status_text(l, r.status)}</span></td>
                                <td data-label=t_string!(i18n, refunds.col_how) class="wrap">{how}</td>
                                <td data-label=t_string!(i18n, refunds.col_by)>{by}</td>
                                <td data-label=t_string!(i18n, refunds.col_when)>{crate::ui::when(r.succeeded_at.unwrap_or(r.created_at))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
