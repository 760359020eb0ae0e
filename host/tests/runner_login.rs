//! `--cluster login`: an OpenShift username/password login (the OAuth
//! challenge flow `oc login -u -p` uses) against the simulator, with the
//! credentials from the environment or from a mounted secrets directory.
//! The password and the token never appear in any output.

mod runner_common;
mod support;

use std::process::{Command, Output};

use mtv_sim::{Sim, SimConfig};
use runner_common::*;
use support::tls_server::{TOKEN as TLS_TOKEN, TlsServer, tls_file};

const USERNAME: &str = "kubeadmin";
const PASSWORD: &str = "canary-cluster-Pa55w0rd-4d1e";
const TOKEN: &str = "sha256~canary-cluster-token-8b2f0c";

/// A simulator that accepts only `TOKEN`, handed out to `USERNAME`/`PASSWORD`.
async fn login_simulator() -> Sim {
    simulator(SimConfig::default().token(Some(TOKEN.into())).login(USERNAME, PASSWORD)).await.0
}

/// `mtv-host run --cluster login -k cold-sanity` with `env` (the workspace's
/// command starts without any cluster variable).
async fn run_with(ws: &Workspace, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command: Command = ws.command(&[&["--cluster", "login", "-k", "cold-sanity"], args].concat());
    command.envs(env.iter().copied());
    output_of(command).await
}

