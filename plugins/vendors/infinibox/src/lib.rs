//! Infinidat InfiniBox: the base credentials are all the populator needs.
use mtv_plugin_sdk::export_storage_vendor;
use mtv_plugin_sdk::storage_vendor::*;

struct Infinibox;

impl StorageVendor for Infinibox {
    fn info() -> VendorInfo {
        vendor("infinibox", "Infinidat InfiniBox").ignores_skip_ssl_verification().build()
    }
}

export_storage_vendor!(Infinibox);
