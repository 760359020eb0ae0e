//! Waiting for an object to reach a state: one GET, then a watch from its
//! resourceVersion. A dropped stream resumes from the last version seen
//! (bookmarks keep it fresh); only an expired version (410) costs another
//! GET. API requests stay flat however long the wait.

use std::time::Duration;

use futures_util::TryStreamExt;
use kube::api::{WatchEvent, WatchParams};
use serde_json::Value;

use super::cluster::Cluster;
use super::kinds::Kind;

/// What a check says about the object's current state (`None`: deleted or
/// not there yet).
pub enum Check<T> {
    Pending,
    Done(T),
}

#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("timed out after {}s waiting for {kind} {name} to {what}{}", timeout.as_secs(), last_seen(.last))]
    Timeout {
        kind: Kind,
        name: String,
        what: String,
        timeout: Duration,
        /// The last condition summary seen, for the message.
        last: Option<String>,
    },
    #[error("watching {kind} {name}: {}", super::cluster::describe(source))]
    Api {
        kind: Kind,
        name: String,
        #[source]
        source: kube::Error,
    },
    #[error(transparent)]
    Cluster(#[from] super::cluster::ClusterError),
}

fn last_seen(last: &Option<String>) -> String {
    last.as_ref().map(|text| format!(" (last seen: {text})")).unwrap_or_default()
}

/// Server-side watch timeout; the stream is resumed after it.
const WATCH_TIMEOUT_S: u32 = 290;

/// Waits until `check` is done for the object `kind`/`name`, for at most
/// `timeout`. `what` finishes the sentence "waiting for Plan x to …".
pub async fn wait_for<T>(
    cluster: &Cluster,
    kind: Kind,
    namespace: Option<&str>,
    name: &str,
    what: &str,
    timeout: Duration,
    mut check: impl FnMut(Option<&Value>) -> Check<T>,
) -> Result<T, WaitError> {
    let mut last = None;
    let waiting = watch_until(cluster, kind, namespace, name, &mut check, &mut last);
    match tokio::time::timeout(timeout, waiting).await {
        Ok(result) => result,
        Err(_) => Err(WaitError::Timeout { kind, name: name.to_owned(), what: what.to_owned(), timeout, last }),
    }
}

async fn watch_until<T>(
    cluster: &Cluster,
    kind: Kind,
    namespace: Option<&str>,
    name: &str,
    check: &mut impl FnMut(Option<&Value>) -> Check<T>,
    last: &mut Option<String>,
) -> Result<T, WaitError> {
    let api = cluster.api(kind, namespace);
    let params = WatchParams::default().fields(&format!("metadata.name={name}")).timeout(WATCH_TIMEOUT_S);
    let api_error = |source| WaitError::Api { kind, name: name.to_owned(), source };
    'fresh: loop {
        let current = cluster.get(kind, namespace, name).await?;
        *last = current.as_ref().and_then(condition_summary);
        if let Check::Done(value) = check(current.as_ref()) {
            return Ok(value);
        }
        let mut version = current.as_ref().and_then(|object| object["metadata"]["resourceVersion"].as_str()).unwrap_or("0").to_owned();
        loop {
            let mut stream = Box::pin(api.watch(&params, &version).await.map_err(api_error)?);
            while let Some(event) = stream.try_next().await.map_err(api_error)? {
                let (object, present) = match event {
                    WatchEvent::Added(object) | WatchEvent::Modified(object) => (object, true),
                    WatchEvent::Deleted(object) => (object, false),
                    WatchEvent::Bookmark(bookmark) => {
                        version = bookmark.metadata.resource_version;
                        continue;
                    }
                    WatchEvent::Error(status) if status.code == 410 => continue 'fresh,
                    WatchEvent::Error(status) => {
                        return Err(api_error(kube::Error::Api(status)));
                    }
                };
                if let Some(seen) = &object.metadata.resource_version {
                    version = seen.clone();
                }
                let json = serde_json::to_value(&object).unwrap_or(Value::Null);
                let current = present.then_some(&json);
                *last = current.and_then(condition_summary);
                if let Check::Done(value) = check(current) {
                    return Ok(value);
                }
            }
        }
    }
}

/// The object's conditions that are `True`, as `Type(Reason): message`.
fn condition_summary(object: &Value) -> Option<String> {
    let conditions = object.pointer("/status/conditions")?.as_array()?;
    let parts: Vec<String> = conditions
        .iter()
        .filter(|c| c["status"] == "True")
        .map(|c| {
            let kind = c["type"].as_str().unwrap_or_default();
            match c["message"].as_str().filter(|m| !m.is_empty()) {
                Some(message) => format!("{kind}: {message}"),
                None => kind.to_owned(),
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The condition of `type` with status `"True"`, if the object has one.
pub fn true_condition<'a>(object: &'a Value, kind: &str) -> Option<&'a Value> {
    object.pointer("/status/conditions")?.as_array()?.iter().find(|c| c["type"] == kind && c["status"] == "True")
}
