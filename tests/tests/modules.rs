//! Module-level initialization: layers with their own weight and bias initializers, `reinit` by
//! rules on a nested model, and the structured initializers, on every device.

use burn::module::Module;
use burn::nn::conv::{Conv1dConfig, Conv2dConfig, ConvTranspose2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, EmbeddingConfig, Linear, LinearConfig, PaddingConfig1d,
    PaddingConfig2d,
};
use burn::tensor::{Device, Distribution, Tensor};
use burn_init::{
    Constant, DeltaOrthogonal, Dirac, Identity, Normal, Orthogonal, Sparse, Uniform, Xavier,
};
use burn_init::{
    Fans, HostRng, Init, InitError, InitLayer, ParamInits, Role, Rule, Source, TensorInit,
    TensorInitExt, TensorSpec, reinit,
};
use burn_init_tests::{Moments, device_tests, values};

fn check_moments(xs: &[f32], init: &Init, fans: Fans, what: &str) {
    let p = init.primitive(Some(fans)).expect("element-wise");
    Moments::of(xs)
        .matches(p.mean(), p.variance(), 5.0)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    if let burn_init::Primitive::Uniform(u) = p {
        let m = Moments::of(xs);
        assert!(
            m.min >= u.low() as f32 as f64 && m.max <= u.high() as f32 as f64,
            "{what}: bounds"
        );
    }
}

/// Weight and bias each get their own distribution, in Burn's own layer types.
fn layers_get_weight_and_bias_inits(device: &Device) {
    let w_init = Init::HeUniform;
    let b_init = Init::Uniform(Uniform::new(-0.1, 0.3).unwrap());
    let li = ParamInits::new(w_init.clone()).with_bias(b_init.clone());
    let linear = LinearConfig::new(1000, 500)
        .init_layer(&li, device)
        .unwrap();
    let fans = Fans::linear(1000, 500).unwrap();
    check_moments(&values(linear.weight.val()), &w_init, fans, "linear weight");
    check_moments(
        &values(linear.bias.as_ref().unwrap().val()),
        &b_init,
        fans,
        "linear bias",
    );

    let conv = Conv2dConfig::new([32, 64], [3, 3])
        .init_layer(&li, device)
        .unwrap();
    let dims = conv.weight.val().dims();
    assert_eq!(dims, [64, 32, 3, 3]);
    check_moments(
        &values(conv.weight.val()),
        &w_init,
        Fans::conv(&dims, 1).unwrap(),
        "conv2d weight",
    );
    check_moments(
        &values(conv.bias.as_ref().unwrap().val()),
        &b_init,
        fans,
        "conv2d bias",
    );

    let conv1 = Conv1dConfig::new(16, 32, 5)
        .with_bias(false)
        .init_layer(&li, device)
        .unwrap();
    assert!(conv1.bias.is_none());
    check_moments(
        &values(conv1.weight.val()),
        &w_init,
        Fans::conv(&[32, 16, 5], 1).unwrap(),
        "conv1d weight",
    );

    let convt = ConvTranspose2dConfig::new([64, 32], [3, 3])
        .init_layer(&li, device)
        .unwrap();
    let dims = convt.weight.val().dims();
    assert_eq!(dims, [64, 32, 3, 3]);
    check_moments(
        &values(convt.weight.val()),
        &w_init,
        Fans::conv_transpose(&dims, 1).unwrap(),
        "conv_transpose2d weight",
    );

    // Default bias: zeros (Keras/Flax).
    let zero_bias = LinearConfig::new(10, 7)
        .init_layer(&ParamInits::new(Init::GlorotNormal), device)
        .unwrap();
    assert!(
        values(zero_bias.bias.unwrap().val())
            .iter()
            .all(|&b| b == 0.0)
    );

    let emb = EmbeddingConfig::new(300, 64)
        .init_layer(
            &ParamInits::new(Init::Normal(Normal::new(0.0, 0.02).unwrap())),
            device,
        )
        .unwrap();
    assert_eq!(emb.weight.val().dims(), [300, 64]);

    // Bad input: an orthogonal bias is a typed error, not a panic.
    let bad = ParamInits::new(Init::GlorotUniform)
        .with_bias(Init::Orthogonal(Orthogonal::new(1.0).unwrap()));
    assert!(matches!(
        LinearConfig::new(4, 3).init_layer(&bad, device),
        Err(InitError::InvalidShape { .. })
    ));
    assert!(
        Conv2dConfig::new([3, 4], [3, 3])
            .with_groups(2)
            .init_layer(&li, device)
            .is_err()
    );
}

