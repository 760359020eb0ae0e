//! Reading a plan file: TOML syntax, then shape (unknown keys, types), then
//! the rules serde cannot express (unique names, registered markers, JIRA
//! keys, consistent expectations).

use std::collections::HashMap;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{PlanError, Problem, ProblemKind};
use super::markers::{JIRA_MARKER, MarkerRegistry, is_valid_marker_name};
use super::model::{HookResult, MigrationResult, PIPELINE_STEPS, PlanFile, TestSpec};

const FORMAT_DOC: &str = "docs/test-plan.md";

/// A validated test plan.
#[derive(Debug, Clone)]
pub struct TestPlan {
    path: PathBuf,
    name: String,
    markers: MarkerRegistry,
    tests: Vec<TestSpec>,
}

impl TestPlan {
    /// Reads and validates the plan at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, PlanError> {
        let path = path.as_ref();
        let text = fs::read_to_string(path).map_err(|error| {
            PlanError::single(
                path.to_owned(),
                Problem::new(ProblemKind::Read, format!("cannot read the test plan: {error}"))
                    .hint("check `test_plan` under [run] in the run config"),
            )
        })?;
        Self::parse(&text, path)
    }

    /// Validates plan `text`; `path` names it in errors and gives the plan
    /// its name (the file stem).
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Self, PlanError> {
        let path = path.as_ref();
        let file = deserialize(text).map_err(|problem| PlanError::single(path.to_owned(), problem))?;
        let markers = MarkerRegistry::with_plan_markers(&file.markers);
        let problems = validate(&file, &markers, text, path);
        if !problems.is_empty() {
            return Err(PlanError { path: path.to_owned(), problems });
        }
        Ok(Self { path: path.to_owned(), name: plan_name(path), markers, tests: file.tests.into_iter().map(Spanned::into_inner).collect() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The plan's name: its file stem, the first half of every test id.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn markers(&self) -> &MarkerRegistry {
        &self.markers
    }

    pub fn tests(&self) -> &[TestSpec] {
        &self.tests
    }

    /// The stable id of one of this plan's tests: `<plan stem>::<test name>`.
    pub fn test_id(&self, test: &TestSpec) -> String {
        format!("{}::{}", self.name, test.name)
    }
}

fn plan_name(path: &Path) -> String {
    path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_else(|| "plan".to_owned())
}

fn deserialize(text: &str) -> Result<PlanFile, Problem> {
    let root = DeTable::parse(text).map_err(|error| {
        Problem::new(ProblemKind::Syntax, format!("invalid TOML: {}", error.message()))
            .at(error.span().map(|span| line_column(text, span.start)))
            .hint("fix the TOML syntax at this position")
    })?;
    let tests = test_extents(&root);
    PlanFile::deserialize(toml::de::Deserializer::from(root)).map_err(|error| {
        let offset = error.span().map(|span| span.start);
        let test =
            offset.and_then(|offset| tests.iter().find(|(extent, _)| extent.contains(&offset)).and_then(|(_, name)| name.as_deref()));
        shape_problem(error.message(), test).at(offset.map(|offset| line_column(text, offset)))
    })
}

fn shape_problem(message: &str, test: Option<&str>) -> Problem {
    let problem = if message.starts_with("unknown field") {
        let hint = if test.is_some() {
            format!("remove the key or correct its spelling; {FORMAT_DOC} lists every key")
        } else {
            "a plan file holds a [markers] table and [[tests]] entries only".to_owned()
        };
        Problem::new(ProblemKind::UnknownKey, message).hint(hint)
    } else {
        Problem::new(ProblemKind::InvalidValue, message).hint(format!("{FORMAT_DOC} gives each key's type and allowed values"))
    };
    problem.in_test(test)
}

/// Where each `[[tests]]` entry sits in the text, with its name when it has
/// one: TOML spans cover a table's header only, so the extent is widened to
/// every key and value inside it.
fn test_extents(root: &Spanned<DeTable<'_>>) -> Vec<(Range<usize>, Option<String>)> {
    let Some(DeValue::Array(tests)) = root.get_ref().get("tests").map(Spanned::get_ref) else {
        return Vec::new();
    };
    tests
        .iter()
        .map(|test| {
            let name = match test.get_ref() {
                DeValue::Table(table) => match table.get("name").map(Spanned::get_ref) {
                    Some(DeValue::String(name)) => Some(name.to_string()),
                    _ => None,
                },
                _ => None,
            };
            (extent(test), name)
        })
        .collect()
}

fn extent(value: &Spanned<DeValue<'_>>) -> Range<usize> {
    let mut range = value.span();
    let mut widen = |other: Range<usize>| {
        range.start = range.start.min(other.start);
        range.end = range.end.max(other.end);
    };
    match value.get_ref() {
        DeValue::Table(table) => {
            for (key, value) in table.iter() {
                widen(key.span());
                widen(extent(value));
            }
        }
        DeValue::Array(items) => items.iter().for_each(|item| widen(extent(item))),
        _ => {}
    }
    range
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    LineStarts::new(text).line_column(text, offset)
}

/// Where each line of a text starts, so that many offsets are placed
/// without rescanning the text for each (a plan of 20,000 tests).
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> Self {
        Self(std::iter::once(0).chain(text.match_indices('\n').map(|(index, _)| index + 1)).collect())
    }

    fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.0.partition_point(|start| *start <= offset);
        let line_start = self.0[line - 1];
        (line, text[line_start..offset].chars().count() + 1)
    }
}

