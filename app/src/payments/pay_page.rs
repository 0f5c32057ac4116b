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

/// Shoppers: the pay page of one of their own orders.
#[server(prefix = "/api", endpoint = "pay_page_data")]
pub async fn pay_page_data(number: String) -> Result<PayPageInfo, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    let order = crate::db::orders::shopper_order(&pool, me.id, &number).await?.ok_or_else(|| AppError::NotFound("The order".into()))?;
    let methods = crate::db::payment_methods::list(&pool, me.id).await?;
    let mut conn = pool.acquire().await?;
    let order_id = crate::db::payments::shopper_order_id(&mut conn, me.id, &number).await?.ok_or_else(|| AppError::NotFound("The order".into()))?;
    drop(conn);
    let latest = crate::db::payments::latest_attempt(&pool, order_id).await?.map(|a| backend::pay::result_of(&a));
    Ok(PayPageInfo { order: order.summary, methods, latest, idempotency_key: uuid::Uuid::new_v4().to_string() })
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

#[component]
pub fn PayPage() -> impl IntoView {
    let params = use_params_map();
    let pay = ServerAction::<PayOrder>::new();
    let verify = ServerAction::<VerifyPayment>::new();
    let abandon = ServerAction::<AbandonPayment>::new();
    // The page follows its order's live events; it polls a processing payment only while the
    // live channel is down, so it still turns paid (or declined) by itself.
    let tick = RwSignal::new(0u32);
    let live_open = crate::live::Live::open_now();
    let changed = crate::live::Live::order(move || params.with_untracked(|p| p.get("number")));
    let data = Resource::new(
        move || (params.with(|p| p.get("number")), pay.version().get(), verify.version().get(), abandon.version().get(), tick.get(), changed.get()),
        |(number, _, _, _, _, _)| async move {
            match number {
                Some(n) => pay_page_data(n).await,
                None => Err(AppError::NotFound("The order".into())),
            }
        },
    );
    let latest = move || {
        abandon
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| verify.value().get().and_then(Result::ok))
            .or_else(|| pay.value().get().and_then(Result::ok))
    };
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
    let verify_value = verify.value();
    let pay_pending = pay.pending();
    let verify_pending = verify.pending();
    let abandon_value = abandon.value();
    let abandon_pending = abandon.pending();
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, shop.pay_title)/>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.loading)}</p> }>
            {move || Suspend::new(async move {
                let d = data.await?;
                let o = d.order.clone();
                let number = o.number.clone();
                let stored = d.latest.clone();
                let shown = shown_attempt(latest(), stored);
                let awaiting = o.status == OrderStatus::AwaitingPayment;
                let back_label = { let n = o.number.clone(); t!(i18n, shop.back_to_order, number = move || n.clone()) };
                let heading = { let n = o.number.clone(); t!(i18n, shop.pay_heading, number = move || n.clone()) };
                Ok::<_, AppError>(view! {
                    <p><A href=format!("/orders/{}", o.number)>{back_label}</A></p>
                    <h1>{heading}</h1>
                    <section class="card">
                        <p class="status-line">{t!(i18n, shop.status)} <StatusTag status=o.status/></p>
                        <p class="total">{t!(i18n, shop.amount_due)} <strong>{crate::words::money(i18n.get_locale_untracked(), o.total)}</strong></p>
                        {awaiting.then(|| view! { <p>{t!(i18n, shop.pay_within)} <Countdown due=o.payment_due_at/></p> })}
                        <div role="status" aria-live="polite" class="pay-status">
                            {match (o.status, shown.as_ref().map(|s| s.status)) {
                                (OrderStatus::AwaitingPayment, Some(AttemptStatus::Processing)) => view! { <p class="notice-info">{t!(i18n, shop.processing)}</p> }.into_any(),
                                (OrderStatus::AwaitingPayment, Some(AttemptStatus::Failed)) => view! {
                                    <p class="notice" role="alert">{shown.as_ref().and_then(|s| s.reason).map_or_else(|| t_string!(i18n, shop.payment_failed), |r| super::decline_text(i18n.get_locale_untracked(), r))}{t!(i18n, shop.try_another)}</p>
                                }.into_any(),
                                (OrderStatus::AwaitingPayment, _) => ().into_any(),
                                (OrderStatus::Cancelled, _) => view! { <p class="notice">{t!(i18n, shop.order_cancelled)}</p> }.into_any(),
                                _ => view! { <p class="notice-ok">{t!(i18n, shop.payment_received)}</p> }.into_any(),
                            }}
                        </div>
                        // A payment the shopper does not recognise, or a wrong amount: report this attempt.
                        {shown.as_ref().map(|s| view! { <p><crate::ui::ReportProblemLink order=number.clone() attempt=s.attempt_id/></p> })}
                    </section>
                    {(awaiting && shown.as_ref().map(|s| s.status) == Some(AttemptStatus::RequiresVerification)).then(|| {
                        let s = shown.clone().unwrap();
                        view! {
                            <section class="card" aria-labelledby="verify-title">
                                <h2 id="verify-title">{t!(i18n, shop.verify_heading)}</h2>
                                <p>{t!(i18n, shop.verify_explain)}</p>
                                {s.verification_expires_at.map(|at| view! { <p>{t!(i18n, shop.enter_within)} <Countdown due=at/></p> })}
                                {s.tries_left.map(|n| view! { <p class="muted">{if n == 1 { t!(i18n, shop.one_try_left).into_any() } else { t!(i18n, shop.tries_left, count = move || n).into_any() }}</p> })}
                                {s.sandbox_code.clone().map(|c| view! { <p class="sandbox-note">{t!(i18n, shop.sandbox_code)} <strong>{c}</strong></p> })}
                                <ActionForm action=verify>
                                    <input type="hidden" name="attempt_id" value=s.attempt_id/>
                                    <div class="field">
                                        <label for="code">{t!(i18n, shop.verification_code)}</label>
                                        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" aria-describedby="code-error"
                                            aria-invalid=move || field_error(verify_value, "code").with(Option::is_some).then_some("true")/>
                                        <p class="field-error" id="code-error" role="alert">{move || field_error(verify_value, "code").get()}</p>
                                    </div>
                                    <FormError error=form_error(verify_value)/>
                                    <button type="submit" class="button" disabled=move || verify_pending.get()>
                                        {move || if verify_pending.get() { t_string!(i18n, shop.verifying) } else { t_string!(i18n, shop.verify_and_pay) }}
                                    </button>
                                </ActionForm>
                                <ActionForm action=abandon>
                                    <input type="hidden" name="attempt_id" value=s.attempt_id/>
                                    <FormError error=form_error(abandon_value)/>
                                    <button type="submit" class="button secondary" disabled=move || abandon_pending.get()>
                                        {move || if abandon_pending.get() { t_string!(i18n, shop.stopping) } else { t_string!(i18n, shop.use_another_method) }}
                                    </button>
                                </ActionForm>
                            </section>
                        }
                    })}
                    {(awaiting && !matches!(shown.as_ref().map(|s| s.status), Some(AttemptStatus::Processing | AttemptStatus::RequiresVerification))).then(|| view! {
                        <section class="card" aria-labelledby="methods-title">
                            <h2 id="methods-title">{t!(i18n, shop.pay_with)}</h2>
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
                                                <label class="choice"><input type="radio" name="method_id" value=m.id checked=i == 0/>" "{super::method_label(i18n.get_locale_untracked(), &m.summary())}</label>
                                            }).collect_view()}
                                            <p class="field-error">{move || field_error(pay_value, "method_id").get()}</p>
                                        </fieldset>
                                        <FormError error=form_error(pay_value)/>
                                        <button type="submit" class="button" disabled=move || pay_pending.get()>
                                            {move || if pay_pending.get() { t!(i18n, shop.paying).into_any() } else { let amount = crate::words::money(i18n.get_locale_untracked(), o.total); t!(i18n, shop.pay_amount, amount = move || amount.clone()).into_any() }}
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
