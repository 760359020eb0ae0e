//! NetApp ONTAP: the populator needs the SVM that owns the LUNs.
use mtv_plugin_sdk::export_storage_vendor;
use mtv_plugin_sdk::storage_vendor::*;

struct Ontap;

impl StorageVendor for Ontap {
    fn info() -> VendorInfo {
        vendor("ontap", "NetApp ONTAP")
            .field(required("ontap_svm", "ONTAP_SVM", "ONTAP storage virtual machine (SVM) that owns the LUNs"))
            .ignores_skip_ssl_verification()
            .build()
    }
}

export_storage_vendor!(Ontap);
