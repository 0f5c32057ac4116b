//! `/merchant/webhooks`: where the shop's events are sent — register an endpoint (its address
//! and the event types wanted; its signing secret shown once), rotate the secret (the old one
//! keeps signing for a day), send a test event, turn an endpoint off or on, delete it, and read
//! each endpoint's delivery log (every try: the answer's status and first bytes, how long it
//! took, the next try) with redelivery by hand. The log refreshes by itself while deliveries
//! are pending.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::ui::{ConfirmButton, Field, FormError, confirmation_asked, field_error, fill, form_error, when};
use domain::webhooks::{DeliveryView, EVENT_TYPES, EndpointView, SecretShown};

#[cfg(feature = "ssr")]
fn settings() -> domain::webhooks::WebhookSettings {
    use_context::<crate::checkout::OrderSettings>().unwrap_or_default().webhooks
}

/// Merchants: their endpoints with their delivery logs.
#[server(prefix = "/api", endpoint = "webhook_endpoints")]
pub async fn webhook_endpoints() -> Result<Vec<EndpointView>, AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    Ok(backend::webhooks::endpoints(&pool, &me).await?)
}

/// Merchants: a new endpoint (`event_types[i]`: the ticked types; none means all); the answer
/// carries its signing secret.
#[server(prefix = "/api", endpoint = "create_webhook_endpoint")]
pub async fn create_webhook_endpoint(#[server(default)] url: String, #[server(default)] event_types: Vec<String>) -> Result<SecretShown, AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    Ok(backend::webhooks::create_endpoint(&pool, &me, &url, &event_types, &settings()).await?)
}

/// Merchants: what to do with one endpoint — `reveal` (its whole secret), `test`, `rotate`,
/// `off`, `on` or `delete` (confirmed).
#[server(prefix = "/api", endpoint = "webhook_endpoint_action")]
pub async fn webhook_endpoint_action(endpoint_id: i64, action: String, #[server(default)] confirm: String) -> Result<Option<SecretShown>, AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    use backend::webhooks as w;
    match action.as_str() {
        "reveal" => w::reveal_secret(&pool, &me, endpoint_id).await.map(Some),
        "test" => w::send_test(&pool, &me, endpoint_id).await.map(|_| None),
        "rotate" => w::rotate_secret(&pool, &me, endpoint_id).await.map(Some),
        "off" => w::set_enabled(&pool, &me, endpoint_id, false).await.map(|_| None),
        "on" => w::set_enabled(&pool, &me, endpoint_id, true).await.map(|_| None),
        "delete" => {
            crate::ui::confirmed(&confirm, format!("delete-endpoint-{endpoint_id}"))?;
            w::delete_endpoint(&pool, &me, endpoint_id).await.map(|_| None)
        }
        _ => Err(backend::Error::BadRequest("unknown action".into())),
    }
    .map_err(AppError::from)
}

/// Merchants: send one delivery again.
#[server(prefix = "/api", endpoint = "redeliver_webhook")]
pub async fn redeliver_webhook(delivery_id: i64) -> Result<i64, AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    Ok(backend::webhooks::redeliver(&pool, &me, delivery_id).await?)
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhookEndpoint>::new();
    let act = ServerAction::<WebhookEndpointAction>::new();
    let redeliver = ServerAction::<RedeliverWebhook>::new();
    // Ticks while deliveries are pending, so their log follows without a reload.
    let tick = RwSignal::new(0u32);
    let listed = Resource::new(move || (create.version().get(), act.version().get(), redeliver.version().get(), tick.get()), |_| webhook_endpoints());
    refresh_while_pending(listed, tick);
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, webhooks.title)/>
        <h1>{t!(i18n, webhooks.title)}</h1>
        <p class="muted">{t!(i18n, webhooks.intro)}</p>
        <NewEndpoint create/>
        <SecretNotice create act/>
        <Transition fallback=move || view! { <p class="muted" role="status">{t!(i18n, webhooks.loading)}</p> }>
            {move || Suspend::new(async move {
                let list = listed.await?;
                Ok::<_, AppError>(view! { <Endpoints list act redeliver/> })
            })}
        </Transition>
    }
}

