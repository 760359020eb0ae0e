//! The runner as a library: a test builds the units itself, drives
//! `execute` against the simulator with its own reporters, and reads what
//! comes back — no binary involved.

mod runner_common;

use std::sync::{Arc, Mutex};

use mtv_host::config::RunConfig;
use mtv_host::migration::{RunInputs, SourceEndpoint};
use mtv_host::plan::{RunFacts, TestFilter, TestPlan, collect};
use mtv_host::report::Counts;
use mtv_host::runner::reporters::Reporter;
use mtv_host::runner::{
    CopyOffloadPlans, DispatchOptions, Event, EventKind, Execution, Gating, OutputDir, Protected, Reporting, RunSettings, RunTotals, Stop,
    StopReason, TestStatus, execute, prepare_units,
};
use mtv_host::secrets::{ChosenBy, ProvidersPath, load_providers};
use runner_common::*;

/// Keeps every event it is given; fails on the `fail_on`-th test start.
struct Recorder {
    events: Arc<Mutex<Vec<Event>>>,
    fail_on: Option<usize>,
    started: usize,
}

impl Reporter for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    fn handle(&mut self, event: &Event) -> Result<(), String> {
        self.events.lock().unwrap().push(event.clone());
        if let EventKind::TestStarted { .. } = event.kind {
            self.started += 1;
            if Some(self.started) == self.fail_on {
                return Err("disk full".to_owned());
            }
        }
        Ok(())
    }
}

/// Runs the tests of `PLAN` matching `keyword` against the embedded
/// simulator, `jobs` at a time, with a recorder failing as told.
async fn run(keyword: &str, jobs: usize, fail_on: Option<usize>) -> (RunTotals, Vec<Event>) {
    let ws = Workspace::new(PLAN, "", "");
    let config = RunConfig::load(&ws.path("mtv-host.toml")).unwrap();
    let settings = RunSettings::resolve(&config, &[]).unwrap();
    assert_eq!(settings.cluster, mtv_host::runner::ClusterMode::Sim);
    let providers = load_providers(&ProvidersPath { path: ws.path("providers.json"), chosen_by: ChosenBy::Flag }).unwrap();
    let source = SourceEndpoint::from_profile(&providers.profile("vsphere-test").unwrap()).unwrap();
    let facts = RunFacts {
        source_provider: Some("vsphere-test".into()),
        source_provider_type: Some("vsphere".into()),
        storage_class: Some("standard".into()),
        ..RunFacts::default()
    };
    let plan = TestPlan::load(ws.path("plan.toml")).unwrap();
    let selection = TestFilter::new(Some(keyword), None).unwrap().select(collect(&plan, &facts));
    let inputs = RunInputs {
        storage_class: "standard",
        source: &source,
        source_storages: &settings.source_storages,
        source_networks: &settings.source_networks,
    };
    let units = prepare_units(selection.tests, &Gating::default(), Some(&inputs), &CopyOffloadPlans::new());
    let stop = Stop::default();
    let events = Arc::new(Mutex::new(Vec::new()));
    let reporting = Reporting::start(vec![Box::new(Recorder { events: Arc::clone(&events), fail_on, started: 0 })], &stop);
    let execution = Execution {
        settings: &settings,
        login: None,
        options: DispatchOptions { jobs, maxfail: None },
        skip_teardown: false,
        output: OutputDir::prepare(&ws.path("out"), &Protected::default()).unwrap(),
        collect_data: true,
        warnings: vec!["a warning".into()],
        deselected: 0,
        stop,
    };
    let totals = execute(units, execution, reporting).await.expect("the run starts");
    let events = events.lock().unwrap().clone();
    (totals, events)
}

