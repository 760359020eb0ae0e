//! The source provider of a run, from its `.providers.json` profile: the
//! URL Forklift connects to, the Secret data it authenticates with, and the
//! Provider settings.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::plan::ProviderType;
use crate::secrets::{ProviderProfile, ResolvedValue, register_url_credentials};

/// What a test needs to create the source Secret and Provider.
#[derive(Debug, Clone)]
pub struct SourceEndpoint {
    pub profile: String,
    /// `vsphere`, `ovirt`, `openstack`, …
    pub provider_type: String,
    pub url: String,
    /// The Provider Secret's keys; the password (and anything else the
    /// profile holds as sensitive) stays a [`SecretValue`].
    pub secret: BTreeMap<String, ResolvedValue>,
    /// The Provider's `spec.settings`.
    pub settings: Map<String, Value>,
}

impl SourceEndpoint {
    /// Reads the profile; errors name the profile key to add.
    pub fn from_profile(profile: &ProviderProfile) -> Result<Self, String> {
        let name = profile.name();
        let file = profile.file().display();
        let kind = ProviderType::parse(profile.provider_type());
        // A type this host does not know is passed to Forklift as written.
        let provider_type = kind.map_or_else(|| profile.provider_type().to_ascii_lowercase(), |kind| kind.as_str().to_owned());
        let api_url = match profile.setting("api_url") {
            Some(Value::String(url)) if !url.is_empty() => url,
            Some(Value::String(_)) | None => {
                return Err(format!("{file}: profile \"{name}\" has no api_url; add \"api_url\": \"<host or URL>\""));
            }
            Some(_) => return Err(format!("{file}: {name}.api_url must be a string, such as \"vcenter.example.com\" or a URL")),
        };
        // Forklift would store the URL in the Provider, where every reader
        // of the cluster sees it; the profile has keys for credentials.
        if register_url_credentials(api_url) {
            return Err(format!(
                "{file}: {name}.api_url carries credentials (user:password@); remove them from the URL \
                 and put them in \"username\" and \"password\" of the profile"
            ));
        }
        let url = provider_url(kind, api_url);
        let text = |key: &str| profile.setting(key).and_then(Value::as_str).map(str::to_owned);
        let mut secret = BTreeMap::new();
        let plain = |text: String| ResolvedValue::Plain(text);
        secret.insert("url".to_owned(), plain(url.clone()));
        let insecure =
            profile.setting("insecure_skip_verify").is_none_or(|value| value.as_bool().unwrap_or_else(|| value.as_str() == Some("true")));
        secret.insert("insecureSkipVerify".to_owned(), plain(insecure.to_string()));
        if let Some(cacert) = text("cacert") {
            secret.insert("cacert".to_owned(), plain(cacert));
        }
        let username = profile.username().map(str::to_owned);
        let password = profile.password().cloned();
        let openstack = kind == Some(ProviderType::Openstack);
        let user_key = if openstack { "username" } else { "user" };
        if let Some(user) = username {
            secret.insert(user_key.to_owned(), plain(user));
        }
        if let Some(password) = password {
            secret.insert("password".to_owned(), ResolvedValue::Secret(password));
        }
        if openstack {
            for (secret_key, profile_keys) in [
                ("regionName", ["region_name", "regionName"]),
                ("projectName", ["project_name", "projectName"]),
                ("domainName", ["user_domain_name", "domainName"]),
            ] {
                if let Some(value) = profile_keys.iter().find_map(|key| text(key)) {
                    secret.insert(secret_key.to_owned(), plain(value));
                }
            }
        }
        let mut settings = Map::new();
        for (setting, profile_key) in [("vddkInitImage", "vddk_init_image"), ("sdkEndpoint", "sdk_endpoint")] {
            if let Some(value) = text(profile_key) {
                settings.insert(setting.to_owned(), Value::String(value));
            }
        }
        Ok(Self { profile: name.to_owned(), provider_type, url, secret, settings })
    }
}

/// `api_url` as written when it has a scheme; otherwise the API endpoint
/// Forklift expects for the provider type.
fn provider_url(kind: Option<ProviderType>, api_url: &str) -> String {
    if api_url.contains("://") {
        return api_url.to_owned();
    }
    match kind {
        Some(ProviderType::Vsphere) => format!("https://{api_url}/sdk"),
        Some(ProviderType::Ovirt) => format!("https://{api_url}/ovirt-engine/api"),
        _ => format!("https://{api_url}"),
    }
}
