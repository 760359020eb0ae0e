//! Streaming JUnit XML: the header is written from counts computed up
//! front, then each case goes straight to the output; nothing is held as a
//! document.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::atomic::write_atomically;
use super::escape::{escape_attribute, escape_text};
use super::record::{CaseRecord, Counts, Fault, Outcome, SuiteInfo};

/// Writes one `<testsuites>` holding one `<testsuite>` with `cases`, and
/// returns its counts. Every caller-supplied string passes through
/// `redact` (the secret redactor) before it is escaped and written.
pub fn write_junit<W, R>(out: W, suite: &SuiteInfo, cases: &[CaseRecord], redact: R) -> io::Result<Counts>
where
    W: Write,
    R: Fn(&str) -> Cow<'_, str>,
{
    let counts = Counts::of(cases);
    let mut writer = JunitWriter::new(out, redact);
    writer.begin(suite, &counts)?;
    for case in cases {
        writer.case(case)?;
    }
    writer.end()?;
    Ok(counts)
}

/// [`write_junit`] to `path`, atomically: a reader sees the old report or
/// the whole new one, never a partial file.
pub fn write_junit_file<R>(path: &Path, suite: &SuiteInfo, cases: &[CaseRecord], redact: R) -> io::Result<Counts>
where
    R: Fn(&str) -> Cow<'_, str>,
{
    write_atomically(path, |out| {
        write_junit(out, suite, cases, &redact)
            .map_err(|error| io::Error::new(error.kind(), format!("{}: cannot write the report: {error}", path.display())))
    })
}

const INDENT: &str = "\n                ";

/// The element-level writer shared by [`write_junit`] and merging.
pub(crate) struct JunitWriter<W: Write, R> {
    xml: Writer<W>,
    redact: R,
    /// Reused for every start tag and text node.
    buf: String,
}

