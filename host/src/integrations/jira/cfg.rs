//! `jira.cfg`, read the way pytest-jira reads it, so an existing file keeps
//! working: INI with one `[DEFAULT]` section; several files read in order,
//! later ones winning per key; `PYTEST_JIRA_*` variables winning over files.
//!
//! The parser is a small one of our own rather than a general INI crate
//! because it must follow Python's `configparser` (no escape sequences, `=`
//! or `:` separators, full-line `#`/`;` comments, lower-cased keys, indented
//! continuation lines, duplicates rejected, `%` interpolation across the
//! files read) and report the line of every problem.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::plugins::OriginTls;
use crate::secrets::{
    BoundedReadError, Env, MAX_JIRA_CFG_BYTES, SecretValue, Source, did_you_mean, origin_of, read_text, register_url_credentials, size_text,
};

pub const JIRA_CFG: &str = "jira.cfg";
const DEFAULT_SECTION: &str = "DEFAULT";

/// The keys pytest-jira reads from `[DEFAULT]`.
pub const JIRA_KEYS: &[&str] = &[
    "url",
    "username",
    "password",
    "token",
    "ssl_verification",
    "components",
    "version",
    "marker_strategy",
    "docs_search",
    "issue_regex",
    "resolved_statuses",
    "resolved_resolutions",
    "run_test_case",
    "error_strategy",
    "connection_retry_total",
    "connection_retry_backoff_factor",
    "return_jira_metadata",
];

/// Variables that win over every file, by key.
pub const JIRA_ENV_OVERRIDES: &[(&str, &str)] = &[
    ("url", "PYTEST_JIRA_URL"),
    ("username", "PYTEST_JIRA_USERNAME"),
    ("password", "PYTEST_JIRA_PASSWORD"),
    ("token", "PYTEST_JIRA_TOKEN"),
];

/// The files pytest-jira reads, in order: `/etc/jira.cfg`, the project
/// root's, the home directory's, the working directory's.
pub fn jira_cfg_paths(project_root: &Path) -> Vec<PathBuf> {
    let mut paths = vec![Path::new("/etc").join(JIRA_CFG), project_root.join(JIRA_CFG)];
    if let Some(home) = dirs::home_dir() {
        paths.push(home.join(JIRA_CFG));
    }
    paths.push(Path::new(".").join(JIRA_CFG));
    paths
}

#[derive(Debug, thiserror::Error)]
pub enum JiraCfgError {
    #[error("cannot read {}: {source}", .path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("{}:{line}: {problem}", .path.display())]
    Malformed { path: PathBuf, line: usize, problem: String },
    #[error("{} is larger than {}; a jira.cfg holds a handful of keys: check the file", .path.display(), size_text(MAX_JIRA_CFG_BYTES))]
    TooLarge { path: PathBuf },
    /// `url` (from a file, with its line, or from `PYTEST_JIRA_URL`) cannot be used.
    #[error("{from}: {problem}")]
    BadUrl { from: Source, problem: String },
}

/// The merged JIRA settings.
#[derive(Clone, Debug, Default)]
pub struct JiraSettings {
    pub url: Option<String>,
    pub username: Option<String>,
    pub password: Option<SecretValue>,
    pub token: Option<SecretValue>,
    /// The other `[DEFAULT]` keys (`resolved_statuses`, `error_strategy`, …).
    pub other: BTreeMap<String, String>,
    /// Where each set key came from.
    pub sources: BTreeMap<String, Source>,
    /// The files considered, in reading order, whether or not they exist.
    pub searched: Vec<PathBuf>,
    /// Keys and sections that were ignored.
    pub warnings: Vec<String>,
    /// `ssl_verification`: how the certificate of `url`'s origin is checked
    /// when not against the system roots.
    pub origin_tls: Option<OriginTls>,
}

impl JiraSettings {
    /// The `Authorization` header value, as pytest-jira 0.3.22 (the version
    /// the original suite pins) sends it: `Bearer <token>` whenever a token
    /// is set, a username notwithstanding (0.3.24 sends Basic instead);
    /// HTTP Basic for a username with a password; none for anonymous access.
    pub fn authorization(&self) -> Option<SecretValue> {
        match (&self.username, &self.token, &self.password) {
            (_, Some(token), _) => Some(SecretValue::new(format!("Bearer {}", token.expose()))),
            (Some(username), None, Some(secret)) => {
                // Registered on its own too: the encoded part may be logged
                // without its "Basic " prefix.
                let credentials = SecretValue::new(STANDARD.encode(format!("{username}:{}", secret.expose())));
                Some(SecretValue::new(format!("Basic {}", credentials.expose())))
            }
            _ => None,
        }
    }

