//! Reading JUnit reports in one streaming pass: well-formedness, the root
//! element, the counts, and the first suite's header. Used to summarize a
//! report, to vet a plugin's replacement report, and as the first pass of
//! merging.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Duration;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::error::ReportError;
use super::record::{Counts, Tally};

/// The counts of the report at `path`, recomputed from its test cases.
pub fn summarize(path: &Path) -> Result<Counts, ReportError> {
    Ok(scan_file(path)?.counts)
}

/// Checks that `text` is well-formed XML whose root is `<testsuites>` or
/// `<testsuite>`; the error says what was found instead.
pub fn validate_junit(text: &str) -> Result<(), String> {
    scan(Reader::from_str(text), "the report text").map(drop).map_err(|error| error.to_string())
}

/// The test cases of a report and the outcomes they record: what a plugin
/// that annotates a report must hand back. Enrichment adds to a report; a
/// replacement that lost a case or one of its `<failure>`, `<error>` or
/// `<skipped>` elements would turn a failed run green.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// (what, classname, name) → how many times the report has it.
    entries: BTreeMap<(Recorded, String, String), u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Recorded {
    Case,
    Failure,
    Error,
    Skipped,
}

impl Inventory {
    /// The inventory of `text`, which must be JUnit XML.
    pub fn of(text: &str) -> Result<Inventory, String> {
        let mut scanner = Scanner::new("the report text");
        scanner.inventory = Some(Inventory::default());
        run(&mut scanner, Reader::from_str(text)).map_err(|error| error.to_string())?;
        Ok(scanner.inventory.unwrap_or_default())
    }

    /// What `self` records that `replacement` does not, described for a
    /// message (the first few), or `None` when nothing is missing.
    pub fn missing_from(&self, replacement: &Inventory) -> Option<String> {
        let missing: Vec<String> = self
            .entries
            .iter()
            .filter(|(key, count)| replacement.entries.get(*key).copied().unwrap_or(0) < **count)
            .map(|((recorded, classname, name), _)| {
                let case = if classname.is_empty() { name.clone() } else { format!("{classname}::{name}") };
                match recorded {
                    Recorded::Case => format!("test case {case}"),
                    Recorded::Failure => format!("the <failure> of {case}"),
                    Recorded::Error => format!("the <error> of {case}"),
                    Recorded::Skipped => format!("the <skipped> of {case}"),
                }
            })
            .collect();
        const SHOWN: usize = 3;
        match missing.len() {
            0 => None,
            n if n <= SHOWN => Some(missing.join(", ")),
            n => Some(format!("{} and {} more", missing[..SHOWN].join(", "), n - SHOWN)),
        }
    }

    fn add(&mut self, recorded: Recorded, (classname, name): &(String, String)) {
        *self.entries.entry((recorded, classname.clone(), name.clone())).or_default() += 1;
    }
}

/// What one pass over a report learns.
pub(crate) struct Scan {
    pub counts: Counts,
    /// The first `<testsuite>`'s header, if the report has one.
    pub first_suite: Option<SuiteHeader>,
}

#[derive(Default)]
pub(crate) struct SuiteHeader {
    pub timestamp: Option<String>,
    pub hostname: Option<String>,
    pub properties: Vec<(String, String)>,
}

pub(crate) fn open(path: &Path) -> Result<Reader<BufReader<File>>, ReportError> {
    let file = File::open(path).map_err(|source| ReportError::Io { path: path.to_owned(), source })?;
    Ok(Reader::from_reader(BufReader::with_capacity(1 << 16, file)))
}

pub(crate) fn scan_file(path: &Path) -> Result<Scan, ReportError> {
    scan(open(path)?, &path.display().to_string())
}

/// Elements whose position matters; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Testsuites,
    Testsuite,
    Properties,
    Testcase,
    Other,
}

