//! JUnit reports checked with parsers that share no code with the writer:
//! `junit-parser` for the JUnit reading CI tools do, and `roxmltree` as a
//! strict XML 1.0 parser (and for element text: junit-parser drops entity
//! references from text content).

use std::borrow::Cow;
use std::fs;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use junit_parser::{TestCase, TestStatus, TestSuite};
use mtv_host::report::{
    CaseRecord, Counts, Fault, Outcome, ReportError, SuiteInfo, merge, summarize, validate_junit, write_atomically, write_junit,
    write_junit_file,
};

const CANARY: &str = "canary-s3cr3t-7f2a";

fn redact(text: &str) -> Cow<'_, str> {
    if text.contains(CANARY) { Cow::Owned(text.replace(CANARY, "[REDACTED]")) } else { Cow::Borrowed(text) }
}

fn case(classname: &str, name: &str, millis: u64, outcome: Outcome) -> CaseRecord {
    CaseRecord {
        classname: classname.to_owned(),
        name: name.to_owned(),
        time: Duration::from_millis(millis),
        outcome,
        properties: Vec::new(),
        system_out: String::new(),
    }
}

fn fault(message: &str, kind: &str, detail: &str) -> Fault {
    Fault { message: message.to_owned(), kind: kind.to_owned(), detail: detail.to_owned() }
}

fn suite(properties: &[(&str, &str)]) -> SuiteInfo {
    let properties = properties.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    SuiteInfo::for_run(SystemTime::now(), properties)
}

/// One of each outcome.
fn mixed_cases() -> Vec<CaseRecord> {
    let mut passed = case("plan::cold", "create_storagemap", 1500, Outcome::Passed);
    passed.properties = vec![("jira".to_owned(), "MTV-1001 resolved".to_owned())];
    passed.system_out = "created StorageMap sm-abcd\nready".to_owned();
    vec![
        passed,
        case("plan::cold", "migrate", 2000, Outcome::Failed(fault("Plan failed", "MigrationFailed", "step DiskTransfer: disk 1 failed"))),
        case("plan::cold", "check_vms", 0, Outcome::XFailed { reason: "previous step failed (migrate)".to_owned() }),
        case("plan::setup", "create_plan", 250, Outcome::Error(fault("cluster unreachable", "ClusterError", ""))),
        case("plan::openstack-only", "openstack-only", 0, Outcome::Skipped { reason: "applies only to openstack".to_owned() }),
        case("plan::gated", "migrate", 10, Outcome::XPassed { reason: "MTV-1001 open".to_owned(), strict: true }),
        case("plan::lenient", "migrate", 10, Outcome::XPassed { reason: "MTV-7 open".to_owned(), strict: false }),
    ]
}

fn parse_file(path: &Path) -> TestSuite {
    let text = fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    if let Err(error) = roxmltree::Document::parse(&text) {
        panic!("strict XML parser rejects {}: {error}\n{text}", path.display());
    }
    let file = fs::File::open(path).unwrap_or_else(|error| panic!("{error}"));
    let mut suites = junit_parser::from_reader(BufReader::new(file)).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(suites.suites.len(), 1, "one <testsuite>");
    suites.suites.remove(0)
}

/// The text of `child` (`failure`, `system-out`…) of one test case, read
/// with the strict parser.
fn child_text(path: &Path, classname: &str, name: &str, child: &str) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|error| panic!("{error}"));
    let document = roxmltree::Document::parse(&text).unwrap_or_else(|error| panic!("{error}"));
    let case = document
        .descendants()
        .find(|node| {
            node.has_tag_name("testcase") && node.attribute("classname") == Some(classname) && node.attribute("name") == Some(name)
        })
        .unwrap_or_else(|| panic!("no case {classname} {name}"));
    let element = case.children().find(|node| node.has_tag_name(child)).unwrap_or_else(|| panic!("no <{child}>"));
    element.text().unwrap_or_default().to_owned()
}

fn cases_named<'a>(suite: &'a TestSuite, classname: &str, name: &str) -> &'a TestCase {
    suite
        .cases
        .iter()
        .find(|case| case.classname.as_deref() == Some(classname) && case.original_name == name)
        .unwrap_or_else(|| panic!("no case {classname} {name}"))
}

fn property<'a>(properties: &'a junit_parser::Properties, name: &str) -> Option<&'a str> {
    properties.vec.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

