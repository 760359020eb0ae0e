//! OpenShift's OAuth challenge login, the way `oc login -u USER -p PASSWORD`
//! uses it: the discovery document at `/.well-known/oauth-authorization-server`,
//! then `/oauth/authorize` with HTTP Basic credentials, answered by a
//! redirect whose fragment carries the bearer token. Served only when the
//! simulator is started with a login ([`SimConfig::login`](crate::SimConfig::login)).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use super::{App, constant_time_eq};

/// The client `oc` uses for username/password logins.
const CHALLENGING_CLIENT: &str = "openshift-challenging-client";

/// The one user who may log in; a login hands out the app's token.
#[derive(Debug, Clone)]
pub(crate) struct Login {
    pub username: String,
    pub password: String,
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
    if query.get("response_type").map(String::as_str) != Some("token")
        || query.get("client_id").map(String::as_str) != Some(CHALLENGING_CLIENT)
    {
        return (StatusCode::BAD_REQUEST, "only response_type=token for client_id=openshift-challenging-client is served").into_response();
    }
    if headers.get("x-csrf-token").is_none_or(|v| v.is_empty()) {
        return (StatusCode::UNAUTHORIZED, "A non-empty X-CSRF-Token header is required to receive basic-auth challenges").into_response();
    }
    let accepted = basic_credentials(&headers)
        .is_some_and(|(user, password)| user == login.username && constant_time_eq(password.as_bytes(), login.password.as_bytes()));
    if !accepted {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"openshift\"")], "").into_response();
    }
    let location =
        format!("{}/oauth/token/implicit#access_token={}&expires_in=86400&scope=user%3Afull&token_type=Bearer", base_url(&app), token);
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// `Authorization: Basic base64(user:password)`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}
