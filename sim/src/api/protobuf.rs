//! Request bodies in the API server's protobuf encoding
//! (`application/vnd.kubernetes.protobuf`), which kubectl's typed clients send
//! for built-in kinds (`kubectl create namespace`, `create secret`,
//! `create configmap`). A body is the magic `k8s\0` and a `runtime.Unknown`
//! whose `raw` field holds the object; it decodes to the JSON object a JSON
//! client would have sent. Protobuf carries empty strings and zeros that
//! JSON leaves out (`omitempty`); they are left out here too. Only the kinds whose every field the simulator can
//! represent are decoded; for the others the server answers 415, as a real
//! one does for protobuf sent to a custom resource.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::resources::{CORE, ResourceDef};

/// The media type.
pub(crate) const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

const MAGIC: &[u8] = b"k8s\0";

/// Whether `resource` accepts protobuf bodies.
pub(crate) fn decodable(resource: &ResourceDef) -> bool {
    resource.group == CORE && matches!(resource.kind, "Namespace" | "Secret" | "ConfigMap")
}

/// Decodes a protobuf request body for `resource` into its JSON form.
pub(crate) fn decode(resource: &ResourceDef, body: &[u8]) -> Result<Value, ApiError> {
    let bad = |why: &str| ApiError::bad_request(format!("the protobuf request body is not a valid {}: {why}", resource.kind));
    let envelope = body.strip_prefix(MAGIC).ok_or_else(|| bad("it does not start with the k8s protobuf magic"))?;
    let mut api_version = String::new();
    let mut kind = String::new();
    let mut raw: &[u8] = &[];
    for field in Fields::new(envelope) {
        match field.map_err(&bad)? {
            (1, Wire::Bytes(type_meta)) => {
                for inner in Fields::new(type_meta) {
                    match inner.map_err(&bad)? {
                        (1, Wire::Bytes(v)) => api_version = text(v).map_err(&bad)?,
                        (2, Wire::Bytes(v)) => kind = text(v).map_err(&bad)?,
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(bytes)) => raw = bytes,
            (3, Wire::Bytes(encoding)) if !encoding.is_empty() => return Err(bad("content encodings are not supported")),
            _ => {}
        }
    }
    let mut object = match resource.kind {
        "Namespace" => namespace(raw),
        "Secret" => secret(raw),
        "ConfigMap" => config_map(raw),
        _ => Err("the simulator decodes only Namespaces, Secrets and ConfigMaps from protobuf"),
    }
    .map_err(&bad)?;
    // The envelope's type wins, so a mismatch is caught by the same checks as in JSON.
    object.insert("apiVersion".into(), json!(api_version));
    object.insert("kind".into(), json!(kind));
    Ok(Value::Object(object))
}

type Decoded<T> = Result<T, &'static str>;

fn namespace(raw: &[u8]) -> Decoded<Map<String, Value>> {
    let mut object = Map::new();
    for field in Fields::new(raw) {
        match field? {
            (1, Wire::Bytes(meta)) => _ = object.insert("metadata".into(), object_meta(meta)?),
            (2, Wire::Bytes(spec)) => {
                let mut finalizers = Vec::new();
                for inner in Fields::new(spec) {
                    if let (1, Wire::Bytes(v)) = inner? {
                        finalizers.push(json!(text(v)?));
                    }
                }
                let spec = if finalizers.is_empty() { json!({}) } else { json!({"finalizers": finalizers}) };
                object.insert("spec".into(), spec);
            }
            _ => {}
        }
    }
    Ok(object)
}

fn secret(raw: &[u8]) -> Decoded<Map<String, Value>> {
    let mut object = Map::new();
    let mut data = Map::new();
    let mut string_data = Map::new();
    for field in Fields::new(raw) {
        match field? {
            (1, Wire::Bytes(meta)) => _ = object.insert("metadata".into(), object_meta(meta)?),
            (2, Wire::Bytes(entry)) => {
                let (key, value) = map_entry(entry)?;
                data.insert(key, json!(BASE64.encode(value)));
            }
            (3, Wire::Bytes(v)) if !v.is_empty() => _ = object.insert("type".into(), json!(text(v)?)),
            (4, Wire::Bytes(entry)) => {
                let (key, value) = map_entry(entry)?;
                string_data.insert(key, json!(text(value)?));
            }
            (5, Wire::Varint(v)) => _ = object.insert("immutable".into(), json!(v != 0)),
            _ => {}
        }
    }
    insert_non_empty(&mut object, "data", data);
    insert_non_empty(&mut object, "stringData", string_data);
    Ok(object)
}

fn config_map(raw: &[u8]) -> Decoded<Map<String, Value>> {
    let mut object = Map::new();
    let mut data = Map::new();
    let mut binary_data = Map::new();
    for field in Fields::new(raw) {
        match field? {
            (1, Wire::Bytes(meta)) => _ = object.insert("metadata".into(), object_meta(meta)?),
            (2, Wire::Bytes(entry)) => {
                let (key, value) = map_entry(entry)?;
                data.insert(key, json!(text(value)?));
            }
            (3, Wire::Bytes(entry)) => {
                let (key, value) = map_entry(entry)?;
                binary_data.insert(key, json!(BASE64.encode(value)));
            }
            (4, Wire::Varint(v)) => _ = object.insert("immutable".into(), json!(v != 0)),
            _ => {}
        }
    }
    insert_non_empty(&mut object, "data", data);
    insert_non_empty(&mut object, "binaryData", binary_data);
    Ok(object)
}

/// The client-settable part of `ObjectMeta`; what the server sets itself
/// (timestamps, managed fields, self link) is skipped as the server would
/// overwrite it.
fn object_meta(raw: &[u8]) -> Decoded<Value> {
    let mut meta = Map::new();
    let mut labels = Map::new();
    let mut annotations = Map::new();
    let mut owners = Vec::new();
    let mut finalizers = Vec::new();
    for field in Fields::new(raw) {
        let (key, value) = match field? {
            (_, Wire::Bytes([])) | (7, Wire::Varint(0)) => continue,
            (1, Wire::Bytes(v)) => ("name", json!(text(v)?)),
            (2, Wire::Bytes(v)) => ("generateName", json!(text(v)?)),
            (3, Wire::Bytes(v)) => ("namespace", json!(text(v)?)),
            (5, Wire::Bytes(v)) => ("uid", json!(text(v)?)),
            (6, Wire::Bytes(v)) => ("resourceVersion", json!(text(v)?)),
            (7, Wire::Varint(v)) => ("generation", json!(v as i64)),
            (11, Wire::Bytes(entry)) => {
                let (k, v) = map_entry(entry)?;
                labels.insert(k, json!(text(v)?));
                continue;
            }
            (12, Wire::Bytes(entry)) => {
                let (k, v) = map_entry(entry)?;
                annotations.insert(k, json!(text(v)?));
                continue;
            }
            (13, Wire::Bytes(owner)) => {
                owners.push(owner_reference(owner)?);
                continue;
            }
            (14, Wire::Bytes(v)) => {
                finalizers.push(json!(text(v)?));
                continue;
            }
            _ => continue,
        };
        meta.insert(key.into(), value);
    }
    insert_non_empty(&mut meta, "labels", labels);
    insert_non_empty(&mut meta, "annotations", annotations);
    if !owners.is_empty() {
        meta.insert("ownerReferences".into(), Value::Array(owners));
    }
    if !finalizers.is_empty() {
        meta.insert("finalizers".into(), Value::Array(finalizers));
    }
    Ok(Value::Object(meta))
}

fn owner_reference(raw: &[u8]) -> Decoded<Value> {
    let mut owner = Map::new();
    for field in Fields::new(raw) {
        let (key, value) = match field? {
            (_, Wire::Bytes([])) => continue,
            (1, Wire::Bytes(v)) => ("kind", json!(text(v)?)),
            (3, Wire::Bytes(v)) => ("name", json!(text(v)?)),
            (4, Wire::Bytes(v)) => ("uid", json!(text(v)?)),
            (5, Wire::Bytes(v)) => ("apiVersion", json!(text(v)?)),
            (6, Wire::Varint(v)) => ("controller", json!(v != 0)),
            (7, Wire::Varint(v)) => ("blockOwnerDeletion", json!(v != 0)),
            _ => continue,
        };
        owner.insert(key.into(), value);
    }
    Ok(Value::Object(owner))
}

fn insert_non_empty(object: &mut Map<String, Value>, key: &str, map: Map<String, Value>) {
    if !map.is_empty() {
        object.insert(key.into(), Value::Object(map));
    }
}

/// A protobuf map entry: key (1) and value (2), either may be absent.
fn map_entry(raw: &[u8]) -> Decoded<(String, &[u8])> {
    let mut key = String::new();
    let mut value: &[u8] = &[];
    for field in Fields::new(raw) {
        match field? {
            (1, Wire::Bytes(k)) => key = text(k)?,
            (2, Wire::Bytes(v)) => value = v,
            _ => {}
        }
    }
    Ok((key, value))
}

fn text(bytes: &[u8]) -> Decoded<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| "a string field is not UTF-8")
}

