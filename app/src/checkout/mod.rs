//! Checkout: the shipping address, the order summary, and placing the order — one Postgres
//! transaction that re-reads prices and stock, reserves stock and creates the order awaiting
//! payment. Each checkout page carries an idempotency key, so a double click, a retry or a
//! resubmission creates the order once.

pub use domain::checkout::{CheckoutInfo, OrderSettings, ShippingAddress};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::error::AppError;
use crate::ui::{Field, FormError, SelectField, field_error, form_error};
use domain::qualification::COUNTRIES;

#[cfg(feature = "ssr")]
pub mod service {
    use sqlx::PgPool;
    use time::{Duration, OffsetDateTime};
    use uuid::Uuid;

    use super::ShippingAddress;
    use crate::db;
    use crate::error::AppError;
    use domain::accounts::CurrentUser;
    use domain::money::Money;
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
    ) -> Result<String, AppError> {
        let key = Uuid::parse_str(key.trim()).map_err(|_| AppError::BadRequest("the checkout key is not valid; reload the page".into()))?;
        let address = ShippingAddress::parse(address)?;
        let fingerprint = format!("shop:{shop_id}");

        let mut tx = pool.begin().await?;
        if let Some((used_for, order_id)) = db::orders::claim_key(&mut tx, shopper.id, "checkout", key, &fingerprint).await? {
            if used_for != fingerprint {
                return Err(AppError::Conflict("This checkout was already used for another shop. Reload the page.".into()));
            }
            return match order_id {
                Some(order_id) => Ok(db::orders::order_number_by_id(&mut tx, order_id).await?),
                None => Err(AppError::Conflict("This order is still being placed. Check “My orders” in a moment.".into())),
            };
        }

        let lines = db::orders::lock_cart_for_shop(&mut tx, shopper.id, shop_id).await?;
        if lines.is_empty() {
            return Err(AppError::Conflict("Your cart has nothing from this shop.".into()));
        }
        let mut total: Option<Money> = None;
        for line in &lines {
            if let Some(problem) = line.problem() {
                return Err(AppError::Conflict(format!("{}: {problem}", line.title)));
            }
            let line_total = line.unit_price.checked_mul(line.quantity as i64).map_err(|e| AppError::Conflict(e.to_string()))?;
            total = Some(match total {
                None => line_total,
                Some(t) => t.checked_add(line_total).map_err(|e| AppError::Conflict(e.to_string()))?,
            });
        }
        let total = total.ok_or_else(|| AppError::internal("empty total"))?;

        let now = OffsetDateTime::now_utc();
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
}

/// Shoppers: the checkout page's data for one shop.
#[server(prefix = "/api", endpoint = "checkout_data")]
pub async fn checkout_data(shop_id: i64) -> Result<CheckoutInfo, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let pool = crate::db::pool()?;
    let me = session::require_role(&pool, Role::Shopper).await?;
    let group = crate::cart::group(crate::db::orders::cart_lines(&pool, me.id).await?)
        .into_iter()
        .find(|g| g.shop_id == shop_id)
        .ok_or_else(|| AppError::Conflict("Your cart has nothing from this shop.".into()))?;
    Ok(CheckoutInfo { group, idempotency_key: uuid::Uuid::new_v4().to_string() })
}

