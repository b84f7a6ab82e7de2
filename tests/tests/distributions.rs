//! Every initializer, on every device, through both sampling paths (device RNG and seeded host
//! generator): exact bounds, mean and variance within 5 standard errors of the hand-written
//! formula, and a Kolmogorov–Smirnov test against the analytic CDF (p > 1e-4), on 10⁶ samples.

use burn::tensor::Device;
use burn_init::{Constant, Kaiming, Normal, TruncatedNormal, Uniform, VarianceScaling, Xavier};
use burn_init::{
    FanMode, Fans, HostRng, Init, Nonlinearity, Source, TensorInitExt, VsDistribution,
};
use burn_init_tests::{Moments, device_tests, ks_test, normal_cdf, values};

const FAN_IN: usize = 800;
const FAN_OUT: usize = 1250;
const SHAPE: [usize; 2] = [FAN_IN, FAN_OUT]; // 10⁶ samples, Burn Linear layout [d_in, d_out]
const FI: f64 = FAN_IN as f64;
const FO: f64 = FAN_OUT as f64;
/// Keras/JAX: std of N(0,1) truncated to [−2, 2].
const TRUNC: f64 = 0.879_625_661_034_239_8;

/// The distribution a case must follow, written from the formulas (not from the library).
#[derive(Debug, Clone, Copy)]
enum Expect {
    Const(f64),
    Uniform {
        low: f64,
        high: f64,
    },
    Normal {
        mean: f64,
        std: f64,
    },
    Trunc {
        mean: f64,
        std: f64,
        low: f64,
        high: f64,
    },
}

/// `N(0, σ²)` truncated to ±2σ with σ = √var / 0.8796…, so that the variance is `var`.
fn keras_trunc(var: f64) -> Expect {
    let s = var.sqrt() / TRUNC;
    Expect::Trunc {
        mean: 0.0,
        std: s,
        low: -2.0 * s,
        high: 2.0 * s,
    }
}

fn uniform_var(var: f64) -> Expect {
    let b = (3.0 * var).sqrt();
    Expect::Uniform { low: -b, high: b }
}

impl Expect {
    fn cdf(&self, x: f64) -> f64 {
        match *self {
            Expect::Const(v) => f64::from(x >= v),
            Expect::Uniform { low, high } => ((x - low) / (high - low)).clamp(0.0, 1.0),
            Expect::Normal { mean, std } => normal_cdf((x - mean) / std),
            Expect::Trunc {
                mean,
                std,
                low,
                high,
            } => {
                let (a, b) = (
                    normal_cdf((low - mean) / std),
                    normal_cdf((high - mean) / std),
                );
                ((normal_cdf((x - mean) / std) - a) / (b - a)).clamp(0.0, 1.0)
            }
        }
    }

    /// Mean and variance by numerical integration of the density (independent of the library's
    /// closed forms for truncated normals).
    fn moments(&self) -> (f64, f64) {
        match *self {
            Expect::Const(v) => (v, 0.0),
            Expect::Uniform { low, high } => ((low + high) / 2.0, (high - low).powi(2) / 12.0),
            Expect::Normal { mean, std } => (mean, std * std),
            Expect::Trunc {
                mean,
                std,
                low,
                high,
            } => {
                let n = 200_000;
                let h = (high - low) / n as f64;
                let (mut z, mut m1, mut m2) = (0.0, 0.0, 0.0);
                for i in 0..n {
                    let x = low + (i as f64 + 0.5) * h;
                    let p = (-0.5 * ((x - mean) / std).powi(2)).exp();
                    z += p;
                    m1 += p * x;
                    m2 += p * x * x;
                }
                let mu = m1 / z;
                (mu, m2 / z - mu * mu)
            }
        }
    }

    fn bounds(&self) -> Option<(f64, f64)> {
        match *self {
            Expect::Uniform { low, high } | Expect::Trunc { low, high, .. } => Some((low, high)),
            _ => None,
        }
    }
}

