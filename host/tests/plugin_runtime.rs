//! The plugin runtime against real components: the shipped plugins, and
//! hostile fixtures that try to escape the sandbox.

mod support;

use mtv_host::plugins::*;
use mtv_host::secrets::AuditKind;
use support::jji::{FakeJji, Reply};
use support::{FixedSecrets, TinyHttpServer, fixture, plugin, services};

fn runtime() -> (PluginRuntime, std::sync::Arc<mtv_host::secrets::AuditLog>) {
    let (services, audit) = services(FixedSecrets::default());
    (PluginRuntime::new(services, None).unwrap(), audit)
}

fn hostile(runtime: &PluginRuntime, mode: &str, target: &str, grants: Grants, limits: Limits) -> LoadedPlugin {
    let spec = PluginSpec {
        name: format!("hostile-{mode}"),
        path: fixture("hostile"),
        grants,
        limits,
        settings: [("mode".to_string(), mode.to_string()), ("target".to_string(), target.to_string())].into(),
        ..Default::default()
    };
    runtime.load(&spec).unwrap()
}

fn facts() -> RunFacts {
    RunFacts {
        source_provider: "vsphere-8".into(),
        source_provider_type: "vsphere".into(),
        source_provider_version: None,
        storage_class: "sc".into(),
        dry_run: false,
    }
}

/// What the hostile plugin observed, from its warnings.
fn observe(runtime: &PluginRuntime, plugin: &LoadedPlugin) -> Vec<String> {
    runtime.gate_decide(plugin, &facts(), &[]).expect("hook ran").expect("plugin returned an outcome").warnings
}

#[test]
fn every_vendor_plugin_loads_and_describes_itself() {
    let (runtime, _) = runtime();
    for (file, product) in [
        ("ontap", "ontap"),
        ("vantara", "vantara"),
        ("primera3par", "primera3par"),
        ("pureFlashArray", "pureFlashArray"),
        ("powerflex", "powerflex"),
        ("powermax", "powermax"),
        ("powerstore", "powerstore"),
        ("infinibox", "infinibox"),
        ("flashsystem", "flashsystem"),
    ] {
        let loaded = runtime.load(&PluginSpec { name: file.into(), path: plugin(file), ..Default::default() }).unwrap();
        assert_eq!(loaded.world, World::StorageVendor, "{file}");
        assert_eq!(loaded.contract_version, CONTRACT_VERSION);
        let info = runtime.vendor_describe(&loaded).unwrap();
        assert_eq!(info.product, product);
        let keys: Vec<&str> = info.fields.iter().map(|f| f.secret_key.as_str()).collect();
        assert!(keys.contains(&"STORAGE_HOSTNAME"), "{file}: {keys:?}");
    }
}

#[test]
fn a_gate_plugin_is_called_with_the_collected_tests() {
    let (runtime, _) = runtime();
    let plugin = hostile(&runtime, "ok", "", Grants::default(), Limits::default());
    let tests = vec![TestItem { id: "plan::a".into(), name: "a".into(), markers: vec![] }; 3];
    let outcome = runtime.gate_decide(&plugin, &facts(), &tests).unwrap().unwrap();
    assert_eq!(outcome.warnings, ["saw 3 tests"]);
}

#[test]
fn plugins_see_no_environment_and_no_arguments() {
    let (runtime, _) = runtime();
    assert!(std::env::var_os("PATH").is_some(), "the host itself has an environment");
    let seen = observe(&runtime, &hostile(&runtime, "env", "", Grants::default(), Limits::default()));
    assert!(seen.is_empty(), "plugin saw {seen:?}");
}

#[test]
fn plugins_cannot_open_files() {
    let (runtime, _) = runtime();
    let target = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let seen = observe(&runtime, &hostile(&runtime, "file", target, Grants::default(), Limits::default()));
    assert_eq!(seen.len(), 1);
    assert!(seen[0].starts_with("file error"), "{seen:?}");
}

#[test]
fn plugins_cannot_open_sockets() {
    let (runtime, _) = runtime();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let target = listener.local_addr().unwrap().to_string();
    let seen = observe(&runtime, &hostile(&runtime, "socket", &target, Grants::default(), Limits::default()));
    assert!(seen[0].starts_with("socket error"), "{seen:?}");
    assert!(listener.accept().is_err(), "a connection reached the listener");
}

