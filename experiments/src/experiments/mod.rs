//! The experiments, one file each; [`crate::registry::REGISTRY`] lists them.

pub mod activations;
pub mod matrix;
pub mod single;
pub mod symmetry;
pub mod throughput;
