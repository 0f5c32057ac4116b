//! Platform staff: the merchant qualification review queue and decisions.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::error::AppError;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::merchant::{DetailsList, History, Qualification, QueueEntry, StatusBadge};
use crate::ui::{FormError, country_name, field_error, fill, form_error};
use domain::qualification::QualificationStatus;

/// Staff: submissions waiting for review, oldest first.
#[server(prefix = "/api", endpoint = "review_queue")]
pub async fn review_queue() -> Result<Vec<QueueEntry>, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, _) = session::signed_in_as(Role::Staff).await?;
    Ok(crate::db::qualification::queue(&pool, 200).await?)
}

/// Staff: one merchant's submission with its history.
#[server(prefix = "/api", endpoint = "review_detail")]
pub async fn review_detail(merchant_id: i64) -> Result<Qualification, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, _) = session::signed_in_as(Role::Staff).await?;
    crate::db::qualification::find(&pool, merchant_id).await?.ok_or_else(|| AppError::NotFound("The submission".into()))
}

/// Staff: approve, or reject with a reason.
#[server(prefix = "/api", endpoint = "decide_qualification")]
pub async fn decide_qualification(merchant_id: i64, decision: String, #[server(default)] reason: String) -> Result<Qualification, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Staff).await?;
    Ok(backend::qualification::decide(&pool, &me, merchant_id, &decision, &reason).await?)
}

#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let submitted = crate::live::Live::kind_version("qualification");
    let queue = Resource::new(move || submitted.get(), |_| review_queue());
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, staff.r_queue_title)/>
        <h1>{t!(i18n, staff.r_heading)}</h1>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, staff.r_loading_queue)}</p> }>
            {move || Suspend::new(async move {
                let entries = queue.await?;
                Ok::<_, AppError>(if entries.is_empty() {
                    view! { <section class="card"><p>{t!(i18n, staff.r_none_waiting)}</p></section> }.into_any()
                } else {
                    view! {
                        <section class="card">
                            <table class="table">
                                <caption>{fill(td_string!(l, staff.r_caption), &[("n", entries.len().to_string())])}</caption>
                                <thead><tr>
                                    <th scope="col">{t!(i18n, staff.r_col_business)}</th>
                                    <th scope="col">{t!(i18n, staff.r_col_merchant)}</th>
                                    <th scope="col">{t!(i18n, staff.r_col_country)}</th>
                                    <th scope="col">{t!(i18n, staff.r_col_submitted)}</th>
                                </tr></thead>
                                <tbody>
                                    {entries.into_iter().map(|e| view! {
                                        <tr>
                                            <td class="card-title"><A href=format!("/staff/reviews/{}", e.merchant_id)>{e.legal_name.clone()}</A></td>
                                            <td class="wrap" data-label=t_string!(i18n, staff.r_col_merchant)><crate::ui::Email address=e.merchant_email.clone()/></td>
                                            <td data-label=t_string!(i18n, staff.r_col_country)>{country_name(l, &e.country)}</td>
                                            <td data-label=t_string!(i18n, staff.r_col_submitted)>{e.submitted_at.map(crate::ui::when).unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }.into_any()
                })
            })}
        </Transition>
    }
}

#[component]
pub fn ReviewDetailPage() -> impl IntoView {
    let params = use_params_map();
    let merchant_id = move || params.with(|p| p.get("merchant_id").and_then(|id| id.parse::<i64>().ok()));
    let decide = ServerAction::<DecideQualification>::new();
    let detail = Resource::new(
        move || (merchant_id(), decide.value().with(|v| v.as_ref().and_then(|r| r.as_ref().ok()).map(|q| q.history.len()))),
        |(id, _)| async move {
            match id {
                Some(id) => review_detail(id).await,
                None => Err(AppError::NotFound("The submission".into())),
            }
        },
    );
    let value = decide.value();
    let pending = decide.pending();
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, staff.r_review_title)/>
        <p><A href="/staff/reviews">{t!(i18n, staff.r_back)}</A></p>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, staff.r_loading)}</p> }>
            {move || Suspend::new(async move {
                let q = detail.await?;
                let id = q.merchant_id;
                Ok::<_, AppError>(view! {
                    <h1>{q.details.legal_name.clone()}</h1>
                    <section class="card">
                        <p class="status-line">{t!(i18n, staff.r_status)} <StatusBadge status=q.status/></p>
                        <p class="muted">{t!(i18n, staff.r_merchant_account)}{q.merchant_email.clone()}</p>
                        <DetailsList details=q.details.clone()/>
                        {q.rejection_reason.clone().map(|r| view! { <p class="reason">{t!(i18n, staff.r_rejected)}{r}</p> })}
                    </section>
                    {(q.status == QualificationStatus::Submitted).then(|| view! {
                        <section class="card decision">
                            <h2>{t!(i18n, staff.r_decision)}</h2>
                            <ActionForm action=decide>
                                <input type="hidden" name="merchant_id" value=id/>
                                <input type="hidden" name="decision" value="approve"/>
                                <button type="submit" class="button" disabled=move || pending.get()>{t!(i18n, staff.r_approve)}</button>
                            </ActionForm>
                            <ActionForm action=decide>
                                <input type="hidden" name="merchant_id" value=id/>
                                <input type="hidden" name="decision" value="reject"/>
                                <div class="field">
                                    <label for="reason">{t!(i18n, staff.r_reason)}</label>
                                    <textarea id="reason" name="reason" rows="3" maxlength="500"
                                        aria-describedby="reason-error"></textarea>
                                    <p class="field-error" id="reason-error">{move || field_error(value, "reason").get()}</p>
                                </div>
                                <button type="submit" class="button button-danger" disabled=move || pending.get()>{t!(i18n, staff.r_reject)}</button>
                            </ActionForm>
                            <FormError error=form_error(value)/>
                        </section>
                    })}
                    <History entries=q.history.clone()/>
                })
            })}
        </Transition>
    }
}
