//! Saved payment methods: cards and wallets bound through the provider (only its token and
//! what may be shown are kept), the default, removal.

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::Error;
use crate::db;
use crate::db::payment_methods::NewMethod;
use crate::provider::{InstrumentDetails, Provider, ProviderError};
use domain::accounts::{CurrentUser, RequestMeta};
use domain::payments::instrument::{CardNumber, Expiry, SecurityCode, WalletAccount, WalletKind};
use domain::payments::{CardForm, MethodKind, PaymentMethod};
use domain::{FieldError, Message};

fn refused(field: &str, err: ProviderError) -> Error {
    match err {
        ProviderError::Declined(reason) => Error::field(field, Message::ProviderRefused { reason }),
        other => other.into(),
    }
}

/// Binds a card: checks every field, asks the provider for a token, keeps only the token
/// and what may be shown. The card number and the code are dropped when this returns.
pub async fn bind_card(pool: &PgPool, provider: &Provider, me: &CurrentUser, form: CardForm, meta: &RequestMeta) -> Result<PaymentMethod, Error> {
    let now = OffsetDateTime::now_utc();
    let mut errors = Vec::new();
    let mut push = |f: &str, m: Message| errors.push(FieldError::new(f, m));
    let kind = match MethodKind::parse(&form.kind) {
        Some(k @ (MethodKind::CreditCard | MethodKind::DebitCard)) => Some(k),
        _ => {
            push("kind", Message::ChooseCardKind);
            None
        }
    };
    let number = CardNumber::parse(&form.number).map_err(|m| push("number", m)).ok();
    let expiry = Expiry::parse(&form.expiry, (now.year() as u16, u8::from(now.month()))).map_err(|m| push("expiry", m)).ok();
    let cvc = SecurityCode::parse(&form.cvc, number.as_ref().map(CardNumber::brand)).map_err(|m| push("cvc", m)).ok();
    let holder = form.holder.split_whitespace().collect::<Vec<_>>().join(" ");
    if holder.is_empty() || holder.chars().count() > 100 {
        push("holder", Message::HolderName);
    }
    drop(form);
    let (Some(kind), Some(number), Some(expiry), Some(cvc)) = (kind, number, expiry, cvc) else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let brand = number.brand();
    let last4 = number.last4();
    // Before the provider sees anything: the same card is saved once.
    let already = |m: PaymentMethod| Error::field("number", Message::CardAlreadySaved { method: m.summary() });
    let mut conn = pool.acquire().await?;
    if let Some(saved) = db::payment_methods::same_card(&mut conn, me.id, brand.as_str(), &last4, expiry.month as i16, expiry.year as i16).await? {
        return Err(already(saved));
    }
    drop(conn);
    let token = provider.tokenize(InstrumentDetails::Card { number, expiry, cvc, holder: holder.clone() }).await.map_err(|e| refused("number", e))?;
    let mut tx = pool.begin().await?;
    let inserted = db::payment_methods::insert(
        &mut tx,
        me.id,
        &NewMethod {
            kind,
            provider: provider.name(),
            token: &token.0,
            brand: Some(brand.as_str()),
            last4: Some(&last4),
            exp_month: Some(expiry.month as i16),
            exp_year: Some(expiry.year as i16),
            holder_name: Some(&holder),
            wallet: None,
            wallet_display: None,
        },
    )
    .await;
    let id = match inserted {
        Ok(id) => id,
        // The same card bound twice at once: the second one meets the unique index.
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("payment_methods_same_card") => {
            let _ = tx.rollback().await;
            let mut conn = pool.acquire().await?;
            let saved = db::payment_methods::same_card(&mut conn, me.id, brand.as_str(), &last4, expiry.month as i16, expiry.year as i16).await?;
            return Err(saved.map(already).unwrap_or_else(|| {
                Error::field(
                    "number",
                    Message::CardAlreadySaved {
                        method: domain::payments::MethodSummary {
                            kind,
                            brand: Some(brand),
                            last4: Some(last4.clone()),
                            wallet: None,
                            wallet_display: None,
                        },
                    },
                )
            }));
        }
        Err(e) => return Err(e.into()),
    };
    db::accounts::record_activity(&mut *tx, me.id, "payment_method_added", meta).await?;
    tx.commit().await?;
    tracing::info!(shopper_id = me.id, method_id = id, brand = brand.as_str(), "card bound");
    find(pool, me.id, id).await
}

pub async fn bind_wallet(
    pool: &PgPool,
    provider: &Provider,
    me: &CurrentUser,
    wallet: &str,
    account: &str,
    meta: &RequestMeta,
) -> Result<PaymentMethod, Error> {
    let kind = WalletKind::parse(wallet).ok_or_else(|| Error::field("wallet", Message::ChooseFromList))?;
    let account = WalletAccount::parse(kind, account).map_err(|m| Error::field("account", m))?;
    let display = account.display();
    let token = provider.tokenize(InstrumentDetails::Wallet(account)).await.map_err(|e| refused("account", e))?;
    let mut tx = pool.begin().await?;
    let id = db::payment_methods::insert(
        &mut tx,
        me.id,
        &NewMethod {
            kind: MethodKind::Wallet,
            provider: provider.name(),
            token: &token.0,
            brand: None,
            last4: None,
            exp_month: None,
            exp_year: None,
            holder_name: None,
            wallet: Some(kind.as_str()),
            wallet_display: Some(&display),
        },
    )
    .await?;
    db::accounts::record_activity(&mut *tx, me.id, "payment_method_added", meta).await?;
    tx.commit().await?;
    tracing::info!(shopper_id = me.id, method_id = id, wallet = kind.as_str(), "wallet bound");
    find(pool, me.id, id).await
}

async fn find(pool: &PgPool, shopper_id: i64, id: i64) -> Result<PaymentMethod, Error> {
    db::payment_methods::list(pool, shopper_id).await?.into_iter().find(|m| m.id == id).ok_or_else(|| Error::NotFound("The payment method".into()))
}

pub async fn set_default(pool: &PgPool, me: &CurrentUser, id: i64, meta: &RequestMeta) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    if db::payment_methods::lock_owned(&mut tx, me.id, id).await?.is_none() {
        return Err(Error::NotFound("The payment method".into()));
    }
    db::payment_methods::make_default(&mut tx, me.id, id).await?;
    db::accounts::record_activity(&mut *tx, me.id, "default_method_changed", meta).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove(pool: &PgPool, me: &CurrentUser, id: i64, meta: &RequestMeta) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    let was_default = db::payment_methods::lock_owned(&mut tx, me.id, id).await?.ok_or_else(|| Error::NotFound("The payment method".into()))?;
    if db::payment_methods::in_open_payment(&mut tx, id).await? {
        return Err(Error::Conflict(Message::MethodInUse));
    }
    db::payment_methods::remove(&mut tx, me.id, id, was_default).await?;
    db::accounts::record_activity(&mut *tx, me.id, "payment_method_removed", meta).await?;
    tx.commit().await?;
    Ok(())
}
