//! Why a test plan was refused: every problem found, each with its place
//! in the file, the test it belongs to, and how to fix it.

use std::fmt;
use std::path::PathBuf;

/// A test plan that cannot be used. Validation reports every problem it
/// finds, not just the first, so one edit round fixes them all.
#[derive(Debug)]
pub struct PlanError {
    pub path: PathBuf,
    pub problems: Vec<Problem>,
}

/// One thing wrong with a plan file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// 1-based line and column in the plan file, when known.
    pub position: Option<(usize, usize)>,
    /// The test the problem belongs to, when it belongs to one.
    pub test: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file could not be read.
    Read,
    /// Not valid TOML.
    Syntax,
    /// A key the format does not have.
    UnknownKey,
    /// A key with a value of the wrong type or outside its allowed set.
    InvalidValue,
    /// Two tests with one name.
    DuplicateTest,
    /// A marker missing from the registry (`--strict-markers`).
    UnregisteredMarker,
    /// A JIRA key that does not match `[A-Z]+-[0-9]+`.
    InvalidJiraKey,
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, message: impl Into<String>) -> Self {
        Self { kind, position: None, test: None, message: message.into(), hint: None }
    }

    pub(crate) fn at(mut self, position: Option<(usize, usize)>) -> Self {
        self.position = position;
        self
    }

    pub(crate) fn in_test(mut self, test: Option<&str>) -> Self {
        self.test = test.map(str::to_owned);
        self
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl PlanError {
    pub(crate) fn single(path: PathBuf, problem: Problem) -> Self {
        Self { path, problems: vec![problem] }
    }

    /// True when some problem is of this kind.
    pub fn has(&self, kind: ProblemKind) -> bool {
        self.problems.iter().any(|problem| problem.kind == kind)
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.len() > 1 {
            writeln!(f, "test plan {} has {} problems:", self.path.display(), self.problems.len())?;
        }
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.path.display())?;
            if let Some((line, column)) = problem.position {
                write!(f, ":{line}:{column}")?;
            }
            write!(f, ": ")?;
            if let Some(test) = &problem.test {
                write!(f, "test \"{test}\": ")?;
            }
            write!(f, "{}", problem.message)?;
            if let Some(hint) = &problem.hint {
                write!(f, "\n  hint: {hint}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for PlanError {}
