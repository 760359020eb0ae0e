//! `forklift-crds`: the Forklift CRDs (API group `forklift.konveyor.io`), embedded, and
//! validation of objects against their `openAPIV3Schema` the way the API server does it.
//! The simulator admits writes with it; the host checks what it renders with it.
//!
//! ```
//! let plan = serde_json::json!({
//!     "apiVersion": "forklift.konveyor.io/v1beta1", "kind": "Plan",
//!     "metadata": {"name": "p"}, "spec": {"targetPowerState": true},
//! });
//! let errors = forklift_crds::validate(&plan).unwrap_err();
//! assert!(errors.iter().any(|e| e.field == "spec.targetPowerState"));
//! ```

mod crd;
mod field_error;
mod names;
mod serial;
mod structural;

use std::sync::LazyLock;

use serde_json::Value;

pub use crd::{Crd, PROVIDER_TYPES, PrinterColumn};
pub use field_error::{FieldError, FieldErrorKind};
pub use names::{is_dns_subdomain, is_label_alnum, validate_name};
pub use serial::{vm_serial, vmware_form};

/// The API group of every Forklift kind.
pub const GROUP: &str = "forklift.konveyor.io";

/// The CRD files, unchanged from the Forklift operator (see `yaml/README.md`).
const CRD_SOURCES: &[&str] = &[
    include_str!("../yaml/forklift.konveyor.io_providers.yaml"),
    include_str!("../yaml/forklift.konveyor.io_storagemaps.yaml"),
    include_str!("../yaml/forklift.konveyor.io_networkmaps.yaml"),
    include_str!("../yaml/forklift.konveyor.io_plans.yaml"),
    include_str!("../yaml/forklift.konveyor.io_migrations.yaml"),
    include_str!("../yaml/forklift.konveyor.io_hooks.yaml"),
    include_str!("../yaml/forklift.konveyor.io_hosts.yaml"),
    include_str!("../yaml/forklift.konveyor.io_forkliftcontrollers.yaml"),
    include_str!("../yaml/forklift.konveyor.io_vspherexcopyvolumepopulators.yaml"),
];

static CRDS: LazyLock<Vec<Crd>> = LazyLock::new(|| {
    CRD_SOURCES.iter().map(|source| Crd::parse(source).unwrap_or_else(|e| panic!("an embedded Forklift CRD does not parse: {e}"))).collect()
});

/// The embedded Forklift CRDs.
pub fn crds() -> &'static [Crd] {
    &CRDS
}

/// Finds a Forklift CRD by kind (`Plan`), singular (`plan`) or plural (`plans`), any case.
pub fn find(kind: &str) -> Option<&'static Crd> {
    let wanted = kind.to_ascii_lowercase();
    crds().iter().find(|c| c.kind.to_ascii_lowercase() == wanted || c.plural == wanted || c.singular == wanted)
}

/// Whether the object's `apiVersion` is in the Forklift API group.
pub fn is_forklift(obj: &Value) -> bool {
    obj["apiVersion"].as_str().and_then(|v| v.split_once('/')).is_some_and(|(group, _)| group == GROUP)
}

/// Checks a Forklift object by its own `apiVersion` and `kind`: both must name an
/// embedded CRD at its served version, then everything [`validate_kind`] checks.
pub fn validate(obj: &Value) -> Result<(), Vec<FieldError>> {
    let Some(kind) = obj["kind"].as_str() else {
        return Err(vec![FieldError::new("kind", FieldErrorKind::Required, "Required value")]);
    };
    let Some(crd) = crds().iter().find(|c| c.kind == kind) else {
        return Err(vec![unsupported_kind(kind)]);
    };
    let expected = crd.api_version();
    match obj["apiVersion"].as_str() {
        None => Err(vec![FieldError::new("apiVersion", FieldErrorKind::Required, "Required value")]),
        Some(api_version) if api_version != expected => Err(vec![FieldError::new(
            "apiVersion",
            FieldErrorKind::NotSupported,
            format!("Unsupported value: {api_version:?}: supported values: {expected:?}"),
        )]),
        Some(_) => validate_with(crd, obj),
    }
}

/// Checks a Forklift object (Provider, StorageMap, NetworkMap, Plan, Migration, Hook,
/// Host, ForkliftController, VSphereXcopyVolumePopulator) the way the API server does
/// on create with `fieldValidation=Strict`: the embedded CRD's `openAPIV3Schema`
/// (types, required fields, enums, lengths, patterns, date-times), Forklift's admission
/// rules (the provider type), `metadata.name` when present, and fields the schema does
/// not declare. `kind` is the kind, singular or plural name.
///
/// Every problem is reported, each with its field path, e.g.
/// `spec.provider.source: Required value`.
pub fn validate_kind(kind: &str, obj: &Value) -> Result<(), Vec<FieldError>> {
    match find(kind) {
        Some(crd) => validate_with(crd, obj),
        None => Err(vec![unsupported_kind(kind)]),
    }
}

