//! Canary values never reach an output.

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mtv_host::secrets::{
    AuditEvent, AuditKind, AuditLog, BrokerSources, Env, Providers, SecretBroker, SecretValue, explain_table, install_panic_hook,
    load_secrets_dir, redactor,
};

#[test]
fn secret_value_never_formats_its_value() {
    let secret = SecretValue::new("canary-pw-7f3a91");
    let shown = format!("{secret} {secret:?} {:?} {:#?}", vec![&secret], Some(&secret));
    assert!(!shown.contains("canary-pw-7f3a91"), "{shown}");
    assert!(shown.contains("[REDACTED]"));
}

#[test]
fn redactor_masks_the_value_and_its_base64() {
    let canary = "canary-pw-b64-2c4e";
    let _secret = SecretValue::new(canary);
    let encoded = STANDARD.encode(canary);
    let line = format!("password={canary} data: {{\"STORAGE_PASSWORD\": \"{encoded}\"}}");
    let redacted = redactor().redact(&line);
    assert!(!redacted.contains(canary), "{redacted}");
    assert!(!redacted.contains(&encoded), "{redacted}");
    assert_eq!(redacted, "password=[REDACTED] data: {\"STORAGE_PASSWORD\": \"[REDACTED]\"}");
}

#[test]
fn providers_passwords_are_masked_as_soon_as_the_file_is_parsed() {
    let text = r#"{
      "vsphere-8": {"type": "vsphere", "password": "canary-provider-pw-11",
        "copyoffload": {"storage_password": "canary-storage-pw-22",
                        "storage_secret_extra": {"API_KEY": "canary-extra-33"}}},
      "ovirt": {"type": "ovirt", "guest_vm_linux_password": "canary-guest-pw-44"}
    }"#;
    let providers = Providers::parse(Path::new(".providers.json"), text).expect("valid");
    let profile = providers.profile("vsphere-8").expect("exists");
    let shown = format!("{providers:?} {profile:?} {:?}", profile.password());
    for canary in ["canary-provider-pw-11", "canary-storage-pw-22", "canary-extra-33", "canary-guest-pw-44"] {
        assert!(!shown.contains(canary), "{canary} in {shown}");
        assert_eq!(redactor().redact(&format!("x {canary} x")), "x [REDACTED] x");
    }
    assert_eq!(profile.password().map(SecretValue::expose), Some("canary-provider-pw-11"));
    assert!(profile.setting("password").is_none(), "a password must not be a plain setting");
}

#[test]
fn audit_lines_never_contain_a_value() {
    let canary = SecretValue::new("canary-audit-pw-5d6e");
    let log = AuditLog::in_memory();
    log.record(AuditEvent { plugin: "jira", kind: AuditKind::Secret, target: "jira.token", allowed: true, reason: None })
        .expect("recorded");
    // A careless caller passing a value where a reason belongs is caught by
    // the redactor guard.
    let careless = format!("denied while holding {}", canary.expose());
    log.record(AuditEvent {
        plugin: "jji",
        kind: AuditKind::Http,
        target: "https://evil.example",
        allowed: false,
        reason: Some(&careless),
    })
    .expect("recorded");

    let lines = log.lines().expect("lines");
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert!(!line.contains("canary-audit-pw-5d6e"), "{line}");
    }
    let entries = log.entries().expect("entries");
    assert_eq!(entries[0].target, "jira.token");
    assert_eq!(entries[0].kind, AuditKind::Secret);
    assert!(entries[0].allowed);
    assert!(entries[0].reason.is_none());
    assert!(!lines[0].contains("reason"), "{}", lines[0]);
    assert_eq!(entries[1].reason.as_deref(), Some("denied while holding [REDACTED]"));
    assert!(jiff_like_rfc3339(&entries[0].time), "{}", entries[0].time);
}

fn jiff_like_rfc3339(time: &str) -> bool {
    time.len() == "2026-01-02T03:04:05.678Z".len() && time.ends_with('Z') && time.as_bytes()[10] == b'T'
}

#[test]
fn audit_file_is_appended_one_json_line_per_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = AuditLog::default_path(&dir.path().join("reports/junit-report.xml"));
    assert_eq!(path, dir.path().join("reports/mtv-host-audit.jsonl"));
    for round in 0..2 {
        let log = AuditLog::open(&path).expect("opens");
        log.record(AuditEvent {
            plugin: "vendor-ontap",
            kind: AuditKind::Secret,
            target: "copyoffload.storage_password",
            allowed: false,
            reason: Some("not granted"),
        })
        .expect("recorded");
        assert_eq!(log.entries().expect("entries").len(), round + 1);
    }
    let text = std::fs::read_to_string(&path).expect("written");
    let first: serde_json::Value = serde_json::from_str(text.lines().next().expect("a line")).expect("JSON");
    assert_eq!(first["kind"], "secret");
    assert_eq!(first["allowed"], false);
    assert_eq!(first["plugin"], "vendor-ontap");
}

#[test]
fn explain_table_shows_sources_not_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("cluster_password"), "canary-cluster-pw-8f9a\n").expect("write");
    let secrets_dir = load_secrets_dir(dir.path()).expect("loads");
    let broker = SecretBroker::new(BrokerSources {
        env: Env::from_pairs([("COPYOFFLOAD_STORAGE_PASSWORD", "canary-co-pw-0b1c")]),
        secrets_dir: Some(secrets_dir),
        source_profile: Some("vsphere-8".into()),
        ..BrokerSources::default()
    });
    let table = explain_table(&broker.describe());
    assert!(!table.contains("canary"), "{table}");
    assert!(table.contains("COPYOFFLOAD_STORAGE_PASSWORD"), "{table}");
    assert!(table.contains("cluster_password"), "{table}");
    assert!(table.contains("PYTEST_JIRA_TOKEN"), "{table}");
}

const PANIC_CHILD: &str = "MTV_SECRETS_PANIC_HOOK_CHILD";
const PANIC_CANARY: &str = "canary-panic-pw-3b4c";

/// Runs only as the child of `panic_hook_redacts_the_message`.
#[test]
fn panic_hook_child() {
    if std::env::var_os(PANIC_CHILD).is_none() {
        return;
    }
    install_panic_hook();
    let secret = SecretValue::new(PANIC_CANARY);
    panic!("could not parse {}", secret.expose());
}

#[test]
fn panic_hook_redacts_the_message() {
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "panic_hook_child", "--nocapture", "--test-threads=1"])
        .env(PANIC_CHILD, "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("child runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "the child must panic: {stdout}");
    assert!(stderr.contains("could not parse [REDACTED]"), "{stderr}");
    assert!(!stderr.contains(PANIC_CANARY) && !stdout.contains(PANIC_CANARY), "{stderr}\n{stdout}");
}
