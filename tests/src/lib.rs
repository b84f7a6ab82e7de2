//! Shared helpers for the integration tests: devices, a per-backend lock for the device RNG, and
//! statistics (moments with standard errors, Kolmogorov–Smirnov).
#![allow(missing_docs)]

use std::sync::{Mutex, MutexGuard, OnceLock};

use burn::tensor::{Device, DeviceKind, DeviceType, Tensor};

pub fn flex() -> Device {
    Device::flex()
}

#[allow(deprecated)]
pub fn ndarray() -> Device {
    Device::ndarray()
}

/// The wgpu device, or `None` (with a note) when no adapter exists. Under `CI=true` a missing
/// adapter fails the test instead of skipping it.
pub fn wgpu() -> Option<Device> {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    let ok = *AVAILABLE.get_or_init(|| !Device::enumerate(DeviceType::Wgpu).is_empty());
    if ok {
        return Some(Device::wgpu(DeviceKind::DefaultDevice));
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("CI=true but no wgpu adapter was found: install mesa-vulkan-drivers (lavapipe)");
    }
    eprintln!("note: no wgpu adapter; wgpu test skipped");
    None
}

/// One lock per backend: Burn's device RNG is global per backend, so tests that draw from it
/// (and seed it) must not interleave.
pub fn backend_lock(backend: &str) -> MutexGuard<'static, ()> {
    static LOCKS: OnceLock<[Mutex<()>; 3]> = OnceLock::new();
    let locks = LOCKS.get_or_init(|| [Mutex::new(()), Mutex::new(()), Mutex::new(())]);
    let i = match backend {
        "flex" => 0,
        "ndarray" => 1,
        _ => 2,
    };
    locks[i].lock().unwrap_or_else(|e| e.into_inner())
}

/// Expands each `fn case(device: &Device)` into one `#[test]` per backend: flex, ndarray, wgpu.
#[macro_export]
macro_rules! device_tests {
    ($($name:ident),* $(,)?) => {
        mod flex {
            $(#[test] fn $name() { let _g = $crate::backend_lock("flex"); super::$name(&$crate::flex()); })*
        }
        mod ndarray {
            $(#[test] fn $name() { let _g = $crate::backend_lock("ndarray"); super::$name(&$crate::ndarray()); })*
        }
        mod wgpu {
            $(#[test] fn $name() {
                if let Some(d) = $crate::wgpu() { let _g = $crate::backend_lock("wgpu"); super::$name(&d); }
            })*
        }
    };
}

/// Reads any float tensor back as `Vec<f32>`.
pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("f32 tensor")
}

/// Sample moments of a set of values.
#[derive(Debug, Clone, Copy)]
pub struct Moments {
    pub n: f64,
    pub mean: f64,
    pub var: f64,
    pub m4: f64,
    pub min: f64,
    pub max: f64,
}

impl Moments {
    pub fn of(xs: &[f32]) -> Self {
        let n = xs.len() as f64;
        let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
        let (mut m2, mut m4) = (0.0, 0.0);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for &x in xs {
            let d = x as f64 - mean;
            m2 += d * d;
            m4 += d * d * d * d;
            min = min.min(x as f64);
            max = max.max(x as f64);
        }
        Self {
            n,
            mean,
            var: m2 / (n - 1.0),
            m4: m4 / n,
            min,
            max,
        }
    }

    /// Standard error of the sample mean.
    pub fn se_mean(&self) -> f64 {
        (self.var / self.n).sqrt()
    }

    /// Standard error of the sample variance: √((μ₄ − σ⁴)/n).
    pub fn se_var(&self) -> f64 {
        ((self.m4 - self.var * self.var).max(0.0) / self.n).sqrt()
    }

    /// Whether mean and variance are within `k` standard errors of the expected ones.
    pub fn matches(&self, mean: f64, var: f64, k: f64) -> Result<(), String> {
        let dm = (self.mean - mean).abs();
        let dv = (self.var - var).abs();
        // A zero-variance expectation (constants) is compared exactly.
        let tol_m = k * self.se_mean() + 1e-7 * mean.abs().max(1e-30);
        let tol_v = k * self.se_var() + 1e-6 * var;
        if dm > tol_m {
            return Err(format!(
                "mean {} vs {} (|Δ| {:.3e} > {:.3e})",
                self.mean, mean, dm, tol_m
            ));
        }
        if dv > tol_v {
            return Err(format!(
                "variance {} vs {} (|Δ| {:.3e} > {:.3e})",
                self.var, var, dv, tol_v
            ));
        }
        Ok(())
    }
}

/// The standard normal CDF Φ(x), from `statrs` (independent of the library under test).
pub fn normal_cdf(x: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().cdf(x)
}

/// Sum of a tensor's entries, in `f64` on the host.
pub fn sum<const D: usize>(t: Tensor<D>) -> f64 {
    values(t).iter().map(|&x| f64::from(x)).sum()
}

/// Kolmogorov–Smirnov statistic `D` of `xs` against `cdf`, and its asymptotic p-value.
pub fn ks_test(xs: &[f32], cdf: impl Fn(f64) -> f64) -> (f64, f64) {
    let mut v: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len() as f64;
    let mut d: f64 = 0.0;
    let mut i = 0;
    while i < v.len() {
        // Handle ties (f32 values repeat): the empirical CDF jumps once per distinct value.
        let x = v[i];
        let mut j = i;
        while j < v.len() && v[j] == x {
            j += 1;
        }
        let f = cdf(x);
        d = d
            .max((j as f64 / n - f).abs())
            .max((f - i as f64 / n).abs());
        i = j;
    }
    (d, kolmogorov_p(d, n))
}

/// Asymptotic p-value of the KS statistic (Numerical Recipes' `probks` with Stephens' correction).
pub fn kolmogorov_p(d: f64, n: f64) -> f64 {
    let sn = n.sqrt();
    let lambda = (sn + 0.12 + 0.11 / sn) * d;
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = sign * (-2.0 * k * k * lambda * lambda).exp();
        sum += term;
        if term.abs() < 1e-12 {
            break;
        }
        sign = -sign;
    }
    (2.0 * sum).clamp(0.0, 1.0)
}
