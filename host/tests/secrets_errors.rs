//! Error messages name the file, the key and the fix.

use std::path::{Path, PathBuf};

use mtv_host::secrets::{
    Env, JiraCfgError, Providers, ProvidersError, load_dotenv, load_jira_settings, load_providers, locate_providers_json,
    resolve_copyoffload,
};
use serde_json::Map;

const EXAMPLE_WITH_COMMENTS: &str = r#"{
  "vsphere-8": {
    "type": "vsphere",
    "copyoffload": {
      "storage_hostname": "storage.example.com",
      "storage_password": "your-password-here", # pragma: allowlist secret
      "storage_username": "admin"
    }
  }
}
"#;

#[test]
fn invalid_json_with_a_comment_names_file_line_column_and_the_fix() {
    let path = Path::new("/work/.providers.json");
    let error = Providers::parse(path, EXAMPLE_WITH_COMMENTS).expect_err("comments are not JSON");
    let ProvidersError::InvalidJson { line, column, .. } = &error else { panic!("{error:?}") };
    assert_eq!(*line, 6);
    assert_eq!(*column, 49);
    let message = error.to_string();
    assert!(message.contains("/work/.providers.json:6:49"), "{message}");
    assert!(message.contains("comments from .providers.json.example are not JSON; remove them"), "{message}");
}

#[test]
fn invalid_json_without_a_comment_has_no_comment_hint() {
    let error = Providers::parse(Path::new("p.json"), "{\"a\": {\"type\": \"vsphere\",}}").expect_err("trailing comma");
    let message = error.to_string();
    assert!(message.contains("p.json:1:"), "{message}");
    assert!(!message.contains("comment"), "{message}");
}

#[test]
fn missing_profile_lists_the_existing_ones() {
    let providers =
        Providers::parse(Path::new("/work/.providers.json"), r#"{"vsphere-8": {"type": "vsphere"}, "ovirt-4.4": {"type": "ovirt"}}"#)
            .expect("valid");
    let message = providers.profile("vsphere-7").expect_err("absent").to_string();
    assert!(message.contains("\"vsphere-7\" not found"), "{message}");
    assert!(message.contains("ovirt-4.4, vsphere-8"), "{message}");
    assert!(message.contains("/work/.providers.json"), "{message}");
}

#[test]
fn profile_without_type_names_file_and_key_path() {
    let providers = Providers::parse(Path::new("/work/.providers.json"), r#"{"vsphere-8": {"api_url": "https://vc"}}"#).expect("valid");
    let message = providers.profile("vsphere-8").expect_err("no type").to_string();
    assert!(message.contains("/work/.providers.json"), "{message}");
    assert!(message.contains("vsphere-8.type"), "{message}");
}

#[test]
fn providers_file_not_found_says_how_to_point_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Env::from_pairs([("PROVIDERS_JSON_PATH", dir.path().join("nope.json").display().to_string())]);
    let location = locate_providers_json(None, &env, None, None);
    let message = load_providers(&location).expect_err("absent").to_string();
    assert!(message.contains(&dir.path().join("nope.json").display().to_string()), "{message}");
    assert!(message.contains("PROVIDERS_JSON_PATH"), "{message}");
    assert!(message.contains("--providers-json"), "{message}");
    assert!(message.contains(".providers.json"), "{message}");
}

#[test]
fn malformed_jira_cfg_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jira.cfg");
    std::fs::write(&path, "[DEFAULT]\nurl = https://issues.example.com\nsecret-token-without-key\n").expect("write");
    let error = load_jira_settings(std::slice::from_ref(&path), &Env::default()).expect_err("malformed");
    assert!(matches!(error, JiraCfgError::Malformed { line: 3, .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.starts_with(&format!("{}:3:", path.display())), "{message}");
    assert!(!message.contains("secret-token-without-key"), "the line's text leaked: {message}");
}

#[test]
fn jira_cfg_without_section_header_says_to_add_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jira.cfg");
    std::fs::write(&path, "url = https://issues.example.com\n").expect("write");
    let message = load_jira_settings(&[path], &Env::default()).expect_err("no header").to_string();
    assert!(message.contains(":1:") && message.contains("[DEFAULT]"), "{message}");
}

#[test]
fn unreadable_jira_cfg_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let message = load_jira_settings(&[dir.path().to_path_buf()], &Env::default()).expect_err("a directory is not a file").to_string();
    assert!(message.contains(&dir.path().display().to_string()), "{message}");
}

#[test]
fn missing_copyoffload_key_names_key_path_and_env_var() {
    let resolved = resolve_copyoffload("vsphere-8", &Map::new(), &Env::default(), Path::new("/work/.providers.json"));
    assert!(resolved.get("storage_password").is_none(), "absent");
    let message = resolved.missing_error("storage_password");
    assert!(message.contains("vsphere-8.copyoffload.storage_password"), "{message}");
    assert!(message.contains("COPYOFFLOAD_STORAGE_PASSWORD"), "{message}");
    assert!(message.contains("/work/.providers.json"), "{message}");

    let message = resolved.missing_error("datastore_id");
    assert!(message.contains("vsphere-8.copyoffload.datastore_id"), "{message}");
    assert!(message.contains("no environment override"), "{message}");
}

#[test]
fn malformed_dotenv_names_file_and_line_without_the_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path: PathBuf = dir.path().join(".env");
    std::fs::write(&path, "JJI_SERVER_URL=https://jji.example\n# note\nJJI_TOKEN=\"canary-dotenv-77aa\n").expect("write");
    let message = load_dotenv(&path, true).expect_err("unterminated quote").to_string();
    assert!(message.starts_with(&format!("{}:3:", path.display())), "{message}");
    assert!(!message.contains("canary-dotenv-77aa"), "{message}");
}
