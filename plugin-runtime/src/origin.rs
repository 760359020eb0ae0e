//! The one origin normaliser: grants, host-attached credentials and the
//! broker's per-origin lookups all compare origins in this form.

/// `https://Issues.Example.com:443/x` → `https://issues.example.com`, the
/// form origins are compared in; `None` for text without one.
pub fn origin_of(url: &str) -> Option<String> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// [`origin_of`] for the schemes a plugin may request: `http` and `https`.
pub fn http_origin(url: &str) -> Option<String> {
    origin_of(url).filter(|origin| origin.starts_with("http://") || origin.starts_with("https://"))
}

/// [`origin_of`]; text that is not a URL is compared as given, without a
/// trailing slash.
pub fn normalize_origin(origin: &str) -> String {
    origin_of(origin).unwrap_or_else(|| origin.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_host_and_default_port_are_normalised() {
        assert_eq!(normalize_origin("https://Issues.Example.com:443/rest/api/2"), "https://issues.example.com");
        assert_eq!(normalize_origin("http://jji.example.com:8080/"), "http://jji.example.com:8080");
        assert_eq!(normalize_origin("not a url/"), "not a url");
        assert_eq!(http_origin("ftp://files.example.com/x"), None);
        assert_eq!(http_origin("HTTPS://Files.Example.com/x").as_deref(), Some("https://files.example.com"));
    }
}
