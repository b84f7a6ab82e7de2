//! A user-defined initializer goes wherever a built-in one does: layer initialization, `reinit`
//! rules and LSUV's pre-initialization, through both sampling paths, on every device. (The
//! experiments' MLP config is tested in the experiments crate.)

use burn::module::Module;
use burn::nn::conv::Conv2dConfig;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::Device;
use burn_init::Normal;
use burn_init::signal::{Layered, LinearChain, LsuvConfig, lsuv};
use burn_init::{
    HostRng, Init, InitError, InitLayer, Nonlinearity, ParamInits, Role, Rule, Source, TensorInit,
    TensorSpec, reinit,
};
use burn_init_tests::{device_tests, values};

/// Rademacher weights: each `±1/√fan_in` with probability ½, the sign from the host generator's
/// word for the element. Variance `1/fan_in` (LeCun's), every magnitude the same. Weights only:
/// a 1-D tensor is refused.
#[derive(Debug, Clone)]
struct Rademacher;

impl TensorInit for Rademacher {
    fn name(&self) -> String {
        "rademacher".into()
    }

    fn check(&self, spec: TensorSpec) -> Result<(), InitError> {
        if spec.shape().len() < 2 {
            return Err(InitError::InvalidShape {
                initializer: self.name(),
                shape: spec.shape().to_vec(),
                reason: "needs a weight, not a vector".into(),
            });
        }
        spec.require_fans(self).map(|_| ())
    }

    fn fill_host(&self, spec: TensorSpec, rng: HostRng, out: &mut [f32]) -> Result<(), InitError> {
        self.check(spec)?;
        spec.check_buffer(self, out)?;
        let magnitude = 1.0 / (spec.require_fans(self)?.fan_in() as f32).sqrt();
        for (i, x) in out.iter_mut().enumerate() {
            *x = if rng.word(i as u64) >> 31 == 1 {
                magnitude
            } else {
                -magnitude
            };
        }
        Ok(())
    }
}

/// Every value is `±magnitude` and both signs occur.
fn assert_rademacher(w: &[f32], magnitude: f32, what: &str) {
    assert!(
        w.iter().all(|x| x.abs() == magnitude),
        "{what}: not all ±{magnitude}"
    );
    let positive = w.iter().filter(|&&x| x > 0.0).count();
    assert!(0 < positive && positive < w.len(), "{what}: one sign only");
}

fn custom_in_layers(device: &Device) {
    let init = Init::custom(Rademacher);
    for source in [Source::Device, Source::from(5)] {
        let inits = ParamInits::new(init.clone()).with_source(source);
        let linear = LinearConfig::new(16, 8).init_layer(&inits, device).unwrap();
        assert_rademacher(&values(linear.weight.val()), 0.25, "Linear weight");
        assert!(values(linear.bias.unwrap().val()).iter().all(|&b| b == 0.0));
        // Conv2d weight [c_out = 6, c_in = 4, 3, 3]: fan_in = 4·9 = 36.
        let conv = Conv2dConfig::new([4, 6], [3, 3])
            .init_layer(&inits, device)
            .unwrap();
        assert_rademacher(&values(conv.weight.val()), 1.0 / 6.0, "Conv2d weight");
    }
    // The host path is reproducible on every device.
    let inits = ParamInits::new(init.clone()).with_source(5);
    let a = LinearConfig::new(16, 8).init_layer(&inits, device).unwrap();
    let b = LinearConfig::new(16, 8).init_layer(&inits, device).unwrap();
    assert_eq!(values(a.weight.val()), values(b.weight.val()));
    // Its errors surface as for a built-in: it refuses a bias.
    let bad = ParamInits::new(Init::Zeros).with_bias(init);
    let err = LinearConfig::new(4, 3).init_layer(&bad, device);
    assert!(
        matches!(err, Err(InitError::InvalidShape { .. })),
        "{err:?}"
    );
}

fn custom_in_reinit_rules(device: &Device) {
    let layers: Vec<Linear> = [(8, 16), (16, 4)]
        .iter()
        .map(|&(a, b)| LinearConfig::new(a, b).init(device))
        .collect();
    let rules = [Rule::new(Init::custom(Rademacher)).role(Role::Weight)];
    let (layers, report) = reinit(layers, &rules, 11, device).unwrap();
    assert_eq!(report.entries.len(), 2);
    assert_eq!(report.entries[0].init, "rademacher");
    assert_rademacher(
        &values(layers[0].weight.val()),
        1.0 / 8f32.sqrt(),
        "layer 0",
    );
    assert_rademacher(&values(layers[1].weight.val()), 0.25, "layer 1");
    let (layers, _) = reinit(layers, &rules, Source::Device, device).unwrap();
    assert_rademacher(&values(layers[1].weight.val()), 0.25, "layer 1, device RNG");
    // It refuses the biases: a typed error naming the parameter, nothing changed.
    let all = [Rule::new(Init::custom(Rademacher))];
    let err = reinit(layers.clone(), &all, 11, device).unwrap_err();
    assert!(err.to_string().contains("0.bias"), "{err}");
    assert_eq!(layers.num_params(), 8 * 16 + 16 + 16 * 4 + 4);
}

fn custom_in_lsuv_pre_init(device: &Device) {
    let inits = ParamInits::new(Init::GlorotUniform).with_source(1);
    let model = LinearChain::new(&[20, 12, 12, 3], Nonlinearity::Tanh, &inits, device).unwrap();
    let batch = Init::Normal(Normal::new(0.0, 1.0).unwrap());
    let batch = burn_init::TensorInitExt::sample(&batch, [256, 20], None, 2, device).unwrap();
    let config = LsuvConfig {
        pre_init: Some(Init::custom(Rademacher)),
        source: Source::from(3),
        ..LsuvConfig::default()
    };
    let (model, report) = lsuv(model, batch, &config, device).unwrap();
    // LSUV only rescales the pre-initialized weights: each layer is still ±(one magnitude).
    for (layer, entry) in report.layers.iter().enumerate() {
        let w = values(model.layer_weight(layer));
        let fan_in = [20.0f64, 12.0][layer];
        let magnitude = (entry.scale / fan_in.sqrt()) as f32;
        let first = w[0].abs();
        assert!(
            (first - magnitude).abs() <= 1e-5 * magnitude,
            "layer {layer}: {first} vs {magnitude}"
        );
        assert_rademacher(&w, first, "LSUV pre-init");
    }
}

/// Identity, not structure: a custom initializer equals its clones only; it cannot be
/// serialized, and no name deserializes to it.
#[test]
fn custom_init_identity_and_serde() {
    let a = Init::custom(Rademacher);
    assert_eq!(a, a.clone());
    assert_ne!(a, Init::custom(Rademacher));
    assert_eq!(a.stable_name(), "rademacher");
    assert!(serde_json::to_string(&a).is_err());
    let rule = Rule::new(a);
    assert!(serde_json::to_string(&rule).is_err());
    assert!(Init::from_json(r#"{"name":"custom"}"#).is_err());
}

device_tests!(
    custom_in_layers,
    custom_in_reinit_rules,
    custom_in_lsuv_pre_init,
);