impl<W: Write, R: Fn(&str) -> Cow<'_, str>> JunitWriter<W, R> {
    pub(crate) fn new(out: W, redact: R) -> Self {
        Self { xml: Writer::new(out), redact, buf: String::with_capacity(512) }
    }

    /// The declaration, `<testsuites>`, `<testsuite>` and its properties.
    pub(crate) fn begin(&mut self, suite: &SuiteInfo, counts: &Counts) -> io::Result<()> {
        self.xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        self.indent(0)?;
        let time = suite.duration.unwrap_or(counts.time);
        self.open("testsuites", &[("name", &suite.name)], Some(counts), Some(time), false)?;
        self.indent(1)?;
        let identity = [("name", suite.name.as_str()), ("timestamp", &suite.timestamp), ("hostname", &suite.hostname)];
        self.open("testsuite", &identity, Some(counts), Some(time), false)?;
        self.properties(&suite.properties, 2)
    }

    /// `<testcase>` with its properties, outcome element and captured log.
    pub(crate) fn case(&mut self, case: &CaseRecord) -> io::Result<()> {
        let xpass_property;
        let mut properties: &[(String, String)] = &case.properties;
        if let Outcome::XPassed { reason, strict: false } = &case.outcome {
            xpass_property = [case.properties.clone(), vec![("xpass".to_owned(), reason.clone())]].concat();
            properties = &xpass_property;
        }
        let element = outcome_element(&case.outcome);
        let has_body = !properties.is_empty() || !case.system_out.is_empty() || element.is_some();
        self.indent(2)?;
        let identity = [("classname", case.classname.as_str()), ("name", &case.name)];
        self.open("testcase", &identity, None, Some(case.time), !has_body)?;
        if !has_body {
            return Ok(());
        }
        self.properties(properties, 3)?;
        if let Some((name, fault)) = element {
            self.indent(3)?;
            self.fault(name, &fault)?;
        }
        if !case.system_out.is_empty() {
            self.indent(3)?;
            self.open("system-out", &[], None, None, false)?;
            self.text(&case.system_out)?;
            self.close("system-out")?;
        }
        self.indent(2)?;
        self.close("testcase")
    }

    /// Writes an event from another report as it is (merging).
    pub(crate) fn copy(&mut self, event: Event<'_>) -> io::Result<()> {
        self.xml.write_event(event)
    }

    pub(crate) fn end(mut self) -> io::Result<()> {
        self.indent(1)?;
        self.close("testsuite")?;
        self.indent(0)?;
        self.close("testsuites")?;
        self.indent(0)?;
        self.xml.into_inner().flush()
    }

    pub(crate) fn indent(&mut self, level: usize) -> io::Result<()> {
        let text = &INDENT[..(1 + 2 * level).min(INDENT.len())];
        self.xml.write_event(Event::Text(BytesText::from_escaped(text)))
    }

    fn properties(&mut self, properties: &[(String, String)], level: usize) -> io::Result<()> {
        if properties.is_empty() {
            return Ok(());
        }
        self.indent(level)?;
        self.open("properties", &[], None, None, false)?;
        for (name, value) in properties {
            self.indent(level + 1)?;
            self.open("property", &[("name", name), ("value", value)], None, None, true)?;
        }
        self.indent(level)?;
        self.close("properties")
    }

    fn fault(&mut self, element: &str, fault: &Fault) -> io::Result<()> {
        let attributes = [("message", fault.message.as_str()), ("type", &fault.kind)];
        let empty = fault.detail.is_empty();
        self.open(element, &attributes, None, None, empty)?;
        if empty {
            return Ok(());
        }
        self.text(&fault.detail)?;
        self.close(element)
    }

    /// A start (or empty) tag. Text attributes are redacted; counts and
    /// times are the host's own numbers and are not.
    fn open(
        &mut self,
        name: &str,
        text_attributes: &[(&str, &str)],
        counts: Option<&Counts>,
        time: Option<std::time::Duration>,
        empty: bool,
    ) -> io::Result<()> {
        let Self { xml, redact, buf } = self;
        buf.clear();
        buf.push_str(name);
        for (key, value) in text_attributes {
            let _ = write!(buf, " {key}=\"");
            escape_attribute(buf, &redact(value));
            buf.push('"');
        }
        if let Some(counts) = counts {
            let _ = write!(
                buf,
                " tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
                counts.tests, counts.failures, counts.errors, counts.skipped
            );
        }
        if let Some(time) = time {
            let _ = write!(buf, " time=\"{:.3}\"", time.as_secs_f64());
        }
        let tag = BytesStart::from_content(buf.as_str(), name.len());
        xml.write_event(if empty { Event::Empty(tag) } else { Event::Start(tag) })
    }

    fn text(&mut self, text: &str) -> io::Result<()> {
        let Self { xml, redact, buf } = self;
        buf.clear();
        escape_text(buf, &redact(text));
        xml.write_event(Event::Text(BytesText::from_escaped(buf.as_str())))
    }

    fn close(&mut self, name: &str) -> io::Result<()> {
        self.xml.write_event(Event::End(BytesEnd::new(name)))
    }
}

/// The element an outcome is written as, if any.
fn outcome_element(outcome: &Outcome) -> Option<(&'static str, Cow<'_, Fault>)> {
    let skipped = |kind: &str, message: String| Fault { message, kind: kind.to_owned(), detail: String::new() };
    match outcome {
        Outcome::Passed | Outcome::XPassed { strict: false, .. } => None,
        Outcome::Failed(fault) => Some(("failure", Cow::Borrowed(fault))),
        Outcome::Error(fault) => Some(("error", Cow::Borrowed(fault))),
        Outcome::Skipped { reason } => Some(("skipped", Cow::Owned(skipped("skip", reason.clone())))),
        Outcome::XFailed { reason } => Some(("skipped", Cow::Owned(skipped("xfail", format!("xfail: {reason}"))))),
        Outcome::XPassed { reason, strict: true } => Some(("failure", Cow::Owned(skipped("xpass", format!("XPASS(strict): {reason}"))))),
    }
}
