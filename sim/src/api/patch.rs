//! PATCH bodies: JSON merge patch, JSON patch, strategic merge patch (applied as a
//! merge patch) and server-side apply (applied as a merge of the given object).

use serde_json::Value;

use super::admission::parse_object;
use super::errors::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchKind {
    Merge,
    Json,
    Apply,
}

impl PatchKind {
    pub fn from_content_type(content_type: &str) -> Result<Self, ApiError> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        match media {
            "application/merge-patch+json" | "application/strategic-merge-patch+json" => Ok(Self::Merge),
            "application/json-patch+json" => Ok(Self::Json),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Ok(Self::Apply),
            other => Err(ApiError::unsupported_media_type(
                other,
                &[
                    "application/json-patch+json",
                    "application/merge-patch+json",
                    "application/apply-patch+yaml",
                    "application/strategic-merge-patch+json",
                ],
            )),
        }
    }
}

/// Applies `body` to `current`, returning the patched object.
pub(crate) fn apply(kind: PatchKind, current: &Value, body: &[u8]) -> Result<Value, ApiError> {
    let mut doc = current.clone();
    match kind {
        PatchKind::Merge | PatchKind::Apply => {
            let patch = parse_object(body)?;
            json_patch::merge(&mut doc, &patch);
        }
        PatchKind::Json => {
            let ops: Vec<json_patch::PatchOperation> =
                serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("the JSON patch is not valid: {e}")))?;
            json_patch::patch(&mut doc, &ops)
                .map_err(|e| ApiError::new(422, "Invalid", format!("the JSON patch could not be applied: {e}")))?;
        }
    }
    if !doc.is_object() {
        return Err(ApiError::new(422, "Invalid", "the patched object is not a JSON object"));
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_and_json_patches() {
        let current = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"x": 1}});
        let merged = apply(PatchKind::Merge, &current, br#"{"metadata": {"labels": {"a": null, "c": "3"}}}"#).unwrap();
        assert_eq!(merged["metadata"]["labels"], json!({"b": "2", "c": "3"}));
        let patched = apply(
            PatchKind::Json,
            &current,
            br#"[{"op": "replace", "path": "/spec/x", "value": 2}, {"op": "add", "path": "/spec/y", "value": true}]"#,
        )
        .unwrap();
        assert_eq!(patched["spec"], json!({"x": 2, "y": true}));
        let failed = apply(PatchKind::Json, &current, br#"[{"op": "test", "path": "/spec/x", "value": 9}]"#).unwrap_err();
        assert_eq!(failed.code, 422);
        assert_eq!(apply(PatchKind::Json, &current, b"{").unwrap_err().code, 400);
        assert_eq!(PatchKind::from_content_type("text/plain").unwrap_err().code, 415);
        assert_eq!(PatchKind::from_content_type("application/apply-patch+yaml; charset=utf-8").unwrap(), PatchKind::Apply);
    }
}
