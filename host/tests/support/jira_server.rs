//! A JIRA REST API v2 double on loopback, for the JIRA gate's tests: the
//! endpoints pytest-jira and the gate use, a required bearer token, and the
//! faults real deployments show (rate limits, overload, SSO login pages,
//! disabled search, slow answers). It counts requests per endpoint and
//! records the `Authorization` header of each.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// An issue the server knows.
#[derive(Debug, Clone)]
pub struct Issue {
    pub key: String,
    pub status: String,
    pub resolution: Option<String>,
    pub components: Vec<String>,
    pub versions: Vec<String>,
    pub fix_versions: Vec<String>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Issue {
    pub fn new(key: &str, status: &str) -> Issue {
        Issue { key: key.into(), status: status.into(), resolution: None, components: vec![], versions: vec![], fix_versions: vec![] }
    }

    pub fn resolution(mut self, name: &str) -> Issue {
        self.resolution = Some(name.into());
        self
    }

    pub fn components(mut self, list: &[&str]) -> Issue {
        self.components = names(list);
        self
    }

    /// Affected versions.
    pub fn versions(mut self, list: &[&str]) -> Issue {
        self.versions = names(list);
        self
    }

    pub fn fix_versions(mut self, list: &[&str]) -> Issue {
        self.fix_versions = names(list);
        self
    }

    /// The `fields` object, limited to `wanted` (JIRA's `fields` parameter).
    fn fields(&self, wanted: Option<&str>) -> Value {
        let named = |list: &[String]| list.iter().map(|name| json!({ "name": name })).collect::<Vec<_>>();
        let all = [
            ("status", json!({ "name": self.status })),
            ("resolution", self.resolution.as_ref().map_or(Value::Null, |name| json!({ "name": name }))),
            ("components", json!(named(&self.components))),
            ("versions", json!(named(&self.versions))),
            ("fixVersions", json!(named(&self.fix_versions))),
            ("summary", json!(format!("Summary of {}", self.key))),
        ];
        let wanted: Option<Vec<&str>> = wanted.filter(|w| !w.contains("*all")).map(|w| w.split(',').map(str::trim).collect());
        let fields = all.into_iter().filter(|(name, _)| wanted.as_ref().is_none_or(|w| w.contains(name)));
        Value::Object(fields.map(|(name, value)| (name.to_string(), value)).collect())
    }

    fn json(&self, wanted: Option<&str>) -> Value {
        json!({ "key": self.key, "fields": self.fields(wanted) })
    }
}

/// Faults and timing the server plays.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    /// The first N requests answer 429 with `Retry-After: retry_after_secs`.
    pub rate_limited: u32,
    pub retry_after_secs: u32,
    /// The N requests after those answer 503 without `Retry-After`.
    pub unavailable: u32,
    /// Every request gets an SSO login page: 200, `text/html`.
    pub html_login: bool,
    /// `/search` answers 403, as when an admin turned it off.
    pub search_disabled: bool,
    /// Most issues one search page holds (JIRA Cloud: 100); 1000 if unset.
    pub page_limit: Option<usize>,
    /// Added before issue and search answers (a slow JIRA).
    pub slow_answers: Duration,
    /// Added before every answer, faults included (network latency).
    pub latency: Duration,
    /// `/search` answers 500, as when one JQL query trips a JIRA bug.
    pub search_fails: bool,
    /// Issues whose own endpoint answers 500.
    pub broken_issues: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    Issue,
    Search,
    Myself,
    MyPermissions,
}

struct Shared {
    token: String,
    issues: BTreeMap<String, Issue>,
    scenario: Scenario,
    served: AtomicU32,
    counts: Mutex<BTreeMap<Endpoint, usize>>,
    authorizations: Mutex<Vec<Option<String>>>,
}

