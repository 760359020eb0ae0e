//! Hitachi Vantara: storage id, port and host groups; the populator
//! connects to the array by IPv4 address.
use mtv_plugin_sdk::checks::contains_ipv4;
use mtv_plugin_sdk::export_storage_vendor;
use mtv_plugin_sdk::storage_vendor::*;

struct Vantara;

const COPY_SPEEDS: [&str; 3] = ["slower", "medium", "faster"];

impl StorageVendor for Vantara {
    fn info() -> VendorInfo {
        vendor("vantara", "Hitachi Vantara")
            .field(required("vantara_storage_id", "STORAGE_ID", "Storage system id"))
            .field(required("vantara_storage_port", "STORAGE_PORT", "Storage REST API port"))
            .field(required(
                "vantara_hostgroup_id_list",
                "HOSTGROUP_ID_LIST",
                "Host groups as PORT,ID pairs separated by ':' (CL1-A,1:CL2-B,2)",
            ))
            .field(optional("vantara_copy_speed", "COPY_SPEED", None, "Copy speed: slower, medium or faster"))
            .ignores_skip_ssl_verification()
            .build()
    }

    fn validate(values: &Values) -> Vec<Problem> {
        let mut problems = Vec::new();
        if let Some(host) = values.get("storage_hostname").filter(|h| !contains_ipv4(h)) {
            problems.push(problem(
                "storage_hostname",
                format!("'{host}' has no IPv4 address; the Vantara populator connects by IP"),
                "set storage_hostname to the array's IPv4 address, e.g. 10.0.0.5",
            ));
        }
        if let Some(port) = values.get("vantara_storage_port").filter(|p| p.parse::<u16>().is_err()) {
            problems.push(problem(
                "vantara_storage_port",
                format!("'{port}' is not a port number"),
                "set vantara_storage_port to a number from 1 to 65535",
            ));
        }
        if let Some(list) = values.get("vantara_hostgroup_id_list").filter(|l| !is_hostgroup_list(l)) {
            problems.push(problem(
                "vantara_hostgroup_id_list",
                format!("'{list}' is not a list of PORT,ID pairs"),
                "write it as CL1-A,1:CL2-B,2",
            ));
        }
        if let Some(speed) = values.get("vantara_copy_speed").filter(|s| !COPY_SPEEDS.contains(s)) {
            problems.push(problem("vantara_copy_speed", format!("'{speed}' is not a copy speed"), "use slower, medium or faster"));
        }
        problems
    }
}

fn is_hostgroup_list(list: &str) -> bool {
    list.split(':').all(|pair| matches!(pair.split_once(','), Some((port, id)) if !port.is_empty() && id.parse::<u32>().is_ok()))
}

export_storage_vendor!(Vantara);