#[test]
fn an_endless_loop_is_stopped_at_the_deadline_and_the_host_goes_on() {
    let (runtime, _) = runtime();
    let limits = Limits { deadline_ms: 200, ..Limits::default() };
    let looping = hostile(&runtime, "loop", "", Grants::default(), limits);
    let error = runtime.gate_decide(&looping, &facts(), &[]).unwrap_err();
    assert!(matches!(error, HookError::Deadline { limit_ms: 200, .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("hostile-loop") && message.contains("decide") && message.contains("200 ms"), "{message}");
    assert!(message.contains("limits.deadline_ms"), "{message}");
    let fine = hostile(&runtime, "ok", "", Grants::default(), Limits::default());
    assert_eq!(observe(&runtime, &fine), ["saw 0 tests"]);
}

#[test]
fn time_blocked_in_the_host_does_not_count_against_the_deadline() {
    let (runtime, _) = runtime();
    let limits = Limits { deadline_ms: 200, ..Limits::default() };
    let sleeper = hostile(&runtime, "sleep", "600", Grants::default(), limits);
    assert_eq!(observe(&runtime, &sleeper), ["slept 600 ms"]);
}

#[test]
fn a_sleep_is_stopped_at_the_wall_clock_limit() {
    let (runtime, _) = runtime();
    let limits = Limits { deadline_ms: 200, wall_ms: 500, ..Limits::default() };
    let sleeper = hostile(&runtime, "sleep", "30000", Grants::default(), limits);
    let error = runtime.gate_decide(&sleeper, &facts(), &[]).unwrap_err();
    assert!(matches!(error, HookError::Wall { limit_ms: 500, .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("hostile-sleep") && message.contains("500 ms") && message.contains("limits.wall_ms"), "{message}");
}

#[test]
fn waiting_for_an_http_answer_does_not_count_against_the_wall_clock_limit() {
    // The server holds the request for three times the limit, then hangs up.
    let server = FakeJji::start(Reply::Stall(std::time::Duration::from_millis(1500)));
    let (runtime, _) = runtime();
    let limits = Limits { deadline_ms: 200, wall_ms: 500, ..Limits::default() };
    let grants = Grants { http: vec![server.url.clone()], ..Default::default() };
    let seen = observe(&runtime, &hostile(&runtime, "http", &format!("{}/slow", server.url), grants, limits));
    assert!(seen[0].starts_with("http error"), "{seen:?}");
    assert_eq!(server.requests().len(), 1);
}

/// ESC sequences (clear screen, colour), NUL, CR, and a line break followed
/// by a forged summary line.
const FORGED: &str = "\x1b[2J\x1b[31mred\0nul\rback\n==== 9 passed in 0.01s ====";
const ESCAPED: &str = r"\x1b[2J\x1b[31mred\0nul\rback\n==== 9 passed in 0.01s ====";

#[test]
fn a_hook_error_carries_control_characters_escaped() {
    let (runtime, _) = runtime();
    let failing = hostile(&runtime, "fail", FORGED, Grants::default(), Limits::default());
    let error = runtime.gate_decide(&failing, &facts(), &[]).expect("hook ran").expect_err("plugin failed");
    assert_eq!(error, ESCAPED);
}

#[test]
fn plugin_log_lines_and_output_carry_control_characters_escaped() {
    let captured = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&captured);
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || CapturedWriter(std::sync::Arc::clone(&sink)))
        .finish();
    let (runtime, _) = runtime();
    let logging = hostile(&runtime, "log", FORGED, Grants::default(), Limits::default());
    let seen = tracing::subscriber::with_default(subscriber, || observe(&runtime, &logging));
    assert_eq!(seen, [ESCAPED]);
    let log = String::from_utf8(captured.lock().unwrap().clone()).unwrap();
    assert!(log.contains(&format!("[hostile-log] {ESCAPED}")), "{log}");
    // Printed output is read line by line, each line marked as the plugin's.
    let (first_line, _) = ESCAPED.split_once(r"\n").unwrap();
    assert!(log.contains(&format!("[hostile-log stdout] {first_line}\n")), "{log}");
    assert!(log.contains("[hostile-log stdout] ==== 9 passed"), "{log}");
    assert!(!log.contains(['\x1b', '\0', '\r']), "{log:?}");
    assert!(log.lines().all(|line| !line.starts_with("====")), "{log}");
}

struct CapturedWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn unbounded_allocation_hits_the_memory_cap() {
    let (runtime, _) = runtime();
    let limits = Limits { memory_mib: 32, ..Limits::default() };
    let error = runtime.gate_decide(&hostile(&runtime, "alloc", "", Grants::default(), limits), &facts(), &[]).unwrap_err();
    assert!(matches!(error, HookError::Memory { limit_mib: 32, .. }), "{error:?}");
    assert!(error.to_string().contains("limits.memory_mib"), "{error}");
}

#[test]
fn a_panic_fails_only_that_hook_and_carries_the_message() {
    let (runtime, _) = runtime();
    let error = runtime.gate_decide(&hostile(&runtime, "panic", "", Grants::default(), Limits::default()), &facts(), &[]).unwrap_err();
    assert!(matches!(error, HookError::Trap { .. }), "{error:?}");
    assert!(error.to_string().contains("panicked on purpose"), "{error}");
    assert_eq!(observe(&runtime, &hostile(&runtime, "ok", "", Grants::default(), Limits::default())), ["saw 0 tests"]);
}

#[test]
fn an_ungranted_secret_is_denied_and_audited() {
    let secrets = FixedSecrets { secrets: [("jira.token".to_string(), "canary-token-51c3".to_string())].into(), ..Default::default() };
    let (services, audit) = services(secrets);
    let runtime = PluginRuntime::new(services, None).unwrap();
    let seen = observe(&runtime, &hostile(&runtime, "secret", "jira.token", Grants::default(), Limits::default()));
    assert!(seen[0].contains("Denied") && seen[0].contains("grants.secrets"), "{seen:?}");
    assert!(!seen[0].contains("canary-token-51c3"));
    let events = audit.entries().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].kind, events[0].target.as_str(), events[0].allowed), (AuditKind::Secret, "jira.token", false));

    let granted = Grants { secrets: vec!["jira.token".into()], ..Default::default() };
    let seen = observe(&runtime, &hostile(&runtime, "secret", "jira.token", granted, Limits::default()));
    assert_eq!(seen, ["secret value canary-token-51c3"]);
    assert!(audit.entries().unwrap()[1].allowed);
}

