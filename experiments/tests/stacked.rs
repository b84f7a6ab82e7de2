//! Stacked training gives every run the numbers the single trainer gives it, and a run's
//! numbers do not depend on the size of its stack. On flex and wgpu (wgpu is skipped, with a
//! note, where this machine has no adapter; with `CI=true` a missing adapter fails).

use std::sync::Mutex;

use burn_init::Init;
use burn_init::Nonlinearity;
use experiments::data::{self, Dataset, SPLIT_SEED};
use experiments::device::{self, DeviceChoice, OpenDevice};
use experiments::progress::Progress;
use experiments::stacked::train_stack;
use experiments::strategy::InitStrategy;
use experiments::train::{
    EpochMetrics, OptimizerChoice, RunOutcome, RunSpec, TrainSettings, train_run,
};

/// A `#[test]` running `case` on flex and one running it on wgpu, named `$flex` and `$wgpu`.
macro_rules! on_flex_and_wgpu {
    ($case:ident => $flex:ident, $wgpu:ident) => {
        #[test]
        fn $flex() {
            $case(DeviceChoice::Flex);
        }

        #[test]
        fn $wgpu() {
            $case(DeviceChoice::Wgpu);
        }
    };
}

/// The synthetic set (100-d inputs, 10 classes), 1,200 training images of which 10 % validate,
/// 300 test images.
fn dataset() -> Dataset {
    data::synthetic(1200, 300)
        .with_validation(0.1, SPLIT_SEED)
        .expect("a valid fraction")
}

fn settings(optimizer: OptimizerChoice, lr: f64, epochs: usize) -> TrainSettings {
    TrainSettings {
        epochs,
        batch_size: 64,
        lr,
        optimizer,
        momentum: 0.9,
        target_accuracy: 0.5,
        diag_examples: 256,
    }
}

fn spec(id: &str, strategy: InitStrategy, lr: Option<f64>) -> RunSpec {
    RunSpec {
        id: id.into(),
        activation: Nonlinearity::Relu,
        strategy,
        depth: 3,
        width: 24,
        seed: 7,
        dropout: 0.0,
        lr,
        bias_init: Init::Zeros,
    }
}

/// Two initializations that train (Glorot, LSUV), one that blows up (large random), each at
/// the default learning rate and at 1e6 (diverges).
fn sgd_runs() -> Vec<RunSpec> {
    let mut v = Vec::new();
    for (name, strategy) in [
        ("glorot", InitStrategy::plain(Init::GlorotUniform)),
        ("lsuv", InitStrategy::Lsuv),
        ("large", InitStrategy::plain(Init::LargeRandom)),
    ] {
        v.push(spec(&format!("{name}-lr-default"), strategy.clone(), None));
        v.push(spec(&format!("{name}-lr-1e6"), strategy, Some(1e6)));
    }
    v
}

fn open(choice: DeviceChoice) -> Option<OpenDevice> {
    if choice == DeviceChoice::Wgpu && device::wgpu_adapters().is_empty() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but no wgpu adapter (install mesa-vulkan-drivers for lavapipe)"
        );
        eprintln!("note: no wgpu adapter on this machine; skipping the wgpu case");
        return None;
    }
    Some(device::open(choice).expect("the device opens"))
}

/// A device and the [`dataset`]: where every case trains.
struct Bench {
    dev: OpenDevice,
    data: Dataset,
}

impl Bench {
    /// `None` where `choice` has no adapter (see [`open`]).
    fn open(choice: DeviceChoice) -> Option<Self> {
        Some(Self {
            dev: open(choice)?,
            data: dataset(),
        })
    }

    /// `specs` trained one at a time.
    fn single(&self, specs: &[RunSpec], s: &TrainSettings) -> Vec<RunOutcome> {
        specs
            .iter()
            .map(|spec| {
                train_run(spec, s, &self.data, &self.dev, &mut Progress::lines_only())
                    .expect("the run trains")
            })
            .collect()
    }

    /// `specs` trained as one stack: the error if they are refused.
    fn try_stacked(
        &self,
        specs: &[&RunSpec],
        s: &TrainSettings,
    ) -> experiments::error::Result<Vec<RunOutcome>> {
        train_stack(
            specs,
            s,
            &self.data,
            &self.dev,
            &Mutex::new(()),
            &mut Progress::lines_only(),
        )
    }

    /// `specs` trained as one stack.
    fn stacked(&self, specs: &[RunSpec], s: &TrainSettings) -> Vec<RunOutcome> {
        let refs: Vec<&RunSpec> = specs.iter().collect();
        self.try_stacked(&refs, s).expect("the stack trains")
    }

