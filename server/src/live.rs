//! The live channel's web end: `GET /live` streams a signed-in user's events to their browser
//! as server-sent events, from the instance's hub (`backend::live`: the outbox listener and
//! dispatcher). A reconnecting browser sends the last event id it saw (`Last-Event-ID`, or
//! `?last=`) and is replayed what it missed from the `live_events` outbox; when that is not
//! possible (too old, too many), it is told to refresh. Events carry the delivery sequence
//! number the dispatcher gave them after commit, so "everything after n" is a sound question
//! both live and on replay.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use app::live::LiveEvent;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use sqlx::PgPool;
use tokio::sync::{broadcast, watch};

use crate::AppState;
pub use backend::live::{LiveHub, spawn_listener};

/// At most this many missed events are replayed; beyond, the browser refreshes instead.
const REPLAY_LIMIT: i64 = 500;

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
    let resync = hub.on_resync();
    let closing = hub.on_close();
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
