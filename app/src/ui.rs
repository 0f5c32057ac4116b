//! Small form building blocks shared by every flow: labelled fields whose error message sits
//! next to them (linked with `aria-describedby`), and a form-level error line; the widgets
//! several flows show (an order's status tag, the payment countdown, "Report a problem").

use leptos::prelude::*;
use leptos_router::components::A;
use time::OffsetDateTime;

use crate::error::AppError;
use domain::orders::OrderStatus;

pub use crate::texts::fill;
pub use crate::words::order_status_text;

/// The reader's time zone: how many minutes their clock is ahead of UTC, as their browser
/// told us in the `tz` cookie (written after hydration, see [`Zone::remember_browsers`]).
/// UTC until it has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Zone(pub i16);

/// The cookie that carries the browser's [`Zone`].
pub const ZONE_COOKIE: &str = "tz";

impl Zone {
    /// A cookie's value, if it is an offset some place on earth has.
    pub fn parse(raw: &str) -> Option<Zone> {
        raw.trim().parse::<i16>().ok().filter(|m| m.unsigned_abs() <= domain::accounts::MAX_ZONE_MINUTES.unsigned_abs()).map(Zone)
    }

    /// The zone this page is rendered in. The server reads the request's cookie; the browser
    /// reads what the server rendered with (`data-tz` on `#app`), so hydration sees the very
    /// same text even on a first visit, before the cookie exists.
    pub fn of_page() -> Zone {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>()
                .and_then(|parts| crate::cookies::value(&parts.headers, ZONE_COOKIE).and_then(Zone::parse))
                .unwrap_or_default()
        }
        #[cfg(not(feature = "ssr"))]
        {
            document().get_element_by_id("app").and_then(|app| app.get_attribute("data-tz")).and_then(|raw| Zone::parse(&raw)).unwrap_or_default()
        }
    }

    /// In the browser, after hydration: keep its zone in the cookie for the pages to come.
    pub fn remember_browsers(rendered: Zone) {
        #[cfg(feature = "hydrate")]
        {
            let minutes = -(js_sys::Date::new_0().get_timezone_offset() as i16);
            if Zone(minutes) != rendered {
                let cookie = format!("{ZONE_COOKIE}={minutes}; Path=/; Max-Age=31536000; SameSite=Lax");
                let _ = js_sys::Reflect::set(&document(), &"cookie".into(), &cookie.into());
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = rendered;
    }
}

/// Whether the whole page is hydrated, its lazily loaded page included. Pages are lazy routes
/// (`shell/lazy.rs`): the browser hydrates the frame, waits for the page's chunk, then hydrates
/// the rest. Anything the browser alone changes (the live channel opening, a count refetched)
/// must wait for this, or the part not hydrated yet no longer matches the server's HTML.
#[derive(Clone, Copy, Debug)]
pub struct Hydrated(pub RwSignal<bool>);

impl Hydrated {
    pub fn provide() -> Hydrated {
        let hydrated = Hydrated(RwSignal::new(false));
        provide_context(hydrated);
        hydrated
    }

    /// Called by every page's frame, inside the route tree: its effects run only once that tree
    /// is hydrated.
    pub fn mark_when_done() {
        if let Some(Hydrated(flag)) = use_context::<Hydrated>() {
            Effect::new(move |_| {
                if !flag.get_untracked() {
                    flag.set(true);
                }
            });
        }
    }

    /// True once the whole page is hydrated (always false on the server).
    pub fn get() -> bool {
        use_context::<Hydrated>().is_some_and(|Hydrated(flag)| flag.get())
    }
}

/// A time on the reader's clock, with its zone ("2026-11-30 17:30 UTC+8").
pub fn when(t: OffsetDateTime) -> String {
    domain::accounts::format_at(t, use_context::<Zone>().unwrap_or_default().0)
}

/// Text made safe for HTML text and quoted attribute values, for the rare place where a
/// library writes a string into the page as it is (the document title).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The latest result of a server action, as the forms read it.
pub type ActionResult<T> = Option<Result<T, AppError>>;

/// An action's latest result, or — when the page was reached by a plain HTML form post that
/// failed (no JavaScript) — the error the server sent back in the URL for server function `S`.
/// Actions created inside a route see that error by themselves; this serves the session
/// actions, which live above the routes.
pub fn with_url_error<S, T>(value: impl Get<Value = ActionResult<T>> + Send + Sync + 'static) -> Signal<ActionResult<T>>
where
    S: leptos::server_fn::ServerFn,
    T: Clone + Send + Sync + 'static,
{
    use leptos::server_fn::error::ServerFnUrlError;
    let query = leptos_router::hooks::use_query_map();
    let from_url = move || {
        query.with(|q| (q.get_str("__path") == Some(S::PATH)).then(|| q.get_str("__err").map(ServerFnUrlError::<AppError>::decode_err)).flatten())
    };
    Signal::derive(move || value.get().or_else(|| from_url().map(Err)))
}

/// The message for `field` from the action's latest error, if any.
pub fn field_error<T, S>(value: S, field: &'static str) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    S: With<Value = ActionResult<T>> + Send + Sync + 'static,
{
    let l = crate::i18n::use_i18n().get_locale_untracked();
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(err)) => err.message_for(field).map(|m| crate::words::message_text(l, m)),
            _ => None,
        })
    })
}

