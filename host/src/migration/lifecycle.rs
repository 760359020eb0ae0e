//! What each step of a migration test does on the cluster: create its
//! objects, then wait (by watch) for Forklift to accept them. Failures come
//! back as sentences that name the object and the condition that decided.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::cluster::Cluster;
use super::inventory::{InventoryClient, SourceVm};
use super::kinds::Kind;
use super::objects::{Blueprint, cutover_now, name_of};
use super::wait::{Check, WaitError, true_condition, wait_for};

/// How long each wait may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub provider_ready: Duration,
    pub plan_ready: Duration,
    pub migration: Duration,
    pub teardown: Duration,
    /// How long a VM (or the test's Provider) may take to appear in the Forklift inventory.
    pub inventory: Duration,
}

impl Default for Timeouts {
    /// The original suite's: 600 s, 360 s, 3600 s; teardown 300 s; inventory 300 s.
    fn default() -> Self {
        Self {
            provider_ready: Duration::from_secs(600),
            plan_ready: Duration::from_secs(360),
            migration: Duration::from_secs(3600),
            teardown: Duration::from_secs(300),
            inventory: Duration::from_secs(300),
        }
    }
}

/// Lines a step writes about what it did, for the report's system-out.
#[derive(Debug, Default, Clone)]
pub struct Journal {
    lines: Vec<String>,
    facts: Vec<(String, String)>,
}

impl Journal {
    pub fn note(&mut self, line: impl Into<String>) {
        let line = line.into();
        tracing::debug!("{line}");
        self.lines.push(line);
    }

    pub fn take(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lines)
    }

    /// A fact for the report (a JUnit property of the step): what a reader
    /// needs besides the log, such as each VM's pipeline.
    pub fn fact(&mut self, key: &str, value: impl Into<String>) {
        self.facts.push((key.to_owned(), value.into()));
    }

    pub fn take_facts(&mut self) -> Vec<(String, String)> {
        std::mem::take(&mut self.facts)
    }
}

/// Runs one test's steps against a cluster; `test` names it in the ledger.
pub struct Lifecycle<'a> {
    pub cluster: &'a Cluster,
    pub test: &'a str,
    /// The objects as built before the run.
    blueprint: &'a Blueprint,
    /// The objects once the inventory has resolved the source VMs.
    resolved: OnceLock<Blueprint>,
    /// The source VMs as the inventory served them before migrating.
    sources: OnceLock<Vec<SourceVm>>,
    pub timeouts: Timeouts,
}

/// How a Plan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanResult {
    Succeeded,
    Failed,
    Canceled,
}

impl<'a> Lifecycle<'a> {
    pub fn new(cluster: &'a Cluster, test: &'a str, blueprint: &'a Blueprint, timeouts: Timeouts) -> Self {
        Lifecycle { cluster, test, blueprint, resolved: OnceLock::new(), sources: OnceLock::new(), timeouts }
    }

    /// The test's objects: resolved through the inventory once that is done.
    pub fn blueprint(&self) -> &Blueprint {
        self.resolved.get().unwrap_or(self.blueprint)
    }

    /// The source VMs as the inventory served them, once resolved.
    pub fn source_vms(&self) -> &[SourceVm] {
        self.sources.get().map(Vec::as_slice).unwrap_or_default()
    }

    fn namespace(&self) -> &str {
        self.blueprint.namespace_name()
    }

    /// Looks the test's source Provider and each VM up in the Forklift
    /// inventory (once): VM ids go into the Plan, and maps without
    /// configured sources take the VMs' datastores and networks.
    async fn resolve_sources(&self, journal: &mut Journal) -> Result<(), String> {
        if self.resolved.get().is_some() {
            return Ok(());
        }
        let bp = self.blueprint;
        let provider = &bp.source_provider;
        let provider_type = provider["spec"]["type"].as_str().unwrap_or_default();
        let inventory = InventoryClient::for_provider(
            self.cluster.client().clone(),
            provider_type,
            self.namespace(),
            name_of(provider),
            self.timeouts.inventory,
        )
        .await?;
        let mut found = Vec::new();
        for entry in bp.plan["spec"]["vms"].as_array().into_iter().flatten() {
            let Some(name) = entry["name"].as_str() else { continue };
            match inventory.vm(name, self.timeouts.inventory).await? {
                Some(vm) => {
                    journal.note(format!("inventory: VM {name} of Provider {} is {}", inventory.provider(), vm.id));
                    found.push(vm);
                }
                None => journal.note(format!(
                    "inventory: Provider {} has no VM {name} after {}s; the Plan names it for Forklift to report",
                    inventory.provider(),
                    self.timeouts.inventory.as_secs()
                )),
            }
        }
        let _ = self.resolved.set(bp.with_inventory(&found));
        let _ = self.sources.set(found);
        Ok(())
    }

