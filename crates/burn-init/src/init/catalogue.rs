//! [`Init`]: every built-in initializer as one serializable enum, with stable names.
//!
//! One table, [`TABLE`], holds every name with its aliases and how to read it from JSON;
//! [`Init::NAMES`], [`Init::ALIASES`], [`Init::from_name`] and [`Init::from_json`] (and so
//! `Deserialize`) are all read from it, so a name or alias means the same on every path.

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de, ser};
use serde_json::{Map, Value};

use super::custom::CustomInit;
use super::initializer::{TensorInit, TensorSpec};
use super::presets::{ones, zeros};
use crate::distribution::{Constant, Normal, Primitive, TruncatedNormal, Uniform};
use crate::error::{FromFields, InitError, Result, closest};
use crate::host::HostRng;
use crate::scale::{self as vs, FanMode, Fans, Kaiming, VarianceScaling, VsDistribution, Xavier};
use crate::structured::{DeltaOrthogonal, Dirac, Identity, Orthogonal, Sparse};

/// Every built-in initializer, serializable with stable snake_case names (the `name` tag), for
/// configs, experiment files and the command line, and [`Init::Custom`] for your own
/// ([`TensorInit`]), so that a user-defined initializer goes wherever a built-in one does.
///
/// A parameterized variant holds the validated parameter struct ([`Uniform`], [`Normal`],
/// [`Xavier`], [`Kaiming`], [`Orthogonal`], …), so an invalid `Init` cannot be built: the struct's
/// constructor refuses it ([`InitError::InvalidParameter`] naming the field), from Rust and from
/// JSON alike. Deserialization refuses fields a variant does not have (`{"name": "he_normal",
/// "gain": 2}` is an error, not a silently dropped gain). Names and aliases come from one table
/// ([`Init::NAMES`], [`Init::ALIASES`]): `Init::from_name(x)` and
/// `Init::from_json(r#"{"name": x}"#)` agree for every one of them.
///
/// ```
/// use burn_init::{Init, InitError, Normal};
/// let init: Init = serde_json::from_str(r#"{"name": "he_normal"}"#).unwrap();
/// assert_eq!(init, Init::HeNormal);
/// assert_eq!(Init::from_name("xavier")?, Init::GlorotUniform);
/// assert_eq!(Init::from_json(r#"{"name": "glorot"}"#)?, Init::GlorotUniform);
/// assert_eq!(serde_json::to_string(&Init::SmallRandom).unwrap(), r#"{"name":"small_random"}"#);
/// // Parameters are the validated structs: a negative std is refused where it is written.
/// let normal = Init::Normal(Normal::new(0.0, 0.5)?);
/// assert_eq!(serde_json::to_string(&normal).unwrap(), r#"{"name":"normal","mean":0.0,"std":0.5}"#);
/// assert!(Normal::new(0.0, -1.0).is_err());
/// assert!(matches!(
///     Init::from_json(r#"{"name": "normal", "mean": 0, "std": -1}"#),
///     Err(InitError::InvalidParameter { field: "std", .. })
/// ));
/// assert!(matches!(
///     Init::from_json(r#"{"name": "he_normal", "gain": 2}"#),
///     Err(InitError::UnknownField { .. })
/// ));
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(remote = "Self", tag = "name", rename_all = "snake_case")]
pub enum Init {
    /// All zeros ([`zeros`](crate::zeros)).
    Zeros,
    /// All ones ([`ones`](crate::ones)).
    Ones,
    /// A [`Constant`].
    Constant(Constant),
    /// [`Uniform`].
    Uniform(Uniform),
    /// [`Normal`].
    Normal(Normal),
    /// [`TruncatedNormal`] with absolute bounds.
    TruncatedNormal(TruncatedNormal),
    /// `N(0, 0.01²)` ([`Normal::small_random`]).
    SmallRandom,
    /// `N(0, 1)` ([`Normal::large_random`]).
    LargeRandom,
    /// The general [`VarianceScaling`].
    VarianceScaling(VarianceScaling),
    /// [`vs::lecun_normal`].
    LecunNormal,
    /// [`vs::lecun_uniform`].
    LecunUniform,
    /// [`vs::glorot_normal`] (Keras: truncated).
    GlorotNormal,
    /// [`vs::glorot_uniform`].
    GlorotUniform,
    /// [`vs::he_normal`] (Keras: truncated).
    HeNormal,
    /// [`vs::he_uniform`].
    HeUniform,
    /// [`vs::he_avg_normal`]: `Var = 4/(fan_in + fan_out)`.
    HeAvgNormal,
    /// [`vs::he_avg_uniform`].
    HeAvgUniform,
    /// [`Xavier::normal`] (PyTorch's `xavier_normal_`: untruncated, with gain; default 1).
    XavierNormal(Xavier),
    /// [`Xavier::uniform`] (PyTorch's `xavier_uniform_`, with gain; default 1).
    XavierUniform(Xavier),
    /// [`Kaiming::normal`] (PyTorch's `kaiming_normal_`: untruncated; default `fan_in`, ReLU).
    KaimingNormal(Kaiming),
    /// [`Kaiming::uniform`] (PyTorch's `kaiming_uniform_`; default `fan_in`, ReLU).
    KaimingUniform(Kaiming),
    /// [`Orthogonal`] (default gain 1).
    Orthogonal(Orthogonal),
    /// [`Identity`] (default gain 1).
    Identity(Identity),
    /// [`Dirac`] (default 1 group).
    Dirac(Dirac),
    /// [`DeltaOrthogonal`] (default gain 1).
    DeltaOrthogonal(DeltaOrthogonal),
    /// [`Sparse`] (default sparsity 0.1, std 0.01).
    Sparse(Sparse),
    /// A user-defined initializer ([`Init::custom`]). Not serializable: serializing it is an
    /// error, and no JSON name parses to it.
    #[serde(skip)]
    Custom(CustomInit),
}

