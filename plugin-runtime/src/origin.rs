//! The one origin normaliser: grants, host-attached credentials and the
//! broker's per-origin lookups all compare origins in this form.

/// `https://Issues.Example.com:443/x` → `https://issues.example.com`; text
/// that is not a URL is compared as given, without a trailing slash.
pub fn normalize_origin(origin: &str) -> String {
    match url::Url::parse(origin) {
        Ok(url) if url.origin().is_tuple() => url.origin().ascii_serialization(),
        _ => origin.trim_end_matches('/').to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_host_and_default_port_are_normalised() {
        assert_eq!(normalize_origin("https://Issues.Example.com:443/rest/api/2"), "https://issues.example.com");
        assert_eq!(normalize_origin("http://jji.example.com:8080/"), "http://jji.example.com:8080");
        assert_eq!(normalize_origin("not a url/"), "not a url");
    }
}