/// The action's latest error when it is not about a particular field.
pub fn form_error<T, S>(value: S) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    S: With<Value = ActionResult<T>> + Send + Sync + 'static,
{
    let l = crate::i18n::use_i18n().get_locale_untracked();
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(AppError::Validation(_))) | None | Some(Ok(_)) => None,
            Some(Err(err)) => Some(err.text(l)),
        })
    })
}

/// When a submit comes back with this field invalid, the first invalid field of its form gets
/// the focus, so that keyboard and screen-reader users land on it (its label and message are read,
/// through `aria-describedby`). Deferred one tick, until every field of the form has updated.
pub fn focus_first_invalid_on_error(field: NodeRef<leptos::html::Input>, error: Signal<Option<String>>) {
    // `error` is derived from the action's latest result, so this runs again with every new
    // answer — also when this field's message stays the same.
    Effect::new(move |_| {
        if error.try_with(Option::is_some).unwrap_or(false)
            && let Some(input) = field.get_untracked()
        {
            set_timeout(move || focus_first_invalid(&input), std::time::Duration::ZERO);
        }
    });
}

/// Moves the focus to the first `aria-invalid` control of `element`'s form.
pub fn focus_first_invalid(element: &leptos::web_sys::Element) {
    use leptos::wasm_bindgen::JsCast;
    let Ok(Some(form)) = element.closest("form") else { return };
    if let Ok(Some(first)) = form.query_selector("[aria-invalid=\"true\"]")
        && let Some(control) = first.dyn_ref::<leptos::web_sys::HtmlElement>()
    {
        let _ = control.focus();
    }
}

#[component]
pub fn Field(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(default = false)] required: bool,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let has_hint = hint.is_some();
    let described = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.try_with(Option::is_some).unwrap_or(false) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let input = NodeRef::<leptos::html::Input>::new();
    focus_first_invalid_on_error(input, error);
    view! {
        <div class="field" class:has-error=move || error.try_with(Option::is_some).unwrap_or(false)>
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                node_ref=input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                maxlength=maxlength
                value=value
                aria-invalid=move || error.try_with(Option::is_some).unwrap_or(false).then_some("true")
                aria-describedby=described
            />
            <p class="field-error" id=error_id>{move || error.try_get().flatten()}</p>
        </div>
    }
}

#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    options: &'static [(&'static str, &'static str)],
    #[prop(optional, into)] value: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let selected = value.unwrap_or_default();
    view! {
        <div class="field" class:has-error=move || error.try_with(Option::is_some).unwrap_or(false)>
            <label for=name>{label}</label>
            <select
                id=name
                name=name
                aria-invalid=move || error.try_with(Option::is_some).unwrap_or(false).then_some("true")
                aria-describedby=error_id.clone()
            >
                <option value="" selected=selected.is_empty()>{crate::i18n::t!(crate::i18n::use_i18n(), common.choose)}</option>
                {options
                    .iter()
                    .map(|(code, text)| {
                        view! { <option value=*code selected=selected == *code>{*text}</option> }
                    })
                    .collect_view()}
            </select>
            <p class="field-error" id=error_id>{move || error.try_get().flatten()}</p>
        </div>
    }
}

