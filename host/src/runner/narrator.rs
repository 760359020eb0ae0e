//! What a run tells its user outside the event stream: before the
//! reporters exist (which plugins load, why gating is off) and after them
//! (what the reporter plugins did). The CLI prints it; a test collects it.

pub trait Narrator: Send + Sync {
    /// A line of the run's own output (stdout).
    fn say(&self, line: &str);
    /// A note or warning about the run (stderr).
    fn note(&self, line: &str);
}