/// Every file the run wrote, plus its stdout and stderr.
fn everything(ws: &Workspace, output: &Output) -> String {
    let (stdout, stderr) = text(output);
    let mut all = format!("{stdout}\n{stderr}");
    for file in ["junit-report.xml", "mtv-host.log", "mtv-host-audit.jsonl", ".data-collector/resources.json"] {
        all.push_str(&std::fs::read_to_string(ws.path(file)).unwrap_or_default());
    }
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_from_the_environment_runs_the_tests_with_the_token_it_gets() {
    let sim = login_simulator().await;
    let ws = Workspace::new(PLAN, "", "");
    let url = sim.url();
    let output = run_with(&ws, &[], &[("CLUSTER_HOST", &url), ("CLUSTER_USERNAME", USERNAME), ("CLUSTER_PASSWORD", PASSWORD)]).await;
    let all = everything(&ws, &output);
    assert_eq!(code(&output), 0, "{all}");
    assert!(all.contains(&format!("{url} as {USERNAME}")), "the run names the cluster and user:\n{all}");
    assert!(ws.read("junit-report.xml").contains("name=\"check_vms\""), "the test ran");
    assert!(!all.contains(PASSWORD) && !all.contains(TOKEN), "a credential leaked:\n{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_from_a_mounted_secrets_directory_works_without_the_environment() {
    let sim = login_simulator().await;
    let ws = Workspace::new(PLAN, "", "");
    let secrets = ws.path("mounted");
    std::fs::create_dir(&secrets).unwrap();
    for (key, value) in [("cluster_host", sim.url()), ("cluster_username", USERNAME.into()), ("cluster_password", PASSWORD.into())] {
        std::fs::write(secrets.join(key), value).unwrap();
    }
    let output = run_with(&ws, &["--secrets-dir", secrets.to_str().unwrap()], &[]).await;
    let all = everything(&ws, &output);
    assert_eq!(code(&output), 0, "{all}");
    assert!(!all.contains(PASSWORD) && !all.contains(TOKEN), "a credential leaked:\n{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_password_stops_the_run_naming_the_variables_and_not_the_value() {
    let sim = login_simulator().await;
    let ws = Workspace::new(PLAN, "", "");
    let wrong = "canary-wrong-Pa55w0rd-77aa";
    let output = run_with(&ws, &[], &[("CLUSTER_HOST", &sim.url()), ("CLUSTER_USERNAME", USERNAME), ("CLUSTER_PASSWORD", wrong)]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stdout}\n{stderr}");
    assert!(stderr.contains(&format!("rejected the login of '{USERNAME}'")) && stderr.contains("CLUSTER_PASSWORD"), "{stderr}");
    assert!(!everything(&ws, &output).contains(wrong), "the wrong password leaked");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_credentials_are_all_named_before_any_request() {
    let sim = login_simulator().await;
    let ws = Workspace::new(PLAN, "", "");
    let before = sim.stats().total;
    let output = run_with(&ws, &[], &[("CLUSTER_HOST", &sim.url())]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("--cluster login needs CLUSTER_USERNAME, CLUSTER_PASSWORD"), "{stderr}");
    assert!(stderr.contains("--secrets-dir") && stderr.contains("cluster_username, cluster_password"), "{stderr}");
    assert_eq!(sim.stats().total, before, "the cluster was contacted");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_openshift_oauth_is_named_with_the_alternative() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "", "");
    let output = run_with(&ws, &[], &[("CLUSTER_HOST", &sim.url()), ("CLUSTER_USERNAME", USERNAME), ("CLUSTER_PASSWORD", PASSWORD)]).await;
    let (stdout, stderr) = text(&output);
    assert_ne!(code(&output), 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("serves no OpenShift OAuth login") && stderr.contains("--cluster kubeconfig"), "{stderr}");
}

#[test]
fn sim_serve_offers_the_login_a_run_uses() {
    use std::io::{BufRead, BufReader};
    let ws = Workspace::new(PLAN, "", "");
    let mut server = Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .args(["sim", "serve", "--port", "0", "--step-delay-ms", "5", "--login", USERNAME])
        .args(["--kubeconfig", ws.path("sim.kubeconfig").to_str().unwrap()])
        .env("MTV_SIM_PASSWORD", PASSWORD)
        .current_dir(ws.path(""))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let url = lines.next().unwrap().unwrap().rsplit(' ').next().unwrap().to_owned();
    let login_line = lines.find(|line| line.as_ref().is_ok_and(|l| l.starts_with("login:"))).unwrap().unwrap();
    assert!(
        login_line.contains(&format!("CLUSTER_HOST={url} CLUSTER_USERNAME={USERNAME}")) && !login_line.contains(PASSWORD),
        "{login_line}"
    );

    let output = ws
        .command(&["--cluster", "login", "-k", "cold-sanity"])
        .env("CLUSTER_HOST", &url)
        .env("CLUSTER_USERNAME", USERNAME)
        .env("CLUSTER_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(code(&output), 0, "{:?}", text(&output));
    assert!(!everything(&ws, &output).contains(PASSWORD));
}

#[tokio::test(flavor = "multi_thread")]
async fn over_tls_the_login_and_the_api_trust_only_what_the_run_is_told_to() {
    let server = TlsServer::start();
    let ws = Workspace::new(PLAN, "", "");
    let env = [("CLUSTER_HOST", server.url.as_str()), ("CLUSTER_USERNAME", USERNAME), ("CLUSTER_PASSWORD", PASSWORD)];
    let bearer = format!("authorization: bearer {TLS_TOKEN}");
    let api_requests_with_token = |server: &TlsServer| {
        server.requests().iter().filter(|head| !head.contains("/oauth") && head.to_ascii_lowercase().contains(&bearer)).count()
    };

    // The certificate chains to a CA the system does not know: no request is answered.
    let output = run_with(&ws, &[], &env).await;
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stderr}");
    assert!(stderr.contains("cannot reach") && stderr.contains("certificate") && stderr.contains("cluster_ca_file"), "{stderr}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());

    // With the CA, the login and then the API client verify the server and use the token.
    let ca = format!("cluster_ca_file={}", tls_file("ca.pem").display());
    let output = run_with(&ws, &["--set", &ca], &env).await;
    assert_ne!(code(&output), 0, "the stand-in refuses every API request");
    assert!(server.requests().iter().any(|head| head.starts_with("GET /oauth/authorize?")), "{:?}", server.requests());
    assert!(api_requests_with_token(&server) > 0, "{:?}", server.requests());
    let all = everything(&ws, &output);
    assert!(!all.contains(TLS_TOKEN) && !all.contains(PASSWORD));

    // Skipping verification works without the CA.
    let before = api_requests_with_token(&server);
    run_with(&ws, &["--set", "cluster_skip_tls_verify=true"], &env).await;
    assert!(api_requests_with_token(&server) > before, "{:?}", server.requests());
}
