//! What the page shows, read back from a JUnit report: the report is the
//! only input, so a run's page and one rebuilt later (or from merged shard
//! reports) come from the same data.

use std::collections::HashMap;

use jiff::Timestamp;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use serde_json::Value;

use super::super::error::ReportError;

/// A whole report: the first suite's facts and every test case.
#[derive(Debug, Default)]
pub struct RunReport {
    pub timestamp: Option<String>,
    /// The suite's `time`: wall-clock seconds of the run.
    pub duration: Option<f64>,
    pub properties: Vec<(String, String)>,
    /// Tests in report order, each with its steps.
    pub tests: Vec<TestView>,
}

/// One test: the cases sharing a classname.
#[derive(Debug, Default)]
pub struct TestView {
    pub id: String,
    pub steps: Vec<StepView>,
}

/// One `<testcase>`.
#[derive(Debug, Default, Clone)]
pub struct StepView {
    pub name: String,
    pub time: f64,
    pub status: Status,
    /// The outcome element's `message`.
    pub message: String,
    /// The outcome element's `type`.
    pub kind: String,
    pub detail: String,
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    #[default]
    Passed,
    XFailed,
    Skipped,
    XPassed,
    Failed,
    Error,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Self::Passed => "PASSED",
            Self::XFailed => "XFAIL",
            Self::Skipped => "SKIPPED",
            Self::XPassed => "XPASS",
            Self::Failed => "FAILED",
            Self::Error => "ERROR",
        }
    }

    /// The CSS class that colours it.
    pub fn class(self) -> &'static str {
        match self {
            Self::Passed => "pass",
            Self::XFailed | Self::Skipped => "skip",
            Self::XPassed | Self::Failed | Self::Error => "fail",
        }
    }
}

impl StepView {
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> impl Iterator<Item = &str> {
        self.properties.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// When it ran, from its `started`/`finished` properties.
    pub fn span(&self) -> Option<(Timestamp, Timestamp)> {
        Some((self.property("started")?.parse().ok()?, self.property("finished")?.parse().ok()?))
    }
}

impl TestView {
    /// The test's status from its steps, as the runner decides it: an error
    /// or failure wins, then an expected failure; all skipped is a skip.
    pub fn status(&self) -> Status {
        let worst = self.steps.iter().map(|s| s.status).max().unwrap_or_default();
        match worst {
            Status::Skipped if self.steps.iter().any(|s| s.status == Status::XFailed) => Status::XFailed,
            Status::Skipped if self.steps.iter().any(|s| s.status == Status::Passed) => Status::Passed,
            other => other,
        }
    }

    /// The first step that failed or errored.
    pub fn failed_step(&self) -> Option<&StepView> {
        self.steps.iter().find(|s| matches!(s.status, Status::Failed | Status::Error | Status::XPassed))
    }

    /// The message to show: the first failure's, else a skip's or xfail's reason.
    pub fn message(&self) -> Option<&str> {
        self.failed_step()
            .or_else(|| self.steps.iter().find(|s| matches!(s.status, Status::XFailed | Status::Skipped)))
            .map(|s| s.message.as_str())
            .filter(|m| !m.is_empty())
    }

    /// First start to last end of its steps, if they were stamped.
    pub fn span(&self) -> Option<(Timestamp, Timestamp)> {
        let spans: Vec<_> = self.steps.iter().filter_map(StepView::span).collect();
        Some((spans.iter().map(|s| s.0).min()?, spans.iter().map(|s| s.1).max()?))
    }

    pub fn duration(&self) -> f64 {
        match self.span() {
            Some((start, end)) => (end - start).total(jiff::Unit::Second).unwrap_or(0.0),
            None => self.steps.iter().map(|s| s.time).sum(),
        }
    }

    /// A property from whichever step carries it (gate facts are on every step).
    pub fn property(&self, key: &str) -> Option<&str> {
        self.steps.iter().find_map(|s| s.property(key))
    }

    /// Each VM's pipeline recorded by the migrate step.
    pub fn pipelines(&self) -> Vec<Value> {
        self.steps.iter().flat_map(|s| s.all("pipeline")).filter_map(|v| serde_json::from_str(v).ok()).collect()
    }

    /// Each comparison the checks made.
    pub fn checks(&self) -> Vec<Value> {
        self.steps.iter().flat_map(|s| s.all("check")).filter_map(|v| serde_json::from_str(v).ok()).collect()
    }
}

impl RunReport {
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Passes every text of the report through `redact`.
    pub fn redact(&mut self, redact: &dyn Fn(&str) -> String) {
        let pairs = |pairs: &mut Vec<(String, String)>| {
            for (key, value) in pairs {
                *key = redact(key);
                *value = redact(value);
            }
        };
        pairs(&mut self.properties);
        for test in &mut self.tests {
            test.id = redact(&test.id);
            for step in &mut test.steps {
                pairs(&mut step.properties);
                for text in [&mut step.name, &mut step.message, &mut step.kind, &mut step.detail] {
                    *text = redact(text);
                }
            }
        }
    }