    /// The origin (`https://issues.example.com`) of `url`, to match it
    /// against the origin a plugin sends a request to.
    pub fn origin(&self) -> Option<String> {
        origin_of(self.url.as_deref()?)
    }

    /// Where `key` would be read from, for `secrets explain`.
    pub fn where_from(&self, key: &str) -> String {
        let files = self.searched.iter().map(|path| path.display().to_string()).collect::<Vec<_>>();
        let files = if files.is_empty() { JIRA_CFG.to_owned() } else { files.join(", ") };
        match env_override(key) {
            Some(var) => format!("{var} or `{key}` in [DEFAULT] of {files}"),
            None => format!("`{key}` in [DEFAULT] of {files}"),
        }
    }
}

pub(crate) fn env_override(key: &str) -> Option<&'static str> {
    JIRA_ENV_OVERRIDES.iter().find(|(name, _)| *name == key).map(|(_, var)| *var)
}

/// Reads `paths` in order (missing files are skipped), then applies the
/// `PYTEST_JIRA_*` variables of `env`. Empty values count as unset.
pub fn load_jira_settings(paths: &[PathBuf], env: &Env) -> Result<JiraSettings, JiraCfgError> {
    let mut merged: BTreeMap<String, (String, Source)> = BTreeMap::new();
    let mut warnings = Vec::new();
    for path in paths {
        let text = match read_text(path, MAX_JIRA_CFG_BYTES) {
            Ok(text) => text,
            Err(BoundedReadError::Io(error)) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(BoundedReadError::Io(source)) => {
                return Err(JiraCfgError::Unreadable { path: path.clone(), source });
            }
            Err(BoundedReadError::TooLarge) => return Err(JiraCfgError::TooLarge { path: path.clone() }),
        };
        let parsed = parse_ini(path, &text)?;
        warnings.extend(parsed.warnings);
        for (key, (value, line)) in parsed.defaults {
            let source = Source::File { path: path.clone(), key_path: key.clone(), line: Some(line) };
            merged.insert(key, (value, source));
        }
    }
    let mut merged = interpolated(merged)?;
    for (key, var) in JIRA_ENV_OVERRIDES {
        if let Some(value) = env.non_empty(var) {
            merged.insert((*key).to_owned(), (value.to_owned(), Source::Env { var: (*var).to_owned() }));
        }
    }

    if let Some((url, source)) = merged.get("url").filter(|(url, _)| !url.is_empty()) {
        check_url(url).map_err(|problem| JiraCfgError::BadUrl { from: source.clone(), problem })?;
    }
    let origin_tls = match merged.get("ssl_verification") {
        Some((value, source)) => ssl_verification(value, source)?,
        None => None,
    };
    let mut settings = JiraSettings { searched: paths.to_vec(), warnings, origin_tls, ..JiraSettings::default() };
    for (key, (value, source)) in merged {
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "url" => settings.url = Some(value),
            "username" => settings.username = Some(value),
            "password" => settings.password = Some(SecretValue::new(value)),
            "token" => settings.token = Some(SecretValue::new(value)),
            _ => {
                settings.other.insert(key.clone(), value);
            }
        }
        settings.sources.insert(key, source);
    }
    if settings.origin_tls == Some(OriginTls::SkipVerify) {
        let origin = settings.origin().unwrap_or_else(|| "the JIRA server".to_owned());
        settings.warnings.push(format!(
            "jira.cfg ssl_verification = False: the certificate of {origin} is not checked (that origin only); anyone on the path can read the JIRA token"
        ));
    }
    Ok(settings)
}

/// The JIRA server URL must be an http(s) URL without credentials in it:
/// the host attaches them from `token`, `username` and `password`.
fn check_url(url: &str) -> Result<(), String> {
    if register_url_credentials(url) {
        return Err("the URL carries credentials (user:password@); remove them from it and set `username` with `token` \
                    (or `password`) in jira.cfg, or PYTEST_JIRA_USERNAME with PYTEST_JIRA_TOKEN"
            .to_owned());
    }
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some_and(|host| !host.is_empty()) => Ok(()),
        _ => Err(format!("'{url}' is not an http:// or https:// URL; set it to the JIRA server, such as https://issues.redhat.com")),
    }
}

