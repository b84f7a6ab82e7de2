//! Gains per nonlinearity, as PyTorch's `torch.nn.init.calculate_gain`.

use serde::{Deserialize, Serialize};

use crate::error::{InitError, Result, finite};

/// A nonlinearity, for the gain that keeps a signal's scale through it.
///
/// | nonlinearity | gain |
/// |---|---|
/// | `Linear`, `Conv` (any conv), `Sigmoid` | 1 |
/// | `Tanh` | 5/3 |
/// | `Relu` | √2 |
/// | `LeakyRelu { negative_slope: s }` | √(2 / (1 + s²)) |
/// | `Selu` | 3/4 |
///
/// These are exactly the values of PyTorch's `calculate_gain` (the default leaky slope there is
/// 0.01, see [`Nonlinearity::leaky_relu_default`]). SELU's 3/4 is PyTorch's choice for
/// self-normalizing networks initialized with `kaiming_normal_(mode="fan_in", nonlinearity="linear")`
/// scaled by it.
///
/// ```
/// use burn_init::Nonlinearity;
/// assert_eq!(Nonlinearity::Tanh.gain(), 5.0 / 3.0);
/// assert_eq!(Nonlinearity::Relu.gain(), 2f64.sqrt());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Nonlinearity {
    /// Identity.
    #[default]
    Linear,
    /// Any convolution without activation.
    Conv,
    /// Logistic sigmoid.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Rectified linear unit.
    Relu,
    /// Leaky ReLU with the given negative slope.
    LeakyRelu {
        /// Slope for negative inputs.
        negative_slope: f64,
    },
    /// Scaled exponential linear unit.
    Selu,
}

impl Nonlinearity {
    /// Leaky ReLU with PyTorch's default slope 0.01.
    pub const fn leaky_relu_default() -> Self {
        Self::LeakyRelu {
            negative_slope: 0.01,
        }
    }

    /// Leaky ReLU with a validated slope.
    ///
    /// # Errors
    /// [`InitError::InvalidParameter`] if the slope is not finite.
    pub fn leaky_relu(negative_slope: f64) -> Result<Self> {
        finite("negative_slope", negative_slope)?;
        Ok(Self::LeakyRelu { negative_slope })
    }

    /// The recommended gain, as `torch.nn.init.calculate_gain`.
    pub fn gain(&self) -> f64 {
        match *self {
            Self::Linear | Self::Conv | Self::Sigmoid => 1.0,
            Self::Tanh => 5.0 / 3.0,
            Self::Relu => 2f64.sqrt(),
            Self::LeakyRelu { negative_slope } => {
                (2.0 / (1.0 + negative_slope * negative_slope)).sqrt()
            }
            Self::Selu => 0.75,
        }
    }

    /// Parses PyTorch's names (`"linear"`, `"conv2d"`, `"sigmoid"`, `"tanh"`, `"relu"`,
    /// `"leaky_relu"`, `"selu"`); `param` is the leaky slope (default 0.01).
    ///
    /// # Errors
    /// [`InitError::UnknownName`] listing the valid names.
    pub fn from_torch_name(name: &str, param: Option<f64>) -> Result<Self> {
        Ok(match name {
            "linear" | "identity" => Self::Linear,
            "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d"
            | "conv_transpose3d" => Self::Conv,
            "sigmoid" => Self::Sigmoid,
            "tanh" => Self::Tanh,
            "relu" => Self::Relu,
            "leaky_relu" => Self::leaky_relu(param.unwrap_or(0.01))?,
            "selu" => Self::Selu,
            _ => {
                let valid = [
                    "linear",
                    "conv1d",
                    "conv2d",
                    "conv3d",
                    "conv_transpose1d",
                    "conv_transpose2d",
                    "conv_transpose3d",
                    "sigmoid",
                    "tanh",
                    "relu",
                    "leaky_relu",
                    "selu",
                ];
                return Err(InitError::UnknownName {
                    kind: "nonlinearity",
                    name: name.into(),
                    suggestion: crate::error::closest(name, valid),
                    valid: valid.iter().map(|s| s.to_string()).collect(),
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gain_table_is_pytorch_exactly() {
        assert_eq!(Nonlinearity::Linear.gain(), 1.0);
        assert_eq!(Nonlinearity::Conv.gain(), 1.0);
        assert_eq!(Nonlinearity::Sigmoid.gain(), 1.0);
        assert_eq!(Nonlinearity::Tanh.gain(), 5.0 / 3.0);
        assert_eq!(Nonlinearity::Relu.gain(), std::f64::consts::SQRT_2);
        assert_eq!(
            Nonlinearity::leaky_relu_default().gain(),
            (2.0f64 / 1.0001).sqrt()
        );
        assert_eq!(Nonlinearity::Selu.gain(), 0.75);
        assert_eq!(
            Nonlinearity::from_torch_name("conv2d", None).unwrap(),
            Nonlinearity::Conv
        );
        assert!(
            Nonlinearity::from_torch_name("tanhh", None)
                .unwrap_err()
                .to_string()
                .contains("did you mean `tanh`")
        );
    }
}
