//! One test as a unit of work: its steps in order against the cluster,
//! then the data collector (on failure) and teardown. Everything it does is
//! reported as events.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::event::{Event, StepRecord, TestRecord, TestStatus};
use super::gate::GateDecision;
use super::outcome::{StepEnd, fault, step_outcome, test_status};
use crate::migration::{
    Blueprint, Cluster, Journal, Lifecycle, PlanResult, Timeouts, check_expected_failure, check_migrated_vms, directory_for,
    dump_namespace, failed_steps, name_of, teardown,
};
use crate::plan::{CollectedTest, MigrationResult, StepName, steps_after_failure};
use crate::report::{Fault, Outcome};

/// A selected test and what preparation decided for it.
#[derive(Debug, Clone)]
pub struct TestUnit {
    pub test: CollectedTest,
    pub gate: GateDecision,
    /// Gate facts, written as JUnit properties of every step.
    pub gate_properties: Vec<(String, String)>,
    pub prepared: Prepared,
}

#[derive(Debug, Clone)]
pub enum Prepared {
    /// Runs against the cluster with these objects.
    Ready(Box<Blueprint>),
    /// Not run: skipped at collection or by a gate.
    Skip(String),
    /// Cannot run: a problem found before any cluster call (copy-offload
    /// settings…); reported as an error of the first step.
    Broken(String),
}

/// What every unit of a run shares.
pub struct UnitContext {
    pub cluster: Cluster,
    pub timeouts: Timeouts,
    pub skip_teardown: bool,
    /// `--data-collector-path`, unless `--skip-data-collector`.
    pub data_collector: Option<PathBuf>,
    pub cancel: CancellationToken,
    pub events: UnboundedSender<Event>,
}

impl UnitContext {
    fn send(&self, event: Event) {
        // A closed channel means the reporters are gone; the run still finishes its teardown.
        let _ = self.events.send(event);
    }

    fn step(&self, unit: &TestUnit, step: StepName, outcome: Outcome, duration: Duration, log: Vec<String>) -> Outcome {
        self.send(Event::StepFinished(StepRecord {
            test: unit.test.id.clone(),
            step: step.as_str().to_owned(),
            outcome: outcome.clone(),
            duration,
            log,
            properties: unit.gate_properties.clone(),
        }));
        outcome
    }
}

/// Reports every step of `unit` skipped with `reason`, without running it.
pub fn skip_unit(ctx: &UnitContext, unit: &TestUnit, reason: &str) -> TestRecord {
    for step in unit.test.spec.steps() {
        ctx.step(unit, step, Outcome::Skipped { reason: reason.to_owned() }, Duration::ZERO, Vec::new());
    }
    finish(ctx, unit, TestStatus::Skipped, Duration::ZERO, Some(reason.to_owned()), None, Vec::new())
}

fn finish(
    ctx: &UnitContext,
    unit: &TestUnit,
    status: TestStatus,
    duration: Duration,
    message: Option<String>,
    collected: Option<PathBuf>,
    leftovers: Vec<crate::migration::Leftover>,
) -> TestRecord {
    let record = TestRecord { test: unit.test.id.clone(), status, duration, message, collected, leftovers };
    ctx.send(Event::TestFinished(record.clone()));
    record
}

/// Runs `unit` to the end: steps, data collector, teardown.
pub async fn run_unit(ctx: &UnitContext, unit: &TestUnit) -> TestRecord {
    let blueprint = match &unit.prepared {
        Prepared::Skip(reason) => return skip_unit(ctx, unit, reason),
        Prepared::Broken(problem) => return broken_unit(ctx, unit, problem),
        Prepared::Ready(blueprint) => blueprint,
    };
    let started = Instant::now();
    let namespace = blueprint.namespace_name().to_owned();
    ctx.send(Event::TestStarted { test: unit.test.id.clone(), namespace: Some(namespace.clone()) });
    let lifecycle = Lifecycle { cluster: &ctx.cluster, test: &unit.test.id, blueprint, timeouts: ctx.timeouts };
    let steps = unit.test.spec.steps();
    let mut outcomes = Vec::new();
    let mut failed: Option<StepName> = None;
    let mut interrupted = false;
    let mut finished_plan = None;
    let mut first_problem = None;
    for (index, &step) in steps.iter().enumerate() {
        if interrupted {
            outcomes.push(ctx.step(unit, step, Outcome::Skipped { reason: "run interrupted".into() }, Duration::ZERO, Vec::new()));
            continue;
        }
        if let Some(previous) = failed {
            let reason = steps_after_failure(&steps, previous).into_iter().find(|(s, _)| *s == step).map(|(_, r)| r).unwrap_or_default();
            outcomes.push(ctx.step(unit, step, Outcome::XFailed { reason }, Duration::ZERO, Vec::new()));
            continue;
        }
        let step_started = Instant::now();
        let mut journal = Journal::default();
        let end = tokio::select! {
            biased;
            () = ctx.cancel.cancelled() => StepEnd::Interrupted,
            end = run_step(&lifecycle, step, index == 0, unit, &mut journal, &mut finished_plan) => end,
        };
        match &end {
            StepEnd::Passed => {}
            StepEnd::Interrupted => {
                interrupted = true;
                first_problem.get_or_insert_with(|| format!("{step}: interrupted (Ctrl-C / SIGTERM)"));
            }
            StepEnd::Failed(f) | StepEnd::Errored(f) => {
                failed = Some(step);
                first_problem.get_or_insert_with(|| format!("{step}: {}", f.message));
            }
        }
        let outcome = step_outcome(&end, &unit.gate);
        outcomes.push(ctx.step(unit, step, outcome, step_started.elapsed(), journal.take()));
    }
    let status = test_status(&outcomes.iter().collect::<Vec<_>>(), interrupted);
    let message = match &unit.gate {
        GateDecision::XFail(reason) if status == TestStatus::XFailed => Some(reason.clone()),
        // A step passed that the gate expected to fail: the expectation is stale.
        GateDecision::XFail(reason) if status == TestStatus::XPassed => Some(format!("XPASS(strict): {reason}")),
        _ => first_problem,
    };
    let collected = match &ctx.data_collector {
        Some(root) if status.is_failure() || status == TestStatus::Interrupted => {
            let dir = root.join(directory_for(&unit.test.id));
            match dump_namespace(&ctx.cluster, &namespace, &dir).await {
                Ok(_) => Some(dir),
                Err(problem) => {
                    ctx.send(Event::Warning(format!("{}: data collector: {problem}", unit.test.id)));
                    None
                }
            }
        }
        _ => None,
    };
    let leftovers = if ctx.skip_teardown {
        Vec::new()
    } else {
        teardown(&ctx.cluster, &namespace, &ctx.cluster.ledger().of_test(&unit.test.id), ctx.timeouts.teardown).await
    };
    finish(ctx, unit, status, started.elapsed(), message, collected, leftovers)
}

