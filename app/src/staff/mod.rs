//! Platform staff: the merchant qualification review queue and decisions.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::error::AppError;
use crate::merchant::{DetailsList, History, Qualification, QueueEntry, StatusBadge};
use crate::ui::{FormError, field_error, form_error};
use domain::qualification::{QualificationStatus, country_name};

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
    view! {
        <Title text="Review queue"/>
        <h1>"Merchant reviews"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading the queue…"</p> }>
            {move || Suspend::new(async move {
                let entries = queue.await?;
                Ok::<_, AppError>(if entries.is_empty() {
                    view! { <section class="card"><p>"No submission is waiting for review."</p></section> }.into_any()
                } else {
                    view! {
                        <section class="card">
                            <table class="table">
                                <caption>{format!("{} waiting, oldest first", entries.len())}</caption>
                                <thead><tr><th scope="col">"Business"</th><th scope="col">"Merchant"</th><th scope="col">"Country"</th><th scope="col">"Submitted"</th></tr></thead>
                                <tbody>
                                    {entries.into_iter().map(|e| view! {
                                        <tr>
                                            <td><A href=format!("/staff/reviews/{}", e.merchant_id)>{e.legal_name.clone()}</A></td>
                                            <td class="wrap">{e.merchant_email.clone()}</td>
                                            <td>{country_name(&e.country).to_string()}</td>
                                            <td>{e.submitted_at.map(crate::ui::when).unwrap_or_default()}</td>
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
    view! {
        <Title text="Review"/>
        <p><A href="/staff/reviews">"← Back to the queue"</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let q = detail.await?;
                let id = q.merchant_id;
                Ok::<_, AppError>(view! {
                    <h1>{q.details.legal_name.clone()}</h1>
                    <section class="card">
                        <p class="status-line">"Status: " <StatusBadge status=q.status/></p>
                        <p class="muted">"Merchant account: "{q.merchant_email.clone()}</p>
                        <DetailsList details=q.details.clone()/>
                        {q.rejection_reason.clone().map(|r| view! { <p class="reason">"Rejected: "{r}</p> })}
                    </section>
                    {(q.status == QualificationStatus::Submitted).then(|| view! {
                        <section class="card decision">
                            <h2>"Decision"</h2>
                            <ActionForm action=decide>
                                <input type="hidden" name="merchant_id" value=id/>
                                <input type="hidden" name="decision" value="approve"/>
                                <button type="submit" class="button" disabled=move || pending.get()>"Approve"</button>
                            </ActionForm>
                            <ActionForm action=decide>
                                <input type="hidden" name="merchant_id" value=id/>
                                <input type="hidden" name="decision" value="reject"/>
                                <div class="field">
                                    <label for="reason">"Reason for rejection"</label>
                                    <textarea id="reason" name="reason" rows="3" maxlength="500"
                                        aria-describedby="reason-error"></textarea>
                                    <p class="field-error" id="reason-error">{move || field_error(value, "reason").get()}</p>
                                </div>
                                <button type="submit" class="button button-danger" disabled=move || pending.get()>"Reject"</button>
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
