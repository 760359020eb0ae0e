//! Thin wrappers over the host interfaces. One set of bindings serves every
//! world: the `reporter` and `storage-vendor` bindings reuse these types.

pub(crate) use crate::gate::bindings::mtv::plugin as interfaces;

/// Leveled log lines; the host prefixes them with the plugin's name.
pub mod log {
    use super::interfaces::log::{Level, write};

    pub fn trace(message: &str) {
        write(Level::Trace, message)
    }
    pub fn debug(message: &str) {
        write(Level::Debug, message)
    }
    pub fn info(message: &str) {
        write(Level::Info, message)
    }
    pub fn warn(message: &str) {
        write(Level::Warn, message)
    }
    pub fn error(message: &str) {
        write(Level::Error, message)
    }
}

/// The plugin's settings table from `mtv-host.toml`.
pub mod settings {
    pub use super::interfaces::config::{entries, get};

    /// A setting, or `default` when the config does not set it.
    pub fn get_or(key: &str, default: &str) -> String {
        get(key).unwrap_or_else(|| default.to_string())
    }
}

/// Outbound HTTP through the host (granted origins only; gate and reporter
/// worlds).
pub mod http {
    pub use super::interfaces::http::{Error, Header, Request, Response, send};

    /// A request with no headers, no body and the host's default timeout.
    pub fn request(method: &str, url: &str) -> Request {
        Request { method: method.to_string(), url: url.to_string(), headers: Vec::new(), body: Vec::new(), timeout_ms: None }
    }

    impl Request {
        /// Add a header.
        pub fn header(mut self, name: &str, value: &str) -> Self {
            self.headers.push(Header { name: name.to_string(), value: value.to_string() });
            self
        }

        /// Set the body.
        pub fn body(mut self, body: Vec<u8>) -> Self {
            self.body = body;
            self
        }

        /// Give up after `ms` milliseconds.
        pub fn timeout_ms(mut self, ms: u32) -> Self {
            self.timeout_ms = Some(ms);
            self
        }
    }

    impl Response {
        /// The value of a header, matched case-insensitively.
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
        }
    }
}

/// Secrets granted to this plugin in `mtv-host.toml` (`grants.secrets`;
/// gate and reporter worlds).
pub mod secrets {
    pub use super::interfaces::secrets::{Error, get};
}
