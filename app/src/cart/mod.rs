//! The cart: kept on the server — a signed-in shopper's with their account, so it survives
//! reloads, devices and signing in again; a signed-out browser's as a guest cart under an
//! HttpOnly cookie, taken into the shopper's cart at sign-in or sign-up
//! (`backend::cart`). Quantities are bounded by stock; checkout is per shop, signed in.

mod count;

pub use count::CartTally;
pub use domain::cart::{CartGroup, CartLine, check_quantity, group};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::error::AppError;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::{FormError, form_error};
use crate::words::{message_text, money};

/// Whose cart this request is about: the signed-in shopper's, or this browser's guest cart
/// (`None` when it has none yet). Signed-in merchants and staff have no cart (`Forbidden`).
#[cfg(feature = "ssr")]
async fn cart_owner() -> Result<(sqlx::PgPool, Option<backend::cart::CartOwner>), AppError> {
    use crate::accounts::session;
    use backend::cart::CartOwner;
    use domain::accounts::Role;
    let pool = crate::db::pool()?;
    let owner = match session::current_user(&pool).await? {
        Some(me) if me.role == Role::Shopper => Some(CartOwner::Shopper(me.id)),
        Some(_) => return Err(AppError::Forbidden),
        None => match session::guest_cart_token() {
            Some(token) => backend::cart::guest_cart(&pool, &token).await?,
            None => None,
        },
    };
    Ok((pool, owner))
}

/// Shoppers and signed-out visitors: their cart, grouped by shop.
#[server(prefix = "/api", endpoint = "my_cart")]
pub async fn my_cart() -> Result<Vec<CartGroup>, AppError> {
    let (pool, owner) = cart_owner().await?;
    Ok(group(backend::cart::lines(&pool, owner).await?))
}

/// Shoppers and signed-out visitors: how many units their cart holds (for the header). 0 for
/// merchants and staff, who have no cart.
#[server(prefix = "/api", endpoint = "cart_count")]
pub async fn cart_count() -> Result<i64, AppError> {
    match cart_owner().await {
        Ok((pool, owner)) => Ok(backend::cart::count(&pool, owner).await?),
        Err(AppError::Forbidden) => Ok(0),
        Err(err) => Err(err),
    }
}

/// Shoppers and signed-out visitors: add `quantity` of a product to their cart (a signed-out
/// browser's first add makes its guest cart and sets the cookie).
#[server(prefix = "/api", endpoint = "add_to_cart")]
pub async fn add_to_cart(product_id: i64, quantity: i32) -> Result<(), AppError> {
    change_cart(product_id, quantity, true).await
}

/// Shoppers and signed-out visitors: change the quantity of a product in their cart (0
/// removes it).
#[server(prefix = "/api", endpoint = "set_cart_quantity")]
pub async fn set_cart_quantity(product_id: i64, quantity: i32) -> Result<(), AppError> {
    change_cart(product_id, quantity, false).await
}

#[cfg(feature = "ssr")]
async fn change_cart(product_id: i64, quantity: i32, add: bool) -> Result<(), AppError> {
    let (pool, owner) = cart_owner().await?;
    let ip = crate::accounts::session::request_meta().ip;
    if let Some(new) = backend::cart::set_quantity(&pool, owner, product_id, quantity, add, &ip).await? {
        crate::accounts::session::set_guest_cart_cookie(&new.token);
    }
    Ok(())
}

#[component]
pub fn AddToCart(product_id: i64, stock: i32) -> impl IntoView {
    let add = ServerAction::<AddToCart>::new();
    let value = add.value();
    let pending = add.pending();
    let added = move || value.with(|v| matches!(v, Some(Ok(()))));
    Effect::new(move |_| {
        if added() {
            CartTally::bump();
        }
    });
    let i18n = use_i18n();
    view! {
        {if stock == 0 {
            view! { <p class="muted">{t!(i18n, shop.sold_out)}</p> }.into_any()
        } else {
            view! {
                <ActionForm action=add attr:class="add-to-cart">
                    <input type="hidden" name="product_id" value=product_id/>
                    <div class="field inline">
                        <label for="quantity">{t!(i18n, shop.quantity)}</label>
                        <input id="quantity" name="quantity" type="number" min="1" max=stock.min(999) value="1" aria-describedby="quantity-error"/>
                    </div>
                    <p class="muted">{t!(i18n, shop.in_stock, count = move || stock)}</p>
                    <p class="field-error" id="quantity-error">{move || crate::ui::field_error(value, "quantity").get()}</p>
                    <FormError error=form_error(value)/>
                    <button type="submit" class="button" disabled=move || pending.get()>
                        {move || if pending.get() { t_string!(i18n, shop.adding) } else { t_string!(i18n, shop.add_to_cart) }}
                    </button>
                    <p role="status">{move || added().then(|| view! { {t!(i18n, shop.added_to_cart)} <A href="/cart">{t!(i18n, shop.view_cart)}</A> })}</p>
                </ActionForm>
            }.into_any()
        }}
    }
}