#[test]
fn a_mixed_report_reads_back_with_counts_and_contents() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let path = dir.path().join("junit-report.xml");
    let counts = write_junit_file(&path, &suite(&[("source_provider", "vsphere-8")]), &mixed_cases(), redact)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!((counts.tests, counts.failures, counts.errors, counts.skipped), (7, 2, 1, 2));
    assert_eq!(counts.passed(), 2);

    let parsed = parse_file(&path);
    assert_eq!(parsed.name, "mtv-host");
    assert_eq!((parsed.tests, parsed.failures, parsed.errors, parsed.skipped), (7, 2, 1, 2));
    assert_eq!(parsed.cases.len(), 7);
    assert!((parsed.time - 3.77).abs() < 1e-6, "{}", parsed.time);
    assert!(parsed.timestamp.is_some() && parsed.hostname.is_some());
    assert_eq!(property(&parsed.properties, "source_provider"), Some("vsphere-8"));

    let passed = cases_named(&parsed, "plan::cold", "create_storagemap");
    assert!(passed.status.is_success());
    assert!((passed.time - 1.5).abs() < 1e-9);
    assert_eq!(property(&passed.properties, "jira"), Some("MTV-1001 resolved"));
    assert_eq!(passed.system_out.as_deref(), Some("created StorageMap sm-abcd\nready"));

    let TestStatus::Failure(failure) = &cases_named(&parsed, "plan::cold", "migrate").status else { panic!("migrate should fail") };
    assert_eq!((failure.message.as_str(), failure.failure_type.as_str()), ("Plan failed", "MigrationFailed"));
    assert_eq!(failure.text, "step DiskTransfer: disk 1 failed");

    let TestStatus::Skipped(xfail) = &cases_named(&parsed, "plan::cold", "check_vms").status else { panic!("check_vms should be xfail") };
    assert_eq!(xfail.message, "xfail: previous step failed (migrate)");

    let TestStatus::Error(error) = &cases_named(&parsed, "plan::setup", "create_plan").status else {
        panic!("create_plan should be an error")
    };
    assert_eq!((error.message.as_str(), error.error_type.as_str()), ("cluster unreachable", "ClusterError"));

    let TestStatus::Failure(xpass) = &cases_named(&parsed, "plan::gated", "migrate").status else { panic!("a strict XPASS is a failure") };
    assert_eq!(xpass.message, "XPASS(strict): MTV-1001 open");

    let lenient = cases_named(&parsed, "plan::lenient", "migrate");
    assert!(lenient.status.is_success());
    assert_eq!(property(&lenient.properties, "xpass"), Some("MTV-7 open"));

    assert_eq!(summarize(&path).unwrap_or_else(|error| panic!("{error}")), counts);
}

#[test]
fn the_canary_never_reaches_the_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let path = dir.path().join("report.xml");
    let leak = format!("token={CANARY}");
    let mut record = case(&leak, &leak, 1, Outcome::Failed(fault(&leak, &leak, &leak)));
    record.properties = vec![(leak.clone(), leak.clone())];
    record.system_out = format!("curl -H 'Authorization: Bearer {CANARY}'");
    let cases = vec![
        record,
        case("c", "skip", 0, Outcome::Skipped { reason: leak.clone() }),
        case("c", "xfail", 0, Outcome::XFailed { reason: leak.clone() }),
        case("c", "error", 0, Outcome::Error(fault(&leak, "E", &leak))),
    ];
    let mut info = suite(&[("password", CANARY)]);
    info.hostname = leak.clone();
    write_junit_file(&path, &info, &cases, redact).unwrap_or_else(|error| panic!("{error}"));
    let text = fs::read_to_string(&path).unwrap_or_else(|error| panic!("{error}"));
    assert!(!text.contains(CANARY), "{text}");
    assert!(text.matches("[REDACTED]").count() >= 12, "{text}");
    parse_file(&path);
}

#[test]
fn special_characters_survive() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let path = dir.path().join("report.xml");
    let tricky = "a<b & c>d \"q\" 'a' é ✓ 日本 😀 ]]> --> &amp;";
    let mut record = case(tricky, tricky, 1, Outcome::Failed(fault("line one\nline\ttwo", tricky, tricky)));
    record.system_out = format!("\u{1b}[31mred\u{1b}[0m bell\u{7} nul\u{0} {tricky}\r\nnext");
    record.properties = vec![("k<&>".to_owned(), tricky.to_owned())];
    write_junit_file(&path, &suite(&[]), &[record], redact).unwrap_or_else(|error| panic!("{error}"));

    let parsed = parse_file(&path);
    let only = &parsed.cases[0];
    assert_eq!(only.original_name, tricky);
    assert_eq!(only.classname.as_deref(), Some(tricky));
    assert_eq!(property(&only.properties, "k<&>"), Some(tricky));
    let TestStatus::Failure(failure) = &only.status else { panic!("should fail") };
    assert_eq!(failure.message, "line one\nline\ttwo", "newlines and tabs in attributes are kept");
    assert_eq!(failure.failure_type, tricky);
    assert_eq!(child_text(&path, tricky, tricky, "failure"), tricky);
    assert_eq!(child_text(&path, tricky, tricky, "system-out"), format!("#x1B[31mred#x1B[0m bell#x07 nul#x00 {tricky}\r\nnext"));
}

