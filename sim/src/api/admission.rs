//! What the API server does to an object between the request body and the store:
//! type and namespace checks, metadata rules, Secret encoding, status handling,
//! and, for Forklift kinds, schema pruning, defaulting and validation.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::meta;
use super::protobuf;
use super::resources::ResourceDef;
use forklift_crds::{FieldError, FieldErrorKind};

/// The `fieldValidation` query parameter: what to do with fields the schema does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldValidation {
    Ignore,
    Warn,
    Strict,
}

impl FieldValidation {
    pub fn parse(value: Option<&str>) -> Result<Self, ApiError> {
        match value {
            None | Some("") | Some("Warn") => Ok(Self::Warn),
            Some("Ignore") => Ok(Self::Ignore),
            Some("Strict") => Ok(Self::Strict),
            Some(other) => {
                Err(ApiError::bad_request(format!("fieldValidation must be one of \"Ignore\", \"Warn\" or \"Strict\", got {other:?}")))
            }
        }
    }
}

/// An object ready for the store, and the warnings to send back with it.
#[derive(Debug)]
pub(crate) struct Admitted {
    pub object: Value,
    pub warnings: Vec<String>,
}

/// Which part of an object a write may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The main resource: everything but a status served as a subresource.
    Main,
    /// The `/status` subresource: the status only.
    Status,
}

/// Parses a request body (JSON, or YAML for apply patches) into a JSON object.
pub(crate) fn parse_object(body: &[u8]) -> Result<Value, ApiError> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(json_error) => serde_yaml_ng::from_slice(body)
            .map_err(|_| ApiError::bad_request(format!("the request body is not valid JSON: {json_error}")))?,
    };
    if !value.is_object() {
        return Err(ApiError::bad_request("the request body must be a JSON object"));
    }
    if value.get("metadata").is_some_and(|m| !m.is_object() && !m.is_null()) {
        return Err(ApiError::bad_request("metadata must be an object"));
    }
    Ok(value)
}

/// Reads a create or update body by its `Content-Type`, as the API server does:
/// JSON or YAML (also when no type is given), protobuf for the kinds that have
/// it, else 415.
pub(crate) fn parse_body(resource: &ResourceDef, content_type: &str, body: &[u8]) -> Result<Value, ApiError> {
    match content_type.split(';').next().unwrap_or_default().trim() {
        "" | "application/json" | "application/yaml" => parse_object(body),
        protobuf::MEDIA_TYPE if protobuf::decodable(resource) => protobuf::decode(resource, body),
        other => {
            let mut accepted = vec!["application/json", "application/yaml"];
            if protobuf::decodable(resource) {
                accepted.push(protobuf::MEDIA_TYPE);
            }
            Err(ApiError::unsupported_media_type(other, &accepted))
        }
    }
}

/// Checks `apiVersion`/`kind` against the endpoint and fills them in when missing.
fn check_type(resource: &ResourceDef, obj: &mut Value) -> Result<(), ApiError> {
    let api_version = resource.api_version();
    match obj.get("apiVersion").and_then(Value::as_str) {
        Some(v) if !v.is_empty() && v != api_version => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({api_version})"
            )));
        }
        _ => obj["apiVersion"] = json!(api_version),
    }
    match obj.get("kind").and_then(Value::as_str) {
        Some(k) if !k.is_empty() && k != resource.kind => {
            return Err(ApiError::bad_request(format!("the kind in the data ({k}) does not match the expected kind ({})", resource.kind)));
        }
        _ => obj["kind"] = json!(resource.kind),
    }
    match obj.get("metadata") {
        None | Some(Value::Null) => obj["metadata"] = json!({}),
        Some(Value::Object(_)) => {}
        Some(_) => return Err(ApiError::bad_request("metadata must be an object")),
    }
    Ok(())
}

/// Sets `metadata.namespace` from the URL, refusing a body that names another one.
fn check_namespace(resource: &ResourceDef, obj: &mut Value, namespace: &str) -> Result<(), ApiError> {
    let metadata = &mut obj["metadata"];
    if !resource.namespaced {
        if let Some(m) = metadata.as_object_mut() {
            m.remove("namespace");
        }
        return Ok(());
    }
    match metadata.get("namespace").and_then(Value::as_str) {
        Some(ns) if !ns.is_empty() && ns != namespace => {
            Err(ApiError::bad_request("the namespace of the provided object does not match the namespace sent on the request"))
        }
        _ => {
            metadata["namespace"] = json!(namespace);
            Ok(())
        }
    }
}

