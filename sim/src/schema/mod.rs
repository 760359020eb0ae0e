//! The Forklift CRDs, embedded, and validation of objects against their
//! `openAPIV3Schema` the way the API server does it.

mod structural;

use std::fmt;
use std::sync::LazyLock;

use serde::Serialize;
use serde_json::Value;

use structural::Schema;

use crate::api::meta;

const CRD_SOURCES: &[&str] = &[
    include_str!("../../crds/forklift.konveyor.io_providers.yaml"),
    include_str!("../../crds/forklift.konveyor.io_storagemaps.yaml"),
    include_str!("../../crds/forklift.konveyor.io_networkmaps.yaml"),
    include_str!("../../crds/forklift.konveyor.io_plans.yaml"),
    include_str!("../../crds/forklift.konveyor.io_migrations.yaml"),
    include_str!("../../crds/forklift.konveyor.io_hooks.yaml"),
    include_str!("../../crds/forklift.konveyor.io_hosts.yaml"),
    include_str!("../../crds/forklift.konveyor.io_forkliftcontrollers.yaml"),
    include_str!("../../crds/forklift.konveyor.io_vspherexcopyvolumepopulators.yaml"),
];

/// Provider types Forklift accepts. The CRD leaves `spec.type` a free string; Forklift
/// rejects anything else, so the simulator checks it at admission.
pub(crate) const PROVIDER_TYPES: &[&str] = &["ec2", "hyperv", "openshift", "openstack", "ova", "ovirt", "vsphere"];

/// One problem with one field, as the API server reports it in `Status.details.causes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Path of the field, e.g. `spec.provider.source` or `spec.vms[0].hooks[1].step`.
    pub field: String,
    pub kind: FieldErrorKind,
    /// The message after the path, e.g. `Required value`.
    pub detail: String,
}

/// The kinds of field errors, named after the API server's `FieldValue*` reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FieldErrorKind {
    Required,
    NotSupported,
    Invalid,
    TypeInvalid,
    TooLong,
    /// A field the schema does not declare (the server prunes it, or rejects it with
    /// `fieldValidation=Strict`).
    Unknown,
}

impl FieldErrorKind {
    /// The `reason` string of a `Status` cause.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Required => "FieldValueRequired",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Invalid => "FieldValueInvalid",
            Self::TypeInvalid => "FieldValueTypeInvalid",
            Self::TooLong => "FieldValueTooLong",
            Self::Unknown => "FieldValueUnknown",
        }
    }
}

impl FieldError {
    pub(crate) fn new(field: &str, kind: FieldErrorKind, detail: impl Into<String>) -> Self {
        FieldError { field: field.to_string(), kind, detail: detail.into() }
    }

    /// The message without the field path.
    pub fn message(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.detail)
    }
}

/// A printer column of a CRD (`additionalPrinterColumns`), for `kubectl get` tables.
#[derive(Debug, Clone)]
pub(crate) struct PrinterColumn {
    pub name: String,
    pub column_type: String,
    pub json_path: String,
}

/// What the simulator needs from one CRD.
#[derive(Debug)]
pub(crate) struct Crd {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub namespaced: bool,
    pub status_subresource: bool,
    pub printer_columns: Vec<PrinterColumn>,
    schema: Schema,
}

impl Crd {
    fn parse(source: &str) -> anyhow::Result<Crd> {
        let doc: Value = serde_yaml_ng::from_str(source)?;
        let spec = &doc["spec"];
        let names = &spec["names"];
        let version = spec["versions"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["served"].as_bool() != Some(false)))
            .ok_or_else(|| anyhow::anyhow!("CRD has no served version"))?;
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        Ok(Crd {
            group: text(&spec["group"]),
            version: text(&version["name"]),
            kind: text(&names["kind"]),
            plural: text(&names["plural"]),
            singular: text(&names["singular"]),
            short_names: names["shortNames"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            namespaced: spec["scope"].as_str() == Some("Namespaced"),
            status_subresource: version["subresources"].get("status").is_some(),
            printer_columns: version["additionalPrinterColumns"]
                .as_array()
                .map(|cols| {
                    cols.iter()
                        .map(|c| PrinterColumn { name: text(&c["name"]), column_type: text(&c["type"]), json_path: text(&c["jsonPath"]) })
                        .collect()
                })
                .unwrap_or_default(),
            schema: Schema::from_json(&version["schema"]["openAPIV3Schema"]),
        })
    }

