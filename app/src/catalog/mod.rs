//! The catalog: a merchant's products (add, edit, archive, image) and the shop and product
//! pages shoppers browse. Titles and descriptions are plain text, escaped when shown.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::error::AppError;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::ui::fill;
use crate::ui::{Field, FormError, field_error, form_error};
pub use domain::catalog::{MAX_STOCK, MyShopData, Product, ProductForm, ProductInput, Shop, ShopPageData};
use domain::money::Currency;

/// How a merchant's shop functions open: the request's pool, the merchant, and their shop if
/// it is open (approved); refused for anyone else.
#[cfg(feature = "ssr")]
pub async fn my_open_shop() -> Result<(sqlx::PgPool, domain::accounts::CurrentUser, Shop), AppError> {
    let (pool, me) = crate::accounts::session::signed_in_as(domain::accounts::Role::Merchant).await?;
    let shop = backend::catalog::open_shop_of(&pool, &me).await?;
    Ok((pool, me, shop))
}

// ---- Server functions -------------------------------------------------------------------

/// Merchants with an open shop: their shop and all its products, archived included.
#[server(prefix = "/api", endpoint = "my_shop")]
pub async fn my_shop() -> Result<MyShopData, AppError> {
    let (pool, _, shop) = crate::catalog::my_open_shop().await?;
    let products = crate::db::catalog::products_of_shop(&pool, shop.id, true).await?;
    Ok(MyShopData { shop, products })
}

/// Merchants with an open shop: add a product (no `id`) or edit one of their own.
#[server(prefix = "/api", endpoint = "save_product")]
pub async fn save_product(#[server(default)] id: Option<i64>, product: ProductForm) -> Result<Product, AppError> {
    let (pool, _, shop) = crate::catalog::my_open_shop().await?;
    Ok(backend::catalog::save(&pool, &shop, id, &product).await?)
}

/// Anyone: an open shop with its active products.
#[server(prefix = "/api", endpoint = "shop_page")]
pub async fn shop_page(shop_id: i64) -> Result<ShopPageData, AppError> {
    let pool = crate::db::pool()?;
    let shop = crate::db::catalog::shop_by_id(&pool, shop_id).await?.ok_or_else(|| AppError::NotFound("The shop".into()))?;
    let products = crate::db::catalog::products_of_shop(&pool, shop.id, false).await?;
    Ok(ShopPageData { shop, products })
}

/// Anyone: an active product (archived ones are not found).
#[server(prefix = "/api", endpoint = "product_page")]
pub async fn product_page(product_id: i64) -> Result<Product, AppError> {
    let pool = crate::db::pool()?;
    crate::db::catalog::product_by_id(&pool, product_id).await?.filter(|p| p.active).ok_or_else(|| AppError::NotFound("The product".into()))
}

// ---- Pages ------------------------------------------------------------------------------

#[component]
pub fn ProductCard(product: Product) -> impl IntoView {
    let href = format!("/products/{}", product.id);
    let i18n = use_i18n();
    view! {
        <li class="product-card">
            {product.image_url().map(|src| view! { <img src=src alt="" loading="lazy" width="160" height="160"/> })}
            <A href=href>{product.title.clone()}</A>
            <span class="price">{crate::words::money(i18n.get_locale_untracked(), product.price)}</span>
            {(product.stock == 0).then(|| view! { <span class="muted">{t!(i18n, shop.product_sold_out)}</span> })}
        </li>
    }
}

#[component]
pub fn ShopPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.with(|p| p.get("shop_id").and_then(|s| s.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => shop_page(id).await,
                None => Err(AppError::NotFound("The shop".into())),
            }
        },
    );
    let i18n = use_i18n();
    view! {
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.shop_loading)}</p> }>
            {move || Suspend::new(async move {
                let data = data.await?;
                Ok::<_, AppError>(view! {
                    <Title text=data.shop.name.clone()/>
                    <h1>{data.shop.name.clone()}</h1>
                    {if data.products.is_empty() {
                        view! { <p class="muted">{t!(i18n, shop.shop_no_products)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="product-grid">
                                {data.products.into_iter().map(|p| view! { <ProductCard product=p/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                })
            })}
        </Transition>
    }
}

#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.with(|p| p.get("product_id").and_then(|s| s.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => product_page(id).await,
                None => Err(AppError::NotFound("The product".into())),
            }
        },
    );
    let i18n = use_i18n();
    view! {
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.loading)}</p> }>
            {move || Suspend::new(async move {
                let p = data.await?;
                Ok::<_, AppError>(view! {
                    <Title text=p.title.clone()/>
                    <p><A href=format!("/shops/{}", p.shop_id)>{format!("← {}", p.shop_name)}</A></p>
                    <article class="card product">
                        {p.image_url().map(|src| view! { <img src=src alt=p.title.clone() class="product-image"/> })}
                        <div>
                            <h1>{p.title.clone()}</h1>
                            <p class="price big">{crate::words::money(i18n.get_locale_untracked(), p.price)}</p>
                            <p class="description">{p.description.clone()}</p>
                            <crate::cart::AddToCart product_id=p.id stock=p.stock/>
                        </div>
                    </article>
                })
            })}
        </Transition>
    }
}

