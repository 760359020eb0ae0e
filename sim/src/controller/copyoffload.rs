//! Copy-offload: the storage vendors' Secret requirements, checked the way the
//! vSphere XCOPY volume populator checks its environment, and the
//! `VSphereXcopyVolumePopulator` objects of a copy-offload disk transfer.
//!
//! The vendor table lives here, on its own, so it checks the host's vendor plugins
//! rather than agreeing with them by construction.

use serde_json::{Value, json};

use crate::api::admission::secret_value;

/// Extra rules on `STORAGE_HOSTNAME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostnameRule {
    Any,
    /// Must contain an IPv4 address (Hitachi Vantara).
    ContainsIpv4,
    /// Must be a URL with scheme and port, e.g. `https://10.0.0.1:8080` (HPE Primera/3PAR).
    UrlWithPort,
}

/// What the populator of one `storageVendorProduct` needs from its Secret.
struct Vendor {
    product: &'static str,
    /// Keys required besides STORAGE_HOSTNAME and the credentials.
    keys: &'static [&'static str],
    /// STORAGE_TOKEN may stand in for STORAGE_USERNAME + STORAGE_PASSWORD.
    token_auth: bool,
    hostname: HostnameRule,
}

const VENDORS: &[Vendor] = &[
    Vendor { product: "ontap", keys: &["ONTAP_SVM"], token_auth: false, hostname: HostnameRule::Any },
    Vendor { product: "vantara", keys: &["STORAGE_ID", "STORAGE_PORT"], token_auth: false, hostname: HostnameRule::ContainsIpv4 },
    Vendor { product: "pureFlashArray", keys: &["PURE_CLUSTER_PREFIX"], token_auth: true, hostname: HostnameRule::Any },
    Vendor { product: "powerflex", keys: &["POWERFLEX_SYSTEM_ID"], token_auth: false, hostname: HostnameRule::Any },
    Vendor {
        product: "powermax",
        keys: &["POWERMAX_SYMMETRIX_ID", "POWERMAX_PORT_GROUP_NAME"],
        token_auth: false,
        hostname: HostnameRule::Any,
    },
    Vendor { product: "primera3par", keys: &[], token_auth: false, hostname: HostnameRule::UrlWithPort },
    Vendor { product: "powerstore", keys: &[], token_auth: false, hostname: HostnameRule::Any },
    Vendor { product: "infinibox", keys: &[], token_auth: false, hostname: HostnameRule::Any },
    Vendor { product: "flashsystem", keys: &[], token_auth: false, hostname: HostnameRule::Any },
];

fn contains_ipv4(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.')).any(|candidate| {
        let octets: Vec<&str> = candidate.split('.').collect();
        octets.len() == 4 && octets.iter().all(|o| !o.is_empty() && o.len() <= 3 && o.parse::<u8>().is_ok())
    })
}

fn is_url_with_port(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else { return false };
    let authority = rest.split('/').next().unwrap_or_default();
    let port = authority.rsplit_once(':').map(|(_, p)| p).unwrap_or_default();
    !scheme.is_empty() && !port.is_empty() && port.parse::<u16>().is_ok()
}

/// Checks a vendor Secret like the populator checks its environment: the first
/// problem found, worded like the populator's error.
pub(crate) fn check_secret(product: &str, secret: &Value) -> Result<(), String> {
    let Some(vendor) = VENDORS.iter().find(|v| v.product == product) else {
        return Err(format!("populator failed: unsupported storage vendor product {product:?}"));
    };
    let get = |key: &str| secret_value(secret, key).filter(|v| !v.is_empty());
    let missing = |key: &str| format!("populator failed: missing required environment variable {key}");
    let hostname = get("STORAGE_HOSTNAME").ok_or_else(|| missing("STORAGE_HOSTNAME"))?;
    if !(vendor.token_auth && get("STORAGE_TOKEN").is_some()) {
        for key in ["STORAGE_USERNAME", "STORAGE_PASSWORD"] {
            if get(key).is_none() {
                let alternative = if vendor.token_auth { " (or STORAGE_TOKEN)" } else { "" };
                return Err(format!("{}{alternative}", missing(key)));
            }
        }
    }
    if let Some(key) = vendor.keys.iter().find(|k| get(k).is_none()) {
        return Err(missing(key));
    }
    match vendor.hostname {
        HostnameRule::ContainsIpv4 if !contains_ipv4(&hostname) => {
            Err(format!("populator failed: STORAGE_HOSTNAME must contain an IPv4 address, got {hostname:?}"))
        }
        HostnameRule::UrlWithPort if !is_url_with_port(&hostname) => Err(format!(
            "populator failed: STORAGE_HOSTNAME must be a URL with scheme and port (e.g. https://10.0.0.1:8080), got {hostname:?}"
        )),
        _ => Ok(()),
    }
}