/// `ssl_verification` as requests' `verify` reads it: a configparser
/// boolean, or the path of a CA bundle (relative to the file that sets it).
fn ssl_verification(value: &str, source: &Source) -> Result<Option<OriginTls>, JiraCfgError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" | "" => return Ok(None),
        "0" | "no" | "false" | "off" => return Ok(Some(OriginTls::SkipVerify)),
        _ => {}
    }
    let (file, line) = match source {
        Source::File { path, line, .. } => (path.clone(), line.unwrap_or(0)),
        _ => (PathBuf::from(JIRA_CFG), 0),
    };
    let bundle = file.parent().unwrap_or(Path::new(".")).join(value.trim());
    if !bundle.is_file() {
        return Err(JiraCfgError::Malformed {
            path: file,
            line,
            problem: format!(
                "ssl_verification = '{value}' is neither true/false nor a readable CA bundle file ({} does not exist)",
                bundle.display()
            ),
        });
    }
    Ok(Some(OriginTls::CaBundle(bundle)))
}

/// References nested deeper than this are an error, as in configparser.
const MAX_INTERPOLATION_DEPTH: usize = 10;

/// Python `configparser`'s `BasicInterpolation` over the values read from
/// files: `%%` is a literal `%`, `%(key)s` another `[DEFAULT]` value (of any
/// file read), and any other `%` an error. Variables are not interpolated,
/// as in pytest-jira, which reads them from the environment directly.
fn interpolated(files: BTreeMap<String, (String, Source)>) -> Result<BTreeMap<String, (String, Source)>, JiraCfgError> {
    let mut done = BTreeMap::new();
    for (key, (_, source)) in &files {
        let value = interpolate(key, &files, 0).map_err(|problem| match source {
            Source::File { path, line, .. } => JiraCfgError::Malformed {
                path: path.clone(),
                line: line.unwrap_or(0),
                problem: format!("`{key}`: {problem} (Python's configparser reads `%` specially: write `%%` for a literal %)"),
            },
            _ => JiraCfgError::Malformed { path: PathBuf::from(JIRA_CFG), line: 0, problem: format!("`{key}`: {problem}") },
        })?;
        done.insert(key.clone(), (value, source.clone()));
    }
    Ok(done)
}

/// One value with its references expanded. Messages never quote the value:
/// it may be a token.
fn interpolate(key: &str, files: &BTreeMap<String, (String, Source)>, depth: usize) -> Result<String, String> {
    if depth > MAX_INTERPOLATION_DEPTH {
        return Err(format!("`%(...)s` references nest more than {MAX_INTERPOLATION_DEPTH} deep"));
    }
    let Some((raw, _)) = files.get(key) else {
        return Err(format!("refers to `%({key})s`, which no [DEFAULT] section sets"));
    };
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw.as_str();
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
        } else if let Some(reference) = after.strip_prefix('(') {
            let Some(close) = reference.find(")s") else {
                return Err("has a `%(` without a closing `)s`".to_owned());
            };
            out.push_str(&interpolate(&reference[..close].to_lowercase(), files, depth + 1)?);
            rest = &reference[close + 2..];
        } else {
            return Err("has a `%` not followed by `%` or `(`".to_owned());
        }
    }
    out.push_str(rest);
    Ok(out)
}

struct ParsedIni {
    /// `[DEFAULT]` keys with their value and line.
    defaults: BTreeMap<String, (String, usize)>,
    warnings: Vec<String>,
}

