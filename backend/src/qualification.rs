//! A merchant's qualification: its state changes, each one transaction with its history event.

use sqlx::PgPool;

use crate::Error;
use crate::db;
use domain::accounts::{CurrentUser, RequestMeta};
use domain::qualification::{BusinessDetailsForm, Qualification, QualificationStatus, RejectionReason, ReviewEvent};

/// The merchant submits (or resubmits after a rejection) their business details.
pub async fn submit(pool: &PgPool, merchant: &CurrentUser, form: &BusinessDetailsForm, meta: &RequestMeta) -> Result<Qualification, Error> {
    let details = form.parse()?;
    let mut tx = pool.begin().await?;
    let from = db::qualification::lock_status(&mut tx, merchant.id).await?.unwrap_or(QualificationStatus::Draft);
    let to = from.apply(&ReviewEvent::Submit)?;
    db::qualification::save_submission(&mut tx, merchant.id, &details).await?;
    db::qualification::insert_event(&mut tx, merchant.id, merchant.id, from, to, None).await?;
    db::accounts::record_activity(&mut *tx, merchant.id, "qualification_submitted", meta).await?;
    tx.commit().await?;
    tracing::info!(merchant_id = merchant.id, "qualification submitted");
    db::qualification::find(pool, merchant.id).await?.ok_or_else(|| Error::internal("submission vanished"))
}

/// Staff approve or reject a submission. Approval opens the merchant's shop in the same
/// transaction.
pub async fn decide(pool: &PgPool, staff: &CurrentUser, merchant_id: i64, decision: &str, reason: &str) -> Result<Qualification, Error> {
    let event = match decision {
        "approve" => ReviewEvent::Approve,
        "reject" => ReviewEvent::Reject(RejectionReason::parse(reason)?),
        _ => return Err(Error::BadRequest("decision must be approve or reject".into())),
    };
    let mut tx = pool.begin().await?;
    let from = db::qualification::lock_status(&mut tx, merchant_id).await?.ok_or_else(|| Error::NotFound("The submission".into()))?;
    let to = from.apply(&event)?;
    let reason = match &event {
        ReviewEvent::Reject(r) => Some(r.as_str()),
        _ => None,
    };
    db::qualification::set_status(&mut tx, merchant_id, to, reason).await?;
    db::qualification::insert_event(&mut tx, merchant_id, staff.id, from, to, reason).await?;
    if to == QualificationStatus::Approved {
        let (shop_name, country): (String, String) = sqlx::query_as("SELECT shop_name, country FROM merchant_qualifications WHERE merchant_id = $1")
            .bind(merchant_id)
            .fetch_one(&mut *tx)
            .await?;
        let currency = domain::money::Currency::for_country(&country);
        db::qualification::open_shop(&mut tx, merchant_id, &shop_name, currency.code()).await?;
    }
    tx.commit().await?;
    tracing::info!(merchant_id, staff_id = staff.id, decision, "qualification decided");
    db::qualification::find(pool, merchant_id).await?.ok_or_else(|| Error::internal("submission vanished"))
}
