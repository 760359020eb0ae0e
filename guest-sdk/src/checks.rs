//! Value checks vendor plugins share. Plain Rust, testable natively.

use std::net::Ipv4Addr;

/// The non-sensitive values the host passes to `validate`.
pub struct Values(Vec<(String, String)>);

impl Values {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Values(pairs)
    }

    /// Every (config key, value) pair, as the host passed them.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The value of a config key, if set and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, v)| k == key && !v.is_empty()).map(|(_, v)| v.as_str())
    }
}

/// Whether `text` contains a dotted-quad IPv4 address anywhere
/// (`10.0.0.1`, `https://10.0.0.1:443`).
pub fn contains_ipv4(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.')).any(|token| token.parse::<Ipv4Addr>().is_ok())
}

/// Whether `text` is a URL with a scheme, a host and an explicit port
/// (`https://10.0.0.1:8080`).
pub fn is_url_with_scheme_and_port(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let Some((host, port)) = authority.rsplit_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !host.is_empty()
        && !port.is_empty()
        && port.parse::<u16>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_found_in_plain_and_url_forms() {
        assert!(contains_ipv4("10.0.0.1"));
        assert!(contains_ipv4("https://192.168.1.20:443/api"));
        assert!(!contains_ipv4("storage.example.com"));
        assert!(!contains_ipv4("300.1.1.1"));
    }

    #[test]
    fn url_needs_scheme_host_and_port() {
        assert!(is_url_with_scheme_and_port("https://10.0.0.1:8080"));
        assert!(is_url_with_scheme_and_port("https://array.example.com:8080/api/v1"));
        assert!(!is_url_with_scheme_and_port("10.0.0.1:8080"));
        assert!(!is_url_with_scheme_and_port("https://10.0.0.1"));
        assert!(!is_url_with_scheme_and_port("https://10.0.0.1:port"));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let values = Values::new(vec![("a".into(), "".into()), ("b".into(), "x".into())]);
        assert_eq!(values.get("a"), None);
        assert_eq!(values.get("b"), Some("x"));
    }
}
