//! `/merchant/api-keys`: the shop's keys for the merchant API (`/api/v1`) — create one (named,
//! read-only or read-write; its secret shown once), see when each was last used, revoke one (at
//! once), and the latest requests made with them.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::ui::{ConfirmButton, Field, FormError, confirmation_asked, field_error, fill, form_error, when};
use domain::api::{ApiKeyView, ApiRequestView, ApiScope, NewApiKey};

/// Merchants: their shop's keys and latest API requests.
#[server(prefix = "/api", endpoint = "api_keys")]
pub async fn api_keys() -> Result<(Vec<ApiKeyView>, Vec<ApiRequestView>), AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    Ok(backend::api::keys(&pool, &me).await?)
}

/// Merchants: a new key; the answer is the only time its secret is shown.
#[server(prefix = "/api", endpoint = "create_api_key")]
pub async fn create_api_key(#[server(default)] name: String, #[server(default)] scope: String) -> Result<NewApiKey, AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    Ok(backend::api::create_key(&pool, &me, &name, &scope).await?)
}

/// Merchants: revoke a key (confirmed); requests with it are refused from then on.
#[server(prefix = "/api", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(key_id: i64, #[server(default)] confirm: String) -> Result<(), AppError> {
    let (pool, me, _) = crate::catalog::my_open_shop().await?;
    crate::ui::confirmed(&confirm, format!("revoke-{key_id}"))?;
    Ok(backend::api::revoke_key(&pool, &me, key_id).await?)
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let listed = Resource::new(move || (create.version().get(), revoke.version().get()), |_| api_keys());
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, api.title)/>
        <h1>{t!(i18n, api.title)}</h1>
        <p class="muted">{t!(i18n, api.intro)}</p>
        <CreateKey create/>
        <Transition fallback=move || view! { <p class="muted" role="status">{t!(i18n, api.loading)}</p> }>
            {move || Suspend::new(async move {
                let (keys, requests) = listed.await?;
                Ok::<_, AppError>(view! { <Keys keys revoke/><Requests requests/> })
            })}
        </Transition>
    }
}

#[component]
fn CreateKey(create: ServerAction<CreateApiKey>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let value = create.value();
    let shown = move || {
        value.with(|v| {
            v.as_ref().and_then(|r| r.as_ref().ok()).map(|k| {
                let key = k.key.clone();
                view! {
                    <div class="notice" role="status">
                        <p>{fill(td_string!(l, api.created), &[("name", k.view.name.clone())])}</p>
                        <p><label for="new-key">{t!(i18n, api.the_key)}</label></p>
                        <input id="new-key" class="key" readonly value=key.clone() translate="no"/>
                        <p><strong>{t!(i18n, api.shown_once)}</strong></p>
                    </div>
                }
            })
        })
    };
    view! {
        <section class="card" aria-labelledby="new-key-title">
            <h2 id="new-key-title">{t!(i18n, api.create_heading)}</h2>
            <ActionForm action=create>
                <Field label=td_string!(l, api.f_name) name="name" maxlength=60 hint=td_string!(l, api.f_name_hint) error=field_error(value, "name")/>
                <fieldset>
                    <legend>{t!(i18n, api.f_scope)}</legend>
                    <label><input type="radio" name="scope" value=ApiScope::Read.as_str() checked/>" "{t!(i18n, api.scope_read)}</label>
                    <label><input type="radio" name="scope" value=ApiScope::ReadWrite.as_str()/>" "{t!(i18n, api.scope_read_write)}</label>
                    <p class="field-error">{move || field_error(value, "scope").get()}</p>
                </fieldset>
                <FormError error=form_error(value)/>
                <button type="submit" class="button" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { td_string!(l, api.creating) } else { td_string!(l, api.create) }}
                </button>
            </ActionForm>
            {shown}
        </section>
    }
}

#[component]
fn Keys(keys: Vec<ApiKeyView>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    if keys.is_empty() {
        return view! { <section class="card" aria-labelledby="keys-title"><h2 id="keys-title">{t!(i18n, api.keys_heading)}</h2><p>{t!(i18n, api.none)}</p></section> }.into_any();
    }
    let cols = [
        td_string!(l, api.col_name),
        td_string!(l, api.col_prefix),
        td_string!(l, api.col_scope),
        td_string!(l, api.col_created),
        td_string!(l, api.col_last_used),
        td_string!(l, api.col_state),
    ];
    let value = revoke.value();
    view! {
        <section class="card" aria-labelledby="keys-title">
            <h2 id="keys-title">{t!(i18n, api.keys_heading)}</h2>
            <table class="table">
                <thead><tr>{cols.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {keys.into_iter().map(|k| {
                        let subject = format!("revoke-{}", k.id);
                        let name = k.name.clone();
                        let (label, question) = (
                            fill(td_string!(l, api.revoke), &[("name", name.clone())]),
                            fill(td_string!(l, api.revoke_question), &[("name", name.clone())]),
                        );
                        let scope = if k.scope == ApiScope::Read { td_string!(l, api.scope_read) } else { td_string!(l, api.scope_read_write) };
                        let state = match k.revoked_at {
                            Some(at) => view! { <span>{fill(td_string!(l, api.revoked_at), &[("at", when(at))])}</span> }.into_any(),
                            None => view! {
                                <ActionForm action=revoke>
                                    <input type="hidden" name="key_id" value=k.id.to_string()/>
                                    <ConfirmButton
                                        label=label
                                        subject=subject.clone()
                                        question=question
                                        consequence=td_string!(l, api.revoke_consequence)
                                        keep=td_string!(l, api.keep)
                                        asked=confirmation_asked(value, subject.clone())
                                    />
                                </ActionForm>
                            }.into_any(),
                        };
                        view! {
                            <tr>
                                <td class="card-title">{name}</td>
                                <td data-label=cols[1] translate="no">{format!("{}_…", k.prefix)}</td>
                                <td data-label=cols[2]>{scope}</td>
                                <td data-label=cols[3]>{when(k.created_at)}</td>
                                <td data-label=cols[4]>{k.last_used_at.map(when).unwrap_or_else(|| td_string!(l, api.never).to_string())}</td>
                                <td data-label=cols[5]>{state}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn Requests(requests: Vec<ApiRequestView>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let cols = [td_string!(l, api.col_time), td_string!(l, api.col_key), td_string!(l, api.col_request), td_string!(l, api.col_status)];
    view! {
        <section class="card" aria-labelledby="requests-title">
            <h2 id="requests-title">{t!(i18n, api.requests_heading)}</h2>
            {if requests.is_empty() {
                view! { <p>{t!(i18n, api.no_requests)}</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr>{cols.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {requests.into_iter().map(|r| view! {
                                <tr>
                                    <td data-label=cols[0]>{when(r.at)}</td>
                                    <td data-label=cols[1] translate="no">{r.key_prefix}</td>
                                    <td data-label=cols[2] translate="no">{format!("{} {}", r.method, r.route)}</td>
                                    <td data-label=cols[3]>{r.status}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