#[tokio::test(flavor = "multi_thread")]
async fn events_are_stamped_in_order_and_carry_the_counts() {
    let (totals, events) = run("cold-sanity or missing-vm", 1, None).await;
    assert!(matches!(events.first().map(|e| &e.kind), Some(EventKind::RunStarted { .. })));
    assert!(matches!(events.last().map(|e| &e.kind), Some(EventKind::RunFinished(_))));
    assert!(events.windows(2).all(|pair| pair[0].timestamp <= pair[1].timestamp), "timestamps follow the order of events");
    // The counts on the stream are the steps' own outcomes, as JUnit counts them.
    let mut steps = Counts::default();
    for event in &events {
        if let EventKind::StepFinished(step) = &event.kind {
            steps.record(&step.outcome, step.duration);
        }
    }
    assert_eq!((totals.cases.tests, totals.cases.failures, totals.cases.skipped), (steps.tests, steps.failures, steps.skipped));
    assert_eq!(totals.cases.tests, 10, "two tests of five steps");
    assert_eq!(totals.tests, vec![("plan::cold-sanity".into(), TestStatus::Passed), ("plan::missing-vm".into(), TestStatus::Failed)]);
    assert_eq!(totals.stopped, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reporter_that_cannot_write_stops_the_run_with_its_reason() {
    let (totals, events) = run("cold-sanity or two-disks or missing-vm", 1, Some(1)).await;
    assert_eq!(totals.stopped, Some(StopReason::ReporterFailed { reporter: "recorder", problem: "disk full".into() }));
    let statuses: Vec<TestStatus> = totals.tests.iter().map(|(_, status)| *status).collect();
    assert_eq!(statuses[1..], [TestStatus::Skipped, TestStatus::Skipped], "nothing starts after the failure: {statuses:?}");
    // The failing reporter saw nothing more after its failure.
    assert!(matches!(events.last().map(|e| &e.kind), Some(EventKind::TestStarted { .. })), "{:?}", events.last());
}

/// Collects what the run says.
#[derive(Default)]
struct Said(Mutex<Vec<String>>);

impl mtv_host::runner::Narrator for Said {
    fn say(&self, line: &str) {
        self.0.lock().unwrap().push(line.to_owned());
    }

    fn note(&self, line: &str) {
        self.0.lock().unwrap().push(line.to_owned());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whole_session_runs_from_a_request_without_the_binary() {
    use mtv_host::runner::{Mode, Ran, RunRequest, session};
    let ws = Workspace::new(PLAN, "", "");
    let out = |name: &str| ws.path(name).display().to_string();
    let request = RunRequest {
        config: RunConfig::load(&ws.path("mtv-host.toml")).unwrap(),
        overrides: vec![("junit_xml".into(), out("junit.xml")), ("log_file".into(), out("run.log"))],
        keyword: Some("cold-sanity or missing-vm".into()),
        marker: None,
        mode: Mode::Execute,
        shard: None,
        maxfail: None,
        skip_teardown: false,
        collect_data: true,
        data_collector_path: ws.path("collected"),
        providers_json: None,
        secrets_dir: None,
        plugins: Default::default(),
        cache_dir: Some(ws.path("cache")),
    };
    let said = Said::default();
    let Ran::Executed(totals) = session::run(&request, &Stop::default(), &said).await.expect("runs") else { panic!("not executed") };
    assert_eq!(totals.tests, vec![("plan::cold-sanity".into(), TestStatus::Passed), ("plan::missing-vm".into(), TestStatus::Failed)]);
    assert!(ws.read("junit.xml").contains("plan::missing-vm"));

    let dry = RunRequest { mode: Mode::CollectOnly, ..request.clone() };
    let Ran::Dry { units, selection } = session::run(&dry, &Stop::default(), &said).await.expect("collects") else { panic!("not dry") };
    assert_eq!((units.len(), selection.deselected), (2, 3));

    let nothing = RunRequest { keyword: Some("no-such-test".into()), ..request };
    let ran = session::run(&nothing, &Stop::default(), &said).await.expect("selects");
    assert!(matches!(ran, Ran::NoTests { deselected: 5 }), "{ran:?}");
}
