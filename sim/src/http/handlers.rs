//! The Kubernetes API verbs: get, list, watch, create, update, patch, delete.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::routes::{self, ResourcePath, Target};
use super::{App, discovery, inventory_api, watch};
use crate::api::admission::{self, FieldValidation, Part};
use crate::api::errors::ApiError;
use crate::api::patch::{self, PatchKind};
use crate::api::selectors::{FieldSelector, LabelSelector, Selectors};
use crate::api::table;
use crate::stats::Verb;
use crate::store::Object;

/// Request bodies larger than this are refused (the API server's limit is 3 MiB).
const MAX_BODY: usize = 3 * 1024 * 1024;

/// Query parameters, last value wins.
pub(crate) struct Query(HashMap<String, String>);

impl Query {
    fn parse(query: Option<&str>) -> Query {
        Query(form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }

    fn selectors(&self, path: &ResourcePath) -> Result<Selectors, ApiError> {
        Ok(Selectors {
            labels: LabelSelector::parse(self.get("labelSelector").unwrap_or_default())?,
            fields: FieldSelector::parse(self.get("fieldSelector").unwrap_or_default(), path.resource)?,
        })
    }

    fn dry_run(&self) -> bool {
        self.get("dryRun") == Some("All")
    }
}

fn json_response(code: StatusCode, body: &Value, warnings: &[String]) -> Response {
    let mut response = (code, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response();
    for warning in warnings {
        if let Ok(value) = HeaderValue::from_str(&format!("299 - {warning:?}")) {
            response.headers_mut().append(header::WARNING, value);
        }
    }
    response
}

/// Entry point for every Kubernetes API path.
pub(crate) async fn kube_api(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(inventory_path) = inventory_api::proxied_path(parts.uri.path()) {
        return inventory_api::serve(&app, &parts.method, inventory_path, parts.uri.query(), &parts.headers).await;
    }
    let query = Query::parse(parts.uri.query());
    let Some(target) = routes::parse(parts.uri.path()) else {
        app.counters.count_discovery();
        return ApiError::not_found_path().into_response();
    };
    let verb = match &target {
        Target::Resource(path) => {
            let verb = verb_of(&parts.method, path, &query);
            app.counters.count_resource(verb.unwrap_or(Verb::Get), path.resource.plural);
            verb
        }
        _ => {
            app.counters.count_discovery();
            None
        }
    };
    if let Err(e) = app.authorize(&parts.headers) {
        return e.into_response();
    }
    let latency = app.scenario.api_latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let result = match target {
        Target::Resource(path) => {
            let Some(verb) = verb else {
                return ApiError::method_not_allowed(format!("{} is not supported on this path", parts.method)).into_response();
            };
            if let Some((code, message)) = app.scenario.take_fault(verb.name(), path.resource.plural) {
                return ApiError::injected(code, message.as_deref()).into_response();
            }
            let body = match axum::body::to_bytes(body, MAX_BODY).await {
                Ok(bytes) => bytes,
                Err(_) => return ApiError::new(413, "RequestEntityTooLarge", "the request body is too large").into_response(),
            };
            resource_call(&app, verb, path, &query, &parts.headers, body).await
        }
        Target::Version => Ok(json_response(StatusCode::OK, &discovery::version(), &[])),
        Target::CoreVersions => Ok(json_response(StatusCode::OK, &discovery::core_versions(&app.server_address), &[])),
        Target::GroupList => Ok(json_response(StatusCode::OK, &discovery::group_list(), &[])),
        Target::Group(group) => {
            discovery::group(&group).map(|d| json_response(StatusCode::OK, &d, &[])).ok_or_else(ApiError::not_found_path)
        }
        Target::ResourceList { group, version } => {
            discovery::resource_list(&group, &version).map(|d| json_response(StatusCode::OK, &d, &[])).ok_or_else(ApiError::not_found_path)
        }
        Target::VmPower { namespace, name, action } => {
            if parts.method != Method::PUT {
                return ApiError::method_not_allowed(format!("{} is not supported on this path", parts.method)).into_response();
            }
            crate::controller::power_vm(&app.store, &namespace, &name, action).map(|()| (StatusCode::ACCEPTED, "").into_response())
        }
        Target::OpenApiIndex => Ok(json_response(StatusCode::OK, &discovery::openapi_index(), &[])),
        Target::OpenApiGroupVersion(path) => {
            discovery::openapi_group_version(&path).map(|d| json_response(StatusCode::OK, &d, &[])).ok_or_else(ApiError::not_found_path)
        }
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn verb_of(method: &Method, path: &ResourcePath, query: &Query) -> Option<Verb> {
    let has_name = path.name.is_some();
    match *method {
        Method::GET if !has_name && (path.watch || query.flag("watch")) => Some(Verb::Watch),
        Method::GET if has_name && path.watch => None,
        Method::GET if has_name => Some(Verb::Get),
        Method::GET => Some(Verb::List),
        Method::POST if !has_name && !path.status => Some(Verb::Create),
        Method::PUT if has_name => Some(Verb::Update),
        Method::PATCH if has_name => Some(Verb::Patch),
        Method::DELETE if !path.status => Some(Verb::Delete),
        _ => None,
    }
}

async fn resource_call(
    app: &App,
    verb: Verb,
    path: ResourcePath,
    query: &Query,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    // Writes to a namespaced collection need the namespace; an all-namespaces URL only lists and watches.
    if path.resource.namespaced && path.namespace.is_none() && !matches!(verb, Verb::List | Verb::Watch) {
        return Err(ApiError::method_not_allowed("the namespace is required for this request"));
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let wants_table = table::wanted(accept);
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    match verb {
        Verb::Get => get(app, &path, wants_table),
        Verb::List => list(app, &path, query, wants_table),
        Verb::Watch => watch::start(app, &path, query.selectors(&path)?, query, wants_table),
        Verb::Create => create(app, &path, query, admission::parse_body(path.resource, content_type, &body)?),
        Verb::Update => update(app, &path, query, admission::parse_body(path.resource, content_type, &body)?),
        Verb::Patch => patch(app, &path, query, PatchKind::from_content_type(content_type)?, body),
        Verb::Delete if path.name.is_some() => delete(app, &path, query),
        Verb::Delete => delete_collection(app, &path, query),
    }
}

fn namespace(path: &ResourcePath) -> &str {
    path.namespace.as_deref().unwrap_or_default()
}

fn name(path: &ResourcePath) -> &str {
    path.name.as_deref().unwrap_or_default()
}

fn get(app: &App, path: &ResourcePath, wants_table: bool) -> Result<Response, ApiError> {
    let object =
        app.store.get(path.resource, namespace(path), name(path)).ok_or_else(|| ApiError::not_found(&path.resource.subject(name(path))))?;
    if wants_table {
        let rv = app.store.current_rv();
        return Ok(json_response(StatusCode::OK, &table::table(path.resource, &[&object], rv), &[]));
    }
    Ok(json_response(StatusCode::OK, &object, &[]))
}

fn matching(app: &App, path: &ResourcePath, selectors: &Selectors) -> (Vec<Object>, u64) {
    let (items, rv) = app.store.list(path.resource, path.namespace.as_deref());
    (items.into_iter().filter(|o| selectors.matches(o)).collect(), rv)
}

fn list(app: &App, path: &ResourcePath, query: &Query, wants_table: bool) -> Result<Response, ApiError> {
    let selectors = query.selectors(path)?;
    let (items, rv) = matching(app, path, &selectors);
    let refs: Vec<&Value> = items.iter().map(AsRef::as_ref).collect();
    if wants_table {
        return Ok(json_response(StatusCode::OK, &table::table(path.resource, &refs, rv), &[]));
    }
    let body = json!({
        "kind": path.resource.list_kind(),
        "apiVersion": path.resource.api_version(),
        "metadata": {"resourceVersion": rv.to_string()},
        "items": refs,
    });
    Ok(json_response(StatusCode::OK, &body, &[]))
}

fn field_validation(query: &Query) -> Result<FieldValidation, ApiError> {
    FieldValidation::parse(query.get("fieldValidation"))
}

fn create(app: &App, path: &ResourcePath, query: &Query, obj: Value) -> Result<Response, ApiError> {
    let admitted = admission::admit_create(path.resource, namespace(path), obj, field_validation(query)?)?;
    let stored = if query.dry_run() {
        app.store.try_create(path.resource, admitted.object)?
    } else {
        app.store.create(path.resource, admitted.object)?
    };
    Ok(json_response(StatusCode::CREATED, &stored, &admitted.warnings))
}

fn part(path: &ResourcePath) -> Part {
    if path.status { Part::Status } else { Part::Main }
}

/// Runs an admitted read-modify-write, or only computes it for `dryRun=All`.
fn write(
    app: &App,
    path: &ResourcePath,
    query: &Query,
    change: impl FnOnce(&Object) -> Result<admission::Admitted, ApiError>,
) -> Result<Response, ApiError> {
    let mut warnings = Vec::new();
    let admit = |current: &Object| {
        change(current).map(|admitted| {
            warnings = admitted.warnings;
            admitted.object
        })
    };
    let object = if query.dry_run() {
        let current = app
            .store
            .get(path.resource, namespace(path), name(path))
            .ok_or_else(|| ApiError::not_found(&path.resource.subject(name(path))))?;
        Arc::new(admit(&current)?)
    } else {
        app.store.update(path.resource, namespace(path), name(path), admit)?
    };
    Ok(json_response(StatusCode::OK, &object, &warnings))
}

fn update(app: &App, path: &ResourcePath, query: &Query, obj: Value) -> Result<Response, ApiError> {
    let validation = field_validation(query)?;
    write(app, path, query, |current| admission::admit_update(path.resource, current, obj, part(path), validation))
}

fn patch(app: &App, path: &ResourcePath, query: &Query, kind: PatchKind, body: Bytes) -> Result<Response, ApiError> {
    let validation = field_validation(query)?;
    let exists = app.store.get(path.resource, namespace(path), name(path)).is_some();
    if !exists && kind == PatchKind::Apply && !path.status {
        // Server-side apply of a missing object creates it.
        let mut obj = admission::parse_object(&body)?;
        obj["metadata"]["name"] = json!(name(path));
        return create(app, path, query, obj);
    }
    write(app, path, query, |current| {
        let patched = patch::apply(kind, current, &body)?;
        admission::admit_update(path.resource, current, patched, part(path), validation)
    })
}

fn delete(app: &App, path: &ResourcePath, query: &Query) -> Result<Response, ApiError> {
    let object = if query.dry_run() {
        app.store.get(path.resource, namespace(path), name(path)).ok_or_else(|| ApiError::not_found(&path.resource.subject(name(path))))?
    } else {
        app.store.delete(path.resource, namespace(path), name(path))?
    };
    Ok(json_response(StatusCode::OK, &object, &[]))
}

fn delete_collection(app: &App, path: &ResourcePath, query: &Query) -> Result<Response, ApiError> {
    let selectors = query.selectors(path)?;
    let (items, rv) = matching(app, path, &selectors);
    let mut deleted = Vec::new();
    for item in items {
        let ns = item["metadata"]["namespace"].as_str().unwrap_or_default();
        let n = item["metadata"]["name"].as_str().unwrap_or_default();
        if query.dry_run() {
            deleted.push(item.clone());
        } else if let Ok(object) = app.store.delete(path.resource, ns, n) {
            deleted.push(object);
        }
    }
    let refs: Vec<&Value> = deleted.iter().map(AsRef::as_ref).collect();
    let body = json!({
        "kind": path.resource.list_kind(),
        "apiVersion": path.resource.api_version(),
        "metadata": {"resourceVersion": rv.to_string()},
        "items": refs,
    });
    Ok(json_response(StatusCode::OK, &body, &[]))
}

/// Wraps a watch event stream as a chunked JSON response.
pub(crate) fn stream_response(body: Body) -> Response {
    let mut response = Response::new(body);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