#[test]
fn http_to_an_ungranted_origin_is_denied_before_any_connection() {
    let server = TinyHttpServer::start(200, "hello");
    let (runtime, audit) = runtime();
    let seen = observe(&runtime, &hostile(&runtime, "http", &format!("{}/x", server.url), Grants::default(), Limits::default()));
    assert!(seen[0].contains("Denied") && seen[0].contains("grants.http") && seen[0].contains(&server.url), "{seen:?}");
    assert_eq!(server.request_count(), 0);
    let event = &audit.entries().unwrap()[0];
    assert_eq!((event.kind, event.target.as_str(), event.allowed), (AuditKind::Http, server.url.as_str(), false));
}

#[test]
fn the_host_attaches_credentials_for_granted_origins_and_plugins_may_not() {
    let server = TinyHttpServer::start(200, "hello");
    let secrets = FixedSecrets { credentials: [(server.url.clone(), "Bearer canary-cred-9d2e".to_string())].into(), ..Default::default() };
    let (services, audit) = services(secrets);
    let runtime = PluginRuntime::new(services, None).unwrap();
    let grants = Grants { http: vec![format!("{}/", server.url)], ..Default::default() };

    let seen = observe(&runtime, &hostile(&runtime, "http", &format!("{}/rest", server.url), grants.clone(), Limits::default()));
    assert_eq!(seen, ["http status 200"]);
    let head = server.requests.lock().unwrap()[0].to_ascii_lowercase();
    assert!(head.contains("authorization: bearer canary-cred-9d2e"), "{head}");
    assert!(audit.entries().unwrap()[0].allowed);

    let seen = observe(&runtime, &hostile(&runtime, "http-auth", &format!("{}/rest", server.url), grants, Limits::default()));
    assert!(seen[0].contains("may not set the 'Authorization' header"), "{seen:?}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn credentials_in_a_plugin_request_url_are_refused_before_any_connection() {
    let server = TinyHttpServer::start(200, "hello");
    let secrets = FixedSecrets { credentials: [(server.url.clone(), "Bearer canary-cred-4f1b".to_string())].into(), ..Default::default() };
    let (services, audit) = services(secrets);
    let runtime = PluginRuntime::new(services, None).unwrap();
    let grants = Grants { http: vec![server.url.clone()], ..Default::default() };
    let with_userinfo = server.url.replacen("http://", "http://plugin:canary-url-pw-4f1b@", 1);

    let seen = observe(&runtime, &hostile(&runtime, "http", &format!("{with_userinfo}/rest"), grants, Limits::default()));
    assert!(seen[0].contains("Denied") && seen[0].contains("credentials in a URL"), "{seen:?}");
    assert!(!seen[0].contains("canary-url-pw-4f1b"), "{seen:?}");
    assert_eq!(server.request_count(), 0, "{:?}", server.requests.lock().unwrap());
    let event = &audit.entries().unwrap()[0];
    assert_eq!((event.target.as_str(), event.allowed), (server.url.as_str(), false));
}

#[test]
fn a_component_importing_what_the_host_lacks_is_refused_with_the_import_named() {
    let (runtime, _) = runtime();
    let error = runtime.load(&PluginSpec { name: "evil".into(), path: fixture("unknown-import"), ..Default::default() }).err().unwrap();
    assert!(matches!(error, LoadError::UnsupportedImports { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("fixtures:evil/raw-socket"), "{message}");
    assert!(message.contains(&format!("mtv-plugin-sdk {CONTRACT_VERSION}")), "{message}");
}

#[test]
fn a_sha256_pin_mismatch_refuses_to_load() {
    let (runtime, _) = runtime();
    let spec = PluginSpec { name: "ontap".into(), path: plugin("ontap"), sha256: Some("00".repeat(32)), ..Default::default() };
    let error = runtime.load(&spec).err().unwrap();
    assert!(matches!(error, LoadError::PinMismatch { .. }), "{error:?}");
    assert!(error.to_string().contains("sha256"));
    let actual = runtime.load(&PluginSpec { sha256: None, ..spec.clone() }).unwrap().sha256;
    assert!(runtime.load(&PluginSpec { sha256: Some(actual.to_uppercase()), ..spec }).is_ok());
}

#[test]
fn core_modules_and_garbage_are_not_components() {
    let (runtime, _) = runtime();
    let dir = tempfile::tempdir().unwrap();
    let core = dir.path().join("core.wasm");
    std::fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    let error = runtime.load(&PluginSpec { name: "core".into(), path: core, ..Default::default() }).err().unwrap();
    assert!(error.to_string().contains("wasm32-wasip2"), "{error}");
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"not wasm").unwrap();
    let error = runtime.load(&PluginSpec { name: "junk".into(), path: junk, ..Default::default() }).err().unwrap();
    assert!(matches!(error, LoadError::NotAComponent { .. }), "{error:?}");
}

#[test]
fn a_component_that_implements_no_world_is_refused_naming_what_it_exports() {
    let (runtime, _) = runtime();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.wasm");
    // The smallest valid component: preamble only, no imports, no exports.
    std::fs::write(&empty, b"\0asm\x0d\0\x01\0").unwrap();
    let error = runtime.load(&PluginSpec { name: "empty".into(), path: empty, ..Default::default() }).err().unwrap();
    assert!(matches!(error, LoadError::NoWorld { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("exports: nothing") && message.contains("gate-hooks"), "{message}");
}

#[test]
fn a_hook_of_another_world_is_refused() {
    let (runtime, _) = runtime();
    let vendor = runtime.load(&PluginSpec { name: "ontap".into(), path: plugin("ontap"), ..Default::default() }).unwrap();
    let error = runtime.gate_decide(&vendor, &facts(), &[]).unwrap_err();
    assert!(matches!(error, HookError::WrongWorld { expected: World::Gate, actual: World::StorageVendor, .. }), "{error:?}");
}

#[test]
fn the_second_load_of_an_unchanged_plugin_does_not_compile() {
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("vendor.wasm");
    std::fs::copy(plugin("ontap"), &path).unwrap();
    let spec = PluginSpec { name: "vendor".into(), path: path.clone(), ..Default::default() };

    let first = PluginRuntime::new(services(FixedSecrets::default()).0, Some(cache.path().into())).unwrap();
    assert_eq!(first.load(&spec).unwrap().cache, CacheOutcome::Compiled);
    assert_eq!(first.compiles(), 1);

    let second = PluginRuntime::new(services(FixedSecrets::default()).0, Some(cache.path().into())).unwrap();
    let loaded = second.load(&spec).unwrap();
    assert_eq!(loaded.cache, CacheOutcome::Cached);
    assert_eq!(second.compiles(), 0);
    assert_eq!(second.vendor_describe(&loaded).unwrap().product, "ontap");

    std::fs::copy(plugin("vantara"), &path).unwrap();
    let changed = second.load(&spec).unwrap();
    assert_eq!(changed.cache, CacheOutcome::Compiled);
    assert_eq!(second.compiles(), 1);
    assert_eq!(second.vendor_describe(&changed).unwrap().product, "vantara");
}

#[test]
fn more_concurrent_hook_calls_than_pooled_instances_all_complete() {
    let (runtime, _) = runtime();
    let vendor = runtime.load(&PluginSpec { name: "ontap".into(), path: plugin("ontap"), ..Default::default() }).unwrap();
    let products: Vec<String> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..80).map(|_| scope.spawn(|| runtime.vendor_describe(&vendor).map(|info| info.product))).collect();
        calls.into_iter().map(|call| call.join().unwrap().unwrap()).collect()
    });
    assert_eq!(products.len(), 80);
    assert!(products.iter().all(|p| p == "ontap"));
}
