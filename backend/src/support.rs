//! Support tickets: filed by users, answered and acted on by staff.

use sqlx::PgPool;

use crate::Error;
use crate::db;
use domain::accounts::{CurrentUser, Role};
use domain::support::{TicketCategory, TicketStatus, message_text};

/// Files a ticket for `user`, about one of their orders (and one of its attempts) if given.
pub async fn report(
    pool: &PgPool,
    user: &CurrentUser,
    category: &str,
    description: &str,
    order_number: &str,
    attempt_id: Option<i64>,
) -> Result<i64, Error> {
    let mut errors = Vec::new();
    let category = TicketCategory::parse(category);
    if category.is_none() {
        errors.push(domain::FieldError::new("category", domain::Message::ChooseProblemKind));
    }
    let text = message_text(description, "description").map_err(|e| {
        if let domain::Refusal::Invalid(mut v) = e {
            errors.append(&mut v);
        }
    });
    let (Some(category), Ok(text)) = (category, text) else {
        return Err(Error::Validation(errors));
    };
    let mut tx = pool.begin().await?;
    let number = order_number.trim();
    let order_id = if number.is_empty() {
        None
    } else {
        Some(db::support::order_of_user(&mut tx, user.id, number).await?.ok_or_else(|| Error::NotFound("The order".into()))?)
    };
    if let Some(attempt) = attempt_id {
        let ok = match order_id {
            Some(order) => db::support::attempt_of_order(&mut tx, order, attempt).await?,
            None => false,
        };
        if !ok {
            return Err(Error::NotFound("The payment".into()));
        }
    }
    let id = db::support::insert_ticket(&mut tx, user.id, category, order_id, attempt_id).await?;
    db::support::insert_message(&mut tx, id, user.id, false, &text).await?;
    tx.commit().await?;
    tracing::info!(ticket = id, category = category.as_str(), "ticket filed");
    Ok(id)
}

/// A reply on a ticket, by its user or by staff.
pub async fn reply(pool: &PgPool, user: &CurrentUser, ticket_id: i64, body: &str) -> Result<(), Error> {
    let text = message_text(body, "body")?;
    let staff = user.role == Role::Staff;
    let mut tx = pool.begin().await?;
    let (owner, status) = db::support::lock_ticket(&mut tx, ticket_id).await?.ok_or_else(|| Error::NotFound("The ticket".into()))?;
    if !staff && owner != user.id {
        return Err(Error::NotFound("The ticket".into()));
    }
    let next = status.after_message(staff)?;
    db::support::insert_message(&mut tx, ticket_id, user.id, staff, &text).await?;
    db::support::set_status(&mut tx, ticket_id, next, !staff).await?;
    if staff {
        db::support::insert_action(&mut tx, ticket_id, user.id, "replied").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Staff: close a ticket, or freeze / unfreeze the account of its user.
pub async fn staff_act(pool: &PgPool, staff: &CurrentUser, ticket_id: i64, action: &str) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    let (owner, status) = db::support::lock_ticket(&mut tx, ticket_id).await?.ok_or_else(|| Error::NotFound("The ticket".into()))?;
    match action {
        "close" => {
            if status == TicketStatus::Closed {
                return Err(Error::Conflict(domain::Message::TicketAlreadyClosed));
            }
            db::support::set_status(&mut tx, ticket_id, TicketStatus::Closed, false).await?;
            db::support::insert_action(&mut tx, ticket_id, staff.id, "closed").await?;
        }
        "freeze" | "unfreeze" => {
            let freeze = action == "freeze";
            if !db::accounts::set_frozen(&mut tx, owner, freeze).await? {
                return Err(Error::Conflict(if freeze { domain::Message::AccountAlreadyFrozen } else { domain::Message::AccountNotFrozen }));
            }
            db::support::insert_action(&mut tx, ticket_id, staff.id, if freeze { "froze_account" } else { "unfroze_account" }).await?;
        }
        _ => return Err(Error::BadRequest("unknown action".into())),
    }
    tx.commit().await?;
    tracing::info!(ticket = ticket_id, staff_id = staff.id, action, "staff acted on a ticket");
    Ok(())
}
