//! The live channel's server end: one `PgListener` per instance on `paydesk_live` (every order
//! event and notification is published there by triggers, on commit), fanned out to the
//! browsers connected to this instance, each getting only its own user's events over
//! server-sent events on `GET /live`. A reconnecting browser sends the last event id it saw
//! (`Last-Event-ID`, or `?last=`) and is replayed what it missed from the `live_events` outbox;
//! when that is not possible (too old, too many), it is told to refresh. Events carry the
//! delivery sequence number the dispatcher gave them after commit (see `app::db::live`), so
//! "everything after n" is a sound question both live and on replay.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::live::LiveEvent;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, watch};

use crate::AppState;

/// At most this many missed events are replayed; beyond, the browser refreshes instead.
const REPLAY_LIMIT: i64 = 500;

/// The browsers connected to this instance, by user.
pub struct LiveHub {
    users: Mutex<HashMap<i64, broadcast::Sender<Arc<LiveEvent>>>>,
    /// Fired when events may have been lost (the listener's connection dropped): everyone
    /// refreshes.
    resync: broadcast::Sender<()>,
    /// Set on shutdown: every stream ends, so the server can stop.
    closing: watch::Sender<bool>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub { users: Mutex::default(), resync: broadcast::channel(4).0, closing: watch::channel(false).0 }
    }
}

impl LiveHub {
    fn subscribe(&self, user_id: i64) -> broadcast::Receiver<Arc<LiveEvent>> {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.entry(user_id).or_insert_with(|| broadcast::channel(256).0).subscribe()
    }

    fn publish(&self, event: LiveEvent) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        let user_id = event.user_id;
        if let Some(sender) = users.get(&user_id)
            && sender.send(Arc::new(event)).is_err()
        {
            // Nobody of this user is connected any more.
            users.remove(&user_id);
        }
    }

    /// Live connections held by this instance.
    pub fn connections(&self) -> usize {
        self.users.lock().unwrap_or_else(|e| e.into_inner()).values().map(|s| s.receiver_count()).sum()
    }

    /// Ends every live stream (on shutdown).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

/// Listens to `paydesk_live` (dispatched events, fanned out to this instance's browsers) and
/// `paydesk_live_pending` (new events wait for a sequence number: wakes the dispatcher) for as
/// long as the server runs, reconnecting after a drop (and then asking every browser to
/// refresh, since events published meanwhile were not received).
pub fn spawn_listener(pool: PgPool, hub: Arc<LiveHub>) -> tokio::task::JoinHandle<()> {
    let wake = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(dispatcher(pool.clone(), wake.clone()));
    tokio::spawn(async move {
        loop {
            if pool.is_closed() {
                // The server (or a test) is done with this database.
                return;
            }
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(err) => {
                    tracing::warn!(error = %err, "live: cannot connect the listener; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(err) = listener.listen_all([LIVE_CHANNEL, PENDING_CHANNEL]).await {
                tracing::warn!(error = %err, "live: LISTEN failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            tracing::info!("live: listening");
            let _ = hub.resync.send(());
            // Whatever was committed while nobody listened still needs its number.
            wake.notify_one();
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) if notification.channel() == PENDING_CHANNEL => wake.notify_one(),
                    Ok(Some(notification)) => match serde_json::from_str::<LiveEvent>(notification.payload()) {
                        Ok(event) => hub.publish(event),
                        Err(err) => tracing::warn!(error = %err, "live: unreadable notification"),
                    },
                    Ok(None) => {
                        tracing::warn!("live: the listener's connection dropped; reconnecting");
                        let _ = hub.resync.send(());
                        wake.notify_one();
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "live: listener failed; reconnecting");
                        break;
                    }
                }
            }
        }
    })
}

const LIVE_CHANNEL: &str = "paydesk_live";
const PENDING_CHANNEL: &str = "paydesk_live_pending";

/// Gives committed events their delivery sequence (see `app::db::live`): woken by the listener
/// when events wait, and once a second in any case (a wake-up lost with a dropped connection
/// only delays events, it never loses them).
async fn dispatcher(pool: PgPool, wake: Arc<tokio::sync::Notify>) {
    let mut conn = None;
    loop {
        let _ = tokio::time::timeout(Duration::from_secs(1), wake.notified()).await;
        if pool.is_closed() {
            return;
        }
        let db = match &mut conn {
            Some(db) => db,
            None => match app::db::live::dispatcher_connection(&pool).await {
                Ok(db) => conn.insert(db),
                Err(err) => {
                    tracing::warn!(error = %err, "live: the dispatcher cannot connect; retrying");
                    continue;
                }
            },
        };
        loop {
            match app::db::live::dispatch(db).await {
                Ok(n) if (n as i64) < app::db::live::DISPATCH_BATCH => break,
                Ok(_) => continue,
                Err(err) => {
                    tracing::warn!(error = %err, "live: dispatching events failed; reconnecting");
                    conn = None;
                    break;
                }
            }
        }
    }
}

