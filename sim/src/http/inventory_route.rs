//! What the `forklift-inventory` Route leads to: the Forklift inventory's
//! provider listing (`/providers`, `/providers/<type>`), built from the
//! Provider objects in the store, behind the same bearer token as the API.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::App;
use crate::api::resources::{self, FORKLIFT};

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new().route("/providers", get(all_providers)).route("/providers/{kind}", get(providers_of)).with_state(app)
}

fn entry(provider: &Value) -> Value {
    let meta = &provider["metadata"];
    let kind = provider.pointer("/spec/type").and_then(Value::as_str).unwrap_or_default();
    let uid = meta["uid"].as_str().unwrap_or_default();
    json!({
        "uid": uid,
        "version": meta["resourceVersion"],
        "namespace": meta["namespace"],
        "name": meta["name"],
        "selfLink": format!("providers/{kind}/{uid}"),
        "id": uid,
        "type": kind,
        "object": provider,
    })
}

/// Providers grouped by `spec.type`, as the inventory's `/providers` answers.
fn grouped(app: &App) -> Map<String, Value> {
    let (providers, _) = app.store.list(resources::get(FORKLIFT, "providers"), None);
    let mut grouped = Map::new();
    for provider in providers {
        let kind = provider.pointer("/spec/type").and_then(Value::as_str).unwrap_or_default().to_owned();
        if let Value::Array(list) = grouped.entry(kind).or_insert_with(|| json!([])) {
            list.push(entry(&provider));
        }
    }
    grouped
}

async fn all_providers(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(e) = app.authorize(&headers) {
        return e.into_response();
    }
    axum::Json(Value::Object(grouped(&app))).into_response()
}

async fn providers_of(State(app): State<Arc<App>>, Path(kind): Path<String>, headers: HeaderMap) -> Response {
    if let Err(e) = app.authorize(&headers) {
        return e.into_response();
    }
    match grouped(&app).remove(&kind) {
        Some(list) => axum::Json(list).into_response(),
        None if ["vsphere", "ovirt", "openstack", "ova", "openshift", "ec2", "hyperv"].contains(&kind.as_str()) => {
            axum::Json(json!([])).into_response()
        }
        None => (StatusCode::NOT_FOUND, format!("unknown provider type {kind:?}")).into_response(),
    }
}
