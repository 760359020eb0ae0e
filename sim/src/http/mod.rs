//! The HTTP front: routing, authentication, latency and fault injection, request
//! counting, and the simulator's own `/sim/v1` endpoints.

mod discovery;
mod handlers;
pub(crate) mod inventory_api;
pub(crate) mod oauth;
mod route_tls;
mod routes;
mod sim_api;
mod watch;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::routing::get;
use tokio_util::sync::CancellationToken;

use crate::api::errors::ApiError;
use crate::inventory::Inventory;
use crate::scenario::ScenarioHandle;
use crate::stats::Counters;
use crate::store::Store;

/// Everything a request handler needs.
pub(crate) struct App {
    pub store: Arc<Store>,
    /// The source inventory, shared with the controller.
    pub inventory: Arc<Inventory>,
    pub scenario: ScenarioHandle,
    pub counters: Counters,
    pub token: Option<String>,
    /// Username/password login through OAuth; hands out `token`.
    pub login: Option<oauth::Login>,
    /// Cancelled at shutdown; open watch streams end on it.
    pub shutdown: CancellationToken,
    pub bookmark_interval: Duration,
    /// `host:port` the server listens on, for `/api`'s `serverAddressByClientCIDRs`.
    pub server_address: String,
}

impl App {
    /// Checks the bearer token when one is configured.
    fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(expected) = &self.token else { return Ok(()) };
        let presented = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if constant_time_eq(presented.as_bytes(), expected.as_bytes()) { Ok(()) } else { Err(ApiError::unauthorized()) }
    }
}

/// Compares without an early exit, so timing does not reveal how much of a token matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) use route_tls::TlsRoute;

/// What the `forklift-inventory` Route serves over HTTPS: the inventory API the
/// service proxy also reaches, at the root of its own host.
pub(crate) fn inventory_router(app: Arc<App>) -> Router {
    Router::new()
        .fallback(|State(app): State<Arc<App>>, request: Request| async move {
            let (parts, _) = request.into_parts();
            inventory_api::serve(&app, &parts.method, parts.uri.path(), parts.uri.query(), &parts.headers).await
        })
        .with_state(app)
}

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .route("/livez", get(|| async { "ok" }))
        .route("/sim/v1/scenario", get(sim_api::get_scenario).put(sim_api::put_scenario).patch(sim_api::patch_scenario))
        .route("/sim/v1/stats", get(sim_api::stats))
        .route("/.well-known/oauth-authorization-server", get(oauth::metadata))
        .route("/oauth/authorize", get(oauth::authorize))
        .route("/oauth/token", axum::routing::post(oauth::token))
        .fallback(handlers::kube_api)
        .with_state(app)
}
