//! Watches through `kube`'s `Api::watch`: event types, resourceVersions, expiry,
//! bookmarks and resuming after a dropped stream.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams, WatchEvent, WatchParams};
use mtv_sim::SimConfig;
use serde_json::json;

/// `(type, name)` of the next non-bookmark event, within a second.
async fn next_event<S>(stream: &mut S) -> Option<(String, String)>
where
    S: futures_util::Stream<Item = kube::Result<WatchEvent<DynamicObject>>> + Unpin,
{
    loop {
        let event = tokio::time::timeout(Duration::from_secs(2), stream.next()).await.expect("event within 2s")?;
        let (kind, obj) = match event.expect("watch event") {
            WatchEvent::Added(o) => ("ADDED", o),
            WatchEvent::Modified(o) => ("MODIFIED", o),
            WatchEvent::Deleted(o) => ("DELETED", o),
            WatchEvent::Bookmark(_) => continue,
            WatchEvent::Error(e) => panic!("watch error {e:?}"),
        };
        return Some((kind.to_string(), obj.metadata.name.unwrap_or_default()));
    }
}

#[tokio::test]
async fn watch_delivers_added_modified_deleted_after_a_resource_version() {
    let cluster = start().await;
    cluster.namespace("w").await;
    let api = cluster.api(&configmaps(), "w");
    let before = cluster.create(&configmaps(), "w", json!({"metadata": {"name": "before"}})).await;
    let rv = before.metadata.resource_version.unwrap();
    let mut stream = api.watch(&WatchParams::default(), &rv).await.unwrap().boxed();
    cluster.create(&configmaps(), "w", json!({"metadata": {"name": "a"}})).await;
    api.patch("a", &PatchParams::default(), &Patch::Merge(json!({"data": {"k": "v"}}))).await.unwrap();
    api.delete("a", &DeleteParams::default()).await.unwrap();
    cluster.namespace("w-other").await;
    cluster.create(&configmaps(), "w-other", json!({"metadata": {"name": "not-watched"}})).await;
    assert_eq!(next_event(&mut stream).await, Some(("ADDED".into(), "a".into())), "changes after rv only");
    assert_eq!(next_event(&mut stream).await, Some(("MODIFIED".into(), "a".into())));
    assert_eq!(next_event(&mut stream).await, Some(("DELETED".into(), "a".into())));

    // From "0": the current objects first.
    let mut from_zero = api.watch(&WatchParams::default(), "0").await.unwrap().boxed();
    assert_eq!(next_event(&mut from_zero).await, Some(("ADDED".into(), "before".into())));
}

#[tokio::test]
async fn label_selector_watch_sees_objects_enter_and_leave() {
    let cluster = start().await;
    cluster.namespace("wl").await;
    let api = cluster.api(&configmaps(), "wl");
    let start_rv = cluster
        .create(&configmaps(), "wl", json!({"metadata": {"name": "c", "labels": {"app": "other"}}}))
        .await
        .metadata
        .resource_version
        .unwrap();
    let mut stream = api.watch(&WatchParams::default().labels("app=mtv"), &start_rv).await.unwrap().boxed();
    api.patch("c", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"labels": {"app": "mtv"}}}))).await.unwrap();
    api.patch("c", &PatchParams::default(), &Patch::Merge(json!({"data": {"k": "v"}}))).await.unwrap();
    api.patch("c", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"labels": {"app": "gone"}}}))).await.unwrap();
    assert_eq!(next_event(&mut stream).await, Some(("ADDED".into(), "c".into())));
    assert_eq!(next_event(&mut stream).await, Some(("MODIFIED".into(), "c".into())));
    assert_eq!(next_event(&mut stream).await, Some(("DELETED".into(), "c".into())));
}