/// One name of the catalogue: its aliases, whether it is usable by name alone (it is in
/// [`Init::NAMES`]), and how to read its variant from the other fields of a JSON object.
struct Entry {
    name: &'static str,
    aliases: &'static [&'static str],
    by_name: bool,
    parse: fn(&'static str, Map<String, Value>) -> Result<Init>,
}

/// A variant without parameters: no field but `name`.
fn unit(name: &'static str, fields: Map<String, Value>, init: Init) -> Result<Init> {
    known_fields(name, &fields, &[])?;
    Ok(init)
}

/// A variant holding the validated struct `T`, read through its constructor.
fn holding<T: FromFields>(
    name: &'static str,
    fields: Map<String, Value>,
    variant: fn(T) -> Init,
) -> Result<Init> {
    known_fields(name, &fields, T::FIELDS)?;
    T::from_fields(fields).map(variant)
}

/// [`InitError::UnknownField`] for the first field of `fields` that is not in `valid`.
fn known_fields(name: &str, fields: &Map<String, Value>, valid: &[&str]) -> Result<()> {
    match fields.iter().find(|(k, _)| !valid.contains(&k.as_str())) {
        None => Ok(()),
        Some((field, value)) => Err(InitError::UnknownField {
            initializer: name.into(),
            field: field.clone(),
            value: value.to_string(),
            valid: std::iter::once(&"name")
                .chain(valid)
                .map(|s| s.to_string())
                .collect(),
        }),
    }
}

