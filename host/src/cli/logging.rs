//! Console logging. Every line goes through the secret redactor before it
//! is written.

use std::io::Write;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Targets whose debug and trace logs are the WebAssembly compiler's inner
/// workings: compiling one plugin at `trace` writes hundreds of megabytes.
/// They stay at `warn` unless `RUST_LOG` names them.
const COMPILER_TARGETS: [&str; 3] = ["cranelift", "wasmtime", "regalloc2"];

pub(crate) fn init(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let asked = std::env::var(EnvFilter::DEFAULT_ENV).ok().filter(|text| !text.trim().is_empty());
    let filter = EnvFilter::try_new(directives(default, asked.as_deref())).unwrap_or_else(|_| EnvFilter::new(directives(default, None)));
    // Colours only on a terminal: CI logs and captured output stay plain.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(RedactingStderr)
        .with_ansi(ansi)
        .with_target(false)
        .without_time()
        .try_init();
}

/// `RUST_LOG` if set, else the level of `-v`/`-q`; then `warn` for each
/// compiler target the directives do not name (a target directive is a
/// prefix: `cranelift` covers `cranelift_codegen`).
fn directives(default: &str, asked: Option<&str>) -> String {
    let base = asked.unwrap_or(default);
    let named = |target: &str| base.split(',').any(|directive| directive.trim().starts_with(target));
    let quiet = COMPILER_TARGETS.iter().filter(|target| !named(target)).map(|target| format!(",{target}=warn"));
    std::iter::once(base.to_owned()).chain(quiet).collect()
}

/// Buffers one formatted event and writes it redacted to stderr.
struct RedactingStderr;

struct LineBuffer(Vec<u8>);

impl Write for LineBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineBuffer {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let redacted = mtv_host::secrets::redactor().redact(&text);
        let _ = std::io::stderr().lock().write_all(redacted.as_bytes());
    }
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = LineBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        LineBuffer(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::directives;

    #[test]
    fn the_compiler_stays_at_warn_unless_rust_log_names_it() {
        assert_eq!(directives("trace", None), "trace,cranelift=warn,wasmtime=warn,regalloc2=warn");
        assert_eq!(directives("trace", Some("debug")), "debug,cranelift=warn,wasmtime=warn,regalloc2=warn");
        assert_eq!(directives("info", Some("cranelift=trace")), "cranelift=trace,wasmtime=warn,regalloc2=warn");
        assert_eq!(
            directives("info", Some("info, wasmtime_cranelift=debug")),
            "info, wasmtime_cranelift=debug,cranelift=warn,regalloc2=warn"
        );
    }
}
