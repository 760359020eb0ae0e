//! "Did you mean …?" for a key or variable name that is close to a known one.

/// The known name closest to `name`, when it is close enough to be a typo
/// (`tokn` → `token`, `COPYOFFLOAD_STORAGE_PASSWD` → `…_PASSWORD`).
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    known
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(&name, &candidate.to_ascii_lowercase()), candidate))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// `; did you mean `x`?` for a message, or nothing.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, known).map(|candidate| format!("; did you mean `{candidate}`?")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_intended_name_and_strangers_find_none() {
        assert_eq!(closest("tokn", ["url", "token", "username"]), Some("token"));
        assert_eq!(
            closest("COPYOFFLOAD_STORAGE_PASSWD", ["COPYOFFLOAD_STORAGE_PASSWORD", "COPYOFFLOAD_STORAGE_TOKEN"]),
            Some("COPYOFFLOAD_STORAGE_PASSWORD")
        );
        assert_eq!(closest("flavour", ["url", "token", "username"]), None);
        assert_eq!(did_you_mean("usrname", ["url", "username"]), "; did you mean `username`?");
    }
}