/// Every name of [`Init`], in display order, with its aliases: the one table that
/// [`Init::NAMES`], [`Init::ALIASES`], [`Init::from_name`] and [`Init::from_json`] are read from.
const TABLE: &[Entry] = &[
    Entry {
        name: "zeros",
        aliases: &["zero"],
        by_name: true,
        parse: |n, f| unit(n, f, Init::Zeros),
    },
    Entry {
        name: "ones",
        aliases: &[],
        by_name: true,
        parse: |n, f| unit(n, f, Init::Ones),
    },
    Entry {
        name: "small_random",
        aliases: &["small"],
        by_name: true,
        parse: |n, f| unit(n, f, Init::SmallRandom),
    },
    Entry {
        name: "large_random",
        aliases: &["large"],
        by_name: true,
        parse: |n, f| unit(n, f, Init::LargeRandom),
    },
    Entry {
        name: "lecun_normal",
        aliases: &["lecun"],
        by_name: true,
        parse: |n, f| unit(n, f, Init::LecunNormal),
    },
    Entry {
        name: "lecun_uniform",
        aliases: &[],
        by_name: true,
        parse: |n, f| unit(n, f, Init::LecunUniform),
    },
    Entry {
        name: "glorot_normal",
        aliases: &[],
        by_name: true,
        parse: |n, f| unit(n, f, Init::GlorotNormal),
    },
    Entry {
        name: "glorot_uniform",
        aliases: &["xavier", "glorot"],
        by_name: true,
        parse: |n, f| unit(n, f, Init::GlorotUniform),
    },
    Entry {
        name: "xavier_normal",
        aliases: &[],
        by_name: true,
        parse: |n, f| holding(n, f, Init::XavierNormal),
    },
    Entry {
        name: "xavier_uniform",
        aliases: &[],
        by_name: true,
        parse: |n, f| holding(n, f, Init::XavierUniform),
    },
    Entry {
        name: "he_normal",
        aliases: &["he"],
        by_name: true,
        parse: |n, f| unit(n, f, Init::HeNormal),
    },
    Entry {
        name: "he_uniform",
        aliases: &[],
        by_name: true,
        parse: |n, f| unit(n, f, Init::HeUniform),
    },
    Entry {
        name: "he_avg_normal",
        aliases: &["he_avg"],
        by_name: true,
        parse: |n, f| unit(n, f, Init::HeAvgNormal),
    },
    Entry {
        name: "he_avg_uniform",
        aliases: &[],
        by_name: true,
        parse: |n, f| unit(n, f, Init::HeAvgUniform),
    },
    Entry {
        name: "kaiming_normal",
        aliases: &["kaiming"],
        by_name: true,
        parse: |n, f| holding(n, f, Init::KaimingNormal),
    },
    Entry {
        name: "kaiming_uniform",
        aliases: &[],
        by_name: true,
        parse: |n, f| holding(n, f, Init::KaimingUniform),
    },
    Entry {
        name: "orthogonal",
        aliases: &[],
        by_name: true,
        parse: |n, f| holding(n, f, Init::Orthogonal),
    },
    Entry {
        name: "identity",
        aliases: &["eye"],
        by_name: true,
        parse: |n, f| holding(n, f, Init::Identity),
    },
    Entry {
        name: "dirac",
        aliases: &[],
        by_name: true,
        parse: |n, f| holding(n, f, Init::Dirac),
    },
    Entry {
        name: "delta_orthogonal",
        aliases: &[],
        by_name: true,
        parse: |n, f| holding(n, f, Init::DeltaOrthogonal),
    },
    Entry {
        name: "sparse",
        aliases: &[],
        by_name: true,
        parse: |n, f| holding(n, f, Init::Sparse),
    },
    // Parameters required: JSON only.
    Entry {
        name: "constant",
        aliases: &[],
        by_name: false,
        parse: |n, f| holding(n, f, Init::Constant),
    },
    Entry {
        name: "uniform",
        aliases: &[],
        by_name: false,
        parse: |n, f| holding(n, f, Init::Uniform),
    },
    Entry {
        name: "normal",
        aliases: &[],
        by_name: false,
        parse: |n, f| holding(n, f, Init::Normal),
    },
    Entry {
        name: "truncated_normal",
        aliases: &[],
        by_name: false,
        parse: |n, f| holding(n, f, Init::TruncatedNormal),
    },
    Entry {
        name: "variance_scaling",
        aliases: &[],
        by_name: false,
        parse: |n, f| holding(n, f, Init::VarianceScaling),
    },
];

const NAME_COUNT: usize = {
    let (mut i, mut n) = (0, 0);
    while i < TABLE.len() {
        if TABLE[i].by_name {
            n += 1;
        }
        i += 1;
    }
    n
};

const NAMES: [&str; NAME_COUNT] = {
    let mut out = [""; NAME_COUNT];
    let (mut i, mut k) = (0, 0);
    while i < TABLE.len() {
        if TABLE[i].by_name {
            out[k] = TABLE[i].name;
            k += 1;
        }
        i += 1;
    }
    out
};

const ALIAS_COUNT: usize = {
    let (mut i, mut n) = (0, 0);
    while i < TABLE.len() {
        n += TABLE[i].aliases.len();
        i += 1;
    }
    n
};

