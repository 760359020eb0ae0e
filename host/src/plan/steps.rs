//! A test runs as ordered steps, each reported on its own; once one fails,
//! the steps after it cannot mean anything and are reported as expected
//! failures that name the step that broke.

use std::fmt;

use super::model::TestSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepName {
    /// Copy-offload only: the storage array's credentials Secret.
    CreateCopyoffloadSecret,
    CreateStoragemap,
    CreateNetworkmap,
    CreatePlan,
    Migrate,
    CheckVms,
}

impl StepName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateCopyoffloadSecret => "create_copyoffload_secret",
            Self::CreateStoragemap => "create_storagemap",
            Self::CreateNetworkmap => "create_networkmap",
            Self::CreatePlan => "create_plan",
            Self::Migrate => "migrate",
            Self::CheckVms => "check_vms",
        }
    }
}

impl fmt::Display for StepName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TestSpec {
    /// The steps of this test, in the order they run.
    pub fn steps(&self) -> Vec<StepName> {
        let setup = self.copyoffload.then_some(StepName::CreateCopyoffloadSecret);
        setup
            .into_iter()
            .chain([StepName::CreateStoragemap, StepName::CreateNetworkmap, StepName::CreatePlan, StepName::Migrate, StepName::CheckVms])
            .collect()
    }
}

/// The steps after `failed` in `steps`, each with its expected-failure
/// reason: `previous step failed (<failed>)`.
pub fn steps_after_failure(steps: &[StepName], failed: StepName) -> Vec<(StepName, String)> {
    let reason = format!("previous step failed ({failed})");
    steps.iter().skip_while(|step| **step != failed).skip(1).map(|step| (*step, reason.clone())).collect()
}
