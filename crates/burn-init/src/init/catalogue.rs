//! [`Init`]: every built-in initializer as one serializable enum, with stable names.

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de, ser};

use super::custom::CustomInit;
use super::initializer::{TensorInit, TensorSpec};
use crate::dist::{Constant, Normal, Primitive, TruncatedNormal, Uniform};
use crate::error::{InitError, Result, closest};
use crate::host::HostRng;
use crate::scale::{self as vs, FanMode, Fans, Nonlinearity, VarianceScaling, VsDistribution};
use crate::structured::{DeltaOrthogonal, Dirac, Identity, Orthogonal, Sparse};

fn default_gain() -> f64 {
    1.0
}

/// Every built-in initializer, serializable with stable snake_case names (the `name` tag), for
/// configs, experiment files and the command line, and [`Init::Custom`] for your own
/// ([`TensorInit`]), so that a user-defined initializer goes wherever a built-in one does.
///
/// The variants are plain configuration data (as Burn's `#[derive(Config)]` structs): every way
/// into a sampler goes through the parameter structs' constructors ([`Uniform::new`], …), so an
/// invalid value is a typed error ([`InitError::InvalidParameter`] naming the field) from
/// [`Init::validate`], [`TensorInit::check`] or the sampling entry points, never a panic or a
/// non-finite weight. Deserialization validates too, and refuses fields a variant does not
/// have (`{"name": "he_normal", "gain": 2}` is an error, not a silently dropped gain).
///
/// ```
/// use burn_init::{Init, InitError};
/// let init: Init = serde_json::from_str(r#"{"name": "he_normal"}"#).unwrap();
/// assert_eq!(init, Init::HeNormal);
/// assert_eq!(Init::from_name("xavier")?, Init::GlorotUniform);
/// assert_eq!(serde_json::to_string(&Init::SmallRandom).unwrap(), r#"{"name":"small_random"}"#);
/// assert!(matches!(
///     Init::from_json(r#"{"name": "he_normal", "gain": 2}"#),
///     Err(InitError::UnknownField { .. })
/// ));
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", tag = "name", rename_all = "snake_case")]
pub enum Init {
    /// All zeros.
    Zeros,
    /// All ones.
    Ones,
    /// A constant.
    Constant {
        /// The value.
        value: f64,
    },
    /// [`Uniform`].
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// [`Normal`].
    Normal {
        /// Mean.
        mean: f64,
        /// Std.
        std: f64,
    },
    /// [`TruncatedNormal`] with absolute bounds.
    TruncatedNormal {
        /// Mean.
        mean: f64,
        /// Std before truncation.
        std: f64,
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// `N(0, 0.01²)` ([`Normal::small_random`]).
    SmallRandom,
    /// `N(0, 1)` ([`Normal::large_random`]).
    LargeRandom,
    /// The general [`VarianceScaling`].
    VarianceScaling {
        /// Scale.
        scale: f64,
        /// Fan mode.
        mode: FanMode,
        /// Distribution.
        distribution: VsDistribution,
    },
    /// [`vs::lecun_normal`].
    LecunNormal,
    /// [`vs::lecun_uniform`].
    LecunUniform,
    /// [`vs::glorot_normal`] (Keras: truncated).
    GlorotNormal,
    /// [`vs::glorot_uniform`].
    #[serde(alias = "xavier")]
    GlorotUniform,
    /// [`vs::he_normal`] (Keras: truncated).
    #[serde(alias = "he")]
    HeNormal,
    /// [`vs::he_uniform`].
    HeUniform,
    /// [`vs::he_avg_normal`]: `Var = 4/(fan_in + fan_out)`.
    HeAvgNormal,
    /// [`vs::he_avg_uniform`].
    HeAvgUniform,
    /// [`vs::xavier_normal`] (PyTorch: untruncated, with gain).
    XavierNormal {
        /// Gain (default 1).
        #[serde(default = "default_gain")]
        gain: f64,
    },
    /// [`vs::xavier_uniform`] (PyTorch, with gain).
    XavierUniform {
        /// Gain (default 1).
        #[serde(default = "default_gain")]
        gain: f64,
    },
    /// [`vs::kaiming_normal`] (PyTorch: untruncated, mode and nonlinearity).
    KaimingNormal {
        /// Fan mode (default `fan_in`).
        #[serde(default)]
        mode: FanMode,
        /// Nonlinearity (default ReLU).
        #[serde(default = "relu")]
        nonlinearity: Nonlinearity,
    },
    /// [`vs::kaiming_uniform`] (PyTorch: mode and nonlinearity).
    KaimingUniform {
        /// Fan mode (default `fan_in`).
        #[serde(default)]
        mode: FanMode,
        /// Nonlinearity (default ReLU).
        #[serde(default = "relu")]
        nonlinearity: Nonlinearity,
    },
    /// [`Orthogonal`].
    Orthogonal {
        /// Gain (default 1).
        #[serde(default = "default_gain")]
        gain: f64,
    },
    /// [`Identity`].
    #[serde(alias = "eye")]
    Identity {
        /// Gain (default 1).
        #[serde(default = "default_gain")]
        gain: f64,
    },
    /// [`Dirac`].
    Dirac {
        /// Groups (default 1).
        #[serde(default = "default_groups")]
        groups: usize,
    },
    /// [`DeltaOrthogonal`].
    DeltaOrthogonal {
        /// Gain (default 1).
        #[serde(default = "default_gain")]
        gain: f64,
    },
    /// [`Sparse`].
    Sparse {
        /// Fraction of zeros per column (default 0.1).
        #[serde(default = "default_sparsity")]
        sparsity: f64,
        /// Std of the non-zeros (default 0.01).
        #[serde(default = "default_sparse_std")]
        std: f64,
    },
    /// A user-defined initializer ([`Init::custom`]). Not serializable: serializing it is an
    /// error, and no JSON name parses to it.
    #[serde(skip)]
    Custom(CustomInit),
}

fn relu() -> Nonlinearity {
    Nonlinearity::Relu
}
fn default_groups() -> usize {
    1
}
fn default_sparsity() -> f64 {
    0.1
}
fn default_sparse_std() -> f64 {
    0.01
}

/// Short aliases accepted by [`Init::from_name`], with what they mean.
const ALIASES: &[(&str, &str)] = &[
    ("he", "he_normal"),
    ("kaiming", "kaiming_normal"),
    ("xavier", "glorot_uniform"),
    ("glorot", "glorot_uniform"),
    ("lecun", "lecun_normal"),
    ("small", "small_random"),
    ("large", "large_random"),
    ("he_avg", "he_avg_normal"),
    ("zero", "zeros"),
    ("eye", "identity"),
];

/// The stable name of every variant usable without parameters, in a sensible display order.
const NAMES: &[&str] = &[
    "zeros",
    "ones",
    "small_random",
    "large_random",
    "lecun_normal",
    "lecun_uniform",
    "glorot_normal",
    "glorot_uniform",
    "xavier_normal",
    "xavier_uniform",
    "he_normal",
    "he_uniform",
    "he_avg_normal",
    "he_avg_uniform",
    "kaiming_normal",
    "kaiming_uniform",
    "orthogonal",
    "identity",
    "dirac",
    "delta_orthogonal",
    "sparse",
];

impl Init {
    /// A user-defined initializer as an `Init`, usable in layers ([`ParamInits`]), `reinit`
    /// rules, LSUV and everywhere else a built-in goes.
    ///
    /// [`ParamInits`]: crate::ParamInits
    ///
    /// ```
    /// use burn_init::{Fans, HostRng, Init, InitError, TensorInit, TensorInitExt, TensorSpec};
    ///
    /// /// Every weight equals 1/fan_in.
    /// #[derive(Debug)]
    /// struct Average;
    ///
    /// impl TensorInit for Average {
    ///     fn name(&self) -> String { "average".into() }
    ///     fn check(&self, spec: TensorSpec) -> Result<(), InitError> {
    ///         spec.require_fans(self).map(|_| ())
    ///     }
    ///     fn fill_host(&self, spec: TensorSpec, _: HostRng, out: &mut [f32]) -> Result<(), InitError> {
    ///         out.fill(1.0 / spec.require_fans(self)?.fan_in() as f32);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let init = Init::custom(Average);
    /// assert_eq!(init, init.clone()); // the same initializer
    /// assert_ne!(init, Init::custom(Average)); // another one
    /// let w = init.host_vec(&[4, 2], Some(Fans::linear(4, 2)?), HostRng::new(0))?;
    /// assert!(w.iter().all(|&x| x == 0.25));
    /// assert!(serde_json::to_string(&init).is_err());
    /// # Ok::<(), InitError>(())
    /// ```
    pub fn custom(init: impl TensorInit + 'static) -> Self {
        Self::Custom(CustomInit::new(init))
    }

