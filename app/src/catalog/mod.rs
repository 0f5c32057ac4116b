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

/// Anyone: an open shop with its active products, or those matching `q` (title or
/// description, any case) when it is not empty.
#[server(prefix = "/api", endpoint = "shop_page")]
pub async fn shop_page(shop_id: i64, #[server(default)] q: Option<String>) -> Result<ShopPageData, AppError> {
    let pool = crate::db::pool()?;
    let shop = crate::db::catalog::shop_by_id(&pool, shop_id).await?.ok_or_else(|| AppError::NotFound("The shop".into()))?;
    let query = domain::catalog::search_terms(q.as_deref().unwrap_or_default());
    let products = if query.is_empty() {
        crate::db::catalog::products_of_shop(&pool, shop.id, false).await?
    } else {
        backend::catalog::search(&pool, Some(shop.id), &query).await?
    };
    Ok(ShopPageData { shop, products, query })
}

/// Anyone: the active products of every shop matching `q` (title or description, any case).
#[server(prefix = "/api", endpoint = "search_products")]
pub async fn search_products(q: String) -> Result<Vec<Product>, AppError> {
    let pool = crate::db::pool()?;
    if domain::catalog::search_terms(&q).is_empty() {
        return Ok(Vec::new());
    }
    Ok(backend::catalog::search(&pool, None, &q).await?)
}

/// Anyone: an active product (archived ones are not found).
#[server(prefix = "/api", endpoint = "product_page")]
pub async fn product_page(product_id: i64) -> Result<Product, AppError> {
    let pool = crate::db::pool()?;
    crate::db::catalog::product_by_id(&pool, product_id).await?.filter(|p| p.active).ok_or_else(|| AppError::NotFound("The product".into()))
}

// ---- Pages ------------------------------------------------------------------------------

/// How wide a card's image shows (the grid's columns: two on a phone, up to five at 60rem),
/// so that the browser picks the smallest width that is sharp.
const CARD_SIZES: &str = "(min-width: 60rem) 12rem, (min-width: 30rem) 33vw, 50vw";
/// The product page's image: the left column on wide screens, the whole width on phones.
const PRODUCT_SIZES: &str = "(min-width: 48rem) 28rem, 100vw";

/// A product's image at the widths stored, or a placeholder drawn in CSS (no request) when it
/// has none. `eager` for an image above the fold (the product page's).
#[component]
fn ProductPhoto(product: Product, sizes: &'static str, #[prop(optional)] eager: bool) -> impl IntoView {
    let i18n = use_i18n();
    match product.image {
        Some(image) => {
            let width = image.width_for(if eager { 960 } else { 480 });
            view! {
                <img
                    class="product-photo"
                    src=image.src(product.id, width)
                    srcset=image.srcset(product.id)
                    sizes=sizes
                    width=image.width
                    height=image.height
                    alt=product.title
                    loading=if eager { "eager" } else { "lazy" }
                    fetchpriority=eager.then_some("high")
                    decoding="async"
                />
            }
            .into_any()
        }
        None => view! {
            <div class="product-photo product-placeholder" role="img" aria-label=t_string!(i18n, shop.no_photo)>
                <span aria-hidden="true">{initial(&product.title)}</span>
            </div>
        }
        .into_any(),
    }
}

/// The first letter of a title, shown large on the placeholder.
fn initial(title: &str) -> String {
    title.chars().find(|c| c.is_alphanumeric()).map(|c| c.to_uppercase().collect()).unwrap_or_default()
}

/// A product in a grid: its image first, then title, price and stock. The title's link covers
/// the whole card (CSS), so the card is one link with the title as its name.
#[component]
pub fn ProductCard(product: Product, #[prop(optional)] show_shop: bool) -> impl IntoView {
    let href = format!("/products/{}", product.id);
    let i18n = use_i18n();
    let stock = product.stock;
    view! {
        <li class="product-card">
            <ProductPhoto product=product.clone() sizes=CARD_SIZES/>
            <div class="product-card-body">
                <A href=href attr:class="product-card-link">{product.title.clone()}</A>
                {show_shop.then(|| view! { <span class="muted product-card-shop" translate="no">{product.shop_name.clone()}</span> })}
                <span class="price">{crate::words::money(i18n.get_locale_untracked(), product.price)}</span>
                {if stock == 0 {
                    view! { <span class="badge product-sold-out">{t!(i18n, shop.product_sold_out)}</span> }.into_any()
                } else {
                    view! { <span class="muted product-stock">{t!(i18n, shop.in_stock, count = move || stock)}</span> }.into_any()
                }}
            </div>
        </li>
    }
}

