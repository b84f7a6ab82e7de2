//! Memory, estimated before anything is allocated: what a command will need (the networks
//! trained at once with their gradients and optimizer state, the activations of the rows that
//! go through them, the device copy of the test split) against what it may use (`--memory-limit`,
//! else `MemAvailable` from `/proc/meminfo`, else [`FALLBACK_LIMIT`]). A command that does not
//! fit stops with [`Error::Memory`] naming both sizes instead of aborting in the allocator.
//!
//! The estimate counts the large buffers only, not the program and its runtime. Measured
//! (`relu-he --dataset synthetic --epochs 1 --depth 2 --batch-size 1000 --jobs 1`, peak resident
//! set from `/usr/bin/time -v`): `--width 8` estimated 3.6 MiB, peak 21.5 MiB (the program);
//! `--width 2000` estimated 182.6 MiB, peak 149.3 MiB. Above a few hundred MiB the network
//! dominates and the estimate is on the safe side.

use crate::error::{Error, Result};

/// Bytes of an `f32`, the element type of every tensor here.
const F32: u64 = 4;

/// The limit when `/proc/meminfo` cannot be read (not Linux): 4 GiB, overridable with
/// `--memory-limit`.
pub const FALLBACK_LIMIT: u64 = 4 << 30;

/// How much memory a command may use, and where that number comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryLimit {
    /// Bytes.
    pub bytes: u64,
    /// "set by --memory-limit", "available (MemAvailable in /proc/meminfo)", …
    pub source: String,
}

/// The limit: `option` (`--memory-limit`) if set, else the memory available now.
pub fn limit(option: Option<u64>) -> MemoryLimit {
    if let Some(bytes) = option {
        return MemoryLimit {
            bytes,
            source: "set by --memory-limit".into(),
        };
    }
    match std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| mem_available(&t))
    {
        Some(bytes) => MemoryLimit {
            bytes,
            source: "available now (MemAvailable in /proc/meminfo)".into(),
        },
        None => MemoryLimit {
            bytes: FALLBACK_LIMIT,
            source: "assumed available (no /proc/meminfo to ask)".into(),
        },
    }
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
pub fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?;
    let mut parts = line.split_whitespace();
    let kib: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") => kib.checked_mul(1024),
        _ => None,
    }
}

/// Stops with [`Error::Memory`] if `needed` bytes (`None`: more than a `u64` counts) exceed
/// `limit`; `what` says what needs them.
///
/// # Errors
/// [`Error::Memory`].
pub fn ensure(
    needed: Option<u64>,
    limit: &MemoryLimit,
    what: impl FnOnce() -> String,
) -> Result<()> {
    match needed {
        Some(n) if n <= limit.bytes => Ok(()),
        _ => Err(Error::Memory {
            what: what(),
            needed,
            limit: limit.bytes,
            limit_source: limit.source.clone(),
        }),
    }
}

/// The shape of an MLP: inputs, hidden layers × units, outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlpShape {
    /// Inputs.
    pub inputs: usize,
    /// Hidden layers.
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// Outputs.
    pub outputs: usize,
}

impl MlpShape {
    /// Weights and biases: `(inputs + 1)·width + (depth − 1)·(width + 1)·width + (width + 1)·outputs`.
    pub fn parameters(&self) -> Option<u64> {
        let [i, d, w, o] = [self.inputs, self.depth, self.width, self.outputs].map(|v| v as u64);
        let first = i.checked_add(1)?.checked_mul(w)?;
        let hidden = d
            .saturating_sub(1)
            .checked_mul(w.checked_add(1)?.checked_mul(w)?)?;
        let last = w.checked_add(1)?.checked_mul(o)?;
        first.checked_add(hidden)?.checked_add(last)
    }

    /// Values per example over every layer: `inputs + depth·width + outputs`.
    pub fn units(&self) -> Option<u64> {
        (self.depth as u64)
            .checked_mul(self.width as u64)?
            .checked_add(self.inputs as u64)?
            .checked_add(self.outputs as u64)
    }

    /// Bytes to train one network on batches of `rows` examples: the parameters four times
    /// (weights, gradients, one optimizer state, one transient copy in the update; Adam keeps
    /// two states: five), and three values per unit per row (pre-activation and activation kept
    /// for the backward pass, and its gradient).
    pub fn training_bytes(&self, rows: usize, adam: bool) -> Option<u64> {
        let copies = if adam { 5 } else { 4 };
        let params = self.parameters()?.checked_mul(copies * F32)?;
        let acts = self
            .units()?
            .checked_mul(rows as u64)?
            .checked_mul(3 * F32)?;
        params.checked_add(acts)
    }

    /// Bytes of one forward pass of `rows` examples without gradients: the parameters, and two
    /// values per unit per row (pre-activation and activation, both kept for the statistics).
    pub fn forward_bytes(&self, rows: usize) -> Option<u64> {
        let params = self.parameters()?.checked_mul(F32)?;
        let acts = self
            .units()?
            .checked_mul(rows as u64)?
            .checked_mul(2 * F32)?;
        params.checked_add(acts)
    }
}

/// Parses a size: bytes, or a number with `K`, `M`, `G` or `T` (powers of 1024; `KiB`, `kb`,
/// … accepted), e.g. `64G`, `1.5T`, `500000000`.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let shift = match unit.trim_end_matches("ib").trim_end_matches('b') {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return None,
    };
    if number.is_empty() {
        return None;
    }
    if let Ok(n) = number.parse::<u64>() {
        return n.checked_mul(1u64 << shift);
    }
    let x: f64 = number.parse().ok()?;
    let bytes = x * (1u64 << shift) as f64;
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::assert_error_mentions;

    #[test]
    fn parameters_of_the_tutorial_net_by_hand() {
        // 784-50-50-50-50-50-10: 785·50 + 4·51·50 + 51·10 = 39,250 + 10,200 + 510.
        let net = MlpShape {
            inputs: 784,
            depth: 5,
            width: 50,
            outputs: 10,
        };
        assert_eq!(net.parameters(), Some(49_960));
        assert_eq!(net.units(), Some(784 + 250 + 10));
        assert_eq!(
            net.training_bytes(64, false),
            Some(49_960 * 16 + 1_044 * 64 * 12)
        );
    }

    #[test]
    fn overflow_is_none_not_a_wrap() {
        let net = MlpShape {
            inputs: 784,
            depth: usize::MAX,
            width: usize::MAX,
            outputs: 10,
        };
        assert_eq!(net.parameters(), None);
        assert_eq!(net.training_bytes(64, true), None);
        let limit = MemoryLimit {
            bytes: 1 << 30,
            source: "test".into(),
        };
        assert_error_mentions(
            ensure(None, &limit, || "it".into()),
            &["more than 16 EiB", "1.0 GiB"],
        );
    }

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("64G"), Some(64 << 30));
        assert_eq!(parse_size("512MiB"), Some(512 << 20));
        assert_eq!(parse_size("1.5k"), Some(1536));
        assert_eq!(parse_size("1000"), Some(1000));
        for bad in ["", "G", "lots", "-1G", "1X", "99999999999T"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
        assert_eq!(crate::error::fmt_bytes(800), "800 B");
        assert_eq!(crate::error::fmt_bytes(3 << 29), "1.5 GiB");
    }

    #[test]
    fn mem_available_is_read_in_kib() {
        let text = "MemTotal:       24683656 kB\nMemAvailable:   23053348 kB\n";
        assert_eq!(mem_available(text), Some(23_053_348 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
    }
}