    /// Reads the JUnit XML `text`; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ReportError> {
        let not_junit = |found: String| ReportError::NotJunit { origin: origin.to_owned(), found };
        let mut reader = Reader::from_str(text);
        let mut report = RunReport::default();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut path: Vec<String> = Vec::new();
        let mut suites = 0usize;
        let mut case: Option<(String, StepView)> = None;
        // Where the next text goes: an outcome element's detail, or nothing.
        let mut in_outcome = false;
        loop {
            let event =
                reader.read_event().map_err(|e| not_junit(format!("not well-formed XML at byte {}: {e}", reader.error_position())))?;
            let (start, empty) = match &event {
                Event::Start(s) => (Some(s.clone()), false),
                Event::Empty(s) => (Some(s.clone()), true),
                _ => (None, false),
            };
            if let Some(start) = start {
                let name = start.local_name().as_ref().to_owned();
                if path.is_empty() && name != "testsuites" && name != "testsuite" {
                    return Err(not_junit(format!("the root element is <{name}>")));
                }
                let attrs = attributes(&start);
                let get = |key: &str| attrs.get(key).cloned().unwrap_or_default();
                match name.as_str() {
                    "testsuite" => {
                        suites += 1;
                        if suites == 1 {
                            report.timestamp = attrs.get("timestamp").cloned();
                            report.duration = attrs.get("time").and_then(|t| t.parse().ok());
                        }
                    }
                    "testcase" => {
                        let step = StepView { name: get("name"), time: get("time").parse().unwrap_or(0.0), ..StepView::default() };
                        case = Some((get("classname"), step));
                    }
                    "property" => {
                        let pair = (get("name"), get("value"));
                        match &mut case {
                            Some((_, step)) => step.properties.push(pair),
                            None if suites == 1 => report.properties.push(pair),
                            None => {}
                        }
                    }
                    "failure" | "error" | "skipped" => {
                        if let Some((_, step)) = &mut case {
                            let kind = get("type");
                            step.status = match (name.as_str(), kind.as_str()) {
                                ("failure", "xpass") => Status::XPassed,
                                ("failure", _) => Status::Failed,
                                ("error", _) => Status::Error,
                                (_, "xfail") => Status::XFailed,
                                _ => Status::Skipped,
                            };
                            step.message = get("message");
                            step.kind = kind;
                            in_outcome = !empty;
                        }
                    }
                    _ => {}
                }
                if !empty {
                    path.push(name);
                } else if name == "testcase" {
                    finish_case(&mut report, &mut index, case.take());
                }
                continue;
            }
            match event {
                Event::Text(text) if in_outcome => {
                    if let Some((_, step)) = &mut case {
                        step.detail.push_str(&text.xml10_content());
                    }
                }
                Event::GeneralRef(reference) if in_outcome => {
                    if let Some((_, step)) = &mut case {
                        step.detail.push_str(&resolve(&reference));
                    }
                }
                Event::CData(data) if in_outcome => {
                    if let Some((_, step)) = &mut case {
                        step.detail.push_str(data.as_ref());
                    }
                }
                Event::End(_) => {
                    let closed = path.pop().unwrap_or_default();
                    match closed.as_str() {
                        "testcase" => finish_case(&mut report, &mut index, case.take()),
                        "failure" | "error" | "skipped" => in_outcome = false,
                        _ => {}
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if suites == 0 && report.tests.is_empty() && path.is_empty() && text.trim().is_empty() {
            return Err(not_junit("an empty file".to_owned()));
        }
        Ok(report)
    }
}

fn finish_case(report: &mut RunReport, index: &mut HashMap<String, usize>, case: Option<(String, StepView)>) {
    let Some((classname, step)) = case else { return };
    let at = *index.entry(classname.clone()).or_insert_with(|| {
        report.tests.push(TestView { id: classname, steps: Vec::new() });
        report.tests.len() - 1
    });
    report.tests[at].steps.push(step);
}

fn attributes(start: &BytesStart<'_>) -> HashMap<String, String> {
    start
        .attributes()
        .flatten()
        .map(|a| {
            let key = a.key.local_name().as_ref().to_owned();
            let value = a.normalized_value(XmlVersion::Implicit1_0).map(|v| v.into_owned()).unwrap_or_else(|_| a.value.to_string());
            (key, value)
        })
        .collect()
}

/// An entity or character reference in text, as the character it stands for.
fn resolve(reference: &quick_xml::events::BytesRef<'_>) -> String {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        return c.to_string();
    }
    match reference.as_ref() {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
    .to_owned()
}
