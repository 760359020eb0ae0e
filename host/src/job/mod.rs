//! Manifests to run a suite in-cluster as an Indexed Job: each pod's
//! completion index becomes its `--shard`, reports land on a shared volume,
//! and every secret is referenced from the Secret users create the seed's
//! way — never inlined.

mod manifests;
mod rbac;

pub use manifests::{JobOptions, render, render_yaml};
pub use rbac::HOST_PERMISSIONS;
