//! Signal propagation: diagnostics on hand-built weights, symmetry, LSUV, mean-field predictions
//! against a wide random network, and greedy layer-wise pretraining, on every device.

use burn::nn::LinearConfig;
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use burn_init::signal::{
    DiagnosticsConfig, Layered, LinearChain, LsuvConfig, PretrainConfig, Reconstruction, Stop,
    activation_stats, gradient_stats, lsuv, mean_field, pretrain_greedy, symmetry,
};
use burn_init::{Constant, Kaiming, Uniform, Xavier};
use burn_init::{Init, InitError, InitLayer, Nonlinearity, ParamInits, Source, TensorInitExt};
use burn_init_tests::{device_tests, sum as weight_sum, values};

/// `rows × cols` draws of `init` from the host stream of `seed`.
fn draw(init: Init, rows: usize, cols: usize, seed: u64, device: &Device) -> Tensor<2> {
    init.sample([rows, cols], None, seed, device).unwrap()
}

fn data(device: &Device, rows: usize, cols: usize, seed: u64) -> Tensor<2> {
    draw(Init::LargeRandom, rows, cols, seed, device)
}

/// A chain of `Linear` layers through `widths`, every weight from `init`, zero biases.
fn chain(
    widths: &[usize],
    activation: Nonlinearity,
    init: Init,
    source: impl Into<Source>,
    device: &Device,
) -> LinearChain {
    let inits = ParamInits::new(init).with_source(source);
    LinearChain::new(widths, activation, &inits, device).unwrap()
}

/// Diagnostics on hand-built weights equal hand-computed values.
fn diagnostics_match_hand_computation(device: &Device) {
    // 2 → 2 (tanh) → 1, every weight 0.5, biases 0: both hidden units see 0.5·(x1 + x2).
    let half = Init::Constant(Constant::new(0.5).unwrap());
    let model = chain(
        &[2, 2, 1],
        Nonlinearity::Tanh,
        half.clone(),
        Source::Device,
        device,
    );
    let x = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]), device);
    let stats = activation_stats(
        &model,
        x.clone(),
        &DiagnosticsConfig {
            bins: 4,
            range: Some((-1.0, 1.0)),
        },
    );
    let (a, b) = (1.5f64.tanh(), 3.5f64.tanh());
    let mean = (a + b) / 2.0;
    let std = ((a - mean).powi(2) / 2.0 + (b - mean).powi(2) / 2.0).sqrt();
    let s = &stats[0];
    assert!(
        (s.act_mean - mean).abs() < 1e-6 && (s.act_std - std).abs() < 1e-6,
        "{s:?}"
    );
    assert!((s.act_min - a).abs() < 1e-6 && (s.act_max - b).abs() < 1e-6);
    assert_eq!(
        s.saturated_fraction, 0.5,
        "pre-activation 3.5 > atanh(√0.9) ≈ 1.818 (tanh' < 10 %), 1.5 is not"
    );
    assert_eq!(s.dead_fraction, 0.0);
    assert_eq!(s.histogram.counts, vec![0, 0, 0, 4]);
    // ReLU with negative weights: every unit is dead.
    let minus_half = Init::Constant(Constant::new(-0.5).unwrap());
    let model = chain(
        &[2, 3, 1],
        Nonlinearity::Relu,
        minus_half,
        Source::Device,
        device,
    );
    let stats = activation_stats(&model, x.clone(), &DiagnosticsConfig::default());
    assert_eq!(stats[0].dead_fraction, 1.0);
    assert_eq!(stats[0].act_std, 0.0);
    // Gradient norms: loss = sum of outputs; d/dW1 of sum(0.5·tanh(0.5(x1+x2))·2 units) by hand.
    let ad = device.clone().autodiff();
    let model = chain(&[2, 2, 1], Nonlinearity::Tanh, half, Source::Device, &ad);
    let x = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]), &ad);
    let loss = model.forward(x).sum();
    let g = gradient_stats(&model, loss);
    // dL/dW1[i][j] = Σ_batch x_i · 0.5 · (1 − tanh²(pre)).
    let d = |p: f64| 0.5 * (1.0 - p.tanh().powi(2));
    let g_in = [1.0 * d(1.5) + 3.0 * d(3.5), 2.0 * d(1.5) + 4.0 * d(3.5)];
    let norm = (2.0 * (g_in[0].powi(2) + g_in[1].powi(2))).sqrt();
    assert!(
        (g[0].grad_norm - norm).abs() < 1e-5,
        "{} vs {norm}",
        g[0].grad_norm
    );
}