    /// Short aliases accepted by [`Init::from_name`], with the name each stands for.
    pub const ALIASES: &'static [(&'static str, &'static str)] = ALIASES;

    /// The stable name of every variant usable without parameters, in a sensible display order.
    pub const NAMES: &'static [&'static str] = NAMES;

    /// Parses a name or alias (`he`, `xavier`, `small`, `large`, …; see [`Init::NAMES`] and
    /// [`Init::ALIASES`]) with default parameters.
    ///
    /// # Errors
    /// [`InitError::UnknownName`] listing the valid names and the closest one.
    pub fn from_name(name: &str) -> Result<Self> {
        let canonical = ALIASES
            .iter()
            .find(|(a, _)| *a == name)
            .map_or(name, |(_, c)| *c);
        if !NAMES.contains(&canonical) {
            let all = NAMES.iter().chain(ALIASES.iter().map(|(a, _)| a)).copied();
            return Err(InitError::UnknownName {
                kind: "initializer",
                name: name.into(),
                suggestion: closest(name, all),
                valid: NAMES.iter().map(|s| s.to_string()).collect(),
            });
        }
        Self::from_json(&format!(r#"{{"name":"{canonical}"}}"#))
    }

    /// Parses and validates a JSON config (`{"name": "uniform", "low": -1, "high": 1}`).
    ///
    /// # Errors
    /// [`InitError::Config`] for malformed JSON or an unknown name,
    /// [`InitError::UnknownField`] for a field the variant does not have, and the constructor's
    /// error for invalid parameters.
    pub fn from_json(json: &str) -> Result<Self> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| InitError::Config(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Parses and validates a configuration already read as JSON: the one way into `Init` from
    /// data (its `Deserialize` goes through it, whatever the format).
    fn from_value(value: &serde_json::Value) -> Result<Self> {
        let init = Self::deserialize(value).map_err(|e| InitError::Config(e.to_string()))?;
        // A field the variant does not have is dropped by the derived deserializer (internally
        // tagged unit variants take no `deny_unknown_fields`): it would not come back.
        let back = Self::serialize(&init, serde_json::value::Serializer)
            .map_err(|e| InitError::Config(e.to_string()))?;
        if let (Some(given), Some(known)) = (value.as_object(), back.as_object())
            && let Some((field, v)) = given.iter().find(|(k, _)| !known.contains_key(*k))
        {
            return Err(InitError::UnknownField {
                initializer: init.stable_name(),
                field: field.clone(),
                value: v.to_string(),
                valid: known.keys().cloned().collect(),
            });
        }
        init.validate()?;
        Ok(init)
    }

    /// Checks the parameters (not the shape): the parameter structs' constructors on the
    /// variant's values.
    ///
    /// # Errors
    /// The constructor's error for invalid parameters.
    pub fn validate(&self) -> Result<()> {
        self.resolve().map(|_| ())
    }

    /// The stable name (the serde tag; a custom initializer's own name).
    pub fn stable_name(&self) -> String {
        if let Self::Custom(c) = self {
            return c.name();
        }
        Self::serialize(self, serde_json::value::Serializer)
            .ok()
            .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
            .unwrap_or_default()
    }

    /// The [`VarianceScaling`] this is, for the variance-scaling family (with valid
    /// parameters).
    pub fn variance_scaling(&self) -> Option<VarianceScaling> {
        match self.resolve() {
            Ok(Resolved::Vs(v)) => Some(v),
            _ => None,
        }
    }

    /// `Var(w)` for these fans, where it depends only on them (element-wise initializers).
    pub fn variance(&self, fans: Fans) -> Option<f64> {
        TensorInit::primitive(self, Some(fans)).map(|p| p.variance())
    }

    /// The same distribution as Burn's closed `burn::nn::Initializer`, where Burn represents
    /// it exactly (constants, uniform, normal, untruncated variance scaling with `fan_in`,
    /// `fan_out` or `fan_avg`, orthogonal); `None` otherwise (truncated normals, structured
    /// initializers Burn lacks).
    pub fn to_burn(&self) -> Option<burn::nn::Initializer> {
        use VsDistribution as V;
        use burn::nn::Initializer as B;
        Some(match self.resolve().ok()? {
            Resolved::Prim(Primitive::Constant(c)) => B::Constant { value: c.value() },
            Resolved::Prim(Primitive::Uniform(u)) => B::Uniform {
                min: u.low(),
                max: u.high(),
            },
            Resolved::Prim(Primitive::Normal(n)) => B::Normal {
                mean: n.mean(),
                std: n.std(),
            },
            Resolved::Vs(v) => {
                let gain = v.scale().sqrt();
                match (v.mode(), v.distribution()) {
                    (_, V::TruncatedNormal) => return None,
                    (FanMode::FanAvg, V::Normal) => B::XavierNormal { gain },
                    (FanMode::FanAvg, V::Uniform) => B::XavierUniform { gain },
                    (mode, V::Normal) => B::KaimingNormal {
                        gain,
                        fan_out_only: mode == FanMode::FanOut,
                    },
                    (mode, V::Uniform) => B::KaimingUniform {
                        gain,
                        fan_out_only: mode == FanMode::FanOut,
                    },
                }
            }
            Resolved::Orthogonal(o) => B::Orthogonal { gain: o.gain() },
            _ => return None,
        })
    }

    /// The validated parameter struct this variant stands for: the one place where `Init`'s
    /// plain values go through the constructors.
    pub(crate) fn resolve(&self) -> Result<Resolved> {
        use Resolved::*;
        Ok(match *self {
            Init::Zeros => Prim(Primitive::Constant(crate::zeros())),
            Init::Ones => Prim(Primitive::Constant(crate::ones())),
            Init::Constant { value } => Prim(Primitive::Constant(Constant::new(value)?)),
            Init::Uniform { low, high } => Prim(Primitive::Uniform(Uniform::new(low, high)?)),
            Init::Normal { mean, std } => Prim(Primitive::Normal(Normal::new(mean, std)?)),
            Init::TruncatedNormal {
                mean,
                std,
                low,
                high,
            } => Prim(Primitive::TruncatedNormal(TruncatedNormal::new(
                mean, std, low, high,
            )?)),
            Init::SmallRandom => Prim(Primitive::Normal(Normal::small_random())),
            Init::LargeRandom => Prim(Primitive::Normal(Normal::large_random())),
            Init::VarianceScaling {
                scale,
                mode,
                distribution,
            } => Vs(VarianceScaling::new(scale, mode, distribution)?),
            Init::LecunNormal => Vs(vs::lecun_normal()),
            Init::LecunUniform => Vs(vs::lecun_uniform()),
            Init::GlorotNormal => Vs(vs::glorot_normal()),
            Init::GlorotUniform => Vs(vs::glorot_uniform()),
            Init::HeNormal => Vs(vs::he_normal()),
            Init::HeUniform => Vs(vs::he_uniform()),
            Init::HeAvgNormal => Vs(vs::he_avg_normal()),
            Init::HeAvgUniform => Vs(vs::he_avg_uniform()),
            Init::XavierNormal { gain } => Vs(vs::xavier_normal(gain)?),
            Init::XavierUniform { gain } => Vs(vs::xavier_uniform(gain)?),
            Init::KaimingNormal { mode, nonlinearity } => {
                Vs(vs::kaiming_normal(mode, nonlinearity))
            }
            Init::KaimingUniform { mode, nonlinearity } => {
                Vs(vs::kaiming_uniform(mode, nonlinearity))
            }
            Init::Orthogonal { gain } => Orthogonal(crate::structured::Orthogonal::new(gain)?),
            Init::Identity { gain } => Identity(crate::structured::Identity::new(gain)?),
            Init::Dirac { groups } => Dirac(crate::structured::Dirac::new(groups)?),
            Init::DeltaOrthogonal { gain } => {
                DeltaOrthogonal(crate::structured::DeltaOrthogonal::new(gain)?)
            }
            Init::Sparse { sparsity, std } => {
                Sparse(crate::structured::Sparse::new(sparsity, std)?)
            }
            Init::Custom(ref c) => Custom(c.clone()),
        })
    }
}

#[derive(Debug)]
pub(crate) enum Resolved {
    Prim(Primitive),
    Vs(VarianceScaling),
    Orthogonal(Orthogonal),
    Identity(Identity),
    Dirac(Dirac),
    DeltaOrthogonal(DeltaOrthogonal),
    Sparse(Sparse),
    Custom(CustomInit),
}

impl Resolved {
    fn as_dyn(&self) -> &dyn TensorInit {
        match self {
            Resolved::Prim(Primitive::Constant(c)) => c,
            Resolved::Prim(Primitive::Uniform(u)) => u,
            Resolved::Prim(Primitive::Normal(n)) => n,
            Resolved::Prim(Primitive::TruncatedNormal(t)) => t,
            Resolved::Vs(v) => v,
            Resolved::Orthogonal(o) => o,
            Resolved::Identity(i) => i,
            Resolved::Dirac(d) => d,
            Resolved::DeltaOrthogonal(d) => d,
            Resolved::Sparse(s) => s,
            Resolved::Custom(c) => &**c,
        }
    }
}

impl Init {
    /// Runs `f` on the initializer this variant resolves to, and passes its result back with
    /// errors renamed after this variant.
    fn forward<R>(&self, f: impl FnOnce(&dyn TensorInit) -> Result<R>) -> Result<R> {
        let resolved = self.resolve()?;
        f(resolved.as_dyn()).map_err(|e| self.named(e))
    }

    /// An error of the resolved initializer, naming this one (`he_normal`, not the variance
    /// scaling it resolves to).
    fn named(&self, e: InitError) -> InitError {
        match e {
            InitError::MissingFans { .. } => InitError::MissingFans {
                initializer: self.stable_name(),
            },
            InitError::InvalidShape { shape, reason, .. } => InitError::InvalidShape {
                initializer: self.stable_name(),
                shape,
                reason,
            },
            other => other,
        }
    }
}

/// Every call goes to the parameter struct the variant resolves to (or to the user's
/// initializer), and its errors are renamed after the variant.
impl TensorInit for Init {
    fn name(&self) -> String {
        self.stable_name()
    }
    fn check(&self, spec: TensorSpec<'_>) -> Result<()> {
        self.forward(|init| init.check(spec))
    }
    fn fill_host(&self, spec: TensorSpec<'_>, rng: HostRng, out: &mut [f32]) -> Result<()> {
        self.forward(|init| init.fill_host(spec, rng, out))
    }
    fn sample_device(&self, spec: TensorSpec<'_>, device: &Device) -> Result<Tensor<1>> {
        self.forward(|init| init.sample_device(spec, device))
    }
    fn primitive(&self, fans: Option<Fans>) -> Option<Primitive> {
        self.forward(|init| Ok(init.primitive(fans))).ok().flatten()
    }
}

impl Serialize for Init {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if let Self::Custom(c) = self {
            return Err(ser::Error::custom(format!(
                "the custom initializer `{}` cannot be serialized",
                c.name()
            )));
        }
        Self::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Init {
    /// Reads the value as JSON data (any self-describing format), then [`Init::from_json`]'s
    /// checks: unknown fields and invalid parameters are errors.
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Self::from_value(&value).map_err(de::Error::custom)
    }
}

/// Conversions from the validated parameter structs.
macro_rules! from_struct {
    ($($ty:ty => |$v:ident| $variant:expr;)*) => {$(
        impl From<$ty> for Init {
            fn from($v: $ty) -> Self {
                $variant
            }
        }
    )*};
}

from_struct! {
    Constant => |c| Init::Constant { value: c.value() };
    Uniform => |u| Init::Uniform { low: u.low(), high: u.high() };
    Normal => |n| Init::Normal { mean: n.mean(), std: n.std() };
    TruncatedNormal => |t| Init::TruncatedNormal {
        mean: t.mean(),
        std: t.std(),
        low: t.low(),
        high: t.high(),
    };
    VarianceScaling => |v| Init::VarianceScaling {
        scale: v.scale(),
        mode: v.mode(),
        distribution: v.distribution(),
    };
    Orthogonal => |o| Init::Orthogonal { gain: o.gain() };
    Identity => |i| Init::Identity { gain: i.gain() };
    Dirac => |d| Init::Dirac { groups: d.groups() };
    DeltaOrthogonal => |d| Init::DeltaOrthogonal { gain: d.gain() };
    Sparse => |s| Init::Sparse { sparsity: s.sparsity(), std: s.std() };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_and_round_trips() {
        for name in NAMES {
            let init = Init::from_name(name).unwrap();
            assert_eq!(&init.stable_name(), name);
            let json = serde_json::to_string(&init).unwrap();
            assert_eq!(Init::from_json(&json).unwrap(), init);
        }
        for (alias, name) in ALIASES {
            assert_eq!(Init::from_name(alias).unwrap().stable_name(), *name);
        }
    }

    #[test]
    fn unknown_and_invalid_configs_are_errors() {
        let err = Init::from_name("he_normall").unwrap_err();
        assert!(
            err.to_string().contains("did you mean `he_normal`"),
            "{err}"
        );
        assert!(matches!(
            Init::from_json(r#"{"name":"nope"}"#),
            Err(InitError::Config(_))
        ));
        assert!(matches!(
            Init::from_json(r#"{"name":"uniform","low":1,"high":0}"#),
            Err(InitError::InvalidParameter { field: "high", .. })
        ));
        assert!(matches!(
            Init::from_json(r#"{"name":"normal","mean":0,"std":1,"extra":2}"#),
            Err(InitError::UnknownField { .. })
        ));
        // Unit variants too: the gain is not silently dropped.
        let err = Init::from_json(r#"{"name":"he_normal","gain":2}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`he_normal` has no field `gain` (given 2); its fields: name"
        );
        // Deserialization goes through the same checks.
        let e = serde_json::from_str::<Init>(r#"{"name":"constant","value":1e39}"#).unwrap_err();
        assert!(e.to_string().contains("1e39"), "{e}");
        assert!(matches!(
            Init::HeNormal.check(TensorSpec::new(&[3, 4], None)),
            Err(InitError::MissingFans { .. })
        ));
    }

    #[test]
    fn burn_conversion_only_where_exact() {
        assert_eq!(
            Init::Zeros.to_burn(),
            Some(burn::nn::Initializer::Constant { value: 0.0 })
        );
        assert_eq!(
            Init::HeNormal.to_burn(),
            None,
            "Burn has no truncated normal"
        );
        assert_eq!(
            Init::KaimingNormal {
                mode: FanMode::FanOut,
                nonlinearity: Nonlinearity::Relu
            }
            .to_burn(),
            Some(burn::nn::Initializer::KaimingNormal {
                gain: 2f64.sqrt().powi(2).sqrt(),
                fan_out_only: true
            })
        );
        assert_eq!(
            Init::GlorotUniform.to_burn(),
            Some(burn::nn::Initializer::XavierUniform { gain: 1.0 })
        );
        assert_eq!(
            Init::Sparse {
                sparsity: 0.1,
                std: 0.01
            }
            .to_burn(),
            None
        );
    }
}
