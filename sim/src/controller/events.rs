//! Core `Event`s for notable transitions, as `kubectl describe` and `kubectl get events` show them.

use serde_json::{Value, json};

use super::Ctx;
use super::conditions::text;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Severity {
    Normal,
    Warning,
}

/// Records an event about `about` in its namespace.
pub(crate) fn emit(ctx: &Ctx, about: &Value, severity: Severity, reason: &str, message: &str) {
    let namespace = text(about, "/metadata/namespace");
    let name = text(about, "/metadata/name");
    let now = crate::time::now_rfc3339();
    let event = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": format!("{name}.{:016x}", fastrand::u64(..)), "namespace": namespace},
        "involvedObject": {
            "apiVersion": about["apiVersion"],
            "kind": about["kind"],
            "name": name,
            "namespace": namespace,
            "uid": about["metadata"]["uid"],
            "resourceVersion": about["metadata"]["resourceVersion"],
        },
        "reason": reason,
        "message": message,
        "type": match severity { Severity::Normal => "Normal", Severity::Warning => "Warning" },
        "source": {"component": "forklift-controller"},
        "reportingComponent": "forklift-controller",
        "reportingInstance": "mtv-sim",
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    });
    if let Err(e) = ctx.store.create(ctx.kinds.events, event) {
        tracing::debug!(namespace, name, reason, error = %e.message, "event not recorded");
    }
}