/// The merchant's products: list, add, edit, archive.
#[component]
pub fn MerchantProductsPage() -> impl IntoView {
    let save = ServerAction::<SaveProduct>::new();
    let saved = move || save.value().with(|v| v.as_ref().and_then(|r| r.as_ref().ok()).map(|p| (p.id, p.title.clone(), p.stock, p.active, p.price)));
    let data = Resource::new(saved, |_| my_shop());
    let editing = RwSignal::new(None::<Product>);
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, merchant.p_title)/>
        <h1>{t!(i18n, merchant.p_title)}</h1>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, merchant.p_loading)}</p> }>
            {move || Suspend::new(async move {
                let data = data.await?;
                let currency = data.shop.currency;
                Ok::<_, AppError>(view! {
                    <p class="muted">{fill(td_string!(l, merchant.p_sells_in), &[("shop", data.shop.name.clone()), ("currency", currency.to_string())])}</p>
                    <section class="card">
                        <h2>{t!(i18n, merchant.p_yours)}</h2>
                        {if data.products.is_empty() {
                            view! { <p class="muted">{t!(i18n, merchant.p_none)}</p> }.into_any()
                        } else {
                            view! {
                                <table class="table">
                                    <thead><tr><th scope="col">{t!(i18n, merchant.p_col_product)}</th><th scope="col">{t!(i18n, merchant.p_col_price)}</th><th scope="col">{t!(i18n, merchant.p_col_stock)}</th><th scope="col">{t!(i18n, merchant.p_col_state)}</th><th scope="col"><span class="visually-hidden">{t!(i18n, merchant.p_col_actions)}</span></th></tr></thead>
                                    <tbody>
                                        {data.products.into_iter().map(|p| {
                                            let edit = p.clone();
                                            view! {
                                                <tr>
                                                    <td class="wrap">{p.title.clone()}</td>
                                                    <td>{crate::words::money(i18n.get_locale_untracked(), p.price)}</td>
                                                    <td>{p.stock}</td>
                                                    <td>{if p.active { td_string!(l, merchant.p_active) } else { td_string!(l, merchant.p_archived) }}</td>
                                                    <td><button type="button" class="link-button" on:click=move |_| editing.set(Some(edit.clone()))>
                                                        {fill(td_string!(l, merchant.p_edit), &[("product", p.title.clone())])}
                                                    </button></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    </section>
                    {move || view! { <ProductEditor action=save currency editing=editing.get()/> }}
                })
            })}
        </Transition>
    }
}

#[component]
fn ProductEditor(action: ServerAction<SaveProduct>, currency: Currency, editing: Option<Product>) -> impl IntoView {
    let value = action.value();
    let pending = action.pending();
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let (heading, id, form) = match &editing {
        Some(p) => (
            fill(td_string!(l, merchant.p_edit_heading), &[("product", p.title.clone())]),
            Some(p.id),
            ProductForm {
                title: p.title.clone(),
                description: p.description.clone(),
                price: p.price.major_string(),
                stock: p.stock.to_string(),
                active: p.active.then(|| "on".to_string()),
            },
        ),
        None => (td_string!(l, merchant.p_add).to_string(), None, ProductForm { active: Some("on".into()), ..Default::default() }),
    };
    let price_hint = if currency.exponent() == 0 { td_string!(l, merchant.p_price_hint_whole) } else { td_string!(l, merchant.p_price_hint_decimal) };
    view! {
        <section class="card" aria-label=heading.clone()>
            <h2>{heading.clone()}</h2>
            <ActionForm action=action>
                {id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
                <Field label=t_string!(i18n, merchant.p_field_title) name="product[title]" value=form.title maxlength=120 required=true error=field_error(value, "title")/>
                <div class="field">
                    <label for="product[description]">{t!(i18n, merchant.p_field_description)}</label>
                    <textarea id="product[description]" name="product[description]" rows="4" maxlength="4000">{form.description}</textarea>
                    <p class="field-error">{move || field_error(value, "description").get()}</p>
                </div>
                <Field label=fill(td_string!(l, merchant.p_field_price), &[("currency", currency.to_string())]) name="product[price]" value=form.price hint=price_hint required=true error=field_error(value, "price")/>
                <Field label=t_string!(i18n, merchant.p_field_stock) name="product[stock]" kind="number" value=form.stock required=true error=field_error(value, "stock")/>
                <label class="choice"><input type="checkbox" name="product[active]" checked=form.active.is_some()/>" "{t!(i18n, merchant.p_field_active)}</label>
                <FormError error=form_error(value)/>
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { t_string!(i18n, merchant.p_saving) } else { t_string!(i18n, merchant.p_save) }}
                </button>
            </ActionForm>
            {id.map(|id| view! { <crate::catalog::ImageUpload product_id=id/> })}
        </section>
    }
}

/// A plain multipart form that uploads a product image to `/merchant/products/{id}/image`.
#[component]
pub fn ImageUpload(product_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <form class="image-upload" method="post" enctype="multipart/form-data" action=format!("/merchant/products/{product_id}/image")>
            <div class="field">
                <label for="image">{t!(i18n, merchant.p_image)}</label>
                <input id="image" name="image" type="file" accept="image/png,image/jpeg,image/webp" required=true/>
            </div>
            <button type="submit" class="button secondary">{t!(i18n, merchant.p_upload)}</button>
        </form>
    }
}
