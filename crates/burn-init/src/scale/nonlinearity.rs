//! Nonlinearities: the element-wise activation functions, their gains (PyTorch's
//! `torch.nn.init.calculate_gain`), derivatives and saturation bounds.

use std::fmt;

use burn::tensor::{Tensor, activation};
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{InitError, Result, closest};

/// `atanh(√0.9)`: where `tanh'(a) = 1 − tanh²(a)` falls to [`Nonlinearity::SATURATION_SLOPE`].
const TANH_SATURATION_BOUND: f64 = 1.818_446_459_232_066_6;

/// SELU's `α` and `λ` (Klambauer et al. 2017).
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

/// The slope of a leaky ReLU for negative inputs: a finite number, also finite in `f32`.
///
/// ```
/// use burn_init::NegativeSlope;
/// assert_eq!(NegativeSlope::new(0.2)?.get(), 0.2);
/// assert!(NegativeSlope::new(f64::NAN).is_err());
/// assert_eq!(NegativeSlope::default().get(), 0.01); // PyTorch's default
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(transparent)]
pub struct NegativeSlope(f64);

impl NegativeSlope {
    /// PyTorch's default, 0.01.
    pub const DEFAULT: Self = Self(0.01);

    /// # Errors
    /// [`InitError::InvalidParameter`] naming `negative_slope` if it is not finite in `f32`.
    pub fn new(slope: f64) -> Result<Self> {
        crate::error::finite("negative_slope", slope).map(Self)
    }

    /// The slope.
    pub const fn get(self) -> f64 {
        self.0
    }
}

impl Default for NegativeSlope {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl<'de> Deserialize<'de> for NegativeSlope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Self::new(f64::deserialize(d)?).map_err(de::Error::custom)
    }
}

/// An element-wise nonlinearity: the activation function of a layer, and the gain that keeps a
/// signal's scale through it.
///
/// | nonlinearity | `φ(x)` | gain |
/// |---|---|---|
/// | `Identity` (PyTorch `linear`, `conv*`) | `x` | 1 |
/// | `Sigmoid` | `1/(1 + e^{−x})` | 1 |
/// | `Tanh` | `tanh x` | 5/3 |
/// | `Relu` | `max(0, x)` | √2 |
/// | `LeakyRelu(s)` | `x` for `x ≥ 0`, `s·x` otherwise | √(2 / (1 + s²)) |
/// | `Selu` | `λ·x` for `x > 0`, `λ·α(eˣ − 1)` otherwise | 3/4 |
///
/// The gains are exactly PyTorch's `calculate_gain` (default leaky slope 0.01). SELU's 3/4 is
/// PyTorch's choice for self-normalizing networks initialized with
/// `kaiming_normal_(mode="fan_in", nonlinearity="linear")` scaled by it.
///
/// Serialized as its name (`"tanh"`), or, for a leaky ReLU with another slope than 0.01, as
/// `{"kind": "leaky_relu", "negative_slope": 0.2}`; both forms are read.
///
/// ```
/// use burn_init::Nonlinearity;
/// assert_eq!(Nonlinearity::Tanh.gain(), 5.0 / 3.0);
/// assert_eq!(Nonlinearity::Relu.gain(), 2f64.sqrt());
/// assert_eq!(Nonlinearity::leaky_relu(0.2)?.apply_scalar(-1.0), -0.2);
/// assert_eq!(Nonlinearity::from_name("relu")?, Nonlinearity::Relu);
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Nonlinearity {
    /// No activation, `φ(x) = x` (PyTorch's `linear`, `identity` and the convolutions).
    #[default]
    Identity,
    /// Logistic sigmoid.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Rectified linear unit.
    Relu,
    /// Leaky ReLU with the given slope for negative inputs.
    LeakyRelu(NegativeSlope),
    /// Scaled exponential linear unit (Klambauer et al. 2017).
    Selu,
}

