//! The merchant side: qualification (submit business details, see the review's outcome,
//! resubmit) and, for staff, the review itself lives in [`crate::staff`].

pub use domain::qualification::{HistoryEntry, Qualification, QueueEntry, ShopSummary};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;
use crate::i18n::{Locale, t, t_string, td_string, use_i18n};
use crate::ui::{Field, FormError, SelectField, field_error, fill, form_error};
use domain::qualification::{BusinessDetailsForm, CATEGORIES, QualificationStatus};

// ---- Server functions -------------------------------------------------------------------

/// Merchants: their own qualification (`None` before the first submission).
#[server(prefix = "/api", endpoint = "my_qualification")]
pub async fn my_qualification() -> Result<Option<Qualification>, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Merchant).await?;
    Ok(crate::db::qualification::find(&pool, me.id).await?)
}

/// Merchants: submit or resubmit their own business details.
#[server(prefix = "/api", endpoint = "submit_qualification")]
pub async fn submit_qualification(details: BusinessDetailsForm) -> Result<Qualification, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Merchant).await?;
    Ok(backend::qualification::submit(&pool, &me, &details, &session::request_meta()).await?)
}

/// Anyone: the shops that are open (their merchants approved).
#[server(prefix = "/api", endpoint = "open_shops")]
pub async fn open_shops() -> Result<Vec<ShopSummary>, AppError> {
    let pool = crate::db::pool()?;
    Ok(crate::db::qualification::open_shops(&pool, 50).await?)
}

// ---- Pages ------------------------------------------------------------------------------

#[component]
pub fn StatusBadge(status: QualificationStatus) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    view! { <span class=format!("badge badge-{}", status.as_str())>{qualification_status_text(l, status)}</span> }
}

#[component]
pub fn History(entries: Vec<HistoryEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <section class="card">
            <h2>{t!(i18n, merchant.q_history)}</h2>
            <ol class="history">
                {entries.into_iter().rev().map(|e| view! {
                    <li>
                        <time>{crate::ui::when(e.at)}</time>" — "
                        {fill(td_string!(l, merchant.q_history_line), &[
                            ("from", qualification_status_text(l, e.from).to_string()),
                            ("to", qualification_status_text(l, e.to).to_string()),
                            ("who", e.actor_email.clone()),
                        ])}
                        {e.reason.map(|r| view! { <p class="reason">{t!(i18n, merchant.q_reason)}{r}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
pub fn DetailsList(details: BusinessDetailsForm) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <dl class="facts">
            <dt>{t!(i18n, merchant.q_legal_name)}</dt><dd>{details.legal_name.clone()}</dd>
            <dt>{t!(i18n, merchant.q_registration)}</dt><dd>{details.registration_number.clone()}</dd>
            <dt>{t!(i18n, merchant.q_country)}</dt><dd>{crate::ui::country_name(l, &details.country)}</dd>
            <dt>{t!(i18n, merchant.q_phone)}</dt><dd>{details.contact_phone.clone()}</dd>
            <dt>{t!(i18n, merchant.q_category_short)}</dt><dd>{category_text(l, &details.category)}</dd>
            <dt>{t!(i18n, merchant.q_shop_name)}</dt><dd>{details.shop_name.clone()}</dd>
        </dl>
    }
}

#[component]
pub fn QualificationPage() -> impl IntoView {
    let submit = ServerAction::<SubmitQualification>::new();
    // Read again only after a successful submission: a refused one must leave the form, and
    // what the merchant typed, in place.
    let saved = move || submit.value().with(|v| v.as_ref().and_then(|r| r.as_ref().ok()).map(|q| q.history.len()));
    // And when staff decide, live (only then: the form keeps what is being typed otherwise).
    let decided = crate::live::Live::kind_version("qualification");
    let current = Resource::new(move || (saved(), decided.get()), |_| my_qualification());
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, merchant.q_title)/>
        <h1>{t!(i18n, merchant.q_heading)}</h1>
        <p class="muted">{t!(i18n, merchant.q_intro)}</p>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, merchant.q_loading)}</p> }>
            {move || Suspend::new(async move {
                let q = current.await?;
                let status = q.as_ref().map(|q| q.status).unwrap_or(QualificationStatus::Draft);
                let editable = matches!(status, QualificationStatus::Draft | QualificationStatus::Rejected);
                let details = q.as_ref().map(|q| q.details.clone()).unwrap_or_default();
                let history = q.as_ref().map(|q| q.history.clone()).unwrap_or_default();
                let reason = q.as_ref().and_then(|q| q.rejection_reason.clone());
                Ok::<_, AppError>(view! {
                    <section class="card">
                        <p class="status-line">{t!(i18n, merchant.q_status)}" " <StatusBadge status/></p>
                        {match status {
                            QualificationStatus::Draft => view! { <p>{t!(i18n, merchant.q_draft_note)}</p> }.into_any(),
                            QualificationStatus::Submitted => view! { <p>{t!(i18n, merchant.q_submitted_note)}</p> }.into_any(),
                            QualificationStatus::Approved => {
                                let shop = details.shop_name.clone();
                                view! { <p>{t!(i18n, merchant.q_approved_note, shop = move || shop.clone())}</p> }.into_any()
                            }
                            QualificationStatus::Rejected => view! {
                                <div class="notice" role="note">
                                    <p><strong>{t!(i18n, merchant.q_rejected)}</strong></p>
                                    <p>{t!(i18n, merchant.q_reason)}{reason.clone()}</p>
                                    <p>{t!(i18n, merchant.q_correct_and_resubmit)}</p>
                                </div>
                            }.into_any(),
                        }}
                    </section>
                    {if editable {
                        view! { <QualificationForm action=submit details=details.clone()/> }.into_any()
                    } else {
                        view! { <section class="card"><h2>{t!(i18n, merchant.q_submitted_details)}</h2><DetailsList details=details.clone()/></section> }.into_any()
                    }}
                    {(!history.is_empty()).then(|| view! { <History entries=history/> })}
                })
            })}
        </Transition>
    }
}

