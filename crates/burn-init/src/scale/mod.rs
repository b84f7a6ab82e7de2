//! How large initial weights should be: [`Fans`] for Burn's layouts, the [`Nonlinearity`] (with
//! its gain), and [`VarianceScaling`] with its presets (LeCun, Glorot/Xavier, He/Kaiming).

mod fans;
mod nonlinearity;
mod variance;

pub use self::fans::{FanMode, Fans};
pub use self::nonlinearity::{NegativeSlope, Nonlinearity};
pub use self::variance::{
    Kaiming, TRUNCATED_NORMAL_STD_CORRECTION, VarianceScaling, VsDistribution, Xavier,
    glorot_normal, glorot_uniform, he_avg_normal, he_avg_uniform, he_normal, he_uniform,
    kaiming_normal, kaiming_uniform, lecun_normal, lecun_uniform, xavier_normal, xavier_uniform,
};
