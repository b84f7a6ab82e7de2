//! Element-wise activation functions, with their derivatives and saturation bounds.

use burn::tensor::{Tensor, activation};
use serde::{Deserialize, Serialize};

use crate::error::{InitError, Result, closest};
use crate::scale::Nonlinearity;

/// The slope, relative to the maximum slope, below which an activation counts as saturated
/// ([`Activation::saturation_bound`]).
pub const SATURATION_SLOPE: f64 = 0.1;

/// `atanh(√0.9)`: where `tanh'(a) = 1 − tanh²(a)` falls to [`SATURATION_SLOPE`].
const TANH_SATURATION_BOUND: f64 = 1.818_446_459_232_066_6;

/// An element-wise activation function.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `tanh`.
    #[default]
    Tanh,
    /// Logistic sigmoid.
    Sigmoid,
    /// `max(0, x)`.
    Relu,
    /// Leaky ReLU with slope 0.01 for negative inputs.
    LeakyRelu,
    /// SELU (Klambauer et al. 2017).
    Selu,
    /// No activation.
    Identity,
}

impl Activation {
    /// Every activation's name.
    pub const NAMES: [&'static str; 6] =
        ["tanh", "sigmoid", "relu", "leaky_relu", "selu", "identity"];

    /// Applies the activation.
    pub fn apply<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Self::Tanh => x.tanh(),
            Self::Sigmoid => activation::sigmoid(x),
            Self::Relu => activation::relu(x),
            Self::LeakyRelu => activation::leaky_relu(x, 0.01),
            Self::Selu => activation::selu(x),
            Self::Identity => x,
        }
    }

    /// Applies the activation to one number (for mean-field quadrature).
    pub fn apply_scalar(&self, x: f64) -> f64 {
        match self {
            Self::Tanh => x.tanh(),
            Self::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Self::Relu => x.max(0.0),
            Self::LeakyRelu => {
                if x >= 0.0 {
                    x
                } else {
                    0.01 * x
                }
            }
            Self::Selu => {
                const ALPHA: f64 = 1.673_263_242_354_377_3;
                const SCALE: f64 = 1.050_700_987_355_480_5;
                SCALE * if x > 0.0 { x } else { ALPHA * (x.exp() - 1.0) }
            }
            Self::Identity => x,
        }
    }

    /// The derivative `φ'(x)` at one number (for mean-field quadrature: χ₁, gradients).
    pub fn derivative_scalar(&self, x: f64) -> f64 {
        match self {
            Self::Tanh => 1.0 - x.tanh().powi(2),
            Self::Sigmoid => {
                let s = 1.0 / (1.0 + (-x).exp());
                s * (1.0 - s)
            }
            Self::Relu => f64::from(u8::from(x > 0.0)),
            Self::LeakyRelu => {
                if x > 0.0 {
                    1.0
                } else {
                    0.01
                }
            }
            Self::Selu => {
                const ALPHA: f64 = 1.673_263_242_354_377_3;
                const SCALE: f64 = 1.050_700_987_355_480_5;
                SCALE * if x > 0.0 { 1.0 } else { ALPHA * x.exp() }
            }
            Self::Identity => 1.0,
        }
    }

    /// The pre-activation magnitude beyond which the activation counts as saturated: where its
    /// slope falls below [`SATURATION_SLOPE`] (10 %) of its maximum, `φ'(a) < 0.1·max φ'`.
    /// The same rule for both squashing functions: tanh, `1 − tanh²a < 0.1` ⇔
    /// `|a| > atanh(√0.9) ≈ 1.8184`; sigmoid, `σ'(a) = ¼·sech²(a/2) < 0.025` ⇔
    /// `|a| > 2·atanh(√0.9) ≈ 3.6369`. `None` for activations without flat regions (ReLU, leaky
    /// ReLU, SELU, identity).
    pub fn saturation_bound(&self) -> Option<f64> {
        match self {
            Self::Tanh => Some(TANH_SATURATION_BOUND),
            Self::Sigmoid => Some(2.0 * TANH_SATURATION_BOUND),
            _ => None,
        }
    }

    /// The matching entry of the gain table.
    pub fn nonlinearity(&self) -> Nonlinearity {
        match self {
            Self::Tanh => Nonlinearity::Tanh,
            Self::Sigmoid => Nonlinearity::Sigmoid,
            Self::Relu => Nonlinearity::Relu,
            Self::LeakyRelu => Nonlinearity::leaky_relu_default(),
            Self::Selu => Nonlinearity::Selu,
            Self::Identity => Nonlinearity::Linear,
        }
    }

    /// The stable name.
    pub fn name(&self) -> &'static str {
        Self::NAMES[*self as usize]
    }

    /// Parses a name.
    ///
    /// # Errors
    /// [`InitError::UnknownName`] with the valid names.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "tanh" => Ok(Self::Tanh),
            "sigmoid" => Ok(Self::Sigmoid),
            "relu" => Ok(Self::Relu),
            "leaky_relu" => Ok(Self::LeakyRelu),
            "selu" => Ok(Self::Selu),
            "identity" | "linear" => Ok(Self::Identity),
            _ => Err(InitError::UnknownName {
                kind: "activation",
                name: name.into(),
                suggestion: closest(name, Self::NAMES),
                valid: Self::NAMES.iter().map(|s| s.to_string()).collect(),
            }),
        }
    }
}
