//! Storage vendors: describe the copy-offload fields a product needs and
//! check the non-sensitive values before the run.
//!
//! ```ignore
//! use mtv_plugin_sdk::storage_vendor::*;
//!
//! struct Ontap;
//! impl StorageVendor for Ontap {
//!     fn info() -> VendorInfo {
//!         vendor("ontap", "NetApp ONTAP")
//!             .field(required("ontap_svm", "ONTAP_SVM", "SVM that owns the LUNs"))
//!             .ignores_skip_ssl_verification()
//!             .build()
//!     }
//! }
//! export_storage_vendor!(Ontap);
//! ```

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "mtv:plugin/storage-vendor@0.2.0",
        pub_export_macro: true,
        export_macro_name: "__export_storage_vendor_world",
        with: {
            "mtv:plugin/log@0.2.0": crate::host::interfaces::log,
            "mtv:plugin/config@0.2.0": crate::host::interfaces::config,
        },
        default_bindings_module: "mtv_plugin_sdk::storage_vendor::bindings",
    });
}

pub use crate::checks::Values;
pub use bindings::exports::mtv::plugin::storage_vendor_hooks::{Field, Guest, Presence, Problem, VendorInfo};

/// What a storage vendor plugin implements.
pub trait StorageVendor {
    /// The product and its fields; the host adds nothing implicitly.
    fn info() -> VendorInfo;

    /// Check non-sensitive values; return every problem at once.
    fn validate(values: &Values) -> Vec<Problem> {
        let _ = values;
        Vec::new()
    }
}

/// Start describing a product: the base credentials every populator reads
/// (`STORAGE_HOSTNAME`, `STORAGE_USERNAME`, `STORAGE_PASSWORD`) are included.
pub fn vendor(product: &str, display_name: &str) -> VendorBuilder {
    VendorBuilder {
        info: VendorInfo {
            product: product.to_string(),
            display_name: display_name.to_string(),
            fields: vec![
                required("storage_hostname", "STORAGE_HOSTNAME", "Storage array management address"),
                required("storage_username", "STORAGE_USERNAME", "Storage array user"),
                required("storage_password", "STORAGE_PASSWORD", "Storage array password").sensitive(),
            ],
            honours_skip_ssl_verification: true,
        },
    }
}

/// Builder returned by [`vendor`].
pub struct VendorBuilder {
    info: VendorInfo,
}

impl VendorBuilder {
    /// Add a field, or replace the base field with the same config key.
    pub fn field(mut self, field: Field) -> Self {
        match self.info.fields.iter_mut().find(|f| f.config_key == field.config_key) {
            Some(existing) => *existing = field,
            None => self.info.fields.push(field),
        }
        self
    }

    /// The populator's client never verifies certificates, so
    /// `STORAGE_SKIP_SSL_VERIFICATION` has no effect for this product.
    pub fn ignores_skip_ssl_verification(mut self) -> Self {
        self.info.honours_skip_ssl_verification = false;
        self
    }

    pub fn build(self) -> VendorInfo {
        self.info
    }
}

/// A field that must be set.
pub fn required(config_key: &str, secret_key: &str, description: &str) -> Field {
    field(config_key, secret_key, Presence::Required, description)
}

/// A field that may be absent; `default` is written when it is.
pub fn optional(config_key: &str, secret_key: &str, default: Option<&str>, description: &str) -> Field {
    field(config_key, secret_key, Presence::Optional(default.map(str::to_string)), description)
}

/// A field that must be set unless `alternative` (a config key) is.
pub fn required_unless(config_key: &str, secret_key: &str, alternative: &str, description: &str) -> Field {
    field(config_key, secret_key, Presence::RequiredUnless(alternative.to_string()), description)
}

fn field(config_key: &str, secret_key: &str, presence: Presence, description: &str) -> Field {
    Field {
        config_key: config_key.to_string(),
        secret_key: secret_key.to_string(),
        presence,
        sensitive: false,
        description: description.to_string(),
    }
}

impl Field {
    /// Mark the field sensitive: the host resolves it and writes it into the
    /// Secret; the plugin never sees its value.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
}

/// A problem with `key`, saying what is wrong and what to change.
pub fn problem(key: &str, message: impl Into<String>, fix: impl Into<String>) -> Problem {
    Problem { key: key.to_string(), message: message.into(), fix: fix.into() }
}

/// Export a [`StorageVendor`] implementation as the plugin's component. The
/// export exists only in wasm builds, so the crate still builds and tests
/// natively (call `info()` and `validate()` directly in unit tests).
#[macro_export]
macro_rules! export_storage_vendor {
    ($vendor:ty) => {
        #[cfg(target_family = "wasm")]
        const _: () = {
            struct __MtvStorageVendorExport;

            impl $crate::storage_vendor::Guest for __MtvStorageVendorExport {
                fn describe() -> $crate::storage_vendor::VendorInfo {
                    <$vendor as $crate::storage_vendor::StorageVendor>::info()
                }
                fn validate(values: ::std::vec::Vec<(::std::string::String, ::std::string::String)>) -> ::std::vec::Vec<$crate::storage_vendor::Problem> {
                    <$vendor as $crate::storage_vendor::StorageVendor>::validate(&$crate::storage_vendor::Values::new(values))
                }
            }

            $crate::storage_vendor::bindings::__export_storage_vendor_world!(__MtvStorageVendorExport with_types_in $crate::storage_vendor::bindings);
        };
        #[cfg(not(target_family = "wasm"))]
        const _: () = {
            let _ = <$vendor as $crate::storage_vendor::StorageVendor>::info;
        };
    };
}
