//! The one error type of the crate, and the validators every constructor uses.

use thiserror::Error;

/// The most elements a tensor may have: `isize::MAX` bytes of `f32` (what a Rust allocation, and
/// so Burn's CPU backends, can hold). Larger shapes are refused with [`InitError::TooLarge`]
/// before anything is allocated; whether a device has the memory for a smaller one is its
/// backend's to say.
pub(crate) const MAX_ELEMENTS: usize = isize::MAX as usize / std::mem::size_of::<f32>();

/// How many standard deviations around the mean must stay finite in `f32` for a normal's draws
/// to be finite: beyond 10σ lies a probability of 1.5e-23.
const SPREAD: f64 = 10.0;

/// Everything that can go wrong when building or applying an initializer.
///
/// Constructors validate their parameters (finite, and finite in `f32`, since weights are `f32`)
/// and return this error; once an initializer exists, sampling it for a valid shape cannot fail
/// except for want of memory ([`InitError::Allocation`]).
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum InitError {
    /// A numeric parameter is out of its domain (non-finite, negative, empty interval, …).
    #[error("invalid parameter `{field}` = {value:?}: {reason}")]
    InvalidParameter {
        /// Name of the offending field, e.g. `std` or `low`.
        field: &'static str,
        /// The value that was given.
        value: f64,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A fan is zero, so no variance can be derived from it.
    #[error("fans must be positive, got fan_in = {fan_in}, fan_out = {fan_out}")]
    ZeroFan {
        /// Number of inputs feeding one output unit.
        fan_in: usize,
        /// Number of outputs fed by one input unit.
        fan_out: usize,
    },
    /// The initializer needs fans (variance scaling does) and none were given.
    #[error("initializer `{initializer}` needs fans (fan_in/fan_out); pass `Fans` for the layer")]
    MissingFans {
        /// Name of the initializer.
        initializer: String,
    },
    /// The shape cannot be used with this initializer or fan constructor.
    #[error("initializer `{initializer}` cannot fill shape {shape:?}: {reason}")]
    InvalidShape {
        /// Name of the initializer or layout.
        initializer: String,
        /// The shape that was given.
        shape: Vec<usize>,
        /// Why it was rejected.
        reason: String,
    },
    /// A shape whose element count overflows `usize` or exceeds the largest tensor that can be
    /// allocated (`isize::MAX` bytes of `f32`).
    #[error("shape {shape:?} is too large for {what}: {reason}")]
    TooLarge {
        /// What was to be built (an initializer, a layer, a fan computation).
        what: String,
        /// The shape that was given.
        shape: Vec<usize>,
        /// Why it was rejected.
        reason: String,
    },
    /// A host buffer could not be allocated.
    #[error("cannot allocate a host buffer of {elements} f32 values ({bytes} bytes)")]
    Allocation {
        /// Number of `f32` values.
        elements: usize,
        /// Size in bytes.
        bytes: u128,
    },
    /// A name (initializer, activation, …) that is not known.
    #[error("unknown {kind} `{name}`; valid: {}{}", valid.join(", "), suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownName {
        /// What kind of name it was.
        kind: &'static str,
        /// The name that was given.
        name: String,
        /// Every valid name.
        valid: Vec<String>,
        /// The closest valid name, if any is close.
        suggestion: Option<String>,
    },
    /// A configuration names a field its variant does not have.
    #[error("`{initializer}` has no field `{field}` (given {value}); its fields: {}", valid.join(", "))]
    UnknownField {
        /// The initializer (or configuration) that was being read.
        initializer: String,
        /// The unknown field.
        field: String,
        /// Its value, as JSON.
        value: String,
        /// The fields it does have.
        valid: Vec<String>,
    },
    /// A configuration could not be parsed.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A re-initialization rule matched no parameter of the module.
    #[error("rule #{index} ({rule}) matched no parameter; parameters are: {}", available.join(", "))]
    RuleMatchedNothing {
        /// Position of the rule in the rule list.
        index: usize,
        /// The rule, printed.
        rule: String,
        /// Every parameter path of the module.
        available: Vec<String>,
    },
    /// A data-dependent procedure met data it cannot work with.
    #[error("{0}")]
    Data(String),
    /// A layer's output has zero variance, so it cannot be rescaled (LSUV).
    #[error("layer {layer} has zero output variance (dead layer); it cannot be rescaled")]
    DeadLayer {
        /// Index of the layer.
        layer: usize,
    },
    /// A computation produced NaN or infinity.
    #[error("non-finite value in {0}")]
    NonFinite(String),
    /// Mean-field theory (`signal::criticality`): the variance map
    /// has no finite stable fixed point; `q_l` grows without bound (e.g. ReLU with `σ_w² > 2`,
    /// or `σ_w² = 2` with `σ_b² > 0`).
    #[error(
        "{activation} with σ_w² = {weight_variance}, σ_b² = {bias_variance}: no finite variance \
         fixed point (q_l grows without bound; q* = ∞)"
    )]
    NoFiniteFixedPoint {
        /// The activation (its `Debug` form).
        activation: String,
        /// `σ_w²`.
        weight_variance: f64,
        /// `σ_b²`.
        bias_variance: f64,
    },
    /// Mean-field theory: every variance is a fixed point (`q_l = q_0` for every `q_0`: a
    /// positively homogeneous activation exactly at its critical `σ_w²` without bias, e.g. ReLU
    /// with `σ_w² = 2`, `σ_b² = 0`), so there is no single `q*`.
    #[error(
        "{activation} with σ_w² = {weight_variance}, σ_b² = 0: every variance is a fixed point \
         (the variance is preserved exactly); pass the input's variance instead"
    )]
    MarginalVariance {
        /// The activation (its `Debug` form).
        activation: String,
        /// `σ_w²`.
        weight_variance: f64,
    },
    /// Mean-field theory: the stable variance fixed point is `q* = 0` (the signal vanishes with
    /// depth), where the correlation between two inputs is undefined.
    #[error(
        "{activation} with σ_w² = {weight_variance}, σ_b² = 0: the signal vanishes (q* = 0), so \
         correlations between inputs are undefined"
    )]
    VanishingSignal {
        /// The activation (its `Debug` form).
        activation: String,
        /// `σ_w²`.
        weight_variance: f64,
    },
    /// Mean-field theory: `χ₁ = 1` has no solution `σ_w²` in the range searched.
    #[error("{activation} with σ_b² = {bias_variance}: no critical σ_w² ({reason})")]
    NoCriticalPoint {
        /// The activation (its `Debug` form).
        activation: String,
        /// `σ_b²`.
        bias_variance: f64,
        /// What the search found instead.
        reason: String,
    },
    /// Mean-field theory: a root could not be bracketed (should not happen for the activations
    /// of the library).
    #[error("root finding failed: {0}")]
    NoConvergence(String),
}

