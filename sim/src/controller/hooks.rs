//! Hook execution: whether a PreHook/PostHook job succeeds.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::Ctx;
use super::conditions::text;
use crate::inventory::HookResult;

/// Annotation on a Hook that fixes its result: `fail` (or `pass`).
pub(crate) const RESULT_ANNOTATION: &str = "sim.mtv-host.io/result";

/// Runs the hook `(ns, name)`. A forced result (VM behaviour knob) wins; then the
/// Hook's result annotation; then its playbook, which fails when it calls
/// `ansible.builtin.fail`.
pub(crate) fn run(ctx: &Ctx, hook: &(String, String), forced: Option<HookResult>) -> Result<(), String> {
    let (ns, name) = hook;
    let Some(obj) = ctx.store.get(ctx.kinds.hooks, ns, name) else {
        return Err(format!("hook failed: Hook {ns}/{name} not found"));
    };
    match forced {
        Some(HookResult::Fail) => return Err(format!("hook failed: job for Hook {ns}/{name} failed (result forced by the scenario)")),
        Some(HookResult::Pass) => return Ok(()),
        None => {}
    }
    let annotation = obj.pointer("/metadata/annotations").and_then(|a| a.get(RESULT_ANNOTATION)).and_then(|v| v.as_str());
    match annotation {
        Some("fail") => return Err(format!("hook failed: job for Hook {ns}/{name} failed ({RESULT_ANNOTATION}=fail)")),
        Some("pass") => return Ok(()),
        _ => {}
    }
    let encoded = text(&obj, "/spec/playbook");
    if encoded.is_empty() {
        return Ok(());
    }
    let playbook = BASE64
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| format!("hook failed: Hook {ns}/{name}: spec.playbook is not base64-encoded text"))?;
    if playbook.contains("ansible.builtin.fail") {
        return Err(format!("hook failed: job for Hook {ns}/{name} failed: playbook task ansible.builtin.fail failed"));
    }
    Ok(())
}
