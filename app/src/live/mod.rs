//! Live status: the browser's end of the live channel. Each server instance listens to
//! Postgres (`LISTEN paydesk_live`) once and streams a signed-in user's events to their
//! browsers as server-sent events on `GET /live` (see `server/src/live.rs`). Here the page
//! opens that stream (gloo-net's `EventSource`), resumes from the last event id after a drop,
//! and turns every event into a signal the pages' resources follow, so lists, order pages, the
//! pay page and the notification badge update in place; the merchant console also shows a
//! toast for each payment received, and a small indicator says when the channel is down.

pub use domain::live::{LiveDetail, LiveEvent};
use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveState {
    /// Not started (server rendering, signed out) or connecting for the first time.
    Idle,
    Open,
    /// The channel dropped; the browser is reconnecting.
    Reconnecting,
}

/// The live channel of this page, provided once by the router.
#[derive(Clone, Copy)]
pub struct Live {
    pub state: RwSignal<LiveState>,
    /// The latest batch of events: what resources follow (see [`Live::follow`]).
    batch: RwSignal<Batch>,
    /// Events received and not yet handed on: a burst (one payment makes an order event, a
    /// notification and perhaps an attempt event) becomes one batch, so a resource that cares
    /// about any of them refetches once.
    pending: StoredValue<Option<Batch>>,
    /// Payment toasts on screen: (key, text).
    pub toasts: RwSignal<Vec<(u64, String)>>,
    /// The latest event, for pages that care which order it concerns.
    pub last: RwSignal<Option<LiveEvent>>,
    /// The page's language, for the toasts' words.
    locale: crate::i18n::Locale,
}

/// Events handed on together. `everything` after a (re)connection or a "refresh": whatever
/// was missed, every live resource refetches.
#[derive(Clone, Debug, Default, PartialEq)]
struct Batch {
    number: u64,
    everything: bool,
    events: Vec<LiveEvent>,
}

/// How long events wait for the rest of their burst before resources refetch.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const COALESCE: std::time::Duration = std::time::Duration::from_millis(120);

impl Live {
    pub fn provide() -> Live {
        let live = Live {
            state: RwSignal::new(LiveState::Idle),
            batch: RwSignal::new(Batch::default()),
            pending: StoredValue::new(None),
            toasts: RwSignal::new(Vec::new()),
            last: RwSignal::new(None),
            locale: crate::i18n::use_i18n().get_locale_untracked(),
        };
        provide_context(live);
        live
    }

    /// Changes with every live event of `kind` only (0 while rendering on the server): for
    /// pages with a form that a refetch on unrelated events would disturb.
    pub fn kind_version(kind: &'static str) -> Memo<Option<i64>> {
        let last = use_context::<Live>().map(|l| l.last);
        Memo::new(move |previous: Option<&Option<i64>>| {
            let latest = last.and_then(|l| l.with(|e| e.as_ref().filter(|e| e.kind == kind).map(|e| e.id)));
            latest.or_else(|| previous.copied().flatten())
        })
    }

    /// A number that changes once per batch of live events holding one that `wanted` accepts
    /// (and after every reconnection); constant while rendering on the server. Put it in a
    /// resource's source and the resource refetches once per burst that concerns it.
    pub fn follow(wanted: impl Fn(&LiveEvent) -> bool + Send + Sync + 'static) -> Memo<u64> {
        let batch = use_context::<Live>().map(|l| l.batch);
        Memo::new(move |previous: Option<&u64>| {
            let previous = previous.copied().unwrap_or(0);
            batch.map_or(previous, |b| b.with(|b| if b.everything || b.events.iter().any(&wanted) { b.number } else { previous }))
        })
    }

    /// [`Live::follow`] for events of these kinds.
    pub fn kinds(kinds: &'static [&'static str]) -> Memo<u64> {
        Self::follow(move |e| kinds.contains(&e.kind.as_str()))
    }

    /// [`Live::follow`] for what changes one order's page: its events, its payment attempts.
    pub fn order(number: impl Fn() -> Option<String> + Send + Sync + 'static) -> Memo<u64> {
        Self::follow(move |e| matches!(e.kind.as_str(), "order" | "payment") && number().is_some_and(|n| n == e.order_number))
    }

    /// Says, whenever asked (a timer too), whether updates arrive live right now: pages poll
    /// only while they do not.
    pub fn open_now() -> impl Fn() -> bool + Copy + 'static {
        let state = use_context::<Live>().map(|l| l.state);
        move || state.is_some_and(|s| s.get_untracked() == LiveState::Open)
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn receive(self, event: LiveEvent) {
        if let Some(amount) = event.payment_received() {
            let l = self.locale;
            let text = crate::ui::fill(
                crate::i18n::td_string!(l, common.n_payment_received),
                &[("order", event.order_number.clone()), ("amount", crate::words::money(l, amount))],
            );
            let key = event.id as u64;
            self.toasts.update(|t| t.push((key, text)));
            let toasts = self.toasts;
            set_timeout(move || toasts.update(|t| t.retain(|(k, _)| *k != key)), std::time::Duration::from_secs(8));
        }
        self.last.set(Some(event.clone()));
        self.hand_on(Some(event));
    }

    /// Queues `event` for the next batch, which goes out [`COALESCE`] after the first event of
    /// a burst. `None` (a (re)connection: anything may have changed) goes out at once, with
    /// whatever was waiting.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn hand_on(self, event: Option<LiveEvent>) {
        let first = self.pending.with_value(Option::is_none);
        self.pending.update_value(|pending| {
            let batch = pending.get_or_insert_with(Batch::default);
            match event {
                Some(event) => batch.events.push(event),
                None => batch.everything = true,
            }
        });
        if self.pending.with_value(|p| p.as_ref().is_some_and(|b| b.everything)) {
            self.flush();
        } else if first {
            set_timeout(move || self.flush(), COALESCE);
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn flush(self) {
        if let Some(mut batch) = self.pending.try_update_value(Option::take).flatten() {
            batch.number = self.batch.with_untracked(|b| b.number) + 1;
            self.batch.set(batch);
        }
    }
}

