//! The serial Forklift writes on a migrated vSphere VM, which depends on
//! the OpenShift release: from 4.20 it is `VMware-XX XX … XX-XX … XX` (the
//! uuid's 16 bytes, upper case, in two halves), before that the uuid itself.
//! The simulator writes it and the host checks it, so both read this rule.

/// The serial of a VM with VMware `uuid` migrated on OpenShift `version`
/// (`4.20.0`, `4.18.3`…).
pub fn vm_serial(uuid: &str, version: &str) -> String {
    if !at_least_4_20(version) {
        return uuid.to_owned();
    }
    vmware_form(uuid)
}

/// `4210a1b2-…` as OpenShift 4.20 and later write it.
pub fn vmware_form(uuid: &str) -> String {
    let hex: String = uuid.chars().filter(char::is_ascii_hexdigit).map(|c| c.to_ascii_uppercase()).collect();
    let pairs = |s: &str| s.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ");
    let (first, second) = hex.split_at(hex.len().min(16));
    format!("VMware-{}-{}", pairs(first), pairs(second))
}

fn at_least_4_20(version: &str) -> bool {
    let mut parts = version.split(['.', '-']).map(|part| part.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (4, 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "4210a1b2-c3d4-e5f6-0718-293a4b5c6d7e";

    #[test]
    fn the_release_decides_the_form() {
        assert_eq!(vm_serial(UUID, "4.20.0"), "VMware-42 10 A1 B2 C3 D4 E5 F6-07 18 29 3A 4B 5C 6D 7E");
        assert_eq!(vm_serial(UUID, "4.21.2"), vmware_form(UUID));
        assert_eq!(vm_serial(UUID, "5.0.0"), vmware_form(UUID));
        assert_eq!(vm_serial(UUID, "4.19.9"), UUID);
        assert_eq!(vm_serial(UUID, "4.9.0"), UUID);
    }
}