/// A form-level error (throttling, outage…), announced to screen readers.
///
/// Error signals here are derived from an action's value inside a page's `Suspend`; when the
/// action's answer both re-renders the page and reaches the old view, the old view may run
/// once after its signals were disposed. So they are read with `try_*`: nothing is shown
/// instead of a panic (which left the page dead: seen on the pay page, phone, under load).
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="form-error" role="alert">{move || error.try_get().flatten()}</p>
    }
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters pass through).
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The server side of a confirmation: a destructive server function calls this before it
/// acts. Unless its form carried `confirm=yes` (the confirm button's own name and value), it
/// refuses — nothing is done — and names the `subject` (an action, a method's id), so that the
/// page shows the confirmation step beside the right button. That step is what a browser
/// without JavaScript (or before hydration) sees after its first press.
pub fn confirmed(confirm: &str, subject: impl Into<String>) -> Result<(), AppError> {
    if confirm == "yes" { Ok(()) } else { Err(AppError::field("confirm", domain::Message::ConfirmFirst { subject: subject.into() })) }
}

/// Whether the action's latest answer asks to confirm `subject` (see [`confirmed`]).
pub fn confirmation_asked<T, S>(value: S, subject: impl Into<String>) -> Signal<bool>
where
    T: Send + Sync + 'static,
    S: With<Value = ActionResult<T>> + Send + Sync + 'static,
{
    let subject = subject.into();
    Signal::derive(move || {
        value
            .try_with(|v| match v {
                Some(Err(err)) => matches!(err.message_for("confirm"), Some(domain::Message::ConfirmFirst { subject: s }) if *s == subject),
                _ => false,
            })
            .unwrap_or(false)
    })
}

/// The submit button of a destructive action, placed inside its form (which carries the other
/// fields). With JavaScript, pressing it opens a modal `<dialog>` that asks `question`, says
/// `consequence`, and offers "Keep …" (focused: the safe choice; Escape closes too) and
/// "Confirm", which submits the form with `confirm=yes`. Without JavaScript the press submits
/// the form without `confirm`; the server refuses ([`confirmed`]) and the page comes back with
/// `asked` set: the same question and buttons are then shown in the page instead.
#[component]
pub fn ConfirmButton(
    /// What the button says ("Cancel order").
    #[prop(into)]
    label: String,
    /// Names what is confirmed, unique on the page (an action, a method's id): element ids.
    #[prop(into)]
    subject: String,
    /// "Cancel order PD-1042?"
    #[prop(into)]
    question: String,
    /// "The shopper is told and the stock goes back."
    #[prop(into)]
    consequence: String,
    /// The safe button ("Keep the order").
    #[prop(into)]
    keep: String,
    /// Whether the server asked for the confirmation (see [`confirmation_asked`]).
    #[prop(into)]
    asked: Signal<bool>,
    #[prop(default = "button button-danger")] class: &'static str,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    use crate::i18n::{t, use_i18n};
    let i18n = use_i18n();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let keep_button = NodeRef::<leptos::html::Button>::new();
    let title_id = format!("confirm-{subject}-title");
    let text_id = format!("confirm-{subject}-text");
    let (labelled_by, described_by) = (title_id.clone(), text_id.clone());
    let open = move |ev: leptos::ev::MouseEvent| {
        // Hydrated: ask here instead of submitting.
        if let Some(d) = dialog.get() {
            ev.prevent_default();
            if d.show_modal().is_ok()
                && let Some(k) = keep_button.get()
            {
                let _ = k.focus();
            }
        }
    };
    let close = move |_| {
        if let Some(d) = dialog.get() {
            d.close();
        }
    };
    // Where "Keep" leads without JavaScript: this page, without the server's answer in the
    // address (a full load, so that no answer is kept in memory either).
    let location = leptos_router::hooks::use_location();
    let here = move || location.pathname.get();
    let (question2, consequence2, keep2) = (question.clone(), consequence.clone(), keep.clone());
    view! {
        <button type="submit" class=class disabled=move || disabled.get() aria-haspopup="dialog" on:click=open>{label}</button>
        <dialog node_ref=dialog class="confirm-dialog" aria-labelledby=labelled_by aria-describedby=described_by>
            <h2 id=title_id>{question}</h2>
            <p id=text_id>{consequence}</p>
            <div class="actions">
                <button type="button" class="button secondary" node_ref=keep_button on:click=close>{keep}</button>
                // The dialog closes, and the form is submitted with this button's name and value.
                <button type="submit" name="confirm" value="yes" class="button button-danger" on:click=close>{t!(i18n, common.confirm)}</button>
            </div>
        </dialog>
        {move || asked.get().then(|| view! {
            <div class="confirm-step" role="alert">
                <p><strong>{question2.clone()}</strong></p>
                <p>{consequence2.clone()}</p>
                <div class="actions">
                    <button type="submit" name="confirm" value="yes" class="button button-danger">{t!(i18n, common.confirm)}</button>
                    <a class="button secondary" href=here rel="external">{keep2.clone()}</a>
                </div>
            </div>
        })}
    }
}

