//! Label and field selectors, as sent in `labelSelector` / `fieldSelector`.

use serde_json::Value;

use super::errors::ApiError;
use super::resources::ResourceDef;

#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    /// Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let mut requirements = Vec::new();
        for term in split_terms(text) {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            requirements.push(
                parse_term(term)
                    .ok_or_else(|| ApiError::bad_request(format!("unable to parse requirement: invalid label selector term {term:?}")))?,
            );
        }
        Ok(LabelSelector(requirements))
    }

    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels");
        let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        self.0.iter().all(|req| match req {
            Requirement::Equals(k, v) => label(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => label(k) != Some(v.as_str()),
            Requirement::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::NotIn(k, vs) => label(k).is_none_or(|l| vs.iter().all(|v| v != l)),
            Requirement::Exists(k) => label(k).is_some(),
            Requirement::DoesNotExist(k) => label(k).is_none(),
        })
    }
}

/// Splits on commas that are not inside `( … )`.
fn split_terms(text: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&text[start..]);
    terms
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn valid_value(value: &str) -> bool {
    value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn parse_set(text: &str) -> Option<Vec<String>> {
    let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
    (!values.is_empty() && values.iter().all(|v| valid_value(v))).then_some(values)
}

fn parse_term(term: &str) -> Option<Requirement> {
    if let Some(key) = term.strip_prefix('!') {
        let key = key.trim();
        return valid_key(key).then(|| Requirement::DoesNotExist(key.to_string()));
    }
    for (op, make) in
        [("!=", Requirement::NotEquals as fn(String, String) -> Requirement), ("==", Requirement::Equals), ("=", Requirement::Equals)]
    {
        if let Some((key, value)) = term.split_once(op) {
            let (key, value) = (key.trim(), value.trim());
            return (valid_key(key) && valid_value(value)).then(|| make(key.to_string(), value.to_string()));
        }
    }
    let mut words = term.splitn(2, char::is_whitespace);
    let key = words.next()?.trim();
    let rest = words.next().map(str::trim).unwrap_or_default();
    if !valid_key(key) {
        return None;
    }
    if rest.is_empty() {
        return Some(Requirement::Exists(key.to_string()));
    }
    if let Some(set) = rest.strip_prefix("notin") {
        return parse_set(set).map(|vs| Requirement::NotIn(key.to_string(), vs));
    }
    if let Some(set) = rest.strip_prefix("in") {
        return parse_set(set).map(|vs| Requirement::In(key.to_string(), vs));
    }
    None
}

/// A parsed field selector: `field=value` / `field!=value` terms on allowed fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    pub fn parse(text: &str, resource: &ResourceDef) -> Result<Self, ApiError> {
        let mut terms = Vec::new();
        for term in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (field, equal, value) = if let Some((f, v)) = term.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, true, v)
            } else {
                return Err(ApiError::bad_request(format!("invalid selector: '{text}'; can't understand '{term}'")));
            };
            let field = field.trim();
            let known = matches!(field, "metadata.name" | "metadata.namespace") || resource.field_selectors.contains(&field);
            if !known {
                return Err(ApiError::bad_request(format!("field label not supported: {field}")));
            }
            terms.push((field.to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector(terms))
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(field, equal, value)| {
            let pointer = format!("/{}", field.replace('.', "/"));
            let actual = match obj.pointer(&pointer) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Object(o)) if field == "source" => o.get("component").and_then(Value::as_str).unwrap_or_default().to_string(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (actual == *value) == *equal
        })
    }
}

/// Both selectors of a list or watch request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selectors {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Selectors {
    pub fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(obj) && self.fields.matches(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(labels: Value) -> Value {
        json!({"metadata": {"name": "n1", "namespace": "ns", "labels": labels}})
    }

    #[test]
    fn label_selector_operators() {
        let o = obj(json!({"app": "mtv", "tier": "1"}));
        let yes = ["app=mtv", "app==mtv", "app!=x", "tier in (1,2)", "tier notin (3)", "app", "!missing", "app=mtv,tier in (1)", ""];
        for s in yes {
            assert!(LabelSelector::parse(s).unwrap().matches(&o), "{s} should match");
        }
        let no = ["app=x", "app!=mtv", "tier in (2,3)", "tier notin (1)", "missing", "!app", "missing notin (a)x"];
        for s in no {
            assert!(!LabelSelector::parse(s).map(|sel| sel.matches(&o)).unwrap_or(false), "{s} should not match");
        }
        assert!(LabelSelector::parse("missing notin (a)").unwrap().matches(&o));
        assert!(LabelSelector::parse("a in b").is_err());
        assert!(LabelSelector::parse("a=b c").is_err());
    }

    #[test]
    fn field_selector_allows_known_fields_only() {
        let secrets = crate::api::resources::get("", "secrets");
        let o = obj(json!({}));
        assert!(FieldSelector::parse("metadata.name=n1", secrets).unwrap().matches(&o));
        assert!(!FieldSelector::parse("metadata.name!=n1", secrets).unwrap().matches(&o));
        assert!(FieldSelector::parse("metadata.namespace==ns,metadata.name=n1", secrets).unwrap().matches(&o));
        assert!(FieldSelector::parse("spec.foo=bar", secrets).is_err());
        let events = crate::api::resources::get("", "events");
        let ev = json!({"involvedObject": {"kind": "Plan", "name": "p"}, "source": {"component": "forklift"}});
        assert!(FieldSelector::parse("involvedObject.kind=Plan,source=forklift", events).unwrap().matches(&ev));
    }
}
