//! The statement export form of the Money page, and the progress it shows. Before hydration (or
//! without JavaScript) it is a plain GET form and the browser downloads the streamed file
//! itself. Once hydrated, the page fetches the same address, counts the lines as they arrive
//! against the server's `Paydesk-Lines`, and hands the finished file over as a download: a
//! million lines take seconds, and the browser's own download shows no count of them.

use leptos::prelude::*;
use time::Date;

use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::ui::{FormError, fill};

/// Where the form sends the export (`server/src/statements.rs`).
const ADDRESS: &str = "/merchant/statements.csv";

/// Where the page's export stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Export {
    #[default]
    Idle,
    /// Arriving: the line ends received so far, and how many the file has (its header line
    /// included) when the server said.
    Reading { received: u64, expected: Option<u64> },
    /// Handed to the browser as a download: its data lines.
    Done { lines: u64 },
    /// Why it stopped, in the reader's language.
    Failed(String),
}

impl Export {
    pub fn busy(&self) -> bool {
        matches!(self, Export::Reading { .. })
    }
}

/// A count with its thousands grouped ("12,345").
fn count(n: u64) -> String {
    domain::message::thousands(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The file's data lines among `received` line ends: the first one ends the header line.
fn data_lines(received: u64) -> u64 {
    received.saturating_sub(1)
}

/// "Preparing your file: 12,345 of 1,000,000 lines" (or "… 12,345 lines so far" when the
/// server did not say how many).
pub fn progress_text(l: Locale, received: u64, expected: Option<u64>) -> String {
    let done = ("done", count(data_lines(received)));
    match expected {
        // A line booked while the file was written may make it one longer than announced.
        Some(total) => fill(td_string!(l, money.export_progress), &[done, ("total", count(data_lines(total.max(received))))]),
        None => fill(td_string!(l, money.export_progress_unknown), &[done]),
    }
}

/// "Done: 1,234 lines".
pub fn done_text(l: Locale, lines: u64) -> String {
    if lines == 1 { td_string!(l, money.export_done_one).to_string() } else { fill(td_string!(l, money.export_done), &[("lines", count(lines))]) }
}

/// The export form (in the Statements card). `state` lives with the page, not with this form:
/// a live update re-renders the card while a file is still arriving.
#[component]
pub fn ExportForm(first: Date, today: Date, state: RwSignal<Export>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let from = NodeRef::<leptos::html::Input>::new();
    let to = NodeRef::<leptos::html::Input>::new();
    let busy = Memo::new(move |_| state.with(Export::busy));
    // Only attached once hydrated: the page takes over the download to show its progress.
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !state.with_untracked(Export::busy)
            && let (Some(from), Some(to)) = (from.get_untracked(), to.get_untracked())
        {
            start(state, l, from.value(), to.value());
        }
    };
    view! {
        // A plain GET form until hydrated: the browser then downloads the streamed file itself.
        <form method="get" action=ADDRESS class="inline-form" aria-labelledby="export-title" on:submit=submit>
            <div class="field">
                <label for="export-from">{t!(i18n, money.export_from)}</label>
                <input node_ref=from id="export-from" type="date" name="from" value=first.to_string() required/>
            </div>
            <div class="field">
                <label for="export-to">{t!(i18n, money.export_to)}</label>
                <input node_ref=to id="export-to" type="date" name="to" value=today.to_string() required/>
            </div>
            <button type="submit" class="button secondary" disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
                {move || if busy.get() { td_string!(l, money.export_busy) } else { td_string!(l, money.export_button) }}
            </button>
        </form>
        <ExportProgress state/>
    }
}

/// The bar while the file arrives, "Done" (announced politely), or why it failed (an alert).
#[component]
fn ExportProgress(state: RwSignal<Export>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let reading = Memo::new(move |_| state.with(Export::busy));
    let counts = move || match state.get() {
        Export::Reading { received, expected } => (received, expected),
        _ => (0, None),
    };
    // Without `value` the bar is indeterminate: the server did not say how many lines.
    let value = move || {
        let (received, expected) = counts();
        expected.map(|total| received.min(total).to_string())
    };
    let done = Memo::new(move |_| state.with(|s| if let Export::Done { lines } = s { Some(done_text(l, *lines)) } else { None }));
    let failed = Memo::new(move |_| state.with(|s| if let Export::Failed(why) = s { Some(why.clone()) } else { None }));
    view! {
        {move || reading.get().then(|| view! {
            <div class="export-progress">
                <label for="export-progress">{move || { let (received, expected) = counts(); progress_text(l, received, expected) }}</label>
                <progress id="export-progress" max=move || counts().1.map(|total| total.to_string()) value=value></progress>
            </div>
        })}
        <p role="status">{move || done.get()}</p>
        <FormError error=failed/>
    }
}

/// Starts fetching the file (in the browser: the server never runs event handlers).
fn start(state: RwSignal<Export>, l: Locale, from: String, to: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(client::export(state, l, from, to));
    #[cfg(not(feature = "hydrate"))]
    let _ = (state, l, from, to);
}

/// Why an export stopped.
#[cfg(any(feature = "hydrate", test))]
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    /// The server refused: its status, and its own explanation when it sent a short plain text.
    Refused(u16, Option<String>),
    /// The connection broke, or the file ended short of the lines announced.
    Interrupted,
    /// The browser could not build or save the file.
    NotSaved,
}