/// "12:34 left to pay" ("5 h 12 min", "2 d 3 h" when further off), ticking once a second in
/// the browser; the server renders the deadline. `plain` says "12:34 left" (a deadline that is
/// not about paying: a merchant's answer, a return's receipt).
#[component]
pub fn Countdown(due: OffsetDateTime, #[prop(optional)] plain: bool) -> impl IntoView {
    let now = RwSignal::new(None::<OffsetDateTime>);
    Effect::new(move |_| {
        now.set(OffsetDateTime::from_unix_timestamp(now_secs()).ok());
        let handle =
            set_interval_with_handle(move || now.set(OffsetDateTime::from_unix_timestamp(now_secs()).ok()), std::time::Duration::from_secs(1));
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });
    use crate::i18n::td_string;
    let l = crate::i18n::use_i18n().get_locale_untracked();
    let by = if plain { td_string!(l, common.due_by) } else { td_string!(l, common.pay_by) };
    let pay_by = fill(by, &[("deadline", crate::ui::when(due))]);
    let text = {
        let pay_by = pay_by.clone();
        move || match now.get() {
            None => pay_by.clone(),
            Some(now) => {
                use domain::collection::TimeLeft;
                let time = match TimeLeft::of((due - now).whole_seconds()) {
                    TimeLeft::Over => return td_string!(l, common.deadline_passed).to_string(),
                    TimeLeft::Clock { minutes, seconds } => format!("{minutes:02}:{seconds:02}"),
                    TimeLeft::Hours { hours, minutes } => {
                        fill(td_string!(l, common.hours_minutes), &[("hours", hours.to_string()), ("minutes", minutes.to_string())])
                    }
                    TimeLeft::Days { days, hours } => {
                        fill(td_string!(l, common.days_hours), &[("days", days.to_string()), ("hours", hours.to_string())])
                    }
                };
                let left = if plain { td_string!(l, common.time_left) } else { td_string!(l, common.left_to_pay) };
                fill(left, &[("time", time)])
            }
        }
    };
    view! { <span class="countdown" title=pay_by>{text}</span> }
}

/// Seconds since the epoch: the browser's clock after hydration, the server's before.
pub fn now_secs() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        OffsetDateTime::now_utc().unix_timestamp()
    }
}

#[component]
pub fn StatusTag(status: OrderStatus) -> impl IntoView {
    let l = crate::i18n::use_i18n().get_locale_untracked();
    view! { <span class=format!("badge order-{}", status.as_str())>{order_status_text(l, status)}</span> }
}

/// A payment attempt's status in the page's language.
pub fn attempt_status_text(l: crate::i18n::Locale, status: domain::payments::attempt::AttemptStatus) -> &'static str {
    use crate::i18n::td_string;
    use domain::payments::attempt::AttemptStatus;
    match status {
        AttemptStatus::Processing => td_string!(l, shop.attempt_processing),
        AttemptStatus::RequiresVerification => td_string!(l, shop.attempt_requires_verification),
        AttemptStatus::Succeeded => td_string!(l, shop.attempt_succeeded),
        AttemptStatus::Failed => td_string!(l, shop.attempt_failed),
    }
}

