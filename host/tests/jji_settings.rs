//! The `JJI_*` environment rules and the plugin entry built from them.

use mtv_host::enrich::*;
use mtv_host::plugins::{Grants, Limits};
use mtv_host::secrets::{Env, load_dotenv};

fn settings(pairs: &[(&str, &str)]) -> JjiSettings {
    JjiSettings::from_env(&Env::from_pairs(pairs.iter().copied()))
}

fn enabled(pairs: &[(&str, &str)]) -> (JjiConfig, Vec<String>) {
    match settings(pairs) {
        JjiSettings::Enabled { config, warnings } => (config, warnings),
        disabled => panic!("expected enabled, got {disabled:?}"),
    }
}

#[test]
fn defaults_fill_in_provider_model_and_timeout() {
    let (config, warnings) = enabled(&[("JJI_SERVER_URL", "https://jji.example.com:8443/")]);
    assert_eq!(
        config,
        JjiConfig {
            server_url: "https://jji.example.com:8443".into(),
            origin: "https://jji.example.com:8443".into(),
            ai_provider: "claude".into(),
            ai_model: "claude-opus-4-6[1m]".into(),
            timeout_secs: 600,
        }
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn set_values_win_and_empty_ones_mean_unset() {
    let (config, warnings) =
        enabled(&[("JJI_SERVER_URL", "http://jji.local/api"), ("JJI_AI_PROVIDER", "gemini"), ("JJI_AI_MODEL", ""), ("JJI_TIMEOUT", "45")]);
    assert_eq!((config.ai_provider.as_str(), config.ai_model.as_str(), config.timeout_secs), ("gemini", DEFAULT_AI_MODEL, 45));
    assert_eq!((config.server_url.as_str(), config.origin.as_str()), ("http://jji.local/api", "http://jji.local"));
    assert!(warnings.is_empty());
}

#[test]
fn an_invalid_timeout_falls_back_to_600_with_a_warning_naming_it() {
    for bad in ["ten", "0", "-5", "1.5", "99999999999"] {
        let (config, warnings) = enabled(&[("JJI_SERVER_URL", "http://jji"), ("JJI_TIMEOUT", bad)]);
        assert_eq!(config.timeout_secs, 600, "{bad}");
        assert_eq!(warnings.len(), 1, "{bad}: {warnings:?}");
        assert!(warnings[0].contains(&format!("JJI_TIMEOUT '{bad}'")) && warnings[0].contains("600"), "{warnings:?}");
    }
}

#[test]
fn an_unset_server_url_disables_the_feature_with_exactly_one_warning() {
    for env in [vec![], vec![("JJI_SERVER_URL", "")], vec![("JJI_AI_PROVIDER", "claude"), ("JJI_TIMEOUT", "nonsense")]] {
        let settings = settings(&env);
        assert_eq!(settings, JjiSettings::Disabled { warning: SERVER_URL_UNSET.into() });
        assert_eq!(settings.warnings(), ["JJI_SERVER_URL is not set. Analyze with AI features will be disabled."]);
    }
}

#[test]
fn a_server_url_that_is_not_http_disables_the_feature_and_says_why() {
    for bad in ["jji.example.com", "ftp://jji.example.com", "file:///tmp/x"] {
        let settings = settings(&[("JJI_SERVER_URL", bad)]);
        let warnings = settings.warnings();
        assert!(matches!(settings, JjiSettings::Disabled { .. }), "{bad}");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains(bad) && warnings[0].contains("disabled"), "{warnings:?}");
    }
}

#[test]
fn credentials_in_the_server_url_disable_the_feature_without_echoing_them() {
    let settings = settings(&[("JJI_SERVER_URL", "https://ci:canary-pass-77f1@jji.example.com")]);
    let warnings = settings.warnings();
    assert!(matches!(settings, JjiSettings::Disabled { .. }));
    assert!(warnings[0].contains("carries credentials"), "{warnings:?}");
    assert!(!warnings[0].contains("canary-pass-77f1"), "{warnings:?}");
}

#[test]
fn an_unusable_server_url_is_echoed_without_its_credentials() {
    for bad in ["ftp://ci:canary-pass-9a3e@jji.example.com/x", "https://ci:canary-pass-9a3e@/nohost"] {
        let disabled = settings(&[("JJI_SERVER_URL", bad)]);
        let warnings = disabled.warnings();
        assert!(warnings[0].contains("is not an http") && !warnings[0].contains("canary-pass-9a3e"), "{warnings:?}");
    }
}

#[test]
fn dotenv_values_apply_beneath_the_real_environment() {
    let dir = tempfile::tempdir().unwrap();
    let dotenv = dir.path().join(".env");
    std::fs::write(&dotenv, "JJI_SERVER_URL=http://from-dotenv:8000\nJJI_AI_MODEL=from-dotenv\n").unwrap();
    let env = Env::from_pairs([("JJI_AI_MODEL", "from-env")]).with_overlay(load_dotenv(&dotenv, true).unwrap());
    let JjiSettings::Enabled { config, .. } = JjiSettings::from_env(&env) else { panic!("disabled") };
    assert_eq!((config.server_url.as_str(), config.ai_model.as_str()), ("http://from-dotenv:8000", "from-env"));

    let without_flag = Env::from_pairs([("JJI_AI_MODEL", "from-env")]).with_overlay(load_dotenv(&dotenv, false).unwrap());
    assert!(matches!(JjiSettings::from_env(&without_flag), JjiSettings::Disabled { .. }));
}

#[test]
fn the_plugin_entry_grants_the_jji_origin_only() {
    let (config, _) = enabled(&[("JJI_SERVER_URL", "https://jji.example.com/base/"), ("JJI_TIMEOUT", "30")]);
    let spec = plugin_spec(&config, "target/plugins/jji.wasm");
    assert_eq!(spec.name, "jji");
    assert_eq!(spec.grants, Grants { http: vec!["https://jji.example.com".into()], secrets: vec![] });
    let settings: Vec<(&str, &str)> = spec.settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        settings,
        [
            ("ai_model", "claude-opus-4-6[1m]"),
            ("ai_provider", "claude"),
            ("server_url", "https://jji.example.com/base"),
            ("timeout_secs", "30"),
        ]
    );
    assert_eq!(spec.limits, Limits { deadline_ms: 60_000, memory_mib: 1024, wall_ms: 120_000 });
}
