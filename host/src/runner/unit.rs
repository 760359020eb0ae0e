//! One test as a unit of work: its steps in order against the cluster,
//! then the data collector (on failure) and teardown. Everything it does is
//! reported as events.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::event::{EventKind, StepRecord, TestRecord, TestStatus};
use super::gate::GateDecision;
use super::outcome::{Judging, StepEnd, fault, step_outcome, test_status};
use super::output_dir::OutputDir;
use super::reporting::Events;
use super::stop::Stop;
use crate::migration::{
    Blueprint, Checked, Cluster, Journal, Lifecycle, PlanResult, Timeouts, check_expected_failure, check_migrated_vms, directory_for,
    dump_namespace, failed_steps, name_of, plan_vms, teardown,
};
use crate::plan::{CollectedTest, MigrationResult, StepName, steps_after_failure};
use crate::report::{Counts, Fault, Outcome};
use serde_json::Value;

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
    /// `[run] xfail_strict`: a gated test that passes fails the run.
    pub xfail_strict: bool,
    /// The cluster's OpenShift release, when it reports one: it decides
    /// the serial the checks expect.
    pub openshift_version: Option<String>,
    /// `--data-collector-path`, where failed tests' objects are dumped;
    /// `None` with `--skip-data-collector`.
    pub data_collector: Option<Arc<OutputDir>>,
    pub stop: Stop,
    pub events: Events,
}

/// Reports one finished step of `unit`.
fn report_step(
    events: &Events,
    unit: &TestUnit,
    reported: &mut Reported,
    step: StepName,
    outcome: Outcome,
    duration: Duration,
    log: Vec<String>,
) {
    report_step_with(events, unit, reported, step, outcome, duration, log, Vec::new());
}

/// [`report_step`], with facts the step recorded (pipelines, checks).
#[allow(clippy::too_many_arguments)]
fn report_step_with(
    events: &Events,
    unit: &TestUnit,
    reported: &mut Reported,
    step: StepName,
    outcome: Outcome,
    duration: Duration,
    log: Vec<String>,
    facts: Vec<(String, String)>,
) {
    reported.cases.record(&outcome, duration);
    let mut properties = unit.gate_properties.clone();
    properties.extend(facts);
    events.send(EventKind::StepFinished(StepRecord {
        test: unit.test.id.clone(),
        step: step.as_str().to_owned(),
        outcome: outcome.clone(),
        duration,
        log,
        properties,
    }));
    reported.outcomes.push(outcome);
}

/// The steps a unit has reported so far.
#[derive(Default)]
struct Reported {
    outcomes: Vec<Outcome>,
    cases: Counts,
}

impl Reported {
    fn status(&self, interrupted: bool) -> TestStatus {
        test_status(&self.outcomes.iter().collect::<Vec<_>>(), interrupted)
    }
}

/// Reports every step of `unit` skipped with `reason`, without running it.
pub fn skip_unit(events: &Events, unit: &TestUnit, reason: &str) -> TestRecord {
    let mut reported = Reported::default();
    for step in unit.test.spec.steps() {
        report_step(events, unit, &mut reported, step, Outcome::Skipped { reason: reason.to_owned() }, Duration::ZERO, Vec::new());
    }
    let ended = Ended { status: TestStatus::Skipped, duration: Duration::ZERO, message: Some(reason.to_owned()) };
    finish(events, unit, ended, &reported, None, Vec::new())
}

/// How a unit ended, before its record is made.
struct Ended {
    status: TestStatus,
    duration: Duration,
    message: Option<String>,
}

fn finish(
    events: &Events,
    unit: &TestUnit,
    ended: Ended,
    reported: &Reported,
    collected: Option<PathBuf>,
    leftovers: Vec<crate::migration::Leftover>,
) -> TestRecord {
    let Ended { status, duration, message } = ended;
    let record = TestRecord { test: unit.test.id.clone(), status, duration, message, collected, leftovers, cases: reported.cases };
    events.send(EventKind::TestFinished(record.clone()));
    record
}

