//! Forklift-style conditions and small JSON helpers shared by the reconcilers.

use serde_json::{Map, Value, json};

pub(crate) const CRITICAL: &str = "Critical";
pub(crate) const REQUIRED: &str = "Required";
pub(crate) const ADVISORY: &str = "Advisory";

/// A condition with status "True" (Forklift only lists conditions that hold).
pub(crate) fn condition(kind: &str, category: &str, reason: &str, message: &str) -> Value {
    json!({
        "type": kind,
        "status": "True",
        "category": category,
        "reason": reason,
        "message": message,
        "lastTransitionTime": crate::time::now_rfc3339(),
    })
}

/// Like [`condition`], with the offending items listed (e.g. the VMs not found).
pub(crate) fn condition_with_items(kind: &str, category: &str, reason: &str, message: &str, items: &[String]) -> Value {
    let mut c = condition(kind, category, reason, message);
    c["items"] = json!(items);
    c
}

/// A durable condition: it stays after the state that set it is gone (plan results).
pub(crate) fn durable(mut c: Value) -> Value {
    c["durable"] = json!(true);
    c
}

fn kind_of(c: &Value) -> &str {
    c.get("type").and_then(Value::as_str).unwrap_or_default()
}

/// Replaces the conditions whose type `owned` accepts with `desired`. A condition
/// that already held with the same status keeps its `lastTransitionTime`, so
/// re-reconciling an unchanged object writes nothing.
pub(crate) fn set_conditions(status: &mut Value, owned: impl Fn(&str) -> bool, desired: Vec<Value>) {
    let existing: Vec<Value> = status.get("conditions").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut next: Vec<Value> = Vec::new();
    for old in &existing {
        if !owned(kind_of(old)) {
            next.push(old.clone());
        }
    }
    for mut new in desired {
        if let Some(old) = existing.iter().find(|o| kind_of(o) == kind_of(&new))
            && old.get("status") == new.get("status")
        {
            new["lastTransitionTime"] = old["lastTransitionTime"].clone();
        }
        next.push(new);
    }
    object(status).insert("conditions".into(), Value::Array(next));
}

/// Whether a condition of this type currently holds.
pub(crate) fn has_condition(obj: &Value, kind: &str) -> bool {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| cs.iter().any(|c| kind_of(c) == kind && c.get("status").and_then(Value::as_str) == Some("True")))
}

/// The map at `value`, turning anything else into an empty map first.
pub(crate) fn object(value: &mut Value) -> &mut Map<String, Value> {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    match value {
        Value::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}

/// The map under `key` of the map at `value`, created when missing.
pub(crate) fn child<'a>(value: &'a mut Value, key: &str) -> &'a mut Value {
    let map = object(value);
    let entry = map.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry
}

/// A string field, or "".
pub(crate) fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_conditions_keep_their_transition_time() {
        let mut status = json!({"conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2020-01-01T00:00:00Z", "category": "Required"},
            {"type": "Executing", "status": "True", "lastTransitionTime": "2020-01-01T00:00:00Z", "category": "Advisory"}
        ]});
        set_conditions(&mut status, |t| t != "Executing", vec![condition("Ready", REQUIRED, "Completed", "ready")]);
        let conditions = status["conditions"].as_array().unwrap();
        assert_eq!(conditions.len(), 2);
        assert_eq!(conditions[1]["lastTransitionTime"], "2020-01-01T00:00:00Z");
        assert!(has_condition(&json!({"status": status.clone()}), "Executing"));
        set_conditions(&mut status, |_| true, vec![]);
        assert!(status["conditions"].as_array().unwrap().is_empty());
    }
}