fn broken_unit(ctx: &UnitContext, unit: &TestUnit, problem: &str) -> TestRecord {
    let steps = unit.test.spec.steps();
    let mut outcomes = Vec::new();
    for (index, &step) in steps.iter().enumerate() {
        let outcome = if index == 0 {
            step_outcome(&StepEnd::Errored(fault("SetupError", problem)), &unit.gate)
        } else {
            Outcome::XFailed { reason: format!("previous step failed ({})", steps[0]) }
        };
        outcomes.push(ctx.step(unit, step, outcome, Duration::ZERO, Vec::new()));
    }
    let status = test_status(&outcomes.iter().collect::<Vec<_>>(), false);
    finish(ctx, unit, status, Duration::ZERO, Some(problem.lines().next().unwrap_or_default().to_owned()), None, Vec::new())
}

async fn run_step(
    lifecycle: &Lifecycle<'_>,
    step: StepName,
    first: bool,
    unit: &TestUnit,
    journal: &mut Journal,
    finished_plan: &mut Option<Value>,
) -> StepEnd {
    if first && let Err(problem) = lifecycle.setup_providers(journal).await {
        return StepEnd::Errored(fault("SetupError", &problem));
    }
    let failed = |kind: &str, message: String| StepEnd::Failed(fault(kind, &message));
    let done = |result: Result<(), String>, kind: &str| match result {
        Ok(()) => StepEnd::Passed,
        Err(message) => failed(kind, message),
    };
    let spec = &unit.test.spec;
    match step {
        StepName::CreateCopyoffloadSecret => done(lifecycle.create_copyoffload_secret(journal).await, "CopyOffloadSetupFailed"),
        StepName::CreateStoragemap => done(lifecycle.create_storagemap(journal).await, "StorageMapNotReady"),
        StepName::CreateNetworkmap => done(lifecycle.create_networkmap(journal).await, "NetworkMapNotReady"),
        StepName::CreatePlan => done(lifecycle.create_plan(journal).await, "PlanNotReady"),
        StepName::Migrate => {
            let (result, plan) = match lifecycle.migrate(journal).await {
                Ok(finished) => finished,
                Err(message) => return failed("MigrationNotFinished", message),
            };
            let plan_name = name_of(&plan).to_owned();
            *finished_plan = Some(plan);
            let errors = finished_plan.as_ref().map(failed_steps).unwrap_or_default();
            let described: Vec<String> = errors.iter().map(|(vm, step, reasons)| format!("VM {vm} failed at {step}: {reasons}")).collect();
            match (spec.expected_migration_result, result) {
                (MigrationResult::Succeeded, PlanResult::Succeeded) | (MigrationResult::Failed, PlanResult::Failed) => {
                    if !described.is_empty() {
                        journal.note(format!("failed as expected: {}", described.join("; ")));
                    }
                    StepEnd::Passed
                }
                (MigrationResult::Succeeded, PlanResult::Failed) => {
                    failed("MigrationFailed", format!("Plan {plan_name} failed: {}", described.join("; ")))
                }
                (MigrationResult::Failed, PlanResult::Succeeded) => failed(
                    "MigrationSucceeded",
                    format!("Plan {plan_name} succeeded, but the test expects it to fail (expected_migration_result = \"failed\")"),
                ),
                (_, PlanResult::Canceled) => failed("MigrationCanceled", format!("Plan {plan_name} was canceled")),
            }
        }
        StepName::CheckVms => {
            let Some(plan) = finished_plan.as_ref() else {
                return StepEnd::Errored(fault("NoMigration", "no finished Plan to check"));
            };
            let problems = match spec.expected_migration_result {
                MigrationResult::Succeeded => check_migrated_vms(lifecycle.cluster, lifecycle.blueprint.namespace_name(), plan, spec).await,
                MigrationResult::Failed => check_expected_failure(plan, spec),
            };
            for problem in &problems {
                journal.note(format!("check failed: {problem}"));
            }
            match problems.as_slice() {
                [] => StepEnd::Passed,
                [only] => failed("VmCheckFailed", only.clone()),
                [first, rest @ ..] => StepEnd::Failed(Fault {
                    message: format!("{first} (and {} more)", rest.len()),
                    kind: "VmCheckFailed".to_owned(),
                    detail: problems.join("\n"),
                }),
            }
        }
    }
}
