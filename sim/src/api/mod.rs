//! The Kubernetes API model: resource types, metadata rules, selectors, patches,
//! admission and error bodies. Transport-free; `http` serves it.

pub(crate) mod admission;
pub(crate) mod errors;
pub(crate) mod meta;
pub(crate) mod patch;
pub(crate) mod protobuf;
pub(crate) mod resources;
pub(crate) mod selectors;
pub(crate) mod table;