#[component]
pub fn CartPage() -> impl IntoView {
    let update = ServerAction::<SetCartQuantity>::new();
    let cart = Resource::new(move || update.version().get(), |_| my_cart());
    Effect::new(move |_| {
        if update.version().get() > 0 {
            CartTally::bump();
        }
    });
    let auth = crate::accounts::Auth::get();
    let value = update.value();
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, shop.cart_title)/>
        <h1>{t!(i18n, shop.cart_heading)}</h1>
        <FormError error=Signal::derive(move || value.with(|v| match v {
            Some(Err(e)) => Some(e.message_for("quantity").map(|m| message_text(i18n.get_locale_untracked(), m)).unwrap_or_else(|| e.text(i18n.get_locale_untracked()))),
            _ => None,
        }))/>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.cart_loading)}</p> }>
            {move || Suspend::new(async move {
                let groups = cart.await?;
                // Signed out: the guest cart, checked out after signing in or up.
                let guest = matches!(auth.user.await, Ok(None));
                Ok::<_, AppError>(if groups.is_empty() {
                    view! { <section class="card"><p>{t!(i18n, shop.cart_empty)}</p><p><A href="/">{t!(i18n, shop.browse_shops)}</A></p></section> }.into_any()
                } else {
                    view! {
                        {guest.then(|| view! { <p class="muted">{t!(i18n, shop.guest_cart_note)}</p> })}
                        {groups.into_iter().map(|g| view! { <CartGroupView group=g update guest/> }).collect_view()}
                    }.into_any()
                })
            })}
        </Transition>
    }
}

#[component]
fn CartGroupView(group: CartGroup, update: ServerAction<SetCartQuantity>, guest: bool) -> impl IntoView {
    let orderable = group.lines.iter().all(|l| l.problem().is_none());
    let heading_id = format!("cart-shop-{}", group.shop_id);
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <section class="card" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{group.shop_name.clone()}</h2>
            <ul class="cart-lines">
                {group.lines.into_iter().map(|line| {
                    let qty_id = format!("qty-{}", line.product_id);
                    let qty_label = { let title = line.title.clone(); t!(i18n, shop.quantity_of, product = move || title.clone()) };
                    let remove_label = { let title = line.title.clone(); t!(i18n, shop.remove, product = move || title.clone()) };
                    let line_total = money(l, line.line_total());
                    let problem = line.problem();
                    let each = { let price = money(l, line.unit_price); t!(i18n, shop.each, price = move || price.clone()) };
                    let title = line.title.clone();
                    view! {
                        <li class="cart-line">
                            <div class="cart-line-title">
                                <A href=format!("/products/{}", line.product_id)>{title}</A>
                                <span class="muted">{each}</span>
                                {problem.map(|p| view! { <span class="field-error">{message_text(l, &p)}</span> })}
                            </div>
                            <ActionForm action=update attr:class="qty-form">
                                <input type="hidden" name="product_id" value=line.product_id/>
                                <label for=qty_id.clone() class="visually-hidden">{qty_label}</label>
                                <input id=qty_id name="quantity" type="number" min="0" max="999" value=line.quantity class="qty"/>
                                <button type="submit" class="button secondary">{t!(i18n, shop.update)}</button>
                            </ActionForm>
                            <ActionForm action=update>
                                <input type="hidden" name="product_id" value=line.product_id/>
                                <input type="hidden" name="quantity" value="0"/>
                                <button type="submit" class="link-button">{remove_label}</button>
                            </ActionForm>
                            <span class="price">{line_total}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="subtotal">{t!(i18n, shop.subtotal)} <strong>{money(l, group.subtotal)}</strong></p>
            {if orderable && guest {
                view! { <GuestCheckOut shop_id=group.shop_id/> }.into_any()
            } else if orderable {
                view! { <A href=format!("/checkout/{}", group.shop_id) attr:class="button">{t!(i18n, shop.check_out)}</A> }.into_any()
            } else {
                view! { <p class="field-error">{t!(i18n, shop.correct_lines)}</p> }.into_any()
            }}
        </section>
    }
}

/// Checking out needs an account: sign in, or create one, and land on this shop's checkout
/// with the guest cart merged.
#[component]
fn GuestCheckOut(shop_id: i64) -> impl IntoView {
    use crate::accounts::with_next;
    let next = domain::accounts::LocalPath::parse(&format!("/checkout/{shop_id}"));
    let i18n = use_i18n();
    view! {
        <p class="guest-checkout">
            <A href=with_next("/signin", next.as_ref()) attr:class="button">{t!(i18n, shop.sign_in_to_check_out)}</A>
            <A href=with_next("/signup", next.as_ref()) attr:class="button secondary">{t!(i18n, shop.create_account_to_check_out)}</A>
        </p>
    }
}
