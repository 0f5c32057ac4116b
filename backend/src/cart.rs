//! Carts: a signed-in shopper's, and a signed-out browser's guest cart — the same lines, the
//! same stock bounds and the same validation for both ([`CartOwner`]).
//!
//! A guest cart is made on the first add, under a random token the browser keeps in an
//! HttpOnly cookie ([`GUEST_CART_COOKIE`]); only the token's hash is stored, as for sessions.
//! Signing in or up as a shopper merges it into the shopper's cart ([`merge_guest_cart`]) and
//! deletes it; the worker prunes guest carts left untouched for [`GUEST_CART_LIFETIME`].

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::Error;
use crate::accounts::{new_token, token_hash};
use crate::db;
pub use crate::db::cart::CartOwner;
use domain::accounts::{CurrentUser, Role};
use domain::cart::CartLine;

/// Name of the cookie that holds a guest cart's token.
pub const GUEST_CART_COOKIE: &str = "paydesk_cart";
/// A guest cart (and its cookie) lasts this long after it was last used.
pub const GUEST_CART_LIFETIME: Duration = Duration::days(30);

/// A guest cart just made: its token goes to the browser, and nowhere else (`Debug` hides it).
pub struct NewGuestCart {
    pub token: String,
}

impl std::fmt::Debug for NewGuestCart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewGuestCart(..)")
    }
}

/// The guest cart behind a browser's token, if there still is one.
pub async fn guest_cart(pool: &PgPool, token: &str) -> Result<Option<CartOwner>, Error> {
    Ok(db::cart::guest_cart_id(pool, &token_hash(token)).await?.map(CartOwner::Guest))
}

/// The owner's cart lines (none without a cart).
pub async fn lines(pool: &PgPool, owner: Option<CartOwner>) -> Result<Vec<CartLine>, Error> {
    let Some(owner) = owner else { return Ok(Vec::new()) };
    touch(pool, owner).await?;
    Ok(db::cart::lines(pool, owner).await?)
}

/// How many units the owner's cart holds, all lines counted (0 without a cart).
pub async fn count(pool: &PgPool, owner: Option<CartOwner>) -> Result<i64, Error> {
    let Some(owner) = owner else { return Ok(0) };
    Ok(db::cart::total_quantity(pool, owner).await?)
}

/// Sets the quantity of a product in the owner's cart (`add` adds to what is there; 0 without
/// `add` removes the line). Everything is checked before anything is written. A signed-out
/// browser without a cart (`owner` is `None`) gets one here: its token is returned, for the
/// cookie.
pub async fn set_quantity(
    pool: &PgPool,
    owner: Option<CartOwner>,
    product_id: i64,
    quantity: i32,
    add: bool,
    ip: &str,
) -> Result<Option<NewGuestCart>, Error> {
    let wanted = wanted_quantity(pool, owner, product_id, quantity, add).await?;
    match owner {
        Some(owner) => {
            db::cart::set_quantity(pool, owner, product_id, wanted).await?;
            touch(pool, owner).await?;
            Ok(None)
        }
        None if wanted == 0 => Ok(None),
        None => start_guest_cart(pool, product_id, wanted, ip).await.map(Some),
    }
}

/// The line's quantity after the change, checked against the product and its stock.
async fn wanted_quantity(pool: &PgPool, owner: Option<CartOwner>, product_id: i64, quantity: i32, add: bool) -> Result<i32, Error> {
    let product = db::catalog::product_by_id(pool, product_id).await?.filter(|p| p.active).ok_or_else(|| Error::NotFound("The product".into()))?;
    if quantity == 0 && !add {
        return Ok(0);
    }
    if add && quantity < 1 {
        return Err(Error::field("quantity", domain::Message::ChooseAtLeastOne));
    }
    let current = match owner {
        Some(owner) if add => db::cart::quantity(pool, owner, product_id).await?,
        _ => 0,
    };
    Ok(domain::cart::check_quantity(current.saturating_add(quantity), product.stock)?)
}