#[derive(serde::Deserialize)]
pub struct LiveQuery {
    last: Option<i64>,
}

fn sse(event: &LiveEvent) -> Event {
    Event::default().id(event.id.to_string()).event(event.kind.as_str()).data(serde_json::to_string(event).unwrap_or_default())
}

/// `GET /live`: the signed-in user's event stream.
pub async fn live(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<LiveQuery>) -> Response {
    let Some(token) = app::accounts::session::token_from_headers(&headers) else {
        return (StatusCode::UNAUTHORIZED, "Sign in to receive live updates.").into_response();
    };
    let user = match app::accounts::session::user_for_token(&state.pool, &token).await {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Sign in to receive live updates.").into_response(),
        Err(err) => return (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response(),
    };
    let last =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok()).or(query.last).filter(|id| *id > 0);

    // Subscribe first, then read what was missed: an event committed in between arrives both
    // ways and is sent once (by id).
    let hub = state.live.clone();
    let receiver = hub.subscribe(user.id);
    let resync = hub.resync.subscribe();
    let closing = hub.closing.subscribe();
    let (missed, refresh, start) = match last {
        // A new stream starts at the last event numbered so far (subscribed first, so nothing
        // after it can be missed), and can therefore always catch up from a known point.
        None => match app::db::live::last_seq(&state.pool).await {
            Ok(seq) => (Vec::new(), false, seq),
            Err(err) => return (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response(),
        },
        Some(last) => match app::db::live::since(&state.pool, user.id, last, REPLAY_LIMIT).await {
            Ok((events, complete)) => (events, !complete, last),
            Err(err) => {
                tracing::warn!(error = %err, "live: replay failed");
                (Vec::new(), true, last)
            }
        },
    };
    let sent_up_to = missed.last().map_or(start, |e| e.id);
    let mut opening: Vec<Event> = missed.iter().map(sse).collect();
    if refresh {
        opening.push(Event::default().event("refresh").data("{}"));
    }
    // "hello" says the channel is open; the browser retries after a drop one second later.
    opening.push(Event::default().event("hello").retry(Duration::from_secs(1)).data("{}"));

    let following = Follow { rx: receiver, resync, closing, pool: state.pool.clone(), user_id: user.id, sent: sent_up_to, queue: Default::default() };
    let stream = futures::stream::iter(opening.into_iter().map(Ok)).chain(follow(following));
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

use futures::StreamExt;

/// One browser's stream after its opening: what the hub publishes for its user, in sequence
/// order, each event once. When the hub could not keep up with it (lagged) or the listener
/// reconnected, what it missed is read from the outbox by sequence number — nothing is lost
/// (only a gap beyond the replay limit, or pruned, makes it refresh).
struct Follow {
    rx: broadcast::Receiver<Arc<LiveEvent>>,
    resync: broadcast::Receiver<()>,
    closing: watch::Receiver<bool>,
    pool: PgPool,
    user_id: i64,
    sent: i64,
    queue: std::collections::VecDeque<Event>,
}

impl Follow {
    fn refresh() -> Event {
        Event::default().event("refresh").data("{}")
    }

    /// Queues what the outbox holds for this user after the last event sent.
    async fn catch_up(&mut self) {
        match app::db::live::since(&self.pool, self.user_id, self.sent, REPLAY_LIMIT).await {
            Ok((events, complete)) => {
                for event in events {
                    self.sent = event.id;
                    self.queue.push_back(sse(&event));
                }
                if !complete {
                    self.queue.push_back(Self::refresh());
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "live: catching up failed");
                self.queue.push_back(Self::refresh());
            }
        }
    }

    async fn next(mut self) -> Option<(Result<Event, Infallible>, Follow)> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some((Ok(event), self));
            }
            if *self.closing.borrow() {
                return None;
            }
            tokio::select! {
                got = self.rx.recv() => match got {
                    Ok(event) if event.id <= self.sent => continue,
                    Ok(event) => {
                        self.sent = event.id;
                        return Some((Ok(sse(&event)), self));
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up().await,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                Ok(()) = self.resync.recv() => self.catch_up().await,
                _ = self.closing.changed() => return None,
            }
        }
    }
}

fn follow(state: Follow) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(state, Follow::next)
}
