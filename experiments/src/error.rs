//! The one error type of the experiments runner.

use std::path::PathBuf;

use thiserror::Error;

use crate::idx::DataError;

/// Everything that stops an experiment (a diverging run does not: it is recorded).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A name (experiment, device, dataset, optimizer, activation, initializer) that is not known.
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
    /// A missing or corrupt data file.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A dataset that needs a folder and has none.
    #[error("{0}")]
    DataSource(String),
    /// The initializer library refused the configuration.
    #[error("initializer: {0}")]
    Init(burn_init::InitError),
    /// The requested device cannot be used.
    #[error("device: {0}")]
    Device(String),
    /// An option value that makes no sense.
    #[error("invalid option --{option}{}: {reason}", if value.is_empty() { String::new() } else { format!(" {value}") })]
    InvalidOption {
        /// The option, without dashes.
        option: &'static str,
        /// The value given.
        value: String,
        /// Why it is rejected.
        reason: String,
    },
    /// A figure that cannot be rendered.
    #[error("figure: {0}")]
    Figure(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A stored record cannot be used.
    #[error("{}: {reason}", path.display())]
    Record {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An output folder that this command must not write to (not ours, another experiment's,
    /// not a folder).
    #[error("{}: {reason}", path.display())]
    OutputFolder {
        /// The folder.
        path: PathBuf,
        /// Why, and what to do instead.
        reason: String,
    },
    /// Another process holds the output folder's lock.
    #[error(
        "another process is writing to {} (it holds {}); wait for it to finish, or choose another --out",
        path.display(),
        lock.display()
    )]
    Locked {
        /// The folder.
        path: PathBuf,
        /// Its lock file.
        lock: PathBuf,
    },
    /// A command that would need more memory than there is.
    #[error(
        "{what} needs about {} of memory, more than the {} {limit_source}; make it smaller, \
         or pass --memory-limit SIZE (e.g. 64G) if you know it fits",
        needed.map_or_else(|| "more than 16 EiB".to_string(), fmt_bytes),
        fmt_bytes(*limit)
    )]
    Memory {
        /// What needs it: the network, the runs at once, the options that set them.
        what: String,
        /// Bytes needed (`None`: more than `u64` can count).
        needed: Option<u64>,
        /// Bytes allowed.
        limit: u64,
        /// Where the limit comes from.
        limit_source: String,
    },
}

impl From<burn_init::InitError> for Error {
    fn from(e: burn_init::InitError) -> Self {
        match e {
            burn_init::InitError::UnknownName {
                kind,
                name,
                valid,
                suggestion,
            } => Error::UnknownName {
                kind,
                name,
                valid,
                suggestion,
            },
            other => Error::Init(other),
        }
    }
}

/// Shorthand for `Result<T, Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An [`Error::UnknownName`] for `name` among `valid`, with the closest suggestion.
pub fn unknown(kind: &'static str, name: &str, valid: &[&str]) -> Error {
    Error::UnknownName {
        kind,
        name: name.into(),
        suggestion: closest(name, valid.iter().copied()),
        valid: valid.iter().map(|s| s.to_string()).collect(),
    }
}

/// Gives a fieldless enum of named choices (`--device`, `--dataset`, `--optimizer`, …) its
/// names: `NAMES` (every name, in the order given), `from_name` (anything else is an
/// [`Error::UnknownName`] of `kind`, with the closest name as suggestion) and `name`. Each variant
/// is listed with its name, which is also its serde name (the tests check that they agree).
///
/// ```text
/// named_choices!(Engine, "engine", { Stacked => "stacked", Single => "single" });
/// ```
macro_rules! named_choices {
    ($ty:ident, $kind:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            #[doc = concat!("Every ", $kind, " name.")]
            pub const NAMES: [&'static str; [$($name),+].len()] = [$($name),+];

            /// Parses a name.
            ///
            /// # Errors
            /// [`Error::UnknownName`](crate::error::Error::UnknownName) listing the valid names.
            pub fn from_name(name: &str) -> $crate::error::Result<Self> {
                match name {
                    $($name => Ok(Self::$variant),)+
                    _ => Err($crate::error::unknown($kind, name, &Self::NAMES)),
                }
            }

            /// The stable name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }
        }
    };
}
pub(crate) use named_choices;

/// The candidate nearest to `name` in edit distance (`strsim::levenshtein`), when it is a likely
/// typo: at most half the longer name's length away, and 2 edits at least.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let distance = |c: &&str| strsim::levenshtein(name, c);
    let near = |c: &&str| distance(c) <= (c.len().max(name.len()) / 2).max(2);
    candidates
        .into_iter()
        .filter(near)
        .min_by_key(distance)
        .map(str::to_string)
}

/// Attaches a path to an I/O error.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}

/// A size for messages: `1.5 GiB`, `512.0 MiB`, `800 B` (powers of 1024).
pub fn fmt_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Test helper: asserts that `result` is an error whose message contains every one of
/// `needles` (the failure shows the message).
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_error_mentions<T>(
    result: std::result::Result<T, impl std::fmt::Display>,
    needles: &[&str],
) {
    let Err(e) = result else {
        panic!("an error mentioning {needles:?} was expected");
    };
    let e = e.to_string();
    for needle in needles {
        assert!(e.contains(needle), "{needle:?} is not in: {e}");
    }
}

#[cfg(test)]
mod tests {
    use crate::data::DatasetChoice;
    use crate::device::DeviceChoice;
    use crate::learner::Trainer;
    use crate::options::Engine;
    use crate::train::OptimizerChoice;

    /// Every name of a [`named_choices!`] enum parses back to a value with that name, which is
    /// also the value's serde name; anything else is refused with the valid names.
    fn check<T>(
        names: &[&str],
        from_name: fn(&str) -> super::Result<T>,
        name: fn(T) -> &'static str,
    ) where
        T: serde::Serialize + Copy + std::fmt::Debug,
    {
        for &n in names {
            let value = from_name(n).unwrap();
            assert_eq!(name(value), n);
            assert_eq!(serde_json::to_string(&value).unwrap(), format!("\"{n}\""));
        }
        super::assert_error_mentions(from_name("no-such-name"), &[&names.join(", ")]);
    }

    #[test]
    fn named_choices_round_trip_and_match_serde() {
        check(&Trainer::NAMES, Trainer::from_name, Trainer::name);
        check(
            &OptimizerChoice::NAMES,
            OptimizerChoice::from_name,
            OptimizerChoice::name,
        );
        check(&Engine::NAMES, Engine::from_name, Engine::name);
        check(
            &DatasetChoice::NAMES,
            DatasetChoice::from_name,
            DatasetChoice::name,
        );
        check(
            &DeviceChoice::NAMES,
            DeviceChoice::from_name,
            DeviceChoice::name,
        );
    }
}