/// Runs `unit` to the end: steps, data collector, teardown.
pub async fn run_unit(ctx: &UnitContext, unit: &TestUnit) -> TestRecord {
    let blueprint = match &unit.prepared {
        Prepared::Skip(reason) => return skip_unit(&ctx.events, unit, reason),
        Prepared::Broken(problem) => return broken_unit(ctx, unit, problem),
        Prepared::Ready(blueprint) => blueprint,
    };
    let started = Instant::now();
    let namespace = blueprint.namespace_name().to_owned();
    ctx.events.send(EventKind::TestStarted { test: unit.test.id.clone(), namespace: Some(namespace.clone()) });
    let lifecycle = Lifecycle::new(&ctx.cluster, &unit.test.id, blueprint, ctx.timeouts);
    let steps = unit.test.spec.steps();
    let mut reported = Reported::default();
    let mut failed: Option<StepName> = None;
    let mut interrupted = false;
    let mut finished_plan = None;
    let mut first_problem = None;
    for (index, &step) in steps.iter().enumerate() {
        if interrupted {
            let reason = ctx.stop.reason().cloned().unwrap_or(super::event::StopReason::Interrupted).to_string();
            report_step(&ctx.events, unit, &mut reported, step, Outcome::Skipped { reason }, Duration::ZERO, Vec::new());
            continue;
        }
        if let Some(previous) = failed {
            let reason = steps_after_failure(&steps, previous).into_iter().find(|(s, _)| *s == step).map(|(_, r)| r).unwrap_or_default();
            report_step(&ctx.events, unit, &mut reported, step, Outcome::XFailed { reason }, Duration::ZERO, Vec::new());
            continue;
        }
        let step_started = Instant::now();
        let mut journal = Journal::default();
        let end = tokio::select! {
            biased;
            () = ctx.stop.requested() => StepEnd::Interrupted,
            end = run_step(&lifecycle, step, index == 0, unit, &mut journal, &mut finished_plan, ctx.openshift_version.as_deref()) => end,
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
        let judging = Judging { gate: &unit.gate, last_step: index + 1 == steps.len(), xfail_strict: ctx.xfail_strict };
        let outcome = step_outcome(&end, judging);
        let facts = journal.take_facts();
        report_step_with(&ctx.events, unit, &mut reported, step, outcome, step_started.elapsed(), journal.take(), facts);
    }
    let status = reported.status(interrupted);
    let message = match &unit.gate {
        GateDecision::XFail(reason) if status == TestStatus::XFailed => Some(reason.clone()),
        // Every step passed though the gate expected a failure: the expectation is stale.
        GateDecision::XFail(reason) if status == TestStatus::XPassed => Some(format!("XPASS: {reason}")),
        GateDecision::XFail(reason) if first_problem.is_none() && status == TestStatus::Failed => Some(format!("XPASS(strict): {reason}")),
        _ => first_problem,
    };
    let collected = match &ctx.data_collector {
        Some(output) if status.is_failure() || status == TestStatus::Interrupted => {
            let dumped = match output.claim(&directory_for(&unit.test.id)) {
                Ok(dir) => dump_namespace(&ctx.cluster, &namespace, &dir).await.map(|_| dir),
                Err(problem) => Err(problem),
            };
            match dumped {
                Ok(dir) => Some(dir),
                Err(problem) => {
                    ctx.events.send(EventKind::Warning(format!("{}: data collector: {problem}", unit.test.id)));
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
    finish(&ctx.events, unit, Ended { status, duration: started.elapsed(), message }, &reported, collected, leftovers)
}

fn broken_unit(ctx: &UnitContext, unit: &TestUnit, problem: &str) -> TestRecord {
    let steps = unit.test.spec.steps();
    let mut reported = Reported::default();
    for (index, &step) in steps.iter().enumerate() {
        let outcome = if index == 0 {
            let judging = Judging { gate: &unit.gate, last_step: false, xfail_strict: false };
            step_outcome(&StepEnd::Errored(fault("SetupError", problem)), judging)
        } else {
            Outcome::XFailed { reason: format!("previous step failed ({})", steps[0]) }
        };
        report_step(&ctx.events, unit, &mut reported, step, outcome, Duration::ZERO, Vec::new());
    }
    let ended = Ended {
        status: reported.status(false),
        duration: Duration::ZERO,
        message: Some(problem.lines().next().unwrap_or_default().to_owned()),
    };
    finish(&ctx.events, unit, ended, &reported, None, Vec::new())
}

async fn run_step(
    lifecycle: &Lifecycle<'_>,
    step: StepName,
    first: bool,
    unit: &TestUnit,
    journal: &mut Journal,
    finished_plan: &mut Option<Value>,
    openshift_version: Option<&str>,
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
            record_pipelines(&plan, journal);
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
            let mut checked = Checked::default();
            let problems = match spec.expected_migration_result {
                MigrationResult::Succeeded => {
                    let namespace = lifecycle.blueprint().namespace_name();
                    check_migrated_vms(lifecycle.cluster, namespace, plan, spec, lifecycle.source_vms(), openshift_version, &mut checked)
                        .await
                }
                MigrationResult::Failed => check_expected_failure(plan, spec, &mut checked),
            };
            for record in checked.into_records() {
                journal.fact("check", record.to_string());
            }
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

/// Each VM's Forklift pipeline from the finished Plan, one `pipeline`
/// property per VM: what the HTML report draws as the VM's timeline.
fn record_pipelines(plan: &Value, journal: &mut Journal) {
    for vm in plan_vms(plan) {
        let fact = serde_json::json!({
            "vm": vm["name"].as_str().or(vm["id"].as_str()).unwrap_or_default(),
            "phase": vm["phase"],
            "started": vm["started"],
            "completed": vm["completed"],
            "pipeline": vm["pipeline"],
        });
        journal.fact("pipeline", fact.to_string());
    }
}
