//! The page itself: one self-contained HTML document (inline CSS and SVG,
//! no script, a Content-Security-Policy forbidding every network load).

use std::fmt::Write;

use serde_json::Value;

use super::model::{RunReport, Status, StepView, TestView};
use super::text::{anchor, escape, link};
use super::timeline::{self, Bar, duration};

const STYLE: &str = include_str!("page.css");

/// Properties the summary shows by name; the rest of the suite's
/// properties are listed under "Run facts".
const SUMMARY_KEYS: &[&str] = &["plugin", "warning", "report_url", "html_report_url", "stopped", "aborted"];

/// The page for `report`.
pub fn render(report: &RunReport) -> String {
    let mut page = String::with_capacity(16_384 + report.tests.len() * 4096);
    page.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
    ));
    let title = format!("mtv-host report {}", report.timestamp.as_deref().unwrap_or_default());
    let _ = write!(page, "<title>{}</title><style>{STYLE}</style></head><body>", escape(title.trim()));
    let _ = write!(page, "<h1>{}</h1>", escape(title.trim()));
    summary(&mut page, report);
    run_timeline(&mut page, report);
    test_table(&mut page, report);
    page.push_str("<h2>Tests</h2>");
    for (index, test) in report.tests.iter().enumerate() {
        test_section(&mut page, index, test);
    }
    page.push_str("</body></html>\n");
    page
}

