//! The mounted Secret directory, JIRA authorization, and the broker.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mtv_host::secrets::{
    BrokerSources, Env, JiraSettings, Providers, SecretBroker, SecretError, SecretValue, SettingValue, check_secret_name, load_secrets_dir,
};

#[test]
fn secrets_dir_reads_a_kubernetes_mount() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    // The layout the kubelet writes: real files in a timestamped directory,
    // `..data` linking to it, and each key linking through `..data`.
    let stamped = root.join("..2026_01_02_03_04_05.000000001");
    std::fs::create_dir(&stamped).expect("mkdir");
    for (name, text) in [
        ("providers.json", "{}"),
        ("cluster_host", "https://api.cluster.example:6443\n"),
        ("cluster_username", "kubeadmin"),
        ("cluster_password", "canary-dir-pw-4e5f\r\n"),
        ("jira_token", "canary-dir-token-6a7b\n"),
    ] {
        std::fs::write(stamped.join(name), text).expect("write");
    }
    std::os::unix::fs::symlink(stamped.file_name().expect("name"), root.join("..data")).expect("link");
    for name in ["providers.json", "cluster_host", "cluster_username", "cluster_password", "jira_token"] {
        std::os::unix::fs::symlink(Path::new("..data").join(name), root.join(name)).expect("link");
    }
    std::fs::write(root.join(".hidden"), "ignored").expect("write");
    std::fs::create_dir(root.join("subdir")).expect("mkdir");

    let settings = load_secrets_dir(root).expect("loads");

    assert_eq!(settings.providers_json(), Some(root.join("providers.json").as_path()));
    assert_eq!(settings.plain("cluster_host"), Some("https://api.cluster.example:6443"));
    assert_eq!(settings.plain("cluster_username"), Some("kubeadmin"));
    assert_eq!(settings.secret("cluster_password").map(SecretValue::expose), Some("canary-dir-pw-4e5f"));
    assert!(matches!(settings.get("jira_token"), Some(SettingValue::Secret(_))));
    assert!(settings.plain("cluster_password").is_none());
    let keys: Vec<_> = settings.keys().collect();
    assert_eq!(keys, ["cluster_host", "cluster_password", "cluster_username", "jira_token"]);
}

#[test]
fn secrets_dir_that_does_not_exist_names_the_path() {
    let message = load_secrets_dir(Path::new("/nonexistent/mtv-test-config")).expect_err("absent").to_string();
    assert!(message.contains("/nonexistent/mtv-test-config"), "{message}");
}

fn jira(username: Option<&str>, token: Option<&str>, password: Option<&str>) -> JiraSettings {
    JiraSettings {
        url: Some("https://issues.example.com/jira".into()),
        username: username.map(Into::into),
        token: token.map(SecretValue::new),
        password: password.map(SecretValue::new),
        ..JiraSettings::default()
    }
}

fn header(settings: &JiraSettings) -> Option<String> {
    settings.authorization().map(|value| value.expose().to_owned())
}

#[test]
fn authorization_header_forms() {
    assert_eq!(header(&jira(None, Some("tok-1234"), None)), Some("Bearer tok-1234".into()));
    let basic = |credentials: &str| Some(format!("Basic {}", STANDARD.encode(credentials)));
    // pytest-jira 0.3.22 (which the original suite pins) sends the token as
    // Bearer even with a username; 0.3.24 would send Basic.
    assert_eq!(header(&jira(Some("me"), Some("tok-1234"), Some("pw-5678"))), Some("Bearer tok-1234".into()));
    assert_eq!(header(&jira(Some("me"), None, Some("pw-5678"))), basic("me:pw-5678"));
    assert_eq!(header(&jira(Some("me"), None, None)), None);
    assert_eq!(header(&jira(None, None, Some("pw-5678"))), None);
    assert_eq!(header(&jira(None, None, None)), None);
}

#[test]
fn basic_credentials_are_masked_without_their_prefix() {
    let settings = jira(Some("me"), None, Some("canary-basic-tok-9c0d"));
    let value = settings.authorization().expect("basic");
    let encoded = value.expose().trim_start_matches("Basic ").to_owned();
    let redacted = mtv_host::secrets::redactor().redact(&encoded);
    assert_eq!(redacted, "[REDACTED]");
}

