//! The report page: `report.html`, a self-contained page for people,
//! built from a JUnit report alone: the run's summary, one row per test,
//! each test's steps and each migrated VM's Forklift pipeline drawn to
//! scale, the run's timeline, the checks' expected against actual, and
//! the AI analysis JJI enrichment added. A run writes it after its JUnit
//! report; `mtv-host report html` rebuilds it from any report, merged
//! shard reports included. Both go through [`write_page`].

mod model;
mod render;
mod text;
mod timeline;

use std::path::{Path, PathBuf};

pub use model::{RunReport, Status, StepView, TestView};
pub use render::render;

use super::atomic::write_atomically;
use super::error::ReportError;

/// The file name a run writes beside its JUnit report.
pub const PAGE_FILE: &str = "report.html";

/// `report.html` in the JUnit report's directory.
pub fn default_page_path(junit: &Path) -> PathBuf {
    junit.parent().map_or_else(|| PathBuf::from(PAGE_FILE), |dir| dir.join(PAGE_FILE))
}

/// What a page was made from: shown on the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSummary {
    pub tests: usize,
    pub failed: usize,
}

/// Reads the JUnit report at `junit` and writes its page to `page`
/// (atomically). Every text passes through `redact` before it is
/// rendered, and the page once more as a whole.
pub fn write_page(junit: &Path, page: &Path, redact: &dyn Fn(&str) -> String) -> Result<PageSummary, ReportError> {
    let text = std::fs::read_to_string(junit).map_err(|source| ReportError::Io { path: junit.to_owned(), source })?;
    let mut report = RunReport::parse(&text, &junit.display().to_string())?;
    report.redact(redact);
    let html = redact(&render(&report));
    write_atomically(page, |out| out.write_all(html.as_bytes()).map_err(|source| ReportError::Io { path: page.to_owned(), source }))?;
    let failed = report.tests.iter().filter(|t| t.status().class() == "fail").count();
    Ok(PageSummary { tests: report.tests.len(), failed })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report as a run writes it: a failed migration whose DiskTransfer
    /// failed, a hostile test id and message, JJI's analysis, checks.
    const REPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="mtv-host" tests="3" failures="1" errors="0" skipped="1" time="12.5" timestamp="2026-11-30T05:00:00.000Z">
<properties><property name="source_provider" value="vsphere-8"/><property name="storage_class" value="ocs-rbd"/>
<property name="plugin" value="jira (Gate, contract 0.2.0) sha256:abc123"/></properties>
<testcase classname="plan::&lt;img src=x onerror=alert(1)&gt;" name="create_plan" time="1.0">
<properties><property name="jira" value="MTV-9:Open:xfail"/><property name="jira_url" value="javascript:alert(1)"/>
<property name="started" value="2026-11-30T05:00:00.000Z"/><property name="finished" value="2026-11-30T05:00:01.000Z"/></properties></testcase>
<testcase classname="plan::&lt;img src=x onerror=alert(1)&gt;" name="migrate" time="10.0">
<properties><property name="started" value="2026-11-30T05:00:01.000Z"/><property name="finished" value="2026-11-30T05:00:11.000Z"/>
<property name="pipeline" value="{&quot;vm&quot;:&quot;vm-1&quot;,&quot;phase&quot;:&quot;Failed&quot;,&quot;pipeline&quot;:[{&quot;name&quot;:&quot;Initialize&quot;,&quot;phase&quot;:&quot;Completed&quot;,&quot;started&quot;:&quot;2026-11-30T05:00:01Z&quot;,&quot;completed&quot;:&quot;2026-11-30T05:00:03Z&quot;},{&quot;name&quot;:&quot;DiskTransfer&quot;,&quot;phase&quot;:&quot;Running&quot;,&quot;started&quot;:&quot;2026-11-30T05:00:03Z&quot;,&quot;completed&quot;:&quot;2026-11-30T05:00:11Z&quot;,&quot;error&quot;:{&quot;phase&quot;:&quot;Running&quot;,&quot;reasons&quot;:[&quot;disk &lt;b&gt;full&lt;/b&gt;&quot;]},&quot;tasks&quot;:[{&quot;name&quot;:&quot;[ds1] vm-1/disk-0.vmdk&quot;,&quot;progress&quot;:{&quot;completed&quot;:512,&quot;total&quot;:1024}}]},{&quot;name&quot;:&quot;ImageConversion&quot;,&quot;phase&quot;:&quot;Pending&quot;}]}"/>
<property name="ai_classification" value="PRODUCT BUG"/><property name="ai_details" value="The datastore &lt;script&gt;ran out&lt;/script&gt; of space"/></properties>
<failure message="Plan p failed: VM vm-1 failed at DiskTransfer" type="MigrationFailed">VM vm-1 failed at DiskTransfer: disk full</failure></testcase>
<testcase classname="plan::&lt;img src=x onerror=alert(1)&gt;" name="check_vms" time="0"><properties><property name="check" value="{&quot;subject&quot;:&quot;vm-1&quot;,&quot;check&quot;:&quot;disks&quot;,&quot;expected&quot;:&quot;2&quot;,&quot;actual&quot;:&quot;1&quot;,&quot;passed&quot;:false}"/></properties><skipped type="xfail" message="xfail: previous step failed (migrate)"/></testcase>
<testcase classname="plan::skipped" name="create_plan" time="0"><skipped type="skip" message="applies only to openstack"/></testcase>
</testsuite></testsuites>"#;

    fn page() -> String {
        render(&RunReport::parse(REPORT, "test").unwrap())
    }

    #[test]
    fn hostile_text_is_escaped_and_no_markup_gets_through() {
        let page = page();
        assert!(!page.contains("<img src=x"), "a test id became markup");
        assert!(page.contains("plan::&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!page.contains("<script"), "the page holds a script element");
        assert!(page.contains("&lt;script&gt;ran out&lt;/script&gt;"));
        assert!(!page.contains("javascript:"), "a javascript: link was written");
        assert!(page.contains("default-src 'none'"), "no CSP");
    }

    #[test]
    fn the_failed_pipeline_step_is_coloured_and_disks_show_progress() {
        let page = page();
        let pipeline = &page[page.find("VM vm-1 pipeline").unwrap()..];
        let failed = pipeline.find(r#"<g class="bar fail" data-failed="true">"#).expect("no failed bar");
        // The VM's window is 10 s over 800 px: DiskTransfer starts 2 s in and lasts 8 s.
        assert!(
            pipeline[failed..].starts_with(r#"<g class="bar fail" data-failed="true"><rect x="420.0" y="40" width="640.0""#),
            "{pipeline}"
        );
        assert!(pipeline[failed..].contains("<title>DiskTransfer Running (8.0s): disk &lt;b&gt;full&lt;/b&gt;</title>"));
        assert!(pipeline.contains(">50%</text>"), "per-disk progress");
        assert!(pipeline.contains("[ds1] vm-1/disk-0.vmdk"));
        // Pending: never started.
        assert!(pipeline.contains(">ImageConversion</text><text class=\"none\""), "{pipeline}");
    }

    #[test]
    fn the_summary_rows_analysis_and_checks_are_shown() {
        let page = page();
        assert!(page.contains("<td>vsphere-8</td>") && page.contains("<td>ocs-rbd</td>"));
        assert!(page.contains("jira (Gate, contract 0.2.0) sha256:abc123"));
        assert!(page.contains("<span class=\"fail\">1 FAILED</span>") && page.contains("<span class=\"skip\">1 SKIPPED</span>"));
        assert!(page.contains("MTV-9 Open:xfail"), "gate decision");
        assert!(page.contains("<dt>classification</dt><dd>PRODUCT BUG</dd>"));
        assert!(page.contains("<td>disks</td><td>2</td><td>1</td>"));
        assert!(page.contains("<td class=\"message\">applies only to openstack</td>"));
    }

    #[test]
    fn a_report_that_is_not_junit_is_refused() {
        let error = RunReport::parse("<html></html>", "page.xml").unwrap_err().to_string();
        assert!(error.contains("page.xml") && error.contains("<html>"), "{error}");
    }
}
