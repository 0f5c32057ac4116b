//! The shopper's cart: quantities checked against stock.

use sqlx::PgPool;

use crate::Error;
use crate::db;
use domain::accounts::CurrentUser;

/// Sets the quantity of a product in the cart (`add` adds to what is there).
pub async fn set_quantity(pool: &PgPool, shopper: &CurrentUser, product_id: i64, quantity: i32, add: bool) -> Result<(), Error> {
    let product = db::catalog::product_by_id(pool, product_id).await?.filter(|p| p.active).ok_or_else(|| Error::NotFound("The product".into()))?;
    if quantity == 0 && !add {
        db::orders::set_cart_quantity(pool, shopper.id, product_id, 0).await?;
        return Ok(());
    }
    let current = if add { db::orders::cart_quantity(pool, shopper.id, product_id).await? } else { 0 };
    let wanted = current.saturating_add(quantity);
    if add && quantity < 1 {
        return Err(Error::field("quantity", domain::Message::ChooseAtLeastOne));
    }
    let wanted = domain::cart::check_quantity(wanted, product.stock)?;
    db::orders::set_cart_quantity(pool, shopper.id, product_id, wanted).await?;
    Ok(())
}