fn tag_of(name: &str) -> Tag {
    match name {
        "testsuites" => Tag::Testsuites,
        "testsuite" => Tag::Testsuite,
        "properties" => Tag::Properties,
        "testcase" => Tag::Testcase,
        _ => Tag::Other,
    }
}

struct Scanner<'a> {
    origin: &'a str,
    stack: Vec<Tag>,
    root_closed: bool,
    suites_seen: usize,
    case: Option<(Duration, Tally)>,
    scan: Scan,
    /// Filled only when asked for (`Inventory::of`).
    inventory: Option<Inventory>,
    /// The open case's (classname, name), while an inventory is taken.
    case_id: Option<(String, String)>,
}

impl<'a> Scanner<'a> {
    fn new(origin: &'a str) -> Self {
        Scanner {
            origin,
            stack: Vec::new(),
            root_closed: false,
            suites_seen: 0,
            case: None,
            scan: Scan { counts: Counts::default(), first_suite: None },
            inventory: None,
            case_id: None,
        }
    }
}

pub(crate) fn scan<R: BufRead>(reader: Reader<R>, origin: &str) -> Result<Scan, ReportError> {
    let mut scanner = Scanner::new(origin);
    run(&mut scanner, reader)?;
    Ok(scanner.scan)
}

fn run<R: BufRead>(scanner: &mut Scanner<'_>, mut reader: Reader<R>) -> Result<(), ReportError> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|error| scanner.not_junit(format!("not well-formed XML at byte {}: {error}", reader.error_position())))?;
        match event {
            Event::Start(start) => scanner.element(&start, false)?,
            Event::Empty(start) => scanner.element(&start, true)?,
            Event::End(_) => scanner.end(),
            Event::Text(text) if scanner.stack.is_empty() && !text.trim().is_empty() => {
                return Err(scanner.not_junit("text outside the root element".to_owned()));
            }
            Event::CData(_) if scanner.stack.is_empty() => {
                return Err(scanner.not_junit("CDATA outside the root element".to_owned()));
            }
            Event::GeneralRef(reference) => scanner.reference(&reference)?,
            Event::DocType(_) => {
                return Err(scanner.not_junit("a DOCTYPE declaration (DTDs and entities are not accepted)".to_owned()));
            }
            Event::Eof => return scanner.finish(),
            _ => {}
        }
    }
}