/// A running server; stopped when dropped.
pub struct JiraServer {
    pub url: String,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl JiraServer {
    /// Serve `issues` on a free loopback port, accepting only
    /// `Authorization: Bearer <token>`.
    pub fn start(token: &str, issues: impl IntoIterator<Item = Issue>, scenario: Scenario) -> JiraServer {
        let shared = Arc::new(Shared {
            token: token.to_string(),
            issues: issues.into_iter().map(|issue| (issue.key.clone(), issue)).collect(),
            scenario,
            served: AtomicU32::new(0),
            counts: Mutex::default(),
            authorizations: Mutex::default(),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let app = Router::new()
            .route("/rest/api/2/issue/{key}", get(issue))
            .route("/rest/api/2/search", get(search))
            .route("/rest/api/2/myself", get(myself))
            .route("/rest/api/2/mypermissions", get(my_permissions))
            .with_state(Arc::clone(&shared));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                // Dropping the server future closes the listener; dropping the
                // runtime closes open connections: afterwards, connecting is
                // refused.
                tokio::select! {
                    served = axum::serve(listener, app).into_future() => served.expect("JIRA double failed"),
                    _ = stopped => {}
                }
            });
        });
        JiraServer { url, shared, shutdown: Some(shutdown), thread: Some(thread) }
    }

    /// Stop serving; the port refuses connections afterwards.
    pub fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Requests received on one endpoint, answered or refused.
    pub fn requests(&self, endpoint: Endpoint) -> usize {
        self.shared.counts.lock().unwrap().get(&endpoint).copied().unwrap_or(0)
    }

    pub fn total_requests(&self) -> usize {
        self.shared.counts.lock().unwrap().values().sum()
    }

    /// An `https://127.0.0.1:…` address serving this server over TLS, with
    /// the certificate of `tests/tls/` (signed by its test CA, `ca.pem`).
    /// Each connection carries one request.
    pub fn tls_front(&self) -> String {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use std::io::{BufRead, BufReader, Read, Write};
        // Self-contained: benches include this file on its own.
        let tls_file = |name: &str| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tls").join(name);
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(tls_file("server.pem")).unwrap().collect::<Result<_, _>>().unwrap();
        let key = PrivateKeyDer::from_pem_file(tls_file("server.key")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let config = Arc::new(config);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let front = format!("https://{}", listener.local_addr().unwrap());
        let backend = self.url.trim_start_matches("http://").to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (config, backend) = (config.clone(), backend.clone());
                std::thread::spawn(move || {
                    let Ok(connection) = rustls::ServerConnection::new(config) else { return };
                    let mut tls = rustls::StreamOwned::new(connection, stream);
                    let mut head = String::new();
                    let mut reader = BufReader::new(&mut tls);
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        head.push_str(&line);
                    }
                    if head.is_empty() {
                        return; // the client gave up, e.g. on an untrusted certificate
                    }
                    let Ok(mut plain) = std::net::TcpStream::connect(&backend) else { return };
                    let head: String =
                        head.lines().filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).map(|l| format!("{l}\r\n")).collect();
                    let _ = plain.write_all(format!("{head}connection: close\r\n\r\n").as_bytes());
                    let mut answer = Vec::new();
                    let _ = plain.read_to_end(&mut answer);
                    let _ = tls.write_all(&answer);
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
        front
    }

    /// The `Authorization` header of every request, in arrival order.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.shared.authorizations.lock().unwrap().clone()
    }
}

impl Drop for JiraServer {
    fn drop(&mut self) {
        self.stop();
    }
}

const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Log in - Corporate SSO</title></head>\n<body><form action=\"/login\">Username <input name=\"user\"></form></body></html>";

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "errorMessages": [message], "errors": {} }))).into_response()
}

/// Record the request, play the scenario's faults, check the token.
async fn admit(shared: &Shared, endpoint: Endpoint, headers: &HeaderMap) -> Result<(), Response> {
    let authorization = headers.get(header::AUTHORIZATION).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    shared.authorizations.lock().unwrap().push(authorization.clone());
    *shared.counts.lock().unwrap().entry(endpoint).or_default() += 1;
    let nth = shared.served.fetch_add(1, Ordering::SeqCst);
    let scenario = &shared.scenario;
    tokio::time::sleep(scenario.latency).await;
    if nth < scenario.rate_limited {
        let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded");
        response.headers_mut().insert(header::RETRY_AFTER, scenario.retry_after_secs.into());
        return Err(response);
    }
    if nth < scenario.rate_limited + scenario.unavailable {
        return Err(error(StatusCode::SERVICE_UNAVAILABLE, "JIRA is restarting"));
    }
    if scenario.html_login {
        return Err((StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], LOGIN_PAGE).into_response());
    }
    if authorization.as_deref() != Some(format!("Bearer {}", shared.token).as_str()) {
        return Err(error(StatusCode::UNAUTHORIZED, "You are not authenticated. Authentication required to perform this operation."));
    }
    if matches!(endpoint, Endpoint::Issue | Endpoint::Search) {
        tokio::time::sleep(scenario.slow_answers).await;
    }
    Ok(())
}