/// Shorthand for `Result<T, InitError>`.
pub type Result<T, E = InitError> = std::result::Result<T, E>;

/// The closest candidate to `name` by edit distance, if it is reasonably close.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 2).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

fn invalid(field: &'static str, value: f64, reason: &'static str) -> InitError {
    InitError::InvalidParameter {
        field,
        value,
        reason,
    }
}

/// Checks that `value` is finite, in `f32` too (`|value| <= f32::MAX`), naming `field`
/// otherwise.
pub(crate) fn finite(field: &'static str, value: f64) -> Result<f64> {
    if !value.is_finite() {
        return Err(invalid(field, value, "must be finite"));
    }
    if value.abs() > f64::from(f32::MAX) {
        return Err(invalid(
            field,
            value,
            "must be finite in f32 (|value| <= 3.4028235e38)",
        ));
    }
    Ok(value)
}

/// Checks that `value` is finite (in `f32` too) and `>= 0`.
pub(crate) fn non_negative(field: &'static str, value: f64) -> Result<f64> {
    finite(field, value)?;
    if value < 0.0 {
        return Err(invalid(field, value, "must be >= 0"));
    }
    Ok(value)
}

/// Checks that `value` is finite (in `f32` too) and `> 0`, also once rounded to `f32`.
pub(crate) fn positive(field: &'static str, value: f64) -> Result<f64> {
    finite(field, value)?;
    if value <= 0.0 {
        return Err(invalid(field, value, "must be > 0"));
    }
    if value as f32 == 0.0 {
        return Err(invalid(field, value, "must be > 0 in f32 (it rounds to 0)"));
    }
    Ok(value)
}

/// Checks that `low < high`, also once both are rounded to `f32`, naming `high` otherwise.
pub(crate) fn ordered(low: f64, high: f64) -> Result<()> {
    if low >= high || low as f32 >= high as f32 {
        return Err(invalid("high", high, "must be > low (also in f32)"));
    }
    Ok(())
}

/// Checks that `value` is finite (in `f64`) and that `ok` holds, naming `field` with `reason`
/// otherwise: for the `f64` quantities of the mean-field theory (variances, correlations), which
/// never become `f32` weights.
#[cfg(feature = "signal")]
pub(crate) fn finite_where(
    field: &'static str,
    value: f64,
    ok: bool,
    reason: &'static str,
) -> Result<f64> {
    if value.is_finite() && ok {
        Ok(value)
    } else {
        Err(invalid(field, value, reason))
    }
}

/// Checks that a count is at least 1, naming `field` otherwise.
#[cfg(feature = "signal")]
pub(crate) fn at_least_one(field: &'static str, value: usize) -> Result<usize> {
    if value == 0 {
        return Err(invalid(field, 0.0, "must be >= 1"));
    }
    Ok(value)
}

/// Checks that draws `mean ± 10·std` of a normal stay finite in `f32`, naming `std`.
pub(crate) fn spread(centre: f64, std: f64) -> Result<()> {
    if centre.abs() + SPREAD * std > f64::from(f32::MAX) {
        return Err(invalid(
            "std",
            std,
            "draws within 10 std of the mean must be finite in f32",
        ));
    }
    Ok(())
}

