//! The one error type of the crate.

use thiserror::Error;

/// Everything that can go wrong when building or applying an initializer.
///
/// Constructors validate their parameters and return this error; once an initializer exists,
/// sampling it for a valid shape cannot fail.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum InitError {
    /// A numeric parameter is out of its domain (non-finite, negative, empty interval, …).
    #[error("invalid parameter `{field}` = {value}: {reason}")]
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

/// Checks that `value` is finite, naming `field` otherwise.
pub(crate) fn finite(field: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(InitError::InvalidParameter {
            field,
            value,
            reason: "must be finite",
        })
    }
}

/// Checks that `value` is finite in `f32` (`|value| <= f32::MAX`), naming `field` otherwise.
pub(crate) fn finite_f32(field: &'static str, value: f64) -> Result<f64> {
    finite(field, value)?;
    if value.abs() > f64::from(f32::MAX) {
        return Err(InitError::InvalidParameter {
            field,
            value,
            reason: "must be finite in f32 (|value| <= 3.4028235e38)",
        });
    }
    Ok(value)
}

/// Checks that `value` is finite and `>= 0`.
pub(crate) fn non_negative(field: &'static str, value: f64) -> Result<f64> {
    finite(field, value)?;
    if value < 0.0 {
        return Err(InitError::InvalidParameter {
            field,
            value,
            reason: "must be >= 0",
        });
    }
    Ok(value)
}

/// Checks that `value` is finite and `> 0`.
pub(crate) fn positive(field: &'static str, value: f64) -> Result<f64> {
    finite(field, value)?;
    if value <= 0.0 {
        return Err(InitError::InvalidParameter {
            field,
            value,
            reason: "must be > 0",
        });
    }
    Ok(value)
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
        assert_eq!(err.to_string(), "invalid parameter `std` = -1: must be > 0");
        assert!(finite("mean", f64::NAN).is_err());
        assert!(non_negative("std", 0.0).is_ok());
    }
}