async fn issue(
    State(shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = admit(&shared, Endpoint::Issue, &headers).await {
        return refused;
    }
    if shared.scenario.broken_issues.contains(&key) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
    }
    match shared.issues.get(&key) {
        Some(issue) => axum::Json(issue.json(query.get("fields").map(String::as_str))).into_response(),
        None => error(StatusCode::NOT_FOUND, "Issue Does Not Exist"),
    }
}

/// The one JQL shape the gate sends: `key in (A-1, "B-2")`.
fn keys_in(jql: &str) -> Option<Vec<String>> {
    let (field, rest) = jql.trim().split_once(char::is_whitespace)?;
    let list = rest.trim_start().strip_prefix("in")?.trim().strip_prefix('(')?.strip_suffix(')')?;
    field.eq_ignore_ascii_case("key").then(|| list.split(',').map(|key| key.trim().trim_matches('"').to_string()).collect())
}

async fn search(State(shared): State<Arc<Shared>>, Query(query): Query<BTreeMap<String, String>>, headers: HeaderMap) -> Response {
    if let Err(refused) = admit(&shared, Endpoint::Search, &headers).await {
        return refused;
    }
    if shared.scenario.search_disabled {
        return error(StatusCode::FORBIDDEN, "Search is disabled on this instance");
    }
    if shared.scenario.search_fails {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
    }
    let Some(keys) = query.get("jql").and_then(|jql| keys_in(jql)) else {
        return error(StatusCode::BAD_REQUEST, "Error in the JQL Query: this double understands only `key in (...)`");
    };
    let unknown: Vec<&String> = keys.iter().filter(|key| !shared.issues.contains_key(*key)).collect();
    let lenient = query.get("validateQuery").is_some_and(|v| v == "warn" || v == "none");
    if !lenient && let Some(key) = unknown.first() {
        // Real JIRA rejects the whole query unless asked to only warn.
        return error(StatusCode::BAD_REQUEST, &format!("An issue with key '{key}' does not exist for field 'key'."));
    }
    let number = |name: &str, default: usize| query.get(name).and_then(|v| v.parse::<usize>().ok()).unwrap_or(default);
    let (start, page) = (number("startAt", 0), number("maxResults", 50).min(shared.scenario.page_limit.unwrap_or(1000)));
    let mut found: Vec<&Issue> = keys.iter().filter_map(|key| shared.issues.get(key)).collect();
    found.sort_by(|a, b| a.key.cmp(&b.key));
    found.dedup_by(|a, b| a.key == b.key);
    let fields = query.get("fields").map(String::as_str);
    let issues: Vec<Value> = found.iter().skip(start).take(page).map(|issue| issue.json(fields)).collect();
    let warnings: Vec<String> = unknown.iter().map(|key| format!("An issue with key '{key}' does not exist for field 'key'.")).collect();
    axum::Json(json!({ "startAt": start, "maxResults": page, "total": found.len(), "issues": issues, "warningMessages": warnings }))
        .into_response()
}

async fn myself(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(refused) = admit(&shared, Endpoint::Myself, &headers).await {
        return refused;
    }
    axum::Json(json!({ "name": "mtv-ci", "displayName": "MTV CI", "active": true })).into_response()
}

async fn my_permissions(State(shared): State<Arc<Shared>>, Query(query): Query<BTreeMap<String, String>>, headers: HeaderMap) -> Response {
    if let Err(refused) = admit(&shared, Endpoint::MyPermissions, &headers).await {
        return refused;
    }
    let asked = query.get("permissions").map_or("BROWSE_PROJECTS", String::as_str);
    let permissions: serde_json::Map<String, Value> =
        asked.split(',').map(|name| (name.to_string(), json!({ "key": name, "havePermission": true }))).collect();
    axum::Json(json!({ "permissions": permissions })).into_response()
}