const ALIASES: [(&str, &str); ALIAS_COUNT] = {
    let mut out = [("", ""); ALIAS_COUNT];
    let (mut i, mut k) = (0, 0);
    while i < TABLE.len() {
        let mut j = 0;
        while j < TABLE[i].aliases.len() {
            out[k] = (TABLE[i].aliases[j], TABLE[i].name);
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
};

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

    /// Short aliases accepted by [`Init::from_name`] and [`Init::from_json`], with the name each
    /// stands for.
    pub const ALIASES: &'static [(&'static str, &'static str)] = &ALIASES;

    /// The stable name of every variant usable without parameters, in a sensible display order.
    pub const NAMES: &'static [&'static str] = &NAMES;

    /// Parses a name or alias (`he`, `xavier`, `small`, `large`, …; see [`Init::NAMES`] and
    /// [`Init::ALIASES`]) with default parameters: the same as [`Init::from_json`] of
    /// `{"name": name}`.
    ///
    /// # Errors
    /// [`InitError::UnknownName`] listing the valid names and the closest one; for a name whose
    /// parameters have no default (`uniform`, …), [`InitError::Config`] naming the missing field.
    pub fn from_name(name: &str) -> Result<Self> {
        Self::from_table(name, Map::new())
    }

    /// Parses and validates a JSON config (`{"name": "uniform", "low": -1, "high": 1}`).
    ///
    /// # Errors
    /// [`InitError::Config`] for malformed JSON or a missing `name`, [`InitError::UnknownName`]
    /// for a name that is not in the table, [`InitError::UnknownField`] for a field the variant
    /// does not have, and the constructor's error for invalid parameters.
    pub fn from_json(json: &str) -> Result<Self> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| InitError::Config(e.to_string()))?;
        Self::from_value(value)
    }

    /// Parses and validates a configuration already read as JSON: the one way into `Init` from
    /// data (its `Deserialize` goes through it, whatever the format).
    fn from_value(value: Value) -> Result<Self> {
        let mut fields = match value {
            Value::Object(fields) => fields,
            other => {
                return Err(InitError::Config(format!(
                    "an initializer is an object with a `name`, got {other}"
                )));
            }
        };
        match fields.remove("name") {
            Some(Value::String(name)) => Self::from_table(&name, fields),
            Some(other) => Err(InitError::Config(format!(
                "the initializer's `name` must be a string, got {other}"
            ))),
            None => Err(InitError::Config("missing field `name`".into())),
        }
    }

    /// The variant `name` (or alias) with the other fields of its JSON object.
    fn from_table(name: &str, fields: Map<String, Value>) -> Result<Self> {
        let entry = TABLE
            .iter()
            .find(|e| e.name == name || e.aliases.contains(&name))
            .ok_or_else(|| {
                let names = TABLE.iter().map(|e| e.name);
                InitError::UnknownName {
                    kind: "initializer",
                    name: name.into(),
                    suggestion: closest(name, names.clone().chain(ALIASES.iter().map(|a| a.0))),
                    valid: names.map(str::to_string).collect(),
                }
            })?;
        (entry.parse)(entry.name, fields)
    }

    /// The stable name (the serde tag; a custom initializer's own name).
    pub fn stable_name(&self) -> String {
        match self {
            Self::Custom(c) => c.name(),
            _ => self.tag().unwrap_or_default().into(),
        }
    }

    /// The serde tag of a built-in variant (`None` for [`Init::Custom`]).
    fn tag(&self) -> Option<&'static str> {
        Some(match self {
            Self::Zeros => "zeros",
            Self::Ones => "ones",
            Self::Constant(_) => "constant",
            Self::Uniform(_) => "uniform",
            Self::Normal(_) => "normal",
            Self::TruncatedNormal(_) => "truncated_normal",
            Self::SmallRandom => "small_random",
            Self::LargeRandom => "large_random",
            Self::VarianceScaling(_) => "variance_scaling",
            Self::LecunNormal => "lecun_normal",
            Self::LecunUniform => "lecun_uniform",
            Self::GlorotNormal => "glorot_normal",
            Self::GlorotUniform => "glorot_uniform",
            Self::HeNormal => "he_normal",
            Self::HeUniform => "he_uniform",
            Self::HeAvgNormal => "he_avg_normal",
            Self::HeAvgUniform => "he_avg_uniform",
            Self::XavierNormal(_) => "xavier_normal",
            Self::XavierUniform(_) => "xavier_uniform",
            Self::KaimingNormal(_) => "kaiming_normal",
            Self::KaimingUniform(_) => "kaiming_uniform",
            Self::Orthogonal(_) => "orthogonal",
            Self::Identity(_) => "identity",
            Self::Dirac(_) => "dirac",
            Self::DeltaOrthogonal(_) => "delta_orthogonal",
            Self::Sparse(_) => "sparse",
            Self::Custom(_) => return None,
        })
    }

    /// The [`VarianceScaling`] this is, for the variance-scaling family.
    pub fn variance_scaling(&self) -> Option<VarianceScaling> {
        Some(match self {
            Self::VarianceScaling(v) => *v,
            Self::LecunNormal => vs::lecun_normal(),
            Self::LecunUniform => vs::lecun_uniform(),
            Self::GlorotNormal => vs::glorot_normal(),
            Self::GlorotUniform => vs::glorot_uniform(),
            Self::HeNormal => vs::he_normal(),
            Self::HeUniform => vs::he_uniform(),
            Self::HeAvgNormal => vs::he_avg_normal(),
            Self::HeAvgUniform => vs::he_avg_uniform(),
            Self::XavierNormal(x) => x.normal(),
            Self::XavierUniform(x) => x.uniform(),
            Self::KaimingNormal(k) => k.normal(),
            Self::KaimingUniform(k) => k.uniform(),
            _ => return None,
        })
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
        if let Some(v) = self.variance_scaling() {
            let gain = v.scale().sqrt();
            return match (v.mode(), v.distribution()) {
                (_, V::TruncatedNormal) => None,
                (FanMode::FanAvg, V::Normal) => Some(B::XavierNormal { gain }),
                (FanMode::FanAvg, V::Uniform) => Some(B::XavierUniform { gain }),
                (mode, V::Normal) => Some(B::KaimingNormal {
                    gain,
                    fan_out_only: mode == FanMode::FanOut,
                }),
                (mode, V::Uniform) => Some(B::KaimingUniform {
                    gain,
                    fan_out_only: mode == FanMode::FanOut,
                }),
            };
        }
        if let Self::Orthogonal(o) = self {
            return Some(B::Orthogonal { gain: o.gain() });
        }
        Some(match TensorInit::primitive(self, None)? {
            Primitive::Constant(c) => B::Constant { value: c.value() },
            Primitive::Uniform(u) => B::Uniform {
                min: u.low(),
                max: u.high(),
            },
            Primitive::Normal(n) => B::Normal {
                mean: n.mean(),
                std: n.std(),
            },
            Primitive::TruncatedNormal(_) => return None,
        })
    }

    /// Runs `f` on the initializer this variant stands for (its parameter struct, the preset it
    /// names, or the user's initializer), and passes its result back with errors renamed after
    /// this variant.
    fn forward<R>(&self, f: impl FnOnce(&dyn TensorInit) -> Result<R>) -> Result<R> {
        let result = match self {
            Self::Zeros => f(&zeros()),
            Self::Ones => f(&ones()),
            Self::Constant(c) => f(c),
            Self::Uniform(u) => f(u),
            Self::Normal(n) => f(n),
            Self::TruncatedNormal(t) => f(t),
            Self::SmallRandom => f(&Normal::small_random()),
            Self::LargeRandom => f(&Normal::large_random()),
            Self::VarianceScaling(v) => f(v),
            Self::LecunNormal => f(&vs::lecun_normal()),
            Self::LecunUniform => f(&vs::lecun_uniform()),
            Self::GlorotNormal => f(&vs::glorot_normal()),
            Self::GlorotUniform => f(&vs::glorot_uniform()),
            Self::HeNormal => f(&vs::he_normal()),
            Self::HeUniform => f(&vs::he_uniform()),
            Self::HeAvgNormal => f(&vs::he_avg_normal()),
            Self::HeAvgUniform => f(&vs::he_avg_uniform()),
            Self::XavierNormal(x) => f(&x.normal()),
            Self::XavierUniform(x) => f(&x.uniform()),
            Self::KaimingNormal(k) => f(&k.normal()),
            Self::KaimingUniform(k) => f(&k.uniform()),
            Self::Orthogonal(o) => f(o),
            Self::Identity(i) => f(i),
            Self::Dirac(d) => f(d),
            Self::DeltaOrthogonal(d) => f(d),
            Self::Sparse(s) => f(s),
            Self::Custom(c) => f(&**c),
        };
        result.map_err(|e| self.named(e))
    }
}

