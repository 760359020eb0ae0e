//! The dispatcher: starts test units up to `-j` at a time, in plan order,
//! and stops starting them when the run is stopped (a signal, a reporter
//! that cannot write) or after `--maxfail` failed tests. Units already
//! running finish their teardown, unless the run is aborted (a second
//! signal): then it stops waiting for them and reports what it has.
//! Units never started are reported as skipped with the reason.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::event::{EventKind, RunTotals, StopReason, TestRecord, TestStatus};
use super::unit::{Prepared, TestUnit, UnitContext, run_unit, skip_unit};
use crate::report::Counts;

#[derive(Debug, Clone, Copy)]
pub struct DispatchOptions {
    pub jobs: usize,
    /// Stop starting tests after this many failed (`-x` is 1).
    pub maxfail: Option<usize>,
}

/// Runs every unit and returns the totals, also sent as `RunFinished`, or
/// as `RunAborted` when the run was aborted.
pub async fn run_all(units: Vec<TestUnit>, ctx: Arc<UnitContext>, options: DispatchOptions) -> RunTotals {
    let started = Instant::now();
    let slots = Arc::new(Semaphore::new(options.jobs.max(1)));
    let failures = Arc::new(AtomicUsize::new(0));
    let mut running = JoinSet::new();
    let ids: Vec<String> = units.iter().map(|u| u.test.id.clone()).collect();
    let mut records: Vec<Option<TestRecord>> = vec![None; units.len()];
    let mut maxfail_reached = None;
    let stop_reason = |failures: &AtomicUsize| -> Option<StopReason> {
        if let Some(reason) = ctx.stop.reason() {
            return Some(reason.clone());
        }
        let limit = options.maxfail?;
        (failures.load(Ordering::SeqCst) >= limit).then_some(StopReason::MaxFail { limit })
    };
    for (index, unit) in units.into_iter().enumerate() {
        if matches!(unit.prepared, Prepared::Skip(_)) {
            records[index] = Some(run_unit(&ctx, &unit).await);
            continue;
        }
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.ok(),
            () = ctx.stop.requested() => None,
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
            let reason = reason.unwrap_or(StopReason::Interrupted);
            if matches!(reason, StopReason::MaxFail { .. }) {
                maxfail_reached.get_or_insert_with(|| reason.clone());
            }
            records[index] = Some(skip_unit(&ctx.events, &unit, &reason.to_string()));
        }
    }
    loop {
        let joined = tokio::select! {
            biased;
            () = ctx.stop.aborted() => break,
            joined = running.join_next() => joined,
        };
        match joined {
            Some(Ok((index, record))) => records[index] = Some(record),
            Some(Err(error)) => tracing::error!("a test task stopped unexpectedly: {error}"),
            None => break,
        }
    }
    let aborted = ctx.stop.is_aborted();
    // Tests still running when the run was aborted: interrupted, and what
    // they created is still there (the ledger lists it).
    let tests: Vec<(String, TestStatus)> =
        ids.iter().zip(&records).map(|(id, record)| (id.clone(), record.as_ref().map_or(TestStatus::Interrupted, |r| r.status))).collect();
    let records: Vec<TestRecord> = records.into_iter().flatten().collect();
    let mut cases = Counts::default();
    for record in &records {
        cases.merge(&record.cases);
    }
    let totals = RunTotals {
        tests,
        duration: started.elapsed(),
        stopped: ctx.stop.reason().cloned().or(maxfail_reached),
        leftovers: records.iter().flat_map(|r| r.leftovers.clone()).collect(),
        cases,
    };
    let kind = if aborted { EventKind::RunAborted(totals.clone()) } else { EventKind::RunFinished(totals.clone()) };
    ctx.events.send(kind);
    totals
}