/// Checks `xs` against `expect`; returns a description of the first failure.
fn check(xs: &[f32], expect: Expect) -> Result<(), String> {
    assert_eq!(xs.len(), SHAPE[0] * SHAPE[1]);
    if xs.iter().any(|x| !x.is_finite()) {
        return Err("non-finite value".into());
    }
    if let Expect::Const(v) = expect {
        return match xs.iter().all(|&x| x == v as f32) {
            true => Ok(()),
            false => Err(format!("not all equal to {v}")),
        };
    }
    let m = Moments::of(xs);
    if let Some((low, high)) = expect.bounds() {
        // Exact bounds: nothing outside [low, high] (as f32), and both ends are approached.
        let (lo32, hi32) = (low as f32 as f64, high as f32 as f64);
        if m.min < lo32 || m.max > hi32 {
            return Err(format!(
                "out of bounds: [{}, {}] outside [{lo32}, {hi32}]",
                m.min, m.max
            ));
        }
        let slack = 1e-3 * (high - low);
        if m.min > low + slack || m.max < high - slack {
            return Err(format!(
                "bounds not reached: [{}, {}] vs [{low}, {high}]",
                m.min, m.max
            ));
        }
    }
    let (mean, var) = expect.moments();
    m.matches(mean, var, 5.0)?;
    let (d, p) = ks_test(xs, |x| expect.cdf(x));
    if p <= 1e-4 {
        return Err(format!("KS D = {d:.3e}, p = {p:.2e} ≤ 1e-4"));
    }
    Ok(())
}

fn fans() -> Fans {
    Fans::linear(FAN_IN, FAN_OUT).unwrap()
}

/// Runs one case through the device RNG and the host generator.
fn run_case(device: &Device, init: Init, expect: Expect) {
    // Device RNG.
    device.seed(12345);
    let t = init.sample(SHAPE, fans(), Source::Device, device).unwrap();
    let dev = values(t);
    if let Err(e) = check(&dev, expect) {
        panic!("{} (device RNG): {e}", init.stable_name());
    }
    // Host generator, uploaded.
    let t = init
        .sample(SHAPE, fans(), HostRng::new(2024), device)
        .unwrap();
    let host = values(t);
    if let Err(e) = check(&host, expect) {
        panic!("{} (host Philox): {e}", init.stable_name());
    }
    // Where the family has a public formula, it agrees with the hand-written one.
    if let Some(vs) = init.variance_scaling() {
        let (_, var) = expect.moments();
        assert!(
            (vs.variance(fans()) / var - 1.0).abs() < 1e-3,
            "variance(fans) formula"
        );
    }
}

macro_rules! cases {
    ($($name:ident: $init:expr => $expect:expr;)*) => {
        $(fn $name(device: &Device) { run_case(device, $init, $expect) })*
        device_tests!($($name),*);
    };
}

