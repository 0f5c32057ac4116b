//! Payment methods: binding credit cards, debit cards and wallet accounts through the payment
//! provider, choosing a default, removing one. The provider interface and the sandbox provider
//! live in `backend::provider` (server only); instrument checks in `domain::payments::instrument`.

pub use domain::payments::{CardForm, MethodKind, PayResult, PaymentMethod};
mod pay_page;
#[cfg(feature = "ssr")]
pub mod provider;

pub use pay_page::{
    AbandonPayment, PayOrder, PayPage, PayPageInfo, ResendVerificationCode, VerifyPayment, abandon_payment, pay_order, pay_page_data,
    resend_verification_code, verify_payment,
};

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::ui::{ConfirmButton, Field, FormError, SelectField, confirmation_asked, field_error, fill, form_error};
use crate::words::wallets;
pub use crate::words::{decline_text, method_label};

// ---- Server functions -------------------------------------------------------------------

/// Shoppers: their own bound methods, default first.
#[server(prefix = "/api", endpoint = "my_payment_methods")]
pub async fn my_payment_methods() -> Result<Vec<PaymentMethod>, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    Ok(crate::db::payment_methods::list(&pool, me.id).await?)
}

/// Shoppers: bind a credit or debit card.
#[server(prefix = "/api", endpoint = "bind_card")]
pub async fn bind_card(card: CardForm) -> Result<PaymentMethod, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    Ok(backend::payment_methods::bind_card(&pool, &provider::provider()?, &me, card, &session::request_meta()).await?)
}

/// Shoppers: bind a wallet account.
#[server(prefix = "/api", endpoint = "bind_wallet")]
pub async fn bind_wallet(wallet: String, account: String) -> Result<PaymentMethod, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    Ok(backend::payment_methods::bind_wallet(&pool, &provider::provider()?, &me, &wallet, &account, &session::request_meta()).await?)
}

/// Shoppers: make one of their own methods the default.
#[server(prefix = "/api", endpoint = "set_default_method")]
pub async fn set_default_method(id: i64) -> Result<(), AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    Ok(backend::payment_methods::set_default(&pool, &me, id, &session::request_meta()).await?)
}

/// Shoppers: remove one of their own methods, once confirmed (`confirm=yes`, see
/// `ui::ConfirmButton`).
#[server(prefix = "/api", endpoint = "remove_method")]
pub async fn remove_method(id: i64, #[server(default)] confirm: String) -> Result<(), AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    crate::ui::confirmed(&confirm, id.to_string())?;
    Ok(backend::payment_methods::remove(&pool, &me, id, &session::request_meta()).await?)
}

// ---- Page -------------------------------------------------------------------------------