impl Scanner<'_> {
    fn not_junit(&self, found: String) -> ReportError {
        ReportError::NotJunit { origin: self.origin.to_owned(), found }
    }

    fn element(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<(), ReportError> {
        let local = start.local_name();
        let name = local.as_ref();
        let attributes = self.attributes(start)?;
        if self.stack.is_empty() {
            if self.root_closed {
                return Err(self.not_junit(format!("a second root element <{name}>")));
            }
            if !matches!(tag_of(name), Tag::Testsuites | Tag::Testsuite) {
                return Err(self.not_junit(format!("root element <{name}>")));
            }
        }
        let tag = tag_of(name);
        let parent = self.stack.last().copied();
        match (parent, tag) {
            (_, Tag::Testsuite) => {
                self.suites_seen += 1;
                if self.suites_seen == 1 {
                    self.scan.first_suite = Some(SuiteHeader {
                        timestamp: attribute(&attributes, "timestamp").map(str::to_owned),
                        hostname: attribute(&attributes, "hostname").map(str::to_owned),
                        properties: Vec::new(),
                    });
                }
            }
            (_, Tag::Testcase) => {
                self.case = Some((self.case_time(&attributes)?, Tally::Passed));
                if let Some(inventory) = self.inventory.as_mut() {
                    let text = |key| attribute(&attributes, key).unwrap_or_default().to_owned();
                    let id = (text("classname"), text("name"));
                    inventory.add(Recorded::Case, &id);
                    self.case_id = Some(id);
                }
            }
            (Some(Tag::Testcase), Tag::Other) => {
                let tally = match name {
                    "failure" => Some((Tally::Failure, Recorded::Failure)),
                    "error" => Some((Tally::Error, Recorded::Error)),
                    "skipped" => Some((Tally::Skipped, Recorded::Skipped)),
                    _ => None,
                };
                if let (Some((tally, _)), Some((_, current))) = (tally, self.case.as_mut()) {
                    *current = worse(*current, tally);
                }
                if let (Some((_, recorded)), Some(inventory), Some(id)) = (tally, self.inventory.as_mut(), self.case_id.as_ref()) {
                    inventory.add(recorded, id);
                }
            }
            (Some(Tag::Properties), Tag::Other) if name == "property" && self.in_first_suite_properties() => {
                if let (Some(header), Some(property)) = (self.scan.first_suite.as_mut(), attribute(&attributes, "name")) {
                    let value = attribute(&attributes, "value").unwrap_or_default();
                    header.properties.push((property.to_owned(), value.to_owned()));
                }
            }
            _ => {}
        }
        self.stack.push(tag);
        if empty {
            self.end();
        }
        Ok(())
    }

    /// True inside the first suite's own `<properties>` (not a case's).
    fn in_first_suite_properties(&self) -> bool {
        self.suites_seen == 1
            && self.stack.len() >= 2
            && self.stack[self.stack.len() - 2] == Tag::Testsuite
            && !self.stack.contains(&Tag::Testcase)
    }

    fn end(&mut self) {
        if self.stack.pop() == Some(Tag::Testcase)
            && let Some((time, tally)) = self.case.take()
        {
            self.scan.counts.add(tally, time);
            self.case_id = None;
        }
        if self.stack.is_empty() {
            self.root_closed = true;
        }
    }

    /// Attribute names and values, which must be well-formed and use only
    /// predefined entities.
    fn attributes(&self, start: &BytesStart<'_>) -> Result<Vec<(String, String)>, ReportError> {
        start
            .attributes()
            .map(|attribute| {
                let attribute = attribute.map_err(|error| self.not_junit(format!("a malformed attribute: {error}")))?;
                let value = attribute
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|error| self.not_junit(format!("a malformed attribute value: {error}")))?;
                Ok((attribute.key.local_name().as_ref().to_owned(), value.into_owned()))
            })
            .collect()
    }

    fn case_time(&self, attributes: &[(String, String)]) -> Result<Duration, ReportError> {
        let text = attribute(attributes, "time").unwrap_or_default().trim();
        if text.is_empty() {
            return Ok(Duration::ZERO);
        }
        text.parse::<f64>()
            .ok()
            .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
            .ok_or_else(|| self.not_junit(format!("a testcase with time=\"{text}\", which is not a number of seconds")))
    }

    fn reference(&self, reference: &BytesRef<'_>) -> Result<(), ReportError> {
        if self.stack.is_empty() {
            return Err(self.not_junit("a character reference outside the root element".to_owned()));
        }
        let valid = if reference.is_char_ref() {
            matches!(reference.resolve_char_ref(), Ok(Some(_)))
        } else {
            matches!(reference.as_ref(), "lt" | "gt" | "amp" | "apos" | "quot")
        };
        if valid { Ok(()) } else { Err(self.not_junit(format!("an undefined entity &{};", reference.as_ref()))) }
    }

    fn finish(&self) -> Result<(), ReportError> {
        if !self.stack.is_empty() {
            return Err(self.not_junit("the file ends before its root element is closed".to_owned()));
        }
        if !self.root_closed {
            return Err(self.not_junit("no root element (an empty file?)".to_owned()));
        }
        Ok(())
    }
}

fn attribute<'a>(attributes: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attributes.iter().find(|(name, _)| name == key).map(|(_, value)| value.as_str())
}

/// A case with several outcome elements counts as the worst of them.
fn worse(current: Tally, new: Tally) -> Tally {
    let rank = |tally| match tally {
        Tally::Passed => 0,
        Tally::Skipped => 1,
        Tally::Error => 2,
        Tally::Failure => 3,
    };
    if rank(new) > rank(current) { new } else { current }
}