fn parse_ini(path: &Path, text: &str) -> Result<ParsedIni, JiraCfgError> {
    let malformed = |line: usize, problem: String| JiraCfgError::Malformed { path: path.to_path_buf(), line, problem };
    let mut parsed = ParsedIni { defaults: BTreeMap::new(), warnings: Vec::new() };
    let mut seen_sections: BTreeMap<String, usize> = BTreeMap::new();
    let mut section: Option<String> = None;
    let mut section_keys: BTreeMap<String, usize> = BTreeMap::new();
    // The key an indented line continues: `Some(None)` for a key of a
    // section that is ignored, so its continuation is ignored too.
    let mut continuing: Option<Option<String>> = None;

    for (index, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continuing = None;
            continue;
        }
        if raw.starts_with([' ', '\t'])
            && let Some(key) = &continuing
        {
            if let Some((value, _)) = key.as_ref().and_then(|key| parsed.defaults.get_mut(key)) {
                value.push('\n');
                value.push_str(trimmed);
            }
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            let Some(name) = header.strip_suffix(']') else {
                return Err(malformed(line, "a section header must look like [DEFAULT]".to_owned()));
            };
            if let Some(first) = seen_sections.insert(name.to_owned(), line) {
                return Err(malformed(line, format!("section [{name}] appears twice (first on line {first})")));
            }
            if name != DEFAULT_SECTION {
                parsed.warnings.push(format!("{}:{line}: section [{name}] is ignored; JIRA settings belong in [DEFAULT]", path.display()));
            }
            section = Some(name.to_owned());
            section_keys.clear();
            continuing = None;
            continue;
        }
        let Some(separator) = trimmed.find(['=', ':']) else {
            return Err(malformed(line, "expected `key = value`".to_owned()));
        };
        let key = trimmed[..separator].trim().to_lowercase();
        let value = trimmed[separator + 1..].trim().to_owned();
        if key.is_empty() {
            return Err(malformed(line, "a key is missing before the separator".to_owned()));
        }
        let Some(current) = &section else {
            return Err(malformed(line, format!("`{key}` comes before any section header; put [DEFAULT] above it")));
        };
        if let Some(first) = section_keys.insert(key.clone(), line) {
            return Err(malformed(line, format!("`{key}` is set twice in [{current}] (first on line {first})")));
        }
        if current != DEFAULT_SECTION {
            continuing = Some(None);
            continue;
        }
        if !JIRA_KEYS.contains(&key.as_str()) {
            parsed.warnings.push(format!(
                "{}:{line}: `{key}` is not a jira.cfg key and is ignored{}; known keys: {}",
                path.display(),
                did_you_mean(&key, JIRA_KEYS.iter().copied()),
                JIRA_KEYS.join(", ")
            ));
        }
        parsed.defaults.insert(key.clone(), (value, line));
        continuing = Some(Some(key));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ParsedIni, JiraCfgError> {
        parse_ini(Path::new("jira.cfg"), text)
    }

    #[test]
    fn configparser_syntax() {
        let parsed = parse(
            "\u{feff}# comment\n[DEFAULT]\nURL = https://issues.example.com\n\
             token: abc=def;ghi\ncomponents = a,\n  b\n; another comment\n",
        )
        .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(parsed.defaults["url"], ("https://issues.example.com".to_owned(), 3));
        assert_eq!(parsed.defaults["token"].0, "abc=def;ghi");
        assert_eq!(parsed.defaults["components"].0, "a,\nb");
    }

    fn load(text: &str) -> Result<JiraSettings, JiraCfgError> {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = dir.path().join(JIRA_CFG);
        std::fs::write(&path, text).unwrap_or_else(|error| panic!("{error}"));
        load_jira_settings(&[path], &Env::from_pairs(Vec::<(String, String)>::new()))
    }

    #[test]
    fn percent_is_interpolated_as_configparser_does() {
        let settings = load("[DEFAULT]\nurl = https://j\ntoken = ab%%cd\nversion = %(base)s.1\nbase = 2.%(minor)s\nminor = 10\n")
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(settings.token.as_ref().map(|t| t.expose().to_owned()).as_deref(), Some("ab%cd"));
        assert_eq!(settings.other.get("version").map(String::as_str), Some("2.10.1"));
        for (text, line, needle) in [
            ("[DEFAULT]\nurl = https://j\ntoken = ab%cd-canary-77\n", 3, "`token`: has a `%` not followed"),
            ("[DEFAULT]\nversion = %(nowhere)s\n", 2, "`%(nowhere)s`"),
            ("[DEFAULT]\nversion = %(version)s\n", 2, "nest more than 10"),
        ] {
            match load(text) {
                Err(error @ JiraCfgError::Malformed { line: got, .. }) => {
                    let message = error.to_string();
                    assert_eq!(got, line, "{message}");
                    assert!(message.contains(needle) && message.contains("write `%%`"), "{message}");
                    assert!(!message.contains("canary"), "a value never appears: {message}");
                }
                other => panic!("{text:?}: expected a malformed error, got {:?}", other.map(|_| ())),
            }
        }
    }

    #[test]
    fn other_sections_are_ignored_with_a_warning() {
        let parsed = parse("[DEFAULT]\nurl = a\n[other]\nurl = b\n  continued\n").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(parsed.defaults["url"].0, "a");
        assert!(parsed.warnings[0].contains("[other]"), "{:?}", parsed.warnings);
    }

    #[test]
    fn problems_name_the_line() {
        let cases = [
            ("url = a\n", 1, "put [DEFAULT] above it"),
            ("[DEFAULT]\nurl = a\nthis line has no separator\n", 3, "expected `key = value`"),
            ("[DEFAULT]\nurl = a\nURL = b\n", 3, "set twice"),
            ("[DEFAULT\n", 1, "section header"),
            ("[DEFAULT]\n= value\n", 2, "key is missing"),
        ];
        for (text, line, needle) in cases {
            match parse(text) {
                Err(JiraCfgError::Malformed { line: got, problem, .. }) => {
                    assert_eq!(got, line, "{text:?}");
                    assert!(problem.contains(needle), "{problem}");
                }
                other => panic!("{text:?}: expected a malformed error, got {:?}", other.map(|_| ())),
            }
        }
    }
}