/// A field's value by wire type; fixed-width values are kept as bits.
#[derive(Debug)]
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// The fields of one protobuf message, in order: (field number, value).
struct Fields<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Fields<'a> {
    fn new(message: &'a [u8]) -> Self {
        Fields { rest: message, failed: false }
    }

    fn varint(&mut self) -> Decoded<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.rest.split_first().ok_or("a varint is cut short")?;
            self.rest = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a varint is longer than 10 bytes")
    }

    fn take(&mut self, len: usize) -> Decoded<&'a [u8]> {
        if len > self.rest.len() {
            return Err("a field is longer than the message");
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(taken)
    }

    fn field(&mut self) -> Decoded<(u64, Wire<'a>)> {
        let tag = self.varint()?;
        let value = match tag & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => self.take(8).map(|_| Wire::Fixed)?,
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| "a length does not fit in memory")?;
                Wire::Bytes(self.take(len)?)
            }
            5 => self.take(4).map(|_| Wire::Fixed)?,
            _ => return Err("a field has an unknown wire type"),
        };
        Ok((tag >> 3, value))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Decoded<(u64, Wire<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() || self.failed {
            return None;
        }
        let field = self.field();
        self.failed = field.is_err();
        Some(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::resources;

    fn varint(mut value: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn bytes(field: u64, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        varint(field << 3 | 2, &mut out);
        varint(value.len() as u64, &mut out);
        out.extend_from_slice(value);
        out
    }

    fn entry(field: u64, key: &str, value: &[u8]) -> Vec<u8> {
        bytes(field, &[bytes(1, key.as_bytes()), bytes(2, value)].concat())
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let type_meta = [bytes(1, api_version.as_bytes()), bytes(2, kind.as_bytes())].concat();
        [MAGIC.to_vec(), bytes(1, &type_meta), bytes(2, raw), bytes(4, MEDIA_TYPE.as_bytes())].concat()
    }

    #[test]
    fn a_secret_decodes_to_its_json_form() {
        let meta = [bytes(1, b"s"), bytes(3, b"ns"), entry(11, "app", b"x"), entry(12, "note", b"on"), {
            let mut v = vec![7 << 3];
            varint(300, &mut v);
            v
        }]
        .concat();
        let raw = [bytes(1, &meta), entry(2, "password", &[0, 255, 1]), bytes(3, b"Opaque"), entry(4, "user", b"admin"), vec![5 << 3, 1]]
            .concat();
        let secret = decode(resources::get(CORE, "secrets"), &envelope("v1", "Secret", &raw)).unwrap();
        assert_eq!(
            secret,
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "immutable": true,
                "metadata": {"name": "s", "namespace": "ns", "generation": 300, "labels": {"app": "x"}, "annotations": {"note": "on"}},
                "data": {"password": "AP8B"}, "stringData": {"user": "admin"}})
        );
    }

    #[test]
    fn a_namespace_and_a_config_map_decode() {
        let raw = [bytes(1, &bytes(1, b"team-a")), bytes(2, &bytes(1, b"kubernetes")), bytes(3, &bytes(1, b"Active"))].concat();
        let namespace = decode(resources::get(CORE, "namespaces"), &envelope("v1", "Namespace", &raw)).unwrap();
        assert_eq!(
            namespace,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}, "spec": {"finalizers": ["kubernetes"]}})
        );
        let raw = [bytes(1, &bytes(2, b"cm-")), entry(2, "k", b"v"), entry(3, "b", b"\x01")].concat();
        let config_map = decode(resources::get(CORE, "configmaps"), &envelope("v1", "ConfigMap", &raw)).unwrap();
        assert_eq!(config_map["metadata"], json!({"generateName": "cm-"}));
        assert_eq!((&config_map["data"], &config_map["binaryData"]), (&json!({"k": "v"}), &json!({"b": "AQ=="})));
    }

    #[test]
    fn empty_strings_and_zeros_are_left_out_as_json_leaves_them() {
        let meta = [bytes(1, b"s"), bytes(2, b""), bytes(3, b""), vec![7 << 3, 0]].concat();
        let raw = [bytes(1, &meta), bytes(3, b"")].concat();
        let secret = decode(resources::get(CORE, "secrets"), &envelope("v1", "Secret", &raw)).unwrap();
        assert_eq!(secret, json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}));
        let raw = [bytes(1, &bytes(1, b"team-b")), bytes(2, b"")].concat();
        let namespace = decode(resources::get(CORE, "namespaces"), &envelope("v1", "Namespace", &raw)).unwrap();
        assert_eq!(namespace["spec"], json!({}));
    }

    #[test]
    fn broken_bodies_are_bad_requests() {
        let secrets = resources::get(CORE, "secrets");
        for body in [b"{\"kind\":\"Secret\"}".to_vec(), [MAGIC, &[0x0a, 0x05, 0x01]].concat(), [MAGIC, &[0x0f]].concat()] {
            let error = decode(secrets, &body).unwrap_err();
            assert_eq!(error.code, 400, "{body:?}: {error:?}");
        }
        assert!(!decodable(resources::get(CORE, "pods")));
        assert!(decodable(secrets));
    }
}