#[tokio::test]
async fn too_old_resource_version_is_410_expired() {
    let cluster = start_with(SimConfig::default().watch_history(8)).await;
    cluster.namespace("old").await;
    let first = cluster.create(&configmaps(), "old", json!({"metadata": {"name": "c0"}})).await.metadata.resource_version.unwrap();
    for i in 1..20 {
        cluster.create(&configmaps(), "old", json!({"metadata": {"name": format!("c{i}")}})).await;
    }
    let mut stream = cluster.api(&configmaps(), "old").watch(&WatchParams::default(), &first).await.unwrap().boxed();
    match stream.next().await {
        Some(Ok(WatchEvent::Error(status))) => {
            assert_eq!(status.code, 410);
            assert_eq!(status.reason, "Expired");
        }
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }
}

#[tokio::test]
async fn bookmarks_carry_the_resource_version() {
    let cluster = start_with(SimConfig::default().bookmark_interval(Duration::from_millis(50))).await;
    cluster.namespace("bm").await;
    let rv = cluster.create(&configmaps(), "bm", json!({"metadata": {"name": "c"}})).await.metadata.resource_version.unwrap();
    let mut stream = cluster.api(&configmaps(), "bm").watch(&WatchParams::default(), &rv).await.unwrap().boxed();
    cluster.create(&configmaps(), "bm", json!({"metadata": {"name": "d"}})).await;
    let mut saw_added = false;
    loop {
        match tokio::time::timeout(Duration::from_secs(2), stream.next()).await.expect("bookmark within 2s") {
            Some(Ok(WatchEvent::Added(_))) => saw_added = true,
            Some(Ok(WatchEvent::Bookmark(bookmark))) => {
                let bookmark_rv: u64 = bookmark.metadata.resource_version.parse().unwrap();
                if saw_added {
                    assert!(bookmark_rv > rv.parse::<u64>().unwrap());
                    break;
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_dropped_watch_resumes_from_the_last_resource_version_without_gaps() {
    let cluster = start().await;
    cluster.namespace("drop").await;
    cluster.sim.scenario().drop_watches_after_events(Some(2));
    let api = cluster.api(&configmaps(), "drop");
    let mut rv = cluster.create(&configmaps(), "drop", json!({"metadata": {"name": "start"}})).await.metadata.resource_version.unwrap();
    for i in 0..7 {
        cluster.create(&configmaps(), "drop", json!({"metadata": {"name": format!("c{i}")}})).await;
    }
    let mut seen = Vec::new();
    let mut streams = 0;
    while seen.len() < 7 {
        streams += 1;
        assert!(streams < 10, "too many reconnects; seen {seen:?}");
        let mut stream = api.watch(&WatchParams::default(), &rv).await.unwrap().boxed();
        while let Some(event) = tokio::time::timeout(Duration::from_secs(2), stream.next()).await.expect("no stall") {
            match event.unwrap() {
                WatchEvent::Added(o) => {
                    rv = o.metadata.resource_version.clone().unwrap();
                    seen.push(o.metadata.name.unwrap());
                    if seen.len() == 7 {
                        break;
                    }
                }
                WatchEvent::Bookmark(b) => rv = b.metadata.resource_version,
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    let expected: Vec<String> = (0..7).map(|i| format!("c{i}")).collect();
    assert_eq!(seen, expected, "every event once, in order");
    assert_eq!(streams, 4, "the stream was dropped every 2 events");
    assert_eq!(cluster.sim.stats().watch, 4);
}

#[tokio::test]
async fn watch_times_out_and_shutdown_ends_streams() {
    let cluster = start().await;
    let api = cluster.api(&configmaps(), "default");
    let mut short = api.watch(&WatchParams::default().timeout(1), "0").await.unwrap().boxed();
    let ended = tokio::time::timeout(Duration::from_secs(3), async { while short.next().await.is_some() {} }).await;
    assert!(ended.is_ok(), "timeoutSeconds ends the stream");

    let mut long = api.watch(&WatchParams::default(), "0").await.unwrap().boxed();
    let sim = cluster.sim;
    let stop = tokio::spawn(sim.shutdown());
    let ended = tokio::time::timeout(Duration::from_secs(3), async { while let Some(Ok(_)) = long.next().await {} }).await;
    assert!(ended.is_ok(), "shutdown ends open watches");
    tokio::time::timeout(Duration::from_secs(3), stop).await.expect("shutdown completes").unwrap();
}
