//! Timelines drawn to scale as inline SVG: one row per bar, a shared time
//! axis, the failed bar marked so a reader (or a test) finds it.

use std::fmt::Write;

use jiff::Timestamp;

use super::text::escape;

/// Width of the drawing area, after the labels.
pub const WIDTH: f64 = 800.0;
const LABEL: f64 = 260.0;
const ROW: f64 = 18.0;
const AXIS: f64 = 20.0;

/// One row of a timeline.
#[derive(Debug, Clone, Default)]
pub struct Bar {
    pub label: String,
    /// From and to; a row without a span is drawn as "not run".
    pub span: Option<(Timestamp, Timestamp)>,
    /// `pass`, `fail`, `skip` or `run`: the colour; `fail` is also marked
    /// `data-failed` and drawn with a thicker outline.
    pub class: &'static str,
    /// Hover text.
    pub title: String,
    /// Fraction done (per-disk progress), drawn as an inner fill.
    pub progress: Option<f64>,
    /// Indented (a disk under its DiskTransfer step).
    pub nested: bool,
}

/// Seconds from `start` to `at`.
fn seconds(start: Timestamp, at: Timestamp) -> f64 {
    (at - start).total(jiff::Unit::Second).unwrap_or(0.0)
}

/// Where a time lies on the drawing, given the window `[start, start + total]`.
pub fn x_of(start: Timestamp, total: f64, at: Timestamp) -> f64 {
    if total <= 0.0 { LABEL } else { LABEL + seconds(start, at).clamp(0.0, total) / total * WIDTH }
}

/// The SVG of `bars`, scaled to the window they span; `name` labels it
/// for screen readers and tests (`aria-label`).
pub fn draw(name: &str, bars: &[Bar]) -> String {
    let start = bars.iter().filter_map(|b| b.span.map(|s| s.0)).min();
    let end = bars.iter().filter_map(|b| b.span.map(|s| s.1)).max();
    let (start, total) = match (start, end) {
        (Some(start), Some(end)) => (start, seconds(start, end)),
        _ => (Timestamp::UNIX_EPOCH, 0.0),
    };
    let height = AXIS + ROW * bars.len() as f64 + 4.0;
    let mut svg = String::with_capacity(256 + bars.len() * 256);
    let _ = write!(
        svg,
        r#"<svg class="timeline" role="img" aria-label="{}" width="{}" height="{height}" viewBox="0 0 {} {height}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(name),
        LABEL + WIDTH + 10.0,
        LABEL + WIDTH + 10.0,
    );
    axis(&mut svg, total, height);
    for (row, bar) in bars.iter().enumerate() {
        let y = AXIS + ROW * row as f64;
        let indent = if bar.nested { 16.0 } else { 0.0 };
        let _ = write!(svg, r#"<text class="label" x="{}" y="{}">{}</text>"#, 4.0 + indent, y + 12.5, escape(&clip(&bar.label, 40)));
        let Some((from, to)) = bar.span else {
            let _ = write!(svg, r#"<text class="none" x="{}" y="{}">not run</text>"#, LABEL + 4.0, y + 12.5);
            continue;
        };
        let x = x_of(start, total, from);
        // Steps shorter than a pixel stay visible.
        let width = (x_of(start, total, to) - x).max(2.0);
        let failed = if bar.class == "fail" { r#" data-failed="true""# } else { "" };
        let _ = write!(
            svg,
            r#"<g class="bar {}"{failed}><rect x="{x:.1}" y="{}" width="{width:.1}" height="{}" rx="2"><title>{}</title></rect>"#,
            bar.class,
            y + 2.0,
            ROW - 4.0,
            escape(&bar.title),
        );
        if let Some(done) = bar.progress {
            let _ = write!(
                svg,
                r#"<rect class="progress" x="{x:.1}" y="{}" width="{:.1}" height="4"/><text class="pct" x="{:.1}" y="{}">{:.0}%</text>"#,
                y + ROW - 6.0,
                width * done.clamp(0.0, 1.0),
                x + width + 4.0,
                y + 12.5,
                done.clamp(0.0, 1.0) * 100.0,
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// Five ticks across the window, labelled in seconds from its start.
fn axis(svg: &mut String, total: f64, height: f64) {
    for tick in 0..=4 {
        let x = LABEL + WIDTH * tick as f64 / 4.0;
        let _ = write!(
            svg,
            r#"<line class="tick" x1="{x:.1}" y1="14" x2="{x:.1}" y2="{height}"/><text class="axis" x="{x:.1}" y="11">{}</text>"#,
            duration(total * tick as f64 / 4.0)
        );
    }
}

/// `12.3s`, `4m05s`, `1h02m`.
pub fn duration(seconds: f64) -> String {
    let whole = seconds.max(0.0).round() as u64;
    if seconds < 60.0 {
        format!("{seconds:.1}s")
    } else if whole < 3600 {
        format!("{}m{:02}s", whole / 60, whole % 60)
    } else {
        format!("{}h{:02}m", whole / 3600, whole % 3600 / 60)
    }
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(max - 1).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap()
    }

    fn bar(label: &str, from: i64, to: i64, class: &'static str) -> Bar {
        Bar { label: label.into(), span: Some((at(from), at(to))), class, title: label.into(), ..Bar::default() }
    }

    #[test]
    fn bars_are_drawn_to_scale() {
        let svg = draw("t", &[bar("Initialize", 0, 2, "pass"), bar("DiskTransfer", 2, 8, "pass"), bar("ImageConversion", 8, 10, "pass")]);
        // 10 s over 800 px: 80 px a second.
        assert!(svg.contains(r#"x="260.0" y="22" width="160.0""#), "{svg}");
        assert!(svg.contains(r#"x="420.0" y="40" width="480.0""#), "{svg}");
        assert!(svg.contains(r#"x="900.0" y="58" width="160.0""#), "{svg}");
        assert_eq!(x_of(at(0), 10.0, at(5)), LABEL + WIDTH / 2.0);
    }

    #[test]
    fn the_failed_bar_is_marked_and_only_it() {
        let svg = draw("t", &[bar("DiskTransfer", 0, 4, "pass"), bar("PreHook", 4, 5, "fail")]);
        assert_eq!(svg.matches("data-failed").count(), 1, "{svg}");
        let failed = svg.find("data-failed").unwrap();
        assert!(svg[failed..].contains("<title>PreHook</title>"), "{svg}");
        assert!(svg.contains(r#"class="bar fail""#));
    }

    #[test]
    fn an_instant_step_stays_visible_and_a_step_not_run_says_so() {
        let svg = draw("t", &[bar("Initialize", 0, 0, "pass"), Bar { label: "Cutover".into(), ..Bar::default() }]);
        assert!(svg.contains(r#"width="2.0""#), "{svg}");
        assert!(svg.contains("not run"), "{svg}");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(3.21), "3.2s");
        assert_eq!(duration(245.0), "4m05s");
        assert_eq!(duration(3720.0), "1h02m");
    }
}