impl Nonlinearity {
    /// Every nonlinearity's name, as [`Nonlinearity::name`] gives it.
    pub const NAMES: [&'static str; 6] =
        ["tanh", "sigmoid", "relu", "leaky_relu", "selu", "identity"];

    /// The slope, relative to the maximum slope, below which an activation counts as saturated
    /// ([`Nonlinearity::saturation_bound`]).
    pub const SATURATION_SLOPE: f64 = 0.1;

    /// Leaky ReLU with PyTorch's default slope 0.01.
    pub const LEAKY_RELU: Self = Self::LeakyRelu(NegativeSlope::DEFAULT);

    /// Leaky ReLU with a validated slope.
    ///
    /// # Errors
    /// [`InitError::InvalidParameter`] if the slope is not finite in `f32`.
    pub fn leaky_relu(negative_slope: f64) -> Result<Self> {
        NegativeSlope::new(negative_slope).map(Self::LeakyRelu)
    }

    /// The recommended gain, as `torch.nn.init.calculate_gain`.
    pub fn gain(&self) -> f64 {
        match *self {
            Self::Identity | Self::Sigmoid => 1.0,
            Self::Tanh => 5.0 / 3.0,
            Self::Relu => 2f64.sqrt(),
            Self::LeakyRelu(s) => (2.0 / (1.0 + s.get() * s.get())).sqrt(),
            Self::Selu => 0.75,
        }
    }

    /// Applies the nonlinearity to a tensor.
    pub fn apply<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        match *self {
            Self::Tanh => x.tanh(),
            Self::Sigmoid => activation::sigmoid(x),
            Self::Relu => activation::relu(x),
            Self::LeakyRelu(s) => activation::leaky_relu(x, s.get()),
            Self::Selu => activation::selu(x),
            Self::Identity => x,
        }
    }

    /// Applies the nonlinearity to one number (for mean-field quadrature).
    pub fn apply_scalar(&self, x: f64) -> f64 {
        match *self {
            Self::Tanh => x.tanh(),
            Self::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Self::Relu => x.max(0.0),
            Self::LeakyRelu(s) => {
                if x >= 0.0 {
                    x
                } else {
                    s.get() * x
                }
            }
            Self::Selu => {
                SELU_SCALE
                    * if x > 0.0 {
                        x
                    } else {
                        SELU_ALPHA * (x.exp() - 1.0)
                    }
            }
            Self::Identity => x,
        }
    }

    /// The derivative `φ'(x)` at one number (for mean-field quadrature: χ₁, gradients).
    pub fn derivative_scalar(&self, x: f64) -> f64 {
        match *self {
            Self::Tanh => 1.0 - x.tanh().powi(2),
            Self::Sigmoid => {
                let s = 1.0 / (1.0 + (-x).exp());
                s * (1.0 - s)
            }
            Self::Relu => f64::from(u8::from(x > 0.0)),
            Self::LeakyRelu(s) => {
                if x > 0.0 {
                    1.0
                } else {
                    s.get()
                }
            }
            Self::Selu => SELU_SCALE * if x > 0.0 { 1.0 } else { SELU_ALPHA * x.exp() },
            Self::Identity => 1.0,
        }
    }

    /// The pre-activation magnitude beyond which the nonlinearity counts as saturated: where its
    /// slope falls below [`Nonlinearity::SATURATION_SLOPE`] (10 %) of its maximum,
    /// `φ'(a) < 0.1·max φ'`. The same rule for both squashing functions: tanh,
    /// `1 − tanh²a < 0.1` ⇔ `|a| > atanh(√0.9) ≈ 1.8184`; sigmoid,
    /// `σ'(a) = ¼·sech²(a/2) < 0.025` ⇔ `|a| > 2·atanh(√0.9) ≈ 3.6369`. `None` for
    /// nonlinearities without flat regions (ReLU, leaky ReLU, SELU, identity).
    pub fn saturation_bound(&self) -> Option<f64> {
        match self {
            Self::Tanh => Some(TANH_SATURATION_BOUND),
            Self::Sigmoid => Some(2.0 * TANH_SATURATION_BOUND),
            _ => None,
        }
    }

    /// The stable name (one of [`Nonlinearity::NAMES`]; the slope of a leaky ReLU is not part
    /// of it).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Tanh => "tanh",
            Self::Sigmoid => "sigmoid",
            Self::Relu => "relu",
            Self::LeakyRelu(_) => "leaky_relu",
            Self::Selu => "selu",
            Self::Identity => "identity",
        }
    }

    /// Parses a name: one of [`Nonlinearity::NAMES`], or PyTorch's `calculate_gain` names
    /// (`linear`, `conv1d`, …, `conv_transpose3d` are the identity). `leaky_relu` has slope
    /// 0.01 ([`Nonlinearity::leaky_relu`] for another).
    ///
    /// # Errors
    /// [`InitError::UnknownName`] listing the valid names and the closest one.
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "identity" | "linear" | "conv" | "conv1d" | "conv2d" | "conv3d"
            | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d" => Self::Identity,
            "sigmoid" => Self::Sigmoid,
            "tanh" => Self::Tanh,
            "relu" => Self::Relu,
            "leaky_relu" => Self::LEAKY_RELU,
            "selu" => Self::Selu,
            _ => {
                return Err(InitError::UnknownName {
                    kind: "nonlinearity",
                    name: name.into(),
                    suggestion: closest(name, Self::NAMES.into_iter().chain(["linear"])),
                    valid: Self::NAMES.iter().map(|s| s.to_string()).collect(),
                });
            }
        })
    }
}