/// Every 3 s, while some delivery is pending, the list is read again.
fn refresh_while_pending(listed: Resource<Result<Vec<EndpointView>, AppError>>, tick: RwSignal<u32>) {
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                let pending =
                    listed.with_untracked(|l| matches!(l, Some(Ok(list)) if list.iter().any(|e| e.deliveries.iter().any(|d| d.state == "pending"))));
                if pending {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_secs(3),
        );
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });
}

#[component]
fn NewEndpoint(create: ServerAction<CreateWebhookEndpoint>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let value = create.value();
    view! {
        <section class="card" aria-labelledby="new-endpoint-title">
            <h2 id="new-endpoint-title">{t!(i18n, webhooks.add_heading)}</h2>
            <ActionForm action=create>
                <Field
                    label=td_string!(l, webhooks.f_url)
                    name="url"
                    kind="text"
                    maxlength=2000
                    hint=td_string!(l, webhooks.f_url_hint)
                    error=field_error(value, "url")
                />
                <fieldset>
                    <legend>{t!(i18n, webhooks.f_types)}</legend>
                    <p class="muted">{t!(i18n, webhooks.f_types_hint)}</p>
                    {EVENT_TYPES.iter().enumerate().map(|(i, ty)| view! {
                        <label class="check">
                            <input type="checkbox" name=format!("event_types[{i}]") value=*ty/>
                            " "{event_type_text(l, ty)}" "<code translate="no">{*ty}</code>
                        </label>
                    }).collect_view()}
                    <p class="field-error">{move || field_error(value, "event_types").get()}</p>
                </fieldset>
                <FormError error=form_error(value)/>
                <button type="submit" class="button" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { td_string!(l, webhooks.adding) } else { td_string!(l, webhooks.add) }}
                </button>
            </ActionForm>
        </section>
    }
}