/// A search box: a plain GET form (works before hydration; after, the router navigates).
#[component]
fn ProductSearch(action: String, query: String, label: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div role="search" class="product-search">
            // A plain form: the router's `Form` sends its unnamed submit button too ("?q=tea&=").
            <form method="get" action=action>
                <label for="product-search">{label}</label>
                <div class="product-search-row">
                    <input id="product-search" type="search" name="q" value=query maxlength="100" enterkeyhint="search" autocomplete="off"/>
                    <button type="submit" class="button">{t!(i18n, shop.search_button)}</button>
                </div>
            </form>
        </div>
    }
}

/// What a search found: "No products match “…”" with a way back, or the number of results.
#[component]
fn SearchOutcome(query: String, found: usize, all_href: String, all_label: String) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <p role="status" class="search-outcome">
            {if found == 0 {
                fill(td_string!(l, shop.search_none), &[("query", query)])
            } else {
                fill(td_string!(l, shop.search_found), &[("query", query), ("count", found.to_string())])
            }}
            " "
            // A plain link: the router's would mark it as the current page (the query aside).
            <a href=all_href>{all_label}</a>
        </p>
    }
}

#[component]
pub fn ShopPage() -> impl IntoView {
    let params = use_params_map();
    let query = leptos_router::hooks::use_query_map();
    let data = Resource::new(
        move || (params.with(|p| p.get("shop_id").and_then(|s| s.parse::<i64>().ok())), query.with(|q| q.get("q").unwrap_or_default())),
        |(id, q)| async move {
            match id {
                Some(id) => shop_page(id, Some(q)).await,
                None => Err(AppError::NotFound("The shop".into())),
            }
        },
    );
    let i18n = use_i18n();
    view! {
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.shop_loading)}</p> }>
            {move || Suspend::new(async move {
                let data = data.await?;
                let href = format!("/shops/{}", data.shop.id);
                let searching = !data.query.is_empty();
                Ok::<_, AppError>(view! {
                    <Title text=data.shop.name.clone()/>
                    <div class="shop-head">
                        <h1 translate="no">{data.shop.name.clone()}</h1>
                        <ProductSearch action=href.clone() query=data.query.clone() label=t_string!(i18n, shop.search_shop).to_string()/>
                    </div>
                    {searching.then(|| view! { <SearchOutcome query=data.query.clone() found=data.products.len() all_href=href.clone() all_label=t_string!(i18n, shop.search_show_all).to_string()/> })}
                    {if data.products.is_empty() {
                        (!searching).then(|| view! { <p class="muted">{t!(i18n, shop.shop_no_products)}</p> }).into_any()
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

/// Products of every shop matching `?q=` (the home page's search box leads here).
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let data = Resource::new(
        move || query.with(|q| q.get("q").unwrap_or_default()),
        |q| async move { search_products(q.clone()).await.map(|found| (domain::catalog::search_terms(&q), found)) },
    );
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, shop.search_title)/>
        <h1>{t!(i18n, shop.search_title)}</h1>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, shop.loading)}</p> }>
            {move || Suspend::new(async move {
                let (terms, found) = data.await?;
                Ok::<_, AppError>(view! {
                    <ProductSearch action="/search".to_string() query=terms.clone() label=t_string!(i18n, shop.search_everywhere).to_string()/>
                    {(!terms.is_empty()).then(|| view! { <SearchOutcome query=terms.clone() found=found.len() all_href="/".to_string() all_label=t_string!(i18n, shop.browse_shops).to_string()/> })}
                    <ul class="product-grid">
                        {found.into_iter().map(|p| view! { <ProductCard product=p show_shop=true/> }).collect_view()}
                    </ul>
                })
            })}
        </Transition>
    }
}

/// The home page's search box: every shop's products.
#[component]
pub fn SearchEverywhere() -> impl IntoView {
    let i18n = use_i18n();
    view! { <ProductSearch action="/search".to_string() query=String::new() label=t_string!(i18n, shop.search_everywhere).to_string()/> }
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
                    <p class="back-to-shop"><A href=format!("/shops/{}", p.shop_id)>{format!("← {}", p.shop_name)}</A></p>
                    <article class="card product">
                        <div class="product-media">
                            <ProductPhoto product=p.clone() sizes=PRODUCT_SIZES eager=true/>
                        </div>
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
                                                    <td class="wrap card-title">{p.title.clone()}</td>
                                                    <td data-label=t_string!(i18n, merchant.p_col_price)>{crate::words::money(i18n.get_locale_untracked(), p.price)}</td>
                                                    <td data-label=t_string!(i18n, merchant.p_col_stock)>{p.stock}</td>
                                                    <td data-label=t_string!(i18n, merchant.p_col_state)>{if p.active { td_string!(l, merchant.p_active) } else { td_string!(l, merchant.p_archived) }}</td>
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
