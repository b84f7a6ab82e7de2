//! Signal propagation (feature `signal`, on by default): per-layer diagnostics, mean-field
//! predictions, LSUV and greedy layer-wise pretraining, for any model that implements
//! [`Layered`] ([`LinearChain`] is the smallest). This layer alone needs Burn's `autodiff` and
//! `optim`.

mod chain;
pub mod criticality;
mod diagnostics;
mod gaussian;
mod layered;
mod lsuv;
mod meanfield;
#[cfg(feature = "train")]
pub mod metrics;
mod pretrain;

pub use self::chain::LinearChain;
pub use self::diagnostics::{
    ActivationStats, DiagnosticsConfig, GradStats, Histogram, Symmetry, activation_stats,
    dead_fraction, gradient_stats, saturated_fraction, summary, symmetry, update_ratios,
};
pub use self::gaussian::{gaussian_mean, gaussian_pair_mean};
pub use self::layered::{LayerTrace, Layered, set_linear};
pub use self::lsuv::{LsuvConfig, LsuvLayer, LsuvReport, lsuv};
pub use self::meanfield::{MeanFieldLayer, mean_field, second_moment};
pub use self::pretrain::{
    PretrainConfig, PretrainLayer, PretrainOptimizer, PretrainReport, Reconstruction, Stop,
    pretrain_greedy,
};
