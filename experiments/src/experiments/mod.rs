//! The experiments, one file each; [`crate::registry::REGISTRY`] lists them.

pub mod activations;
pub mod single;
pub mod symmetry;
pub mod throughput;