fn validate(file: &PlanFile, markers: &MarkerRegistry, text: &str, path: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for name in file.markers.keys().filter(|name| !is_valid_marker_name(name)) {
        problems.push(
            Problem::new(ProblemKind::InvalidValue, format!("marker name \"{name}\" in [markers] cannot be used in -m expressions"))
                .hint("use letters, digits and `_`, starting with a letter; `and`, `or`, `not` are reserved"),
        );
    }
    let mut first_use: HashMap<&str, (usize, usize)> = HashMap::new();
    let lines = LineStarts::new(text);
    for spanned in &file.tests {
        let test = spanned.get_ref();
        let position = lines.line_column(text, spanned.span().start);
        let mut found = Vec::new();
        if let Some(first) = first_use.get(test.name.as_str()) {
            found.push(
                Problem::new(ProblemKind::DuplicateTest, format!("the name is already used by the test at line {}", first.0))
                    .hint("rename one of them: test ids (`<plan>::<name>`) must be unique"),
            );
        } else {
            first_use.insert(&test.name, position);
        }
        check_name(test, &mut found);
        check_markers(test, markers, path, &mut found);
        found.extend(crate::integrations::check_test(test));
        check_virtual_machines(test, &mut found);
        check_expectations(test, &mut found);
        problems.extend(found.into_iter().map(|problem| problem.at(Some(position)).in_test(Some(&test.name))));
    }
    problems
}

fn check_name(test: &TestSpec, problems: &mut Vec<Problem>) {
    let valid = !test.name.is_empty() && test.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid {
        problems.push(
            Problem::new(ProblemKind::InvalidValue, "the name must be non-empty and use only letters, digits, `_`, `-`, `.`")
                .hint("the name becomes part of the test id `<plan>::<name>` and is matched by -k"),
        );
    }
}

fn check_markers(test: &TestSpec, markers: &MarkerRegistry, path: &Path, problems: &mut Vec<Problem>) {
    for marker in &test.markers {
        if marker == JIRA_MARKER {
            problems.push(
                Problem::new(ProblemKind::InvalidValue, "`jira` is set through the test's `jira` table, not `markers`")
                    .hint("write jira = [{ keys = [\"MTV-123\"] }] and drop \"jira\" from markers"),
            );
        } else if !markers.contains(marker) {
            let registered: Vec<&str> = markers.iter().map(|(name, _)| name).collect();
            problems.push(Problem::new(ProblemKind::UnregisteredMarker, format!("marker \"{marker}\" is not registered")).hint(format!(
                "register it in {} under [markers]: {marker} = \"what it marks\" (registered: {})",
                path.display(),
                registered.join(", ")
            )));
        }
    }
}

fn check_virtual_machines(test: &TestSpec, problems: &mut Vec<Problem>) {
    if test.virtual_machines.is_empty() {
        problems.push(
            Problem::new(ProblemKind::InvalidValue, "no virtual_machines to migrate")
                .hint("add at least one: virtual_machines = [{ name = \"my-vm\" }]"),
        );
    }
    for vm in &test.virtual_machines {
        if vm.name.trim().is_empty() {
            problems.push(
                Problem::new(ProblemKind::InvalidValue, "a virtual machine has an empty name")
                    .hint("set `name` to the VM's name in the source provider"),
            );
        }
        if vm.add_disks.iter().any(|disk| disk.size_gb == 0) {
            problems.push(
                Problem::new(ProblemKind::InvalidValue, format!("VM \"{}\" adds a disk of 0 GB", vm.name)).hint("set size_gb to 1 or more"),
            );
        }
    }
}

fn check_expectations(test: &TestSpec, problems: &mut Vec<Problem>) {
    let expects_failure = test.expected_migration_result == MigrationResult::Failed;
    if let Some(step) = &test.expected_failed_step {
        if !PIPELINE_STEPS.contains(&step.as_str()) {
            problems.push(
                Problem::new(ProblemKind::InvalidValue, format!("expected_failed_step \"{step}\" is not a Forklift pipeline step"))
                    .hint(format!("use one of: {}", PIPELINE_STEPS.join(", "))),
            );
        }
        if !expects_failure {
            problems.push(
                Problem::new(ProblemKind::InvalidValue, "expected_failed_step is set but the migration is expected to succeed")
                    .hint("add expected_migration_result = \"failed\", or remove expected_failed_step"),
            );
        }
    }
    for (key, hook) in [("pre_hook", &test.pre_hook), ("post_hook", &test.post_hook)] {
        let hook_fails = hook.as_ref().is_some_and(|hook| hook.expected_result == HookResult::Fail);
        if hook_fails && !expects_failure {
            problems.push(
                Problem::new(ProblemKind::InvalidValue, format!("{key} is expected to fail, which fails the migration"))
                    .hint("add expected_migration_result = \"failed\""),
            );
        }
    }
    if test.storage_vendor_product.is_some() && !test.copyoffload {
        problems.push(
            Problem::new(ProblemKind::InvalidValue, "storage_vendor_product is set on a test without copy-offload")
                .hint("set copyoffload = true, or remove storage_vendor_product"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 2), (1, 3));
        assert_eq!(line_column(text, 10), (2, 4));
    }
}
