//! Provider reconciliation: secret and URL validation, the connection test, and the
//! SSH keys of vSphere providers that clone over SSH.

use serde_json::{Value, json};

use super::conditions::{CRITICAL, REQUIRED, child, condition, set_conditions, text};
use super::events::{Severity, emit};
use super::{Ctx, reference};
use crate::api::admission::secret_value;

/// Secret keys each provider type needs.
fn required_keys(provider_type: &str, url: &str) -> &'static [&'static str] {
    match provider_type {
        "vsphere" | "ovirt" => &["user", "password"],
        "openstack" => &["username", "password", "regionName", "projectName", "domainName"],
        "openshift" if !url.is_empty() => &["token"],
        _ => &[],
    }
}

/// Types whose provider needs a URL.
fn needs_url(provider_type: &str) -> bool {
    matches!(provider_type, "vsphere" | "ovirt" | "openstack" | "ova" | "hyperv")
}

struct Outcome {
    phase: &'static str,
    conditions: Vec<Value>,
}

fn failed(phase: &'static str, kind: &str, reason: &str, message: String) -> Outcome {
    Outcome { phase, conditions: vec![condition(kind, CRITICAL, reason, &message)] }
}

/// Problems with the provider's Secret, if any.
fn check_secret(ctx: &Ctx, provider: &Value, provider_type: &str, url: &str) -> Option<String> {
    let ns = text(provider, "/metadata/namespace");
    let keys = required_keys(provider_type, url);
    let Some((secret_ns, secret_name)) = reference(provider, "/spec/secret", ns) else {
        return (!keys.is_empty())
            .then(|| format!("The provider has no secret: spec.secret.name must name a Secret with keys {}.", keys.join(", ")));
    };
    let Some(secret) = ctx.store.get(ctx.kinds.secrets, &secret_ns, &secret_name) else {
        return Some(format!("Secret {secret_ns}/{secret_name} not found."));
    };
    let missing: Vec<&str> = keys.iter().copied().filter(|k| secret_value(&secret, k).is_none_or(|v| v.is_empty())).collect();
    (!missing.is_empty()).then(|| format!("Secret {secret_ns}/{secret_name} is missing required keys: {}.", missing.join(", ")))
}

fn evaluate(ctx: &Ctx, provider: &Value) -> Outcome {
    let provider_type = text(provider, "/spec/type");
    let url = text(provider, "/spec/url");
    if provider_type == "openshift" && url.is_empty() {
        return ready(Vec::new());
    }
    if needs_url(provider_type) && url.is_empty() {
        return failed("ValidationFailed", "UrlNotValid", "Malformed", "The provider URL is required (spec.url).".into());
    }
    if let Some(problem) = check_secret(ctx, provider, provider_type, url) {
        return failed("ValidationFailed", "SecretNotValid", "NotValid", problem);
    }
    if ctx.scenario.is_unreachable(url) {
        let mut outcome = failed(
            "ConnectionFailed",
            "ConnectionTestFailed",
            "Tested",
            format!("Could not connect to {url}: dial tcp: lookup failed: no such host."),
        );
        outcome.conditions.push(condition("Validated", REQUIRED, "Completed", "Validation has been completed."));
        return outcome;
    }
    let mut extra = Vec::new();
    if provider_type == "vsphere" && text(provider, "/spec/settings/esxiCloneMethod") == "ssh" {
        extra.push(condition("SSHReady", REQUIRED, "KeysCreated", "SSH keys for ESXi cloning are ready."));
    }
    ready(extra)
}

fn ready(extra: Vec<Value>) -> Outcome {
    let mut conditions = vec![
        condition("ConnectionTestSucceeded", REQUIRED, "Tested", "Connection test, succeeded."),
        condition("Validated", REQUIRED, "Completed", "Validation has been completed."),
        condition("InventoryCreated", REQUIRED, "Completed", "The inventory has been loaded."),
        condition("Ready", REQUIRED, "Completed", "The provider is ready."),
    ];
    conditions.extend(extra);
    Outcome { phase: "Ready", conditions }
}

pub(crate) fn reconcile(ctx: &Ctx, ns: &str, name: &str) {
    let Some(provider) = ctx.store.get(ctx.kinds.providers, ns, name) else { return };
    let outcome = evaluate(ctx, &provider);
    let before = text(&provider, "/status/phase").to_string();
    let phase = outcome.phase;
    let message = outcome.conditions.first().and_then(|c| c["message"].as_str()).unwrap_or_default().to_string();
    let wants_ssh_keys = outcome.conditions.iter().any(|c| c["type"] == "SSHReady");
    let updated = ctx.store.update(ctx.kinds.providers, ns, name, |current| {
        let mut next = (**current).clone();
        let generation = next["metadata"]["generation"].clone();
        let status = child(&mut next, "status");
        status["phase"] = json!(phase);
        status["observedGeneration"] = generation;
        set_conditions(status, |_| true, outcome.conditions);
        Ok(next)
    });
    let Ok(updated) = updated else { return };
    if wants_ssh_keys {
        ensure_ssh_keys(ctx, &updated);
    }
    if before != phase {
        match phase {
            "Ready" => emit(ctx, &updated, Severity::Normal, "Ready", "The provider is ready."),
            failed_phase => emit(ctx, &updated, Severity::Warning, failed_phase, &message),
        }
    }
}

/// Forklift generates an SSH key pair per provider for ESXi clones over SSH.
fn ensure_ssh_keys(ctx: &Ctx, provider: &Value) {
    let ns = text(provider, "/metadata/namespace");
    let name = text(provider, "/metadata/name");
    let owner = json!([{
        "apiVersion": provider["apiVersion"],
        "kind": "Provider",
        "name": name,
        "uid": provider["metadata"]["uid"],
        "controller": true,
    }]);
    let keys = [
        (
            "private",
            "private-key",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nc2ltdWxhdGVkIGtleQ==\n-----END OPENSSH PRIVATE KEY-----\n".to_string(),
        ),
        ("public", "public-key", format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNpbXVsYXRlZCBrZXk= forklift-{name}\n")),
    ];
    for (suffix, key, value) in keys {
        let secret_name = format!("offload-ssh-keys-{name}-{suffix}");
        if ctx.store.get(ctx.kinds.secrets, ns, &secret_name).is_some() {
            continue;
        }
        use base64::Engine;
        let secret = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {
                "name": secret_name,
                "namespace": ns,
                "labels": {"forklift.konveyor.io/provider": name},
                "ownerReferences": owner,
            },
            "data": {key: base64::engine::general_purpose::STANDARD.encode(value)},
        });
        if let Err(e) = ctx.store.create(ctx.kinds.secrets, secret) {
            tracing::debug!(ns, secret = secret_name, error = %e.message, "ssh key secret not created");
        }
    }
}