#[component]
fn QualificationForm(action: ServerAction<SubmitQualification>, details: BusinessDetailsForm) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <section class="card">
            <h2>{t!(i18n, merchant.q_business_details)}</h2>
            <ActionForm action=action>
                <Field label=t_string!(i18n, merchant.q_legal_name) name="details[legal_name]" value=details.legal_name maxlength=200 required=true
                    error=field_error(value, "legal_name")/>
                <Field label=t_string!(i18n, merchant.q_registration) name="details[registration_number]" value=details.registration_number
                    maxlength=40 required=true error=field_error(value, "registration_number")/>
                <SelectField label=t_string!(i18n, merchant.q_country) name="details[country]" options=crate::ui::countries(l) value=details.country
                    error=field_error(value, "country")/>
                <Field label=t_string!(i18n, merchant.q_phone) name="details[contact_phone]" kind="tel" autocomplete="tel" value=details.contact_phone
                    maxlength=24 required=true error=field_error(value, "contact_phone")/>
                <SelectField label=t_string!(i18n, merchant.q_category) name="details[category]" options=categories(l) value=details.category
                    error=field_error(value, "category")/>
                <Field label=t_string!(i18n, merchant.q_shop_name) name="details[shop_name]" value=details.shop_name maxlength=60 required=true
                    error=field_error(value, "shop_name")/>
                <FormError error=form_error(value)/>
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { t_string!(i18n, merchant.q_submitting) } else { t_string!(i18n, merchant.q_submit) }}
                </button>
            </ActionForm>
        </section>
    }
}

/// A qualification's status in the reader's language.
pub fn qualification_status_text(l: Locale, status: QualificationStatus) -> &'static str {
    match status {
        QualificationStatus::Draft => td_string!(l, merchant.q_status_draft),
        QualificationStatus::Submitted => td_string!(l, merchant.q_status_submitted),
        QualificationStatus::Approved => td_string!(l, merchant.q_status_approved),
        QualificationStatus::Rejected => td_string!(l, merchant.q_status_rejected),
    }
}

/// The business categories, named in the reader's language (the codes are the domain's).
pub fn categories(l: Locale) -> &'static [(&'static str, &'static str)] {
    const ZH: &[(&str, &str)] = &[
        ("fashion", "服饰配件"),
        ("beauty", "美妆个护"),
        ("electronics", "数码家电"),
        ("home", "家居生活"),
        ("food", "食品饮料"),
        ("toys", "母婴玩具"),
        ("sports", "运动户外"),
        ("books", "图书文具"),
        ("other", "其他"),
    ];
    match l {
        Locale::en => CATEGORIES,
        Locale::zh_CN => ZH,
    }
}

fn category_text(l: Locale, code: &str) -> String {
    categories(l).iter().find(|(c, _)| *c == code).map_or_else(|| code.to_string(), |(_, name)| (*name).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_its_name_in_both_languages() {
        let codes = |l| categories(l).iter().map(|(code, _)| *code).collect::<Vec<_>>();
        assert_eq!(codes(Locale::en), codes(Locale::zh_CN));
        assert_eq!(category_text(Locale::zh_CN, "food"), "食品饮料");
        assert_eq!(category_text(Locale::en, "food"), "Food and drinks");
    }
}