#[cfg(any(feature = "hydrate", test))]
impl Failure {
    fn text(&self, l: Locale) -> String {
        match self {
            Failure::Refused(status, None) => fill(td_string!(l, money.export_failed), &[("status", status.to_string())]),
            Failure::Refused(status, Some(reason)) => {
                fill(td_string!(l, money.export_failed_because), &[("status", status.to_string()), ("reason", reason.clone())])
            }
            Failure::Interrupted => td_string!(l, money.export_interrupted).to_string(),
            Failure::NotSaved => td_string!(l, money.export_not_saved).to_string(),
        }
    }
}

/// The line ends the whole file has, from `Paydesk-Lines` (its data lines): one more, for the
/// header line.
#[cfg(any(feature = "hydrate", test))]
fn expected_line_ends(header: &str) -> Option<u64> {
    header.trim().parse::<u64>().ok()?.checked_add(1)
}

/// Whether the file has all the lines announced. The server's stream may end early without an
/// error (it stops when the client stalls): counting is how a short file is caught.
#[cfg(any(feature = "hydrate", test))]
fn complete(received: u64, expected: Option<u64>) -> bool {
    expected.is_none_or(|e| received >= e)
}

/// The server's explanation of a refusal, when it is a short plain text worth showing as it
/// is (its error texts are in the reader's language); an HTML page or a long text is not.
#[cfg(any(feature = "hydrate", test))]
fn short_reason(content_type: Option<&str>, body: &str) -> Option<String> {
    let body = body.trim();
    let plain = content_type.is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/plain"));
    (plain && !body.is_empty() && body.chars().count() <= 200 && !body.contains('\n')).then(|| body.to_string())
}

/// The file's name: the one the server's own download gives it.
#[cfg(any(feature = "hydrate", test))]
fn file_name(from: &str, to: &str) -> String {
    format!("paydesk-statement-{from}-to-{to}.csv")
}

#[cfg(feature = "hydrate")]
mod client {
    use std::time::Duration;

