//! The live outbox's delivery on one instance: a `PgListener` on `paydesk_live` (every order
//! event, payment attempt change, notification, ticket message and qualification decision is
//! written to the `live_events` outbox by triggers and published there on commit) fanned out
//! to the streams this instance holds, by user (`LiveHub`); and the dispatcher that gives
//! committed events their delivery sequence number (see `db::live`), so "everything after n"
//! is a sound question both live and on replay. The web layer streams a user's events to
//! their browsers (server-sent events, `server::live`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::live::LiveEvent;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, watch};

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
    /// The events of `user_id` from now on.
    pub fn subscribe(&self, user_id: i64) -> broadcast::Receiver<Arc<LiveEvent>> {
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

    /// Fires when events may have been lost: every stream catches up or refreshes.
    pub fn on_resync(&self) -> broadcast::Receiver<()> {
        self.resync.subscribe()
    }

    /// Turns true on shutdown.
    pub fn on_close(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
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

/// Gives committed events their delivery sequence (see `db::live`): woken by the listener
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
            None => match crate::db::live::dispatcher_connection(&pool).await {
                Ok(db) => conn.insert(db),
                Err(err) => {
                    tracing::warn!(error = %err, "live: the dispatcher cannot connect; retrying");
                    continue;
                }
            },
        };
        loop {
            match crate::db::live::dispatch(db).await {
                Ok(n) if (n as i64) < crate::db::live::DISPATCH_BATCH => break,
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