    /// Trains `specs` with both engines and checks that they agree ([`compare`]); returns the
    /// single trainer's outcomes.
    fn engines_agree_on(&self, specs: &[RunSpec], s: &TrainSettings) -> Vec<RunOutcome> {
        let one = self.single(specs, s);
        compare(specs, &one, &self.stacked(specs, s), &self.data);
        one
    }
}

/// `a` and `b` within `rel` relative (with an absolute floor `abs`), or both absent.
fn close(what: &str, a: Option<f64>, b: Option<f64>, rel: f64, abs: f64) {
    match (a, b) {
        (None, None) => {}
        (Some(a), Some(b)) if a.is_nan() && b.is_nan() => {}
        (Some(a), Some(b)) => assert!(
            (a - b).abs() <= rel * a.abs().max(b.abs()) + abs,
            "{what}: {a} vs {b}"
        ),
        _ => panic!("{what}: {a:?} vs {b:?}"),
    }
}

/// One example's worth of accuracy, or exactly equal.
fn same_accuracy(what: &str, a: Option<f64>, b: Option<f64>, n: usize) {
    close(what, a, b, 0.0, 1.0 / n as f64 + 1e-12);
}

fn compare_epochs(id: &str, a: &EpochMetrics, b: &EpochMetrics, data: &Dataset) {
    let what = |m: &str| format!("{id} epoch {} {m}", a.epoch);
    assert_eq!(a.epoch, b.epoch);
    for (m, x, y) in [
        ("train loss", a.train_loss, b.train_loss),
        ("valid loss", a.valid_loss, b.valid_loss),
        ("test loss", a.test_loss, b.test_loss),
    ] {
        close(&what(m), x, y, 1e-5, 0.0);
    }
    same_accuracy(
        &what("train acc"),
        a.train_accuracy,
        b.train_accuracy,
        data.train.n,
    );
    same_accuracy(
        &what("valid acc"),
        a.valid_accuracy,
        b.valid_accuracy,
        data.valid.n,
    );
    same_accuracy(
        &what("test acc"),
        a.test_accuracy,
        b.test_accuracy,
        data.test.n,
    );
    same_accuracy(
        &what("valid top class"),
        a.valid_top_class_share,
        b.valid_top_class_share,
        data.valid.n,
    );
    same_accuracy(
        &what("test top class"),
        a.test_top_class_share,
        b.test_top_class_share,
        data.test.n,
    );
    assert_eq!(a.layers.len(), b.layers.len(), "{}", what("layers"));
    for (la, lb) in a.layers.iter().zip(&b.layers) {
        // The same statistics, by the same host function, from the same activations. The
        // gradient norm is a reduction on the device: bit for bit on flex; on wgpu the whole-
        // tensor sum and the per-model sum add in different orders (last bits differ).
        let w = |m: &str| what(&format!("layer {} {m}", la.layer));
        let same = |x: f64, y: f64| x == y || (x.is_nan() && y.is_nan());
        for (m, x, y) in [
            ("act_mean", la.act_mean, lb.act_mean),
            ("act_std", la.act_std, lb.act_std),
            ("saturated", la.saturated_fraction, lb.saturated_fraction),
            ("dead", la.dead_fraction, lb.dead_fraction),
        ] {
            assert!(same(x, y), "{}: {x} vs {y}", w(m));
        }
        close(
            &w("grad_norm"),
            Some(la.grad_norm),
            Some(lb.grad_norm),
            1e-5,
            0.0,
        );
        assert_eq!(
            la.distinct_neurons,
            lb.distinct_neurons,
            "{}",
            w("distinct")
        );
    }
}

/// The largest relative difference between the losses of `a` and `b` (for the log).
fn max_loss_difference(a: &[RunOutcome], b: &[RunOutcome]) -> f64 {
    let mut worst = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        for (ea, eb) in x.epochs.iter().zip(&y.epochs) {
            for (p, q) in [
                (ea.train_loss, eb.train_loss),
                (ea.valid_loss, eb.valid_loss),
                (ea.test_loss, eb.test_loss),
            ] {
                if let (Some(p), Some(q)) = (p, q) {
                    worst = worst.max((p - q).abs() / p.abs().max(q.abs()).max(1e-30));
                }
            }
        }
    }
    worst
}

fn compare(specs: &[RunSpec], a: &[RunOutcome], b: &[RunOutcome], data: &Dataset) {
    assert_eq!(a.len(), b.len());
    eprintln!(
        "largest relative loss difference between the engines: {:.3e}",
        max_loss_difference(a, b)
    );
    for ((spec, x), y) in specs.iter().zip(a).zip(b) {
        assert_eq!(
            (x.diverged, x.diverged_at),
            (y.diverged, y.diverged_at),
            "{}: divergence",
            spec.id
        );
        assert_eq!(x.epochs.len(), y.epochs.len(), "{}: epochs", spec.id);
        assert_eq!(x.train_samples, y.train_samples, "{}: samples", spec.id);
        assert_eq!(x.pretrain_losses, y.pretrain_losses, "{}", spec.id);
        for (ea, eb) in x.epochs.iter().zip(&y.epochs) {
            compare_epochs(&spec.id, ea, eb, data);
        }
    }
}

