//! `-k` and `-m`: choosing which collected tests a run keeps.

use super::collect::CollectedTest;
use super::expr::{Expr, ExprError};

/// The `-k` and `-m` expressions of a run, parsed.
#[derive(Debug, Clone, Default)]
pub struct TestFilter {
    keyword: Option<Expr>,
    marker: Option<Expr>,
}

/// The tests a filter kept, and how many it dropped ("3 deselected").
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub tests: Vec<CollectedTest>,
    pub deselected: usize,
}

impl Selection {
    /// Keep the tests of one `--shard`; the others count as deselected.
    /// Collection-time skips are sharded too, so the shards' reports merge
    /// into the unsharded run's test set.
    pub fn in_shard(self, shard: super::Shard) -> Selection {
        let before = self.tests.len();
        let tests: Vec<CollectedTest> = self.tests.into_iter().filter(|t| shard.contains(&t.id)).collect();
        Selection { deselected: self.deselected + before - tests.len(), tests }
    }
}

impl TestFilter {
    /// Parses `-k KEYWORD_EXPR` and `-m MARKER_EXPR`; absent or empty
    /// expressions keep every test.
    pub fn new(keyword: Option<&str>, marker: Option<&str>) -> Result<Self, ExprError> {
        let parse = |text: Option<&str>, option| text.map(|text| Expr::parse(text, option)).transpose();
        Ok(Self { keyword: parse(keyword, "-k")?.flatten(), marker: parse(marker, "-m")?.flatten() })
    }

    /// `-k`: each name is a case-insensitive substring of the test id
    /// (`<plan>::<test>`), so the plan name matches all its tests, as a
    /// module name does in pytest. `-m`: each name is a marker of the test.
    pub fn matches(&self, test: &CollectedTest) -> bool {
        let id = test.id.to_lowercase();
        let keyword_ok = self.keyword.as_ref().is_none_or(|expr| expr.eval(&|word| id.contains(&word.to_lowercase())));
        let marker_ok = self.marker.as_ref().is_none_or(|expr| expr.eval(&|name| test.has_marker(name)));
        keyword_ok && marker_ok
    }

    /// Keeps the matching tests, in order.
    pub fn select(&self, tests: Vec<CollectedTest>) -> Selection {
        let total = tests.len();
        let tests: Vec<CollectedTest> = tests.into_iter().filter(|test| self.matches(test)).collect();
        Selection { deselected: total - tests.len(), tests }
    }
}
