//! `.env`: read only for `--analyze-with-ai` (it holds the `JJI_*`
//! settings), parsed without touching the process environment. The pairs go
//! beneath the real environment with [`super::env::Env::with_overlay`].

use std::io;
use std::path::{Path, PathBuf};

use super::redactor::redactor;
use super::value::is_sensitive_name;

pub const DOTENV_FILE: &str = ".env";

#[derive(Debug, thiserror::Error)]
pub enum DotenvError {
    #[error("cannot read {}: {source}", .path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    /// The offending text is left out on purpose: it may hold a secret.
    #[error(
        "{}:{line}:{column}: cannot parse this line; write it as NAME=value \
         (quote values that contain spaces or #)",
        .path.display()
    )]
    Malformed { path: PathBuf, line: usize, column: usize },
}

/// The variables of the `.env` file at `path` when `analyze_with_ai` is set;
/// nothing otherwise. A missing file yields nothing, as with python-dotenv.
/// Values of sensitive-looking names (`*_TOKEN`, `*_PASSWORD`, …) are
/// registered with the redactor.
pub fn load_dotenv(path: &Path, analyze_with_ai: bool) -> Result<Vec<(String, String)>, DotenvError> {
    if !analyze_with_ai {
        return Ok(Vec::new());
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(DotenvError::Unreadable { path: path.to_path_buf(), source });
        }
    };
    let text = text.trim_start_matches('\u{feff}');
    let mut pairs = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((name, value)) => {
                if is_sensitive_name(&name) {
                    redactor().register(&value);
                }
                pairs.push((name, value));
            }
            Err(dotenvy::Error::LineParse(bad_line, index)) => {
                let (line, column) = position_of(text, &bad_line, index);
                return Err(DotenvError::Malformed { path: path.to_path_buf(), line, column });
            }
            Err(error) => {
                return Err(DotenvError::Unreadable { path: path.to_path_buf(), source: io::Error::other(error.to_string()) });
            }
        }
    }
    Ok(pairs)
}

/// dotenvy reports the logical line (possibly spanning several physical
/// lines) and a character index in it; turn that into a 1-based line and
/// column of the file.
fn position_of(text: &str, bad_line: &str, index: usize) -> (usize, usize) {
    let bad_line = bad_line.trim_end_matches(['\r', '\n']);
    let start = text.find(bad_line).unwrap_or(0);
    let before_error: String = bad_line.chars().take(index).collect();
    let first_line = text[..start].matches('\n').count() + 1;
    let lines_into = before_error.matches('\n').count();
    let column = before_error.rsplit('\n').next().map_or(0, |tail| tail.chars().count()) + 1;
    (first_line + lines_into, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_lines_before_the_bad_one() {
        let text = "A=1\n# note\nB=\"unterminated\n";
        assert_eq!(position_of(text, "B=\"unterminated\n", 2), (3, 3));
    }
}
