//! One embedded CRD: its names, scope, subresources, printer columns and schema.

use serde_json::Value;

use crate::structural::Schema;
use crate::{FieldError, FieldErrorKind};

/// Provider types Forklift accepts. The CRD leaves `spec.type` a free string; Forklift's
/// admission webhook rejects anything else.
pub const PROVIDER_TYPES: &[&str] = &["ec2", "hyperv", "openshift", "openstack", "ova", "ovirt", "vsphere"];

/// A printer column of a CRD (`additionalPrinterColumns`), for `kubectl get` tables.
#[derive(Debug, Clone)]
pub struct PrinterColumn {
    pub name: String,
    pub column_type: String,
    pub json_path: String,
}

/// One CRD, at its served version.
#[derive(Debug)]
pub struct Crd {
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
    pub(crate) fn parse(source: &str) -> Result<Crd, String> {
        let doc: Value = serde_yaml_ng::from_str(source).map_err(|e| e.to_string())?;
        let spec = &doc["spec"];
        let names = &spec["names"];
        let version = spec["versions"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["served"].as_bool() != Some(false)))
            .ok_or_else(|| "CRD has no served version".to_string())?;
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

    /// `group/version`, e.g. `forklift.konveyor.io/v1beta1`.
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
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