fn engines_agree(choice: DeviceChoice) {
    let Some(bench) = Bench::open(choice) else {
        return;
    };
    let specs = sgd_runs();
    let one = bench.engines_agree_on(&specs, &settings(OptimizerChoice::Sgd, 0.05, 3));
    let diverged = one.iter().filter(|o| o.diverged).count();
    assert!(
        diverged >= 1 && diverged < specs.len(),
        "the case needs runs that diverge and runs that do not: {diverged} of {} diverged",
        specs.len()
    );

    // tanh and sigmoid (evaluated once per step on the CPU devices, by Burn's autodiff on
    // wgpu), with a run whose pre-activations overflow (large random weights, lr 1e4).
    let s = settings(OptimizerChoice::Sgd, 0.05, 2);
    for activation in [Nonlinearity::Tanh, Nonlinearity::Sigmoid] {
        let specs: Vec<RunSpec> = [
            ("glorot", InitStrategy::plain(Init::GlorotUniform), None),
            ("small", InitStrategy::plain(Init::SmallRandom), Some(0.5)),
            ("large", InitStrategy::plain(Init::LargeRandom), Some(1e4)),
        ]
        .into_iter()
        .map(|(name, strategy, lr)| RunSpec {
            activation,
            ..spec(&format!("{}-{name}", activation.name()), strategy, lr)
        })
        .collect();
        bench.engines_agree_on(&specs, &s);
    }

    // Adam, one learning rate per model.
    let s = settings(OptimizerChoice::Adam, 1e-3, 2);
    let specs = vec![
        spec(
            "adam-glorot",
            InitStrategy::plain(Init::GlorotUniform),
            None,
        ),
        spec(
            "adam-he-3e-3",
            InitStrategy::plain(Init::HeNormal),
            Some(3e-3),
        ),
    ];
    bench.engines_agree_on(&specs, &s);
}

on_flex_and_wgpu!(engines_agree => stacked_matches_single_on_flex, stacked_matches_single_on_wgpu);

/// A run's numbers are the same whether it trains alone, in a stack of 2, or of 6 (bit for bit
/// on flex).
fn stack_size_does_not_matter(choice: DeviceChoice) {
    let Some(bench) = Bench::open(choice) else {
        return;
    };
    let s = settings(OptimizerChoice::Sgd, 0.05, 2);
    let specs = sgd_runs();
    let whole = bench.stacked(&specs, &s);
    let parts: Vec<RunOutcome> = specs
        .chunks(2)
        .flat_map(|chunk| bench.stacked(chunk, &s))
        .collect();
    let alone = bench.stacked(&specs[..1], &s);
    for (k, (w, p)) in whole.iter().zip(&parts).enumerate() {
        assert_eq!(w.epochs, p.epochs, "{}: stack of 6 vs 2", specs[k].id);
        assert_eq!(
            (w.diverged_at, w.train_samples),
            (p.diverged_at, p.train_samples)
        );
    }
    assert_eq!(whole[0].epochs, alone[0].epochs, "stack of 6 vs alone");
}

on_flex_and_wgpu!(
    stack_size_does_not_matter =>
    stacked_results_do_not_depend_on_the_stack_size,
    stacked_results_do_not_depend_on_the_stack_size_on_wgpu
);

/// Runs that do not share an architecture and seed are refused, not trained together.
#[test]
fn a_stack_needs_one_architecture_and_seed() {
    let Some(bench) = Bench::open(DeviceChoice::Flex) else {
        return;
    };
    let s = settings(OptimizerChoice::Sgd, 0.05, 1);
    let a = spec("a", InitStrategy::plain(Init::GlorotUniform), None);
    let b = RunSpec {
        seed: 8,
        ..spec("b", InitStrategy::plain(Init::GlorotUniform), None)
    };
    // The error of training `runs` as one stack.
    let refused = |runs: &[&RunSpec]| bench.try_stacked(runs, &s).unwrap_err().to_string();
    let e = refused(&[&a, &b]);
    assert!(e.contains("cannot share a stack"), "{e}");
    let bad_lr = spec("c", InitStrategy::plain(Init::GlorotUniform), Some(-1.0));
    let e = refused(&[&bad_lr]);
    assert!(e.contains("--lr") && e.contains("run c"), "{e}");
}