/// Symmetry: 1 distinct neuron under constant init, the width under random init.
fn symmetry_measure(device: &Device) {
    let tenth = Init::Constant(Constant::new(0.1).unwrap());
    let constant = chain(
        &[10, 8, 8, 3],
        Nonlinearity::Tanh,
        tenth.clone(),
        Source::Device,
        device,
    );
    for s in symmetry(&constant, 1e-6) {
        assert_eq!(s.distinct_neurons, 1);
        assert_eq!(s.max_pairwise_distance, 0.0);
    }
    let random = chain(
        &[10, 8, 8, 3],
        Nonlinearity::Tanh,
        Init::GlorotUniform,
        1,
        device,
    );
    for s in symmetry(&random, 1e-6) {
        assert_eq!(s.distinct_neurons, 8);
        assert!(s.max_pairwise_distance > 0.1);
    }
    // Per-layer initializers: only layer 1 is constant.
    let layer = |d_in, d_out, init: Init, seed: u64| {
        let inits = ParamInits::new(init).with_source(seed);
        LinearConfig::new(d_in, d_out)
            .init_layer(&inits, device)
            .unwrap()
    };
    let layers = vec![
        layer(10, 8, Init::GlorotUniform, 1),
        layer(8, 8, tenth, 2),
        layer(8, 3, Init::GlorotUniform, 3),
    ];
    let mixed = LinearChain::from_layers(layers, Nonlinearity::Tanh).unwrap();
    let s = symmetry(&mixed, 1e-6);
    assert_eq!((s[0].distinct_neurons, s[1].distinct_neurons), (8, 1));
    assert!(LinearChain::from_layers(vec![], Nonlinearity::Tanh).is_err());
}

/// After LSUV every layer's output variance on a fresh batch is within tol of the target.
fn lsuv_reaches_unit_variance(device: &Device) {
    for act in [
        Nonlinearity::Tanh,
        Nonlinearity::Relu,
        Nonlinearity::Sigmoid,
    ] {
        let widths = [100, 50, 50, 50, 50, 50, 10];
        let model = chain(&widths, act, Init::SmallRandom, 2, device);
        let config = LsuvConfig {
            source: Source::from(3),
            ..LsuvConfig::default()
        };
        let (model, report) = lsuv(model, data(device, 1000, 100, 4), &config, device).unwrap();
        assert_eq!(report.layers.len(), 5);
        let (traces, _) = model.forward_trace(data(device, 1000, 100, 5));
        for (i, t) in traces.into_iter().enumerate() {
            let v = values(t.pre);
            let n = v.len() as f64;
            let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
            let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
            assert!(
                (var - 1.0).abs() < config.tol,
                "{act:?} layer {i}: var {var}"
            );
        }
    }
    // Errors: empty batch, dead layer.
    let inits = ParamInits::new(Init::GlorotUniform);
    let model = LinearChain::new(&[4, 3, 2], Nonlinearity::Relu, &inits, device).unwrap();
    let empty = Tensor::<2>::zeros([0, 4], device);
    assert!(matches!(
        lsuv(model, empty, &LsuvConfig::default(), device),
        Err(InitError::Data(_))
    ));
    let dead = chain(
        &[4, 3, 3, 2],
        Nonlinearity::Relu,
        Init::Constant(Constant::new(-1.0).unwrap()),
        Source::Device,
        device,
    );
    // Positive inputs: layer 0's pre-activations vary but are all negative, so its ReLU outputs
    // are all 0 and layer 1's output variance is 0.
    let positive = draw(
        Init::Uniform(Uniform::new(0.5, 1.0).unwrap()),
        8,
        4,
        9,
        device,
    );
    let err = lsuv(
        dead,
        positive,
        &LsuvConfig {
            pre_init: None,
            ..LsuvConfig::default()
        },
        device,
    )
    .unwrap_err();
    assert_eq!(err, InitError::DeadLayer { layer: 1 });
}

/// Mean-field predictions agree with a wide (1000) random network within 10 % at 5 layers.
fn mean_field_matches_wide_network(device: &Device) {
    let width = 1000;
    for (act, init, sw2) in [
        (Nonlinearity::Identity, Init::LecunNormal, 1.0),
        (
            Nonlinearity::Tanh,
            Init::XavierNormal(Xavier::new(1.2).unwrap()),
            1.44 * 2.0 * width as f64 / (2.0 * width as f64),
        ),
        (
            Nonlinearity::Relu,
            Init::KaimingNormal(Kaiming::new(
                burn_init::FanMode::FanIn,
                burn_init::Nonlinearity::Relu,
            )),
            2.0,
        ),
    ] {
        // Mean field predicts the expectation over weights: average three independent networks
        // (a single width-1000 ReLU net fluctuates by ~10 % at depth 5).
        let predicted = mean_field(act, &[(sw2, 0.0); 5], 1.0).unwrap();
        let mut measured = [0.0f64; 5];
        let seeds = 3;
        for seed in 0..seeds {
            let model = chain(
                &[vec![width], vec![width; 5], vec![10]].concat(),
                act,
                init.clone(),
                11 + seed,
                device,
            );
            let (traces, _) = model.forward_trace(data(device, 256, width, 12 + seed));
            for (l, t) in traces.into_iter().enumerate() {
                let v = values(t.pre);
                measured[l] += v.iter().map(|&x| (x as f64).powi(2)).sum::<f64>()
                    / v.len() as f64
                    / seeds as f64;
            }
        }
        for (l, var) in measured.iter().enumerate() {
            let p = predicted[l].pre_variance;
            assert!(
                (var / p - 1.0).abs() < 0.10,
                "{act:?} layer {l}: measured {var} vs predicted {p}"
            );
        }
    }
}