/// Shoppers: place the order for their cart lines of one shop. Prices and stock are read
/// again on the server: what the browser sends about them is never trusted.
#[server(prefix = "/api", endpoint = "place_order")]
pub async fn place_order(shop_id: i64, idempotency_key: String, address: ShippingAddress) -> Result<String, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let pool = crate::db::pool()?;
    let me = session::require_role(&pool, Role::Shopper).await?;
    let settings = use_context::<OrderSettings>().unwrap_or_default();
    let window = time::Duration::minutes(settings.payment_window_minutes);
    let number = service::place_order(&pool, &me, shop_id, &idempotency_key, &address, window).await?;
    leptos_axum::redirect(&format!("/orders/{number}"));
    Ok(number)
}

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.with(|p| p.get("shop_id").and_then(|s| s.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => checkout_data(id).await,
                None => Err(AppError::NotFound("The shop".into())),
            }
        },
    );
    let place = ServerAction::<PlaceOrder>::new();
    let value = place.value();
    let pending = place.pending();
    view! {
        <Title text="Checkout"/>
        <h1>"Checkout"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let data = data.await?;
                let g = data.group;
                Ok::<_, AppError>(view! {
                    <section class="card" aria-labelledby="summary-title">
                        <h2 id="summary-title">{format!("Order summary — {}", g.shop_name)}</h2>
                        <table class="table">
                            <thead><tr><th scope="col">"Product"</th><th scope="col">"Quantity"</th><th scope="col">"Price"</th><th scope="col">"Total"</th></tr></thead>
                            <tbody>
                                {g.lines.iter().map(|l| view! {
                                    <tr><td class="wrap">{l.title.clone()}</td><td>{l.quantity}</td><td>{l.unit_price.to_string()}</td><td>{l.line_total().to_string()}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <p class="subtotal">"Subtotal: " {g.subtotal.to_string()}</p>
                        <p class="subtotal">"Shipping: free"</p>
                        <p class="total">"Total: " <strong>{g.subtotal.to_string()}</strong></p>
                    </section>
                    <section class="card" aria-labelledby="address-title">
                        <h2 id="address-title">"Shipping address"</h2>
                        <ActionForm action=place>
                            <input type="hidden" name="shop_id" value=g.shop_id/>
                            <input type="hidden" name="idempotency_key" value=data.idempotency_key.clone()/>
                            <Field label="Recipient name" name="address[name]" autocomplete="name" maxlength=100 required=true error=field_error(value, "name")/>
                            <Field label="Phone" name="address[phone]" kind="tel" autocomplete="tel" maxlength=24 required=true error=field_error(value, "phone")/>
                            <Field label="Street address" name="address[line1]" autocomplete="address-line1" maxlength=200 required=true error=field_error(value, "line1")/>
                            <Field label="Apartment, suite (optional)" name="address[line2]" autocomplete="address-line2" maxlength=200 error=field_error(value, "line2")/>
                            <Field label="City" name="address[city]" autocomplete="address-level2" maxlength=100 required=true error=field_error(value, "city")/>
                            <Field label="Postcode" name="address[postcode]" autocomplete="postal-code" maxlength=12 required=true error=field_error(value, "postcode")/>
                            <SelectField label="Country" name="address[country]" options=COUNTRIES error=field_error(value, "country")/>
                            <FormError error=form_error(value)/>
                            <button type="submit" class="button" disabled=move || pending.get()>
                                {move || if pending.get() { "Placing order…" } else { "Place order" }}
                            </button>
                        </ActionForm>
                    </section>
                })
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ShippingAddress {
        ShippingAddress {
            name: " Li  Wei ".into(),
            phone: "+86 138 0013 8000".into(),
            line1: "88 Century Avenue".into(),
            line2: "".into(),
            city: "Shanghai".into(),
            postcode: "200120".into(),
            country: "cn".into(),
        }
    }

    #[test]
    fn a_good_address_is_normalised() {
        let a = ShippingAddress::parse(&good()).unwrap();
        assert_eq!(a.name, "Li Wei");
        assert_eq!(a.country, "CN");
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ShippingAddress {
            name: "".into(),
            phone: "x".into(),
            line1: "a".repeat(201),
            line2: "".into(),
            city: "".into(),
            postcode: "<>".into(),
            country: "ZZ".into(),
        };
        let err = ShippingAddress::parse(&bad).unwrap_err();
        for f in ["name", "phone", "line1", "city", "postcode", "country"] {
            assert!(err.message_for(f).is_some(), "{f}");
        }
        assert!(err.message_for("line2").is_none());
    }
}
