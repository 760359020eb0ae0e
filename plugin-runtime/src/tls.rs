//! The process-wide TLS crypto provider. rustls needs one chosen before the
//! first client (kube's or the plugin HTTP transport's) is built; the host
//! links only `ring`, and installs it here so neither client depends on
//! rustls guessing from crate features.

/// Idempotent: later calls (and a provider installed by someone else) win
/// nothing and lose nothing.
pub fn install_crypto_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
