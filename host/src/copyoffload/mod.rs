//! Copy-offload setup, driven by the storage-vendor plugins.
//!
//! ```text
//!  .providers.json copyoffload section ─┐
//!  COPYOFFLOAD_* env (overridable keys) ├─► secrets::resolve_copyoffload
//!                                       ▼
//!  VendorRegistry (describe) ──► plan_copyoffload ──► vendor validate(non-sensitive values)
//!                                       ▼
//!                              CopyOffloadPlan: Secret data (host-built),
//!                              StorageMap offload entries, Provider patch
//! ```
//!
//! The host resolves and checks every value before any cluster call; the
//! vendor plugin describes its fields and validates what is not sensitive,
//! and never sees a password or token.

mod objects;
mod plan;
mod registry;

pub use objects::{provider_patch_ssh, secret_manifest, storagemap_entry};
pub use plan::{CopyOffloadError, CopyOffloadPlan, Datastores, SecretEntry, plan_copyoffload};
pub use registry::{Vendor, VendorRegistry};
