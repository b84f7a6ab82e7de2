//! The open [`TensorInit`] trait, the sampling [`Source`], and the entry points every
//! initializer gets ([`TensorInitExt`]).

use std::fmt;

use burn::module::{Param, ParamId};
use burn::tensor::{Device, Shape, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::distribution::Primitive;
use crate::error::{InitError, Result, element_count_for};
use crate::host::mem::zeroed_f32;
use crate::host::{HostRng, device_seed};
use crate::scale::Fans;

/// Where random numbers come from.
///
/// Every entry point takes `impl Into<Source>`: [`Source::Device`] for the device's own RNG, or a
/// `u64` seed (or a [`HostRng`]) for the portable host stream. Several parameters drawn from one
/// source each take their own stream, [`Source::stream`]`(k)`.
///
/// ```
/// use burn_init::{HostRng, Source};
/// assert_eq!(Source::from(42), Source::Host(HostRng::new(42)));
/// assert_eq!(Source::from(42).stream(3), Source::Host(HostRng::new(42).derive(3)));
/// assert_eq!(Source::Device.stream(3), Source::Device);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// The device's own RNG (`device.seed(…)` seeds it). Fast, nothing crosses to the host,
    /// but the numbers differ between backends.
    #[default]
    Device,
    /// The host Philox generator, uploaded: bit-identical weights on every device.
    Host(HostRng),
}

impl Source {
    /// Stream `k` of this source, for the `k`-th of several parameters drawn from it: the host
    /// stream [`HostRng::derive`]`(k)`, or the device RNG itself (which advances on its own).
    /// The one rule by which layers, [`reinit`](crate::reinit) and LSUV give each parameter its
    /// own stream.
    pub fn stream(self, k: u64) -> Self {
        match self {
            Self::Device => Self::Device,
            Self::Host(rng) => Self::Host(rng.derive(k)),
        }
    }
}

impl From<u64> for Source {
    /// The portable host stream of `seed` (stream 0).
    fn from(seed: u64) -> Self {
        Self::Host(HostRng::new(seed))
    }
}

impl From<HostRng> for Source {
    fn from(rng: HostRng) -> Self {
        Self::Host(rng)
    }
}

/// The tensor an initializer is asked to fill: its shape (row-major, in Burn's layout) and, for a
/// weight, its [`Fans`]. What every method of [`TensorInit`] receives.
///
/// ```
/// use burn_init::{Fans, TensorSpec};
/// let spec = TensorSpec::new(&[784, 256], Some(Fans::linear(784, 256)?));
/// assert_eq!(spec.shape(), &[784, 256]);
/// assert_eq!(spec.fans().map(|f| f.fan_in()), Some(784));
/// # Ok::<(), burn_init::InitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TensorSpec<'a> {
    shape: &'a [usize],
    fans: Option<Fans>,
}

impl<'a> TensorSpec<'a> {
    /// A tensor of `shape` with `fans` (`None` for a bias or any tensor without fans).
    pub const fn new(shape: &'a [usize], fans: Option<Fans>) -> Self {
        Self { shape, fans }
    }

    /// The shape.
    pub const fn shape(&self) -> &'a [usize] {
        self.shape
    }

    /// The fans, when the tensor has them.
    pub const fn fans(&self) -> Option<Fans> {
        self.fans
    }

    /// The fans, for an initializer that needs them.
    ///
    /// # Errors
    /// [`InitError::MissingFans`](crate::InitError::MissingFans) naming `init`, when there are
    /// none.
    pub fn require_fans(&self, init: &(impl TensorInit + ?Sized)) -> Result<Fans> {
        self.fans.ok_or_else(|| InitError::MissingFans {
            initializer: init.name(),
        })
    }

    /// The number of elements.
    ///
    /// # Errors
    /// [`InitError::TooLarge`](crate::InitError::TooLarge) naming `init`, when the count
    /// overflows or exceeds `isize::MAX` bytes of `f32`.
    pub fn element_count(&self, init: &(impl TensorInit + ?Sized)) -> Result<usize> {
        element_count_for(|| init.name(), self.shape)
    }

    /// Checks that `out` holds exactly this tensor's elements.
    ///
    /// # Errors
    /// Those of [`TensorSpec::element_count`], and
    /// [`InitError::InvalidShape`](crate::InitError::InvalidShape) naming `init` for a buffer of
    /// another length.
    pub fn check_buffer(&self, init: &(impl TensorInit + ?Sized), out: &[f32]) -> Result<()> {
        let n = self.element_count(init)?;
        if out.len() == n {
            return Ok(());
        }
        Err(InitError::InvalidShape {
            initializer: init.name(),
            shape: self.shape.to_vec(),
            reason: format!("the buffer holds {} values for {n} elements", out.len()),
        })
    }
}