/// New guest carts one address may make per [`crate::accounts::THROTTLE_WINDOW`]: a family
/// behind one router never gets near it; a script adding to carts without keeping the cookie
/// does. (Checked before the insert, not under a lock: two racing requests may both pass at
/// the limit — a bound on growth, not an exact count.)
pub const GUEST_CARTS_PER_ADDRESS: i64 = 30;

/// A new guest cart holding its first line, in one transaction (no empty cart is left behind
/// if the line cannot be written).
async fn start_guest_cart(pool: &PgPool, product_id: i64, quantity: i32, ip: &str) -> Result<NewGuestCart, Error> {
    let window = crate::accounts::THROTTLE_WINDOW;
    let (made, oldest) = db::cart::guest_carts_made_from(pool, ip, window.whole_seconds()).await?;
    if made >= GUEST_CARTS_PER_ADDRESS {
        let wait = oldest.map(|t| (t + window - OffsetDateTime::now_utc()).whole_seconds().max(1) as u64).unwrap_or(1);
        return Err(Error::RateLimited(wait));
    }
    let token = new_token();
    let mut tx = pool.begin().await?;
    let cart_id = db::cart::insert_guest_cart(&mut *tx, &token_hash(&token), ip).await?;
    db::cart::set_quantity(&mut *tx, CartOwner::Guest(cart_id), product_id, quantity).await?;
    tx.commit().await?;
    Ok(NewGuestCart { token })
}

async fn touch(pool: &PgPool, owner: CartOwner) -> Result<(), Error> {
    if let CartOwner::Guest(id) = owner {
        db::cart::touch_guest_cart(pool, id).await?;
    }
    Ok(())
}

/// What a merge did: guest lines added to the shopper's cart, and guest lines that added
/// nothing (products no longer sold, sold out, or already in the cart up to the stock).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Merged {
    pub lines: usize,
    pub dropped: usize,
}

/// Moves the guest cart behind `guest_token` into `shopper`'s cart, in one transaction: the
/// guest cart is locked and deleted first — so two sign-ins with the same cookie at once merge
/// it once (the second finds nothing) — then each of its products still on sale is added as
/// [`domain::cart::merged_quantity`] says: both quantities added up, within the stock and the
/// per-line limit. `None` when the token names no guest cart (already merged, or pruned).
/// Only shoppers have a cart to merge into.
pub async fn merge_guest_cart(pool: &PgPool, guest_token: &str, shopper: &CurrentUser) -> Result<Option<Merged>, Error> {
    if shopper.role != Role::Shopper {
        return Err(Error::Forbidden);
    }
    let mut tx = pool.begin().await?;
    let Some(guest_lines) = db::cart::take_guest_cart(&mut tx, &token_hash(guest_token), shopper.id).await? else {
        return Ok(None);
    };
    let mut merged = Merged::default();
    for line in guest_lines {
        let quantity = domain::cart::merged_quantity(line.existing, line.quantity, line.stock);
        if !line.active || quantity == line.existing {
            merged.dropped += 1;
            continue;
        }
        db::cart::set_quantity(&mut *tx, CartOwner::Shopper(shopper.id), line.product_id, quantity).await?;
        merged.lines += 1;
    }
    tx.commit().await?;
    tracing::info!(user_id = shopper.id, lines = merged.lines, dropped = merged.dropped, "guest cart merged");
    Ok(Some(merged))
}

/// Deletes guest carts untouched for [`GUEST_CART_LIFETIME`] at `now`, at most `limit`;
/// returns how many went.
pub async fn prune_guest_carts(pool: &PgPool, now: OffsetDateTime, limit: i64) -> Result<u64, Error> {
    Ok(db::cart::prune_guest_carts(pool, now - GUEST_CART_LIFETIME, limit).await?)
}