#[component]
pub fn PaymentMethodsPage() -> impl IntoView {
    let bind_card = ServerAction::<BindCard>::new();
    let bind_wallet = ServerAction::<BindWallet>::new();
    let make_default = ServerAction::<SetDefaultMethod>::new();
    let remove = ServerAction::<RemoveMethod>::new();
    let changes = move || {
        (
            bind_card.value().with(|v| matches!(v, Some(Ok(_)))).then(|| bind_card.version().get()),
            bind_wallet.value().with(|v| matches!(v, Some(Ok(_)))).then(|| bind_wallet.version().get()),
            make_default.version().get(),
            remove.version().get(),
        )
    };
    let methods = Resource::new(changes, |_| my_payment_methods());
    // A card once saved leaves nothing of itself in the page: the form is emptied.
    let card_form = NodeRef::<leptos::html::Form>::new();
    let l = crate::i18n::use_i18n().get_locale_untracked();
    let card_value = bind_card.value();
    let wallet_value = bind_wallet.value();
    let card_pending = bind_card.pending();
    let wallet_pending = bind_wallet.pending();
    let list_error = Signal::derive(move || {
        remove
            .value()
            .with(|v| v.as_ref().and_then(|r| r.as_ref().err()).filter(|e| e.message_for("confirm").is_none()).map(|e| e.text(l)))
            .or_else(|| make_default.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err()).map(|e| e.text(l))))
    });
    // In the browser too, for comfort: the brand as it is typed, and a checksum message on blur.
    let typed_number = RwSignal::new(String::new());
    Effect::new(move |_| {
        if bind_card.value().with(|v| matches!(v, Some(Ok(_)))) {
            if let Some(form) = card_form.get() {
                form.reset();
            }
            typed_number.set(String::new());
        }
    });
    let number_input = NodeRef::<leptos::html::Input>::new();
    crate::ui::focus_first_invalid_on_error(number_input, field_error(card_value, "number"));
    let number_hint = move || {
        let n = typed_number.get();
        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
        match domain::payments::instrument::CardNumber::parse(&n) {
            Ok(card) => Some(fill(td_string!(l, shop.pm_brand_card), &[("brand", card.brand().label().to_string())])),
            Err(m) if digits.len() >= 12 => Some(m.to_string()),
            Err(_) => None,
        }
    };
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, shop.pm_title)/>
        <h1>{t!(i18n, shop.pm_title)}</h1>
        <section class="card" aria-labelledby="methods-title">
            <h2 id="methods-title">{t!(i18n, shop.pm_yours)}</h2>
            <FormError error=list_error/>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.loading)}</p> }>
                {move || Suspend::new(async move {
                    let list = methods.await?;
                    Ok::<_, AppError>(if list.is_empty() {
                        view! { <p class="muted">{t!(i18n, shop.pm_none)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="methods">
                                {list.into_iter().map(|m| {
                                    let label = method_label(l, &m.summary());
                                    let default_label = fill(td_string!(l, shop.pm_make_default), &[("method", label.clone())]);
                                    let remove_label = fill(td_string!(l, shop.pm_remove), &[("method", label.clone())]);
                                    let remove_question = fill(td_string!(l, shop.pm_confirm_remove_question), &[("method", label.clone())]);
                                    let expiry = m
                                        .exp_month
                                        .zip(m.exp_year)
                                        .map(|(mm, yy)| fill(td_string!(l, shop.pm_expires), &[("expiry", format!("{:02}/{:02}", mm, yy % 100))]));
                                    view! {
                                        <li class="method">
                                            <span class="method-label">{label}</span>
                                            {m.holder_name.clone().map(|h| view! { <span class="muted">{h}</span> })}
                                            {expiry.map(|e| view! { <span class="muted">{e}</span> })}
                                            {if m.is_default {
                                                view! { <span class="badge badge-approved">{t!(i18n, shop.pm_default)}</span> }.into_any()
                                            } else {
                                                view! {
                                                    <ActionForm action=make_default>
                                                        <input type="hidden" name="id" value=m.id/>
                                                        <button type="submit" class="link-button">{default_label}</button>
                                                    </ActionForm>
                                                }.into_any()
                                            }}
                                            <ActionForm action=remove>
                                                <input type="hidden" name="id" value=m.id/>
                                                <ConfirmButton
                                                    label=remove_label
                                                    subject=m.id.to_string()
                                                    question=remove_question
                                                    consequence=td_string!(l, shop.pm_confirm_remove_consequence)
                                                    keep=td_string!(l, shop.pm_confirm_remove_keep)
                                                    asked=confirmation_asked(remove.value(), m.id.to_string())
                                                    class="link-button"
                                                />
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    })
                })}
            </Transition>
        </section>
        <section class="card" aria-labelledby="card-title">
            <h2 id="card-title">{t!(i18n, shop.pm_add_card)}</h2>
            <ActionForm action=bind_card node_ref=card_form>
                <fieldset class="field">
                    <legend>{t!(i18n, shop.pm_card_type)}</legend>
                    <label class="choice"><input type="radio" name="card[kind]" value="credit_card" checked=true/>" "{t!(i18n, shop.pm_credit_card)}</label>
                    <label class="choice"><input type="radio" name="card[kind]" value="debit_card"/>" "{t!(i18n, shop.pm_debit_card)}</label>
                </fieldset>
                <div class="field" class:has-error=move || field_error(card_value, "number").with(Option::is_some)>
                    <label for="card-number">{t!(i18n, shop.pm_card_number)}</label>
                    <input id="card-number" name="card[number]" inputmode="numeric" autocomplete="cc-number" maxlength="23"
                        node_ref=number_input
                        aria-invalid=move || field_error(card_value, "number").with(Option::is_some).then_some("true")
                        aria-describedby="card-number-hint card-number-error"
                        on:change=move |ev| typed_number.set(event_target_value(&ev))/>
                    <p class="hint" id="card-number-hint">{number_hint}</p>
                    <p class="field-error" id="card-number-error">{move || field_error(card_value, "number").get()}</p>
                </div>
                <Field label=t_string!(i18n, shop.pm_expiry) name="card[expiry]" autocomplete="cc-exp" maxlength=7 error=field_error(card_value, "expiry")/>
                <Field label=t_string!(i18n, shop.pm_cvc) name="card[cvc]" autocomplete="cc-csc" maxlength=4 hint=t_string!(i18n, shop.pm_cvc_hint) error=field_error(card_value, "cvc")/>
                <Field label=t_string!(i18n, shop.pm_holder) name="card[holder]" autocomplete="cc-name" maxlength=100 error=field_error(card_value, "holder")/>
                <FormError error=form_error(card_value)/>
                <button type="submit" class="button" disabled=move || card_pending.get()>
                    {move || if card_pending.get() { t_string!(i18n, shop.pm_adding_card) } else { t_string!(i18n, shop.pm_add_card_button) }}
                </button>
            </ActionForm>
        </section>
        <section class="card" aria-labelledby="wallet-title">
            <h2 id="wallet-title">{t!(i18n, shop.pm_add_wallet)}</h2>
            <ActionForm action=bind_wallet>
                <SelectField label=t_string!(i18n, shop.pm_wallet) name="wallet" options=wallets(l) error=field_error(wallet_value, "wallet")/>
                <Field label=t_string!(i18n, shop.pm_wallet_account) name="account" autocomplete="username" maxlength=254 hint=t_string!(i18n, shop.pm_wallet_hint) error=field_error(wallet_value, "account")/>
                <FormError error=form_error(wallet_value)/>
                <button type="submit" class="button" disabled=move || wallet_pending.get()>
                    {move || if wallet_pending.get() { t_string!(i18n, shop.pm_adding_wallet) } else { t_string!(i18n, shop.pm_add_wallet_button) }}
                </button>
            </ActionForm>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use domain::payments::instrument::{CardBrand, WalletKind};
    use domain::payments::{DeclineReason, MethodKind, MethodSummary};

    #[test]
    fn methods_are_named_in_the_readers_language() {
        let card = MethodSummary {
            kind: MethodKind::CreditCard,
            brand: Some(CardBrand::Visa),
            last4: Some("4242".into()),
            wallet: None,
            wallet_display: None,
        };
        assert_eq!(method_label(Locale::en, &card), "Visa credit card •••• 4242");
        assert_eq!(method_label(Locale::zh_CN, &card), "Visa 信用卡 •••• 4242");
        let debit = MethodSummary { kind: MethodKind::DebitCard, ..card };
        assert_eq!(method_label(Locale::zh_CN, &debit), "Visa 借记卡 •••• 4242");
        let wallet = MethodSummary {
            kind: MethodKind::Wallet,
            brand: None,
            last4: None,
            wallet: Some(WalletKind::Alipay),
            wallet_display: Some("a***@example.com".into()),
        };
        assert_eq!(method_label(Locale::en, &wallet), "Alipay a***@example.com");
        assert_eq!(method_label(Locale::zh_CN, &wallet), "支付宝 a***@example.com");
    }

    #[test]
    fn every_decline_reason_is_worded_in_both_languages() {
        for reason in DeclineReason::ALL {
            assert!(!decline_text(Locale::en, reason).is_empty());
            assert_ne!(decline_text(Locale::en, reason), decline_text(Locale::zh_CN, reason), "{reason:?}");
        }
    }
}
