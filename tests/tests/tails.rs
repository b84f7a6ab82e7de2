//! The truncated normal in far tails, on both sides, through both sampling paths, on every
//! device: Kolmogorov–Smirnov against a reference CDF from `statrs` (its `sf` for upper tails,
//! `cdf` for lower ones, so neither cancels) with p > 1e-4, and the sample mean within 5
//! standard errors of the exact truncated mean `(φ(a) − φ(b)) / P([a, b])`, also from `statrs`.
//! Before the fix, `[7σ, 8σ]`, `[−10σ, −9σ]` and `(−∞, −10σ]` panicked on the device path,
//! `[5σ, 6σ]` came out with mean 5.107 instead of 5.183, and `[10σ, ∞)`, `[20σ, 21σ]` were
//! refused on both paths.

use burn::tensor::Device;
use burn_init::{Init, Source, TensorInitExt, TruncatedNormal};
use burn_init_tests::{Moments, device_tests, ks_test, values};
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

const N: usize = 1_000_000;

/// The intervals, in units of σ of `N(0, 1)`.
const INTERVALS: [(f64, f64); 6] = [
    (5.0, 6.0),
    (7.0, 8.0),
    (-10.0, -9.0),
    (10.0, f64::INFINITY),
    (f64::NEG_INFINITY, -10.0),
    (20.0, 21.0),
];

/// The reference distribution of `N(0, 1)` truncated to `[a, b]`, from `statrs`.
struct Reference {
    a: f64,
    b: f64,
    upper: bool,
}

impl Reference {
    fn new(a: f64, b: f64) -> Self {
        Self {
            a,
            b,
            upper: a >= 0.0,
        }
    }

    /// Probability of the tail beyond `x` on the interval's side (sf above, cdf below).
    fn tail(&self, x: f64) -> f64 {
        let n = Normal::standard();
        if self.upper { n.sf(x) } else { n.cdf(x) }
    }

    fn cdf(&self, x: f64) -> f64 {
        if x <= self.a {
            return 0.0;
        }
        if x >= self.b {
            return 1.0;
        }
        let (ta, tb, tx) = (self.tail(self.a), self.tail(self.b), self.tail(x));
        if self.upper {
            (ta - tx) / (ta - tb)
        } else {
            (tx - ta) / (tb - ta)
        }
    }

    fn mean(&self) -> f64 {
        let n = Normal::standard();
        let pdf = |x: f64| if x.is_finite() { n.pdf(x) } else { 0.0 };
        let mass = (self.tail(self.a) - self.tail(self.b)).abs();
        (pdf(self.a) - pdf(self.b)) / mass
    }
}

fn check(xs: &[f32], (a, b): (f64, f64), what: &str) {
    let reference = Reference::new(a, b);
    let m = Moments::of(xs);
    assert!(
        m.min >= a && m.max <= b,
        "{what}: [{}, {}] outside [{a}, {b}]",
        m.min,
        m.max
    );
    let exact = reference.mean();
    let se = m.se_mean();
    let (d, p) = ks_test(xs, |x| reference.cdf(x));
    eprintln!(
        "{what}: mean {:.6} (exact {exact:.6}, {:+.2} SE), KS D = {d:.2e}, p = {p:.3}",
        m.mean,
        (m.mean - exact) / se
    );
    assert!(
        (m.mean - exact).abs() < 5.0 * se,
        "{what}: mean {} vs exact {exact} ({} SE)",
        m.mean,
        (m.mean - exact) / se
    );
    assert!(p > 1e-4, "{what}: KS D = {d:.3e}, p = {p:.2e}");
}

fn tails_are_exact(device: &Device) {
    for (a, b) in INTERVALS {
        let init = Init::TruncatedNormal(TruncatedNormal::new(0.0, 1.0, a, b).unwrap());
        device.seed(77);
        let dev = values(init.sample([N], None, Source::Device, device).unwrap());
        check(
            &dev,
            (a, b),
            &format!("[{a}, {b}] device RNG on {device:?}"),
        );
        let host = values(init.sample([N], None, 2024, device).unwrap());
        check(
            &host,
            (a, b),
            &format!("[{a}, {b}] host stream on {device:?}"),
        );
    }
}

device_tests!(tails_are_exact);

/// Mirror images are treated alike: refused only where the probability underflows f64
/// (beyond about 37.5σ), on both sides.
#[test]
fn refusal_is_symmetric() {
    let tn = |low: f64, high: f64| TruncatedNormal::new(0.0, 1.0, low, high);
    for (a, b) in [(8.5, f64::INFINITY), (20.0, 21.0), (37.0, 38.0)] {
        assert!(tn(a, b).is_ok(), "[{a}, {b}]");
        assert!(tn(-b, -a).is_ok(), "[{}, {}]", -b, -a);
    }
    for (a, b) in [(38.0, 39.0), (40.0, f64::INFINITY)] {
        assert!(tn(a, b).is_err(), "[{a}, {b}]");
        assert!(tn(-b, -a).is_err(), "[{}, {}]", -b, -a);
    }
}
