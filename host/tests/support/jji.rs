//! JJI servers for the enrichment tests: the real one (Python package
//! `jenkins-job-insight`, answering through a stand-in `claude` command) and
//! a loopback fake that answers however a test needs.

use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The analysis the stand-in `claude` gives every failure group.
pub const STAND_IN_CLASSIFICATION: &str = "PRODUCT BUG";

/// What JJI's `claude` provider expects on stdout: a JSON object whose
/// `result` string holds the analysis JSON.
const STAND_IN_ANSWER: &str = r#"{"type":"result","subtype":"success","is_error":false,"result":"{\"classification\": \"PRODUCT BUG\", \"affected_tests\": [\"test_cold_migration\"], \"details\": \"The copy-offload Secret lacks STORAGE_PASSWORD, so the populator pod fails.\", \"code_fix\": {\"file\": \"utilities/copyoffload_migration.py\", \"line\": \"42\", \"change\": \"read COPYOFFLOAD_STORAGE_PASSWORD\"}}"}"#;

/// A real JJI server on a loopback port, killed on drop.
pub struct RealJji {
    pub url: String,
    dir: tempfile::TempDir,
    child: Child,
}

/// The real server, or `None` after a loud `SKIPPED:` line when this
/// machine cannot run it. With `CI=true` an unavailable server fails the
/// test instead: CI must exercise the real thing.
pub fn real_jji() -> Option<RealJji> {
    match venv_python() {
        Ok(python) => Some(RealJji::start(python).unwrap_or_else(|why| panic!("the real JJI server did not start: {why}"))),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("real JJI server unavailable in CI: {why}"),
        Err(why) => {
            // Straight to stderr: the test harness captures `eprintln!`, and
            // a skip must be seen.
            let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: real JJI server unavailable: {why} ***\n");
            None
        }
    }
}

/// The venv's python, installing it once per machine (`.ci/jji-server.sh`
/// holds a file lock, so test binaries running at once do not race).
fn venv_python() -> Result<&'static Path, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON.get_or_init(prepare_venv).as_ref().map(PathBuf::as_path).map_err(Clone::clone)
}

fn prepare_venv() -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new(".."));
    let script = root.join(".ci/jji-server.sh");
    let started = Instant::now();
    let output = Command::new("bash").arg(&script).output().map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("{} failed ({}): {}", script.display(), output.status, stderr.trim()));
    }
    if !stderr.trim().is_empty() {
        let _ = writeln!(std::io::stderr(), "{}\nJJI venv ready in {:.1?}", stderr.trim(), started.elapsed());
    }
    let python = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if python.is_file() { Ok(python) } else { Err(format!("{} printed no python path", script.display())) }
}

impl RealJji {
    fn start(python: &Path) -> Result<RealJji, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        for sub in ["bin", "data", "tmp", "cwd", "home"] {
            std::fs::create_dir(dir.path().join(sub)).map_err(|e| e.to_string())?;
        }
        write_stand_in_claude(dir.path())?;
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("server.log")).map_err(|e| e.to_string())?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let path = format!("{}:{}", dir.path().join("bin").display(), std::env::var("PATH").unwrap_or_default());
        // A clean environment: a developer's JJI_* or AI keys must not leak
        // into the server.
        let child = Command::new(python)
            .args(["-m", "uvicorn", "jenkins_job_insight.main:app", "--host", "127.0.0.1", "--port", &port.to_string()])
            .env_clear()
            .env("PATH", path)
            .env("HOME", dir.path().join("home"))
            .env("PORT", port.to_string())
            .env("DB_PATH", dir.path().join("data/results.db"))
            .env("GIT_PYTHON_REFRESH", "quiet")
            .env("TMPDIR", dir.path().join("tmp"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .current_dir(dir.path().join("cwd"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
        let mut server = RealJji { url: format!("http://127.0.0.1:{port}"), dir, child };
        server.wait_healthy()?;
        Ok(server)
    }

    fn wait_healthy(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let address = self.url.trim_start_matches("http://").to_string();
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited ({status}): {}", self.log()));
            }
            if http_get(&address, "/health").is_some_and(|answer| answer.starts_with("HTTP/1.1 200")) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("GET /health did not answer within 60 s: {}", self.log()))
    }

    /// The server's own log (uvicorn's access lines included).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Requests the server received at `/analyze-failures`, from its access log.
    pub fn analyze_requests(&self) -> usize {
        self.log().matches("\"POST /analyze-failures").count()
    }

    /// Command lines the server ran the stand-in `claude` with.
    pub fn ai_calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("claude-calls.log")).unwrap_or_default().lines().map(str::to_string).collect()
    }
}

