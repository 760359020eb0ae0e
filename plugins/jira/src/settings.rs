//! The plugin's settings, under pytest-jira's `jira.cfg` key names. The host
//! fills the table from `jira.cfg` (secrets excluded) and the run config.

use regex::Regex;
use std::collections::BTreeSet;
use std::time::Duration;

/// What to do with a key JIRA does not know (`marker_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerStrategy {
    /// Treat the issue as unresolved.
    Open,
    /// Stop the run.
    Strict,
    /// Treat it as unresolved and say so in the run summary.
    Warn,
    /// Treat it as resolved.
    Ignore,
}

/// What to do when JIRA cannot be asked (`error_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStrategy {
    /// Stop the run.
    Strict,
    /// Skip the tests that depend on JIRA; everything else runs.
    Skip,
    /// Treat the issues as resolved.
    Ignore,
}

/// Retries on 413/429/503 and dropped connections, as urllib3's `Retry`
/// that pytest-jira configures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retry {
    /// Retries after the first request (`connection_retry_total`): one
    /// answer costs at most `retries + 1` requests.
    pub retries: u32,
    /// urllib3: no wait before the first retry, `factor * 2^(n-1)` seconds
    /// before retry n from the second on.
    pub backoff_factor: f64,
}

/// Longest backoff between two tries, as urllib3 caps it.
const MAX_BACKOFF: Duration = Duration::from_secs(120);

impl Retry {
    /// The wait before retry number `retry` (1-based): JIRA's `Retry-After`
    /// when it sent one, else the backoff; capped either way.
    pub fn wait(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = || {
            if retry <= 1 {
                return Duration::ZERO;
            }
            let seconds = self.backoff_factor * 2f64.powi(i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX));
            Duration::try_from_secs_f64(seconds).unwrap_or(MAX_BACKOFF)
        };
        retry_after.unwrap_or_else(backoff).min(MAX_BACKOFF)
    }
}

#[derive(Debug)]
pub struct Settings {
    /// Base URL without a trailing slash.
    pub url: String,
    /// Lower-cased status names that mean "resolved".
    pub resolved_statuses: BTreeSet<String>,
    /// Lower-cased resolutions a resolved issue must have; empty: any.
    pub resolved_resolutions: BTreeSet<String>,
    pub version: Option<String>,
    /// Trimmed unless `trim_components = false` (pytest-jira's untrimmed split).
    pub components: BTreeSet<String>,
    pub marker_strategy: MarkerStrategy,
    /// `run` for markers that do not set it.
    pub run_test_case: bool,
    /// The issue pattern, anchored at both ends.
    pub issue_regex: Regex,
    /// The pattern as written, for messages. Like pytest-jira's `re.match`,
    /// it is anchored at the start of a key only.
    pub issue_pattern: String,
    pub error_strategy: ErrorStrategy,
    pub retry: Retry,
    /// Keys whose tests run without asking JIRA (`--jira-force-run`).
    pub force_run: BTreeSet<String>,
    pub search_batch_size: usize,
}

const DEFAULT_ISSUE_PATTERN: &str = "[A-Z]+-[0-9]+";
const MAX_SEARCH_BATCH: u32 = 1000;
/// More retries than this only keeps a dead JIRA waited on.
const MAX_RETRIES: u32 = 100;

/// Keys this plugin reads.
const KNOWN: [&str; 14] = [
    "url",
    "resolved_statuses",
    "resolved_resolutions",
    "version",
    "components",
    "marker_strategy",
    "run_test_case",
    "issue_regex",
    "error_strategy",
    "connection_retry_total",
    "connection_retry_backoff_factor",
    "force_run",
    "search_batch_size",
    "trim_components",
];

/// pytest-jira keys that are accepted without a warning: the host acts on
/// them (`username`, `ssl_verification`), or they have no meaning here
/// (plans have no docstrings; the verdicts always carry the issue facts).
const HANDLED_ELSEWHERE: [&str; 4] = ["username", "ssl_verification", "docs_search", "return_jira_metadata"];