/// How a tensor is to be filled: implement this for your own initializer.
///
/// Only [`TensorInit::check`] and [`TensorInit::fill_host`] are required; the device path
/// defaults to a host fill keyed by a seed drawn from the device RNG. Every method receives the
/// tensor as a [`TensorSpec`]. The crate's entry points ([`TensorInitExt`]) check the shape's
/// size and call `check` before sampling; `fill_host` is public all the same, so it returns an
/// error, never panics, for what it cannot fill.
///
/// ```
/// use burn_init::{Fans, HostRng, InitError, TensorInit, TensorInitExt, TensorSpec};
///
/// /// Every weight equals 1/fan_in.
/// #[derive(Debug, Clone)]
/// struct Average;
///
/// impl TensorInit for Average {
///     fn name(&self) -> String { "average".into() }
///     fn check(&self, spec: TensorSpec) -> Result<(), InitError> {
///         spec.require_fans(self).map(|_| ())
///     }
///     fn fill_host(&self, spec: TensorSpec, _: HostRng, out: &mut [f32]) -> Result<(), InitError> {
///         out.fill(1.0 / spec.require_fans(self)?.fan_in() as f32);
///         Ok(())
///     }
/// }
///
/// let w = Average.host_vec(&[4, 2], Some(Fans::linear(4, 2)?), HostRng::new(0))?;
/// assert!(w.iter().all(|&x| x == 0.25));
/// # Ok::<(), InitError>(())
/// ```
pub trait TensorInit: fmt::Debug + Send + Sync {
    /// A short name for reports (`he_normal`, `orthogonal(gain=1)`, …).
    fn name(&self) -> String;

