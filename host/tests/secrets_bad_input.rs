//! Inputs a user gets wrong: credentials written into URLs, duplicate keys,
//! a byte-order mark, values of the wrong shape, typos, files far too large,
//! a broken `jira.cfg`. Each is refused (or warned about) with the file, the
//! key and the fix, and never with the secret it carries.

mod runner_common;

use std::path::Path;

use mtv_host::migration::{ClusterLogin, ClusterTls, SourceEndpoint};
use mtv_host::secrets::{
    BrokerSources, Env, JiraCfgError, MAX_PROVIDERS_JSON_BYTES, Providers, ProvidersError, SecretBroker, load_jira_settings,
    load_providers, load_secrets_dir, locate_providers_json, redactor, resolve_copyoffload,
};
use runner_common::{PLAN, Workspace, code, text};
use serde_json::Map;

fn profile_error(json: &str) -> String {
    let providers = Providers::parse(Path::new("/work/.providers.json"), json).expect("valid JSON");
    let profile = providers.profile("vsphere-8").expect("a profile");
    SourceEndpoint::from_profile(&profile).expect_err("refused")
}

#[test]
fn a_duplicate_key_in_providers_json_is_refused_naming_profile_and_key() {
    let json = "{\n  \"vsphere-8\": {\n    \"type\": \"vsphere\",\n    \"api_url\": \"vc\",\n    \"type\": \"ovirt\"\n  }\n}";
    let error = Providers::parse(Path::new("/work/.providers.json"), json).expect_err("refused");
    let message = error.to_string();
    assert!(matches!(error, ProvidersError::InvalidJson { line: 5, .. }), "{message}");
    assert!(message.starts_with("/work/.providers.json:5:"), "{message}");
    assert!(message.contains("\"vsphere-8.type\" is set twice"), "{message}");
    let nested = r#"{"vsphere-8": {"type": "vsphere", "copyoffload": {"storage_password": "a", "storage_password": "b"}}}"#;
    let message = Providers::parse(Path::new("p.json"), nested).expect_err("refused").to_string();
    assert!(message.contains("\"vsphere-8.copyoffload.storage_password\" is set twice"), "{message}");
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let providers = Providers::parse(Path::new("p.json"), "\u{feff}{\"vsphere-8\": {\"type\": \"vsphere\"}}").expect("a BOM is skipped");
    assert_eq!(providers.profile_names(), ["vsphere-8"]);
}

