//! Sampling: the open [`TensorInit`] trait with its entry points, where random numbers come from
//! ([`Source`]), the trait's implementations for the built-in parameter structs, and the
//! serializable catalogue [`Init`] of every built-in initializer, and the fixed-scale presets
//! ([`zeros`], [`ones`], [`small_random`], [`large_random`]).

mod builtin;
mod catalogue;
mod custom;
mod initializer;
mod presets;

pub use self::catalogue::Init;
pub use self::custom::CustomInit;
pub(crate) use self::initializer::sample_flat;
pub use self::initializer::{Source, TensorInit, TensorInitExt, TensorSpec};
pub use self::presets::{large_random, ones, small_random, zeros};