impl Settings {
    /// Parse the settings table. Every invalid value is reported at once;
    /// unknown keys become warnings.
    pub fn parse(entries: &[(String, String)]) -> Result<(Settings, Vec<String>), String> {
        let table = Table(entries);
        let url = table.url();
        let marker_strategy = table.choice(
            "marker_strategy",
            MarkerStrategy::Open,
            &[
                ("open", MarkerStrategy::Open),
                ("strict", MarkerStrategy::Strict),
                ("warn", MarkerStrategy::Warn),
                ("ignore", MarkerStrategy::Ignore),
            ],
        );
        let error_strategy = table.choice(
            "error_strategy",
            ErrorStrategy::Skip,
            &[("strict", ErrorStrategy::Strict), ("skip", ErrorStrategy::Skip), ("ignore", ErrorStrategy::Ignore)],
        );
        let run_test_case = table.boolean("run_test_case", true);
        let retries = table.number("connection_retry_total", 5, 0..=MAX_RETRIES);
        let trim_components = table.boolean("trim_components", true);
        let backoff_factor = table.backoff_factor(0.2);
        let search_batch_size = table.number("search_batch_size", 100, 1..=MAX_SEARCH_BATCH);
        let issue_pattern = table.text("issue_regex").unwrap_or(DEFAULT_ISSUE_PATTERN).to_string();
        let issue_regex = Regex::new(&format!("^(?:{issue_pattern})"))
            .map_err(|e| format!("jira setting `issue_regex` = '{issue_pattern}' is not a valid pattern: {e}"));

        let warnings = entries
            .iter()
            .filter(|(key, _)| !KNOWN.contains(&key.as_str()) && !HANDLED_ELSEWHERE.contains(&key.as_str()))
            .map(|(key, _)| format!("jira: ignoring unknown setting `{key}`"))
            .collect();
        let resolved_statuses = table.list("resolved_statuses", true);
        match (
            url,
            marker_strategy,
            error_strategy,
            run_test_case,
            retries,
            backoff_factor,
            search_batch_size,
            issue_regex,
            trim_components,
        ) {
            (
                Ok(url),
                Ok(marker_strategy),
                Ok(error_strategy),
                Ok(run_test_case),
                Ok(retries),
                Ok(backoff_factor),
                Ok(search_batch_size),
                Ok(issue_regex),
                Ok(trim_components),
            ) => {
                let settings = Settings {
                    url,
                    resolved_statuses: if resolved_statuses.is_empty() {
                        ["closed", "resolved"].map(String::from).into()
                    } else {
                        resolved_statuses
                    },
                    resolved_resolutions: table.list("resolved_resolutions", true),
                    version: table.text("version").map(str::to_string),
                    components: if trim_components { table.list("components", false) } else { table.untrimmed_list("components") },
                    marker_strategy,
                    run_test_case,
                    issue_regex,
                    issue_pattern,
                    error_strategy,
                    retry: Retry { retries, backoff_factor },
                    force_run: table.list("force_run", false),
                    search_batch_size: search_batch_size as usize,
                };
                Ok((settings, warnings))
            }
            (
                url,
                marker_strategy,
                error_strategy,
                run_test_case,
                retries,
                backoff_factor,
                search_batch_size,
                issue_regex,
                trim_components,
            ) => {
                let errors = [
                    url.err(),
                    marker_strategy.err(),
                    error_strategy.err(),
                    run_test_case.err(),
                    retries.err(),
                    backoff_factor.err(),
                    search_batch_size.err(),
                    issue_regex.err(),
                    trim_components.err(),
                ];
                Err(errors.into_iter().flatten().collect::<Vec<_>>().join("; "))
            }
        }
    }

    /// The issue's page, shown as the reason for a decision.
    pub fn browse_link(&self, key: &str) -> String {
        format!("{}/browse/{key}", self.url)
    }
}

/// Lookups in the raw table; blank values count as unset.
struct Table<'a>(&'a [(String, String)]);