/// The latest secret asked for — a new endpoint's, a rotated one, or one revealed — with what
/// it is (whichever answer came last).
#[component]
fn SecretNotice(create: ServerAction<CreateWebhookEndpoint>, act: ServerAction<WebhookEndpointAction>) -> impl IntoView {
    let i18n = use_i18n();
    let shown = RwSignal::new(None::<(SecretShown, &'static str)>);
    Effect::new(move |_| {
        if let Some(Ok(s)) = create.value().get() {
            shown.set(Some((s, "added")));
        }
    });
    // The action's input is gone once it has answered: remember what was asked while it ran.
    let asked = StoredValue::new(String::new());
    Effect::new(move |_| {
        if let Some(input) = act.input().get() {
            asked.set_value(input.action);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(Some(s))) = act.value().get() {
            shown.set(Some((s, if asked.get_value() == "rotate" { "rotated" } else { "revealed" })));
        }
    });
    move || {
        shown.get().map(|(secret, why)| {
            let l = i18n.get_locale_untracked();
            let says = match why {
                "added" => td_string!(l, webhooks.added),
                "rotated" => td_string!(l, webhooks.rotated),
                _ => td_string!(l, webhooks.revealed),
            };
            view! {
                <div class="notice" role="status">
                    <p>{fill(says, &[("id", secret.endpoint_id.to_string())])}</p>
                    <p><label for="new-secret">{t!(i18n, webhooks.the_secret)}</label></p>
                    <input id="new-secret" class="key" readonly value=secret.secret translate="no"/>
                    <p class="muted">{t!(i18n, webhooks.secret_note)}</p>
                </div>
            }
        })
    }
}

#[component]
fn Endpoints(list: Vec<EndpointView>, act: ServerAction<WebhookEndpointAction>, redeliver: ServerAction<RedeliverWebhook>) -> impl IntoView {
    let i18n = use_i18n();
    if list.is_empty() {
        return view! { <section class="card"><p>{t!(i18n, webhooks.none)}</p></section> }.into_any();
    }
    list.into_iter().map(|e| view! { <Endpoint e act redeliver/> }).collect_view().into_any()
}

#[component]
fn Endpoint(e: EndpointView, act: ServerAction<WebhookEndpointAction>, redeliver: ServerAction<RedeliverWebhook>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let title_id = format!("endpoint-{}", e.id);
    let state = match (e.disabled_at, e.disabled_reason.as_deref(), e.failing_since) {
        (Some(at), Some("failing"), _) => fill(td_string!(l, webhooks.off_failing), &[("at", when(at))]),
        (Some(_), _, _) => td_string!(l, webhooks.off_by_you).to_string(),
        (None, _, Some(since)) => fill(td_string!(l, webhooks.on_failing), &[("since", when(since))]),
        (None, _, None) => td_string!(l, webhooks.on).to_string(),
    };
    let types = if e.event_types.is_empty() {
        td_string!(l, webhooks.all_types).to_string()
    } else {
        e.event_types.iter().map(|t| event_type_text(l, t)).collect::<Vec<_>>().join(", ")
    };
    let button = move |action: &'static str, label: String, class: &'static str, id: i64| {
        view! {
            <ActionForm action=act>
                <input type="hidden" name="endpoint_id" value=id.to_string()/>
                <input type="hidden" name="action" value=action/>
                <button type="submit" class=class disabled=move || act.pending().get()>{label}</button>
            </ActionForm>
        }
    };
    let subject = format!("delete-endpoint-{}", e.id);
    let on = e.disabled_at.is_none();
    view! {
        <section class="card" aria-labelledby=title_id.clone()>
            <h2 id=title_id.clone() class="wrap" translate="no">{e.url.clone()}</h2>
            <p role="status">{state}</p>
            <p>{t!(i18n, webhooks.sends)}" "{types}</p>
            <p>{t!(i18n, webhooks.secret_is)}" "<code translate="no">{e.secret_hint.clone()}</code></p>
            {e.previous_secret_until.map(|until| view! { <p class="muted">{fill(td_string!(l, webhooks.old_secret_until), &[("at", when(until))])}</p> })}
            <div class="actions">
                {button("reveal", td_string!(l, webhooks.show_secret).to_string(), "button secondary", e.id)}
                {button("test", td_string!(l, webhooks.send_test).to_string(), "button secondary", e.id)}
                {button("rotate", td_string!(l, webhooks.rotate).to_string(), "button secondary", e.id)}
                {if on { button("off", td_string!(l, webhooks.turn_off).to_string(), "button secondary", e.id) } else { button("on", td_string!(l, webhooks.turn_on).to_string(), "button", e.id) }}
                <ActionForm action=act>
                    <input type="hidden" name="endpoint_id" value=e.id.to_string()/>
                    <input type="hidden" name="action" value="delete"/>
                    <ConfirmButton
                        label=td_string!(l, webhooks.delete)
                        subject=subject.clone()
                        question=fill(td_string!(l, webhooks.delete_question), &[("url", e.url.clone())])
                        consequence=td_string!(l, webhooks.delete_consequence)
                        keep=td_string!(l, webhooks.keep)
                        asked=confirmation_asked(act.value(), subject.clone())
                    />
                </ActionForm>
            </div>
            <FormError error=form_error(act.value())/>
            <Log deliveries=e.deliveries redeliver/>
        </section>
    }
}

#[component]
fn Log(deliveries: Vec<DeliveryView>, redeliver: ServerAction<RedeliverWebhook>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    if deliveries.is_empty() {
        return view! { <p class="muted">{t!(i18n, webhooks.no_deliveries)}</p> }.into_any();
    }
    let cols = [
        td_string!(l, webhooks.col_event),
        td_string!(l, webhooks.col_state),
        td_string!(l, webhooks.col_answer),
        td_string!(l, webhooks.col_tries),
        td_string!(l, webhooks.col_again),
    ];
    view! {
        <h3>{t!(i18n, webhooks.log_heading)}</h3>
        <table class="table">
            <thead><tr>{cols.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
            <tbody>
                {deliveries.into_iter().map(|d| view! { <DeliveryRow d redeliver cols/> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn DeliveryRow(d: DeliveryView, redeliver: ServerAction<RedeliverWebhook>, cols: [&'static str; 5]) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let state = match (d.state.as_str(), d.next_try_at) {
        ("delivered", _) => td_string!(l, webhooks.delivered).to_string(),
        ("failed", _) => td_string!(l, webhooks.given_up).to_string(),
        (_, Some(at)) if !d.attempts.is_empty() => fill(td_string!(l, webhooks.next_try), &[("at", when(at))]),
        _ => td_string!(l, webhooks.waiting).to_string(),
    };
    let answer = d.attempts.first().map(|a| attempt_text(l, a)).unwrap_or_default();
    let tries = d.attempts.clone();
    let label = fill(td_string!(l, webhooks.redeliver), &[("event", d.event_id.clone())]);
    view! {
        <tr>
            <td class="card-title"><span translate="no">{d.event_type.clone()}</span>" · "<span translate="no">{d.event_id.clone()}</span>
                {d.manual.then(|| view! { " "<span class="badge">{td_string!(l, webhooks.by_hand)}</span> })}</td>
            <td data-label=cols[1]>{state}</td>
            <td data-label=cols[2]>{answer}</td>
            <td data-label=cols[3]>
                <details>
                    <summary>{tries.len()}</summary>
                    <ol>
                        {tries.into_iter().map(|a| view! {
                            <li>{when(a.at)}" — "{attempt_text(l, &a)}
                                {(!a.response_start.is_empty()).then(|| view! { <pre class="wrap" translate="no">{a.response_start.clone()}</pre> })}</li>
                        }).collect_view()}
                    </ol>
                </details>
            </td>
            <td data-label=cols[4]>
                <ActionForm action=redeliver>
                    <input type="hidden" name="delivery_id" value=d.id.to_string()/>
                    <button type="submit" class="button secondary" aria-label=label disabled=move || redeliver.pending().get()>
                        {td_string!(l, webhooks.redeliver_short)}
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}

/// "200 in 35 ms" or "No answer: the connection was refused (5 ms)".
fn attempt_text(l: Locale, a: &domain::webhooks::AttemptView) -> String {
    let ms = a.duration_ms.to_string();
    match a.response_status {
        Some(status) => fill(td_string!(l, webhooks.answered), &[("status", status.to_string()), ("ms", ms)]),
        None => {
            fill(td_string!(l, webhooks.no_answer), &[("error", try_error_text(l, a.error.as_deref().unwrap_or("other")).to_string()), ("ms", ms)])
        }
    }
}

/// Why a try got no answer, in words.
fn try_error_text(l: Locale, code: &str) -> &'static str {
    match code {
        "timeout" => td_string!(l, webhooks.e_timeout),
        "connect" => td_string!(l, webhooks.e_connect),
        "resolve" => td_string!(l, webhooks.e_resolve),
        "private_address" => td_string!(l, webhooks.e_private_address),
        "tls" => td_string!(l, webhooks.e_tls),
        "bad_address" => td_string!(l, webhooks.e_bad_address),
        _ => td_string!(l, webhooks.e_other),
    }
}

/// An event type in words ("Order shipped").
fn event_type_text(l: Locale, ty: &str) -> &'static str {
    match ty {
        "order.created" => td_string!(l, webhooks.t_order_created),
        "order.paid" => td_string!(l, webhooks.t_order_paid),
        "order.cash_on_delivery" => td_string!(l, webhooks.t_order_cash_on_delivery),
        "order.shipped" => td_string!(l, webhooks.t_order_shipped),
        "order.delivered" => td_string!(l, webhooks.t_order_delivered),
        "order.delivered_cash_collected" => td_string!(l, webhooks.t_order_delivered_cash_collected),
        "order.completed" => td_string!(l, webhooks.t_order_completed),
        "order.cancelled" => td_string!(l, webhooks.t_order_cancelled),
        "order.expired" => td_string!(l, webhooks.t_order_expired),
        "order.payment_request_withdrawn" => td_string!(l, webhooks.t_order_payment_request_withdrawn),
        "order.refunded" => td_string!(l, webhooks.t_order_refunded),
        "order.refund_failed" => td_string!(l, webhooks.t_order_refund_failed),
        "order.settled" => td_string!(l, webhooks.t_order_settled),
        "payment.attempt_failed" => td_string!(l, webhooks.t_payment_attempt_failed),
        "payment.attempt_requires_verification" => td_string!(l, webhooks.t_payment_attempt_requires_verification),
        _ => td_string!(l, webhooks.t_test),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_try_error_has_words_in_both_languages() {
        for l in [Locale::en, Locale::zh_CN] {
            let other = try_error_text(l, "other");
            for code in domain::webhooks::TRY_ERRORS.iter().filter(|c| **c != "other") {
                assert_ne!(try_error_text(l, code), other, "{code}");
            }
        }
    }

    #[test]
    fn every_event_type_has_words_in_both_languages() {
        for l in [Locale::en, Locale::zh_CN] {
            let test = event_type_text(l, "webhook.test");
            for ty in EVENT_TYPES {
                assert_ne!(event_type_text(l, ty), test, "{ty}");
            }
        }
    }
}
