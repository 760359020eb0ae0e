//! Asking JIRA, through the host: distinct keys in batches with one JQL
//! search each, per-issue requests where search is not allowed or a search
//! failed, retries on rate limits as urllib3 makes them. The host attaches
//! the credentials; this module never sees them.

use crate::issue::{FIELDS, Issue, RawIssue, SearchPage};
use crate::settings::Settings;
use mtv_plugin_sdk::http::{self, Response};
use mtv_plugin_sdk::log;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// What JIRA said about one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Issue),
    NotFound,
    /// JIRA could not be asked; the text says why.
    Unavailable(String),
}

/// Answers that are worth another try after a pause.
const RETRY_STATUSES: [u16; 3] = [413, 429, 503];
/// Search answers meaning "not allowed here": ask per issue instead.
const NO_SEARCH_STATUSES: [u16; 4] = [400, 403, 404, 405];
/// How much of an unexpected body an error message quotes.
const QUOTED_CHARS: usize = 80;

/// Why a request gave no usable answer.
enum Failure {
    /// JIRA is unreachable or unusable; `error_strategy` decides for every
    /// key not yet known.
    Unavailable(String),
    /// JIRA answered this one request with an unexpected status (a 500 for
    /// one issue): only the keys it asked about are affected.
    Answer(String),
    /// The host refused the request (origin not granted, bad URL): a
    /// configuration error that stops the run.
    Refused(String),
}

/// Every key's lookup, and the number of requests sent.
pub struct Fetched {
    pub lookups: BTreeMap<String, Lookup>,
    pub requests: u32,
}

/// Look up every key once. `Err` only when the host refuses the requests.
pub fn fetch(settings: &Settings, keys: &[String]) -> Result<Fetched, String> {
    let mut client = Client { settings, search_allowed: true, down: None, requests: 0 };
    let mut lookups = BTreeMap::new();
    for batch in keys.chunks(settings.search_batch_size) {
        for (key, lookup) in client.batch(batch)? {
            lookups.insert(key, lookup);
        }
    }
    Ok(Fetched { lookups, requests: client.requests })
}

struct Client<'a> {
    settings: &'a Settings,
    /// Cleared when JIRA refuses the search endpoint.
    search_allowed: bool,
    /// Set once JIRA is found unusable: later keys are not asked for.
    down: Option<String>,
    requests: u32,
}

impl Client<'_> {
    fn batch(&mut self, keys: &[String]) -> Result<Vec<(String, Lookup)>, String> {
        if self.search_allowed {
            match self.search(keys) {
                Ok(Some(mut found)) => {
                    // A key the search did not return does not exist (or is
                    // not visible with these credentials).
                    return Ok(keys.iter().map(|key| (key.clone(), found.remove(key).map_or(Lookup::NotFound, Lookup::Found))).collect());
                }
                Ok(None) => {
                    log::info("JIRA does not allow search here; asking for each issue instead");
                    self.search_allowed = false;
                }
                // As pytest-jira fails per issue, a failed search is
                // retried issue by issue before anything is given up.
                Err(Failure::Answer(why)) => log::warn(&format!("{why}; asking for each of its {} issues instead", keys.len())),
                Err(Failure::Unavailable(why)) => self.down = Some(why),
                Err(Failure::Refused(why)) => return Err(why),
            }
        }
        keys.iter().map(|key| Ok((key.clone(), self.issue(key)?))).collect()
    }

    /// One JQL search (paged if JIRA caps the page). `None` when JIRA does
    /// not allow the search endpoint.
    fn search(&mut self, keys: &[String]) -> Result<Option<BTreeMap<String, Issue>>, Failure> {
        if let Some(why) = &self.down {
            return Err(Failure::Unavailable(why.clone()));
        }
        let jql = format!("key in ({})", keys.iter().map(|key| quoted(key)).collect::<Vec<_>>().join(","));
        let mut found = BTreeMap::new();
        let mut start = 0;
        loop {
            let mut url = format!(
                "{}/rest/api/2/search?jql={}&fields={}&maxResults={}&validateQuery=warn",
                self.settings.url,
                encode(&jql),
                encode(FIELDS),
                keys.len()
            );
            if start > 0 {
                let _ = write!(url, "&startAt={start}");
            }
            let response = self.get(&url)?;
            match response.status {
                200 => {}
                status if start == 0 && NO_SEARCH_STATUSES.contains(&status) && !looks_like_html(&response) => return Ok(None),
                _ => return Err(unusable(&response, "/rest/api/2/search")),
            }
            let page: SearchPage = json(&response)?;
            let returned = page.issues.len();
            found.extend(page.issues.into_iter().map(|raw| (raw.key.clone(), Issue::from(raw))));
            start += returned;
            if returned == 0 || start >= page.total {
                return Ok(Some(found));
            }
        }
    }

    fn issue(&mut self, key: &str) -> Result<Lookup, String> {
        if let Some(why) = &self.down {
            return Ok(Lookup::Unavailable(why.clone()));
        }
        let url = format!("{}/rest/api/2/issue/{}?fields={}", self.settings.url, encode(key), encode(FIELDS));
        let answer = self.get(&url).and_then(|response| match response.status {
            200 => json::<RawIssue>(&response).map(|raw| Lookup::Found(raw.into())),
            404 if !looks_like_html(&response) => Ok(Lookup::NotFound),
            _ => Err(unusable(&response, "/rest/api/2/issue")),
        });
        match answer {
            Ok(lookup) => Ok(lookup),
            Err(Failure::Unavailable(why)) => {
                self.down = Some(why.clone());
                Ok(Lookup::Unavailable(why))
            }
            Err(Failure::Answer(why)) => Ok(Lookup::Unavailable(why)),
            Err(Failure::Refused(why)) => Err(why),
        }
    }

    /// A GET with retries on rate limits, overload and dropped connections:
    /// `connection_retry_total` retries after the first request, as urllib3.
    /// Timeouts are not retried: a JIRA that does not answer in time is down.
    fn get(&mut self, url: &str) -> Result<Response, Failure> {
        let retry = self.settings.retry;
        let mut tries: u32 = 0;
        loop {
            tries += 1;
            self.requests += 1;
            let request = http::request("GET", url).header("accept", "application/json");
            let (why, retry_after) = match http::send(&request) {
                Ok(response) if RETRY_STATUSES.contains(&response.status) => {
                    (format!("JIRA answered {}", status_text(response.status)), retry_after(&response))
                }
                Ok(response) => return Ok(response),
                Err(http::Error::Connection(why)) => (format!("cannot connect to {}: {why}", self.settings.url), None),
                Err(http::Error::Timeout) => return Err(Failure::Unavailable(format!("{} did not answer in time", self.settings.url))),
                Err(http::Error::Denied(why) | http::Error::Invalid(why)) => return Err(Failure::Refused(why)),
            };
            if tries > retry.retries {
                let times = if tries == 1 { "1 try".to_string() } else { format!("{tries} tries") };
                return Err(Failure::Unavailable(format!("{why} (gave up after {times})")));
            }
            let wait = retry.wait(tries, retry_after);
            log::warn(&format!("{why}; retry {tries} of {} in {:.1} s", retry.retries, wait.as_secs_f64()));
            std::thread::sleep(wait);
        }
    }
}

