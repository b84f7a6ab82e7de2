//! Fans: how many units feed one unit (`fan_in`) and how many one unit feeds (`fan_out`).
//!
//! Burn stores layer weights in its own layouts, which differ from PyTorch's:
//!
//! | layer | Burn weight shape | `fan_in` | `fan_out` |
//! |---|---|---|---|
//! | `Linear` | `[d_in, d_out]` | `d_in` | `d_out` |
//! | `Conv1d/2d/3d` | `[c_out, c_in/groups, k…]` | `c_in/groups · ∏k` | `c_out/groups · ∏k` |
//! | `ConvTranspose1d/2d/3d` | `[c_in, c_out/groups, k…]` | `c_in/groups · ∏k` | `c_out/groups · ∏k` |
//!
//! For a plain convolution with `groups = 1` these are PyTorch's `_calculate_fan_in_and_fan_out`.
//! With groups, PyTorch takes `fan_out = c_out · ∏k` (it ignores groups); here `fan_out` is what
//! one input unit really feeds, `c_out/groups · ∏k`. For transposed convolutions PyTorch (and Keras)
//! read the weight as if it were a forward convolution and so swap the fans; here `fan_in` is the
//! number of input channels (times the kernel) that feed one output unit at stride 1, as for the
//! forward convolution that the transposed one is the gradient of. Burn itself defines no fans for
//! transposed convolutions.

use serde::{Deserialize, Serialize};

use crate::error::{InitError, Result, deserialize_through};

/// The two fans of a weight tensor.
///
/// Always positive: the constructors reject zero fans (and products that overflow), so every
/// variance derived from them is finite.
///
/// ```
/// use burn_init::Fans;
/// let fans = Fans::linear(100, 50)?;
/// assert_eq!((fans.fan_in(), fans.fan_out()), (100, 50));
/// let conv = Fans::conv(&[64, 32, 3, 3], 1)?; // Burn's Conv2d weight [c_out, c_in, kh, kw]
/// assert_eq!((conv.fan_in(), conv.fan_out()), (32 * 9, 64 * 9));
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Fans {
    fan_in: usize,
    fan_out: usize,
}

deserialize_through!(Fans { fan_in: usize, fan_out: usize } => Fans::new);

/// Which fan a variance-scaling initializer divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FanMode {
    /// `fan_in`: preserves the variance of the forward signal (LeCun, He).
    #[default]
    FanIn,
    /// `fan_out`: preserves the variance of the backward signal.
    FanOut,
    /// `(fan_in + fan_out) / 2`: the compromise of Glorot & Bengio (2010).
    FanAvg,
}

impl Fans {
    /// Fans given directly.
    ///
    /// # Errors
    /// [`InitError::ZeroFan`] if either fan is zero.
    pub fn new(fan_in: usize, fan_out: usize) -> Result<Self> {
        if fan_in == 0 || fan_out == 0 {
            return Err(InitError::ZeroFan { fan_in, fan_out });
        }
        Ok(Self { fan_in, fan_out })
    }

    /// Number of input units that feed one output unit.
    pub const fn fan_in(&self) -> usize {
        self.fan_in
    }

    /// Number of output units that one input unit feeds.
    pub const fn fan_out(&self) -> usize {
        self.fan_out
    }

    /// A `Linear` layer from `d_in` inputs to `d_out` outputs (Burn weight `[d_in, d_out]`).
    ///
    /// # Errors
    /// [`InitError::ZeroFan`] if a dimension is zero.
    pub fn linear(d_in: usize, d_out: usize) -> Result<Self> {
        Self::new(d_in, d_out)
    }

    /// From a Burn `Linear` weight shape `[d_in, d_out]`.
    ///
    /// # Errors
    /// [`InitError::InvalidShape`] if the shape is not 2-D, [`InitError::ZeroFan`] if a
    /// dimension is zero.
    pub fn linear_weight(shape: &[usize]) -> Result<Self> {
        match shape {
            [d_in, d_out] => Self::new(*d_in, *d_out),
            _ => Err(InitError::InvalidShape {
                initializer: "Fans::linear_weight".into(),
                shape: shape.to_vec(),
                reason: "a Linear weight is [d_in, d_out]".into(),
            }),
        }
    }

    /// From a Burn `Conv1d/2d/3d` weight shape `[c_out, c_in/groups, k…]`.
    ///
    /// `fan_in = c_in/groups · ∏k`, `fan_out = c_out/groups · ∏k`.
    ///
    /// # Errors
    /// [`InitError::InvalidShape`] for fewer than 3 dimensions, zero groups or `c_out` not
    /// divisible by `groups`; [`InitError::ZeroFan`] for a zero dimension;
    /// [`InitError::TooLarge`] when a fan overflows `usize`.
    pub fn conv(shape: &[usize], groups: usize) -> Result<Self> {
        let (c_out, c_in_per_group, receptive) = split_conv("Fans::conv", shape, groups)?;
        let fan = |channels: usize| fan("Fans::conv", shape, channels, receptive);
        Self::new(fan(c_in_per_group)?, fan(c_out / groups)?)
    }