fn validate_with(crd: &Crd, obj: &Value) -> Result<(), Vec<FieldError>> {
    let mut normalized = obj.clone();
    let unknown = crd.normalize(&mut normalized);
    let mut errors = crd.validate(&normalized);
    if let Some(name) = obj.pointer("/metadata/name").and_then(Value::as_str) {
        errors.extend(validate_name(name, false));
    }
    errors.extend(unknown.into_iter().map(|field| FieldError::new(&field, FieldErrorKind::Unknown, "unknown field")));
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

fn unsupported_kind(kind: &str) -> FieldError {
    let supported: Vec<String> = crds().iter().map(|c| format!("{:?}", c.kind)).collect();
    FieldError::new(
        "kind",
        FieldErrorKind::NotSupported,
        format!("Unsupported value: {kind:?}: supported values: {}", supported.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_embedded_crd_parses() {
        let kinds: Vec<&str> = crds().iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds.len(), CRD_SOURCES.len());
        for kind in ["Provider", "Plan", "Migration", "StorageMap", "NetworkMap", "Hook", "VSphereXcopyVolumePopulator"] {
            assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
        }
        assert!(find("plans").is_some_and(|c| c.status_subresource && c.namespaced));
        assert!(find("vxvp").is_none(), "short names are not kinds");
        assert!(!find("VSphereXcopyVolumePopulator").unwrap().status_subresource);
    }

    #[test]
    fn provider_type_is_checked() {
        let provider = json!({"apiVersion": "forklift.konveyor.io/v1beta1", "kind": "Provider",
            "metadata": {"name": "p"}, "spec": {"type": "foo", "secret": {}}});
        let errors = validate_kind("Provider", &provider).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].to_string().starts_with(r#"spec.type: Unsupported value: "foo": supported values: "ec2""#));
    }

    #[test]
    fn plan_reports_each_missing_field() {
        let plan = json!({"metadata": {"name": "p"}, "spec": {"provider": {}, "map": {"network": {}}}});
        let fields: Vec<String> = validate_kind("plan", &plan).unwrap_err().into_iter().map(|e| e.field).collect();
        for field in ["spec.provider.source", "spec.provider.destination", "spec.map.storage", "spec.targetNamespace", "spec.vms"] {
            assert!(fields.contains(&field.to_string()), "{field} not in {fields:?}");
        }
    }

    #[test]
    fn populator_without_spec_is_invalid_and_unknown_fields_are_reported() {
        let errors = validate_kind("VSphereXcopyVolumePopulator", &json!({"metadata": {"name": "x"}})).unwrap_err();
        assert_eq!(errors[0].to_string(), "spec: Required value");
        let errors = validate_kind("Hook", &json!({"metadata": {"name": "h"}, "spec": {"imagee": "x"}})).unwrap_err();
        assert_eq!(errors[0].field, "spec.imagee");
        assert_eq!(errors[0].kind, FieldErrorKind::Unknown);
        assert!(validate_kind("Hook", &json!({"metadata": {"name": "h"}, "spec": {"image": "x"}})).is_ok());
    }

    #[test]
    fn validate_reads_api_version_and_kind_from_the_object() {
        let hook = |api_version: &str, kind: &str| json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "h"}, "spec": {"image": "x"}});
        assert!(validate(&hook("forklift.konveyor.io/v1beta1", "Hook")).is_ok());
        let errors = validate(&hook("forklift.konveyor.io/v1", "Hook")).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            r#"apiVersion: Unsupported value: "forklift.konveyor.io/v1": supported values: "forklift.konveyor.io/v1beta1""#
        );
        let errors = validate(&hook("forklift.konveyor.io/v1beta1", "hooks")).unwrap_err();
        assert_eq!(errors[0].field, "kind", "a plural is not a kind: {errors:?}");
        let errors = validate(&json!({"apiVersion": "forklift.konveyor.io/v1beta1"})).unwrap_err();
        assert_eq!(errors[0].to_string(), "kind: Required value");
        assert!(is_forklift(&hook("forklift.konveyor.io/v1beta1", "Hook")));
        assert!(!is_forklift(&json!({"apiVersion": "v1", "kind": "Secret"})));
    }

    #[test]
    fn a_bad_name_is_reported_with_its_path() {
        let errors = validate_kind("Hook", &json!({"metadata": {"name": "Bad_Name"}, "spec": {"image": "x"}})).unwrap_err();
        assert_eq!(errors[0].field, "metadata.name");
    }

    /// The embedded files are the operator's, unchanged: compared with the copies in the
    /// project's `shared/forklift-crds/` (beside the checkout; CI always has it).
    #[test]
    fn embedded_crds_are_the_shared_originals() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/forklift-crds");
        if !shared.is_dir() {
            assert!(std::env::var("CI").is_err(), "{} is missing: CI checks the project out with shared/ beside it", shared.display());
            eprintln!("skipped: {} is not beside this checkout", shared.display());
            return;
        }
        let embedded = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("yaml");
        let mut compared = 0;
        for entry in std::fs::read_dir(&shared).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let name = path.file_name().unwrap();
                let ours = std::fs::read_to_string(embedded.join(name)).unwrap_or_default();
                assert_eq!(ours, std::fs::read_to_string(&path).unwrap(), "{} differs from the shared original", name.to_string_lossy());
                compared += 1;
            }
        }
        assert_eq!(compared, CRD_SOURCES.len(), "every shared CRD is embedded");
    }
}