    /// Validates this initializer for the tensor `spec`.
    ///
    /// # Errors
    /// Whatever makes the combination unusable: missing or zero fans, a shape the initializer
    /// cannot fill.
    fn check(&self, spec: TensorSpec<'_>) -> Result<()>;

    /// Fills `out` (row-major, the shape's element count) from the host generator.
    ///
    /// # Errors
    /// Those of [`TensorInit::check`], a buffer whose length is not the shape's element count
    /// ([`TensorSpec::check_buffer`]), or a failed allocation of scratch memory.
    fn fill_host(&self, spec: TensorSpec<'_>, rng: HostRng, out: &mut [f32]) -> Result<()>;

    /// Samples a flat tensor on `device` with the device RNG.
    ///
    /// # Errors
    /// Those of [`TensorInit::fill_host`], for the default implementation.
    fn sample_device(&self, spec: TensorSpec<'_>, device: &Device) -> Result<Tensor<1>> {
        host_fill_for_device(self, spec, device)
    }

    /// The element-wise distribution, when the initializer is one (used for reports and tests).
    fn primitive(&self, _fans: Option<Fans>) -> Option<Primitive> {
        None
    }
}

/// Sampling entry points, for every [`TensorInit`].
pub trait TensorInitExt: TensorInit {
    /// A tensor of `shape` on `device`, from `source`: [`Source::Device`] for the device RNG, a
    /// `u64` seed or a [`HostRng`] for the host stream (bit-identical on every device).
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use burn_init::{Fans, Init, Source, TensorInitExt};
    /// let device = Device::flex();
    /// let fans = Fans::linear(784, 256)?;
    /// let fast = Init::HeNormal.sample([784, 256], fans, Source::Device, &device)?;
    /// let portable = Init::HeNormal.sample([784, 256], fans, 42, &device)?;
    /// assert_eq!(fast.dims(), portable.dims());
    /// # Ok::<(), burn_init::InitError>(())
    /// ```
    ///
    /// # Errors
    /// [`InitError::TooLarge`](crate::InitError::TooLarge) for a shape whose element count
    /// overflows or exceeds `isize::MAX` bytes of `f32`; those of [`TensorInit::check`]; and,
    /// on the host path, [`InitError::Allocation`](crate::InitError::Allocation) when the buffer
    /// cannot be allocated. (On the device path the backend allocates; a device without the
    /// memory is its backend's to report.)
    fn sample<const D: usize>(
        &self,
        shape: [usize; D],
        fans: impl Into<Option<Fans>>,
        source: impl Into<Source>,
        device: &Device,
    ) -> Result<Tensor<D>> {
        let spec = TensorSpec::new(&shape, fans.into());
        checked(self, spec)?;
        Ok(sample_flat(self, spec, source.into(), device)?.reshape(shape))
    }

    /// The host fill as a vector, without any device: what [`TensorInitExt::sample`] gives from
    /// a seed, before the upload.
    ///
    /// The arguments follow [`TensorInitExt::sample`]'s (fans `impl Into<Option<Fans>>`, the
    /// random stream `impl Into<HostRng>`: a `u64` seed or a [`HostRng`]), except the shape: a
    /// slice, since a flat vector has no rank to fix (`sample` takes `[usize; D]` because it
    /// returns a `Tensor<D>`). No [`Source::Device`]: there is no device here.
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use burn_init::{Fans, Init, TensorInitExt};
    /// let fans = Fans::linear(6, 4)?;
    /// let host = Init::HeNormal.host_vec(&[6, 4], fans, 7)?;
    /// let tensor = Init::HeNormal.sample([6, 4], fans, 7, &Device::flex())?;
    /// assert_eq!(tensor.into_data().try_to_vec::<f32>().unwrap(), host);
    /// # Ok::<(), burn_init::InitError>(())
    /// ```
    ///
    /// # Errors
    /// As [`TensorInitExt::sample`] on the host path.
    fn host_vec(
        &self,
        shape: &[usize],
        fans: impl Into<Option<Fans>>,
        rng: impl Into<HostRng>,
    ) -> Result<Vec<f32>> {
        let spec = TensorSpec::new(shape, fans.into());
        let mut out = zeroed_f32(checked(self, spec)?)?;
        self.fill_host(spec, rng.into(), &mut out)?;
        Ok(out)
    }

    /// A lazily initialized Burn parameter (as Burn's own layers create them): validated now,
    /// sampled on first use (`.val()`), on the device the parameter then lives on, inside
    /// `device.memory_persistent_allocations` as Burn's `Initializer::init_with` samples its own:
    /// on a cubecl device (wgpu, CUDA, …) the weights go to the pool for long-lived tensors, as
    /// those of a layer built by Burn (on the CPU backends the call only runs the closure).
    ///
    /// # Errors
    /// Those of [`TensorInit::check`], and [`InitError::TooLarge`](crate::InitError::TooLarge)
    /// as for [`TensorInitExt::sample`].
    ///
    /// # Panics
    /// The first use of the parameter panics, with the error, if sampling fails then although
    /// `check` passed now: only when memory runs out at that moment, or for a custom
    /// initializer whose `fill_host` refuses what its `check` accepted. (Burn's lazy
    /// parameters cannot return an error.)
    fn param<const D: usize>(
        &self,
        shape: [usize; D],
        fans: impl Into<Option<Fans>>,
        source: impl Into<Source>,
        device: &Device,
    ) -> Result<Param<Tensor<D>>>
    where
        Self: Clone + Sized + 'static,
    {
        let fans = fans.into();
        checked(self, TensorSpec::new(&shape, fans))?;
        let (init, source) = (self.clone(), source.into());
        Ok(Param::uninitialized(
            ParamId::new(),
            move |device, require_grad| {
                device.memory_persistent_allocations((), |_| {
                    let spec = TensorSpec::new(&shape, fans);
                    let t = match sample_flat(&init, spec, source, device) {
                        Ok(t) => t.reshape(shape),
                        Err(e) => panic!("sampling parameter {shape:?} with {}: {e}", init.name()),
                    };
                    if require_grad { t.require_grad() } else { t }
                })
            },
            device.clone(),
            true,
            Shape::from(shape),
        ))
    }
}

impl<I: TensorInit + ?Sized> TensorInitExt for I {}

/// What every entry point checks before it samples: the shape's size, then `init`'s own
/// [`TensorInit::check`]. Returns the element count.
fn checked<I: TensorInit + ?Sized>(init: &I, spec: TensorSpec<'_>) -> Result<usize> {
    let n = spec.element_count(init)?;
    init.check(spec)?;
    Ok(n)
}

/// Samples a flat tensor of `spec`'s shape from `source`.
pub(crate) fn sample_flat<I: TensorInit + ?Sized>(
    init: &I,
    spec: TensorSpec<'_>,
    source: Source,
    device: &Device,
) -> Result<Tensor<1>> {
    match source {
        Source::Device => init.sample_device(spec, device),
        Source::Host(rng) => host_tensor(init, spec, rng, device),
    }
}

/// The host fill of `init` from `rng`, uploaded to `device`.
fn host_tensor<I: TensorInit + ?Sized>(
    init: &I,
    spec: TensorSpec<'_>,
    rng: HostRng,
    device: &Device,
) -> Result<Tensor<1>> {
    let n = spec.element_count(init)?;
    let mut out = zeroed_f32(n)?;
    init.fill_host(spec, rng, &mut out)?;
    Ok(Tensor::from_data(TensorData::new(out, [n]), device))
}

/// The host fill of `init` keyed by a 64-bit seed drawn from the device RNG, uploaded to
/// `device`: the device path of initializers without a device sampler, and of every initializer
/// on devices that keep tensors in host memory (there it is the fastest route).
pub(crate) fn host_fill_for_device<I: TensorInit + ?Sized>(
    init: &I,
    spec: TensorSpec<'_>,
    device: &Device,
) -> Result<Tensor<1>> {
    host_tensor(init, spec, HostRng::new(device_seed(device)), device)
}