impl Serialize for Nonlinearity {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match *self {
            Self::LeakyRelu(slope) if slope != NegativeSlope::DEFAULT => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("kind", self.name())?;
                map.serialize_entry("negative_slope", &slope)?;
                map.end()
            }
            _ => s.serialize_str(self.name()),
        }
    }
}

impl<'de> Deserialize<'de> for Nonlinearity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Nonlinearity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a name such as "tanh", or {"kind": ..., "negative_slope": ...}"#)
            }
            fn visit_str<E: de::Error>(self, name: &str) -> std::result::Result<Nonlinearity, E> {
                Nonlinearity::from_name(name).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Nonlinearity, A::Error> {
                let (mut kind, mut slope) = (None::<String>, None::<NegativeSlope>);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "kind" => kind = Some(map.next_value()?),
                        "negative_slope" => slope = Some(map.next_value()?),
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["kind", "negative_slope"],
                            ));
                        }
                    }
                }
                let kind = kind.ok_or_else(|| de::Error::missing_field("kind"))?;
                match (
                    Nonlinearity::from_name(&kind).map_err(de::Error::custom)?,
                    slope,
                ) {
                    (Nonlinearity::LeakyRelu(_), Some(s)) => Ok(Nonlinearity::LeakyRelu(s)),
                    (n, None) => Ok(n),
                    (n, Some(_)) => Err(de::Error::custom(format!(
                        "`negative_slope` belongs to leaky_relu, not to {}",
                        n.name()
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gain_table_is_pytorch_exactly() {
        assert_eq!(Nonlinearity::Identity.gain(), 1.0);
        assert_eq!(Nonlinearity::Sigmoid.gain(), 1.0);
        assert_eq!(Nonlinearity::Tanh.gain(), 5.0 / 3.0);
        assert_eq!(Nonlinearity::Relu.gain(), std::f64::consts::SQRT_2);
        assert_eq!(Nonlinearity::LEAKY_RELU.gain(), (2.0f64 / 1.0001).sqrt());
        assert_eq!(Nonlinearity::Selu.gain(), 0.75);
        assert_eq!(
            Nonlinearity::from_name("conv2d").unwrap(),
            Nonlinearity::Identity
        );
        assert!(
            Nonlinearity::from_name("tanhh")
                .unwrap_err()
                .to_string()
                .contains("did you mean `tanh`")
        );
    }

    #[test]
    fn names_round_trip_in_both_serde_forms() {
        for name in Nonlinearity::NAMES {
            let n = Nonlinearity::from_name(name).unwrap();
            assert_eq!(n.name(), name);
            let json = serde_json::to_string(&n).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Nonlinearity>(&json).unwrap(), n);
            let tagged = format!(r#"{{"kind":"{name}"}}"#);
            assert_eq!(serde_json::from_str::<Nonlinearity>(&tagged).unwrap(), n);
        }
        let leaky = Nonlinearity::leaky_relu(0.2).unwrap();
        let json = serde_json::to_string(&leaky).unwrap();
        assert_eq!(json, r#"{"kind":"leaky_relu","negative_slope":0.2}"#);
        assert_eq!(serde_json::from_str::<Nonlinearity>(&json).unwrap(), leaky);
        for bad in [
            r#"{"kind":"relu","negative_slope":0.2}"#,
            r#"{"kind":"leaky_relu","slope":0.2}"#,
            r#"{"kind":"leaky_relu","negative_slope":1e39}"#,
            r#""tanhh""#,
        ] {
            assert!(serde_json::from_str::<Nonlinearity>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for n in [
            Nonlinearity::Tanh,
            Nonlinearity::Sigmoid,
            Nonlinearity::Selu,
            Nonlinearity::leaky_relu(0.2).unwrap(),
        ] {
            for x in [-2.0, -0.5, 0.3, 1.7] {
                let h = 1e-6;
                let fd = (n.apply_scalar(x + h) - n.apply_scalar(x - h)) / (2.0 * h);
                assert!((fd - n.derivative_scalar(x)).abs() < 1e-6, "{n:?} at {x}");
            }
        }
    }
}
