//! The `JJI_*` environment variables, resolved by the rules the test suite
//! has always followed. Read from an [`Env`] snapshot, never the process,
//! so the rules are testable; the caller overlays `.env` first when
//! `--analyze-with-ai` is given (see `secrets::load_dotenv`).

use crate::secrets::Env;

pub const DEFAULT_AI_PROVIDER: &str = "claude";
/// The exact model string the test suite has always sent.
pub const DEFAULT_AI_MODEL: &str = "claude-opus-4-6[1m]";
pub const DEFAULT_TIMEOUT_SECS: u32 = 600;

/// The one warning when the feature turns itself off, worded as the test
/// suite words it so existing log searches still match.
pub const SERVER_URL_UNSET: &str = "JJI_SERVER_URL is not set. Analyze with AI features will be disabled.";

/// Whether AI analysis runs, and with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JjiSettings {
    Enabled {
        config: JjiConfig,
        warnings: Vec<String>,
    },
    /// The run goes on without analysis; show the warning once.
    Disabled {
        warning: String,
    },
}

/// Where and how to ask JJI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JjiConfig {
    /// `JJI_SERVER_URL` without a trailing `/`.
    pub server_url: String,
    /// `scheme://host[:port]` of the server: the plugin's only HTTP grant.
    pub origin: String,
    pub ai_provider: String,
    pub ai_model: String,
    pub timeout_secs: u32,
}

impl JjiSettings {
    pub fn from_env(env: &Env) -> JjiSettings {
        // Empty counts as unset, as in the suite (`if not os.environ.get(…)`).
        let Some(raw_url) = env.non_empty("JJI_SERVER_URL") else {
            return JjiSettings::Disabled { warning: SERVER_URL_UNSET.to_string() };
        };
        let server_url = raw_url.trim().trim_end_matches('/').to_string();
        let origin = match check_url(&server_url) {
            Ok(origin) => origin,
            Err(warning) => return JjiSettings::Disabled { warning },
        };
        let mut warnings = Vec::new();
        let timeout_secs = match env.non_empty("JJI_TIMEOUT") {
            None => DEFAULT_TIMEOUT_SECS,
            Some(text) => parse_timeout(text).unwrap_or_else(|| {
                warnings.push(format!("JJI_TIMEOUT '{text}' is not a positive whole number of seconds; using {DEFAULT_TIMEOUT_SECS}"));
                DEFAULT_TIMEOUT_SECS
            }),
        };
        let config = JjiConfig {
            server_url,
            origin,
            ai_provider: env.non_empty("JJI_AI_PROVIDER").unwrap_or(DEFAULT_AI_PROVIDER).to_string(),
            ai_model: env.non_empty("JJI_AI_MODEL").unwrap_or(DEFAULT_AI_MODEL).to_string(),
            timeout_secs,
        };
        JjiSettings::Enabled { config, warnings }
    }

    /// Lines to show the user before the run.
    pub fn warnings(&self) -> Vec<&str> {
        match self {
            JjiSettings::Enabled { warnings, .. } => warnings.iter().map(String::as_str).collect(),
            JjiSettings::Disabled { warning } => vec![warning.as_str()],
        }
    }
}

/// `ftp://user:pw@host/x` → `ftp://host/x`: a URL that is not used is still
/// echoed in a warning, but never with the credentials it carries.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

fn parse_timeout(text: &str) -> Option<u32> {
    text.trim().parse::<u32>().ok().filter(|secs| *secs > 0)
}

/// The origin of the server URL, as grants are written, or the warning
/// that turns the feature off.
fn check_url(url: &str) -> Result<String, String> {
    let disabled = "Analyze with AI features will be disabled.";
    let parsed =
        url::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()));
    let Some(parsed) = parsed else {
        return Err(format!("JJI_SERVER_URL '{}' is not an http:// or https:// URL. {disabled}", without_userinfo(url)));
    };
    // The plugin reads its settings: a password in the URL would reach it.
    // The value is left out of the warning for the same reason.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!("JJI_SERVER_URL carries credentials (user:password@); remove them from the URL. {disabled}"));
    }
    Ok(parsed.origin().ascii_serialization())
}
