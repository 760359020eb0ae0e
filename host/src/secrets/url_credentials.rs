//! Credentials written into a URL (`https://user:password@host/`). The
//! sources that take a URL refuse them with an error that names the key
//! meant for them; before refusing, the password is registered with the
//! redactor, so the URL cannot leak through a message printed on the way.

use super::redactor::redactor;

/// The `user:password` part of `url`, when it has one: the text before the
/// last `@` of the authority. Works on text that is not a valid URL, and on
/// a host without a scheme (`admin:pw@vcenter.example.com`).
pub fn userinfo(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    authority.rfind('@').map(|at| &authority[..at])
}

/// Registers the password of `url` (and its whole `user:password` part) as
/// a secret. Returns whether the URL carries credentials.
pub fn register_url_credentials(url: &str) -> bool {
    let Some(userinfo) = userinfo(url) else {
        return false;
    };
    redactor().register(userinfo);
    if let Some((_, password)) = userinfo.split_once(':') {
        redactor().register(password);
        redactor().register(&percent_encoding::percent_decode_str(password).decode_utf8_lossy());
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_found_with_or_without_a_scheme() {
        assert_eq!(userinfo("https://admin:canary@host:8443/x@y"), Some("admin:canary"));
        assert_eq!(userinfo("admin:p@ss@vcenter.example.com"), Some("admin:p@ss"));
        assert_eq!(userinfo("https://host/path?user=a@b"), None);
        assert_eq!(userinfo("not a url"), None);
    }

    #[test]
    fn the_password_of_a_url_is_registered() {
        assert!(register_url_credentials("https://admin:canary-url-pw%2F77e1@host/"));
        let redacted = redactor().redact("canary-url-pw%2F77e1 canary-url-pw/77e1");
        assert!(!redacted.contains("canary-url-pw"), "{redacted}");
        assert!(!register_url_credentials("https://host/"));
    }
}
