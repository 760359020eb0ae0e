//! Dell PowerStore: the base credentials are all the populator needs.
use mtv_plugin_sdk::export_storage_vendor;
use mtv_plugin_sdk::storage_vendor::*;

struct Powerstore;

impl StorageVendor for Powerstore {
    fn info() -> VendorInfo {
        vendor("powerstore", "Dell PowerStore").build()
    }
}

export_storage_vendor!(Powerstore);
