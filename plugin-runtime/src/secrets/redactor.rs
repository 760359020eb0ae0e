//! The process-wide redactor: every resolved secret is registered here, and
//! every byte the host writes (logs, plugin output, errors, the JUnit file,
//! the audit log) passes through [`Redactor::redact`].

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock, RwLock};

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a registered value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Values shorter than this are not registered. A one- to three-character
/// "secret" (`1`, `yes`, `443`) occurs in ordinary text everywhere, so masking
/// it would make every log line unreadable while protecting nothing: a value
/// that short can be guessed anyway.
pub const MIN_SECRET_LEN: usize = 4;

/// Derived forms (base64 fragments) shorter than this are not registered: a
/// short base64 run matches unrelated base64 text too often.
const MIN_DERIVED_LEN: usize = 8;

/// RFC 3986 unreserved characters stay as they are; everything else is
/// percent-encoded, as URL path and query encoders do.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The one redactor of this process.
pub fn redactor() -> &'static Redactor {
    static REDACTOR: OnceLock<Redactor> = OnceLock::new();
    REDACTOR.get_or_init(Redactor::default)
}

/// Replaces registered secret values, and the encoded forms they take in
/// HTTP, JSON and Kubernetes Secret data, with [`REDACTED`].
#[derive(Default)]
pub struct Redactor {
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    registered: HashSet<String>,
    needles: HashSet<String>,
    matcher: Arc<Matcher>,
    /// Values were registered since the matcher was built. The matcher is
    /// rebuilt on the next `redact`, not on every `register`: loading a
    /// file of a thousand profiles registers a thousand values, and a
    /// rebuild per value made that quadratic.
    stale: bool,
}

#[derive(Default)]
enum Matcher {
    #[default]
    Empty,
    Ready(AhoCorasick),
    /// The automaton could not be built (size limits). Redaction fails
    /// closed: nothing passes through rather than something unmasked.
    Unavailable,
}

impl Redactor {
    /// Registers `value`, its trimmed form and each of its lines, with
    /// their encoded forms: a multi-line value reaches YAML and log lines
    /// one line at a time, and a padded one often arrives trimmed. Forms
    /// shorter than [`MIN_SECRET_LEN`] without surrounding whitespace are
    /// ignored (see there why).
    pub fn register(&self, value: &str) {
        let mut state = self.state.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        for part in parts(value) {
            if part.trim().chars().count() < MIN_SECRET_LEN || !state.registered.insert(part.to_owned()) {
                continue;
            }
            state.needles.extend(encoded_forms(part));
            state.stale = true;
        }
    }

    /// `text` with every registered value replaced. Borrows when nothing
    /// matches, which is the common case on a log line.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let matcher = self.matcher();
        match matcher.as_ref() {
            Matcher::Empty => Cow::Borrowed(text),
            Matcher::Ready(automaton) if !automaton.is_match(text) => Cow::Borrowed(text),
            Matcher::Ready(automaton) => {
                let mut out = String::with_capacity(text.len());
                automaton.replace_all_with(text, &mut out, |_, _, out| {
                    out.push_str(REDACTED);
                    true
                });
                Cow::Owned(out)
            }
            Matcher::Unavailable => Cow::Owned(format!("{REDACTED} (output withheld: the secret redactor could not be built)")),
        }
    }

    /// The current matcher, rebuilt first when values were registered since.
    fn matcher(&self) -> Arc<Matcher> {
        {
            let state = self.state.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            if !state.stale {
                return Arc::clone(&state.matcher);
            }
        }
        let mut state = self.state.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.stale {
            state.matcher = Arc::new(build_matcher(&state.needles));
            state.stale = false;
        }
        Arc::clone(&state.matcher)
    }
}

/// The value, its trimmed form, and each line of it trimmed.
fn parts(value: &str) -> impl Iterator<Item = &str> {
    let lines = value.contains('\n').then(|| value.lines().map(str::trim));
    [value, value.trim()].into_iter().chain(lines.into_iter().flatten())
}

fn build_matcher(needles: &HashSet<String>) -> Matcher {
    // Leftmost-longest: when a secret's full base64 form and a fragment of
    // it both match, the whole form is replaced.
    AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(needles).map_or(Matcher::Unavailable, Matcher::Ready)
}

/// The value itself and the forms it takes on its way out of the host.
fn encoded_forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_owned()];
    let mut push_if_new = |form: String| {
        if form != value && form.len() >= MIN_SECRET_LEN {
            forms.push(form);
        }
    };
    push_if_new(utf8_percent_encode(value, URL_COMPONENT).to_string());
    push_if_new(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
    push_if_new(json_escaped(value));
    for form in base64_forms(value.as_bytes()) {
        push_if_new(form);
    }
    forms
}

