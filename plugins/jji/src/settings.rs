//! The plugin's settings table. The host fills it from `JJI_*` (see
//! `mtv_host::enrich`); the defaults here match the host's so a hand-written
//! `[[plugins]]` entry behaves the same.

use mtv_plugin_sdk::{log, settings};

pub const DEFAULT_AI_PROVIDER: &str = "claude";
/// The exact model string the test suite has always sent.
pub const DEFAULT_AI_MODEL: &str = "claude-opus-4-6[1m]";
pub const DEFAULT_TIMEOUT_SECS: u32 = 600;

pub struct Settings {
    /// Without a trailing `/`.
    pub server_url: String,
    pub ai_provider: String,
    pub ai_model: String,
    pub timeout_ms: u32,
}

impl Settings {
    /// The settings, or why the plugin cannot run.
    pub fn load() -> Result<Settings, String> {
        let server_url = non_empty("server_url")
            .ok_or("the `server_url` setting is not set: no JJI server to send the report to")?
            .trim_end_matches('/')
            .to_string();
        let timeout_secs = match non_empty("timeout_secs") {
            None => DEFAULT_TIMEOUT_SECS,
            Some(text) => parse_timeout(&text).unwrap_or_else(|| {
                log::warn(&format!("timeout_secs '{text}' is not a positive number of seconds; using {DEFAULT_TIMEOUT_SECS}"));
                DEFAULT_TIMEOUT_SECS
            }),
        };
        Ok(Settings {
            server_url,
            ai_provider: non_empty("ai_provider").unwrap_or_else(|| DEFAULT_AI_PROVIDER.into()),
            ai_model: non_empty("ai_model").unwrap_or_else(|| DEFAULT_AI_MODEL.into()),
            timeout_ms: timeout_secs.saturating_mul(1000),
        })
    }

    pub fn endpoint(&self) -> String {
        format!("{}/analyze-failures", self.server_url)
    }
}

fn non_empty(key: &str) -> Option<String> {
    settings::get(key).filter(|value| !value.trim().is_empty())
}

fn parse_timeout(text: &str) -> Option<u32> {
    text.trim().parse::<u32>().ok().filter(|secs| *secs > 0)
}

#[cfg(test)]
mod tests {
    use super::parse_timeout;

    #[test]
    fn timeouts_are_positive_whole_seconds() {
        assert_eq!(parse_timeout(" 30 "), Some(30));
        assert_eq!(parse_timeout("0"), None);
        assert_eq!(parse_timeout("-5"), None);
        assert_eq!(parse_timeout("ten"), None);
    }
}