/// The number of elements of `shape`, checked: [`InitError::TooLarge`] if the product overflows
/// `usize` or exceeds the largest tensor that can be allocated.
pub(crate) fn element_count(what: &str, shape: &[usize]) -> Result<usize> {
    element_count_for(|| what.into(), shape)
}

/// [`element_count`], naming what was to be built only when the shape is refused.
pub(crate) fn element_count_for(what: impl FnOnce() -> String, shape: &[usize]) -> Result<usize> {
    let too_large = |reason: &str| InitError::TooLarge {
        what: what(),
        shape: shape.to_vec(),
        reason: reason.into(),
    };
    let reason = match shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) {
        Some(n) if n <= MAX_ELEMENTS => return Ok(n),
        Some(n) => format!("{n} elements, more than the {MAX_ELEMENTS} f32 of isize::MAX bytes"),
        None => "the element count overflows usize".into(),
    };
    Err(too_large(&reason))
}

/// Serde for a validated struct: deserialized into a plain mirror with the same fields (unknown
/// fields refused; a field with `= default` may be left out), then through the constructor, so
/// that JSON cannot build what the constructor refuses. Also implements [`FromFields`], the same
/// path with typed errors, for [`Init`](crate::Init)'s JSON.
macro_rules! deserialize_through {
    ($ty:ident { $($field:ident: $fty:ty $(= $default:expr)?),* $(,)? } => $new:expr) => {
        impl $ty {
            fn read_fields<'de, D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<($($fty,)*), D::Error> {
                #[derive(serde::Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Raw {
                    $(#[serde(default)] $field: Option<$fty>),*
                }
                let Raw { $($field),* } = <Raw as serde::Deserialize>::deserialize(d)?;
                Ok(($($crate::error::field_or_default!(D, $field $(, $default)?),)*))
            }
        }

        impl $crate::error::FromFields for $ty {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            fn from_fields(
                fields: serde_json::Map<String, serde_json::Value>,
            ) -> $crate::error::Result<Self> {
                let ($($field,)*) = Self::read_fields(serde_json::Value::Object(fields))
                    .map_err(|e| $crate::error::InitError::Config(e.to_string()))?;
                ($new)($($field),*)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let ($($field,)*) = Self::read_fields(d)?;
                ($new)($($field),*).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use deserialize_through;

/// A field of [`deserialize_through!`]'s mirror: its value, its default, or serde's
/// missing-field error.
macro_rules! field_or_default {
    ($d:ident, $field:ident) => {
        match $field {
            Some(v) => v,
            None => {
                return Err(<$d::Error as serde::de::Error>::missing_field(stringify!(
                    $field
                )));
            }
        }
    };
    ($d:ident, $field:ident, $default:expr) => {
        $field.unwrap_or($default)
    };
}
pub(crate) use field_or_default;

/// A validated parameter struct read from the fields of a JSON object, with typed errors: the
/// constructor's [`InitError::InvalidParameter`] naming the field, [`InitError::Config`] for a
/// value of the wrong type. Implemented by [`deserialize_through!`].
pub(crate) trait FromFields: Sized {
    /// The fields the JSON form may have.
    const FIELDS: &'static [&'static str];

    /// Reads the struct from `fields` (unknown fields are the caller's to refuse first).
    fn from_fields(fields: serde_json::Map<String, serde_json::Value>) -> Result<Self>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_typos() {
        let names = ["he_normal", "he_uniform", "glorot_uniform"];
        assert_eq!(closest("he_normla", names).as_deref(), Some("he_normal"));
        assert_eq!(
            closest("glorot_unifrom", names).as_deref(),
            Some("glorot_uniform")
        );
        assert_eq!(closest("completely_else_entirely", names), None);
    }

    #[test]
    fn validators_name_the_field() {
        let err = positive("std", -1.0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `std` = -1.0: must be > 0"
        );
        assert!(finite("mean", f64::NAN).is_err());
        assert!(non_negative("std", 0.0).is_ok());
        // Finite in f64, not in f32.
        assert!(
            finite("value", 1e39)
                .unwrap_err()
                .to_string()
                .contains("= 1e39")
        );
        assert!(finite("value", f64::from(f32::MAX)).is_ok());
        assert!(positive("scale", 1e-300).is_err());
        assert!(spread(3e38, 1e37).is_err() && spread(0.0, 1e37).is_ok());
    }

    #[test]
    fn element_counts_are_checked() {
        assert_eq!(element_count("x", &[3, 4]), Ok(12));
        assert_eq!(element_count("x", &[]), Ok(1));
        assert!(matches!(
            element_count("x", &[1 << 33, 1 << 31]),
            Err(InitError::TooLarge { .. })
        ));
        assert!(matches!(
            element_count("x", &[(1 << 62) + 1, 4]),
            Err(InitError::TooLarge { .. })
        ));
        assert!(element_count("x", &[MAX_ELEMENTS]).is_ok());
        assert!(element_count("x", &[MAX_ELEMENTS + 1]).is_err());
    }
}
