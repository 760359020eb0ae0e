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

/// What a gate's expected failure means for one step. The test as a whole
/// is the unit, as in pytest: a failing step is the test's xfail; passing
/// steps are passed, and only the last one, when every step passed, carries
/// the test's XPASS (a failure with `xfail_strict`).
#[derive(Debug, Clone, Copy)]
pub struct Judging<'a> {
    pub gate: &'a GateDecision,
    /// This is the test's last step: a pass here is a pass of the test.
    pub last_step: bool,
    pub xfail_strict: bool,
}

/// The reported outcome of a step that ran.
pub fn step_outcome(end: &StepEnd, judging: Judging) -> Outcome {
    let expected_failure = match judging.gate {
        GateDecision::XFail(reason) => Some(reason.clone()),
        _ => None,
    };
    match (end, expected_failure) {
        (StepEnd::Interrupted, _) => Outcome::Error(fault("Interrupted", "interrupted (Ctrl-C / SIGTERM): the run is stopping")),
        (StepEnd::Passed, Some(reason)) if judging.last_step => Outcome::XPassed { reason, strict: judging.xfail_strict },
        (StepEnd::Passed, _) => Outcome::Passed,
        (StepEnd::Failed(_) | StepEnd::Errored(_), Some(reason)) => Outcome::XFailed { reason },
        (StepEnd::Failed(fault), None) => Outcome::Failed(fault.clone()),
        (StepEnd::Errored(fault), None) => Outcome::Error(fault.clone()),
    }
}

/// A test's status from its steps' outcomes. A strict XPASS fails the
/// test, as pytest reports it; a non-strict one is an XPASS, not a failure.
pub fn test_status(outcomes: &[&Outcome], interrupted: bool) -> TestStatus {
    let any = |f: &dyn Fn(&Outcome) -> bool| outcomes.iter().any(|o| f(o));
    if interrupted {
        TestStatus::Interrupted
    } else if any(&|o| matches!(o, Outcome::Failed(_) | Outcome::XPassed { strict: true, .. })) {
        TestStatus::Failed
    } else if any(&|o| matches!(o, Outcome::Error(_))) {
        TestStatus::Errored
    } else if !outcomes.is_empty() && outcomes.iter().all(|o| matches!(o, Outcome::Skipped { .. })) {
        TestStatus::Skipped
    } else if any(&|o| matches!(o, Outcome::XFailed { .. })) {
        TestStatus::XFailed
    } else if any(&|o| matches!(o, Outcome::XPassed { strict: false, .. })) {
        TestStatus::XPassed
    } else {
        TestStatus::Passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judging(gate: &GateDecision, last_step: bool, xfail_strict: bool) -> Judging<'_> {
        Judging { gate, last_step, xfail_strict }
    }

    #[test]
    fn a_gated_test_is_judged_as_a_whole() {
        let xfail = GateDecision::XFail("MTV-1 open".into());
        let failed = StepEnd::Failed(fault("MigrationFailed", "boom"));
        let xfailed = Outcome::XFailed { reason: "MTV-1 open".into() };
        assert_eq!(step_outcome(&failed, judging(&xfail, false, false)), xfailed);
        assert_eq!(step_outcome(&StepEnd::Passed, judging(&xfail, false, true)), Outcome::Passed, "a step on the way is what it is");
        let xpass = |strict| Outcome::XPassed { reason: "MTV-1 open".into(), strict };
        assert_eq!(step_outcome(&StepEnd::Passed, judging(&xfail, true, false)), xpass(false));
        assert_eq!(step_outcome(&StepEnd::Passed, judging(&xfail, true, true)), xpass(true));
        assert_eq!(step_outcome(&StepEnd::Passed, judging(&GateDecision::Run, true, true)), Outcome::Passed);
        assert_eq!(test_status(&[&Outcome::Passed, &Outcome::Passed, &xfailed], false), TestStatus::XFailed);
        assert_eq!(test_status(&[&Outcome::Passed, &xpass(false)], false), TestStatus::XPassed);
        assert!(!TestStatus::XPassed.is_failure(), "XPASS fails only with xfail_strict");
        assert_eq!(test_status(&[&Outcome::Passed, &xpass(true)], false), TestStatus::Failed);
        assert_eq!(test_status(&[&Outcome::Failed(fault("F", "x")), &xfailed], false), TestStatus::Failed);
        assert_eq!(test_status(&[&Outcome::Skipped { reason: "r".into() }], false), TestStatus::Skipped);
    }
}
