//! Signal propagation (feature `signal`, on by default): per-layer diagnostics, mean-field
//! predictions, LSUV and greedy layer-wise pretraining, for any model that implements
//! [`Layered`]. This layer alone needs Burn's `autodiff` and `optim`.

mod activation;
pub mod criticality;
mod diagnostics;
mod layered;
mod lsuv;
mod meanfield;
mod mlp;
mod pretrain;

pub use self::activation::{Activation, SATURATION_SLOPE};
pub use self::diagnostics::{
    DiagnosticsConfig, GradStats, Histogram, LayerStats, Symmetry, activation_stats, dead_fraction,
    gradient_stats, saturated_fraction, summary, symmetry, update_ratios,
};
pub use self::layered::{LayerTrace, Layered};
pub use self::lsuv::{LsuvConfig, LsuvLayer, LsuvReport, lsuv};
pub use self::meanfield::{MeanFieldLayer, gaussian_expectation, predict, second_moment};
pub use self::mlp::{Mlp, MlpConfig};
pub use self::pretrain::{
    PretrainConfig, PretrainLayer, PretrainOptimizer, PretrainReport, Reconstruction, Stop,
    pretrain_greedy,
};
