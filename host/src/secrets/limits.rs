//! The largest inputs the secret sources read. A file past its limit is
//! refused before it is parsed: a 200 MB `.providers.json` is a mistake
//! (a disk image, a log), and every sensitive value in it would be held in
//! memory and matched against every line the host writes.

use std::io::{self, Read};
use std::path::Path;

/// `.providers.json`: ten thousand profiles fit in a few MiB.
pub const MAX_PROVIDERS_JSON_BYTES: u64 = 16 << 20;
/// `jira.cfg`: a handful of keys.
pub const MAX_JIRA_CFG_BYTES: u64 = 1 << 20;
/// One file of a mounted Secret directory: Kubernetes caps a whole Secret
/// at 1 MiB.
pub const MAX_SETTING_FILE_BYTES: u64 = 1 << 20;
/// One sensitive value (a password, a token, a key): the redactor masks it
/// and its encoded forms in every output.
pub const MAX_SECRET_BYTES: usize = 64 << 10;

/// `limit` as people write it: `16 MiB`, `64 KiB`.
pub fn size_text(limit: u64) -> String {
    match limit {
        limit if limit >= 1 << 20 => format!("{} MiB", limit >> 20),
        limit => format!("{} KiB", limit >> 10),
    }
}

/// Why a bounded read failed.
#[derive(Debug)]
pub enum BoundedReadError {
    Io(io::Error),
    TooLarge,
}

/// The text of `path`, refused when it holds more than `limit` bytes.
/// Text that is not UTF-8 is an `InvalidData` I/O error, as
/// `std::fs::read_to_string` reports it.
pub fn read_text(path: &Path, limit: u64) -> Result<String, BoundedReadError> {
    let file = std::fs::File::open(path).map_err(BoundedReadError::Io)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(BoundedReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(BoundedReadError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|error| BoundedReadError::Io(io::Error::new(io::ErrorKind::InvalidData, error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_past_the_limit_is_refused_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let path = dir.path().join("f");
        std::fs::write(&path, "x".repeat(1024)).unwrap_or_else(|error| panic!("{error}"));
        assert!(matches!(read_text(&path, 1023), Err(BoundedReadError::TooLarge)));
        assert_eq!(read_text(&path, 1024).map(|text| text.len()).ok(), Some(1024));
        std::fs::write(&path, [0xff, 0xfe]).unwrap_or_else(|error| panic!("{error}"));
        assert!(matches!(read_text(&path, 1024), Err(BoundedReadError::Io(error)) if error.kind() == io::ErrorKind::InvalidData));
        assert_eq!(size_text(MAX_PROVIDERS_JSON_BYTES), "16 MiB");
        assert_eq!(size_text(MAX_SECRET_BYTES as u64), "64 KiB");
    }
}
