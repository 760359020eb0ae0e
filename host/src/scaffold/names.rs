//! A plugin's name and the forms templates need: crate name, file stem,
//! product id, display name, key prefix.

/// A validated crate name: a lowercase letter, then lowercase letters,
/// digits and single `-` or `_` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginName(String);

#[derive(Debug, thiserror::Error)]
#[error("'{name}' is not a usable plugin name: {why}; use lowercase letters, digits and '-', starting with a letter (e.g. acme-array)")]
pub struct BadName {
    name: String,
    why: &'static str,
}

impl std::str::FromStr for PluginName {
    type Err = BadName;

    fn from_str(name: &str) -> Result<Self, BadName> {
        let bad = |why| Err(BadName { name: name.to_string(), why });
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return bad("it must start with a lowercase letter");
        }
        if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') {
            return bad("it has characters other than a-z, 0-9, '-' and '_'");
        }
        if name.ends_with(['-', '_']) || name.contains("--") || name.contains("__") || name.contains("-_") || name.contains("_-") {
            return bad("separators must sit between words");
        }
        Ok(PluginName(name.to_string()))
    }
}

impl PluginName {
    /// The crate name, as given (`acme-array`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `acme_array`: the component's file stem and the key prefix.
    pub fn snake(&self) -> String {
        self.0.replace('-', "_")
    }

    fn words(&self) -> impl Iterator<Item = &str> {
        self.0.split(['-', '_'])
    }

    /// `acmeArray`: the `storage_vendor_product` value.
    pub fn product(&self) -> String {
        self.words().enumerate().map(|(i, word)| if i == 0 { word.to_string() } else { capitalized(word) }).collect()
    }

    /// `Acme Array`.
    pub fn display_name(&self) -> String {
        self.words().map(capitalized).collect::<Vec<_>>().join(" ")
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

impl std::fmt::Display for PluginName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_a_name() {
        let name: PluginName = "acme-array2".parse().unwrap();
        assert_eq!((name.snake(), name.product(), name.display_name()), ("acme_array2".into(), "acmeArray2".into(), "Acme Array2".into()));
    }

    #[test]
    fn names_cargo_or_templates_cannot_use_are_refused() {
        for bad in ["", "Acme", "9lives", "acme array", "acme-", "acme--array", "ácme"] {
            assert!(bad.parse::<PluginName>().is_err(), "{bad}");
        }
    }
}
