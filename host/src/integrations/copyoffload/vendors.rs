//! The loaded storage-vendor plugins, by the product each describes.

use crate::plugins::{HookError, LoadedPlugin, PluginRuntime, VendorInfo, World};

/// One vendor plugin and what it said about itself.
pub struct Vendor {
    pub plugin: LoadedPlugin,
    pub info: VendorInfo,
}

#[derive(Default)]
pub struct VendorRegistry {
    vendors: Vec<Vendor>,
}

impl VendorRegistry {
    /// Ask every storage-vendor plugin to describe itself; other worlds
    /// are ignored. A plugin that fails to describe itself is reported and
    /// left out.
    pub fn describe_all(runtime: &PluginRuntime, plugins: Vec<LoadedPlugin>) -> (VendorRegistry, Vec<HookError>) {
        let mut registry = VendorRegistry::default();
        let mut failures = Vec::new();
        for plugin in plugins.into_iter().filter(|p| p.world == World::StorageVendor) {
            match runtime.vendor_describe(&plugin) {
                Ok(info) => registry.vendors.push(Vendor { plugin, info }),
                Err(e) => failures.push(e),
            }
        }
        (registry, failures)
    }

    /// What each vendor said about itself, in load order.
    pub fn infos(&self) -> Vec<VendorInfo> {
        self.vendors.iter().map(|v| v.info.clone()).collect()
    }

    pub fn products(&self) -> Vec<&str> {
        self.vendors.iter().map(|v| v.info.product.as_str()).collect()
    }

    pub fn find(&self, product: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.info.product == product)
    }
}