fn json_escaped(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// Kubernetes Secret `data` holds each value base64-encoded on its own; an
/// HTTP Basic header or a docker config holds it inside a longer encoded run,
/// where it may start at any of three byte offsets. For each offset the
/// characters that depend only on the secret's bytes are a stable fragment.
fn base64_forms(bytes: &[u8]) -> Vec<String> {
    let mut forms = Vec::new();
    for engine in [&STANDARD, &URL_SAFE] {
        forms.push(engine.encode(bytes));
        for offset in 0..3 {
            let Some(rest) = bytes.get(offset..) else {
                continue;
            };
            let whole_groups = &rest[..rest.len() - rest.len() % 3];
            let fragment = engine.encode(whole_groups);
            if fragment.len() >= MIN_DERIVED_LEN {
                forms.push(fragment);
            }
        }
    }
    forms
}

/// Installs a panic hook that prints the usual panic report with every
/// registered secret redacted. A panic message may quote a value that was
/// being parsed; without this hook it would reach stderr unmasked.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let thread_name = thread.name().unwrap_or("<unnamed>");
        let location = info.location().map(|location| location.to_string()).unwrap_or_else(|| "an unknown location".to_owned());
        let message = panic_message(info.payload());
        let backtrace = std::backtrace::Backtrace::capture();
        let report = match backtrace.status() {
            std::backtrace::BacktraceStatus::Captured => {
                format!("thread '{thread_name}' panicked at {location}:\n{message}\nstack backtrace:\n{backtrace}")
            }
            _ => format!(
                "thread '{thread_name}' panicked at {location}:\n{message}\n\
                 note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"
            ),
        };
        eprintln!("{}", redactor().redact(&report));
    }));
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "Box<dyn Any>"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_not_registered() {
        let redactor = Redactor::default();
        redactor.register("abc");
        redactor.register("  ab  ");
        assert_eq!(redactor.redact("abc abc   ab   "), "abc abc   ab   ");
    }

    #[test]
    fn unmatched_text_is_borrowed() {
        let redactor = Redactor::default();
        redactor.register("canary-unit-1d2c");
        assert!(matches!(redactor.redact("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn value_and_encodings_are_replaced() {
        let redactor = Redactor::default();
        let canary = "canary pw/7f3a\"91";
        redactor.register(canary);
        let base64 = STANDARD.encode(canary);
        let percent = utf8_percent_encode(canary, URL_COMPONENT).to_string();
        let form: String = url::form_urlencoded::byte_serialize(canary.as_bytes()).collect();
        let json = serde_json::json!({ "password": canary }).to_string();
        let text = format!("raw={canary} b64={base64} pct={percent} form={form} json={json}");
        let redacted = redactor.redact(&text);
        for form in [canary, &base64, &percent, &form, "7f3a"] {
            assert!(!redacted.contains(form), "{form} survived in {redacted}");
        }
        assert_eq!(redacted.matches(REDACTED).count(), 5, "{redacted}");
    }

    #[test]
    fn value_inside_a_longer_base64_run_is_masked() {
        let redactor = Redactor::default();
        let canary = "canary-basic-5e6f70";
        redactor.register(canary);
        for prefix in ["u:", "us:", "use:"] {
            let header = STANDARD.encode(format!("{prefix}{canary}"));
            let redacted = redactor.redact(&header);
            assert!(redacted.contains(REDACTED), "{prefix}: {header} → {redacted}");
            let survivors = redacted.replace(REDACTED, "");
            assert!(survivors.len() * 2 < header.len(), "too much of {header} survived: {redacted}");
        }
    }

    #[test]
    fn every_line_of_a_multi_line_value_is_masked() {
        let redactor = Redactor::default();
        redactor.register("canary-line-one-4b1a\ncanary-line-two-4b1a\r\n  indented-line-4b1a\nab\n");
        let yaml = "key: |-\n  canary-line-one-4b1a\n  canary-line-two-4b1a\n    indented-line-4b1a\n  ab\n";
        let redacted = redactor.redact(yaml);
        for line in ["canary-line-one-4b1a", "canary-line-two-4b1a", "indented-line-4b1a"] {
            assert!(!redacted.contains(line), "{line} survived in {redacted}");
        }
        assert!(redacted.contains("  ab\n"), "a line shorter than MIN_SECRET_LEN is not masked on its own: {redacted}");
    }

    #[test]
    fn a_padded_value_is_masked_in_its_trimmed_form() {
        let redactor = Redactor::default();
        redactor.register("  canary-padded-9e2d \t");
        assert_eq!(redactor.redact("token=canary-padded-9e2d;"), "token=[REDACTED];");
        assert_eq!(redactor.redact(&STANDARD.encode("canary-padded-9e2d")), REDACTED);
    }

    #[test]
    fn registering_leaves_the_rebuild_to_the_next_redaction() {
        let redactor = Redactor::default();
        redactor.register("canary-batch-0000");
        let built = redactor.matcher();
        for n in 1..100 {
            redactor.register(&format!("canary-batch-{n:04}"));
        }
        {
            let state = redactor.state.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            assert!(Arc::ptr_eq(&built, &state.matcher) && state.stale, "a registration rebuilt the matcher");
        }
        assert_eq!(redactor.redact("canary-batch-0099"), REDACTED);
    }

    #[test]
    fn values_registered_after_a_redaction_are_masked_too() {
        let redactor = Redactor::default();
        redactor.register("canary-first-31aa");
        assert_eq!(redactor.redact("canary-first-31aa canary-second-31aa"), "[REDACTED] canary-second-31aa");
        redactor.register("canary-second-31aa");
        assert_eq!(redactor.redact("canary-first-31aa canary-second-31aa"), "[REDACTED] [REDACTED]");
    }

    #[test]
    fn panic_payloads_become_text() {
        let text: Box<dyn std::any::Any + Send> = Box::new("static message");
        let owned: Box<dyn std::any::Any + Send> = Box::new(String::from("owned message"));
        let other: Box<dyn std::any::Any + Send> = Box::new(7_u8);
        assert_eq!(panic_message(text.as_ref()), "static message");
        assert_eq!(panic_message(owned.as_ref()), "owned message");
        assert_eq!(panic_message(other.as_ref()), "Box<dyn Any>");
    }
}
