//! A structural OpenAPI v3 schema, as a CRD's `openAPIV3Schema` declares it, and the
//! three things the API server does with one: prune unknown fields, apply defaults and
//! validate. Only the keywords the Forklift CRDs use are understood.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{Map, Value};

use crate::{FieldError, FieldErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SchemaType {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

impl SchemaType {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "object" => Self::Object,
            "array" => Self::Array,
            "string" => Self::String,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "boolean" => Self::Boolean,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Object => "object",
            Self::Array => "array",
            Self::String => "string",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
        }
    }

    fn matches(self, value: &Value) -> bool {
        match self {
            Self::Object => value.is_object(),
            Self::Array => value.is_array(),
            Self::String => value.is_string(),
            Self::Integer => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
            Self::Number => value.is_number(),
            Self::Boolean => value.is_boolean(),
        }
    }
}

/// One node of a structural schema.
#[derive(Debug, Default)]
pub(crate) struct Schema {
    ty: Option<SchemaType>,
    properties: BTreeMap<String, Schema>,
    required: Vec<String>,
    items: Option<Box<Schema>>,
    /// Schema of a map's values (`additionalProperties: {…}`); `Some(None)` means "anything".
    additional: Option<Option<Box<Schema>>>,
    allowed: Vec<Value>,
    max_length: Option<u64>,
    min_length: Option<u64>,
    minimum: Option<f64>,
    pattern: Option<(String, Regex)>,
    date_time: bool,
    int_or_string: bool,
    preserve_unknown: bool,
    nullable: bool,
    default: Option<Value>,
}

