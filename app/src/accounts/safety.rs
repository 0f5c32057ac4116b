//! Account safety: change the password (the current one is needed; every other session ends),
//! see where the account is signed in and sign out everywhere else. A sign-in from a device the
//! account has not used before is recorded in the activity and notified (see `session.rs`).

pub use domain::accounts::SessionInfo;
use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::ui::{Field, FormError, field_error, fill, form_error};

/// Signed-in users: change their password. Every other session ends.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<u64, AppError> {
    use crate::accounts::session;
    let (pool, me) = session::signed_in().await?;
    let token = session::request_token().ok_or(AppError::Unauthenticated)?;
    Ok(session::change_password(&pool, &session::hash_gate(), &me, &token, &current_password, &new_password, &session::request_meta()).await?)
}

/// Signed-in users: where their account is signed in.
#[server(prefix = "/api", endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use crate::accounts::session;
    let (pool, me) = session::signed_in().await?;
    let token = session::request_token().ok_or(AppError::Unauthenticated)?;
    Ok(crate::db::accounts::sessions_of(&pool, me.id, &session::token_hash(&token)).await?)
}

/// Signed-in users: sign out on every other device.
#[server(prefix = "/api", endpoint = "sign_out_elsewhere")]
pub async fn sign_out_elsewhere() -> Result<u64, AppError> {
    use crate::accounts::session;
    let (pool, me) = session::signed_in().await?;
    let token = session::request_token().ok_or(AppError::Unauthenticated)?;
    Ok(session::sign_out_elsewhere(&pool, &me, &token, &session::request_meta()).await?)
}

/// What the safety sections load and do. Made at the top of the account page, never inside
/// its `Suspense`: a resource created while a `Suspend` resolves gets a different id on the
/// server than in the browser, so the browser would not find its server-rendered data and
/// hydration would break (a click then submitted the plain way, and the result was lost).
#[derive(Clone, Copy)]
pub struct Safety {
    change: ServerAction<ChangePassword>,
    elsewhere: ServerAction<SignOutElsewhere>,
    sessions: Resource<Result<Vec<SessionInfo>, AppError>>,
}

impl Safety {
    pub fn load() -> Self {
        let change = ServerAction::<ChangePassword>::new();
        let elsewhere = ServerAction::<SignOutElsewhere>::new();
        let sessions = Resource::new(move || (change.version().get(), elsewhere.version().get()), |_| my_sessions());
        Safety { change, elsewhere, sessions }
    }
}

/// The account page's safety sections: sessions and the password form.
#[component]
pub fn AccountSafety(safety: Safety) -> impl IntoView {
    let Safety { change, elsewhere, sessions } = safety;
    let changed = change.value();
    let ended = elsewhere.value();
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">{t!(i18n, account.where_signed_in)}</h2>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, account.loading)}</p> }>
                {move || Suspend::new(async move {
                    let list = sessions.await?;
                    let others = list.iter().filter(|s| !s.current).count();
                    Ok::<_, AppError>(view! {
                        <ul class="sessions">
                            {list.into_iter().map(|s| view! {
                                <li>
                                    <strong>{if s.current { td_string!(l, account.this_device) } else { td_string!(l, account.another_device) }}</strong>
                                    <span class="wrap" translate="no">{s.device.clone()}</span>
                                    <span class="muted">{fill(td_string!(l, account.session_facts), &[("ip", s.ip.clone()), ("since", crate::ui::when(s.created_at)), ("last", crate::ui::when(s.last_seen_at))])}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        {(others > 0).then(|| view! {
                            <ActionForm action=elsewhere>
                                <button type="submit" class="button button-danger">{fill(td_string!(l, account.sign_out_elsewhere), &[("count", others.to_string())])}</button>
                            </ActionForm>
                        })}
                    })
                })}
            </Transition>
            <FormError error=form_error(ended)/>
            {move || ended.get().and_then(Result::ok).map(|n| view! { <p class="notice-ok" role="status">{fill(td_string!(l, account.signed_out_on), &[("count", n.to_string())])}</p> })}
        </section>
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">{t!(i18n, account.change_password)}</h2>
            <ActionForm action=change>
                <Field label=t_string!(i18n, account.current_password) name="current_password" kind="password" autocomplete="current-password" required=true error=field_error(changed, "current_password")/>
                <Field label=t_string!(i18n, account.new_password) name="new_password" kind="password" autocomplete="new-password" required=true hint=t_string!(i18n, account.password_hint) error=field_error(changed, "new_password")/>
                <FormError error=form_error(changed)/>
                <button type="submit" class="button" disabled=move || change.pending().get()>{t!(i18n, account.change_password)}</button>
            </ActionForm>
            {move || changed.get().and_then(Result::ok).map(|n| view! {
                <p class="notice-ok" role="status">{fill(td_string!(l, account.password_changed), &[("count", n.to_string())])}</p>
            })}
        </section>
    }
}
