//! `/sim/v1/scenario` and `/sim/v1/stats`: the simulator's own knobs and counters.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::App;
use crate::api::errors::ApiError;
use crate::scenario::Scenario;

pub(crate) async fn get_scenario(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    match app.authorize(&headers) {
        Ok(()) => Json(app.scenario.get()).into_response(),
        Err(e) => e.into_response(),
    }
}

fn parse_scenario(body: &[u8]) -> Result<Scenario, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid scenario: {e} (fields: sim/README.md, \"Scenario knobs\")")))
}

/// PUT replaces every knob (absent fields take their defaults).
pub(crate) async fn put_scenario(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = app.authorize(&headers).and_then(|()| parse_scenario(&body));
    match result {
        Ok(scenario) => {
            app.scenario.set(scenario);
            Json(app.scenario.get()).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// PATCH applies a JSON merge patch to the current knobs.
pub(crate) async fn patch_scenario(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = app.authorize(&headers).and_then(|()| {
        let patch: serde_json::Value = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("invalid JSON: {e}")))?;
        let mut current = serde_json::to_value(app.scenario.get()).map_err(|e| ApiError::internal(e.to_string()))?;
        json_patch::merge(&mut current, &patch);
        serde_json::from_value(current)
            .map_err(|e| ApiError::bad_request(format!("invalid scenario: {e} (fields: sim/README.md, \"Scenario knobs\")")))
    });
    match result {
        Ok(scenario) => {
            app.scenario.set(scenario);
            Json(app.scenario.get()).into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn stats(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    match app.authorize(&headers) {
        Ok(()) => Json(app.counters.snapshot()).into_response(),
        Err(e) => e.into_response(),
    }
}
