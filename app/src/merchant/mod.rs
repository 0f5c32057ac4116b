//! The merchant side: qualification (submit business details, see the review's outcome,
//! resubmit) and, for staff, the review itself lives in [`crate::staff`].

pub use domain::qualification::{HistoryEntry, Qualification, QueueEntry, ShopSummary};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;
use crate::ui::{Field, FormError, SelectField, field_error, form_error};
use domain::qualification::{BusinessDetailsForm, CATEGORIES, COUNTRIES, QualificationStatus, category_name, country_name};

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
    view! { <span class=format!("badge badge-{}", status.as_str())>{status.label()}</span> }
}

#[component]
pub fn History(entries: Vec<HistoryEntry>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"History"</h2>
            <ol class="history">
                {entries.into_iter().rev().map(|e| view! {
                    <li>
                        <time>{crate::ui::when(e.at)}</time>" — "
                        {format!("{} → {} by {}", e.from.label(), e.to.label(), e.actor_email)}
                        {e.reason.map(|r| view! { <p class="reason">"Reason: "{r}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
pub fn DetailsList(details: BusinessDetailsForm) -> impl IntoView {
    view! {
        <dl class="facts">
            <dt>"Legal name"</dt><dd>{details.legal_name.clone()}</dd>
            <dt>"Registration number"</dt><dd>{details.registration_number.clone()}</dd>
            <dt>"Country"</dt><dd>{country_name(&details.country).to_string()}</dd>
            <dt>"Contact phone"</dt><dd>{details.contact_phone.clone()}</dd>
            <dt>"Category"</dt><dd>{category_name(&details.category).to_string()}</dd>
            <dt>"Shop name"</dt><dd>{details.shop_name.clone()}</dd>
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
    view! {
        <Title text="Qualification"/>
        <h1>"Business qualification"</h1>
        <p class="muted">"The platform reviews your business before your shop opens. You can sell once you are approved."</p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let q = current.await?;
                let status = q.as_ref().map(|q| q.status).unwrap_or(QualificationStatus::Draft);
                let editable = matches!(status, QualificationStatus::Draft | QualificationStatus::Rejected);
                let details = q.as_ref().map(|q| q.details.clone()).unwrap_or_default();
                let history = q.as_ref().map(|q| q.history.clone()).unwrap_or_default();
                let reason = q.as_ref().and_then(|q| q.rejection_reason.clone());
                Ok::<_, AppError>(view! {
                    <section class="card">
                        <p class="status-line">"Status: " <StatusBadge status/></p>
                        {match status {
                            QualificationStatus::Draft => view! { <p>"Fill in your business details and submit them for review."</p> }.into_any(),
                            QualificationStatus::Submitted => view! { <p>"Your details are under review. We will tell you the outcome here."</p> }.into_any(),
                            QualificationStatus::Approved => view! { <p>"Approved — your shop “"{details.shop_name.clone()}"” is open."</p> }.into_any(),
                            QualificationStatus::Rejected => view! {
                                <div class="notice" role="note">
                                    <p><strong>"Your submission was rejected."</strong></p>
                                    <p>"Reason: "{reason.clone()}</p>
                                    <p>"Correct your details below and submit them again."</p>
                                </div>
                            }.into_any(),
                        }}
                    </section>
                    {if editable {
                        view! { <QualificationForm action=submit details=details.clone()/> }.into_any()
                    } else {
                        view! { <section class="card"><h2>"Submitted details"</h2><DetailsList details=details.clone()/></section> }.into_any()
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
    view! {
        <section class="card">
            <h2>"Business details"</h2>
            <ActionForm action=action>
                <Field label="Legal name" name="details[legal_name]" value=details.legal_name maxlength=200 required=true
                    error=field_error(value, "legal_name")/>
                <Field label="Registration number" name="details[registration_number]" value=details.registration_number
                    maxlength=40 required=true error=field_error(value, "registration_number")/>
                <SelectField label="Country" name="details[country]" options=COUNTRIES value=details.country
                    error=field_error(value, "country")/>
                <Field label="Contact phone" name="details[contact_phone]" kind="tel" autocomplete="tel" value=details.contact_phone
                    maxlength=24 required=true error=field_error(value, "contact_phone")/>
                <SelectField label="Business category" name="details[category]" options=CATEGORIES value=details.category
                    error=field_error(value, "category")/>
                <Field label="Shop name" name="details[shop_name]" value=details.shop_name maxlength=60 required=true
                    error=field_error(value, "shop_name")/>
                <FormError error=form_error(value)/>
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { "Submitting…" } else { "Submit for review" }}
                </button>
            </ActionForm>
        </section>
    }
}