    use js_sys::{Array, Uint8Array};
    use leptos::prelude::*;
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, ReadableStreamDefaultReader, ReadableStreamReadResult, Response, Url};

    use super::{ADDRESS, Export, Failure, complete, data_lines, expected_line_ends, file_name, short_reason};
    use crate::i18n::Locale;
    use crate::ui::url_encode;

    /// Fetches the file for `[from, to]`, then hands it to the browser as a download. It goes
    /// on if the reader leaves the page meanwhile: they asked for the file.
    pub async fn export(state: RwSignal<Export>, l: Locale, from: String, to: String) {
        state.set(Export::Reading { received: 0, expected: None });
        let url = format!("{ADDRESS}?from={}&to={}", url_encode(&from), url_encode(&to));
        let end = match fetch_lines(state, &url).await {
            Ok((chunks, received)) => match save(&chunks, &file_name(&from, &to)) {
                Ok(()) => Export::Done { lines: data_lines(received) },
                Err(_) => Export::Failed(Failure::NotSaved.text(l)),
            },
            Err(failure) => Export::Failed(failure.text(l)),
        };
        state.set(end);
    }

    /// The file's chunks as they came, and its line ends; the progress is updated per chunk.
    async fn fetch_lines(state: RwSignal<Export>, url: &str) -> Result<(Array, u64), Failure> {
        // Same origin: the session cookie goes with it (`credentials: same-origin`).
        let response: Response = JsFuture::from(window().fetch_with_str(url)).await.map_err(|_| Failure::Interrupted)?.unchecked_into();
        if !response.ok() {
            return Err(refused(&response).await);
        }
        let expected = response.headers().get("Paydesk-Lines").ok().flatten().and_then(|v| expected_line_ends(&v));
        state.set(Export::Reading { received: 0, expected });
        let reader: ReadableStreamDefaultReader = response.body().ok_or(Failure::Interrupted)?.get_reader().unchecked_into();
        let (chunks, mut received, mut buffer) = (Array::new(), 0u64, Vec::new());
        while let Some(chunk) = next_chunk(&reader).await? {
            received += line_ends(&chunk, &mut buffer);
            // Kept on the JavaScript side: the Blob is built from them without a copy.
            chunks.push(&chunk);
            state.set(Export::Reading { received, expected });
        }
        if complete(received, expected) { Ok((chunks, received)) } else { Err(Failure::Interrupted) }
    }

    /// The stream's next chunk, or `None` at its end.
    async fn next_chunk(reader: &ReadableStreamDefaultReader) -> Result<Option<Uint8Array>, Failure> {
        let result: ReadableStreamReadResult = JsFuture::from(reader.read()).await.map_err(|_| Failure::Interrupted)?.unchecked_into();
        if result.get_done().unwrap_or(false) { Ok(None) } else { result.get_value().dyn_into().map(Some).map_err(|_| Failure::Interrupted) }
    }

    /// The newline bytes of `chunk`, counted in a copy (`buffer`, reused for every chunk).
    fn line_ends(chunk: &Uint8Array, buffer: &mut Vec<u8>) -> u64 {
        buffer.resize(chunk.length() as usize, 0);
        chunk.copy_to(buffer);
        buffer.iter().filter(|&&b| b == b'\n').count() as u64
    }

    /// A refusal, with the server's explanation when it sent one worth showing.
    async fn refused(response: &Response) -> Failure {
        let content_type = response.headers().get("Content-Type").ok().flatten();
        let body = match response.text() {
            Ok(text) => JsFuture::from(text).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
            Err(_) => String::new(),
        };
        Failure::Refused(response.status(), short_reason(content_type.as_deref(), &body))
    }

    /// Hands the file to the browser: a temporary link to it, clicked.
    fn save(chunks: &Array, name: &str) -> Result<(), JsValue> {
        let options = BlobPropertyBag::new();
        options.set_type("text/csv;charset=utf-8");
        let blob = Blob::new_with_u8_array_sequence_and_options(chunks, &options)?;
        let url = Url::create_object_url_with_blob(&blob)?;
        let link: HtmlAnchorElement = document().create_element("a")?.unchecked_into();
        link.set_href(&url);
        link.set_download(name);
        // Some browsers follow only a link that is in the document.
        document().body().ok_or(JsValue::NULL)?.append_child(&link)?;
        link.click();
        link.remove();
        // Revoked later, not at once: the browser may not have started reading the file yet.
        set_timeout(
            move || {
                let _ = Url::revoke_object_url(&url);
            },
            Duration::from_secs(60),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_line_is_counted_with_the_announced_lines() {
        assert_eq!(expected_line_ends("1000000"), Some(1_000_001));
        assert_eq!(expected_line_ends(" 0 "), Some(1));
        assert_eq!(expected_line_ends("-1"), None);
        assert_eq!(expected_line_ends("many"), None);
        assert_eq!(data_lines(0), 0);
        assert_eq!(data_lines(1), 0);
        assert_eq!(data_lines(12_346), 12_345);
    }

    #[test]
    fn a_file_short_of_its_announced_lines_is_incomplete() {
        assert!(complete(3, Some(3)));
        // A line booked while the file was written: one more than announced.
        assert!(complete(4, Some(3)));
        assert!(!complete(2, Some(3)));
        assert!(complete(0, None));
    }

    #[test]
    fn progress_and_outcome_read_in_both_languages() {
        assert_eq!(progress_text(Locale::en, 12_346, Some(1_000_001)), "Preparing your file: 12,345 of 1,000,000 lines");
        assert_eq!(progress_text(Locale::en, 12_346, None), "Preparing your file: 12,345 lines so far");
        assert_eq!(done_text(Locale::en, 1_000_000), "Done: 1,000,000 lines");
        assert_eq!(done_text(Locale::en, 1), "Done: 1 line");
        assert_eq!(Failure::Refused(400, None).text(Locale::en), "The export failed (status 400).");
        assert!(!progress_text(Locale::zh_CN, 12_346, Some(1_000_001)).contains('{'));
        assert!(!Failure::Refused(400, Some("x".into())).text(Locale::zh_CN).contains('{'));
        assert_eq!(Failure::Refused(503, Some("Busy.".into())).text(Locale::en), "The export failed (status 503): Busy.");
        assert!(Failure::Interrupted.text(Locale::en).starts_with("The download stopped"));
        assert!(Failure::NotSaved.text(Locale::zh_CN).contains("浏览器"));
    }

    #[test]
    fn only_a_short_plain_text_is_shown_as_the_reason() {
        let plain = Some("text/plain; charset=utf-8");
        assert_eq!(short_reason(plain, " Enter the date as YYYY-MM-DD.\n"), Some("Enter the date as YYYY-MM-DD.".to_string()));
        assert_eq!(short_reason(Some("text/html"), "<h1>Bad request</h1>"), None);
        assert_eq!(short_reason(plain, ""), None);
        assert_eq!(short_reason(plain, &"x".repeat(201)), None);
        assert_eq!(short_reason(None, "Bad request"), None);
    }

    #[test]
    fn the_file_is_named_as_the_server_names_it() {
        assert_eq!(file_name("2026-11-01", "2026-11-30"), "paydesk-statement-2026-11-01-to-2026-11-30.csv");
    }
}
