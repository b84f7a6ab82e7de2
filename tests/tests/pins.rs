//! Value stability: every initializer's host path, seed 42, pinned — the first four values and
//! an FNV-1a checksum of every value's bits. These numbers are part of the API: the host path
//! gives the same weights on every device, for every thread count, and in every later version.
//! If one changes, reproducibility broke (or the change must say so).
//!
//! `PINS_PRINT=1 cargo test --release -p burn-init-tests --test pins -- --nocapture` prints the
//! current values in the table's form.

use burn_init::{
    Constant, Dirac, Identity, Kaiming, Normal, Orthogonal, Sparse, TruncatedNormal, Uniform,
    VarianceScaling, Xavier,
};
use burn_init::{FanMode, Fans, HostRng, Init, Nonlinearity, TensorInitExt, VsDistribution};

/// FNV-1a (64-bit) over the bits of every value.
fn checksum(xs: &[f32]) -> u64 {
    xs.iter()
        .flat_map(|x| x.to_bits().to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
}

/// Every built-in initializer, with a shape it can fill: a `Linear` weight `[24, 16]` (fans 24,
/// 16), or a conv weight `[8, 4, 3, 3]` for the convolution initializers.
fn cases() -> Vec<(Init, Vec<usize>)> {
    let linear = vec![24, 16];
    let conv = vec![8, 4, 3, 3];
    let mut cases: Vec<(Init, Vec<usize>)> = Init::NAMES
        .iter()
        .map(|name| {
            let init = Init::from_name(name).unwrap();
            let shape = match *name {
                "dirac" | "delta_orthogonal" => conv.clone(),
                _ => linear.clone(),
            };
            (init, shape)
        })
        .collect();
    let with_parameters = [
        Init::Constant(Constant::new(-0.25).unwrap()),
        Init::Uniform(Uniform::new(-0.3, 0.7).unwrap()),
        Init::Normal(Normal::new(0.5, 2.0).unwrap()),
        Init::TruncatedNormal(TruncatedNormal::new(0.1, 1.0, -0.5, 1.5).unwrap()),
        Init::TruncatedNormal(TruncatedNormal::new(0.0, 1.0, 20.0, 21.0).unwrap()),
        Init::VarianceScaling(
            VarianceScaling::new(0.5, FanMode::FanOut, VsDistribution::TruncatedNormal).unwrap(),
        ),
        Init::XavierNormal(Xavier::new(2.0).unwrap()),
        Init::KaimingUniform(Kaiming::new(
            FanMode::FanOut,
            Nonlinearity::leaky_relu(0.2).unwrap(),
        )),
        Init::Orthogonal(Orthogonal::new(0.5).unwrap()),
        Init::Identity(Identity::new(3.0).unwrap()),
        Init::Dirac(Dirac::new(2).unwrap()),
        Init::Sparse(Sparse::new(0.5, 0.1).unwrap()),
    ];
    for init in with_parameters {
        let shape = match init {
            Init::Dirac(_) => conv.clone(),
            _ => linear.clone(),
        };
        cases.push((init, shape));
    }
    cases
}

fn fans(shape: &[usize]) -> Fans {
    if shape.len() == 2 {
        Fans::linear_weight(shape).unwrap()
    } else {
        Fans::conv(shape, 1).unwrap()
    }
}

/// (config as JSON, first four values' bits, checksum). Every row but the far-tail truncated
/// normal (new in 0.2) equals what 0.1 (commit 77da023) produced, bit for bit.
#[rustfmt::skip]
const PINS: &[(&str, [u32; 4], u64)] = &[
    (r#"{"name":"zeros"}"#, [0x00000000, 0x00000000, 0x00000000, 0x00000000], 0x6ab05ef9aa8b9b25),
    (r#"{"name":"ones"}"#, [0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000], 0x995cd146fcf9df25),
    (r#"{"name":"small_random"}"#, [0xbbdfba80, 0x3a8341ad, 0x3c6d0d79, 0xbc01eb66], 0x052235b9532ff7af),
    (r#"{"name":"large_random"}"#, [0xbf2ec9b4, 0x3dcd169e, 0x3fb93287, 0xbf4affd0], 0xf68d83b4c50f911e),
    (r#"{"name":"lecun_normal"}"#, [0x3d820cb7, 0xbc8f0381, 0xbe9d61d2, 0xbdb99009], 0x0ca2b2e0035330b9),
    (r#"{"name":"lecun_uniform"}"#, [0x3da39558, 0xbcb5f760, 0xbe9a81b2, 0xbde67508], 0x75599214c5a754fd),
    (r#"{"name":"glorot_normal"}"#, [0x3d8e7658, 0xbc9ca9e5, 0xbeac6749, 0xbdcb4611], 0x90a9d6bafb244935),
    (r#"{"name":"glorot_uniform"}"#, [0x3db33254, 0xbcc75590, 0xbea940e8, 0xbdfc7404], 0xad4e98780b3c7243),
    (r#"{"name":"xavier_normal","gain":1.0}"#, [0xbe1c55c6, 0x3cb76fc5, 0x3ea5a544, 0xbe35916d], 0x2c01f220f473aed7),
    (r#"{"name":"xavier_uniform","gain":1.0}"#, [0x3db33254, 0xbcc75590, 0xbea940e8, 0xbdfc7404], 0xad4e98780b3c7243),
    (r#"{"name":"he_normal"}"#, [0x3db7eb03, 0xbcca407c, 0xbede9269, 0xbe03366d], 0xd757921c41511ba0),
    (r#"{"name":"he_uniform"}"#, [0x3de75780, 0xbd00ab70, 0xbeda8160, 0xbe22f534], 0xc1cfc3c280cb9812),
    (r#"{"name":"he_avg_normal"}"#, [0xbe5d1756, 0x3d01b592, 0x3eea421a, 0xbe806355], 0xa72ea4a586b81dd7),
    (r#"{"name":"he_avg_uniform"}"#, [0x3dfd6c18, 0xbd0cf360, 0xbeef5c54, 0xbe3282e8], 0x89bee3b024365b0c),
    (r#"{"name":"kaiming_normal","mode":"fan_in","nonlinearity":"relu"}"#, [0xbe49d3e3, 0x3cecd0cd, 0x3ed5d8f6, 0xbe6a6743], 0x6299879497f33417),
    (r#"{"name":"kaiming_uniform","mode":"fan_in","nonlinearity":"relu"}"#, [0x3de75780, 0xbd00ab70, 0xbeda8160, 0xbe22f534], 0xc1cfc3c280cb9812),
    (r#"{"name":"orthogonal","gain":1.0}"#, [0xbe01ef19, 0x3c4adb7a, 0x3ec835a1, 0xbd46ed9d], 0xd2ae8aab611b6533),
    (r#"{"name":"identity","gain":1.0}"#, [0x3f800000, 0x00000000, 0x00000000, 0x00000000], 0xc9f60616aa43dca5),
    (r#"{"name":"dirac","groups":1}"#, [0x00000000, 0x00000000, 0x00000000, 0x00000000], 0xd1461ba2b9f3b805),
    (r#"{"name":"delta_orthogonal","gain":1.0}"#, [0x00000000, 0x00000000, 0x00000000, 0x00000000], 0xd547a855ffd25f11),
    (r#"{"name":"sparse","sparsity":0.1,"std":0.01}"#, [0xbbdfba80, 0x3a8341ad, 0x3c6d0d79, 0xbc01eb66], 0x1310328aea4069ef),
    (r#"{"name":"constant","value":-0.25}"#, [0xbe800000, 0xbe800000, 0xbe800000, 0xbe800000], 0xb5c2544213379b25),
    (r#"{"name":"uniform","low":-0.3,"high":0.7}"#, [0x3ea03c46, 0x3e2ca1f0, 0xbe6835f4, 0x3d275e60], 0xaaeda4dc129b18fa),
    (r#"{"name":"normal","mean":0.5,"std":2.0}"#, [0xbf5d9368, 0x3f3345a8, 0x40593287, 0xbf8affd0], 0x57a162127ddf3819),
    (r#"{"name":"truncated_normal","mean":0.1,"std":1.0,"low":-0.5,"high":1.5}"#, [0x3f09f082, 0x3e95f8d3, 0xbeba2296, 0x3dae89f1], 0x6789d0d03916eea8),
    (r#"{"name":"truncated_normal","mean":0.0,"std":1.0,"low":20.0,"high":21.0}"#, [0x41a060d9, 0x41a04087, 0x41a007c5, 0x41a02a8e], 0x5f8b80e30d1d0a29),
    (r#"{"name":"variance_scaling","scale":0.5,"mode":"fan_out","distribution":"truncated_normal"}"#, [0x3d6140ad, 0xbc77b4fc, 0xbe884c02, 0xbda0b3b4], 0x46942a8ba904f423),
    (r#"{"name":"xavier_normal","gain":2.0}"#, [0xbe9c55c6, 0x3d376fc5, 0x3f25a544, 0xbeb5916d], 0x412f2aced4f35e51),
    (r#"{"name":"kaiming_uniform","mode":"fan_out","nonlinearity":{"kind":"leaky_relu","negative_slope":0.2}}"#, [0x3e0aea90, 0xbd1a8700, 0xbf03354e, 0xbe43b4be], 0xc12edb7d3a165853),
    (r#"{"name":"orthogonal","gain":0.5}"#, [0xbd81ef19, 0x3bcadb7a, 0x3e4835a1, 0xbcc6ed9d], 0x3b8b4e99d34d767b),
    (r#"{"name":"identity","gain":3.0}"#, [0x40400000, 0x00000000, 0x00000000, 0x00000000], 0x78bc1c947ae61b25),
    (r#"{"name":"dirac","groups":2}"#, [0x00000000, 0x00000000, 0x00000000, 0x00000000], 0x4676d9bfb5c5bce5),
    (r#"{"name":"sparse","sparsity":0.5,"std":0.1}"#, [0xbd8bd490, 0x3c241218, 0x3e14286c, 0x00000000], 0x638306a4f225c62d),
];

#[test]
fn host_values_are_pinned() {
    let print = std::env::var("PINS_PRINT").is_ok_and(|v| v == "1");
    let cases = cases();
    let mut failures = Vec::new();
    for (init, shape) in &cases {
        let w = init
            .host_vec(shape, Some(fans(shape)), HostRng::new(42))
            .unwrap();
        let json = serde_json::to_string(init).unwrap();
        let first: [u32; 4] = std::array::from_fn(|i| w[i].to_bits());
        let sum = checksum(&w);
        if print {
            let bits: Vec<String> = first.iter().map(|b| format!("{b:#010x}")).collect();
            println!("    (r#\"{json}\"#, [{}], {sum:#018x}),", bits.join(", "));
            continue;
        }
        match PINS.iter().find(|(j, _, _)| *j == json) {
            None => failures.push(format!("{json}: no pin")),
            Some((_, pinned, pinned_sum)) => {
                if first != *pinned || sum != *pinned_sum {
                    let now: Vec<f32> = w[..4].to_vec();
                    let was: Vec<f32> = pinned.iter().map(|&b| f32::from_bits(b)).collect();
                    failures.push(format!(
                        "{json}: {now:?} (checksum {sum:#x}), pinned {was:?} ({pinned_sum:#x})"
                    ));
                }
            }
        }
    }
    assert!(
        print || PINS.len() == cases.len(),
        "{} pins for {} cases",
        PINS.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "pinned host values changed:\n{}",
        failures.join("\n")
    );
}

/// The checksum sees a change in the last bit of any value.
#[test]
fn the_checksum_catches_one_ulp() {
    let w = Init::HeNormal
        .host_vec(
            &[24, 16],
            Some(Fans::linear(24, 16).unwrap()),
            HostRng::new(42),
        )
        .unwrap();
    let mut nudged = w.clone();
    nudged[200] = f32::from_bits(nudged[200].to_bits() + 1);
    assert_ne!(checksum(&w), checksum(&nudged));
}