#[test]
fn api_url_of_the_wrong_shape_says_it_must_be_a_string() {
    let message = profile_error(r#"{"vsphere-8": {"type": "vsphere", "api_url": ["vc1", "vc2"]}}"#);
    assert!(message.contains("vsphere-8.api_url must be a string"), "{message}");
    let message = profile_error(r#"{"vsphere-8": {"type": "vsphere"}}"#);
    assert!(message.contains("has no api_url"), "{message}");
}

#[test]
fn api_url_with_credentials_is_refused_and_its_password_masked() {
    for api_url in ["https://root:canary-apiurl-pw-3c9d@vcenter.example.com/sdk", "root:canary-apiurl-pw-3c9d@vcenter.example.com"] {
        let message = profile_error(&format!(r#"{{"vsphere-8": {{"type": "vsphere", "api_url": "{api_url}"}}}}"#));
        assert!(message.contains("vsphere-8.api_url carries credentials") && message.contains("\"password\""), "{message}");
        assert!(!message.contains("canary-apiurl-pw-3c9d"), "{message}");
    }
    assert_eq!(redactor().redact("canary-apiurl-pw-3c9d"), "[REDACTED]");
}

#[test]
fn a_providers_file_past_the_limit_is_refused_before_parsing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("providers.json");
    let padding = " ".repeat(usize::try_from(MAX_PROVIDERS_JSON_BYTES).expect("fits"));
    std::fs::write(&path, format!("{{{padding}}}")).expect("write");
    let location = locate_providers_json(Some(&path), &Env::default(), None, None);
    let error = load_providers(&location).expect_err("refused");
    assert!(matches!(error, ProvidersError::TooLarge { .. }), "{error}");
    assert!(error.to_string().contains("is larger than 16 MiB"), "{error}");

    let long = "x".repeat(64 * 1024 + 1);
    let json = format!(r#"{{"vsphere-8": {{"type": "vsphere", "password": "{long}"}}}}"#);
    let message = Providers::parse(Path::new("p.json"), &json).expect_err("refused").to_string();
    assert!(message.contains("vsphere-8.password is longer than 64 KiB"), "{}", &message[..200.min(message.len())]);
}

fn jira_error(cfg: &str, env: &[(&str, &str)]) -> (JiraCfgError, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jira.cfg");
    std::fs::write(&path, cfg).expect("write");
    let error = load_jira_settings(std::slice::from_ref(&path), &Env::from_pairs(env.iter().copied())).expect_err("refused");
    let message = error.to_string().replace(&path.display().to_string(), "jira.cfg");
    (error, message)
}

#[test]
fn a_jira_url_that_cannot_be_used_is_an_error_naming_file_and_line() {
    let (_, message) = jira_error("[DEFAULT]\ntoken = t0k3n-value\nurl = https://bot:canary-jira-url-pw-8a2f@issues.example.com\n", &[]);
    assert!(message.starts_with("url in jira.cfg:3: the URL carries credentials"), "{message}");
    assert!(message.contains("PYTEST_JIRA_TOKEN"), "{message}");
    assert!(!message.contains("canary-jira-url-pw-8a2f"), "{message}");
    assert_eq!(redactor().redact("canary-jira-url-pw-8a2f"), "[REDACTED]");

    let (_, message) = jira_error("[DEFAULT]\nurl = not a url\n", &[]);
    assert!(message.starts_with("url in jira.cfg:2: 'not a url' is not an http:// or https:// URL"), "{message}");

    let (_, message) = jira_error("[DEFAULT]\n", &[("PYTEST_JIRA_URL", "https://u:canary-jira-env-pw-8a2f@issues.example.com")]);
    assert!(message.starts_with("environment variable PYTEST_JIRA_URL: the URL carries credentials"), "{message}");
    assert!(!message.contains("canary-jira-env-pw-8a2f"), "{message}");
}

#[test]
fn a_jira_cfg_past_the_limit_is_refused() {
    let (error, message) = jira_error(&format!("[DEFAULT]\n#{}\n", "x".repeat(1 << 20)), &[]);
    assert!(matches!(error, JiraCfgError::TooLarge { .. }), "{message}");
    assert!(message.contains("is larger than 1 MiB"), "{message}");
}

#[test]
fn a_typo_in_a_jira_cfg_key_names_the_likely_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jira.cfg");
    std::fs::write(&path, "[DEFAULT]\nurl = https://issues.example.com\ntokn = value\n").expect("write");
    let settings = load_jira_settings(std::slice::from_ref(&path), &Env::default()).expect("a warning only");
    assert!(
        settings.warnings.iter().any(|w| w.contains(":3: `tokn` is not a jira.cfg key") && w.contains("did you mean `token`?")),
        "{:?}",
        settings.warnings
    );
}

#[test]
fn a_typo_in_a_copyoffload_variable_names_the_likely_variable() {
    let env = Env::from_pairs([("COPYOFFLOAD_STORAGE_PASSWD", "x"), ("COPYOFFLOAD_STORAGE_HOSTNAME", "h"), ("COPYOFFLOAD_ACME_POOL", "p")]);
    // Until a vendor has declared its keys, any variable may be one of them.
    let resolution = resolve_copyoffload("vsphere-8", &Map::new(), &env, Path::new("p.json"));
    assert!(resolution.warnings().is_empty(), "{:?}", resolution.warnings());
    let declared = mtv_host::plugins::Field {
        config_key: "acme_pool".into(),
        secret_key: "ACME_POOL".into(),
        presence: mtv_host::plugins::Presence::Required,
        sensitive: false,
        description: "Pool".into(),
    };
    let resolution = resolution.with_declared(&[declared]);
    let warnings = resolution.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("COPYOFFLOAD_STORAGE_PASSWD is set but is not a copy-offload variable"), "{warnings:?}");
    assert!(warnings[0].contains("did you mean `COPYOFFLOAD_STORAGE_PASSWORD`?"), "{warnings:?}");
}

#[test]
fn cluster_host_with_credentials_is_refused() {
    let env = Env::from_pairs([
        ("CLUSTER_HOST", "https://kubeadmin:canary-cluster-url-pw-5d7e@api.example.com:6443"),
        ("CLUSTER_USERNAME", "kubeadmin"),
        ("CLUSTER_PASSWORD", "p4ssw0rd-value"),
    ]);
    let broker = SecretBroker::new(BrokerSources { env, ..BrokerSources::default() });
    let message = ClusterLogin::from_broker(&broker, ClusterTls::default()).err().expect("refused");
    assert!(message.contains("CLUSTER_HOST") && message.contains("CLUSTER_USERNAME and CLUSTER_PASSWORD"), "{message}");
    assert!(!message.contains("canary-cluster-url-pw-5d7e"), "{message}");
    assert_eq!(redactor().redact("canary-cluster-url-pw-5d7e"), "[REDACTED]");
}

#[test]
fn secrets_dir_that_is_a_file_says_it_must_be_a_directory() {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let message = load_secrets_dir(file.path()).expect_err("refused").to_string();
    assert!(message.contains("is not a directory; pass the directory where the Secret is mounted"), "{message}");

    let ws = Workspace::new(PLAN, "", "");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .current_dir(ws.path(""))
        .args(["secrets", "explain", "--secrets-dir", file.path().to_str().expect("utf-8")])
        .env("HOME", ws.path(""))
        .output()
        .expect("runs");
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 4, "{stderr}");
    assert!(stderr.contains("is not a directory"), "{stderr}");
}

/// Each jira.cfg a run cannot use stops it with exit 4, naming the file
/// and the line; none turns gating off quietly.
#[test]
fn a_broken_jira_cfg_stops_the_run_with_exit_4() {
    let cases = [
        ("url = https://issues.example.com\n", ":1:", "put [DEFAULT] above it"),
        ("[DEFAULT]\nurl = https://issues.example.com\nno separator here\n", ":3:", "expected `key = value`"),
        ("[DEFAULT]\nurl = https://issues.example.com\nURL = https://other.example.com\n", ":3:", "set twice"),
        ("[DEFAULT\nurl = https://issues.example.com\n", ":1:", "section header"),
        ("[DEFAULT]\n= https://issues.example.com\n", ":2:", "key is missing"),
        ("[DEFAULT]\n[DEFAULT]\n", ":2:", "appears twice"),
        ("[DEFAULT]\nurl = not a url\n", ":2:", "is not an http:// or https:// URL"),
        ("[DEFAULT]\nerror_strategy = skip\nurl = https://u:canary-cfg-pw-19b4@issues.example.com\n", ":3:", "carries credentials"),
    ];
    for (cfg, line, problem) in cases {
        let ws = Workspace::new(PLAN, "", "");
        std::fs::write(ws.path("jira.cfg"), cfg).expect("jira.cfg");
        let output = ws.run(&["--collect-only"]);
        let (stdout, stderr) = text(&output);
        assert_eq!(code(&output), 4, "{cfg:?}\n{stdout}\n{stderr}");
        assert!(stderr.contains(&format!("jira.cfg{line}")) && stderr.contains(problem), "{cfg:?}\n{stderr}");
        assert!(stderr.contains("move it away to run without JIRA gating"), "{stderr}");
        assert!(!stdout.contains("tests collected"), "{cfg:?}: nothing runs\n{stdout}");
        assert!(!format!("{stdout}{stderr}").contains("canary-cfg-pw-19b4"), "{stdout}\n{stderr}");
    }
}

#[test]
fn a_duplicate_key_stops_a_run_and_is_a_warning_in_a_listing() {
    let ws = Workspace::new(PLAN, "", "");
    let providers = runner_common::PROVIDERS.replacen("\"type\": \"vsphere\",", "\"type\": \"vsphere\", \"type\": \"ovirt\",", 1);
    std::fs::write(ws.path("providers.json"), providers).expect("providers");
    let output = ws.run(&["-k", "cold-sanity"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("\"vsphere-test.type\" is set twice"), "{stderr}");
    let output = ws.run(&["--collect-only"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("warning: ") && stderr.contains("\"vsphere-test.type\" is set twice"), "{stderr}");
}
