//! Dell PowerFlex: the system id of the cluster.
use mtv_plugin_sdk::export_storage_vendor;
use mtv_plugin_sdk::storage_vendor::*;

struct PowerFlex;

impl StorageVendor for PowerFlex {
    fn info() -> VendorInfo {
        vendor("powerflex", "Dell PowerFlex").field(required("powerflex_system_id", "POWERFLEX_SYSTEM_ID", "PowerFlex system id")).build()
    }
}

export_storage_vendor!(PowerFlex);