impl Schema {
    /// Reads a schema node. Unknown keywords are ignored; a pattern Rust's regex engine
    /// cannot compile is skipped rather than rejecting every object.
    pub fn from_json(node: &Value) -> Schema {
        let get = |key: &str| node.get(key);
        let properties = get("properties")
            .and_then(Value::as_object)
            .map(|props| props.iter().map(|(k, v)| (k.clone(), Schema::from_json(v))).collect())
            .unwrap_or_default();
        let additional = match get("additionalProperties") {
            Some(Value::Object(o)) => Some(Some(Box::new(Schema::from_json(&Value::Object(o.clone()))))),
            Some(Value::Bool(true)) => Some(None),
            _ => None,
        };
        Schema {
            ty: get("type").and_then(Value::as_str).and_then(SchemaType::parse),
            properties,
            required: get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            items: get("items").map(|i| Box::new(Schema::from_json(i))),
            additional,
            allowed: get("enum").and_then(Value::as_array).cloned().unwrap_or_default(),
            max_length: get("maxLength").and_then(Value::as_u64),
            min_length: get("minLength").and_then(Value::as_u64),
            minimum: get("minimum").and_then(Value::as_f64),
            pattern: get("pattern").and_then(Value::as_str).and_then(|p| Regex::new(p).ok().map(|re| (p.to_string(), re))),
            date_time: get("format").and_then(Value::as_str) == Some("date-time"),
            int_or_string: get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true),
            preserve_unknown: get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true),
            nullable: get("nullable").and_then(Value::as_bool) == Some(true),
            default: get("default").cloned(),
        }
    }

    pub fn property(&self, name: &str) -> Option<&Schema> {
        self.properties.get(name)
    }

    /// Drops fields the schema does not know (recording their paths), drops `null`s the
    /// schema does not allow, and fills in defaults — in that order, like the API server.
    pub fn normalize(&self, value: &mut Value, path: &str, unknown: &mut Vec<String>) {
        match value {
            Value::Object(map) => self.normalize_object(map, path, unknown),
            Value::Array(items) => {
                if let Some(item_schema) = &self.items {
                    for (i, item) in items.iter_mut().enumerate() {
                        item_schema.normalize(item, &format!("{path}[{i}]"), unknown);
                    }
                }
            }
            _ => {}
        }
    }

    fn normalize_object(&self, map: &mut Map<String, Value>, path: &str, unknown: &mut Vec<String>) {
        let keys: Vec<String> = map.keys().cloned().collect();
        for key in keys {
            let child_path = join(path, &key);
            let child_schema = self.properties.get(&key).or(match &self.additional {
                Some(Some(s)) => Some(s.as_ref()),
                _ => None,
            });
            match child_schema {
                Some(child) => {
                    if map.get(&key).is_some_and(Value::is_null) && !child.nullable {
                        map.remove(&key);
                    } else if let Some(v) = map.get_mut(&key) {
                        child.normalize(v, &child_path, unknown);
                    }
                }
                None if self.preserve_unknown || matches!(self.additional, Some(None)) => {}
                None if self.ty == Some(SchemaType::Object) || !self.properties.is_empty() => {
                    map.remove(&key);
                    unknown.push(child_path);
                }
                None => {}
            }
        }
        for (key, child) in &self.properties {
            if let Some(default) = &child.default
                && !map.contains_key(key)
            {
                map.insert(key.clone(), default.clone());
            }
        }
    }

    /// Checks `value` against this node, pushing every violation found.
    pub fn validate(&self, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
        if value.is_null() {
            if !self.nullable {
                errors.push(FieldError::new(path, FieldErrorKind::Invalid, "Invalid value: \"null\": must not be null"));
            }
            return;
        }
        if self.int_or_string {
            if !(value.is_string() || SchemaType::Integer.matches(value)) {
                errors.push(type_error(path, value, "integer or string"));
                return;
            }
        } else if let Some(ty) = self.ty
            && !ty.matches(value)
        {
            errors.push(type_error(path, value, ty.name()));
            return;
        }
        if !self.allowed.is_empty() && !self.allowed.contains(value) {
            let supported: Vec<String> = self.allowed.iter().map(Value::to_string).collect();
            errors.push(FieldError::new(
                path,
                FieldErrorKind::NotSupported,
                format!("Unsupported value: {value}: supported values: {}", supported.join(", ")),
            ));
        }
        match value {
            Value::String(s) => self.validate_string(s, value, path, errors),
            Value::Number(n) => {
                if let (Some(min), Some(v)) = (self.minimum, n.as_f64())
                    && v < min
                {
                    errors.push(FieldError::new(
                        path,
                        FieldErrorKind::Invalid,
                        format!("Invalid value: {value}: {path} in body should be greater than or equal to {min}"),
                    ));
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = &self.items {
                    for (i, item) in items.iter().enumerate() {
                        item_schema.validate(item, &format!("{path}[{i}]"), errors);
                    }
                }
            }
            Value::Object(map) => self.validate_object(map, path, errors),
            Value::Bool(_) | Value::Null => {}
        }
    }

    fn validate_string(&self, s: &str, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
        let chars = s.chars().count() as u64;
        if let Some(max) = self.max_length
            && chars > max
        {
            errors.push(FieldError::new(path, FieldErrorKind::TooLong, format!("Too long: may not be more than {max} bytes")));
        }
        if let Some(min) = self.min_length
            && chars < min
        {
            errors.push(FieldError::new(
                path,
                FieldErrorKind::Invalid,
                format!("Invalid value: {value}: {path} in body should be at least {min} chars long"),
            ));
        }
        if let Some((source, re)) = &self.pattern
            && !re.is_match(s)
        {
            errors.push(FieldError::new(
                path,
                FieldErrorKind::Invalid,
                format!("Invalid value: {value}: {path} in body should match '{source}'"),
            ));
        }
        if self.date_time && s.parse::<jiff::Timestamp>().is_err() {
            errors.push(FieldError::new(
                path,
                FieldErrorKind::Invalid,
                format!("Invalid value: {value}: {path} in body must be of type date-time: {value}"),
            ));
        }
    }

    fn validate_object(&self, map: &Map<String, Value>, path: &str, errors: &mut Vec<FieldError>) {
        for name in &self.required {
            if !map.contains_key(name) {
                errors.push(FieldError::new(&join(path, name), FieldErrorKind::Required, "Required value"));
            }
        }
        for (key, child) in map {
            let child_path = join(path, key);
            if let Some(schema) = self.properties.get(key) {
                schema.validate(child, &child_path, errors);
            } else if let Some(Some(schema)) = &self.additional {
                schema.validate(child, &child_path, errors);
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn type_error(path: &str, value: &Value, expected: &str) -> FieldError {
    let actual = match value {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
    };
    FieldError::new(
        path,
        FieldErrorKind::TypeInvalid,
        format!("Invalid value: \"{actual}\": {path} in body must be of type {expected}: \"{actual}\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::from_json(&json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "required": ["type"],
                    "properties": {
                        "type": {"type": "string", "enum": ["cold", "warm"]},
                        "name": {"type": "string", "maxLength": 5, "pattern": "^[a-z]+$"},
                        "flag": {"type": "boolean", "default": true},
                        "port": {"x-kubernetes-int-or-string": true},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                        "items": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}
                    }
                }
            }
        }))
    }

    fn errors_of(value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        schema().validate(value, "", &mut errors);
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn reports_every_violation_with_its_path() {
        let errors =
            errors_of(&json!({"spec": {"type": "foo", "name": "ABCDEFG", "port": true, "items": [{"id": "a"}, {}], "labels": {"a": 1}}}));
        assert!(errors.contains(&r#"spec.type: Unsupported value: "foo": supported values: "cold", "warm""#.to_string()), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("spec.name: Too long")), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("spec.name: Invalid value: \"ABCDEFG\"") && e.contains("should match")), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("spec.port: Invalid value")), "{errors:?}");
        assert!(errors.contains(&"spec.items[1].id: Required value".to_string()), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("spec.labels.a: Invalid value: \"integer\"")), "{errors:?}");
    }

    #[test]
    fn missing_required_field_is_reported() {
        assert_eq!(errors_of(&json!({"spec": {}})), vec!["spec.type: Required value".to_string()]);
        assert!(errors_of(&json!({"spec": {"type": "warm", "port": 8080}})).is_empty());
    }

    #[test]
    fn normalize_prunes_unknown_defaults_and_nulls() {
        let mut value = json!({"spec": {"type": "cold", "bogus": 1, "name": null, "free": {"anything": {"goes": true}}}});
        let mut unknown = Vec::new();
        schema().normalize(&mut value, "", &mut unknown);
        assert_eq!(unknown, vec!["spec.bogus".to_string()]);
        assert_eq!(value, json!({"spec": {"type": "cold", "flag": true, "free": {"anything": {"goes": true}}}}));
    }
}