#[test]
fn the_report_streams_to_any_writer() {
    let mut out = Vec::new();
    let counts = write_junit(&mut out, &suite(&[]), &mixed_cases(), redact).unwrap_or_else(|error| panic!("{error}"));
    let text = String::from_utf8(out).unwrap_or_else(|error| panic!("{error}"));
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"), "{text}");
    assert_eq!(validate_junit(&text), Ok(()));
    assert_eq!(counts, Counts { tests: 7, failures: 2, errors: 1, skipped: 2, time: Duration::from_millis(3770) });
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{error}"))
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_failing_writer_leaves_the_original_untouched() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let path = dir.path().join("junit-report.xml");
    let original = b"<testsuites><testsuite name=\"old\"/></testsuites>\n";
    fs::write(&path, original).unwrap_or_else(|error| panic!("{error}"));

    let result: io::Result<()> = write_atomically(&path, |out| {
        out.write_all(b"<testsuites>half a report")?;
        Err(io::Error::other("the analysis service timed out"))
    });
    assert!(result.is_err());
    assert_eq!(fs::read(&path).unwrap_or_default(), original);
    assert_eq!(files_in(dir.path()), ["junit-report.xml"], "no temporary files are left");
}

#[cfg(unix)]
#[test]
fn a_successful_write_replaces_the_file_and_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let path = dir.path().join("junit-report.xml");
    fs::write(&path, "old").unwrap_or_else(|error| panic!("{error}"));
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap_or_else(|error| panic!("{error}"));
    write_atomically(&path, |out| out.write_all(b"new")).unwrap_or_else(|error: io::Error| panic!("{error}"));
    assert_eq!(fs::read_to_string(&path).unwrap_or_default(), "new");
    let mode = fs::metadata(&path).map(|metadata| metadata.permissions().mode() & 0o777).unwrap_or_default();
    assert_eq!(mode, 0o640);

    let fresh = dir.path().join("fresh.xml");
    write_atomically(&fresh, |out| out.write_all(b"x")).unwrap_or_else(|error: io::Error| panic!("{error}"));
    let mode = fs::metadata(&fresh).map(|metadata| metadata.permissions().mode() & 0o777).unwrap_or_default();
    assert_eq!(mode, 0o644);
    assert_eq!(files_in(dir.path()), ["fresh.xml", "junit-report.xml"]);
}

fn write_shard(dir: &Path, index: usize, cases: &[CaseRecord]) -> PathBuf {
    let path = dir.join(format!("shard-{index}.xml"));
    let info = suite(&[("shard", &format!("{index}/3")), ("source_provider", "vsphere-8")]);
    write_junit_file(&path, &info, cases, redact).unwrap_or_else(|error| panic!("{error}"));
    path
}

#[test]
fn merging_three_shards_keeps_every_case_and_recounts() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let all = mixed_cases();
    let mut with_log = case("plan::warm", "migrate", 3000, Outcome::Passed);
    with_log.system_out = "cutover at 12:00 <done> & \u{1b}".to_owned();
    with_log.properties = vec![("jira".to_owned(), "MTV-2846 open".to_owned())];
    let shards = [write_shard(dir.path(), 0, &all[..3]), write_shard(dir.path(), 1, &all[3..]), write_shard(dir.path(), 2, &[with_log])];
    let out = dir.path().join("merged.xml");
    let counts = merge(&shards, &out).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!((counts.tests, counts.failures, counts.errors, counts.skipped), (8, 2, 1, 2));
    assert_eq!(counts.time, Duration::from_millis(6770));

    let parsed = parse_file(&out);
    assert_eq!((parsed.tests, parsed.failures, parsed.errors, parsed.skipped), (8, 2, 1, 2));
    assert!((parsed.time - 6.77).abs() < 1e-6);
    let names: Vec<(String, String)> =
        parsed.cases.iter().map(|case| (case.classname.clone().unwrap_or_default(), case.original_name.clone())).collect();
    let expected: Vec<(String, String)> = all
        .iter()
        .map(|case| (case.classname.clone(), case.name.clone()))
        .chain([("plan::warm".to_owned(), "migrate".to_owned())])
        .collect();
    assert_eq!(names, expected);
    assert_eq!(property(&parsed.properties, "shard"), Some("0/3"), "suite properties come from the first input");

    let warm = cases_named(&parsed, "plan::warm", "migrate");
    assert_eq!(child_text(&out, "plan::warm", "migrate", "system-out"), "cutover at 12:00 <done> & #x1B");
    assert_eq!(property(&warm.properties, "jira"), Some("MTV-2846 open"));
    let TestStatus::Failure(failure) = &cases_named(&parsed, "plan::cold", "migrate").status else {
        panic!("the failure survives merging")
    };
    assert_eq!(failure.text, "step DiskTransfer: disk 1 failed");
    assert_eq!(summarize(&out).unwrap_or_else(|error| panic!("{error}")), counts);
}