/// Greedy pretraining lowers each layer's reconstruction loss and the model holds the trained
/// encoder weights.
fn pretraining_learns_and_installs(device: &Device) {
    let model = || {
        chain(
            &[20, 16, 12, 3],
            Nonlinearity::Sigmoid,
            Init::GlorotUniform,
            1,
            device,
        )
    };
    let before: Vec<f64> = (0..2)
        .map(|i| weight_sum(model().layer_weight(i)))
        .collect();
    // Inputs in [0, 1] with structure: 4 latent factors mixed into 20 features.
    let z = draw(
        Init::Uniform(Uniform::new(0.0, 1.0).unwrap()),
        512,
        4,
        2,
        device,
    );
    let mix = draw(
        Init::Uniform(Uniform::new(0.0, 0.5).unwrap()),
        4,
        20,
        3,
        device,
    );
    let x = z.matmul(mix).clamp(0.0, 1.0);
    let config = PretrainConfig {
        max_epochs: 8,
        min_epochs: 8,
        batch_size: 32,
        lr: 3e-3,
        seed: 7,
        ..PretrainConfig::default()
    };
    let (trained, report) = pretrain_greedy(model(), x.clone(), &config, device).unwrap();
    assert_eq!(report.layers.len(), 2);
    for (i, l) in report.layers.iter().enumerate() {
        assert_eq!(
            l.reconstruction,
            Reconstruction::CrossEntropy,
            "inputs in [0, 1]"
        );
        assert_eq!((l.epoch_losses.len(), l.fvu.len()), (8, 9));
        assert!(l.final_fvu() < 0.8 * l.fvu[0], "layer {i}: FVU {:?}", l.fvu);
        assert!(
            l.fvu[0] > 0.5,
            "starts near the mean's FVU of 1: {:?}",
            l.fvu
        );
        let held = weight_sum(trained.layer_weight(i));
        assert_ne!(
            held, before[i],
            "layer {i}: the model holds the trained encoder"
        );
    }
    // The same seed gives the same encoders.
    let (again, report2) = pretrain_greedy(model(), x, &config, device).unwrap();
    assert_eq!(report, report2);
    assert_eq!(
        weight_sum(again.layer_weight(1)),
        weight_sum(trained.layer_weight(1))
    );
    // Untied, denoising, on centred real inputs (squared error), with the plateau rule.
    let untied = PretrainConfig {
        tied: false,
        noise: 0.2,
        max_epochs: 40,
        plateau: 0.05,
        ..config
    };
    let tanh_chain = |widths: &[usize]| {
        chain(
            widths,
            Nonlinearity::Tanh,
            Init::GlorotUniform,
            Source::Device,
            device,
        )
    };
    let tanh = tanh_chain(&[20, 16, 3]);
    let x = Tensor::<2>::random([256, 20], Distribution::Normal(0.0, 1.0), device);
    let (_, r) = pretrain_greedy(tanh, x, &untied, device).unwrap();
    let l = &r.layers[0];
    assert_eq!(l.reconstruction, Reconstruction::SquaredError);
    assert_eq!(l.stop, Stop::Plateau, "{:?}", l.fvu);
    assert!(l.final_fvu() < l.fvu[0], "{:?}", l.fvu);
    // Invalid options are typed errors.
    let bad = PretrainConfig {
        plateau: 1.5,
        ..PretrainConfig::default()
    };
    let small = tanh_chain(&[4, 3, 2]);
    let e = pretrain_greedy(small, Tensor::<2>::zeros([8, 4], device), &bad, device)
        .unwrap_err()
        .to_string();
    assert!(e.contains("plateau") && e.contains("1.5"), "{e}");
}

device_tests!(
    diagnostics_match_hand_computation,
    symmetry_measure,
    lsuv_reaches_unit_variance,
    mean_field_matches_wide_network,
    pretraining_learns_and_installs,
);
