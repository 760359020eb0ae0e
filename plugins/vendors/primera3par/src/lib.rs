//! HPE Primera / 3PAR: the populator's client wants a full URL.
use mtv_plugin_sdk::checks::is_url_with_scheme_and_port;
use mtv_plugin_sdk::export_storage_vendor;
use mtv_plugin_sdk::storage_vendor::*;

struct Primera3par;

impl StorageVendor for Primera3par {
    fn info() -> VendorInfo {
        vendor("primera3par", "HPE Primera / 3PAR")
            .field(required("storage_hostname", "STORAGE_HOSTNAME", "WSAPI URL with scheme and port, e.g. https://10.0.0.1:8080"))
            .build()
    }

    fn validate(values: &Values) -> Vec<Problem> {
        match values.get("storage_hostname") {
            Some(host) if !is_url_with_scheme_and_port(host) => vec![problem(
                "storage_hostname",
                format!("'{host}' is not a URL with scheme and port; the 3PAR populator rejects it"),
                "write it as https://<array address>:8080",
            )],
            _ => Vec::new(),
        }
    }
}

export_storage_vendor!(Primera3par);
