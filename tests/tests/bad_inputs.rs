//! Bad library inputs, one row each: every one is a typed error whose message names the bad value
//! — never a panic, an abort, or a silently wrong tensor. Rows that touch a device run on flex,
//! ndarray and wgpu. Rows marked `finding` are issue 15's library findings; each of them failed
//! (or crashed) on the code before the fix.

use burn::nn::conv::Conv2dConfig;
use burn::nn::{EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use burn_init::signal::{LinearChain, LsuvConfig, PretrainConfig, lsuv, pretrain_greedy};
use burn_init::{
    Constant, DeltaOrthogonal, Dirac, FanMode, Fans, HostRng, Identity, Init, InitError, InitLayer,
    Nonlinearity, Normal, Orthogonal, ParamInits, Rule, Source, Sparse, TensorInit, TensorInitExt,
    TensorSpec, TruncatedNormal, Uniform, VarianceScaling, VsDistribution, reinit, xavier_normal,
};
use burn_init_tests::device_tests;

/// What kind of error a row expects.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `InvalidParameter` naming this field.
    Param(&'static str),
    TooLarge,
    Allocation,
    UnknownField,
    ZeroFan,
    InvalidShape,
    MissingFans,
    Config,
    UnknownName,
    RuleMatchedNothing,
    Data,
}

impl Kind {
    fn matches(self, e: &InitError) -> bool {
        match (self, e) {
            (Kind::Param(f), InitError::InvalidParameter { field, .. }) => f == *field,
            (Kind::TooLarge, InitError::TooLarge { .. })
            | (Kind::Allocation, InitError::Allocation { .. })
            | (Kind::UnknownField, InitError::UnknownField { .. })
            | (Kind::ZeroFan, InitError::ZeroFan { .. })
            | (Kind::InvalidShape, InitError::InvalidShape { .. })
            | (Kind::MissingFans, InitError::MissingFans { .. })
            | (Kind::Config, InitError::Config(_))
            | (Kind::UnknownName, InitError::UnknownName { .. })
            | (Kind::RuleMatchedNothing, InitError::RuleMatchedNothing { .. })
            | (Kind::Data, InitError::Data(_)) => true,
            _ => false,
        }
    }
}

type Case = fn(&Device) -> Result<(), InitError>;

/// One bad input: what it is, how to feed it, the error kind and a piece of the message that
/// names the bad value.
struct Row {
    what: &'static str,
    finding: bool,
    device: bool,
    case: Case,
    kind: Kind,
    needle: &'static str,
}

const fn row(what: &'static str, case: Case, kind: Kind, needle: &'static str) -> Row {
    Row {
        what,
        finding: false,
        device: false,
        case,
        kind,
        needle,
    }
}

const fn finding(r: Row) -> Row {
    Row { finding: true, ..r }
}

const fn on_device(r: Row) -> Row {
    Row { device: true, ..r }
}

fn unit<T>(r: Result<T, InitError>) -> Result<(), InitError> {
    r.map(|_| ())
}

fn json<T: serde::de::DeserializeOwned>(s: &str) -> Result<(), InitError> {
    serde_json::from_str::<T>(s)
        .map(|_| ())
        .map_err(|e| InitError::Config(e.to_string()))
}

const FOUR_TIB: [usize; 2] = [1 << 20, 1 << 20];

fn fans() -> Fans {
    Fans::linear(4, 3).unwrap()
}

fn model(device: &Device) -> LinearChain {
    let inits = ParamInits::new(Init::GlorotUniform).with_source(1);
    LinearChain::new(&[4, 3, 2], Nonlinearity::Tanh, &inits, device).unwrap()
}

fn batch(device: &Device) -> Tensor<2> {
    Init::LargeRandom.sample([8, 4], None, 2, device).unwrap()
}

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Constructors: values finite in f64 but not in f32, empty intervals, zero counts.
    row("Constant NaN", |_| unit(Constant::new(f64::NAN)), Kind::Param("value"), "NaN"),
    finding(row("Constant 1e39", |_| unit(Constant::new(1e39)), Kind::Param("value"), "1e39")),
    row("Uniform empty", |_| unit(Uniform::new(1.0, 1.0)), Kind::Param("high"), "1.0"),
    finding(row("Uniform ±1e308", |_| unit(Uniform::new(-1e308, 1e308)), Kind::Param("low"), "-1e308")),
    row("Uniform width 2e38 + 2e38", |_| unit(Uniform::new(-2e38, 2e38)), Kind::Param("high"), "2e38"),
    row("Uniform empty in f32", |_| unit(Uniform::new(1.0, 1.0 + 1e-12)), Kind::Param("high"), "1.000000000001"),
    row("Normal std -1", |_| unit(Normal::new(0.0, -1.0)), Kind::Param("std"), "-1.0"),
    finding(row("Normal std 1e39", |_| unit(Normal::new(0.0, 1e39)), Kind::Param("std"), "1e39")),
    row("Normal mean 1e39", |_| unit(Normal::new(1e39, 1.0)), Kind::Param("mean"), "1e39"),
    row("Normal 3e38 + 10·1e37", |_| unit(Normal::new(3e38, 1e37)), Kind::Param("std"), "1e37"),
    row("TruncatedNormal std 0", |_| unit(TruncatedNormal::new(0.0, 0.0, -1.0, 1.0)), Kind::Param("std"), "0.0"),
    row("TruncatedNormal low NaN", |_| unit(TruncatedNormal::new(0.0, 1.0, f64::NAN, 1.0)), Kind::Param("low"), "NaN"),
    row("TruncatedNormal reversed", |_| unit(TruncatedNormal::new(0.0, 1.0, 2.0, -2.0)), Kind::Param("high"), "-2.0"),
    row("TruncatedNormal std 1e39", |_| unit(TruncatedNormal::new(0.0, 1e39, -1.0, 1.0)), Kind::Param("std"), "1e39"),
    row("TruncatedNormal low -1e39", |_| unit(TruncatedNormal::new(0.0, 1.0, -1e39, 0.0)), Kind::Param("low"), "-1e39"),
    row("VarianceScaling scale 0", |_| unit(VarianceScaling::new(0.0, FanMode::FanIn, VsDistribution::Normal)), Kind::Param("scale"), "0.0"),
    row("VarianceScaling scale 1e39", |_| unit(VarianceScaling::new(1e39, FanMode::FanIn, VsDistribution::Normal)), Kind::Param("scale"), "1e39"),
    row("VarianceScaling scale 1e-300", |_| unit(VarianceScaling::new(1e-300, FanMode::FanIn, VsDistribution::Normal)), Kind::Param("scale"), "1e-300"),
    row("xavier_normal gain 1e20 (gain² not in f32)", |_| unit(xavier_normal(1e20)), Kind::Param("scale"), "1e40"),
    row("Orthogonal gain 0", |_| unit(Orthogonal::new(0.0)), Kind::Param("gain"), "0.0"),
    row("Orthogonal gain 1e39", |_| unit(Orthogonal::new(1e39)), Kind::Param("gain"), "1e39"),
    finding(row("Identity gain 1e39", |_| unit(Identity::new(1e39)), Kind::Param("gain"), "1e39")),
    row("Dirac groups 0", |_| unit(Dirac::new(0)), Kind::Param("groups"), "0.0"),
    row("DeltaOrthogonal gain -1", |_| unit(DeltaOrthogonal::new(-1.0)), Kind::Param("gain"), "-1.0"),
    row("Sparse sparsity 1", |_| unit(Sparse::new(1.0, 0.01)), Kind::Param("sparsity"), "1.0"),
    row("Sparse std 1e38 (10 std overflow)", |_| unit(Sparse::new(0.1, 1e38)), Kind::Param("std"), "1e38"),
    row("leaky slope 1e39", |_| unit(Nonlinearity::leaky_relu(1e39)), Kind::Param("negative_slope"), "1e39"),
    row("nonlinearity name", |_| unit(Nonlinearity::from_name("tanhh")), Kind::UnknownName, "tanhh"),
    // Fans: zero, overflow.
    row("Fans zero", |_| unit(Fans::new(0, 3)), Kind::ZeroFan, "fan_in = 0"),
    finding(row("Fans::conv wraps", |_| unit(Fans::conv(&[3, 3, (1 << 63) + 1], 1)), Kind::TooLarge, "9223372036854775809")),
    row("Fans::conv_transpose overflow", |_| unit(Fans::conv_transpose(&[usize::MAX, 2, 3], 1)), Kind::TooLarge, "18446744073709551615"),
    row("Fans::conv groups 0", |_| unit(Fans::conv(&[4, 4, 3], 0)), Kind::InvalidShape, "groups"),
    // JSON: unknown fields on every variant, every value through the constructors.
    finding(row("JSON he_normal with a gain", |_| unit(Init::from_json(r#"{"name":"he_normal","gain":2}"#)), Kind::UnknownField, "`gain` (given 2)")),
    row("JSON zeros with a value", |_| unit(Init::from_json(r#"{"name":"zeros","value":1}"#)), Kind::UnknownField, "`value` (given 1)"),
    row("JSON normal with an extra field", |_| unit(Init::from_json(r#"{"name":"normal","mean":0,"std":1,"extra":2}"#)), Kind::UnknownField, "`extra` (given 2)"),
    row("JSON constant 1e39", |_| unit(Init::from_json(r#"{"name":"constant","value":1e39}"#)), Kind::Param("value"), "1e39"),
    row("JSON uniform reversed", |_| unit(Init::from_json(r#"{"name":"uniform","low":1,"high":0}"#)), Kind::Param("high"), "0.0"),
    row("JSON xavier gain -1", |_| unit(Init::from_json(r#"{"name":"xavier_uniform","gain":-1}"#)), Kind::Param("gain"), "-1.0"),
    row("JSON kaiming slope 1e39", |_| unit(Init::from_json(r#"{"name":"kaiming_normal","nonlinearity":{"kind":"leaky_relu","negative_slope":1e39}}"#)), Kind::Config, "1e39"),
    row("JSON unknown name", |_| unit(Init::from_json(r#"{"name":"nope"}"#)), Kind::UnknownName, "nope"),
    row("JSON normal std -1", |_| unit(Init::from_json(r#"{"name":"normal","mean":0,"std":-1}"#)), Kind::Param("std"), "-1.0"),
    row("name typo", |_| unit(Init::from_name("glorot_unifrom")), Kind::UnknownName, "glorot_unifrom"),
    row("JSON Uniform struct ±1e308", |_| json::<Uniform>(r#"{"low":-1e308,"high":1e308}"#), Kind::Config, "-1e308"),
    row("JSON Fans zero", |_| json::<Fans>(r#"{"fan_in":0,"fan_out":3}"#), Kind::Config, "fan_in = 0"),
    row("JSON rule with an unknown field", |_| json::<Rule>(r#"{"init":{"name":"zeros"},"role":null,"layer":null,"path":null,"pattern":"x"}"#), Kind::Config, "pattern"),
    row("JSON rule with std 1e39", |_| json::<Rule>(r#"{"init":{"name":"normal","mean":0,"std":1e39},"role":null,"layer":null,"path":null}"#), Kind::Config, "1e39"),
    row("JSON LSUV config with an unknown field", |_| json::<LsuvConfig>(r#"{"target_variance":1,"tol":0.1,"max_iter":10,"pre_init":null,"source":{"kind":"device"},"tolerance":1}"#), Kind::Config, "tolerance"),
    // Shapes and memory, on every device.
    finding(on_device(row("shape [2^33, 2^31]", |d| unit(Init::HeNormal.sample([1 << 33, 1 << 31], fans(), Source::Device, d)), Kind::TooLarge, "[8589934592, 2147483648]"))),
    finding(on_device(row("shape [2^62+1, 4]", |d| unit(Init::Zeros.sample([(1 << 62) + 1, 4], None, 7, d)), Kind::TooLarge, "[4611686018427387905, 4]"))),
    finding(row("Identity host_vec [2^62+1, 4]", |_| unit(Identity::new(1.0).unwrap().host_vec(&[(1 << 62) + 1, 4], None, HostRng::new(0))), Kind::TooLarge, "4611686018427387905")),
    finding(row("4 TiB host buffer", |_| unit(Init::LargeRandom.host_vec(&FOUR_TIB, None, HostRng::new(0))), Kind::Allocation, "4398046511104 bytes")),
    on_device(row("4 TiB from a seed", |d| unit(Init::Zeros.sample(FOUR_TIB, None, 3, d)), Kind::Allocation, "4398046511104 bytes")),
    finding(row("fill_host without check or fans", |_| Init::HeNormal.fill_host(TensorSpec::new(&[4, 3], None), HostRng::new(0), &mut [0.0; 12]), Kind::MissingFans, "he_normal")),
    row("fill_host with a short buffer", |_| Init::Ones.fill_host(TensorSpec::new(&[4, 3], None), HostRng::new(0), &mut [0.0; 5]), Kind::InvalidShape, "holds 5 values for 12"),
    row("Orthogonal fill_host on a vector", |_| Orthogonal::default().fill_host(TensorSpec::new(&[5], None), HostRng::new(0), &mut [0.0; 5]), Kind::InvalidShape, "[5]"),
    on_device(row("Identity device sample on [2, 2, 2]", |d| unit(Identity::default().sample_device(TensorSpec::new(&[2, 2, 2], None), d)), Kind::InvalidShape, "[2, 2, 2]")),
    // (An invalid `Init` cannot be built: `Init::Normal` holds a `Normal`, refused above.)
    // Layers.
    on_device(row("Linear 2^40 × 2^40", |d| unit(LinearConfig::new(1 << 40, 1 << 40).init_layer(&ParamInits::new(Init::HeNormal), d)), Kind::TooLarge, "[1099511627776, 1099511627776]")),
    on_device(row("Embedding with 0 rows", |d| unit(EmbeddingConfig::new(0, 4).init_layer(&ParamInits::new(Init::HeNormal), d)), Kind::ZeroFan, "fan_in = 0")),
    on_device(row("Conv2d groups not dividing", |d| unit(Conv2dConfig::new([3, 4], [3, 3]).with_groups(2).init_layer(&ParamInits::new(Init::HeNormal), d)), Kind::InvalidShape, "groups = 2")),
    row("JSON layer bias with std 1e39", |_| json::<ParamInits>(r#"{"weight":{"name":"he_normal"},"bias":{"name":"normal","mean":0,"std":1e39},"source":{"kind":"device"}}"#), Kind::Config, "1e39"),
    // Re-initialization rules.
    on_device(row("reinit rule path typo", |d| unit(reinit(vec![LinearConfig::new(4, 3).init(d)], &[Rule::new(Init::Zeros).path("0.wieght")], Source::Device, d)), Kind::RuleMatchedNothing, "0.wieght")),

    on_device(row("reinit orthogonal on a bias", |d| unit(reinit::<Vec<Linear>>(vec![LinearConfig::new(4, 3).init(d)], &[Rule::new(Orthogonal::default())], 1, d)), Kind::InvalidShape, "0.bias")),
    // LSUV and pretraining options.
    on_device(row("LSUV tol 0", |d| unit(lsuv(model(d), batch(d), &LsuvConfig { tol: 0.0, ..LsuvConfig::default() }, d)), Kind::Param("tol"), "0.0")),
    on_device(row("LSUV target variance 1e39", |d| unit(lsuv(model(d), batch(d), &LsuvConfig { target_variance: 1e39, ..LsuvConfig::default() }, d)), Kind::Param("target_variance"), "1e39")),
    on_device(row("LSUV max_iter 0", |d| unit(lsuv(model(d), batch(d), &LsuvConfig { max_iter: 0, ..LsuvConfig::default() }, d)), Kind::Param("max_iter"), "0.0")),
    row("JSON LSUV invalid pre-init", |_| json::<LsuvConfig>(r#"{"target_variance":1,"tol":0.1,"max_iter":10,"pre_init":{"name":"uniform","low":1,"high":0},"source":{"kind":"device"}}"#), Kind::Config, "high"),
    on_device(row("LSUV empty batch", |d| unit(lsuv(model(d), Tensor::zeros([0, 4], d), &LsuvConfig::default(), d)), Kind::Data, "non-empty batch")),
    on_device(row("pretraining batch size 0", |d| unit(pretrain_greedy(model(d), batch(d), &PretrainConfig { batch_size: 0, ..PretrainConfig::default() }, d)), Kind::Param("batch_size"), "0.0")),
    on_device(row("pretraining noise 1", |d| unit(pretrain_greedy(model(d), batch(d), &PretrainConfig { noise: 1.0, ..PretrainConfig::default() }, d)), Kind::Param("noise"), "1.0")),
    on_device(row("pretraining lr NaN", |d| unit(pretrain_greedy(model(d), batch(d), &PretrainConfig { lr: f64::NAN, ..PretrainConfig::default() }, d)), Kind::Param("lr"), "NaN")),
    on_device(row("pretraining lr 1e39", |d| unit(pretrain_greedy(model(d), batch(d), &PretrainConfig { lr: 1e39, ..PretrainConfig::default() }, d)), Kind::Param("lr"), "1e39")),
];

/// Feeds each row (those on a device only when `device` is), checking the error it returns.
fn check_rows(device: &Device, on_device: bool) {
    let mut failures = Vec::new();
    for r in ROWS.iter().filter(|r| r.device == on_device) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (r.case)(device)));
        match outcome {
            Err(_) => failures.push(format!("{}: panicked", r.what)),
            Ok(Ok(())) => failures.push(format!("{}: accepted", r.what)),
            Ok(Err(e)) => {
                let message = e.to_string();
                if !r.kind.matches(&e) {
                    failures.push(format!("{}: expected {:?}, got {e:?}", r.what, r.kind));
                } else if !message.contains(r.needle) {
                    failures.push(format!(
                        "{}: message lacks {:?}: {message}",
                        r.what, r.needle
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn device_rows(device: &Device) {
    check_rows(device, true);
}

device_tests!(device_rows);

#[test]
fn host_rows() {
    check_rows(&burn_init_tests::flex(), false);
}

/// The table is as large as promised and covers every finding.
#[test]
fn the_table_is_complete() {
    assert!(ROWS.len() >= 40, "{} rows", ROWS.len());
    assert_eq!(ROWS.iter().filter(|r| r.finding).count(), 11);
    eprintln!(
        "{} bad inputs ({} on a device, {} from issue 15's findings)",
        ROWS.len(),
        ROWS.iter().filter(|r| r.device).count(),
        ROWS.iter().filter(|r| r.finding).count()
    );
}
