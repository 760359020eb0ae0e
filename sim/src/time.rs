//! Timestamps in the form the Kubernetes API uses (RFC 3339, whole seconds, UTC).

use jiff::Timestamp;

/// Now, truncated to whole seconds like `metav1.Time`.
pub(crate) fn now() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Now as an RFC 3339 string, e.g. `2026-08-21T10:00:00Z`.
pub(crate) fn now_rfc3339() -> String {
    now().to_string()
}

/// Parses an RFC 3339 date-time (the OpenAPI `date-time` format).
pub(crate) fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

/// A short human age like kubectl prints: `45s`, `3m`, `2h`, `5d`.
pub(crate) fn human_age(since: &str) -> String {
    let Some(then) = parse_rfc3339(since) else {
        return "<unknown>".to_string();
    };
    let secs = (Timestamp::now().as_second() - then.as_second()).max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}
