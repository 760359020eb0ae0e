//! Merging shard reports into one `<testsuite>`, in two streaming passes:
//! the first validates every input and adds up the counts the header needs,
//! the second copies each `<testcase>` element verbatim.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use quick_xml::events::Event;

use super::atomic::write_atomically;
use super::error::ReportError;
use super::read::{SuiteHeader, open, scan_file};
use super::record::{Counts, SuiteInfo};
use super::writer::JunitWriter;

/// Merges `inputs` into one report at `out` (written atomically; `out` may
/// be one of the inputs). Test cases keep their properties and captured
/// output; the suite's counts and time (the sum of case times) are
/// recomputed; its timestamp, hostname and properties come from the first
/// input. An input that is not JUnit is refused before anything is written.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<Counts, ReportError> {
    let mut counts = Counts::default();
    let mut header: Option<SuiteHeader> = None;
    for input in inputs {
        let scan = scan_file(input)?;
        counts.merge(&scan.counts);
        if header.is_none() {
            header = scan.first_suite;
        }
    }
    let header = header.unwrap_or_default();
    let mut suite = SuiteInfo::for_run(SystemTime::now(), header.properties);
    suite.timestamp = header.timestamp.unwrap_or(suite.timestamp);
    suite.hostname = header.hostname.unwrap_or(suite.hostname);

    write_atomically(out, |sink| {
        let written = |source| ReportError::Io { path: out.to_owned(), source };
        let mut writer = JunitWriter::new(sink, verbatim);
        writer.begin(&suite, &counts).map_err(written)?;
        for input in inputs {
            copy_cases(input, out, &mut writer)?;
        }
        writer.end().map_err(written)
    })?;
    Ok(counts)
}

/// Text copied from inputs was redacted when those reports were written.
fn verbatim(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(text)
}

fn copy_cases<W, R>(input: &Path, out: &Path, writer: &mut JunitWriter<W, R>) -> Result<(), ReportError>
where
    W: std::io::Write,
    R: Fn(&str) -> Cow<'_, str>,
{
    let mut reader = open(input)?;
    let written = |source| ReportError::Io { path: out.to_owned(), source };
    let mut buf = Vec::new();
    // Depth inside the `<testcase>` being copied; 0 outside any case.
    let mut depth = 0usize;
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|error| ReportError::NotJunit {
            origin: input.display().to_string(),
            found: format!("not well-formed XML at byte {} (changed while merging?): {error}", reader.error_position()),
        })?;
        let is_case = |start: &quick_xml::events::BytesStart<'_>| start.local_name().as_ref() == "testcase";
        match event {
            Event::Eof => return Ok(()),
            Event::Start(start) if depth == 0 && is_case(&start) => {
                writer.indent(2).map_err(written)?;
                writer.copy(Event::Start(start)).map_err(written)?;
                depth = 1;
            }
            Event::Empty(start) if depth == 0 && is_case(&start) => {
                writer.indent(2).map_err(written)?;
                writer.copy(Event::Empty(start)).map_err(written)?;
            }
            _ if depth == 0 => {}
            event => {
                match &event {
                    Event::Start(_) => depth += 1,
                    Event::End(_) => depth -= 1,
                    _ => {}
                }
                writer.copy(event).map_err(written)?;
            }
        }
    }
}
