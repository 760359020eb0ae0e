//! Every precedence rule of secret resolution.

use std::path::{Path, PathBuf};

use mtv_host::secrets::{ChosenBy, Env, Source, load_dotenv, load_jira_settings, locate_providers_json, resolve_copyoffload};
use serde_json::{Map, Value, json};

fn section(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

const PROVIDERS: &str = "/cfg/.providers.json";

#[test]
fn copyoffload_env_wins_for_overridable_keys() {
    let file = section(json!({
        "storage_hostname": "file-host.example.com",
        "storage_password": "file-password-1234",
    }));
    let env =
        Env::from_pairs([("COPYOFFLOAD_STORAGE_HOSTNAME", "env-host.example.com"), ("COPYOFFLOAD_STORAGE_PASSWORD", "env-password-5678")]);
    let resolved = resolve_copyoffload("vsphere-8", &file, &env, Path::new(PROVIDERS));

    assert_eq!(resolved.plain("storage_hostname"), Some("env-host.example.com"));
    let password = resolved.secret("storage_password").expect("password resolved");
    assert_eq!(password.expose(), "env-password-5678");
    assert_eq!(resolved.get("storage_password").map(|key| &key.source), Some(&Source::Env { var: "COPYOFFLOAD_STORAGE_PASSWORD".into() }));
    assert!(resolved.warnings().is_empty(), "{:?}", resolved.warnings());
}

#[test]
fn copyoffload_empty_env_falls_back_to_the_file() {
    let file = section(json!({ "storage_username": "file-admin" }));
    let env = Env::from_pairs([("COPYOFFLOAD_STORAGE_USERNAME", "")]);
    let resolved = resolve_copyoffload("vsphere-8", &file, &env, Path::new(PROVIDERS));

    assert_eq!(resolved.plain("storage_username"), Some("file-admin"));
    assert_eq!(
        resolved.get("storage_username").map(|key| &key.source),
        Some(&Source::File { path: PathBuf::from(PROVIDERS), key_path: "vsphere-8.copyoffload.storage_username".into(), line: None })
    );
}

#[test]
fn copyoffload_file_only_key_ignores_env_with_a_warning() {
    let file = section(json!({ "datastore_id": "datastore-12345" }));
    let env = Env::from_pairs([("COPYOFFLOAD_DATASTORE_ID", "datastore-99")]);
    let resolved = resolve_copyoffload("vsphere-8", &file, &env, Path::new(PROVIDERS));

    assert_eq!(resolved.plain("datastore_id"), Some("datastore-12345"));
    let warning = resolved.warnings().join("\n");
    assert!(warning.contains("COPYOFFLOAD_DATASTORE_ID"), "{warning}");
    assert!(warning.contains("ignored"), "{warning}");
    assert!(warning.contains("vsphere-8.copyoffload.datastore_id"), "{warning}");
}

#[test]
fn copyoffload_file_only_key_with_env_and_no_file_value_stays_missing() {
    let env = Env::from_pairs([("COPYOFFLOAD_STORAGE_VENDOR_PRODUCT", "ontap")]);
    let resolved = resolve_copyoffload("vsphere-8", &Map::new(), &env, Path::new(PROVIDERS));
    assert!(resolved.get("storage_vendor_product").is_none());
    assert_eq!(resolved.warnings().len(), 1);
}

#[test]
fn copyoffload_values_are_typed_by_sensitivity() {
    let file = section(json!({
        "esxi_password": "esxi-secret-value",
        "esxi_user": "root",
        "vantara_storage_port": 443,
        "storage_skip_ssl_verification": true,
    }));
    let resolved = resolve_copyoffload("vsphere-8", &file, &Env::default(), Path::new(PROVIDERS));
    assert!(resolved.plain("esxi_password").is_none(), "a sensitive value must not be plain");
    assert_eq!(resolved.secret("esxi_password").map(|secret| secret.expose()), Some("esxi-secret-value"));
    assert_eq!(resolved.plain("esxi_user"), Some("root"));
    assert_eq!(resolved.plain("vantara_storage_port"), Some("443"));
    assert_eq!(resolved.plain("storage_skip_ssl_verification"), Some("true"));
}

#[test]
fn copyoffload_clone_method_defaults_to_vib() {
    let resolved = resolve_copyoffload("vsphere-8", &Map::new(), &Env::default(), Path::new(PROVIDERS));
    let clone_method = resolved.get("esxi_clone_method").expect("a default");
    assert_eq!(clone_method.value.expose(), "vib");
    assert_eq!(clone_method.source, Source::Default);
}

#[test]
fn copyoffload_secret_extra_from_env_is_parsed_into_secrets() {
    let file = section(json!({ "storage_secret_extra": { "COPY_SPEED": "slower" } }));
    let env = Env::from_pairs([("COPYOFFLOAD_STORAGE_SECRET_EXTRA", r#"{"COPY_SPEED": "faster", "RETRIES": 3}"#)]);
    let resolved = resolve_copyoffload("vsphere-8", &file, &env, Path::new(PROVIDERS));
    let extra = resolved.secret_extra();
    assert_eq!(extra.get("COPY_SPEED").map(|value| value.expose()), Some("faster"));
    assert_eq!(extra.get("RETRIES").map(|value| value.expose()), Some("3"));
    assert!(resolved.errors().is_empty(), "{:?}", resolved.errors());
}

#[test]
fn copyoffload_secret_extra_that_is_not_an_object_is_an_error() {
    let env = Env::from_pairs([("COPYOFFLOAD_STORAGE_SECRET_EXTRA", "COPY_SPEED=faster")]);
    let resolved = resolve_copyoffload("vsphere-8", &Map::new(), &env, Path::new(PROVIDERS));
    assert!(resolved.get("storage_secret_extra").is_none());
    let errors = resolved.errors().join("\n");
    assert!(errors.contains("COPYOFFLOAD_STORAGE_SECRET_EXTRA") && errors.contains("JSON object"), "{errors}");
    assert!(!errors.contains("COPY_SPEED=faster"), "the value leaked into: {errors}");
}

#[test]
fn copyoffload_unlisted_keys_are_kept_for_vendors_and_explained() {
    let file = section(json!({ "storage_pasword": "typo" }));
    let resolved = resolve_copyoffload("vsphere-8", &file, &Env::default(), Path::new(PROVIDERS));
    assert_eq!(resolved.unlisted_keys(), ["storage_pasword"]);
    assert!(resolved.warnings().is_empty(), "the copy-offload planner warns, knowing the vendor's fields");
    let warning = resolved.unknown_key_warning("storage_pasword");
    assert!(warning.contains("vsphere-8.copyoffload.storage_pasword"), "{warning}");
    assert!(warning.contains("storage_password"), "{warning}");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

#[test]
fn jira_env_wins_over_files_and_later_files_win() {
    let dir = tempfile::tempdir().expect("tempdir");
    let system =
        write(dir.path(), "etc-jira.cfg", "[DEFAULT]\nurl = https://system.example\ntoken = system-token\nresolved_statuses = closed\n");
    let user = write(dir.path(), "home-jira.cfg", "[DEFAULT]\nurl = https://user.example\nerror_strategy = skip\n");
    let missing = dir.path().join("absent-jira.cfg");
    let env = Env::from_pairs([("PYTEST_JIRA_TOKEN", "env-token-abcd"), ("PYTEST_JIRA_URL", "")]);

    let settings = load_jira_settings(&[system.clone(), missing, user.clone()], &env).expect("loads");

    assert_eq!(settings.url.as_deref(), Some("https://user.example"), "later file wins; empty env ignored");
    assert_eq!(settings.token.as_ref().map(|token| token.expose()), Some("env-token-abcd"));
    assert_eq!(settings.other.get("resolved_statuses").map(String::as_str), Some("closed"));
    assert_eq!(settings.other.get("error_strategy").map(String::as_str), Some("skip"));
    assert_eq!(settings.sources["token"], Source::Env { var: "PYTEST_JIRA_TOKEN".into() });
    assert_eq!(settings.sources["url"], Source::File { path: user, key_path: "url".into(), line: Some(2) });
    assert_eq!(settings.sources["resolved_statuses"], Source::File { path: system, key_path: "resolved_statuses".into(), line: Some(4) });
}

#[test]
fn jira_every_override_variable_applies() {
    let env = Env::from_pairs([
        ("PYTEST_JIRA_URL", "https://env.example"),
        ("PYTEST_JIRA_USERNAME", "env-user"),
        ("PYTEST_JIRA_PASSWORD", "env-password-1"),
    ]);
    let settings = load_jira_settings(&[], &env).expect("loads");
    assert_eq!(settings.url.as_deref(), Some("https://env.example"));
    assert_eq!(settings.username.as_deref(), Some("env-user"));
    assert_eq!(settings.password.as_ref().map(|password| password.expose()), Some("env-password-1"));
    assert!(settings.token.is_none());
}

#[test]
fn dotenv_is_not_loaded_without_analyze_with_ai() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), ".env", "JJI_SERVER_URL=https://jji.example\n");
    assert!(load_dotenv(&path, false).expect("no error").is_empty());
    let pairs = load_dotenv(&path, true).expect("loads");
    assert_eq!(pairs, [("JJI_SERVER_URL".to_owned(), "https://jji.example".to_owned())]);
}

#[test]
fn dotenv_never_overrides_the_real_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), ".env", "JJI_SERVER_URL=https://dotenv.example\nJJI_AI_MODEL=from-dotenv\n");
    let overlay = load_dotenv(&path, true).expect("loads");
    let env = Env::from_pairs([("JJI_SERVER_URL", "https://real.example")]).with_overlay(overlay);
    assert_eq!(env.get("JJI_SERVER_URL"), Some("https://real.example"));
    assert_eq!(env.get("JJI_AI_MODEL"), Some("from-dotenv"));
}

