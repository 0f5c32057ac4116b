//! The pay page: order summary, amount, deadline countdown, the shopper's methods (default
//! first), "Pay", then whatever the provider asks: a verification code, a decline with its
//! reason (try another method), or "processing" until the order turns paid.

pub use domain::payments::PayPageInfo;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::PayResult;
use crate::error::AppError;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::{Countdown, StatusTag};
use crate::ui::{FormError, field_error, form_error};
use domain::orders::OrderStatus;
use domain::payments::attempt::AttemptStatus;

/// Shoppers: the pay page of one of their own orders: what is being paid for, their methods
/// and the latest attempt.
#[server(prefix = "/api", endpoint = "pay_page_data")]
pub async fn pay_page_data(number: String) -> Result<PayPageInfo, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    Ok(backend::pay::page(&pool, &me, &number).await?)
}

/// Shoppers: pay one of their own orders with one of their own methods.
#[server(prefix = "/api", endpoint = "pay_order")]
pub async fn pay_order(number: String, method_id: i64, idempotency_key: String) -> Result<PayResult, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    let provider = super::provider::provider()?;
    let settings = use_context::<crate::checkout::OrderSettings>().unwrap_or_default();
    Ok(backend::pay::pay(&pool, &provider, &settings, &me, &number, method_id, &idempotency_key).await?)
}

/// Shoppers: answer the verification step of their own payment.
#[server(prefix = "/api", endpoint = "verify_payment")]
pub async fn verify_payment(attempt_id: i64, code: String) -> Result<PayResult, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    let provider = super::provider::provider()?;
    let settings = use_context::<crate::checkout::OrderSettings>().unwrap_or_default();
    Ok(backend::pay::verify(&pool, &provider, &settings, &me, attempt_id, &code).await?)
}

/// Shoppers: a new one-time code for their own payment that waits for its code.
#[server(prefix = "/api", endpoint = "resend_verification_code")]
pub async fn resend_verification_code(attempt_id: i64) -> Result<PayResult, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    let provider = super::provider::provider()?;
    let settings = use_context::<crate::checkout::OrderSettings>().unwrap_or_default();
    Ok(backend::pay::resend_code(&pool, &provider, &settings, &me, attempt_id).await?)
}

/// Shoppers: stop their own payment that waits for its code, to pay with another method.
#[server(prefix = "/api", endpoint = "abandon_payment")]
pub async fn abandon_payment(attempt_id: i64) -> Result<PayResult, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    let provider = super::provider::provider()?;
    let settings = use_context::<crate::checkout::OrderSettings>().unwrap_or_default();
    Ok(backend::pay::abandon(&pool, &provider, &settings, &me, attempt_id).await?)
}

/// The attempt the page shows: the stored one, unless this page has just started a newer one
/// (the answer of its own action, not yet read back). For the same attempt the stored one is
/// the newer news (a slow charge declined by a callback) and only the sandbox's code, which is
/// never stored, comes from the action's answer.
fn shown_attempt(answered: Option<PayResult>, stored: Option<PayResult>) -> Option<PayResult> {
    match (answered, stored) {
        (Some(answered), Some(stored)) if answered.attempt_id == stored.attempt_id => {
            Some(PayResult { sandbox_code: answered.sandbox_code, ..stored })
        }
        (Some(answered), Some(stored)) if answered.attempt_id < stored.attempt_id => Some(stored),
        (answered, stored) => answered.or(stored),
    }
}

/// Where the focus goes once an action of this page has its answer and the page is drawn
/// again (drawing it again replaces the button that had the focus).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Focus {
    /// The status message: the payment went through, or is processing.
    Status,
    /// The verification code: a code is awaited (a new one, or the one just refused).
    Code,
    /// "Pay with": the attempt failed or was stopped; the reason is announced as an alert.
    Methods,
    /// "Send a new code" again, once its refusal is announced (the button, disabled while it
    /// waited for the answer, had lost the focus).
    Resend,
}

impl Focus {
    fn after(status: AttemptStatus) -> Focus {
        match status {
            AttemptStatus::Succeeded | AttemptStatus::Processing => Focus::Status,
            AttemptStatus::RequiresVerification => Focus::Code,
            AttemptStatus::Failed => Focus::Methods,
        }
    }
}

