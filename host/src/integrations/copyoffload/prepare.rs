//! Copy-offload preparation: the vendor plugins describe themselves and
//! each vendor product a selected test uses gets its Secret planned, before
//! any cluster call.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{VendorRegistry, plan_copyoffload, resolution};
use crate::plugins::{LoadedPlugin, PluginRuntime};
use crate::runner::CopyOffloadPlans;
use crate::secrets::SecretBroker;

/// Describes the vendor plugins and plans each product's Secret, on a
/// blocking thread (plugin hooks are synchronous).
pub async fn plan_products(
    runtime: Arc<PluginRuntime>,
    broker: Arc<SecretBroker>,
    vendors: Vec<LoadedPlugin>,
    products: BTreeSet<String>,
    missing_vendors: Vec<(String, String)>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<CopyOffloadPlans> {
    if products.is_empty() {
        return Ok(CopyOffloadPlans::new());
    }
    let (plans, notes) = tokio::task::spawn_blocking(move || {
        let (registry, failures) = VendorRegistry::describe_all(&runtime, vendors);
        let mut notes: Vec<String> = failures.iter().map(ToString::to_string).collect();
        let mut plans = CopyOffloadPlans::new();
        let resolution = resolution(&broker).ok_or_else(|| anyhow::anyhow!("the copy-offload integration is not registered"))?;
        for product in products {
            // No loaded plugin describes the product and its default was found nowhere.
            if let Some((_, not_found)) = missing_vendors.iter().find(|(p, _)| *p == product).filter(|_| registry.find(&product).is_none())
            {
                plans.insert(product.clone(), Err(format!("storage_vendor_product '{product}' has no vendor plugin: {not_found}")));
                continue;
            }
            let planned = plan_copyoffload(&runtime, &registry, resolution, Some(&product)).map_err(|e| e.to_string());
            if let Ok(plan) = &planned {
                notes.extend(plan.warnings.iter().cloned());
            }
            plans.insert(product, planned);
        }
        anyhow::Ok((plans, notes))
    })
    .await??;
    warnings.extend(notes);
    Ok(plans)
}
