//! IBM FlashSystem: the base credentials are all the populator needs.
use mtv_plugin_sdk::export_storage_vendor;
use mtv_plugin_sdk::storage_vendor::*;

struct Flashsystem;

impl StorageVendor for Flashsystem {
    fn info() -> VendorInfo {
        vendor("flashsystem", "IBM FlashSystem").build()
    }
}

export_storage_vendor!(Flashsystem);