impl Table<'_> {
    fn text(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    fn url(&self) -> Result<String, String> {
        let Some(url) = self.text("url") else {
            return Err("jira setting `url` is required: set `url` in jira.cfg or PYTEST_JIRA_URL".into());
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("jira setting `url` = '{url}' must start with https:// or http://"));
        }
        Ok(url.trim_end_matches('/').to_string())
    }

    fn choice<T: Copy>(&self, key: &str, default: T, choices: &[(&str, T)]) -> Result<T, String> {
        let Some(value) = self.text(key) else { return Ok(default) };
        choices.iter().find(|(name, _)| name.eq_ignore_ascii_case(value)).map(|(_, v)| *v).ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            format!("jira setting `{key}` = '{value}' must be one of: {}", names.join(", "))
        })
    }

    /// INI booleans, as configparser reads them.
    fn boolean(&self, key: &str, default: bool) -> Result<bool, String> {
        let Some(value) = self.text(key) else { return Ok(default) };
        match value.to_ascii_lowercase().as_str() {
            "1" | "yes" | "true" | "on" => Ok(true),
            "0" | "no" | "false" | "off" => Ok(false),
            _ => Err(format!("jira setting `{key}` = '{value}' must be true or false")),
        }
    }

    fn number(&self, key: &str, default: u32, range: std::ops::RangeInclusive<u32>) -> Result<u32, String> {
        let Some(value) = self.text(key) else { return Ok(default) };
        value
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| format!("jira setting `{key}` = '{value}' must be a whole number from {} to {}", range.start(), range.end()))
    }

    fn backoff_factor(&self, default: f64) -> Result<f64, String> {
        let Some(value) = self.text("connection_retry_backoff_factor") else { return Ok(default) };
        value
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .ok_or_else(|| format!("jira setting `connection_retry_backoff_factor` = '{value}' must be a number of seconds, 0 or more"))
    }

    /// pytest-jira's `set(value.split(','))`: entries keep their spaces.
    fn untrimmed_list(&self, key: &str) -> BTreeSet<String> {
        self.text(key).unwrap_or_default().split(',').filter(|item| !item.is_empty()).map(str::to_string).collect()
    }

    /// A comma-separated list, blanks dropped.
    fn list(&self, key: &str, lowercase: bool) -> BTreeSet<String> {
        let items = self.text(key).unwrap_or_default().split(',').map(str::trim).filter(|item| !item.is_empty());
        items.map(|item| if lowercase { item.to_lowercase() } else { item.to_string() }).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<(Settings, Vec<String>), String> {
        let entries: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::parse(&entries)
    }

    #[test]
    fn defaults_follow_pytest_jira() {
        let (settings, warnings) = parse(&[("url", "https://issues.example.com/")]).unwrap();
        assert_eq!(settings.url, "https://issues.example.com");
        assert_eq!(settings.resolved_statuses, ["closed", "resolved"].map(String::from).into());
        assert_eq!(settings.marker_strategy, MarkerStrategy::Open);
        assert_eq!(settings.error_strategy, ErrorStrategy::Skip);
        assert!(settings.run_test_case);
        assert_eq!(settings.retry, Retry { retries: 5, backoff_factor: 0.2 });
        assert_eq!(settings.search_batch_size, 100);
        assert!(settings.issue_regex.is_match("MTV-2846") && !settings.issue_regex.is_match("mtv-2846"));
        assert!(settings.issue_regex.is_match("MTV-2846x"), "re.match anchors at the start only");
        assert!(warnings.is_empty());
    }

    #[test]
    fn every_bad_value_is_reported_at_once() {
        let error = parse(&[("marker_strategy", "loud"), ("run_test_case", "maybe"), ("issue_regex", "(")]).unwrap_err();
        for part in ["`url` is required", "marker_strategy", "run_test_case", "issue_regex"] {
            assert!(error.contains(part), "{error}");
        }
    }

    #[test]
    fn unknown_keys_warn_and_pytest_jira_keys_handled_elsewhere_do_not() {
        let (_, warnings) = parse(&[("url", "http://j"), ("docs_search", "true"), ("colour", "red")]).unwrap();
        assert_eq!(warnings, ["jira: ignoring unknown setting `colour`"]);
    }

    #[test]
    fn backoff_follows_urllib3_retry_after_wins_and_both_are_capped() {
        let retry = Retry { retries: 5, backoff_factor: 0.5 };
        assert_eq!(retry.wait(1, None), Duration::ZERO, "urllib3 retries at once the first time");
        assert_eq!(retry.wait(2, None), Duration::from_secs(1));
        assert_eq!(retry.wait(3, None), Duration::from_secs(2));
        assert_eq!(retry.wait(40, None), MAX_BACKOFF);
        assert_eq!(retry.wait(3, Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(retry.wait(1, Some(Duration::from_secs(3600))), MAX_BACKOFF);
    }
}