fn summary(page: &mut String, report: &RunReport) {
    let mut counts = std::collections::BTreeMap::new();
    for test in &report.tests {
        *counts.entry(test.status()).or_insert(0usize) += 1;
    }
    page.push_str(r#"<section id="summary"><h2>Summary</h2><p class="counts">"#);
    let _ = write!(page, "<span>{} tests</span>", report.tests.len());
    for (status, count) in &counts {
        let _ = write!(page, r#" <span class="{}">{count} {}</span>"#, status.class(), status.label());
    }
    let wall = report.duration.unwrap_or_else(|| report.tests.iter().map(TestView::duration).sum());
    let _ = write!(page, " <span>in {}</span></p><table class=\"facts\">", duration(wall));
    let mut fact = |key: &str, value: &str| {
        let _ = write!(page, "<tr><th>{}</th><td>{}</td></tr>", escape(key), escape(value));
    };
    if let Some(started) = &report.timestamp {
        fact("started", started);
    }
    for (key, value) in report.properties.iter().filter(|(k, _)| !SUMMARY_KEYS.contains(&k.as_str())) {
        fact(key, value);
    }
    for key in ["stopped", "aborted"] {
        if let Some(value) = report.property(key) {
            fact(key, value);
        }
    }
    if let Some(url) = report.property("report_url").or(report.property("html_report_url")) {
        let _ = write!(page, "<tr><th>AI analysis</th><td>{}</td></tr>", link(url, url));
    }
    page.push_str("</table>");
    list(page, "Plugins loaded", "plugins", report.properties.iter().filter(|(k, _)| k == "plugin").map(|(_, v)| escape(v)));
    let gates = report.tests.iter().enumerate().filter_map(|(index, test)| {
        let decision = gate_cell(test)?;
        Some(format!(r##"<a href="#{}">{}</a>: {decision}"##, anchor(index, &test.id), escape(&test.id)))
    });
    list(page, "Gate decisions", "gates", gates);
    list(page, "Warnings", "warnings", report.properties.iter().filter(|(k, _)| k == "warning").map(|(_, v)| escape(v)));
    page.push_str("</section>");
}

fn list(page: &mut String, title: &str, class: &str, items: impl Iterator<Item = String>) {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        return;
    }
    let _ = write!(page, r#"<h3>{title}</h3><ul class="{class}">"#);
    for item in items {
        let _ = write!(page, "<li>{item}</li>");
    }
    page.push_str("</ul>");
}

/// The gate's decision: the Jira issue (linked) and what it decided.
fn gate_cell(test: &TestView) -> Option<String> {
    let jira = test.property("jira").map(|value| {
        let key = value.split(':').next().unwrap_or(value);
        let linked = test.property("jira_url").map_or_else(|| escape(key), |url| link(url, key));
        format!("{linked} {}", escape(value.strip_prefix(key).unwrap_or_default().trim_start_matches(':')))
    });
    let gate = test.property("gate").map(escape);
    match (jira, gate) {
        (None, None) => None,
        (Some(jira), None) => Some(jira),
        (None, Some(gate)) => Some(gate),
        (Some(jira), Some(gate)) => Some(format!("{jira} ({gate})")),
    }
}

/// Every test on one time axis: parallelism and stragglers.
fn run_timeline(page: &mut String, report: &RunReport) {
    let bars: Vec<Bar> = report
        .tests
        .iter()
        .filter_map(|test| {
            let span = test.span()?;
            let status = test.status();
            Some(Bar {
                label: test.id.clone(),
                span: Some(span),
                class: status.class(),
                title: format!("{} {} ({})", test.id, status.label(), duration(test.duration())),
                ..Bar::default()
            })
        })
        .collect();
    if bars.is_empty() {
        return;
    }
    page.push_str(r#"<section id="run-timeline"><h2>Run timeline</h2>"#);
    page.push_str(&timeline::draw("run timeline", &bars));
    page.push_str("</section>");
}

fn test_table(page: &mut String, report: &RunReport) {
    page.push_str(r#"<section id="results"><h2>Results</h2><table class="tests"><thead><tr><th>Test</th><th>Status</th><th>Duration</th><th>Gate</th><th>Message</th></tr></thead><tbody>"#);
    for (index, test) in report.tests.iter().enumerate() {
        let status = test.status();
        let _ = write!(
            page,
            r##"<tr class="{}"><td class="id"><a href="#{}">{}</a></td><td class="status">{}</td><td>{}</td><td>{}</td><td class="message">{}</td></tr>"##,
            status.class(),
            anchor(index, &test.id),
            escape(&test.id),
            status.label(),
            duration(test.duration()),
            gate_cell(test).unwrap_or_default(),
            escape(test.message().unwrap_or_default()),
        );
    }
    page.push_str("</tbody></table></section>");
}

fn test_section(page: &mut String, index: usize, test: &TestView) {
    let status = test.status();
    let _ = write!(
        page,
        r#"<section class="test {}" id="{}" data-test="{}"><h3><span class="status">{}</span> {}</h3>"#,
        status.class(),
        anchor(index, &test.id),
        escape(&test.id),
        status.label(),
        escape(&test.id),
    );
    if let Some(failed) = test.failed_step() {
        let _ = write!(
            page,
            r#"<p class="failure">{} failed: <b>{}</b> {}</p>"#,
            escape(&failed.name),
            escape(&failed.kind),
            escape(&failed.message)
        );
        if !failed.detail.trim().is_empty() && failed.detail.trim() != failed.message.trim() {
            let _ = write!(page, "<details><summary>detail</summary><pre>{}</pre></details>", escape(failed.detail.trim()));
        }
    }
    analysis(page, test);
    let step_bars: Vec<Bar> = test
        .steps
        .iter()
        .map(|step| Bar {
            label: step.name.clone(),
            span: step.span(),
            class: step.status.class(),
            title: step_title(step),
            ..Bar::default()
        })
        .collect();
    if step_bars.iter().any(|b| b.span.is_some()) {
        page.push_str(r#"<h4>Steps</h4>"#);
        page.push_str(&timeline::draw(&format!("{} steps", test.id), &step_bars));
    }
    for vm in test.pipelines() {
        let name = vm["vm"].as_str().unwrap_or("VM");
        let phase = vm["phase"].as_str().unwrap_or_default();
        let _ = write!(page, r#"<h4 class="vm">VM {} <small>{}</small></h4>"#, escape(name), escape(phase));
        page.push_str(&timeline::draw(&format!("{} VM {name} pipeline", test.id), &pipeline_bars(&vm)));
    }
    checks(page, &test.checks());
    page.push_str("</section>");
}

fn step_title(step: &StepView) -> String {
    let mut title = format!("{} {} ({})", step.name, step.status.label(), duration(step.time));
    if !step.message.is_empty() {
        title.push_str(": ");
        title.push_str(&step.message);
    }
    title
}

/// A VM's pipeline steps, with one nested row per disk of a step that
/// has tasks (DiskTransfer), showing its progress.
pub fn pipeline_bars(vm: &Value) -> Vec<Bar> {
    let time = |value: &Value| value.as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let fraction = |progress: &Value| {
        let total = progress["total"].as_f64().filter(|t| *t > 0.0)?;
        Some(progress["completed"].as_f64().unwrap_or(0.0) / total)
    };
    let mut bars = Vec::new();
    for step in vm["pipeline"].as_array().into_iter().flatten() {
        let name = step["name"].as_str().unwrap_or("step");
        let phase = step["phase"].as_str().unwrap_or_default();
        let started = time(&step["started"]);
        // A step still running (or stopped by the failure) ends where the VM ended.
        let ended = time(&step["completed"]).or_else(|| time(&vm["completed"])).or(started);
        let span = started.zip(ended);
        let reasons: Vec<&str> = step["error"]["reasons"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let failed = step.get("error").is_some_and(|e| !e.is_null());
        let class = match (failed, phase) {
            (true, _) => "fail",
            (false, "Completed") => "pass",
            (false, _) if span.is_some() => "run",
            _ => "skip",
        };
        let mut title = format!("{name} {phase}");
        if let Some((from, to)) = span {
            title.push_str(&format!(" ({})", duration((to - from).total(jiff::Unit::Second).unwrap_or(0.0))));
        }
        if failed {
            title.push_str(&format!(": {}", reasons.join("; ")));
        }
        bars.push(Bar { label: name.to_owned(), span, class, title, progress: fraction(&step["progress"]), nested: false });
        for task in step["tasks"].as_array().into_iter().flatten() {
            let task_name = task["name"].as_str().unwrap_or("disk");
            let task_span = time(&task["started"]).zip(time(&task["completed"]).or(ended)).or(span);
            let done = fraction(&task["progress"]);
            let unit = task["annotations"]["unit"].as_str().unwrap_or_default();
            let title = format!(
                "{task_name}: {} / {} {unit}",
                task["progress"]["completed"].as_u64().unwrap_or(0),
                task["progress"]["total"].as_u64().unwrap_or(0)
            );
            let task_failed = task.get("error").is_some_and(|e| !e.is_null());
            let class = if task_failed {
                "fail"
            } else if done == Some(1.0) {
                "pass"
            } else {
                "run"
            };
            bars.push(Bar { label: task_name.to_owned(), span: task_span, class, title, progress: done, nested: true });
        }
    }
    bars
}

/// AI analysis added by JJI enrichment (`ai_*` properties), with the test.
fn analysis(page: &mut String, test: &TestView) {
    let facts: Vec<(&str, &str)> =
        test.steps.iter().flat_map(|s| s.properties.iter()).filter_map(|(k, v)| Some((k.strip_prefix("ai_")?, v.as_str()))).collect();
    if facts.is_empty() {
        return;
    }
    page.push_str(r#"<div class="analysis"><h4>AI analysis</h4><dl>"#);
    for (key, value) in facts {
        let _ = write!(page, "<dt>{}</dt><dd>{}</dd>", escape(&key.replace('_', " ")), escape(value));
    }
    page.push_str("</dl></div>");
}

fn checks(page: &mut String, checks: &[Value]) {
    if checks.is_empty() {
        return;
    }
    page.push_str(r#"<h4>Checks</h4><table class="checks"><thead><tr><th>Subject</th><th>Check</th><th>Expected</th><th>Actual</th></tr></thead><tbody>"#);
    for check in checks {
        let text = |key: &str| escape(check[key].as_str().unwrap_or_default());
        let class = if check["passed"].as_bool() == Some(true) { Status::Passed.class() } else { Status::Failed.class() };
        let _ = write!(
            page,
            r#"<tr class="{class}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            text("subject"),
            text("check"),
            text("expected"),
            text("actual")
        );
    }
    page.push_str("</tbody></table>");
}
