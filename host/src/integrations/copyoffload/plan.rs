//! From resolved copy-offload settings and a vendor plugin to the Secret
//! data a test creates — every problem found before any cluster call.

use super::keys::{CopyOffloadResolution, ResolvedValue};
use super::objects::{provider_patch_ssh, secret_object, storagemap_entry};
use super::vendors::VendorRegistry;
use crate::plugins::{HookError, PluginRuntime, Presence};
use crate::secrets::SecretValue;
use serde_json::Value;

/// `STORAGE_SKIP_SSL_VERIFICATION` is honoured only when exactly this.
const SKIP_SSL_TRUE: &str = "true";

#[derive(Debug, thiserror::Error)]
pub enum CopyOffloadError {
    #[error(
        "storage_vendor_product '{product}' has no vendor plugin; loaded vendors: {loaded} (add a storage-vendor [[plugins]] entry to mtv-host.toml)"
    )]
    UnknownProduct { product: String, loaded: String },
    // One line: reports, the console and the setup plan show an error's first line.
    #[error("copy-offload configuration for {product} has {} problem(s): {}", problems.len(), problems.join("; "))]
    Invalid { product: String, problems: Vec<String> },
    #[error(transparent)]
    Plugin(#[from] HookError),
}

/// One key of the vendor Secret and where its value came from.
#[derive(Debug, Clone)]
pub struct SecretEntry {
    pub key: String,
    pub value: ResolvedValue,
    pub from: String,
}

/// The datastores a test may map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datastores {
    pub primary: String,
    pub secondary: Option<String>,
    pub non_xcopy: Option<String>,
}

/// Everything copy-offload adds to a test, checked.
#[derive(Debug, Clone)]
pub struct CopyOffloadPlan {
    pub product: String,
    pub display_name: String,
    pub plugin: String,
    pub secret: Vec<SecretEntry>,
    pub datastores: Datastores,
    /// Merge patch for the vSphere Provider (`esxi_clone_method: ssh`).
    pub provider_patch: Option<Value>,
    pub warnings: Vec<String>,
}

impl CopyOffloadPlan {
    /// StorageMap pairs for the primary datastore and, when asked, the
    /// secondary / non-XCOPY ones.
    pub fn storagemap_entries(&self, secret_name: &str, storage_class: &str, secondary: bool, non_xcopy: bool) -> Vec<Value> {
        let d = &self.datastores;
        std::iter::once(Some(&d.primary))
            .chain([d.secondary.as_ref().filter(|_| secondary), d.non_xcopy.as_ref().filter(|_| non_xcopy)])
            .flatten()
            .map(|ds| storagemap_entry(&self.product, ds, secret_name, storage_class))
            .collect()
    }
}

/// The Opaque Secret the StorageMap's `vsphereXcopyConfig.secretRef` names.
/// Values are base64, as the API stores them; this object holds secrets
/// and is never printed.
pub fn secret_manifest(plan: &CopyOffloadPlan, name: &str, namespace: &str) -> Value {
    secret_object(plan.secret.iter().map(|entry| (entry.key.as_str(), entry.value.expose())), name, namespace)
}