    /// From a Burn `ConvTranspose1d/2d/3d` weight shape `[c_in, c_out/groups, k…]`.
    ///
    /// `fan_in = c_in/groups · ∏k`, `fan_out = c_out/groups · ∏k` (see the module docs for how
    /// this differs from PyTorch, which swaps them).
    ///
    /// # Errors
    /// As [`Fans::conv`], with `c_in` divisible by `groups`.
    pub fn conv_transpose(shape: &[usize], groups: usize) -> Result<Self> {
        let (c_in, c_out_per_group, receptive) = split_conv("Fans::conv_transpose", shape, groups)?;
        let fan = |channels: usize| fan("Fans::conv_transpose", shape, channels, receptive);
        Self::new(fan(c_in / groups)?, fan(c_out_per_group)?)
    }

    /// The fan that `mode` selects, as a float (`FanAvg` is the mean of both).
    pub fn select(&self, mode: FanMode) -> f64 {
        match mode {
            FanMode::FanIn => self.fan_in as f64,
            FanMode::FanOut => self.fan_out as f64,
            FanMode::FanAvg => (self.fan_in as f64 + self.fan_out as f64) / 2.0,
        }
    }
}

fn split_conv(what: &str, shape: &[usize], groups: usize) -> Result<(usize, usize, usize)> {
    let invalid = |reason: &str| InitError::InvalidShape {
        initializer: what.into(),
        shape: shape.to_vec(),
        reason: reason.into(),
    };
    if shape.len() < 3 {
        return Err(invalid(
            "a convolution weight has at least 3 dimensions [c, c/groups, k…]",
        ));
    }
    if groups == 0 {
        return Err(invalid("groups must be >= 1"));
    }
    if !shape[0].is_multiple_of(groups) {
        return Err(invalid("the first dimension must be divisible by groups"));
    }
    if shape.contains(&0) {
        let product = |channels: usize| {
            shape[2..]
                .iter()
                .fold(channels, |a, &k| a.saturating_mul(k))
        };
        return Err(InitError::ZeroFan {
            fan_in: product(shape[1]),
            fan_out: product(shape[0]),
        });
    }
    let receptive = crate::error::element_count(what, &shape[2..])?;
    Ok((shape[0], shape[1], receptive))
}

/// `channels · receptive`, or [`InitError::TooLarge`] when it overflows `usize`.
fn fan(what: &str, shape: &[usize], channels: usize, receptive: usize) -> Result<usize> {
    channels
        .checked_mul(receptive)
        .ok_or_else(|| InitError::TooLarge {
            what: what.into(),
            shape: shape.to_vec(),
            reason: format!("a fan, {channels} channels × {receptive} taps, overflows usize"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_fans() {
        assert_eq!(
            Fans::linear(784, 256).unwrap(),
            Fans {
                fan_in: 784,
                fan_out: 256
            }
        );
        assert_eq!(
            Fans::linear_weight(&[3, 7]).unwrap(),
            Fans {
                fan_in: 3,
                fan_out: 7
            }
        );
        // Conv1d [c_out=8, c_in=4, k=5]
        assert_eq!(
            Fans::conv(&[8, 4, 5], 1).unwrap(),
            Fans {
                fan_in: 20,
                fan_out: 40
            }
        );
        // Conv2d [c_out=16, c_in/groups=2, 3, 3] with groups = 4 (c_in = 8)
        assert_eq!(
            Fans::conv(&[16, 2, 3, 3], 4).unwrap(),
            Fans {
                fan_in: 18,
                fan_out: 36
            }
        );
        // ConvTranspose2d [c_in=6, c_out/groups=5, 2, 4], groups = 3 (c_out = 15)
        assert_eq!(
            Fans::conv_transpose(&[6, 5, 2, 4], 3).unwrap(),
            Fans {
                fan_in: 16,
                fan_out: 40
            }
        );
        let f = Fans::linear(10, 30).unwrap();
        assert_eq!(f.select(FanMode::FanIn), 10.0);
        assert_eq!(f.select(FanMode::FanOut), 30.0);
        assert_eq!(f.select(FanMode::FanAvg), 20.0);
    }

    #[test]
    fn bad_fans_are_errors() {
        assert_eq!(
            Fans::linear(0, 3),
            Err(InitError::ZeroFan {
                fan_in: 0,
                fan_out: 3
            })
        );
        assert!(matches!(
            Fans::linear_weight(&[3]),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(matches!(
            Fans::conv(&[4, 4], 1),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(matches!(
            Fans::conv(&[6, 4, 3], 4),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(matches!(
            Fans::conv(&[4, 4, 3], 0),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(matches!(
            Fans::conv(&[4, 4, 0], 1),
            Err(InitError::ZeroFan { .. })
        ));
        // Products that overflow usize are errors, not wrapped fans.
        assert!(matches!(
            Fans::conv(&[1 << 40, 1 << 40, 1 << 40], 1),
            Err(InitError::TooLarge { .. })
        ));
        assert!(matches!(
            Fans::conv_transpose(&[usize::MAX, 2, 3], 1),
            Err(InitError::TooLarge { .. })
        ));
        let huge = Fans::new(usize::MAX, usize::MAX).unwrap();
        assert_eq!(huge.select(FanMode::FanAvg), usize::MAX as f64);
    }
}