#[derive(Module, Debug)]
struct Encoder {
    layers: Vec<Linear>,
}

#[derive(Module, Debug)]
struct Net {
    encoder: Encoder,
    stages: Vec<Vec<Linear>>,
    head: Linear,
    norm: BatchNorm,
}

fn net(device: &Device) -> Net {
    let lin = |a, b| LinearConfig::new(a, b).init(device);
    Net {
        encoder: Encoder {
            layers: vec![lin(8, 16), lin(16, 16)],
        },
        stages: vec![vec![lin(16, 12), lin(12, 12)], vec![lin(12, 10)]],
        head: LinearConfig::new(10, 4).with_bias(false).init(device),
        norm: BatchNormConfig::new(4).init(device),
    }
}

/// Every float parameter's path and values.
fn snapshot(net: &Net) -> Vec<(String, Vec<f32>)> {
    struct V(Vec<String>, Vec<(String, Vec<f32>)>);
    impl burn::module::ModuleVisitor for V {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.push(name.into());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.pop();
        }
        fn visit_float<const D: usize>(&mut self, p: &burn::module::Param<Tensor<D>>) {
            self.1.push((self.0.join("."), values(p.val())));
        }
    }
    let mut v = V(vec![], vec![]);
    net.visit(&mut v);
    v.1
}