/// Admits a new object posted to `namespace` (empty for cluster-scoped resources).
pub(crate) fn admit_create(
    resource: &ResourceDef,
    namespace: &str,
    mut obj: Value,
    validation: FieldValidation,
) -> Result<Admitted, ApiError> {
    check_type(resource, &mut obj)?;
    check_namespace(resource, &mut obj, namespace)?;
    let metadata = &obj["metadata"];
    if metadata.get("resourceVersion").and_then(Value::as_str).is_some_and(|rv| !rv.is_empty()) {
        return Err(ApiError::bad_request("resourceVersion should not be set on objects to be created"));
    }
    let name = metadata.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    let generate_name = metadata.get("generateName").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut errors = Vec::new();
    let label_only = resource.is("", "namespaces");
    if !name.is_empty() {
        errors.extend(meta::validate_name(&name, label_only));
    } else if !generate_name.is_empty() {
        errors.extend(
            meta::validate_name(&meta::generate_name(&generate_name), label_only)
                .into_iter()
                .map(|e| FieldError { field: "metadata.generateName".into(), ..e }),
        );
    } else {
        errors.push(FieldError::new("metadata.name", FieldErrorKind::Required, "Required value: name or generateName is required"));
    }
    if let Some(m) = obj["metadata"].as_object_mut() {
        m.remove("uid");
        m.remove("deletionTimestamp");
    }
    if resource.status_subresource
        && let Some(m) = obj.as_object_mut()
    {
        m.remove("status");
    }
    if resource.is("", "namespaces") {
        obj["spec"] = json!({"finalizers": ["kubernetes"]});
        obj["status"] = json!({"phase": "Active"});
        if !name.is_empty() {
            let mut labels: Map<String, Value> = obj["metadata"]["labels"].as_object().cloned().unwrap_or_default();
            labels.insert("kubernetes.io/metadata.name".into(), json!(name));
            obj["metadata"]["labels"] = Value::Object(labels);
        }
    }
    finish(resource, obj, errors, validation)
}