/// The populator object for one disk.
pub(crate) struct PopulatorSpec<'a> {
    pub namespace: &'a str,
    pub vm_name: &'a str,
    pub disk_index: usize,
    pub vm_id: &'a str,
    pub vmdk_path: &'a str,
    pub secret_name: &'a str,
    pub vendor: &'a str,
    pub labels: Value,
}

pub(crate) fn populator(spec: &PopulatorSpec<'_>) -> Value {
    json!({
        "apiVersion": "forklift.konveyor.io/v1beta1",
        "kind": "VSphereXcopyVolumePopulator",
        "metadata": {
            "generateName": format!("{}-disk-{}-", spec.vm_name, spec.disk_index),
            "namespace": spec.namespace,
            "labels": spec.labels,
        },
        "spec": {
            "vmId": spec.vm_id,
            "vmdkPath": spec.vmdk_path,
            "secretName": spec.secret_name,
            "storageVendorProduct": spec.vendor,
        },
        "status": {"progress": "0"},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn secret(pairs: &[(&str, &str)]) -> Value {
        let data: serde_json::Map<String, Value> =
            pairs.iter().map(|(k, v)| (k.to_string(), json!(base64::engine::general_purpose::STANDARD.encode(v)))).collect();
        json!({"data": data})
    }

    const BASE: [(&str, &str); 3] = [("STORAGE_HOSTNAME", "10.0.0.5"), ("STORAGE_USERNAME", "u"), ("STORAGE_PASSWORD", "p")];

    fn with(extra: &[(&'static str, &'static str)]) -> Value {
        let mut pairs: Vec<(&str, &str)> = BASE.to_vec();
        pairs.extend_from_slice(extra);
        secret(&pairs)
    }

    #[test]
    fn powermax_needs_the_port_group() {
        let err = check_secret("powermax", &with(&[("POWERMAX_SYMMETRIX_ID", "000123")])).unwrap_err();
        assert_eq!(err, "populator failed: missing required environment variable POWERMAX_PORT_GROUP_NAME");
        assert!(check_secret("powermax", &with(&[("POWERMAX_SYMMETRIX_ID", "1"), ("POWERMAX_PORT_GROUP_NAME", "pg")])).is_ok());
    }

    #[test]
    fn every_vendor_needs_hostname_and_credentials() {
        for vendor in VENDORS {
            let err = check_secret(vendor.product, &secret(&[("STORAGE_USERNAME", "u"), ("STORAGE_PASSWORD", "p")])).unwrap_err();
            assert!(err.ends_with("STORAGE_HOSTNAME"), "{}: {err}", vendor.product);
            let err = check_secret(vendor.product, &secret(&[("STORAGE_HOSTNAME", "https://10.0.0.1:8080"), ("STORAGE_USERNAME", "u")]))
                .unwrap_err();
            assert!(err.contains("STORAGE_PASSWORD"), "{}: {err}", vendor.product);
        }
    }

    #[test]
    fn pure_accepts_a_token_instead_of_credentials() {
        let token_only = secret(&[("STORAGE_HOSTNAME", "pure.example"), ("STORAGE_TOKEN", "t"), ("PURE_CLUSTER_PREFIX", "px")]);
        assert!(check_secret("pureFlashArray", &token_only).is_ok());
        assert!(check_secret("powerstore", &secret(&[("STORAGE_HOSTNAME", "h"), ("STORAGE_TOKEN", "t")])).is_err());
    }

    #[test]
    fn hostname_rules() {
        let vantara = |host: &'static str| {
            secret(&[
                ("STORAGE_HOSTNAME", host),
                ("STORAGE_USERNAME", "u"),
                ("STORAGE_PASSWORD", "p"),
                ("STORAGE_ID", "1"),
                ("STORAGE_PORT", "443"),
            ])
        };
        assert!(check_secret("vantara", &vantara("https://10.1.2.3/api")).is_ok());
        assert!(check_secret("vantara", &vantara("vantara.example")).unwrap_err().contains("IPv4"));
        let primera = |host: &'static str| secret(&[("STORAGE_HOSTNAME", host), ("STORAGE_USERNAME", "u"), ("STORAGE_PASSWORD", "p")]);
        assert!(check_secret("primera3par", &primera("https://10.0.0.1:8080")).is_ok());
        assert!(check_secret("primera3par", &primera("10.0.0.1")).unwrap_err().contains("scheme and port"));
        assert!(check_secret("ontap", &with(&[])).unwrap_err().ends_with("ONTAP_SVM"));
        assert!(check_secret("unknown", &with(&[])).is_err());
    }
}