impl Drop for RealJji {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `claude` first on the server's PATH: records its arguments, reads the
/// prompt, prints a canned analysis.
fn write_stand_in_claude(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    let script = dir.join("bin/claude");
    let calls = dir.join("claude-calls.log");
    let text =
        format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\ncat > /dev/null\ncat <<'ANSWER'\n{STAND_IN_ANSWER}\nANSWER\n", calls.display());
    std::fs::write(&script, text).map_err(|e| e.to_string())?;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

fn http_get(address: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

/// How the fake answers every request.
#[derive(Clone)]
pub enum Reply {
    Answer {
        status: u16,
        body: Arc<Vec<u8>>,
    },
    /// Say nothing for this long, then hang up.
    Stall(Duration),
    /// `307 Temporary Redirect` to `location`, which asks the client to
    /// send the same body there.
    Redirect(String),
    /// A completed analysis of the report it was sent: that report with an
    /// AI classification on its first failure ([`annotated`]).
    Annotate,
}

impl Reply {
    pub fn status(status: u16, body: &str) -> Reply {
        Reply::Answer { status, body: Arc::new(body.as_bytes().to_vec()) }
    }

    pub fn json(value: &serde_json::Value) -> Reply {
        Reply::Answer { status: 200, body: Arc::new(value.to_string().into_bytes()) }
    }

    /// A completed analysis carrying `enriched_xml`.
    pub fn completed(enriched_xml: &str) -> Reply {
        Reply::json(&serde_json::json!({
            "job_id": "fake-1",
            "status": "completed",
            "summary": "Analyzed 1 test failures (1 unique errors). 1 analyzed successfully.",
            "ai_provider": "claude",
            "ai_model": "claude-opus-4-6[1m]",
            "failures": [],
            "enriched_xml": enriched_xml,
            "base_url": "",
            "result_url": "/results/fake-1",
        }))
    }
}

/// One request the fake received.
pub struct Seen {
    pub head: String,
    /// Empty when the fake was started with [`FakeJji::discarding`].
    pub body: Vec<u8>,
    pub body_len: usize,
}

/// A loopback HTTP server standing in for JJI.
pub struct FakeJji {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeJji {
    pub fn start(reply: Reply) -> FakeJji {
        FakeJji::serve(reply, true)
    }

    /// Counts request bodies without keeping them (memory measurements).
    pub fn discarding(reply: Reply) -> FakeJji {
        FakeJji::serve(reply, false)
    }

    fn serve(reply: Reply, keep_bodies: bool) -> FakeJji {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (reply, log) = (reply.clone(), Arc::clone(&log));
                std::thread::spawn(move || answer(stream, &reply, keep_bodies, &log));
            }
        });
        FakeJji { url, seen }
    }

    pub fn requests(&self) -> std::sync::MutexGuard<'_, Vec<Seen>> {
        self.seen.lock().unwrap()
    }
}