/// Resolve, check presence, let the vendor validate, and build the Secret
/// data. `product` overrides the profile's `storage_vendor_product`.
pub fn plan_copyoffload(
    runtime: &PluginRuntime,
    vendors: &VendorRegistry,
    resolution: &CopyOffloadResolution,
    product: Option<&str>,
) -> Result<CopyOffloadPlan, CopyOffloadError> {
    let product = match product.or(resolution.plain("storage_vendor_product")) {
        Some(product) => product.to_string(),
        None => return Err(invalid("copy-offload", vec![resolution.missing_error("storage_vendor_product")])),
    };
    let Some(vendor) = vendors.find(&product) else {
        return Err(CopyOffloadError::UnknownProduct { product, loaded: vendors.products().join(", ") });
    };
    // The vendor's own keys get their overrides and sensitivity from its
    // declaration.
    let resolution = &resolution.with_declared(&vendor.info.fields);
    let mut problems: Vec<String> = resolution.errors().to_vec();
    let mut warnings: Vec<String> = resolution.warnings().to_vec();
    let extra = resolution.secret_extra();
    let present = |key: &str| resolution.get(key).is_some_and(|v| !v.value.expose().is_empty());

    let mut secret = Vec::new();
    let mut validated = Vec::new();
    for field in &vendor.info.fields {
        let resolved = resolution.get(&field.config_key).filter(|v| !v.value.expose().is_empty());
        let value = match (resolved, &field.presence) {
            (Some(found), _) => Some((found.value.clone(), found.source.to_string())),
            (None, Presence::Optional(Some(default))) => Some((ResolvedValue::Plain(default.clone()), "vendor default".to_string())),
            (None, Presence::Optional(None)) => None,
            // storage_secret_extra may carry the Secret key directly.
            (None, _) if extra.contains_key(&field.secret_key) => None,
            (None, Presence::RequiredUnless(alternative)) if present(alternative) => None,
            (None, Presence::RequiredUnless(alternative)) => {
                problems.push(format!("{} (or set {alternative} instead)", resolution.missing_error(&field.config_key)));
                None
            }
            (None, Presence::Required) => {
                problems.push(resolution.missing_error(&field.config_key));
                None
            }
        };
        let Some((value, from)) = value else { continue };
        // A field the vendor marks sensitive stays host-side even when its
        // name does not look like a secret.
        let value = match value {
            ResolvedValue::Plain(text) if field.sensitive => ResolvedValue::Secret(SecretValue::new(text)),
            other => other,
        };
        if let ResolvedValue::Plain(text) = &value {
            validated.push((field.config_key.clone(), text.clone()));
        }
        secret.push(SecretEntry { key: field.secret_key.clone(), value, from });
    }

    let datastores = Datastores {
        primary: resolution.plain("datastore_id").map(str::to_string).unwrap_or_else(|| {
            problems.push(resolution.missing_error("datastore_id"));
            String::new()
        }),
        secondary: resolution.plain("secondary_datastore_id").map(str::to_string),
        non_xcopy: resolution.plain("non_xcopy_datastore_id").map(str::to_string),
    };

    let provider_patch = match resolution.plain("esxi_clone_method").unwrap_or("vib") {
        "vib" => None,
        "ssh" => {
            for key in ["esxi_host", "esxi_user", "esxi_password"] {
                if !present(key) {
                    problems.push(format!("{} (required because esxi_clone_method is ssh)", resolution.missing_error(key)));
                }
            }
            Some(provider_patch_ssh())
        }
        other => {
            problems.push(format!("esxi_clone_method '{other}' is neither vib nor ssh: {}", resolution.where_from("esxi_clone_method")));
            None
        }
    };

    if let Some(skip) = resolution.get("storage_skip_ssl_verification").filter(|v| is_truthy(v.value.expose())) {
        if !vendor.info.honours_skip_ssl_verification {
            warnings.push(format!("{product}'s populator never verifies certificates: STORAGE_SKIP_SSL_VERIFICATION has no effect"));
        }
        secret.push(SecretEntry {
            key: "STORAGE_SKIP_SSL_VERIFICATION".into(),
            value: ResolvedValue::Plain(SKIP_SSL_TRUE.into()),
            from: skip.source.to_string(),
        });
    }

    // A profile may serve several vendors' tests: a key another loaded
    // vendor declares is that vendor's, not a typo.
    let declared: Vec<String> = vendors.infos().into_iter().flat_map(|info| info.fields).map(|field| field.config_key).collect();
    for key in resolution.unlisted_keys().iter().filter(|key| !declared.contains(key)) {
        warnings.push(resolution.unknown_key_warning(key));
    }

    // Merged last: storage_secret_extra wins over every other source.
    for (key, value) in extra {
        secret.retain(|entry| &entry.key != key);
        secret.push(SecretEntry {
            key: key.clone(),
            value: ResolvedValue::Secret(value.clone()),
            from: resolution.where_from("storage_secret_extra"),
        });
    }

    for problem in runtime.vendor_validate(&vendor.plugin, &validated)? {
        problems.push(format!("{}: {} — {}", problem.key, problem.message, problem.fix));
    }
    if !problems.is_empty() {
        return Err(invalid(&product, problems));
    }
    let mut plan = CopyOffloadPlan {
        product,
        display_name: vendor.info.display_name.clone(),
        plugin: vendor.plugin.name.clone(),
        secret,
        datastores,
        provider_patch,
        warnings,
    };
    let probe = serde_json::json!({
        "apiVersion": "forklift.konveyor.io/v1beta1", "kind": "StorageMap",
        "metadata": { "name": "probe", "namespace": "probe" },
        "spec": { "provider": { "source": { "name": "s" }, "destination": { "name": "d" } }, "map": plan.storagemap_entries("secret", "storage-class", false, false) },
    });
    if forklift_crds::validate_kind("StorageMap", &probe).is_err() {
        plan.warnings.push(format!(
            "storageVendorProduct '{}' is outside the Forklift StorageMap CRD's list of products: a real cluster rejects this StorageMap until Forklift supports it",
            plan.product
        ));
    }
    Ok(plan)
}

fn invalid(product: &str, problems: Vec<String>) -> CopyOffloadError {
    CopyOffloadError::Invalid { product: product.to_string(), problems }
}

fn is_truthy(text: &str) -> bool {
    matches!(text.trim().to_ascii_lowercase().as_str(), "true" | "yes" | "1" | "on")
}