#[test]
fn dotenv_missing_file_is_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(load_dotenv(&dir.path().join(".env"), true).expect("no error").is_empty());
}

#[test]
fn providers_json_location_order() {
    let flag = Path::new("/flag/providers.json");
    let secrets_dir = Path::new("/var/run/mtv-test-config");
    let env = Env::from_pairs([("PROVIDERS_JSON_PATH", "/env/providers.json")]);
    let empty_env = Env::from_pairs([("PROVIDERS_JSON_PATH", "")]);

    let chosen = locate_providers_json(Some(flag), &env, None, Some(secrets_dir));
    assert_eq!((chosen.path.as_path(), chosen.chosen_by), (flag, ChosenBy::Flag));

    let chosen = locate_providers_json(None, &env, None, Some(secrets_dir));
    assert_eq!((chosen.path.as_path(), chosen.chosen_by), (Path::new("/env/providers.json"), ChosenBy::EnvVar));

    let configured = Path::new("/etc/mtv/providers.json");
    let chosen = locate_providers_json(None, &env, Some(configured), Some(secrets_dir));
    assert_eq!(chosen.chosen_by, ChosenBy::EnvVar, "the variable beats the run config");
    let chosen = locate_providers_json(None, &empty_env, Some(configured), Some(secrets_dir));
    assert_eq!((chosen.path.as_path(), chosen.chosen_by), (configured, ChosenBy::Config));

    let chosen = locate_providers_json(None, &empty_env, None, Some(secrets_dir));
    assert_eq!(chosen.path, secrets_dir.join("providers.json"));
    assert_eq!(chosen.chosen_by, ChosenBy::SecretsDir);

    let chosen = locate_providers_json(None, &empty_env, None, None);
    assert_eq!(chosen.path, Path::new("./.providers.json"));
    assert_eq!(chosen.chosen_by, ChosenBy::Default);
}
