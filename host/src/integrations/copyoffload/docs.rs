//! `docs/copyoffload-keys.md`: the host-level keys from [`HOST_KEYS`] and
//! each vendor's keys from its built plugin's `describe`, so the page lists
//! exactly what the host and the plugins accept.

use std::fmt::Write as _;

use super::keys::{HOST_KEYS, env_name};
use crate::plugins::{Presence, VendorInfo};

/// The page, with the vendors in product order.
pub fn keys_markdown(vendors: &[VendorInfo]) -> String {
    let mut out = String::from(
        "# Copy-offload keys\n\n\
         Generated from the host's keys and the built vendor plugins \
         (`mtv-host copyoffload keys --markdown`); do not edit by hand.\n\n\
         Keys of the `copyoffload` object of a vSphere profile in `.providers.json`. \
         Where an environment override exists, a non-empty variable wins over the file and an \
         empty one falls back to it. Keys without an override are read from the file only; \
         setting `COPYOFFLOAD_<KEY>` for them produces a warning. Sensitive values are never \
         passed to plugins and are masked in every output.\n\n\
         ## Host keys\n\n\
         | key | environment override | sensitive | default | description |\n\
         |---|---|---|---|---|\n",
    );
    for rule in HOST_KEYS {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            rule.key,
            if rule.overridable { format!("`{}`", env_name(rule.key)) } else { "—".to_owned() },
            yes_no(rule.sensitive),
            rule.default.map_or("—".to_owned(), |default| format!("`{default}`")),
            rule.description,
        );
    }
    out.push_str(
        "\n## Vendor keys\n\n\
         Each vendor plugin declares the fields its populator reads; every one takes \
         `COPYOFFLOAD_<KEY>` from the environment, and is sensitive when the plugin says so.\n",
    );
    let mut vendors: Vec<&VendorInfo> = vendors.iter().collect();
    vendors.sort_by(|a, b| a.product.cmp(&b.product));
    for vendor in vendors {
        let _ = write!(out, "\n### `{}` — {}\n\n", vendor.product, vendor.display_name);
        if vendor.fields.is_empty() {
            out.push_str("No keys beyond the host keys.\n");
            continue;
        }
        out.push_str("| key | Secret key | environment override | presence | sensitive | description |\n|---|---|---|---|---|---|\n");
        for field in &vendor.fields {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | `{}` | {} | {} | {} |",
                field.config_key,
                field.secret_key,
                env_name(&field.config_key),
                presence(&field.presence),
                yes_no(field.sensitive),
                field.description,
            );
        }
    }
    out
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

fn presence(presence: &Presence) -> String {
    match presence {
        Presence::Required => "required".to_owned(),
        Presence::Optional(None) => "optional".to_owned(),
        Presence::Optional(Some(default)) => format!("optional (default `{default}`)"),
        Presence::RequiredUnless(other) => format!("required unless `{other}`"),
    }
}
