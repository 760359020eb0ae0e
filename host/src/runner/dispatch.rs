//! The dispatcher: starts test units up to `-j` at a time, in plan order,
//! and stops starting them on Ctrl-C/SIGTERM or after `--maxfail` failed
//! tests. Units already running finish their teardown either way; units
//! never started are reported as skipped with the reason.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::event::{Event, RunTotals, TestRecord, TestStatus};
use super::unit::{Prepared, TestUnit, UnitContext, run_unit, skip_unit};

#[derive(Debug, Clone, Copy)]
pub struct DispatchOptions {
    pub jobs: usize,
    /// Stop starting tests after this many failed (`-x` is 1).
    pub maxfail: Option<usize>,
}

/// Runs every unit and returns the totals (also sent as `RunFinished`).
pub async fn run_all(units: Vec<TestUnit>, ctx: Arc<UnitContext>, options: DispatchOptions) -> RunTotals {
    let started = Instant::now();
    let slots = Arc::new(Semaphore::new(options.jobs.max(1)));
    let failures = Arc::new(AtomicUsize::new(0));
    let mut running = JoinSet::new();
    let mut records: Vec<Option<TestRecord>> = vec![None; units.len()];
    let mut stopped_early = None;
    let stop_reason = |failures: &AtomicUsize| -> Option<String> {
        if ctx.cancel.is_cancelled() {
            return Some("run interrupted".to_owned());
        }
        let limit = options.maxfail?;
        (failures.load(Ordering::SeqCst) >= limit).then(|| format!("stopped after {limit} failed test(s) (--maxfail {limit})"))
    };
    for (index, unit) in units.into_iter().enumerate() {
        if matches!(unit.prepared, Prepared::Skip(_)) {
            records[index] = Some(run_unit(&ctx, &unit).await);
            continue;
        }
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.ok(),
            () = ctx.cancel.cancelled() => None,
        };
        let reason = stop_reason(&failures);
        if let (Some(slot), None) = (slot, &reason) {
            let ctx = Arc::clone(&ctx);
            let failures = Arc::clone(&failures);
            running.spawn(async move {
                let record = run_unit(&ctx, &unit).await;
                if record.status.is_failure() {
                    failures.fetch_add(1, Ordering::SeqCst);
                }
                drop(slot);
                (index, record)
            });
        } else {
            let reason = reason.unwrap_or_else(|| "run interrupted".to_owned());
            if !ctx.cancel.is_cancelled() {
                stopped_early.get_or_insert_with(|| reason.clone());
            }
            records[index] = Some(skip_unit(&ctx, &unit, &reason));
        }
    }
    while let Some(joined) = running.join_next().await {
        match joined {
            Ok((index, record)) => records[index] = Some(record),
            Err(error) => tracing::error!("a test task stopped unexpectedly: {error}"),
        }
    }
    let records: Vec<TestRecord> = records.into_iter().flatten().collect();
    let totals = RunTotals {
        tests: records.iter().map(|r| (r.test.clone(), r.status)).collect(),
        duration: started.elapsed(),
        interrupted: ctx.cancel.is_cancelled() || records.iter().any(|r| r.status == TestStatus::Interrupted),
        stopped_early,
        leftovers: records.iter().flat_map(|r| r.leftovers.clone()).collect(),
    };
    let _ = ctx.events.send(Event::RunFinished(totals.clone()));
    totals
}
