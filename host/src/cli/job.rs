//! `mtv-host job render`: manifests for an in-cluster, sharded run.

use super::exit::Exit;
use mtv_host::job::{JobOptions, render_yaml};

#[derive(clap::Subcommand, Debug)]
pub(crate) enum JobCommand {
    /// Print the manifests to run a suite as an Indexed Job: a
    /// ServiceAccount with the access the host needs, a report volume, the
    /// Job (one pod per shard; the completion index is the shard) and a
    /// reader pod for collecting reports. Secrets are referenced from the
    /// Secret you create, never inlined. Pipe into `oc apply -f -`.
    Render {
        /// Number of shards (pods)
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=500))]
        shards: u32,
        /// Container image with mtv-host and its plugins (see Containerfile)
        #[arg(long)]
        image: String,
        #[arg(long, default_value = "mtv-tests")]
        namespace: String,
        /// Name for the Job and its ServiceAccount, role and report volume
        #[arg(long, default_value = "mtv-tests")]
        name: String,
        /// The Secret holding providers.json, mtv-host.toml and cluster settings
        #[arg(long, default_value = "mtv-test-config")]
        secret: String,
        /// CPU request (and limit) per pod
        #[arg(long, default_value = "500m")]
        cpu: String,
        /// Memory request (and limit) per pod
        #[arg(long, default_value = "512Mi")]
        memory: String,
        /// Log in with the Secret's cluster_host, cluster_username and
        /// cluster_password (`run --cluster login`) instead of a ServiceAccount
        /// and ClusterRole
        #[arg(long)]
        login: bool,
        /// Extra arguments for `mtv-host run`, after `--`
        #[arg(last = true)]
        run_args: Vec<String>,
    },
}

pub(crate) fn run(command: &JobCommand) -> anyhow::Result<Exit> {
    let JobCommand::Render { shards, image, namespace, name, secret, cpu, memory, login, run_args } = command;
    let options = JobOptions {
        name: name.clone(),
        namespace: namespace.clone(),
        image: image.clone(),
        shards: *shards,
        secret_name: secret.clone(),
        run_args: run_args.clone(),
        cpu: cpu.clone(),
        memory: memory.clone(),
        login: *login,
        ..JobOptions::default()
    };
    print!("{}", render_yaml(&options)?);
    Ok(Exit::Ok)
}