#[test]
fn merging_in_place_over_an_input_works() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let all = mixed_cases();
    let shards = [write_shard(dir.path(), 0, &all[..2]), write_shard(dir.path(), 1, &all[2..])];
    let counts = merge(&shards, &shards[0]).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(counts.tests, 7);
    assert_eq!(parse_file(&shards[0]).cases.len(), 7);
}

#[test]
fn merging_rejects_inputs_that_are_not_junit() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let good = write_shard(dir.path(), 0, &mixed_cases());
    let out = dir.path().join("merged.xml");
    let cases = [
        ("notes.txt", "this is not xml at all", "text outside the root element"),
        ("page.html", "<html><body>login</body></html>", "root element <html>"),
        ("cut.xml", "<testsuites><testsuite name=\"x\"><testcase name=\"a\">", "ends before its root element is closed"),
        ("empty.xml", "", "no root element"),
        ("mismatch.xml", "<testsuite><testcase></testsuite>", "not well-formed"),
        ("entity.xml", "<testsuite><testcase name=\"&boom;\"/></testsuite>", "malformed attribute value"),
    ];
    for (name, content, found) in cases {
        let bad = dir.path().join(name);
        fs::write(&bad, content).unwrap_or_else(|error| panic!("{error}"));
        let error = match merge(&[good.clone(), bad.clone()], &out) {
            Ok(counts) => panic!("{name} was merged: {counts:?}"),
            Err(error) => error,
        };
        assert!(matches!(error, ReportError::NotJunit { .. }), "{error:?}");
        let text = error.to_string();
        assert!(text.contains(&bad.display().to_string()), "{text}");
        assert!(text.contains(found), "{name}: {text}");
        assert!(!out.exists(), "nothing is written when an input is refused");
    }
    let missing = merge(&[dir.path().join("missing.xml")], &out).err().map(|error| error.to_string()).unwrap_or_default();
    assert!(missing.contains("missing.xml"), "{missing}");
}

#[test]
fn validation_accepts_junit_and_explains_the_rest() {
    assert_eq!(validate_junit("<testsuite name=\"x\" tests=\"0\"/>"), Ok(()));
    assert_eq!(validate_junit("<?xml version=\"1.0\"?>\n<!-- c -->\n<testsuites></testsuites>\n"), Ok(()));
    for (text, found) in [
        ("{\"status\": \"failed\"}", "text outside the root element"),
        ("<report/>", "root element <report>"),
        ("<testsuites></testsuites><testsuites/>", "a second root element"),
        ("<!DOCTYPE x [<!ENTITY a \"b\">]><testsuites>&a;</testsuites>", "DOCTYPE"),
        ("<testsuites><testcase>&bogus;</testcase></testsuites>", "undefined entity &bogus;"),
        ("<testsuites><testcase time=\"soon\"/></testsuites>", "time=\"soon\""),
    ] {
        let error = validate_junit(text).err().unwrap_or_else(|| panic!("accepted {text}"));
        assert!(error.contains("the report text is not a JUnit report") && error.contains(found), "{error}");
    }
}

#[test]
fn counts_of_foreign_reports_follow_their_cases() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let path = dir.path().join("foreign.xml");
    let foreign = r#"<?xml version="1.0"?>
<testsuites><testsuite name="pytest" tests="99">
  <testcase classname="a" name="ok" time="1.25"><properties><property name="failure" value="x"/></properties></testcase>
  <testcase classname="a" name="bad" time="0.5"><failure message="m">trace</failure><system-out>&lt;log&gt;</system-out></testcase>
  <testcase classname="a" name="skip"><skipped type="pytest.skip" message="r"/></testcase>
</testsuite></testsuites>"#;
    fs::write(&path, foreign).unwrap_or_else(|error| panic!("{error}"));
    let counts = summarize(&path).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(counts, Counts { tests: 3, failures: 1, errors: 0, skipped: 1, time: Duration::from_millis(1750) });
}