    /// Prunes unknown fields and `null`s and applies defaults (metadata is left alone:
    /// the server validates it itself). Returns the paths of the pruned unknown fields.
    pub fn normalize(&self, obj: &mut Value) -> Vec<String> {
        let mut unknown = Vec::new();
        if let Value::Object(map) = obj {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                match self.schema.property(&key) {
                    Some(child) => {
                        if let Some(v) = map.get_mut(&key) {
                            if v.is_null() {
                                map.remove(&key);
                            } else {
                                child.normalize(v, &key, &mut unknown);
                            }
                        }
                    }
                    None => {
                        map.remove(&key);
                        unknown.push(key);
                    }
                }
            }
        }
        unknown
    }

    /// Validates the object against the schema (metadata only for being an object:
    /// the server checks names itself), plus Forklift's own admission rules.
    pub fn validate(&self, obj: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.schema.validate(obj, "", &mut errors);
        if self.kind == "Provider"
            && let Some(provider_type) = obj.pointer("/spec/type").and_then(Value::as_str)
            && !PROVIDER_TYPES.contains(&provider_type)
        {
            let supported: Vec<String> = PROVIDER_TYPES.iter().map(|t| format!("{t:?}")).collect();
            errors.push(FieldError::new(
                "spec.type",
                FieldErrorKind::NotSupported,
                format!("Unsupported value: {provider_type:?}: supported values: {}", supported.join(", ")),
            ));
        }
        errors
    }
}

static CRDS: LazyLock<Vec<Crd>> =
    LazyLock::new(|| CRD_SOURCES.iter().map(|source| Crd::parse(source).expect("embedded Forklift CRDs are valid YAML")).collect());

/// The embedded Forklift CRDs.
pub(crate) fn crds() -> &'static [Crd] {
    &CRDS
}

/// Finds a Forklift CRD by kind (`Plan`), singular (`plan`) or plural (`plans`), any case.
pub(crate) fn crd(kind: &str) -> Option<&'static Crd> {
    let wanted = kind.to_ascii_lowercase();
    crds().iter().find(|c| c.kind.to_ascii_lowercase() == wanted || c.plural == wanted || c.singular == wanted)
}

/// Checks a Forklift object (Provider, StorageMap, NetworkMap, Plan, Migration, Hook,
/// Host, ForkliftController, VSphereXcopyVolumePopulator) the way the simulator's API
/// server does on create with `fieldValidation=Strict`: the embedded CRD's
/// `openAPIV3Schema` (types, required fields, enums, lengths, patterns, date-times),
/// Forklift's admission rules (the provider type), `metadata.name` when present, and
/// fields the schema does not declare. `kind` is the kind, singular or plural name.
///
/// Every problem is reported, each with its field path, e.g.
/// `spec.provider.source: Required value`.
pub fn validate_forklift(kind: &str, obj: &Value) -> Result<(), Vec<FieldError>> {
    let Some(crd) = crd(kind) else {
        let supported: Vec<String> = crds().iter().map(|c| format!("{:?}", c.kind)).collect();
        return Err(vec![FieldError::new(
            "kind",
            FieldErrorKind::NotSupported,
            format!("Unsupported value: {kind:?}: supported values: {}", supported.join(", ")),
        )]);
    };
    let mut normalized = obj.clone();
    let unknown = crd.normalize(&mut normalized);
    let mut errors = crd.validate(&normalized);
    if let Some(name) = obj.pointer("/metadata/name").and_then(Value::as_str) {
        errors.extend(meta::validate_name(name, false));
    }
    errors.extend(unknown.into_iter().map(|field| FieldError::new(&field, FieldErrorKind::Unknown, "unknown field")));
    if errors.is_empty() { Ok(()) } else { Err(errors) }
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
        assert!(crd("plans").is_some_and(|c| c.status_subresource && c.namespaced));
        assert!(crd("vxvp").is_none(), "short names are not kinds");
        assert!(!crd("VSphereXcopyVolumePopulator").unwrap().status_subresource);
    }

    #[test]
    fn provider_type_is_checked() {
        let provider = json!({"apiVersion": "forklift.konveyor.io/v1beta1", "kind": "Provider",
            "metadata": {"name": "p"}, "spec": {"type": "foo", "secret": {}}});
        let errors = validate_forklift("Provider", &provider).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].to_string().starts_with(r#"spec.type: Unsupported value: "foo": supported values: "ec2""#));
    }

    #[test]
    fn plan_reports_each_missing_field() {
        let plan = json!({"metadata": {"name": "p"}, "spec": {"provider": {}, "map": {"network": {}}}});
        let fields: Vec<String> = validate_forklift("plan", &plan).unwrap_err().into_iter().map(|e| e.field).collect();
        for field in ["spec.provider.source", "spec.provider.destination", "spec.map.storage", "spec.targetNamespace", "spec.vms"] {
            assert!(fields.contains(&field.to_string()), "{field} not in {fields:?}");
        }
    }

    #[test]
    fn populator_without_spec_is_invalid_and_unknown_fields_are_reported() {
        let errors = validate_forklift("VSphereXcopyVolumePopulator", &json!({"metadata": {"name": "x"}})).unwrap_err();
        assert_eq!(errors[0].to_string(), "spec: Required value");
        let errors = validate_forklift("Hook", &json!({"metadata": {"name": "h"}, "spec": {"imagee": "x"}})).unwrap_err();
        assert_eq!(errors[0].field, "spec.imagee");
        assert_eq!(errors[0].kind, FieldErrorKind::Unknown);
        assert!(validate_forklift("Hook", &json!({"metadata": {"name": "h"}, "spec": {"image": "x"}})).is_ok());
    }
}
