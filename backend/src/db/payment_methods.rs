//! SQL for bound payment methods.

use sqlx::{PgConnection, PgPool};

use domain::payments::{MethodKind, PaymentMethod};

pub(crate) type Row =
    (i64, MethodKind, Option<String>, Option<String>, Option<i16>, Option<i16>, Option<String>, Option<String>, Option<String>, bool);

/// A bound method as stored (for queries that read it beside other rows).
#[derive(sqlx::FromRow)]
pub(crate) struct MethodRow {
    method_id: i64,
    kind: MethodKind,
    brand: Option<String>,
    last4: Option<String>,
    exp_month: Option<i16>,
    exp_year: Option<i16>,
    holder_name: Option<String>,
    wallet: Option<String>,
    wallet_display: Option<String>,
    is_default: bool,
}

impl From<MethodRow> for PaymentMethod {
    fn from(r: MethodRow) -> Self {
        method((r.method_id, r.kind, r.brand, r.last4, r.exp_month, r.exp_year, r.holder_name, r.wallet, r.wallet_display, r.is_default))
    }
}

pub(crate) fn method(r: Row) -> PaymentMethod {
    PaymentMethod {
        id: r.0,
        kind: r.1,
        brand: r.2,
        last4: r.3,
        exp_month: r.4.map(|m| m as u8),
        exp_year: r.5.map(|y| y as u16),
        holder_name: r.6,
        wallet: r.7,
        wallet_display: r.8,
        is_default: r.9,
    }
}

pub async fn list(pool: &PgPool, shopper_id: i64) -> Result<Vec<PaymentMethod>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, kind, brand, last4, exp_month, exp_year, holder_name, wallet, wallet_display, is_default
         FROM payment_methods WHERE shopper_id = $1 AND removed_at IS NULL
         ORDER BY is_default DESC, id DESC",
    )
    .bind(shopper_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(method).collect())
}

/// The shopper's live saved card with this brand, last four digits and expiry, if any: the
/// same card (a real provider would compare its fingerprint; these four identify a card well
/// enough within one shopper's methods, and need no card data kept).
pub async fn same_card(
    db: &mut PgConnection,
    shopper_id: i64,
    brand: &str,
    last4: &str,
    exp_month: i16,
    exp_year: i16,
) -> Result<Option<PaymentMethod>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, kind, brand, last4, exp_month, exp_year, holder_name, wallet, wallet_display, is_default
         FROM payment_methods WHERE shopper_id = $1 AND removed_at IS NULL AND kind <> 'wallet'
           AND brand = $2 AND last4 = $3 AND exp_month = $4 AND exp_year = $5",
    )
    .bind(shopper_id)
    .bind(brand)
    .bind(last4)
    .bind(exp_month)
    .bind(exp_year)
    .fetch_optional(db)
    .await?;
    Ok(row.map(method))
}

/// What is stored for a new method: never the card number or the security code.
pub struct NewMethod<'a> {
    pub kind: MethodKind,
    pub provider: &'a str,
    pub token: &'a str,
    pub brand: Option<&'a str>,
    pub last4: Option<&'a str>,
    pub exp_month: Option<i16>,
    pub exp_year: Option<i16>,
    pub holder_name: Option<&'a str>,
    pub wallet: Option<&'a str>,
    pub wallet_display: Option<&'a str>,
}

/// Inserts a method; the shopper's first live method becomes the default.
pub async fn insert(tx: &mut PgConnection, shopper_id: i64, m: &NewMethod<'_>) -> Result<i64, sqlx::Error> {
    // One shopper's bindings take turns (the shopper's row is the lock): whether this one is the
    // default depends on the others, and two at once both became the default (a 500 on the
    // one-default index).
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE").bind(shopper_id).execute(&mut *tx).await?;
    sqlx::query_scalar(
        "INSERT INTO payment_methods (shopper_id, kind, provider, token, brand, last4, exp_month, exp_year, holder_name,
                                      wallet, wallet_display, is_default)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
                 NOT EXISTS (SELECT 1 FROM payment_methods WHERE shopper_id = $1 AND removed_at IS NULL))
         RETURNING id",
    )
    .bind(shopper_id)
    .bind(m.kind.as_str())
    .bind(m.provider)
    .bind(m.token)
    .bind(m.brand)
    .bind(m.last4)
    .bind(m.exp_month)
    .bind(m.exp_year)
    .bind(m.holder_name)
    .bind(m.wallet)
    .bind(m.wallet_display)
    .fetch_one(tx)
    .await
}

/// Locks the shopper's live methods; true when `id` is one of them.
pub async fn lock_owned(tx: &mut PgConnection, shopper_id: i64, id: i64) -> Result<Option<bool>, sqlx::Error> {
    let ids: Vec<(i64, bool)> =
        sqlx::query_as("SELECT id, is_default FROM payment_methods WHERE shopper_id = $1 AND removed_at IS NULL ORDER BY id FOR UPDATE")
            .bind(shopper_id)
            .fetch_all(tx)
            .await?;
    Ok(ids.iter().find(|(i, _)| *i == id).map(|(_, is_default)| *is_default))
}

pub async fn make_default(tx: &mut PgConnection, shopper_id: i64, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payment_methods SET is_default = false WHERE shopper_id = $1 AND is_default").bind(shopper_id).execute(&mut *tx).await?;
    sqlx::query("UPDATE payment_methods SET is_default = true WHERE id = $1 AND shopper_id = $2").bind(id).bind(shopper_id).execute(&mut *tx).await?;
    Ok(())
}

/// Does an unfinished payment attempt use this method?
pub async fn in_open_payment(tx: &mut PgConnection, id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM payment_attempts WHERE method_id = $1 AND status IN ('processing', 'requires_verification'))")
        .bind(id)
        .fetch_one(tx)
        .await
}

/// Removes a method; when it was the default, the newest remaining method takes over.
pub async fn remove(tx: &mut PgConnection, shopper_id: i64, id: i64, was_default: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payment_methods SET removed_at = now(), is_default = false WHERE id = $1 AND shopper_id = $2")
        .bind(id)
        .bind(shopper_id)
        .execute(&mut *tx)
        .await?;
    if was_default {
        sqlx::query(
            "UPDATE payment_methods SET is_default = true WHERE id = (
                 SELECT id FROM payment_methods WHERE shopper_id = $1 AND removed_at IS NULL ORDER BY id DESC LIMIT 1)",
        )
        .bind(shopper_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
