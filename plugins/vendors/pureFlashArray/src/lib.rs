//! Pure Storage FlashArray: a cluster prefix, and an API token may replace
//! username and password.
use mtv_plugin_sdk::export_storage_vendor;
use mtv_plugin_sdk::storage_vendor::*;

struct PureFlashArray;

impl StorageVendor for PureFlashArray {
    fn info() -> VendorInfo {
        vendor("pureFlashArray", "Pure Storage FlashArray")
            .field(required("pure_cluster_prefix", "PURE_CLUSTER_PREFIX", "Cluster prefix used to name volumes"))
            .field(required_unless("storage_username", "STORAGE_USERNAME", "storage_token", "Array user (or set storage_token)"))
            .field(
                required_unless("storage_password", "STORAGE_PASSWORD", "storage_token", "Array password (or set storage_token)")
                    .sensitive(),
            )
            .field(optional("storage_token", "STORAGE_TOKEN", None, "API token; replaces username and password").sensitive())
            .build()
    }
}

export_storage_vendor!(PureFlashArray);
