//! The live channel's server end: one `PgListener` per instance on `paydesk_live` (every order
//! event and notification is published there by triggers, on commit), fanned out to the
//! browsers connected to this instance, each getting only its own user's events over
//! server-sent events on `GET /live`. A reconnecting browser sends the last event id it saw
//! (`Last-Event-ID`, or `?last=`) and is replayed what it missed from the `live_events` outbox;
//! when that is not possible (too old, too many), it is told to refresh.

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
        users.entry(user_id).or_insert_with(|| broadcast::channel(64).0).subscribe()
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

/// Listens to `paydesk_live` for as long as the server runs, reconnecting after a drop (and
/// then asking every browser to refresh, since notifications sent meanwhile are lost).
pub fn spawn_listener(pool: PgPool, hub: Arc<LiveHub>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(err) => {
                    tracing::warn!(error = %err, "live: cannot connect the listener; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(err) = listener.listen("paydesk_live").await {
                tracing::warn!(error = %err, "live: LISTEN failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            tracing::info!("live: listening");
            let _ = hub.resync.send(());
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => match serde_json::from_str::<LiveEvent>(notification.payload()) {
                        Ok(event) => hub.publish(event),
                        Err(err) => tracing::warn!(error = %err, "live: unreadable notification"),
                    },
                    Ok(None) => {
                        tracing::warn!("live: the listener's connection dropped; reconnecting");
                        let _ = hub.resync.send(());
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

#[derive(serde::Deserialize)]
pub struct LiveQuery {
    last: Option<i64>,
}

fn sse(event: &LiveEvent) -> Event {
    Event::default()
        .id(event.id.to_string())
        .event(event.kind.as_str())
        .data(serde_json::to_string(event).unwrap_or_default())
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
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(query.last)
        .filter(|id| *id > 0);

    // Subscribe first, then read what was missed: an event committed in between arrives both
    // ways and is sent once (by id).
    let hub = state.live.clone();
    let receiver = hub.subscribe(user.id);
    let resync = hub.resync.subscribe();
    let closing = hub.closing.subscribe();
    let (missed, refresh) = match last {
        None => (Vec::new(), false),
        Some(last) => match app::db::live::since(&state.pool, user.id, last, REPLAY_LIMIT).await {
            Ok((events, complete)) => (events, !complete),
            Err(err) => {
                tracing::warn!(error = %err, "live: replay failed");
                (Vec::new(), true)
            }
        },
    };
    let sent_up_to = missed.last().map(|e| e.id).or(last).unwrap_or(0);
    let mut opening: Vec<Event> = missed.iter().map(sse).collect();
    if refresh {
        opening.push(Event::default().event("refresh").data("{}"));
    }
    // "hello" says the channel is open; the browser retries after a drop one second later.
    opening.push(Event::default().event("hello").retry(Duration::from_secs(1)).data("{}"));

    let stream = futures::stream::iter(opening.into_iter().map(Ok)).chain(follow(receiver, resync, closing, sent_up_to));
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

use futures::StreamExt;

fn follow(
    receiver: broadcast::Receiver<Arc<LiveEvent>>,
    resync: broadcast::Receiver<()>,
    closing: watch::Receiver<bool>,
    sent_up_to: i64,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold((receiver, resync, closing, sent_up_to), |(mut rx, mut resync, mut closing, mut sent)| async move {
        loop {
            if *closing.borrow() {
                return None;
            }
            tokio::select! {
                got = rx.recv() => match got {
                    Ok(event) if event.id <= sent => continue,
                    Ok(event) => {
                        sent = event.id;
                        return Some((Ok(sse(&event)), (rx, resync, closing, sent)));
                    }
                    // Too slow to keep up: catch up by refreshing.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        return Some((Ok(Event::default().event("refresh").data("{}")), (rx, resync, closing, sent)));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                Ok(()) = resync.recv() => {
                    return Some((Ok(Event::default().event("refresh").data("{}")), (rx, resync, closing, sent)));
                }
                _ = closing.changed() => return None,
            }
        }
    })
}