/// Opens the live channel once a user is signed in (in the browser only).
#[component]
pub fn LiveChannel(#[prop(into)] signed_in: Signal<bool>) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let live = expect_context::<Live>();
        let started = StoredValue::new(false);
        // Not before the whole page is hydrated: "Live" in a header not hydrated yet would not
        // match the server's HTML (see `ui::Hydrated`).
        Effect::new(move |_| {
            if crate::ui::Hydrated::get() && signed_in.get() && !started.get_value() {
                started.set_value(true);
                client::run(live);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = signed_in;
}

/// "Live" or "Reconnecting…" in the header.
#[component]
pub fn LiveIndicator() -> impl IntoView {
    let live = expect_context::<Live>();
    let i18n = crate::i18n::use_i18n();
    move || match live.state.get() {
        LiveState::Idle => None,
        LiveState::Open => Some(
            view! {
                <span class="live-indicator live-on" title=crate::i18n::t_string!(i18n, common.live_on_title)>
                    {crate::i18n::t_string!(i18n, common.live_on)}
                </span>
            }
            .into_any(),
        ),
        LiveState::Reconnecting => Some(
            view! { <span class="live-indicator live-off" role="status">{crate::i18n::t_string!(i18n, common.live_reconnecting)}</span> }.into_any(),
        ),
    }
}

/// Payment toasts, each a status message that screen readers announce.
#[component]
pub fn Toasts() -> impl IntoView {
    let live = expect_context::<Live>();
    view! {
        <div class="toasts">
            <For each=move || live.toasts.get() key=|(k, _)| *k let:toast>
                <p class="toast" role="status">{toast.1}</p>
            </For>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use std::time::Duration;

    use futures::StreamExt;
    use gloo_net::eventsource::{State, futures::EventSource};
    use leptos::prelude::*;

    use super::{Live, LiveEvent, LiveState};

    async fn sleep(d: Duration) {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        set_timeout(
            move || {
                let _ = tx.send(());
            },
            d,
        );
        let _ = rx.await;
    }

    /// Keeps one EventSource open. The browser itself reconnects after a drop (sending the
    /// last event id, from which the server replays); if it gives up (the server refused or
    /// vanished for long), a new one is opened with `?last=` after a pause that grows to 30 s.
    pub fn run(live: Live) {
        leptos::task::spawn_local(async move {
            let mut last_id: i64 = 0;
            let mut pause = Duration::from_secs(1);
            loop {
                let url = if last_id > 0 { format!("/live?last={last_id}") } else { "/live".to_string() };
                let Ok(mut es) = EventSource::new(&url) else { return };
                let subscriptions =
                    ["hello", "order", "payment", "notification", "ticket", "qualification", "refresh"].map(|kind| es.subscribe(kind));
                let Ok(subscriptions) = subscriptions.into_iter().collect::<Result<Vec<_>, _>>() else { return };
                let mut events = futures::stream::select_all(subscriptions);
                // The indicator follows the EventSource's own state, which says "connecting"
                // while the browser retries after a drop.
                let es = std::rc::Rc::new(es);
                let watched = std::rc::Rc::downgrade(&es);
                let watcher = set_interval_with_handle(
                    move || {
                        let down = watched.upgrade().is_some_and(|es| es.state() != State::Open);
                        if down && live.state.get_untracked() == LiveState::Open {
                            live.state.set(LiveState::Reconnecting);
                        }
                    },
                    Duration::from_millis(500),
                );
                while let Some(message) = events.next().await {
                    let Ok((kind, message)) = message else { break };
                    match kind.as_str() {
                        "hello" | "refresh" => {
                            // (Re)connected, or told to catch up: every live resource refetches.
                            live.state.set(LiveState::Open);
                            pause = Duration::from_secs(1);
                            live.hand_on(None);
                        }
                        _ => {
                            let data = message.data().as_string().unwrap_or_default();
                            if let Ok(event) = serde_json::from_str::<LiveEvent>(&data) {
                                last_id = last_id.max(event.id);
                                live.receive(event);
                            }
                        }
                    }
                }
                if let Ok(w) = watcher {
                    w.clear();
                }
                drop(events);
                drop(es); // closes it: the next loop opens a fresh one
                live.state.set(LiveState::Reconnecting);
                sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(30));
            }
        });
    }
}