    async fn create(&self, kind: Kind, object: &Value, journal: &mut Journal) -> Result<Value, String> {
        let created = self.cluster.create(self.test, kind, object).await.map_err(|e| e.to_string())?;
        let ns = object["metadata"]["namespace"].as_str().map(|ns| format!("{ns}/")).unwrap_or_default();
        journal.note(format!("created {kind} {ns}{}", name_of(object)));
        Ok(created)
    }

    /// The namespace, both Providers and the source Secret; both Providers
    /// Ready. A source Provider whose connection test failed fails at once.
    pub async fn setup_providers(&self, journal: &mut Journal) -> Result<(), String> {
        let bp = self.blueprint();
        self.create(Kind::Namespace, &bp.namespace, journal).await?;
        self.create(Kind::Provider, &bp.destination_provider, journal).await?;
        self.create(Kind::Secret, &bp.source_secret, journal).await?;
        self.create(Kind::Provider, &bp.source_provider, journal).await?;
        for provider in [&bp.destination_provider, &bp.source_provider] {
            self.wait_provider_ready(name_of(provider), journal).await?;
        }
        Ok(())
    }

    async fn wait_provider_ready(&self, name: &str, journal: &mut Journal) -> Result<(), String> {
        wait_for(self.cluster, Kind::Provider, Some(self.namespace()), name, "become Ready", self.timeouts.provider_ready, |object| {
            let Some(provider) = object else { return Check::Pending };
            let current = provider["metadata"]["generation"] == provider["status"]["observedGeneration"];
            if provider["status"]["phase"] == "ConnectionFailed" || true_condition(provider, "ConnectionTestFailed").is_some() {
                return Check::Done(Err(format!("Provider {name}: ConnectionFailed: {}", critical_messages(provider))));
            }
            if current && true_condition(provider, "Ready").is_some() {
                return Check::Done(Ok(()));
            }
            Check::Pending
        })
        .await
        .map_err(wait_message)??;
        journal.note(format!("Provider {name} is Ready"));
        Ok(())
    }

    /// The storage array's Secret, and the Provider patch for SSH cloning.
    pub async fn create_copyoffload_secret(&self, journal: &mut Journal) -> Result<(), String> {
        let bp = self.blueprint();
        if let Some(secret) = &bp.copyoffload_secret {
            self.create(Kind::Secret, secret, journal).await?;
        }
        if let Some(patch) = &bp.provider_patch {
            let name = name_of(&bp.source_provider);
            self.cluster.patch(Kind::Provider, Some(self.namespace()), name, patch).await.map_err(|e| e.to_string())?;
            journal.note(format!("patched Provider {name}: {patch}"));
            self.wait_provider_ready(name, journal).await?;
        }
        Ok(())
    }

    pub async fn create_storagemap(&self, journal: &mut Journal) -> Result<(), String> {
        self.resolve_sources(journal).await?;
        let bp = self.blueprint();
        self.create(Kind::StorageMap, &bp.storage_map, journal).await?;
        self.wait_ready(Kind::StorageMap, name_of(&bp.storage_map), MAP_WAITS_ON, journal).await
    }

    pub async fn create_networkmap(&self, journal: &mut Journal) -> Result<(), String> {
        self.resolve_sources(journal).await?;
        let bp = self.blueprint();
        for nad in &bp.network_attachments {
            self.create(Kind::NetworkAttachmentDefinition, nad, journal).await?;
        }
        self.create(Kind::NetworkMap, &bp.network_map, journal).await?;
        self.wait_ready(Kind::NetworkMap, name_of(&bp.network_map), MAP_WAITS_ON, journal).await
    }

