//! `meta.k8s.io/v1 Table` responses, so `kubectl get` prints the CRDs' printer columns.

use serde_json::{Value, json};

use super::resources::ResourceDef;
use crate::time::human_age;

/// Whether the client asked for a Table (`Accept: application/json;as=Table;…`).
pub(crate) fn wanted(accept: &str) -> bool {
    accept.split(',').next().is_some_and(|first| first.contains("as=Table"))
}

struct Column {
    name: String,
    kind: &'static str,
    cell: Box<dyn Fn(&Value) -> Value>,
}

fn columns(resource: &ResourceDef) -> Vec<Column> {
    let mut columns = vec![Column { name: "Name".into(), kind: "string", cell: Box::new(|o| o["metadata"]["name"].clone()) }];
    if resource.printer_columns.is_empty() {
        let field = |name: &str, path: &'static str| Column {
            name: name.into(),
            kind: "string",
            cell: Box::new(move |o| json!(render(jsonpath(o, path)))),
        };
        match resource.plural {
            "namespaces" | "pods" => columns.push(field("Status", ".status.phase")),
            "secrets" => {
                columns.push(field("Type", ".type"));
                columns.push(Column {
                    name: "Data".into(),
                    kind: "integer",
                    cell: Box::new(|o| json!(o["data"].as_object().map_or(0, |d| d.len()))),
                });
            }
            "events" => {
                columns.push(field("Type", ".type"));
                columns.push(field("Reason", ".reason"));
                columns.push(field("Object", ".involvedObject.name"));
                columns.push(field("Message", ".message"));
            }
            "virtualmachines" => columns.push(field("Status", ".status.printableStatus")),
            _ => {}
        }
        columns.push(Column {
            name: "Age".into(),
            kind: "string",
            cell: Box::new(|o| json!(human_age(o["metadata"]["creationTimestamp"].as_str().unwrap_or_default()))),
        });
    } else {
        for printer in &resource.printer_columns {
            let path = printer.json_path.clone();
            let is_date = printer.column_type == "date";
            columns.push(Column {
                name: printer.name.clone(),
                kind: "string",
                cell: Box::new(move |o| {
                    let value = jsonpath(o, &path);
                    match value {
                        Some(Value::String(s)) if is_date => json!(human_age(s)),
                        other => json!(render(other)),
                    }
                }),
            });
        }
    }
    columns
}

fn render(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The subset of kubectl JSONPath the Forklift printer columns use:
/// `.a.b`, `.a[0]` and `.a[?(@.k=='v')].b`.
fn jsonpath<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = root;
    let mut rest = path.trim_start_matches('.');
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let index = &after[..end];
            rest = after[end + 1..].trim_start_matches('.');
            if let Some(filter) = index.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')')) {
                let (key, wanted) = filter.split_once("==")?;
                let wanted = wanted.trim_matches(|c| c == '\'' || c == '"');
                current = current.as_array()?.iter().find(|item| item.get(key).and_then(Value::as_str) == Some(wanted))?;
            } else {
                current = current.get(index.parse::<usize>().ok()?)?;
            }
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            current = current.get(&rest[..end])?;
            rest = rest[end..].trim_start_matches('.');
        }
    }
    Some(current)
}

/// Renders objects as a Table.
pub(crate) fn table(resource: &ResourceDef, objects: &[&Value], resource_version: u64) -> Value {
    let columns = columns(resource);
    let definitions: Vec<Value> = columns
        .iter()
        .map(|c| {
            let format = if c.name == "Name" { "name" } else { "" };
            json!({"name": c.name, "type": c.kind, "format": format, "description": "", "priority": 0})
        })
        .collect();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let cells: Vec<Value> = columns.iter().map(|c| (c.cell)(o)).collect();
            json!({
                "cells": cells,
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]},
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version.to_string()},
        "columnDefinitions": definitions,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonpath_filters() {
        let plan = json!({"status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Executing", "status": "False"}]}, "spec": {"vms": [{"name": "a"}]}});
        assert_eq!(jsonpath(&plan, ".status.conditions[?(@.type=='Executing')].status"), Some(&json!("False")));
        assert_eq!(jsonpath(&plan, ".spec.vms[0].name"), Some(&json!("a")));
        assert_eq!(jsonpath(&plan, ".status.conditions[?(@.type=='Succeeded')].status"), None);
    }

    #[test]
    fn plan_table_uses_printer_columns() {
        let plans = crate::api::resources::get("forklift.konveyor.io", "plans");
        let plan = json!({"metadata": {"name": "p1", "creationTimestamp": "2020-01-01T00:00:00Z"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        let t = table(plans, &[&plan], 7);
        let names: Vec<&str> = t["columnDefinitions"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names[..3], ["Name", "READY", "EXECUTING"]);
        assert_eq!(t["rows"][0]["cells"][1], "True");
        assert!(t["rows"][0]["cells"].as_array().unwrap().last().unwrap().as_str().unwrap().ends_with('d'));
        assert!(wanted("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"));
        assert!(!wanted("application/json"));
    }
}