/// Admits a replacement (PUT) or the result of a patch for `current`.
pub(crate) fn admit_update(
    resource: &ResourceDef,
    current: &Value,
    mut obj: Value,
    part: Part,
    validation: FieldValidation,
) -> Result<Admitted, ApiError> {
    check_type(resource, &mut obj)?;
    let name = current["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let namespace = current["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
    match obj["metadata"].get("name").and_then(Value::as_str) {
        Some(n) if !n.is_empty() && n != name => {
            return Err(ApiError::bad_request(format!("the name of the object ({n}) does not match the name on the URL ({name})")));
        }
        _ => obj["metadata"]["name"] = json!(name),
    }
    check_namespace(resource, &mut obj, &namespace)?;
    let obj = match part {
        Part::Status => {
            let mut next = current.clone();
            match obj.get("status") {
                Some(status) => next["status"] = status.clone(),
                None => {
                    if let Some(m) = next.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            next["metadata"]["resourceVersion"] = obj["metadata"].get("resourceVersion").cloned().unwrap_or(Value::Null);
            next
        }
        Part::Main if resource.status_subresource => {
            let mut next = obj;
            match current.get("status") {
                Some(status) => next["status"] = status.clone(),
                None => {
                    if let Some(m) = next.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            next
        }
        Part::Main => obj,
    };
    finish(resource, obj, Vec::new(), validation)
}

/// The checks shared by create and update.
fn finish(resource: &ResourceDef, mut obj: Value, mut errors: Vec<FieldError>, validation: FieldValidation) -> Result<Admitted, ApiError> {
    errors.extend(meta::validate_labels(obj["metadata"].get("labels")));
    if let Some(annotations) = obj["metadata"].get("annotations")
        && !annotations.is_null()
        && !annotations.as_object().is_some_and(|a| a.values().all(Value::is_string))
    {
        errors.push(FieldError::new(
            "metadata.annotations",
            FieldErrorKind::TypeInvalid,
            "Invalid value: annotations must be a map of strings",
        ));
    }
    if resource.is("", "secrets") {
        encode_secret(&mut obj, &mut errors);
    }
    let mut warnings = Vec::new();
    if let Some(crd) = resource.crd {
        let unknown = crd.normalize(&mut obj);
        if !unknown.is_empty() {
            match validation {
                FieldValidation::Strict => {
                    let listed: Vec<String> = unknown.iter().map(|f| format!("unknown field {f:?}")).collect();
                    return Err(ApiError::bad_request(format!(
                        "{} in version {:?} cannot be handled as a {}: strict decoding error: {}",
                        resource.kind,
                        resource.version,
                        resource.kind,
                        listed.join(", ")
                    )));
                }
                FieldValidation::Warn => warnings.extend(unknown.iter().map(|f| format!("unknown field {f:?}"))),
                FieldValidation::Ignore => {}
            }
        }
        errors.extend(crd.validate(&obj));
    }
    if errors.is_empty() {
        Ok(Admitted { object: obj, warnings })
    } else {
        let name = obj["metadata"]["name"].as_str().or(obj["metadata"]["generateName"].as_str()).unwrap_or_default().to_string();
        Err(ApiError::invalid(&resource.subject(&name), &errors))
    }
}

/// Secrets store `data` base64-encoded: fold `stringData` in, check the encoding,
/// default the type to `Opaque`.
fn encode_secret(obj: &mut Value, errors: &mut Vec<FieldError>) {
    let mut data = match obj.get("data") {
        Some(Value::Object(m)) => m.clone(),
        Some(Value::Null) | None => Map::new(),
        Some(_) => {
            errors.push(FieldError::new("data", FieldErrorKind::TypeInvalid, "Invalid value: data must be a map of base64 strings"));
            return;
        }
    };
    for (key, value) in &data {
        let valid = value.as_str().is_some_and(|s| BASE64.decode(s).is_ok());
        if !valid {
            errors.push(FieldError::new(
                &format!("data[{key}]"),
                FieldErrorKind::Invalid,
                "Invalid value: must be a base64-encoded string",
            ));
        }
    }
    if let Some(string_data) = obj.get("stringData").and_then(Value::as_object) {
        for (key, value) in string_data {
            match value.as_str() {
                Some(s) => {
                    data.insert(key.clone(), json!(BASE64.encode(s)));
                }
                None => errors.push(FieldError::new(
                    &format!("stringData[{key}]"),
                    FieldErrorKind::TypeInvalid,
                    "Invalid value: must be a string",
                )),
            }
        }
    }
    if let Some(m) = obj.as_object_mut() {
        m.remove("stringData");
        if !data.is_empty() {
            m.insert("data".into(), Value::Object(data));
        }
        if m.get("type").and_then(Value::as_str).is_none_or(str::is_empty) {
            m.insert("type".into(), json!("Opaque"));
        }
    }
}

/// Decodes one key of a Secret's `data`.
pub(crate) fn secret_value(secret: &Value, key: &str) -> Option<String> {
    let encoded = secret.get("data")?.get(key)?.as_str()?;
    BASE64.decode(encoded).ok().and_then(|bytes| String::from_utf8(bytes).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::resources;

    #[test]
    fn secret_string_data_is_encoded() {
        let secrets = resources::get("", "secrets");
        let obj = json!({"metadata": {"name": "s"}, "stringData": {"user": "admin"}, "data": {"password": BASE64.encode("pw")}});
        let admitted = admit_create(secrets, "ns", obj, FieldValidation::Strict).unwrap().object;
        assert_eq!(secret_value(&admitted, "user").as_deref(), Some("admin"));
        assert_eq!(secret_value(&admitted, "password").as_deref(), Some("pw"));
        assert_eq!(admitted["type"], "Opaque");
        assert!(admitted.get("stringData").is_none());
        let bad = json!({"metadata": {"name": "s"}, "data": {"k": "not base64!"}});
        assert_eq!(admit_create(secrets, "ns", bad, FieldValidation::Strict).unwrap_err().code, 422);
    }

    #[test]
    fn create_drops_status_of_subresource_kinds_and_checks_names() {
        let plans = resources::get("forklift.konveyor.io", "migrations");
        let obj = json!({"metadata": {"name": "m"}, "spec": {"plan": {"name": "p"}}, "status": {"started": "2020-01-01T00:00:00Z"}});
        let admitted = admit_create(plans, "ns", obj, FieldValidation::Strict).unwrap().object;
        assert!(admitted.get("status").is_none());
        assert_eq!(admitted["metadata"]["namespace"], "ns");
        let err = admit_create(plans, "ns", json!({"metadata": {}, "spec": {"plan": {}}}), FieldValidation::Strict).unwrap_err();
        assert_eq!(err.code, 422);
        assert!(err.message.contains("metadata.name: Required value"), "{}", err.message);
        let err = admit_create(
            plans,
            "other",
            json!({"metadata": {"name": "m", "namespace": "ns"}, "spec": {"plan": {}}}),
            FieldValidation::Strict,
        )
        .unwrap_err();
        assert_eq!(err.code, 400);
    }

    #[test]
    fn unknown_fields_follow_field_validation() {
        let hooks = resources::get("forklift.konveyor.io", "hooks");
        let obj = json!({"metadata": {"name": "h"}, "spec": {"image": "x", "imagee": "y"}});
        assert_eq!(admit_create(hooks, "ns", obj.clone(), FieldValidation::Strict).unwrap_err().code, 400);
        let warned = admit_create(hooks, "ns", obj.clone(), FieldValidation::Warn).unwrap();
        assert_eq!(warned.warnings, vec!["unknown field \"spec.imagee\"".to_string()]);
        assert!(warned.object["spec"].get("imagee").is_none());
        assert!(admit_create(hooks, "ns", obj, FieldValidation::Ignore).unwrap().warnings.is_empty());
    }
}
