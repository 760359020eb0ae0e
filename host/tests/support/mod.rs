//! Shared by the host's integration tests: where the built components are,
//! and test doubles for the runtime's seams.
#![allow(dead_code)] // each test binary uses a different part

pub mod jira_server;
pub mod jji;
pub mod tls_server;

use mtv_host::plugins::{HostServices, ReqwestTransport, SecretSource};
use mtv_host::secrets::AuditLog;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// Run the `mtv-host` binary in `dir`, isolated from the caller's config,
/// providers file, home directory and plugin cache.
pub fn mtv_host(dir: &Path, args: &[&str]) -> Output {
    mtv_host_env(dir, args, &[])
}

/// [`mtv_host`] with `env` set for the command.
pub fn mtv_host_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .env_remove("PROVIDERS_JSON_PATH")
        .env_remove("MTV_HOST_CONFIG")
        .env("MTV_HOST_CACHE_DIR", dir.join("cache"))
        .env("HOME", dir)
        .output()
        .unwrap()
}

/// `mtv-host plugins check ARGS…` in a scratch directory: exit code and output.
pub fn plugins_check(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = mtv_host(dir.path(), &[&["plugins", "check"], args].concat());
    (output.status.code(), text(&output))
}

/// stdout followed by stderr.
pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Read an HTTP request's head (request line and headers) up to the blank line.
pub fn read_request_head(reader: &mut impl BufRead) -> String {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            return head;
        }
        head.push_str(&line);
    }
}

fn component_dir(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target").join(default))
}

fn existing(path: PathBuf) -> PathBuf {
    assert!(path.is_file(), "{} is missing: run `cargo xtask test`, which builds the plugins first", path.display());
    path
}

/// A plugin built by `cargo xtask plugins`, e.g. `plugin("ontap")`.
pub fn plugin(name: &str) -> PathBuf {
    existing(component_dir("MTV_PLUGIN_DIR", "plugins").join(format!("{name}.wasm")))
}

/// A test fixture component, e.g. `fixture("hostile")`.
pub fn fixture(name: &str) -> PathBuf {
    existing(component_dir("MTV_FIXTURE_DIR", "fixtures").join(format!("{name}.wasm")))
}

/// Secrets and per-origin credentials from fixed maps.
#[derive(Default)]
pub struct FixedSecrets {
    pub secrets: BTreeMap<String, String>,
    pub credentials: BTreeMap<String, String>,
}

impl SecretSource for FixedSecrets {
    fn secret(&self, name: &str) -> Result<String, String> {
        self.secrets.get(name).cloned().ok_or_else(|| format!("no value for '{name}'"))
    }

    fn origin_credential(&self, origin: &str) -> Option<String> {
        self.credentials.get(origin).cloned()
    }
}

/// Real network, given secrets, an in-memory audit log.
pub fn services(secrets: FixedSecrets) -> (HostServices, Arc<AuditLog>) {
    let audit = Arc::new(AuditLog::in_memory());
    let services = HostServices { secrets: Arc::new(secrets), transport: Arc::new(ReqwestTransport::new()), audit: audit.clone() };
    (services, audit)
}

/// A one-shot HTTP server on loopback: answers every request with `status`
/// and `body`, and records the raw request heads it received.
pub struct TinyHttpServer {
    pub url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl TinyHttpServer {
    pub fn start(status: u16, body: &'static str) -> TinyHttpServer {
        Self::start_with_headers(status, "", body)
    }

    /// Like `start`, with `headers` (each line ending in `\r\n`) added to every answer.
    pub fn start_with_headers(status: u16, headers: &'static str, body: &'static str) -> TinyHttpServer {
        use std::io::{BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                seen.lock().unwrap().push(read_request_head(&mut reader));
                let _ = write!(stream, "HTTP/1.1 {status} X\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            }
        });
        TinyHttpServer { url, requests }
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}
