//! Dell PowerMax: the populator needs the port group as well as the array id.
use mtv_plugin_sdk::export_storage_vendor;
use mtv_plugin_sdk::storage_vendor::*;

struct PowerMax;

impl StorageVendor for PowerMax {
    fn info() -> VendorInfo {
        vendor("powermax", "Dell PowerMax")
            .field(required("powermax_symmetrix_id", "POWERMAX_SYMMETRIX_ID", "Symmetrix (array) id"))
            .field(required("powermax_port_group_name", "POWERMAX_PORT_GROUP_NAME", "Port group the populator maps volumes through"))
            .build()
    }
}

export_storage_vendor!(PowerMax);