fn broker_fixture() -> SecretBroker {
    let providers = Providers::parse(
        Path::new("/work/.providers.json"),
        r#"{
          "vsphere-8.0.1": {"type": "vsphere", "password": "vc-password-1",
            "copyoffload": {"storage_password": "file-storage-pw", "storage_hostname": "array.example"}},
          "ovirt-4.4": {"type": "ovirt"},
          "broken": {"api_url": "https://x"}
        }"#,
    )
    .expect("valid");
    SecretBroker::new(BrokerSources {
        providers: Some(providers),
        source_profile: Some("vsphere-8.0.1".into()),
        jira: Some(jira(None, Some("jira-token-1"), None)),
        env: Env::from_pairs([
            ("COPYOFFLOAD_ESXI_PASSWORD", "env-esxi-pw"),
            ("COPYOFFLOAD_DATASTORE_ID", "ignored-datastore"),
            ("JJI_SERVER_URL", "https://jji.example"),
            ("CLUSTER_PASSWORD", "env-cluster-pw"),
        ]),
        secrets_dir: None,
    })
}

fn get(broker: &SecretBroker, name: &str) -> Result<String, SecretError> {
    broker.get(name).map(|value| value.expose().to_owned())
}

#[test]
fn broker_resolves_every_name_form() {
    let broker = broker_fixture();
    assert_eq!(get(&broker, "jira.token").expect("set"), "jira-token-1");
    assert_eq!(get(&broker, "cluster.password").expect("set"), "env-cluster-pw");
    assert_eq!(get(&broker, "provider.vsphere-8.0.1.password").expect("set"), "vc-password-1");
    assert_eq!(get(&broker, "copyoffload.storage_password").expect("set"), "file-storage-pw");
    assert_eq!(get(&broker, "copyoffload.esxi_password").expect("set"), "env-esxi-pw");
    assert_eq!(get(&broker, "env.JJI_SERVER_URL").expect("set"), "https://jji.example");
    assert!(broker.warnings().iter().any(|warning| warning.contains("COPYOFFLOAD_DATASTORE_ID")));
}

#[test]
fn broker_says_where_a_missing_secret_would_come_from() {
    let broker = broker_fixture();
    let message = broker.get("jira.password").expect_err("unset").to_string();
    assert!(message.contains("jira.password") && message.contains("PYTEST_JIRA_PASSWORD"), "{message}");

    let message = broker.get("copyoffload.storage_token").expect_err("unset").to_string();
    assert!(message.contains("COPYOFFLOAD_STORAGE_TOKEN"), "{message}");
    assert!(message.contains("vsphere-8.0.1.copyoffload.storage_token"), "{message}");

    let message = broker.get("provider.ovirt-4.4.password").expect_err("unset").to_string();
    assert!(message.contains("ovirt-4.4.password in /work/.providers.json"), "{message}");

    let message = broker.get("provider.broken.password").expect_err("invalid").to_string();
    assert!(message.contains("broken.type"), "{message}");

    let message = broker.get("env.NOT_SET_ANYWHERE").expect_err("unset").to_string();
    assert!(message.contains("NOT_SET_ANYWHERE"), "{message}");
}

#[test]
fn broker_rejects_unknown_and_non_sensitive_names() {
    let broker = broker_fixture();
    assert!(matches!(broker.get("jira.url"), Err(SecretError::Unknown { .. })));
    let message = broker.get("copyoffload.storage_hostname").expect_err("not a secret").to_string();
    assert!(message.contains("not sensitive"), "{message}");
    assert!(check_secret_name("copyoffload.nope").is_err());
    assert!(check_secret_name("provider..password").is_err());
    assert!(check_secret_name("env.").is_err());
    assert!(check_secret_name("env.ANY").is_ok());
}

#[test]
fn broker_attaches_jira_credentials_to_jira_origin_only() {
    let broker = broker_fixture();
    let credential = broker.origin_credential("https://ISSUES.example.com:443/").expect("jira origin");
    assert_eq!(credential.expose(), "Bearer jira-token-1");
    assert!(broker.origin_credential("https://issues.example.com:8443").is_none());
    assert!(broker.origin_credential("http://issues.example.com").is_none());
    assert!(broker.origin_credential("https://jji.example").is_none());
}

#[test]
fn broker_describe_lists_each_secret_and_whether_it_is_set() {
    let rows = broker_fixture().describe();
    let row = |name: &str| rows.iter().find(|row| row.name == name).unwrap_or_else(|| panic!("{name} in {rows:?}"));
    assert!(row("jira.token").set);
    assert!(!row("jira.password").set);
    assert!(row("cluster.password").set);
    assert_eq!(row("cluster.password").from, "environment variable CLUSTER_PASSWORD");
    assert!(row("provider.vsphere-8.0.1.password").set);
    assert!(!row("provider.ovirt-4.4.password").set);
    assert!(!row("provider.broken.password").set);
    assert_eq!(row("copyoffload.esxi_password").from, "environment variable COPYOFFLOAD_ESXI_PASSWORD");
    assert_eq!(row("copyoffload.storage_password").from, "vsphere-8.0.1.copyoffload.storage_password in /work/.providers.json");
    assert!(!row("copyoffload.storage_token").set);
}