cases! {
    zeros: Init::Zeros => Expect::Const(0.0);
    ones: Init::Ones => Expect::Const(1.0);
    constant: Init::Constant(Constant::new(-0.25).unwrap()) => Expect::Const(-0.25);
    uniform: Init::Uniform(Uniform::new(-0.3, 0.7).unwrap()) => Expect::Uniform { low: -0.3, high: 0.7 };
    normal: Init::Normal(Normal::new(0.5, 2.0).unwrap()) => Expect::Normal { mean: 0.5, std: 2.0 };
    truncated_normal_absolute_bounds: Init::TruncatedNormal(TruncatedNormal::new(0.1, 1.0, -0.5, 1.5).unwrap())
        => Expect::Trunc { mean: 0.1, std: 1.0, low: -0.5, high: 1.5 };
    truncated_normal_one_tail: Init::TruncatedNormal(TruncatedNormal::new(0.0, 1.0, 1.0, 3.0).unwrap())
        => Expect::Trunc { mean: 0.0, std: 1.0, low: 1.0, high: 3.0 };
    small_random: Init::SmallRandom => Expect::Normal { mean: 0.0, std: 0.01 };
    large_random: Init::LargeRandom => Expect::Normal { mean: 0.0, std: 1.0 };
    lecun_normal: Init::LecunNormal => keras_trunc(1.0 / FI);
    lecun_uniform: Init::LecunUniform => uniform_var(1.0 / FI);
    glorot_normal: Init::GlorotNormal => keras_trunc(2.0 / (FI + FO));
    glorot_uniform: Init::GlorotUniform => Expect::Uniform { low: -(6.0 / (FI + FO)).sqrt(), high: (6.0 / (FI + FO)).sqrt() };
    he_normal: Init::HeNormal => keras_trunc(2.0 / FI);
    he_uniform: Init::HeUniform => Expect::Uniform { low: -(6.0 / FI).sqrt(), high: (6.0 / FI).sqrt() };
    he_avg_normal: Init::HeAvgNormal => Expect::Normal { mean: 0.0, std: (4.0 / (FI + FO)).sqrt() };
    he_avg_uniform: Init::HeAvgUniform => uniform_var(4.0 / (FI + FO));
    xavier_normal_gain: Init::XavierNormal(Xavier::new(2.0).unwrap()) => Expect::Normal { mean: 0.0, std: 2.0 * (2.0 / (FI + FO)).sqrt() };
    xavier_uniform_gain: Init::XavierUniform(Xavier::new(1.5).unwrap()) => uniform_var(2.25 * 2.0 / (FI + FO));
    kaiming_normal_fan_out_tanh: Init::KaimingNormal(Kaiming::new(FanMode::FanOut, Nonlinearity::Tanh))
        => Expect::Normal { mean: 0.0, std: 5.0 / 3.0 / FO.sqrt() };
    kaiming_uniform_leaky: Init::KaimingUniform(Kaiming::new(FanMode::FanIn, Nonlinearity::leaky_relu(0.2).unwrap()))
        => uniform_var(2.0 / 1.04 / FI);
    variance_scaling_fan_avg_truncated: Init::VarianceScaling(VarianceScaling::new(0.5, FanMode::FanAvg, VsDistribution::TruncatedNormal).unwrap())
        => keras_trunc(0.5 / ((FI + FO) / 2.0));
}

/// The checks can fail: a 3 % variance error, a shifted mean, one value out of bounds and a
/// wrong shape of distribution are all caught on 10⁶ samples.
#[test]
fn the_checks_catch_small_errors() {
    let good = Init::HeNormal
        .host_vec(&SHAPE, Some(fans()), HostRng::new(5))
        .unwrap();
    let expect = keras_trunc(2.0 / FI);
    check(&good, expect).unwrap();
    let wide: Vec<f32> = good.iter().map(|x| x * 1.03f32.sqrt()).collect();
    assert!(
        check(&wide, expect).is_err(),
        "a 3 % variance error must fail"
    );
    let uniform = Init::HeUniform
        .host_vec(&SHAPE, Some(fans()), HostRng::new(5))
        .unwrap();
    let u_expect = uniform_var(2.0 / FI);
    check(&uniform, u_expect).unwrap();
    let scaled: Vec<f32> = uniform.iter().map(|x| x * 1.015).collect();
    assert!(
        check(&scaled, u_expect).is_err(),
        "a 3 % variance error must fail (uniform)"
    );
    let mut outlier = uniform.clone();
    outlier[17] = (6.0 / FI).sqrt() as f32 * 1.001;
    assert!(
        check(&outlier, u_expect).is_err(),
        "one value out of bounds must fail"
    );
    let sd = (2.0 / FI).sqrt();
    let shifted: Vec<f32> = good.iter().map(|x| x + (0.01 * sd) as f32).collect();
    assert!(
        check(&shifted, expect).is_err(),
        "a mean shift of 0.01σ must fail"
    );
    // Same variance, wrong shape: uniform data against a normal.
    let same_var = Expect::Normal { mean: 0.0, std: sd };
    assert!(
        check(&uniform, same_var).is_err(),
        "KS must reject a uniform as a normal"
    );
}
