//! Where a resolved setting came from, shown by `secrets explain` and in
//! error messages so a user knows which file or variable to change.

use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A key in a file: a `.providers.json` key path
    /// (`vsphere-8.copyoffload.storage_password`), a `jira.cfg` key with its
    /// line, or a file of a mounted Secret directory.
    File {
        path: PathBuf,
        key_path: String,
        line: Option<usize>,
    },
    Env {
        var: String,
    },
    /// The built-in default of the setting.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File { path, key_path, line: Some(line) } => {
                write!(f, "{key_path} in {}:{line}", path.display())
            }
            Source::File { path, key_path, line: None } => {
                write!(f, "{key_path} in {}", path.display())
            }
            Source::Env { var } => write!(f, "environment variable {var}"),
            Source::Default => f.write_str("built-in default"),
        }
    }
}