/// Moves the focus to `target` when it is the wanted one, after the page has drawn it.
fn focus_when(wanted: RwSignal<Option<Focus>>, target: Focus, element: impl Fn() -> Option<leptos::web_sys::HtmlElement> + 'static) {
    Effect::new(move |_| {
        if wanted.get() == Some(target)
            && let Some(element) = element()
        {
            set_timeout(
                move || {
                    let _ = element.focus();
                },
                std::time::Duration::ZERO,
            );
        }
    });
}

#[component]
pub fn PayPage() -> impl IntoView {
    let params = use_params_map();
    let pay = ServerAction::<PayOrder>::new();
    let verify = ServerAction::<VerifyPayment>::new();
    let abandon = ServerAction::<AbandonPayment>::new();
    let resend = ServerAction::<ResendVerificationCode>::new();
    // The latest answer of any of this page's actions, and where the focus goes after it.
    let answered = RwSignal::new(None::<PayResult>);
    let focus = RwSignal::new(None::<Focus>);
    // A new code changes the stored attempt (time limit, tries) and the page reads it back; a
    // refused one changes nothing, so the page is not drawn again for it.
    let resent = RwSignal::new(0u32);
    for value in [pay.value(), verify.value(), abandon.value(), resend.value()] {
        Effect::new(move |_| {
            if let Some(Ok(result)) = value.get() {
                focus.set(Some(Focus::after(result.status)));
                answered.set(Some(result));
            }
        });
    }
    let resend_value = resend.value();
    Effect::new(move |_| {
        if resend_value.with(|v| matches!(v, Some(Ok(_)))) {
            resent.update(|n| *n += 1);
        }
    });
    let verify_value = verify.value();
    Effect::new(move |_| {
        if verify_value.with(|v| matches!(v, Some(Err(_)))) {
            focus.set(Some(Focus::Code));
        }
    });
    Effect::new(move |_| {
        if resend_value.with(|v| matches!(v, Some(Err(_)))) {
            focus.set(Some(Focus::Resend));
        }
    });
    let status_ref = NodeRef::<leptos::html::P>::new();
    let code_ref = NodeRef::<leptos::html::Input>::new();
    let methods_ref = NodeRef::<leptos::html::H2>::new();
    let resend_ref = NodeRef::<leptos::html::Button>::new();
    focus_when(focus, Focus::Status, move || status_ref.get().map(Into::into));
    focus_when(focus, Focus::Code, move || code_ref.get().map(Into::into));
    focus_when(focus, Focus::Methods, move || methods_ref.get().map(Into::into));
    focus_when(focus, Focus::Resend, move || resend_ref.get().map(Into::into));
    // The page follows its order's live events; it polls a processing payment only while the
    // live channel is down, so it still turns paid (or declined) by itself.
    let tick = RwSignal::new(0u32);
    let live_open = crate::live::Live::open_now();
    let changed = crate::live::Live::order(move || params.with_untracked(|p| p.get("number")));
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("number")),
                (pay.version().get(), verify.version().get(), abandon.version().get(), resent.get()),
                tick.get(),
                changed.get(),
            )
        },
        |(number, _, _, _)| async move {
            match number {
                Some(n) => pay_page_data(n).await,
                None => Err(AppError::NotFound("The order".into())),
            }
        },
    );
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                let processing = data.get().and_then(Result::ok).is_some_and(|d| {
                    d.order.status == OrderStatus::AwaitingPayment && d.latest.as_ref().is_some_and(|l| l.status == AttemptStatus::Processing)
                });
                if processing && !live_open() {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_millis(1500),
        );
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });
    let pay_value = pay.value();
    let pay_pending = pay.pending();
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, shop.pay_title)/>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.loading)}</p> }>
            {move || Suspend::new(async move {
                let d = data.await?;
                let l = i18n.get_locale_untracked();
                let o = d.order.clone();
                let number = o.number.clone();
                let shown = shown_attempt(answered.get(), d.latest.clone());
                let awaiting = o.status == OrderStatus::AwaitingPayment;
                let back_label = { let n = o.number.clone(); t!(i18n, shop.back_to_order, number = move || n.clone()) };
                let heading = { let n = o.number.clone(); t!(i18n, shop.pay_heading, number = move || n.clone()) };
                Ok::<_, AppError>(view! {
                    <p><A href=format!("/orders/{}", o.number)>{back_label}</A></p>
                    <h1>{heading}</h1>
                    <section class="card" aria-labelledby="paying-for-title">
                        <h2 id="paying-for-title">{t!(i18n, shop.paying_for)}</h2>
                        <p class="pay-shop">{t!(i18n, shop.pay_shop)} <span translate="no"><A href=format!("/shops/{}", d.shop_id)>{o.shop_name.clone()}</A></span></p>
                        <table class="table pay-lines">
                            <thead><tr><th scope="col">{t!(i18n, shop.col_product)}</th><th scope="col">{t!(i18n, shop.col_quantity)}</th><th scope="col">{t!(i18n, shop.col_total)}</th></tr></thead>
                            <tbody>
                                {d.lines.iter().map(|line| view! {
                                    <tr><td class="wrap card-title">{line.title.clone()}</td><td data-label=t_string!(i18n, shop.col_quantity)>{line.quantity}</td><td data-label=t_string!(i18n, shop.col_total)>{crate::words::money(l, line.line_total)}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <p class="total">{t!(i18n, shop.amount_due)} <strong>{crate::words::money(l, o.total)}</strong></p>
                        <p class="status-line">{t!(i18n, shop.status)} <StatusTag status=o.status/></p>
                        {awaiting.then(|| view! { <p>{t!(i18n, shop.pay_within)} <Countdown due=o.payment_due_at/></p> })}
                        <div role="status" aria-live="polite" class="pay-status">
                            {match (o.status, shown.as_ref().map(|s| s.status)) {
                                (OrderStatus::AwaitingPayment, Some(AttemptStatus::Processing)) => view! { <p class="notice-info" tabindex="-1" node_ref=status_ref>{t!(i18n, shop.processing)}</p> }.into_any(),
                                (OrderStatus::AwaitingPayment, Some(AttemptStatus::Failed)) => view! {
                                    <p class="notice" role="alert">{shown.as_ref().and_then(|s| s.reason).map_or_else(|| t_string!(i18n, shop.payment_failed), |r| super::decline_text(l, r))}{t!(i18n, shop.try_another)}</p>
                                }.into_any(),
                                (OrderStatus::AwaitingPayment, _) => ().into_any(),
                                (OrderStatus::Cancelled, _) => view! { <p class="notice">{t!(i18n, shop.order_cancelled)}</p> }.into_any(),
                                _ => view! { <p class="notice-ok" tabindex="-1" node_ref=status_ref>{t!(i18n, shop.payment_received)}</p> }.into_any(),
                            }}
                        </div>
                        // A payment the shopper does not recognise, or a wrong amount: report this attempt.
                        {shown.as_ref().map(|s| view! { <p><crate::ui::ReportProblemLink order=number.clone() attempt=s.attempt_id/></p> })}
                    </section>
                    {(awaiting && shown.as_ref().map(|s| s.status) == Some(AttemptStatus::RequiresVerification)).then(|| {
                        let s = shown.clone().unwrap();
                        view! {
                            <VerifyStep attempt=s verify abandon resend code_ref resend_ref/>
                        }
                    })}
                    {(awaiting && !matches!(shown.as_ref().map(|s| s.status), Some(AttemptStatus::Processing | AttemptStatus::RequiresVerification))).then(|| view! {
                        <section class="card" aria-labelledby="methods-title">
                            <h2 id="methods-title" tabindex="-1" node_ref=methods_ref>{t!(i18n, shop.pay_with)}</h2>
                            {if d.methods.is_empty() {
                                view! { <p>{t!(i18n, shop.no_method)} <A href="/account/payment-methods">{t!(i18n, shop.add_card_or_wallet)}</A></p> }.into_any()
                            } else {
                                view! {
                                    <ActionForm action=pay>
                                        <input type="hidden" name="number" value=number.clone()/>
                                        <input type="hidden" name="idempotency_key" value=d.idempotency_key.clone()/>
                                        <fieldset class="field">
                                            <legend>{t!(i18n, shop.payment_method)}</legend>
                                            {d.methods.iter().enumerate().map(|(i, m)| view! {
                                                <label class="choice"><input type="radio" name="method_id" value=m.id checked=i == 0/>" "{super::method_label(l, &m.summary())}</label>
                                            }).collect_view()}
                                            <p class="field-error" role="alert">{move || field_error(pay_value, "method_id").get()}</p>
                                        </fieldset>
                                        <FormError error=form_error(pay_value)/>
                                        <button type="submit" class="button" disabled=move || pay_pending.get()>
                                            {move || if pay_pending.get() { t!(i18n, shop.paying).into_any() } else { let amount = crate::words::money(l, o.total); t!(i18n, shop.pay_amount, amount = move || amount.clone()).into_any() }}
                                        </button>
                                    </ActionForm>
                                    <p class="muted"><A href="/account/payment-methods">{t!(i18n, shop.add_another_method)}</A></p>
                                }.into_any()
                            }}
                        </section>
                    })}
                })
            })}
        </Transition>
    }
}

/// The verification step of an attempt that waits for its one-time code: which method it
/// verifies, the time and tries left, the code (the sandbox shows it), and the ways out — a
/// new code, or another method. Drawn from the stored attempt too, so after a reload.
#[component]
fn VerifyStep(
    attempt: PayResult,
    verify: ServerAction<VerifyPayment>,
    abandon: ServerAction<AbandonPayment>,
    resend: ServerAction<ResendVerificationCode>,
    code_ref: NodeRef<leptos::html::Input>,
    resend_ref: NodeRef<leptos::html::Button>,
) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let s = attempt;
    let verify_value = verify.value();
    let verify_pending = verify.pending();
    let abandon_value = abandon.value();
    let abandon_pending = abandon.pending();
    let resend_value = resend.value();
    let resend_pending = resend.pending();
    // Said once a new code was sent for this very attempt (not for one stopped since).
    let attempt_id = s.attempt_id;
    let new_code_sent = move || resend_value.with(|v| matches!(v, Some(Ok(r)) if r.attempt_id == attempt_id));
    let code_error = field_error(verify_value, "code");
    view! {
        <section class="card verify-step" aria-labelledby="verify-title">
            <h2 id="verify-title">{t!(i18n, shop.verify_heading)}</h2>
            {s.method.as_ref().map(|m| {
                let label = super::method_label(l, m);
                view! { <p class="verify-method">{t!(i18n, shop.verify_method)} <strong>{label}</strong></p> }
            })}
            <p>{t!(i18n, shop.verify_explain)}</p>
            {s.verification_expires_at.map(|at| view! { <p>{t!(i18n, shop.enter_within)} <Countdown due=at/></p> })}
            {s.tries_left.map(|n| view! { <p class="muted">{if n == 1 { t!(i18n, shop.one_try_left).into_any() } else { t!(i18n, shop.tries_left, count = move || n).into_any() }}</p> })}
            {move || new_code_sent().then(|| view! { <p class="notice-info" id="new-code-note">{t!(i18n, shop.new_code_sent)}</p> })}
            {s.sandbox_code.clone().map(|c| view! { <p class="sandbox-note">{t!(i18n, shop.sandbox_code)} <strong>{c}</strong></p> })}
            <ActionForm action=verify>
                <input type="hidden" name="attempt_id" value=s.attempt_id/>
                <div class="field" class:has-error=move || code_error.with(Option::is_some)>
                    <label for="code">{t!(i18n, shop.verification_code)}</label>
                    <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" node_ref=code_ref
                        aria-describedby="new-code-note code-error"
                        aria-invalid=move || code_error.with(Option::is_some).then_some("true")/>
                    <p class="field-error" id="code-error" role="alert">{move || code_error.get()}</p>
                </div>
                <FormError error=form_error(verify_value)/>
                <button type="submit" class="button" disabled=move || verify_pending.get()>
                    {move || if verify_pending.get() { t_string!(i18n, shop.verifying) } else { t_string!(i18n, shop.verify_and_pay) }}
                </button>
            </ActionForm>
            <div class="verify-actions">
                <ActionForm action=resend>
                    <input type="hidden" name="attempt_id" value=s.attempt_id/>
                    <button type="submit" class="button secondary" node_ref=resend_ref disabled=move || resend_pending.get()>
                        {move || if resend_pending.get() { t_string!(i18n, shop.sending_new_code) } else { t_string!(i18n, shop.send_new_code) }}
                    </button>
                    <FormError error=form_error(resend_value)/>
                </ActionForm>
                <ActionForm action=abandon>
                    <input type="hidden" name="attempt_id" value=s.attempt_id/>
                    <button type="submit" class="button secondary" disabled=move || abandon_pending.get()>
                        {move || if abandon_pending.get() { t_string!(i18n, shop.stopping) } else { t_string!(i18n, shop.use_another_method) }}
                    </button>
                    <FormError error=form_error(abandon_value)/>
                </ActionForm>
            </div>
        </section>
    }
}