fn answer(stream: TcpStream, reply: &Reply, keep_body: bool, log: &Mutex<Vec<Seen>>) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    let head = super::read_request_head(&mut reader);
    let length = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")).map(|(_, v)| v.trim().parse::<u64>()))
        .and_then(Result::ok)
        .unwrap_or(0);
    let mut limited = (&mut reader).take(length);
    let mut body = Vec::new();
    let body_len = if keep_body {
        limited.read_to_end(&mut body).unwrap_or(0)
    } else {
        std::io::copy(&mut limited, &mut std::io::sink()).map(|n| n as usize).unwrap_or(0)
    };
    let annotation = match reply {
        Reply::Annotate => {
            let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            Some(Reply::completed(&annotated(sent["raw_xml"].as_str().unwrap_or_default())))
        }
        _ => None,
    };
    log.lock().unwrap().push(Seen { head, body, body_len });
    match annotation.as_ref().unwrap_or(reply) {
        Reply::Answer { status, body } => {
            let _ = write!(
                writer,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = writer.write_all(body);
        }
        // Resolved into an answer above.
        Reply::Annotate => {}
        Reply::Stall(time) => std::thread::sleep(*time),
        Reply::Redirect(location) => {
            let _ =
                write!(writer, "HTTP/1.1 307 Temporary Redirect\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    }
}

/// The property [`Reply::Annotate`] adds.
pub const AI_PROPERTY: &str = r#"<properties><property name="ai_classification" value="PRODUCT BUG"/></properties>"#;

/// A loopback URL nothing listens on.
pub fn refused_url() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// A report as the host writes it after a run with one failure and one
/// error; both failed cases captured output.
pub const FAILED_REPORT: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites name="mtv-host" tests="3" failures="1" errors="1" skipped="0" time="12.500">
<testsuite name="mtv-host" tests="3" failures="1" errors="1" skipped="0" time="12.500" timestamp="2026-01-05T10:00:00Z" hostname="ci-runner">
<properties><property name="source_provider" value="vsphere-8"/></properties>
<testcase classname="tests.test_copyoffload" name="test_cold_migration" time="10.000"><failure message="AssertionError: plan did not succeed" type="AssertionError">populator pod failed: Secret lacks STORAGE_PASSWORD</failure><system-out>creating plan mtv-cold-1
waiting for migration</system-out></testcase>
<testcase classname="tests.test_copyoffload" name="test_warm_migration" time="2.000"><error message="setup failed" type="RuntimeError">storage map not ready</error><system-out>creating storage map</system-out></testcase>
<testcase classname="tests.test_smoke" name="test_provider_ready" time="0.500"/>
</testsuite>
</testsuites>
"#;

/// [`FAILED_REPORT`] as JJI hands it back: an AI classification on the failure.
pub fn enriched_report() -> String {
    annotated(FAILED_REPORT)
}

/// `report` as JJI hands it back: [`AI_PROPERTY`] before its first failure (or error).
pub fn annotated(report: &str) -> String {
    let at = report.find("<failure ").or_else(|| report.find("<error ")).unwrap_or(0);
    format!("{}{AI_PROPERTY}{}", &report[..at], &report[at..])
}

/// The same run, green.
pub const GREEN_REPORT: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites name="mtv-host" tests="1" failures="0" errors="0" skipped="0" time="0.500">
<testsuite name="mtv-host" tests="1" failures="0" errors="0" skipped="0" time="0.500">
<testcase classname="tests.test_smoke" name="test_provider_ready" time="0.500"/>
</testsuite>
</testsuites>
"#;

pub fn facts(failures: u32, errors: u32) -> mtv_host::plugins::ReportFacts {
    mtv_host::plugins::ReportFacts { tests: 3, failures, errors, skipped: 0, dry_run: false }
}

/// The plugin's settings for a server at `url`, from the environment the
/// way a run resolves them.
pub fn config(url: &str, extra: &[(&str, &str)]) -> mtv_host::enrich::JjiConfig {
    let env = mtv_host::secrets::Env::from_pairs([("JJI_SERVER_URL", url)].into_iter().chain(extra.iter().copied()));
    match mtv_host::enrich::JjiSettings::from_env(&env) {
        mtv_host::enrich::JjiSettings::Enabled { config, .. } => config,
        disabled => panic!("JJI disabled for {url}: {disabled:?}"),
    }
}

/// A report file in its own directory (the directory is kept alive by the
/// returned guard).
pub fn report_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("junit-report.xml");
    std::fs::write(&path, text).expect("write report");
    (dir, path)
}
