//! From how a step ended and what the gate said to the outcome the report
//! shows, and from a test's step outcomes to its status.

use crate::report::{Fault, Outcome};

use super::event::TestStatus;
use super::gate::GateDecision;

/// How a step itself ended, before the gate's expectation applies.
#[derive(Debug, Clone, PartialEq)]
pub enum StepEnd {
    Passed,
    /// A check failed: `<failure>`.
    Failed(Fault),
    /// Something around the check broke (setup, cluster): `<error>`.
    Errored(Fault),
    Interrupted,
}

pub fn fault(kind: &str, message: &str) -> Fault {
    let first_line = message.lines().next().unwrap_or_default().to_owned();
    Fault { message: first_line, kind: kind.to_owned(), detail: message.to_owned() }
}

/// The reported outcome of a step that ran. An expected failure (gate
/// xfail) that passes is a strict XPASS: the gate is probably stale.
pub fn step_outcome(end: &StepEnd, gate: &GateDecision) -> Outcome {
    let expected_failure = match gate {
        GateDecision::XFail(reason) => Some(reason.clone()),
        _ => None,
    };
    match (end, expected_failure) {
        (StepEnd::Interrupted, _) => Outcome::Error(fault("Interrupted", "interrupted (Ctrl-C / SIGTERM): the run is stopping")),
        (StepEnd::Passed, Some(reason)) => Outcome::XPassed { reason, strict: true },
        (StepEnd::Passed, None) => Outcome::Passed,
        (StepEnd::Failed(_) | StepEnd::Errored(_), Some(reason)) => Outcome::XFailed { reason },
        (StepEnd::Failed(fault), None) => Outcome::Failed(fault.clone()),
        (StepEnd::Errored(fault), None) => Outcome::Error(fault.clone()),
    }
}

/// A test's status from its steps' outcomes.
pub fn test_status(outcomes: &[&Outcome], interrupted: bool) -> TestStatus {
    let any = |f: &dyn Fn(&Outcome) -> bool| outcomes.iter().any(|o| f(o));
    if interrupted {
        TestStatus::Interrupted
    } else if any(&|o| matches!(o, Outcome::Failed(_))) {
        TestStatus::Failed
    } else if any(&|o| matches!(o, Outcome::Error(_))) {
        TestStatus::Errored
    } else if any(&|o| matches!(o, Outcome::XPassed { strict: true, .. })) {
        TestStatus::XPassed
    } else if !outcomes.is_empty() && outcomes.iter().all(|o| matches!(o, Outcome::Skipped { .. })) {
        TestStatus::Skipped
    } else if any(&|o| matches!(o, Outcome::XFailed { .. })) {
        TestStatus::XFailed
    } else {
        TestStatus::Passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_expectations_turn_failures_into_xfail_and_passes_into_strict_xpass() {
        let xfail = GateDecision::XFail("MTV-1 open".into());
        let failed = StepEnd::Failed(fault("MigrationFailed", "boom"));
        assert_eq!(step_outcome(&failed, &xfail), Outcome::XFailed { reason: "MTV-1 open".into() });
        assert!(matches!(step_outcome(&StepEnd::Passed, &xfail), Outcome::XPassed { strict: true, .. }));
        assert_eq!(step_outcome(&StepEnd::Passed, &GateDecision::Run), Outcome::Passed);
        assert_eq!(test_status(&[&Outcome::Passed, &Outcome::XFailed { reason: "r".into() }], false), TestStatus::XFailed);
        assert_eq!(test_status(&[&Outcome::Failed(fault("F", "x")), &Outcome::XFailed { reason: "r".into() }], false), TestStatus::Failed);
        assert_eq!(test_status(&[&Outcome::Skipped { reason: "r".into() }], false), TestStatus::Skipped);
    }
}