/// Why an answer that is neither data nor "not found" cannot be used.
/// Rejected credentials and login pages make JIRA unusable for every key;
/// any other status concerns this request only.
fn unusable(response: &Response, path: &str) -> Failure {
    match response.status {
        401 | 403 => Failure::Unavailable("JIRA rejected the credentials: check token in jira.cfg or PYTEST_JIRA_TOKEN".to_string()),
        _ if looks_like_html(response) => Failure::Unavailable(html_message(response)),
        status => Failure::Answer(format!("JIRA answered {} for {path}", status_text(status))),
    }
}

/// A key as a JQL string: `issue_regex` may accept characters JQL reads
/// as syntax.
fn quoted(key: &str) -> String {
    format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
}

fn json<T: serde::de::DeserializeOwned>(response: &Response) -> Result<T, Failure> {
    if looks_like_html(response) {
        return Err(Failure::Unavailable(html_message(response)));
    }
    serde_json::from_slice(&response.body).map_err(|e| {
        Failure::Unavailable(format!("JIRA answered something that is not the expected JSON ({e}): {}", quote(&response.body)))
    })
}

/// SSO proxies answer with a login page, often with status 200.
fn looks_like_html(response: &Response) -> bool {
    response.header("content-type").is_some_and(|t| t.to_ascii_lowercase().contains("html"))
        || response.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

fn html_message(response: &Response) -> String {
    format!("JIRA answered with HTML: check url/token ({})", quote(&response.body))
}

/// The start of a body on one line.
fn quote(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// `Retry-After` in seconds (the HTTP-date form falls back to the backoff).
fn retry_after(response: &Response) -> Option<Duration> {
    response.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs)
}

fn status_text(status: u16) -> String {
    let reason = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return status.to_string(),
    };
    format!("{status} {reason}")
}

/// Percent-encode everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jql_is_percent_encoded() {
        assert_eq!(encode("key in (A-1,B-2)"), "key%20in%20%28A-1%2CB-2%29");
    }

    #[test]
    fn jql_keys_are_quoted_strings() {
        assert_eq!(quoted("MTV-1"), "\"MTV-1\"");
        assert_eq!(quoted(r#"A-1",x\"#), r#""A-1\",x\\""#);
    }

    #[test]
    fn quotes_are_one_line_and_short() {
        let body = format!("<html>\n  <body>{}</body>", "x".repeat(200));
        let quoted = quote(body.as_bytes());
        assert!(quoted.starts_with("<html> <body>xx") && quoted.ends_with('…'), "{quoted}");
        assert_eq!(quoted.chars().count(), QUOTED_CHARS + 1);
    }
}
