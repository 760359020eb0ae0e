//! A running simulator: the HTTP server and the controller on the current runtime.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::resources::{self, CORE, FORKLIFT};
use crate::config::SimConfig;
use crate::controller::{self, Ctx};
use crate::http::oauth::Login;
use crate::http::{self, App};
use crate::scenario::ScenarioHandle;
use crate::stats::{Counters, SimStats};
use crate::store::Store;

use crate::platform::{self, MTV_NAMESPACE as FORKLIFT_NAMESPACE};

/// A running simulated cluster. Each `Sim` has its own port and state, so many can
/// run in one process. Dropping it stops it too; [`Sim::shutdown`] also waits.
pub struct Sim {
    addr: SocketAddr,
    app: Arc<App>,
    server: Option<JoinHandle<()>>,
    controller: Option<JoinHandle<()>>,
    inventory: Option<JoinHandle<()>>,
    inventory_addr: SocketAddr,
    inventory_ca_pem: String,
}

impl Sim {
    /// Starts on `127.0.0.1` with a random free port.
    pub async fn start(config: SimConfig) -> anyhow::Result<Sim> {
        Self::start_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts on `addr` (port 0 picks a free one).
    pub async fn start_on(config: SimConfig, addr: SocketAddr) -> anyhow::Result<Sim> {
        let listener = TcpListener::bind(addr).await.with_context(|| format!("binding the simulator to {addr}"))?;
        let mut addr = listener.local_addr().context("reading the simulator's address")?;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        let store = Arc::new(Store::new(config.watch_history));
        seed(&store)?;
        let shutdown = CancellationToken::new();
        let scenario = ScenarioHandle::new(config.scenario);
        let route = http::TlsRoute::bind(addr.ip()).await?;
        let (inventory_addr, inventory_ca_pem) = (route.addr, route.ca_pem.clone());
        platform::seed(&store, &scenario, &inventory_addr.to_string())?;
        let token = match (&config.login, config.token) {
            (Some(_), None) => Some(format!("sha256~{}", std::iter::repeat_with(fastrand::alphanumeric).take(43).collect::<String>())),
            (_, token) => token,
        };
        let login = config.login.map(|(username, password)| Login::new(username, password));
        // One model: the inventory API and the controller read the same inventory.
        let inventory = Arc::new(config.inventory);
        let app = Arc::new(App {
            store: store.clone(),
            inventory: inventory.clone(),
            scenario: scenario.clone(),
            counters: Counters::default(),
            token,
            login,
            shutdown: shutdown.clone(),
            bookmark_interval: config.bookmark_interval,
            server_address: addr.to_string(),
        });
        let ctx = Arc::new(Ctx::new(store, scenario, inventory, shutdown.clone()));
        let controller = controller::spawn(ctx);
        let inventory_route = route.serve(http::inventory_router(app.clone()), shutdown.clone());
        let router = http::router(app.clone());
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(shutdown.cancelled_owned());
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "simulator server stopped");
            }
        });
        tracing::info!(url = %format!("http://{addr}"), "simulated cluster started");
        Ok(Sim {
            addr,
            app,
            server: Some(server),
            controller: Some(controller),
            inventory: Some(inventory_route),
            inventory_addr,
            inventory_ca_pem,
        })
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `https://` URL of the Forklift inventory: the `forklift-inventory` Route's `spec.host`.
    pub fn inventory_url(&self) -> String {
        format!("https://{}", self.inventory_addr)
    }

    /// PEM of the inventory's self-signed certificate, for clients that verify it.
    pub fn inventory_ca_pem(&self) -> &str {
        &self.inventory_ca_pem
    }

    /// A kubeconfig (context `mtv-sim`, namespace `default`) pointing at this simulator,
    /// with the bearer token when one is configured.
    pub fn kubeconfig_yaml(&self) -> String {
        let user = match &self.app.token {
            Some(token) => json!({"token": token}),
            None => json!({}),
        };
        let config = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "mtv-sim", "cluster": {"server": self.url()}}],
            "users": [{"name": "mtv-sim", "user": user}],
            "contexts": [{"name": "mtv-sim", "context": {"cluster": "mtv-sim", "user": "mtv-sim", "namespace": "default"}}],
            "current-context": "mtv-sim",
            "preferences": {},
        });
        // JSON is YAML, and quoted JSON strings stay strings under the YAML 1.1 rules
        // kubectl reads with (a token `on` or `0x1F` is no boolean or number).
        serde_json::to_string_pretty(&config).unwrap_or_else(|_| config.to_string())
    }

    /// Requests answered so far.
    pub fn stats(&self) -> SimStats {
        self.app.counters.snapshot()
    }

    /// Live access to the fault and timing knobs.
    pub fn scenario(&self) -> crate::ScenarioHandle {
        self.app.scenario.clone()
    }

    /// Stops the server (ending open watches) and the controller, and waits for both.
    pub async fn shutdown(mut self) {
        self.app.shutdown.cancel();
        for task in [self.server.take(), self.controller.take(), self.inventory.take()].into_iter().flatten() {
            let _ = task.await;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.app.shutdown.cancel();
    }
}

/// What a fresh OpenShift cluster with MTV installed already has: the usual
/// namespaces, the ForkliftController and the `host` Provider for the local cluster.
fn seed(store: &Store) -> anyhow::Result<()> {
    let namespaces = resources::get(CORE, "namespaces");
    for name in ["default", "kube-system", "kube-public", FORKLIFT_NAMESPACE] {
        store
            .create(
                namespaces,
                json!({
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"},
                }),
            )
            .map_err(|e| anyhow::anyhow!(e.message))?;
    }
    store
        .create(resources::get(FORKLIFT, "forkliftcontrollers"), json!({
            "apiVersion": "forklift.konveyor.io/v1beta1",
            "kind": "ForkliftController",
            "metadata": {"name": "forklift-controller", "namespace": FORKLIFT_NAMESPACE},
            "spec": {"feature_copy_offload": "true"},
            "status": {"conditions": [{"type": "Successful", "status": "True", "reason": "Successful", "message": "", "lastTransitionTime": crate::time::now_rfc3339()}]},
        }))
        .map_err(|e| anyhow::anyhow!(e.message))?;
    store
        .create(
            resources::get(FORKLIFT, "providers"),
            json!({
                "apiVersion": "forklift.konveyor.io/v1beta1",
                "kind": "Provider",
                "metadata": {"name": "host", "namespace": FORKLIFT_NAMESPACE},
                "spec": {"type": "openshift", "url": "", "secret": {}},
            }),
        )
        .map_err(|e| anyhow::anyhow!(e.message))?;
    Ok(())
}
