//! `mtv-host sim serve`: the Forklift simulator as a standalone server, so
//! `kubectl --server http://127.0.0.1:N get plans -A` works against it.

use super::exit::Exit;
use mtv_host::report::write_private;
use mtv_sim::{Sim, SimConfig};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Subcommand, Debug)]
pub(crate) enum SimCommand {
    /// Serve the simulated cluster on loopback until Ctrl-C. Prints the URL
    /// and writes a kubeconfig for it.
    Serve {
        /// Port on 127.0.0.1 (0 picks a free one)
        #[arg(long, default_value_t = 8443)]
        port: u16,
        /// Source inventory (TOML; see sim/README.md) [default: the built-in one]
        #[arg(long, value_name = "FILE")]
        inventory: Option<PathBuf>,
        /// Time each migration pipeline step takes
        #[arg(long, value_name = "MS", default_value_t = 300)]
        step_delay_ms: u64,
        /// Require this bearer token
        #[arg(long, env = "MTV_SIM_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Accept an OpenShift login as USER (`oc login -u USER`, or
        /// `mtv-host run --cluster login`) with the password in MTV_SIM_PASSWORD
        #[arg(long, value_name = "USER", requires = "password")]
        login: Option<String>,
        /// The login's password
        #[arg(long, env = "MTV_SIM_PASSWORD", hide_env_values = true, requires = "login")]
        password: Option<String>,
        /// Where to write the kubeconfig
        #[arg(long, value_name = "FILE", default_value = "mtv-sim.kubeconfig")]
        kubeconfig: PathBuf,
    },
}

pub(crate) fn run(command: &SimCommand) -> anyhow::Result<Exit> {
    let SimCommand::Serve { port, inventory, step_delay_ms, token, login, password, kubeconfig } = command;
    let config = match inventory {
        Some(path) => SimConfig::from_inventory_file(path)?,
        None => SimConfig::default(),
    };
    let mut config = config.step_delay(Duration::from_millis(*step_delay_ms)).token(token.clone());
    if let (Some(user), Some(password)) = (login, password) {
        config = config.login(user, password);
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let sim = Sim::start_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, *port))).await?;
        // It may carry the bearer token: owner-only, and never half-written.
        write_private(kubeconfig, sim.kubeconfig_yaml().as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write the kubeconfig (--kubeconfig): {e}"))?;
        println!("Forklift simulator serving {}", sim.url());
        println!("kubeconfig: {}  (kubectl --kubeconfig {} get plans -A)", kubeconfig.display(), kubeconfig.display());
        println!("inventory: {} (route openshift-mtv/forklift-inventory; self-signed certificate)", sim.inventory_url());
        if let Some(user) = login {
            println!(
                "login: CLUSTER_HOST={} CLUSTER_USERNAME={user} CLUSTER_PASSWORD=<MTV_SIM_PASSWORD> mtv-host run --cluster login",
                sim.url()
            );
        }
        tokio::signal::ctrl_c().await?;
        sim.shutdown().await;
        anyhow::Ok(Exit::Ok)
    })
}