impl Init {
    /// An error of the initializer this variant stands for, naming this one (`he_normal`, not
    /// the variance scaling it stands for).
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

/// Every call goes to the parameter struct the variant holds or names (or to the user's
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
        let value = Value::deserialize(d)?;
        Self::from_value(value).map_err(de::Error::custom)
    }
}

/// An `Init` from the validated parameter struct it holds.
macro_rules! holds {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Init {
            fn from(v: $ty) -> Self {
                Init::$ty(v)
            }
        }
    )*};
}

holds!(
    Constant,
    Uniform,
    Normal,
    TruncatedNormal,
    VarianceScaling,
    Orthogonal,
    Identity,
    Dirac,
    DeltaOrthogonal,
    Sparse
);

impl From<CustomInit> for Init {
    fn from(c: CustomInit) -> Self {
        Init::Custom(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scale::Nonlinearity;

    /// The one table, read both ways: for every name and alias, `from_name(x)` and
    /// `from_json({"name": x})` give the same `Init`, whose stable name and serde tag are the
    /// table's name, and which round-trips through JSON.
    #[test]
    fn from_name_and_from_json_agree_over_the_one_table() {
        let mut seen = 0;
        for entry in TABLE {
            for x in std::iter::once(&entry.name).chain(entry.aliases) {
                let by_name = Init::from_name(x);
                let by_json = Init::from_json(&format!(r#"{{"name":"{x}"}}"#));
                assert_eq!(by_name, by_json, "{x}");
                let via_serde = serde_json::from_str::<Init>(&format!(r#"{{"name":"{x}"}}"#))
                    .map_err(|e| e.to_string());
                assert_eq!(by_name.is_ok(), via_serde.is_ok(), "{x}");
                assert_eq!(
                    by_name.is_ok(),
                    entry.by_name,
                    "{x}: in NAMES iff usable by name"
                );
                if let Ok(init) = by_name {
                    assert_eq!(via_serde.unwrap(), init, "{x}");
                    assert_eq!(init.stable_name(), entry.name, "{x}");
                    let json = serde_json::to_value(&init).unwrap();
                    assert_eq!(json["name"], entry.name, "{x}: serde tag");
                    assert_eq!(Init::from_json(&json.to_string()).unwrap(), init, "{x}");
                    seen += 1;
                }
            }
        }
        assert_eq!(seen, NAMES.len() + ALIASES.len());
        // The constants are the table's: every name once, every alias pointing at a name.
        let names: Vec<_> = TABLE.iter().filter(|e| e.by_name).map(|e| e.name).collect();
        assert_eq!(Init::NAMES, names.as_slice());
        for (alias, name) in Init::ALIASES {
            assert!(Init::NAMES.contains(name), "{alias} -> {name}");
            assert_eq!(Init::from_name(alias).unwrap().stable_name(), *name);
        }
        let mut all: Vec<_> = TABLE
            .iter()
            .flat_map(|e| std::iter::once(&e.name).chain(e.aliases))
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "a name or alias twice");
    }

    /// Every variant (the match is exhaustive: a new variant must be added here) serializes
    /// with the tag of its table entry and parses back to itself.
    #[test]
    fn every_variant_round_trips_with_its_table_name() {
        let every = [
            Init::Zeros,
            Init::Ones,
            Init::Constant(Constant::new(0.5).unwrap()),
            Init::Uniform(Uniform::new(-1.0, 2.0).unwrap()),
            Init::Normal(Normal::new(0.5, 2.0).unwrap()),
            Init::TruncatedNormal(TruncatedNormal::new(0.0, 1.0, -1.0, 3.0).unwrap()),
            Init::SmallRandom,
            Init::LargeRandom,
            Init::VarianceScaling(
                VarianceScaling::new(0.5, FanMode::FanAvg, VsDistribution::Uniform).unwrap(),
            ),
            Init::LecunNormal,
            Init::LecunUniform,
            Init::GlorotNormal,
            Init::GlorotUniform,
            Init::HeNormal,
            Init::HeUniform,
            Init::HeAvgNormal,
            Init::HeAvgUniform,
            Init::XavierNormal(Xavier::new(2.0).unwrap()),
            Init::XavierUniform(Xavier::new(0.5).unwrap()),
            Init::KaimingNormal(Kaiming::new(FanMode::FanOut, Nonlinearity::Tanh)),
            Init::KaimingUniform(Kaiming::new(
                FanMode::FanIn,
                Nonlinearity::leaky_relu(0.2).unwrap(),
            )),
            Init::Orthogonal(Orthogonal::new(0.5).unwrap()),
            Init::Identity(Identity::new(3.0).unwrap()),
            Init::Dirac(Dirac::new(2).unwrap()),
            Init::DeltaOrthogonal(DeltaOrthogonal::new(2.0).unwrap()),
            Init::Sparse(Sparse::new(0.3, 0.02).unwrap()),
        ];
        for init in &every {
            match init {
                Init::Zeros
                | Init::Ones
                | Init::Constant(_)
                | Init::Uniform(_)
                | Init::Normal(_)
                | Init::TruncatedNormal(_)
                | Init::SmallRandom
                | Init::LargeRandom
                | Init::VarianceScaling(_)
                | Init::LecunNormal
                | Init::LecunUniform
                | Init::GlorotNormal
                | Init::GlorotUniform
                | Init::HeNormal
                | Init::HeUniform
                | Init::HeAvgNormal
                | Init::HeAvgUniform
                | Init::XavierNormal(_)
                | Init::XavierUniform(_)
                | Init::KaimingNormal(_)
                | Init::KaimingUniform(_)
                | Init::Orthogonal(_)
                | Init::Identity(_)
                | Init::Dirac(_)
                | Init::DeltaOrthogonal(_)
                | Init::Sparse(_)
                | Init::Custom(_) => {}
            }
            let json = serde_json::to_value(init).unwrap();
            let tag = json["name"].as_str().unwrap();
            assert_eq!(tag, init.stable_name());
            assert!(
                TABLE.iter().any(|e| e.name == tag),
                "{tag} not in the table"
            );
            assert_eq!(&Init::from_json(&json.to_string()).unwrap(), init, "{json}");
        }
        assert_eq!(every.len(), TABLE.len());
    }

    #[test]
    fn unknown_and_invalid_configs_are_errors() {
        let err = Init::from_name("he_normall").unwrap_err();
        assert!(
            err.to_string().contains("did you mean `he_normal`"),
            "{err}"
        );
        assert_eq!(
            Init::from_json(r#"{"name":"he_normall"}"#).unwrap_err(),
            err,
            "the same error on both paths"
        );
        assert!(matches!(
            Init::from_json(r#"{"name":"nope"}"#),
            Err(InitError::UnknownName { .. })
        ));
        assert!(matches!(
            Init::from_json(r#"{"mean": 0}"#),
            Err(InitError::Config(_))
        ));
        assert!(matches!(
            Init::from_json(r#"{"name":"uniform","low":1,"high":0}"#),
            Err(InitError::InvalidParameter { field: "high", .. })
        ));
        assert!(matches!(
            Init::from_json(r#"{"name":"normal","mean":0,"std":-1}"#),
            Err(InitError::InvalidParameter { field: "std", .. })
        ));
        assert!(matches!(
            Init::from_json(r#"{"name":"xavier_normal","gain":-1}"#),
            Err(InitError::InvalidParameter { field: "gain", .. })
        ));
        assert!(matches!(
            Init::from_json(r#"{"name":"normal","mean":0,"std":1,"extra":2}"#),
            Err(InitError::UnknownField { .. })
        ));
        assert_eq!(
            Init::from_json(r#"{"name":"normal","mean":0,"std":1,"extra":2}"#)
                .unwrap_err()
                .to_string(),
            "`normal` has no field `extra` (given 2); its fields: name, mean, std"
        );
        // Unit variants too: the gain is not silently dropped.
        let err = Init::from_json(r#"{"name":"he_normal","gain":2}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`he_normal` has no field `gain` (given 2); its fields: name"
        );
        // A parameter of the wrong type, and a missing one.
        assert!(matches!(
            Init::from_json(r#"{"name":"orthogonal","gain":"big"}"#),
            Err(InitError::Config(_))
        ));
        let e = Init::from_name("uniform").unwrap_err();
        assert!(e.to_string().contains("missing field `low`"), "{e}");
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
            Init::KaimingNormal(Kaiming::new(FanMode::FanOut, Nonlinearity::Relu)).to_burn(),
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
            Init::Orthogonal(Orthogonal::new(0.5).unwrap()).to_burn(),
            Some(burn::nn::Initializer::Orthogonal { gain: 0.5 })
        );
        assert_eq!(Init::Sparse(Sparse::default()).to_burn(), None);
    }
}
