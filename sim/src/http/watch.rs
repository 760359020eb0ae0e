//! Watch streams: newline-delimited JSON events from a resourceVersion on, fanned out
//! from the store's change feed, with bookmarks, timeouts and the scenario's drops.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use super::App;
use super::handlers::{Query, stream_response};
use super::routes::ResourcePath;
use crate::api::errors::ApiError;
use crate::api::resources::ResourceDef;
use crate::api::selectors::Selectors;
use crate::api::table;
use crate::store::{Change, ChangeType, Object};

/// What one watch delivers, and when it ends.
struct Watch {
    resource: &'static ResourceDef,
    namespace: Option<String>,
    selectors: Selectors,
    bookmarks: bool,
    /// Highest resourceVersion the client has been brought up to (for bookmarks).
    progress_rv: u64,
    sent: u64,
    drop_after_events: Option<u64>,
    /// Send objects as one-row Tables (`kubectl get -w`); column definitions go in the first only.
    table: bool,
}

enum Start {
    /// Send the current objects as ADDED first, then changes after `rv`.
    WithState { objects: Vec<Object>, rv: u64, initial_events_end: bool },
    /// Send changes after `rv` only.
    From(u64),
}

/// Validates the request and starts streaming.
pub(crate) fn start(app: &App, path: &ResourcePath, selectors: Selectors, query: &Query, table: bool) -> Result<Response, ApiError> {
    let requested = query.get("resourceVersion").unwrap_or_default();
    let send_initial = query.flag("sendInitialEvents");
    let start = match requested {
        "" | "0" => {
            let (objects, rv) = app.store.list(path.resource, path.namespace.as_deref());
            Start::WithState { objects, rv, initial_events_end: send_initial }
        }
        rv => {
            let rv: u64 =
                rv.parse().map_err(|_| ApiError::bad_request(format!("resourceVersion: Invalid value: {rv:?}: must be an integer")))?;
            if send_initial {
                let (objects, current) = app.store.list(path.resource, path.namespace.as_deref());
                Start::WithState { objects, rv: current, initial_events_end: true }
            } else {
                Start::From(rv)
            }
        }
    };
    let timeout = query
        .get("timeoutSeconds")
        .map(|t| t.parse::<u64>().map_err(|_| ApiError::bad_request(format!("timeoutSeconds: Invalid value: {t:?}"))))
        .transpose()?
        .map(Duration::from_secs);
    let (drop_after_events, drop_after) = app.scenario.watch_limits();
    let deadline = [timeout, drop_after].into_iter().flatten().min().map(|d| Instant::now() + d);
    let mut watch = Watch {
        resource: path.resource,
        namespace: path.namespace.clone(),
        selectors,
        bookmarks: query.flag("allowWatchBookmarks"),
        progress_rv: 0,
        sent: 0,
        drop_after_events,
        table,
    };
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let store = app.store.clone();
    let shutdown = app.shutdown.clone();
    let bookmark_interval = app.bookmark_interval;
    tokio::spawn(async move {
        let feed = match start {
            Start::WithState { objects, rv, initial_events_end } => {
                let Ok(feed) = store.changes_since(rv) else {
                    let _ = tx.send(expired_event(rv)).await;
                    return;
                };
                watch.progress_rv = rv;
                for object in &objects {
                    if watch.selectors.matches(object) && !watch.send(&tx, "ADDED", object).await {
                        return;
                    }
                }
                if initial_events_end && !watch.send_bookmark(&tx, true).await {
                    return;
                }
                feed
            }
            Start::From(rv) => match store.changes_since(rv) {
                Ok(feed) => {
                    watch.progress_rv = rv;
                    feed
                }
                Err(expired) => {
                    let _ = tx.send(expired_event_since(rv, expired.oldest_available)).await;
                    return;
                }
            },
        };
        let mut changes = feed.receiver;
        for change in feed.backlog {
            if !watch.forward(&tx, &change).await {
                return;
            }
        }
        let mut bookmark_timer = tokio::time::interval_at(Instant::now() + bookmark_interval, bookmark_interval);
        let far_future = Instant::now() + Duration::from_secs(60 * 60 * 24 * 365);
        let deadline = tokio::time::sleep_until(deadline.unwrap_or(far_future));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = &mut deadline => return,
                () = tx.closed() => return,
                _ = bookmark_timer.tick(), if watch.bookmarks => {
                    if !watch.send_bookmark(&tx, false).await {
                        return;
                    }
                }
                received = changes.recv() => match received {
                    Ok(change) => {
                        if !watch.forward(&tx, &change).await {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // This watcher fell behind the feed: like an API server, say so and end.
                        let _ = tx.send(expired_event(watch.progress_rv)).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (Ok::<_, Infallible>(chunk), rx)) });
    Ok(stream_response(Body::from_stream(stream)))
}

fn event_line(event_type: &str, object: &Value) -> Bytes {
    let mut line = json!({"type": event_type, "object": object}).to_string();
    line.push('\n');
    Bytes::from(line)
}

fn expired_event(rv: u64) -> Bytes {
    event_line("ERROR", &ApiError::expired(format!("too old resource version: {rv}")).status_body())
}

fn expired_event_since(rv: u64, oldest: u64) -> Bytes {
    event_line("ERROR", &ApiError::expired(format!("too old resource version: {rv} ({oldest})")).status_body())
}

impl Watch {
    /// Sends one event; `false` when the stream should end (client gone or drop limit hit).
    async fn send(&mut self, tx: &mpsc::Sender<Bytes>, event_type: &str, object: &Value) -> bool {
        let line = if self.table {
            let mut rows = table::table(self.resource, &[object], self.progress_rv);
            if self.sent > 0
                && let Some(table) = rows.as_object_mut()
            {
                table.remove("columnDefinitions");
            }
            event_line(event_type, &rows)
        } else {
            event_line(event_type, object)
        };
        if tx.send(line).await.is_err() {
            return false;
        }
        self.sent += 1;
        self.drop_after_events.is_none_or(|limit| self.sent < limit)
    }

    async fn send_bookmark(&mut self, tx: &mpsc::Sender<Bytes>, initial_events_end: bool) -> bool {
        let mut metadata = json!({"resourceVersion": self.progress_rv.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({"kind": self.resource.kind, "apiVersion": self.resource.api_version(), "metadata": metadata});
        tx.send(event_line("BOOKMARK", &object)).await.is_ok()
    }

    /// Forwards a store change if it concerns this watch. With selectors, an object that
    /// starts matching arrives as ADDED and one that stops matching as DELETED.
    async fn forward(&mut self, tx: &mpsc::Sender<Bytes>, change: &Arc<Change>) -> bool {
        if change.rv <= self.progress_rv {
            return true;
        }
        self.progress_rv = change.rv;
        if !change.is_for(self.resource) || self.namespace.as_deref().is_some_and(|ns| ns != change.namespace) {
            return true;
        }
        let now = self.selectors.matches(&change.object);
        let before = change.previous.as_ref().is_some_and(|p| self.selectors.matches(p));
        let event_type = match change.change {
            ChangeType::Added if now => "ADDED",
            ChangeType::Modified if now && before => "MODIFIED",
            ChangeType::Modified if now => "ADDED",
            ChangeType::Modified if before => "DELETED",
            ChangeType::Deleted if before => "DELETED",
            _ => return true,
        };
        self.send(tx, event_type, &change.object).await
    }
}
