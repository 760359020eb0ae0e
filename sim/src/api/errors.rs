//! Kubernetes `Status` failures: every error the API returns has this shape.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use forklift_crds::FieldError;

/// A failed API call, rendered as a `v1 Status` body with the matching HTTP code.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

/// The object an error is about, for `Status.details`.
pub(crate) struct Subject<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub plural: &'a str,
    pub name: &'a str,
}

impl Subject<'_> {
    /// `plans.forklift.konveyor.io` or `secrets` (core group), as the API server spells it.
    fn qualified_resource(&self) -> String {
        if self.group.is_empty() { self.plural.to_string() } else { format!("{}.{}", self.plural, self.group) }
    }

    fn details(&self) -> Value {
        json!({"name": self.name, "group": self.group, "kind": self.plural})
    }
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError { code, reason, message: message.into(), details: None }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn not_found_path() -> Self {
        Self::new(404, "NotFound", "the server could not find the requested resource")
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    /// 415 for a body in a media type the endpoint does not read, naming those it does.
    pub fn unsupported_media_type(content_type: &str, accepted: &[&str]) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}; got {content_type:?}",
                accepted.join(", ")
            ),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    pub fn not_found(subject: &Subject<'_>) -> Self {
        ApiError {
            code: 404,
            reason: "NotFound",
            message: format!("{} {:?} not found", subject.qualified_resource(), subject.name),
            details: Some(subject.details()),
        }
    }

    pub fn namespace_not_found(namespace: &str) -> Self {
        Self::not_found(&Subject { group: "", kind: "Namespace", plural: "namespaces", name: namespace })
    }

    pub fn already_exists(subject: &Subject<'_>) -> Self {
        ApiError {
            code: 409,
            reason: "AlreadyExists",
            message: format!("{} {:?} already exists", subject.qualified_resource(), subject.name),
            details: Some(subject.details()),
        }
    }

    pub fn conflict(subject: &Subject<'_>) -> Self {
        ApiError {
            code: 409,
            reason: "Conflict",
            message: format!(
                "Operation cannot be fulfilled on {} {:?}: the object has been modified; please apply your changes to the latest version and try again",
                subject.qualified_resource(),
                subject.name
            ),
            details: Some(subject.details()),
        }
    }

    /// 422 Invalid with one cause per field error, like the API server's validation.
    pub fn invalid(subject: &Subject<'_>, errors: &[FieldError]) -> Self {
        let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let summary = match listed.as_slice() {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        let qualified_kind =
            if subject.group.is_empty() { subject.kind.to_string() } else { format!("{}.{}", subject.kind, subject.group) };
        let causes: Vec<Value> =
            errors.iter().map(|e| json!({"reason": e.kind.reason(), "message": e.message(), "field": e.field})).collect();
        ApiError {
            code: 422,
            reason: "Invalid",
            message: format!("{qualified_kind} {:?} is invalid: {summary}", subject.name),
            details: Some(json!({"name": subject.name, "group": subject.group, "kind": subject.kind, "causes": causes})),
        }
    }

    /// A failure chosen by the scenario's request faults; the reason follows the code.
    pub fn injected(code: u16, message: Option<&str>) -> Self {
        let reason = match code {
            400 => "BadRequest",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "NotFound",
            409 => "Conflict",
            410 => "Expired",
            422 => "Invalid",
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            504 => "Timeout",
            _ => "InternalError",
        };
        Self::new(code, reason, message.unwrap_or("injected fault (sim scenario)"))
    }

    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// The `Status` object itself (also used inside watch ERROR events).
    pub fn status_body(&self) -> Value {
        let mut body = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            body["details"] = details.clone();
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.status_body().to_string();
        (code, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}