    /// Hooks, then the Plan, Ready. A validation problem that waiting cannot
    /// fix (a VM missing from the inventory, mixed copy modes) fails at once.
    pub async fn create_plan(&self, journal: &mut Journal) -> Result<(), String> {
        self.resolve_sources(journal).await?;
        let bp = self.blueprint();
        for hook in &bp.hooks {
            self.create(Kind::Hook, hook, journal).await?;
        }
        self.create(Kind::Plan, &bp.plan, journal).await?;
        self.wait_ready(Kind::Plan, name_of(&bp.plan), PLAN_WAITS_ON, journal).await
    }

    /// Waits for `Ready`; a `Critical` condition other than those in
    /// `transient` (which clear as their dependencies become ready) fails.
    async fn wait_ready(&self, kind: Kind, name: &str, transient: &[&str], journal: &mut Journal) -> Result<(), String> {
        wait_for(self.cluster, kind, Some(self.namespace()), name, "become Ready", self.timeouts.plan_ready, |object| {
            let Some(object) = object else { return Check::Pending };
            if true_condition(object, "Ready").is_some() {
                return Check::Done(Ok(()));
            }
            let blocking: Vec<&Value> = conditions(object)
                .filter(|c| c["category"] == "Critical" && !transient.contains(&c["type"].as_str().unwrap_or_default()))
                .collect();
            if blocking.is_empty() {
                return Check::Pending;
            }
            let reasons: Vec<String> = blocking.iter().map(|c| describe_condition(c)).collect();
            Check::Done(Err(format!("{kind} {name} is not Ready: {}", reasons.join("; "))))
        })
        .await
        .map_err(wait_message)??;
        journal.note(format!("{kind} {name} is Ready"));
        Ok(())
    }

    /// Starts the Migration (a warm one cuts over now) and waits, by watch,
    /// until the Plan has an Advisory `Succeeded` or `Failed` condition.
    /// Returns the finished Plan.
    pub async fn migrate(&self, journal: &mut Journal) -> Result<(PlanResult, Value), String> {
        let mut migration = self.blueprint().migration.clone();
        if migration["spec"].get("cutover").is_some() {
            migration["spec"]["cutover"] = Value::String(cutover_now());
        }
        self.create(Kind::Migration, &migration, journal).await?;
        let plan_name = name_of(&self.blueprint().plan);
        let finished =
            wait_for(self.cluster, Kind::Plan, Some(self.namespace()), plan_name, "finish migrating", self.timeouts.migration, |object| {
                let Some(plan) = object else {
                    return Check::Done(Err(format!("Plan {plan_name} was deleted while migrating")));
                };
                let result = [("Succeeded", PlanResult::Succeeded), ("Failed", PlanResult::Failed), ("Canceled", PlanResult::Canceled)]
                    .into_iter()
                    .find(|(kind, _)| true_condition(plan, kind).is_some_and(|c| c["category"] == "Advisory"));
                match result {
                    Some((_, result)) => Check::Done(Ok((result, plan.clone()))),
                    None => Check::Pending,
                }
            })
            .await
            .map_err(wait_message)??;
        journal.note(format!("Plan {plan_name} finished: {:?}", finished.0));
        Ok(finished)
    }
}

/// Plan conditions that clear by themselves once what they wait on is ready.
const PLAN_WAITS_ON: &[&str] = &["SourceProviderNotReady", "DestinationProviderNotReady", "StorageMapNotReady", "NetworkMapNotReady"];
const MAP_WAITS_ON: &[&str] = &["SourceProviderNotReady", "DestinationProviderNotReady"];

fn conditions(object: &Value) -> impl Iterator<Item = &Value> {
    object.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten().filter(|c| c["status"] == "True")
}

fn describe_condition(condition: &Value) -> String {
    let kind = condition["type"].as_str().unwrap_or_default();
    let message = condition["message"].as_str().unwrap_or_default();
    let items: Vec<&str> = condition["items"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    if items.is_empty() { format!("{kind}: {message}") } else { format!("{kind}: {message} ({})", items.join(", ")) }
}

fn critical_messages(object: &Value) -> String {
    let found: Vec<String> = conditions(object).filter(|c| c["category"] == "Critical").map(describe_condition).collect();
    if found.is_empty() { "no condition explains it".to_owned() } else { found.join("; ") }
}

fn wait_message(error: WaitError) -> String {
    error.to_string()
}
