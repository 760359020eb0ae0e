//! The `mtv-host` command.

mod cli;

fn main() -> std::process::ExitCode {
    restore_default_sigpipe();
    cli::main()
}

/// Rust ignores SIGPIPE, so `mtv-host … | head` would turn every later
/// print into a panic; like other command-line tools, end quietly instead.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
