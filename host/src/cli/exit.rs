//! Exit statuses, as pytest users know them.

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    Ok = 0,
    Failed = 1,
    Interrupted = 2,
    Internal = 3,
    Usage = 4,
    NoTests = 5,
    Leftovers = 6,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

pub(crate) const EXIT_CODES_HELP: &str = "\
Exit status:
  0  all tests passed (or the command succeeded)
  1  tests failed, or a check found problems
  2  interrupted (Ctrl-C / SIGTERM)
  3  internal error
  4  usage error: a bad flag, or a config or input file that cannot be used
  5  no tests collected
  6  run: tests passed, but teardown left objects behind (see resources.json)";

/// Usage errors exit 4; `--help` and `--version` exit 0.
pub(crate) fn usage(error: clap::Error) -> ExitCode {
    let _ = error.print();
    match error.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitCode::SUCCESS,
        _ => ExitCode::from(4),
    }
}
