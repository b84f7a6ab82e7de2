//! Burn parity: a layer built by `init_layer` is built as `LinearConfig::init` builds Burn's own.
//! Both are lazy (nothing is sampled before first use), with the same shapes, device and
//! gradient flag, and both are sampled inside `device.memory_persistent_allocations`, so on a
//! cubecl device (wgpu here) they land in the same memory pool: the pool for long-lived
//! tensors, not the dynamic pools that temporaries share.
//!
//! Where a layer lands is observable only on a backend that reports its pools
//! (`Device::memory_pool_report`, the dynamic pools of a cubecl device). Burn's CPU backends
//! (flex, ndarray) report none (`None`) and run `memory_persistent_allocations`' closure as a plain
//! call; there the test checks what they can show (laziness, shapes, device, values on that
//! device). The pool check runs on wgpu where an adapter exists; without one it is skipped with
//! a note, as every wgpu test (`CI=true` makes a missing adapter a failure).
//!
//! A binary of its own, so that no other test's allocations share the device's pools while it
//! measures them.

use burn::module::Param;
use burn::nn::LinearConfig;
use burn::tensor::{Device, Tensor};
use burn_init::{Init, InitLayer, Kaiming, ParamInits};
use burn_init_tests::device_tests;

/// The pages the device's dynamic pools hold, in bytes (`None` where the backend reports none).
fn dynamic_bytes(device: &Device) -> Option<u64> {
    device
        .memory_pool_report()
        .map(|pools| pools.iter().map(|p| p.pages * p.page_size).sum())
}

/// Materializes a lazy parameter (and waits for the device), returning how much the dynamic
/// pools grew meanwhile.
fn growth<const D: usize>(param: &Param<Tensor<D>>, device: &Device) -> Option<u64> {
    let before = dynamic_bytes(device)?;
    let value = param.val();
    device.sync().ok();
    let after = dynamic_bytes(device)?;
    drop(value);
    Some(after.saturating_sub(before))
}

fn init_layer_lands_where_burn_does(device: &Device) {
    // 512 × 512 f32 = 1 MiB: larger than any temporary of the tests before it in this process.
    let (d_in, d_out) = (512, 512);
    // Burn's default for Linear is Kaiming uniform (gain 1/√3); ours is Kaiming uniform with
    // ReLU's gain: the same sampling on the device, another scale.
    let burn = LinearConfig::new(d_in, d_out).init(device);
    let inits = ParamInits::new(Init::KaimingUniform(Kaiming::default()));
    let ours = LinearConfig::new(d_in, d_out)
        .init_layer(&inits, device)
        .unwrap();
    // Lazy, as Burn's: nothing sampled yet, and the shape and device known without sampling.
    assert!(!burn.weight.is_initialized() && !ours.weight.is_initialized());
    assert_eq!(ours.weight.lazy_shape(), burn.weight.lazy_shape());
    assert_eq!(ours.weight.lazy_device(), burn.weight.lazy_device());
    let (ob, bb) = (ours.bias.as_ref().unwrap(), burn.bias.as_ref().unwrap());
    assert!(!ob.is_initialized() && !bb.is_initialized());
    assert_eq!(ob.lazy_shape(), bb.lazy_shape());

    // Where the parameters land: the dynamic pools grow (or not) alike for both layers.
    let pools = (growth(&burn.weight, device), growth(&ours.weight, device));
    if let (Some(burn_growth), Some(our_growth)) = pools {
        // A tensor made outside the persistent window, kept alive, for contrast: it is what the
        // dynamic pools serve.
        let before = dynamic_bytes(device).unwrap();
        let temporary = Tensor::<2>::zeros([d_in, d_out], device) + 1.0;
        device.sync().ok();
        let temporary_growth = dynamic_bytes(device).unwrap().saturating_sub(before);
        eprintln!(
            "dynamic pools grew by {burn_growth} B (Burn's weight), {our_growth} B (init_layer's), \
             {temporary_growth} B (a temporary of the same size)"
        );
        assert_eq!(
            our_growth, burn_growth,
            "init_layer's weight landed in other pools than Burn's"
        );
        drop(temporary);
    } else {
        eprintln!("note: this backend reports no memory pools; the pool check is skipped");
    }

    // Both weights are on the device and usable (same shape, finite values).
    let (w, v) = (ours.weight.val(), burn.weight.val());
    assert_eq!(w.device(), v.device());
    assert_eq!(w.dims(), v.dims());
    let values = w.into_data().try_to_vec::<f32>().unwrap();
    assert!(values.iter().all(|x| x.is_finite()));
}

device_tests!(init_layer_lands_where_burn_does);
