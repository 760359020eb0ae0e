//! The secret primitives the runtime needs and the host shares: the value
//! type that never prints, the process-wide redactor it registers with, and
//! the audit log of what plugins asked for. Where secrets come from (the
//! broker, the environment, config files) is the host's business.

pub mod audit;
pub mod redactor;
pub mod value;

pub use audit::{AUDIT_FILE_NAME, AuditEntry, AuditError, AuditEvent, AuditKind, AuditLog};
pub use redactor::{MIN_SECRET_LEN, REDACTED, Redactor, install_panic_hook, redactor};
pub use value::{SecretValue, is_sensitive_name};
