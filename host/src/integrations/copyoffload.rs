//! Copy-offload: StorageMaps that offload disk copies to the storage array,
//! driven by the storage-vendor plugins.
//!
//! Reads: the `copyoffload` object of the source profile in
//! `.providers.json`, and `COPYOFFLOAD_<KEY>` for every overridable host
//! key and every key the vendor plugin declares.
//! Provides: `copyoffload.<key>` for each sensitive key: the host's
//! (`storage_password`, `storage_token`, `storage_secret_extra`,
//! `esxi_password`) and those the vendor plugin marks `.sensitive()`.
//! Attaches: nothing to plugin requests; the host writes the vendor Secret.
//!
//! ```text
//!  .providers.json copyoffload section ─┐
//!  COPYOFFLOAD_* env ───────────────────┼─► keys::resolve (HOST_KEYS)
//!  vendor plugin describe() fields ─────┘   .with_declared(fields)
//!                                       ▼
//!  VendorRegistry (describe) ──► plan_copyoffload ──► vendor validate(non-sensitive values)
//!                                       ▼
//!                              CopyOffloadPlan: Secret data (host-built),
//!                              StorageMap offload entries, Provider patch
//! ```
//!
//! The host knows no vendor: a vendor's keys, their Secret names and their
//! sensitivity come from its plugin alone. The host resolves and checks
//! every value before any cluster call; the vendor plugin validates what is
//! not sensitive, and never sees a password or token.

mod docs;
mod keys;
mod objects;
mod plan;
mod prepare;
mod vendors;

pub use docs::keys_markdown;
pub use keys::{CopyOffloadResolution, HOST_KEYS, KeyRule, ResolvedKey, ResolvedValue, env_name, resolve};
pub use objects::{provider_patch_ssh, secret_object, storagemap_entry};
pub use plan::{CopyOffloadError, CopyOffloadPlan, Datastores, SecretEntry, plan_copyoffload, secret_manifest};
pub use prepare::plan_products;
pub use vendors::{Vendor, VendorRegistry};

use std::path::Path;

use serde_json::Map;

use super::providers::DEFAULT_PROVIDERS_JSON;
use super::{BrokerSources, Integration, Reads};
use crate::plugins::VendorInfo;
use crate::secrets::{Claim, SecretBroker, SecretOrigin, SecretProvider, SecretValue, Unresolved};

/// The copy-offload key of the profile that names the vendor plugin.
pub const PRODUCT_KEY: &str = "storage_vendor_product";

pub struct CopyOffload;

impl Integration for CopyOffload {
    fn name(&self) -> &'static str {
        "copyoffload"
    }

    fn reads(&self) -> Reads {
        Reads { files: &[DEFAULT_PROVIDERS_JSON], env: &["COPYOFFLOAD_<KEY>"] }
    }

    fn secrets(&self, sources: &BrokerSources) -> Vec<Box<dyn SecretProvider>> {
        vec![Box::new(CopyOffloadSecrets { resolution: resolve_sources(sources) })]
    }
}

/// Resolves the copy-offload keys of the source profile. Without a providers
/// file, a profile or a `copyoffload` object, the section is empty and only
/// `COPYOFFLOAD_*` variables can supply values.
fn resolve_sources(sources: &BrokerSources) -> CopyOffloadResolution {
    let profile_name = sources.source_profile.as_deref().unwrap_or("<source_provider>");
    let empty = Map::new();
    let Some(providers) = &sources.providers else {
        return resolve(profile_name, &empty, &sources.env, Path::new(DEFAULT_PROVIDERS_JSON));
    };
    let profile = providers.profile(profile_name).ok();
    let section = profile.as_ref().and_then(|profile| profile.copyoffload()).unwrap_or(&empty);
    resolve(profile_name, section, &sources.env, providers.path())
}

/// The copy-offload settings of the source profile, for the host code
/// that validates vendor fields and builds the Kubernetes Secret.
pub fn resolution(broker: &SecretBroker) -> Option<&CopyOffloadResolution> {
    broker.provider::<CopyOffloadSecrets>().map(|secrets| &secrets.resolution)
}

/// Adds the keys `vendor` declares to the broker's copy-offload secrets, so
/// that `secrets explain` lists them and grants may name them.
pub fn declare_vendor(broker: &mut SecretBroker, vendor: &VendorInfo) {
    if let Some(secrets) = broker.provider_mut::<CopyOffloadSecrets>() {
        secrets.resolution = secrets.resolution.with_declared(&vendor.fields);
    }
}

/// `copyoffload.<key>` for each sensitive key.
pub struct CopyOffloadSecrets {
    resolution: CopyOffloadResolution,
}

impl SecretProvider for CopyOffloadSecrets {
    fn forms(&self) -> Vec<String> {
        vec!["copyoffload.<key> for a sensitive copy-offload key".to_owned()]
    }

    fn claim(&self, name: &str) -> Claim {
        let Some(key) = name.strip_prefix("copyoffload.") else {
            return Claim::NotMine;
        };
        match self.resolution.is_sensitive(key) {
            Some(true) => Claim::Mine,
            Some(false) => Claim::Rejected(format!("{key} is not sensitive: vendor plugins receive it in validate, no grant needed")),
            None => Claim::Rejected(format!("{key} is not a copy-offload key")),
        }
    }

    fn get(&self, name: &str) -> Result<SecretValue, Unresolved> {
        let key = name.trim_start_matches("copyoffload.");
        self.resolution.secret(key).cloned().ok_or_else(|| Unresolved::Missing(self.resolution.where_from(key)))
    }

    fn describe(&self) -> Vec<SecretOrigin> {
        self.resolution
            .sensitive_keys()
            .map(|key| {
                let resolved = self.resolution.get(key);
                SecretOrigin {
                    name: format!("copyoffload.{key}"),
                    from: resolved.map_or_else(|| self.resolution.where_from(key), |resolved| resolved.source.to_string()),
                    set: resolved.is_some(),
                }
            })
            .collect()
    }

    fn warnings(&self) -> Vec<String> {
        self.resolution.warnings().iter().chain(self.resolution.errors()).cloned().collect()
    }
}