/// `reinit` touches exactly what its rules name (first match wins), leaves the rest
/// bit-identical (BatchNorm running stats included), handles nested Vecs and a missing bias,
/// and reports what it did.
fn reinit_touches_exactly_the_named_params(device: &Device) {
    let before = net(device);
    let snap_before = snapshot(&before);
    let rules = [
        Rule::new(Init::Orthogonal(Orthogonal::new(1.0).unwrap())).path("encoder.layers.*.weight"),
        Rule::new(Init::Constant(Constant::new(0.25).unwrap()))
            .path("stages.**")
            .role(Role::Bias),
        Rule::new(Init::Ones)
            .layer("Linear")
            .path("stages.1.*.weight"),
    ];
    let (after, report) = reinit(before, &rules, Source::Device, device).unwrap();
    let snap_after = snapshot(&after);
    let touched: Vec<&str> = report.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        touched,
        [
            "encoder.layers.0.weight",
            "encoder.layers.1.weight",
            "stages.0.0.bias",
            "stages.0.1.bias",
            "stages.1.0.weight",
            "stages.1.0.bias"
        ]
    );
    for ((path, a), (path2, b)) in snap_before.iter().zip(&snap_after) {
        assert_eq!(path, path2);
        if touched.contains(&path.as_str()) {
            assert_ne!(a, b, "{path} should change");
        } else {
            assert_eq!(a, b, "{path} must stay bit-identical");
        }
    }
    let get = |p: &str| snap_after.iter().find(|(q, _)| q == p).unwrap().1.clone();
    assert!(get("stages.1.0.weight").iter().all(|&x| x == 1.0));
    assert!(get("stages.0.1.bias").iter().all(|&x| x == 0.25));
    // Fans come from the layer: encoder.layers.0 is Linear 8 → 16.
    assert_eq!(report.entries[0].fans, Some(Fans::new(8, 16).unwrap()));
    assert_eq!(report.entries[0].layer, "Linear");
    assert!(
        (report.entries[0].std - (1.0f64 / 16.0).sqrt()).abs() < 0.05,
        "orthogonal 8×16 has std ≈ 1/4"
    );
    assert!(report.untouched.contains(&"norm.running_mean".to_string()));
    // A bias rule on the head (no bias) matches nothing there, but the rule matched elsewhere.

    // Buffers are only touched when a path names them.
    let (n2, r2) = reinit(
        net(device),
        &[Rule::new(Init::Zeros)],
        Source::Device,
        device,
    )
    .unwrap();
    assert!(
        !r2.entries
            .iter()
            .any(|e| e.path.starts_with("norm.running"))
    );
    let (_, r3) = reinit(
        n2,
        &[Rule::new(Init::Ones).path("norm.running_var")],
        Source::Device,
        device,
    )
    .unwrap();
    assert_eq!(r3.entries.len(), 1);

    // Errors: a typo matches nothing; orthogonal on a 1-D bias; nothing changes.
    let err = reinit(
        net(device),
        &[Rule::new(Init::Zeros).path("encoder.layer.*.weight")],
        Source::Device,
        device,
    )
    .unwrap_err();
    assert!(
        matches!(err, InitError::RuleMatchedNothing { index: 0, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("encoder.layers.0.weight"),
        "lists the real paths: {err}"
    );
    let err = reinit(
        net(device),
        &[Rule::new(Init::Orthogonal(Orthogonal::new(1.0).unwrap())).layer("Linear")],
        Source::Device,
        device,
    )
    .unwrap_err();
    assert!(matches!(err, InitError::InvalidShape { .. }), "{err}");
    assert!(err.to_string().contains("encoder.layers.0.bias"), "{err}");

    // Host source: bit-identical on every device.
    let (a, _) = reinit(
        net(device),
        &[Rule::new(Init::HeNormal).role(Role::Weight).layer("Linear")],
        3, // the host stream of seed 3
        device,
    )
    .unwrap();
    let w = values(a.encoder.layers[1].weight.val());
    let expected = burn_init::Init::HeNormal
        .host_vec(
            &[16, 16],
            Some(Fans::linear(16, 16).unwrap()),
            HostRng::new(3).derive(2),
        )
        .unwrap();
    assert_eq!(w, expected);
}

/// The deviation of `W/g` from orthonormal rows or columns (whichever are fewer):
/// `(max |D|, ‖D‖_F)` for `D = WᵀW/g² − I` (tall) or `WWᵀ/g² − I` (wide).
fn gram_deviation(w: &[f32], rows: usize, cols: usize, gain: f64) -> (f64, f64) {
    let columns = rows >= cols;
    let (n, len) = if columns { (cols, rows) } else { (rows, cols) };
    let at = |v: usize, k: usize| {
        if columns {
            w[k * cols + v] as f64
        } else {
            w[v * cols + k] as f64
        }
    };
    let (mut max, mut sum) = (0f64, 0.0);
    for a in 0..n {
        for b in 0..n {
            let dot: f64 = (0..len).map(|k| at(a, k) * at(b, k)).sum::<f64>() / (gain * gain);
            let d = (dot - f64::from(a == b)).abs();
            max = max.max(d);
            sum += d * d;
        }
    }
    (max, sum.sqrt())
}

/// `‖WᵀW/g² − I‖_F`.
fn gram_error(w: &[f32], rows: usize, cols: usize, gain: f64) -> f64 {
    gram_deviation(w, rows, cols, gain).1
}

/// The host QR is orthogonal to within `1e-5` in every entry, tall, wide and square, up to
/// 100 × 70 (several panels of the blocked factorization).
#[test]
fn host_orthogonal_tall_wide_square() {
    let o = Init::Orthogonal(Orthogonal::new(1.0).unwrap());
    for (r, c) in [(7, 3), (3, 7), (5, 5), (100, 70), (70, 100), (96, 96)] {
        let w = o.host_vec(&[r, c], None, HostRng::new(9)).unwrap();
        let (max, _) = gram_deviation(&w, r, c, 1.0);
        assert!(max < 1e-5, "{r}x{c}: {max}");
    }
}

/// ‖WᵀW − g²I‖ (relative to g²) < 1e-4 for tall, wide and conv shapes, on both paths.
fn orthogonal_is_orthogonal(device: &Device) {
    let o = Init::Orthogonal(Orthogonal::new(2.0).unwrap());
    for source in [Source::Device, Source::Host(HostRng::new(4))] {
        let tall = values(o.sample([64, 16], None, source, device).unwrap());
        assert!(
            gram_error(&tall, 64, 16, 2.0) < 1e-4,
            "tall {source:?}: {}",
            gram_error(&tall, 64, 16, 2.0)
        );
        let wide = values(o.sample([16, 64], None, source, device).unwrap());
        assert!(gram_error(&wide, 16, 64, 2.0) < 1e-4, "wide {source:?}");
        let conv = values(o.sample([16, 4, 3, 3], None, source, device).unwrap());
        assert!(gram_error(&conv, 16, 36, 2.0) < 1e-4, "conv {source:?}");
        let square = values(o.sample([32, 32], None, source, device).unwrap());
        assert!(gram_error(&square, 32, 32, 2.0) < 1e-4, "square {source:?}");
    }
}

/// Identity and Dirac initializations make the layer the identity map on random inputs.
fn identity_and_dirac_are_identity_maps(device: &Device) {
    let x = Tensor::<2>::random([5, 12], Distribution::Normal(0.0, 1.0), device);
    let lin = LinearConfig::new(12, 12)
        .init_layer(
            &ParamInits::new(Init::Identity(Identity::new(1.0).unwrap())),
            device,
        )
        .unwrap();
    assert_eq!(values(lin.forward(x.clone())), values(x));

    let x = Tensor::<3>::random([2, 6, 9], Distribution::Normal(0.0, 1.0), device);
    let conv = Conv1dConfig::new(6, 6, 3)
        .with_padding(PaddingConfig1d::Same)
        .init_layer(
            &ParamInits::new(Init::Dirac(Dirac::new(1).unwrap())),
            device,
        )
        .unwrap();
    let y = values(conv.forward(x.clone()));
    let xv = values(x);
    assert!(y.iter().zip(&xv).all(|(a, b)| (a - b).abs() < 1e-6));

    let x = Tensor::<4>::random([2, 4, 5, 5], Distribution::Normal(0.0, 1.0), device);
    let conv = Conv2dConfig::new([4, 8], [3, 3])
        .with_groups(2)
        .with_padding(PaddingConfig2d::Same)
        .init_layer(
            &ParamInits::new(Init::Dirac(Dirac::new(2).unwrap())),
            device,
        )
        .unwrap();
    let y = values(conv.forward(x.clone()));
    let xv = values(x);
    // groups = 2: output channels 0,1 copy input 0,1; 4,5 copy input 2,3; others zero.
    let plane = 25;
    for b in 0..2 {
        for (oc, ic) in [
            (0, Some(0)),
            (1, Some(1)),
            (2, None),
            (3, None),
            (4, Some(2)),
            (5, Some(3)),
            (6, None),
            (7, None),
        ] {
            for k in 0..plane {
                let got = y[(b * 8 + oc) * plane + k];
                let want = ic.map_or(0.0, |ic| xv[(b * 4 + ic) * plane + k]);
                assert!((got - want).abs() < 1e-6, "b{b} oc{oc}");
            }
        }
    }
}

/// The deterministic structured initializers give the same tensor on the device path (built
/// from device ops, nothing uploaded) as on the host path.
fn structured_device_path_equals_host_path(device: &Device) {
    let cases: [(Init, &[usize]); 6] = [
        (Init::Identity(Identity::new(2.0).unwrap()), &[3, 5]),
        (Init::Identity(Identity::new(1.0).unwrap()), &[5, 3]),
        (Init::Dirac(Dirac::new(1).unwrap()), &[6, 3, 3]),
        (Init::Dirac(Dirac::new(2).unwrap()), &[8, 4, 3, 3]),
        (Init::Dirac(Dirac::new(3).unwrap()), &[6, 5, 1, 3, 3]),
        (Init::Dirac(Dirac::new(1).unwrap()), &[2, 5, 4]),
    ];
    for (init, shape) in cases {
        let host = init.host_vec(shape, None, HostRng::new(0)).unwrap();
        let dev = values(
            init.sample_device(TensorSpec::new(shape, None), device)
                .unwrap(),
        );
        assert_eq!(dev, host, "{} {shape:?}", init.stable_name());
    }
}

/// Delta-orthogonal: the centre tap is orthogonal, the other taps are zero.
fn delta_orthogonal_structure(device: &Device) {
    for source in [Source::Device, Source::Host(HostRng::new(8))] {
        let w = values(
            Init::DeltaOrthogonal(DeltaOrthogonal::new(1.0).unwrap())
                .sample([12, 8, 3, 3], None, source, device)
                .unwrap(),
        );
        let mut centre = vec![0f32; 12 * 8];
        for o in 0..12 {
            for i in 0..8 {
                for t in 0..9 {
                    let v = w[(o * 8 + i) * 9 + t];
                    if t == 4 {
                        centre[o * 8 + i] = v;
                    } else {
                        assert_eq!(v, 0.0, "off-centre tap must be zero");
                    }
                }
            }
        }
        assert!(gram_error(&centre, 12, 8, 1.0) < 1e-4, "{source:?}");
    }
}

/// Sparse: exactly ceil(s·rows) zeros in every column, on both paths.
fn sparse_zeros_per_column(device: &Device) {
    let (rows, cols) = (50, 40);
    for source in [Source::Device, Source::Host(HostRng::new(6))] {
        let w = values(
            Init::Sparse(Sparse::new(0.3, 0.01).unwrap())
                .sample([rows, cols], None, source, device)
                .unwrap(),
        );
        for j in 0..cols {
            let zeros = (0..rows).filter(|&i| w[i * cols + j] == 0.0).count();
            assert_eq!(zeros, 15, "column {j}");
        }
    }
}

/// Burn bugs we work around, pinned so we notice when Burn fixes them.
fn burn_bugs_we_avoid(device: &Device) {
    use burn::nn::Initializer as B;
    let d = device.clone();
    let orthogonal_bias = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        B::Orthogonal { gain: 1.0 }.init::<1, _>([5], &d).val()
    }));
    assert!(
        orthogonal_bias.is_err(),
        "Burn's Orthogonal panics on a 1-D bias"
    );
    let d = device.clone();
    let xavier_convt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        ConvTranspose2dConfig::new([2, 3], [3, 3])
            .with_initializer(B::XavierUniform { gain: 1.0 })
            .init(&d)
            .weight
            .val()
    }));
    assert!(
        xavier_convt.is_err(),
        "Burn defines no fan_out for transposed convolutions"
    );
    // Ours: both work.
    let li = ParamInits::new(Init::XavierUniform(Xavier::new(1.0).unwrap()))
        .with_bias(Init::XavierUniform(Xavier::new(1.0).unwrap()));
    ConvTranspose2dConfig::new([2, 3], [3, 3])
        .init_layer(&li, device)
        .unwrap()
        .weight
        .val();
    Conv1dConfig::new(2, 3, 3)
        .init_layer(&li, device)
        .unwrap()
        .bias
        .unwrap()
        .val();
}

device_tests!(
    layers_get_weight_and_bias_inits,
    reinit_touches_exactly_the_named_params,
    orthogonal_is_orthogonal,
    identity_and_dirac_are_identity_maps,
    structured_device_path_equals_host_path,
    delta_orthogonal_structure,
    sparse_zeros_per_column,
    burn_bugs_we_avoid,
);
