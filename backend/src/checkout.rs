//! Checkout: the cart of one shop becomes an order, once per checkout key.

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Error;
use crate::db;
use domain::accounts::CurrentUser;
use domain::money::Money;
use domain::orders::ShippingAddress;
use domain::orders::{Actor, OrderStatus};

/// A human-readable order number: `PD-YYMMDD-` and six characters that cannot be confused
/// (no 0/O, 1/I).
pub fn new_order_number(now: OffsetDateTime) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let random = Uuid::new_v4();
    let tail: String = random.as_bytes()[..6].iter().map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect();
    format!("PD-{:02}{:02}{:02}-{tail}", now.year() % 100, u8::from(now.month()), now.day())
}

/// Places the order for the shopper's cart lines of `shop_id`. Returns the order number.
pub async fn place_order(
    pool: &PgPool,
    shopper: &CurrentUser,
    shop_id: i64,
    key: &str,
    address: &ShippingAddress,
    payment_window: Duration,
) -> Result<String, Error> {
    let key = Uuid::parse_str(key.trim()).map_err(|_| Error::BadRequest("the checkout key is not valid; reload the page".into()))?;
    let address = ShippingAddress::parse(address)?;
    let fingerprint = format!("shop:{shop_id}");

    let mut tx = pool.begin().await?;
    if let Some((used_for, order_id)) = db::orders::claim_key(&mut tx, shopper.id, "checkout", key, &fingerprint).await? {
        if used_for != fingerprint {
            return Err(Error::Conflict(domain::Message::CheckoutUsedForOtherShop));
        }
        return match order_id {
            Some(order_id) => Ok(db::orders::order_number_by_id(&mut tx, order_id).await?),
            None => Err(Error::Conflict(domain::Message::OrderStillBeingPlaced)),
        };
    }

    let lines = db::orders::lock_cart_for_shop(&mut tx, shopper.id, shop_id).await?;
    if lines.is_empty() {
        return Err(Error::Conflict(domain::Message::NothingFromThisShop));
    }
    let mut total: Option<Money> = None;
    for line in &lines {
        if let Some(problem) = line.problem() {
            return Err(Error::Conflict(domain::Message::CartLineProblem { title: line.title.clone(), problem: Box::new(problem) }));
        }
        let line_total = line.unit_price.checked_mul(line.quantity as i64).map_err(|e| Error::Conflict(e.into()))?;
        total = Some(match total {
            None => line_total,
            Some(t) => t.checked_add(line_total).map_err(|e| Error::Conflict(e.into()))?,
        });
    }
    let total = total.ok_or_else(|| Error::internal("empty total"))?;

    // The platform's clock (moved by the sandbox's test clock), like every deadline.
    let now = crate::clock::now(&mut *tx).await?;
    let due = now + payment_window;
    let (order_id, number) = loop {
        let number = new_order_number(now);
        if let Some(id) = db::orders::insert_order(&mut tx, &number, shopper.id, shop_id, total, &address, due).await? {
            break (id, number);
        }
    };
    for line in &lines {
        db::orders::insert_line(&mut tx, order_id, line).await?;
    }
    db::orders::insert_event(&mut tx, order_id, Actor::Shopper, Some(shopper.id), "created", None, OrderStatus::AwaitingPayment).await?;
    db::orders::clear_cart_for_shop(&mut tx, shopper.id, shop_id).await?;
    db::orders::complete_key(&mut tx, shopper.id, "checkout", key, order_id).await?;
    tx.commit().await?;
    tracing::info!(order = %number, shopper_id = shopper.id, total_minor = total.minor, currency = %total.currency, "order placed");
    Ok(number)
}
