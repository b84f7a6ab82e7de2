//! The experiments, one file each; [`crate::registry::REGISTRY`] lists them.

pub mod activations;
pub mod all;
pub mod criticality;
pub mod curves;
pub mod depth;
pub mod matrix;
pub mod pretrain;
pub mod readme;
pub mod single;
pub mod symmetry;
pub mod throughput;
pub mod trainability;
