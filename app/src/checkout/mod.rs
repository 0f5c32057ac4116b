//! Checkout: the shipping address, the order summary, and placing the order — one Postgres
//! transaction that re-reads prices and stock, reserves stock and creates the order awaiting
//! payment. Each checkout page carries an idempotency key, so a double click, a retry or a
//! resubmission creates the order once.

pub use domain::checkout::{CheckoutInfo, OrderSettings, ShippingAddress};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::error::AppError;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::{Field, FormError, SelectField, field_error, form_error};

/// Shoppers: the checkout page's data for one shop.
#[server(prefix = "/api", endpoint = "checkout_data")]
pub async fn checkout_data(shop_id: i64) -> Result<CheckoutInfo, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    let group = crate::cart::group(backend::cart::lines(&pool, Some(backend::cart::CartOwner::Shopper(me.id))).await?)
        .into_iter()
        .find(|g| g.shop_id == shop_id)
        .ok_or(AppError::Conflict(domain::Message::NothingFromThisShop))?;
    Ok(CheckoutInfo { group, idempotency_key: uuid::Uuid::new_v4().to_string() })
}

/// Shoppers: place the order for their cart lines of one shop. Prices and stock are read
/// again on the server: what the browser sends about them is never trusted.
#[server(prefix = "/api", endpoint = "place_order")]
pub async fn place_order(shop_id: i64, idempotency_key: String, address: ShippingAddress) -> Result<String, AppError> {
    use crate::accounts::session;
    use domain::accounts::Role;
    let (pool, me) = session::signed_in_as(Role::Shopper).await?;
    let settings = use_context::<OrderSettings>().unwrap_or_default();
    let window = time::Duration::minutes(settings.payment_window_minutes);
    let number = backend::checkout::place_order(&pool, &me, shop_id, &idempotency_key, &address, window).await?;
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
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, shop.checkout_title)/>
        <h1>{t!(i18n, shop.checkout_title)}</h1>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.loading)}</p> }>
            {move || Suspend::new(async move {
                let data = data.await?;
                let g = data.group;
                Ok::<_, AppError>(view! {
                    <section class="card" aria-labelledby="summary-title">
                        <h2 id="summary-title">{let shop = g.shop_name.clone(); t!(i18n, shop.order_summary, shop = move || shop.clone())}</h2>
                        <table class="table">
                            <thead><tr><th scope="col">{t!(i18n, shop.col_product)}</th><th scope="col">{t!(i18n, shop.col_quantity)}</th><th scope="col">{t!(i18n, shop.col_price)}</th><th scope="col">{t!(i18n, shop.col_total)}</th></tr></thead>
                            <tbody>
                                {g.lines.iter().map(|l| view! {
                                    <tr><td class="wrap card-title">{l.title.clone()}</td><td data-label=t_string!(i18n, shop.col_quantity)>{l.quantity}</td><td data-label=t_string!(i18n, shop.col_price)>{crate::words::money(i18n.get_locale_untracked(), l.unit_price)}</td><td data-label=t_string!(i18n, shop.col_total)>{crate::words::money(i18n.get_locale_untracked(), l.line_total())}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <p class="subtotal">{t!(i18n, shop.subtotal)} {crate::words::money(i18n.get_locale_untracked(), g.subtotal)}</p>
                        <p class="subtotal">{t!(i18n, shop.shipping_free)}</p>
                        <p class="total">{t!(i18n, shop.total)} <strong>{crate::words::money(i18n.get_locale_untracked(), g.subtotal)}</strong></p>
                    </section>
                    <section class="card" aria-labelledby="address-title">
                        <h2 id="address-title">{t!(i18n, shop.shipping_address)}</h2>
                        <ActionForm action=place>
                            <input type="hidden" name="shop_id" value=g.shop_id/>
                            <input type="hidden" name="idempotency_key" value=data.idempotency_key.clone()/>
                            <Field label=t_string!(i18n, shop.recipient_name) name="address[name]" autocomplete="name" maxlength=100 required=true error=field_error(value, "name")/>
                            <Field label=t_string!(i18n, shop.phone) name="address[phone]" kind="tel" autocomplete="tel" maxlength=24 required=true error=field_error(value, "phone")/>
                            <Field label=t_string!(i18n, shop.street_address) name="address[line1]" autocomplete="address-line1" maxlength=200 required=true error=field_error(value, "line1")/>
                            <Field label=t_string!(i18n, shop.address_line2) name="address[line2]" autocomplete="address-line2" maxlength=200 error=field_error(value, "line2")/>
                            <Field label=t_string!(i18n, shop.city) name="address[city]" autocomplete="address-level2" maxlength=100 required=true error=field_error(value, "city")/>
                            <Field label=t_string!(i18n, shop.postcode) name="address[postcode]" autocomplete="postal-code" maxlength=12 required=true error=field_error(value, "postcode")/>
                            <SelectField label=t_string!(i18n, shop.country) name="address[country]" options=crate::ui::countries(i18n.get_locale_untracked()) error=field_error(value, "country")/>
                            <FormError error=form_error(value)/>
                            <button type="submit" class="button" disabled=move || pending.get()>
                                {move || if pending.get() { t_string!(i18n, shop.placing_order) } else { t_string!(i18n, shop.place_order) }}
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