/// The countries an address or a business may be in, named in the reader's language (the
/// codes are the domain's `COUNTRIES`; a test keeps both lists the same).
pub fn countries(l: crate::i18n::Locale) -> &'static [(&'static str, &'static str)] {
    match l {
        crate::i18n::Locale::en => domain::qualification::COUNTRIES,
        crate::i18n::Locale::zh_CN => COUNTRIES_ZH,
    }
}

/// A country's name in the reader's language, or its code if it is not one we list.
pub fn country_name(l: crate::i18n::Locale, code: &str) -> String {
    countries(l).iter().find(|(c, _)| *c == code).map_or_else(|| code.to_string(), |(_, name)| (*name).to_string())
}

/// Sorted by pinyin, as Chinese readers look for a country in a list.
const COUNTRIES_ZH: &[(&str, &str)] = &[
    ("AE", "阿联酋"),
    ("AU", "澳大利亚"),
    ("BR", "巴西"),
    ("PH", "菲律宾"),
    ("DE", "德国"),
    ("FR", "法国"),
    ("KR", "韩国"),
    ("NL", "荷兰"),
    ("CA", "加拿大"),
    ("MY", "马来西亚"),
    ("US", "美国"),
    ("MX", "墨西哥"),
    ("JP", "日本"),
    ("SA", "沙特阿拉伯"),
    ("TH", "泰国"),
    ("ES", "西班牙"),
    ("SG", "新加坡"),
    ("IT", "意大利"),
    ("IN", "印度"),
    ("ID", "印度尼西亚"),
    ("GB", "英国"),
    ("VN", "越南"),
    ("CN", "中国"),
    ("HK", "中国香港"),
    ("TW", "中国台湾"),
];

/// The "Report a problem" link for an order (and attempt).
#[component]
pub fn ReportProblemLink(#[prop(into)] order: String, #[prop(optional)] attempt: Option<i64>) -> impl IntoView {
    let href = match attempt {
        Some(a) => format!("/support/new?order={order}&attempt={a}"),
        None => format!("/support/new?order={order}"),
    };
    let i18n = crate::i18n::use_i18n();
    view! { <A href=href attr:class="report-link">{crate::i18n::t!(i18n, common.report_problem)}</A> }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_country_has_its_name_in_both_languages() {
        use crate::i18n::Locale;
        let codes = |l| {
            let mut codes: Vec<&str> = super::countries(l).iter().map(|(code, _)| *code).collect();
            codes.sort_unstable();
            codes
        };
        assert_eq!(codes(Locale::en), codes(Locale::zh_CN));
        assert_eq!(super::country_name(Locale::zh_CN, "JP"), "日本");
        assert_eq!(super::country_name(Locale::en, "JP"), "Japan");
        assert_eq!(super::country_name(Locale::zh_CN, "ZZ"), "ZZ");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            super::escape_html(r#"</title><meta http-equiv="refresh" content='0;url=https://evil.example'>&"#),
            "&lt;/title&gt;&lt;meta http-equiv=&quot;refresh&quot; content=&#39;0;url=https://evil.example&#39;&gt;&amp;"
        );
        assert_eq!(super::escape_html("Sencha 緑茶 · 1,500 JPY"), "Sencha 緑茶 · 1,500 JPY");
    }
}

/// An email address that, when it must wrap on a narrow screen, wraps after its "@" or a dot
/// rather than in the middle of a word (`<wbr>`: a break allowed there, nothing shown).
#[component]
pub fn Email(#[prop(into)] address: String) -> impl IntoView {
    let mut parts = Vec::new();
    let mut rest = address.as_str();
    while let Some(i) = rest.find(['@', '.']) {
        parts.push(rest[..=i].to_string());
        rest = &rest[i + 1..];
    }
    parts.push(rest.to_string());
    let last = parts.len() - 1;
    view! {
        <span class="email" translate="no">
            {parts.into_iter().enumerate().map(|(i, p)| view! { {p}{(i < last).then(|| view! { <wbr/> })} }).collect_view()}
        </span>
    }
}
