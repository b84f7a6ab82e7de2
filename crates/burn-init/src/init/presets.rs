//! The fixed-scale presets: [`zeros`], [`ones`], [`small_random`] and [`large_random`], what
//! [`Init::Zeros`], [`Init::Ones`], [`Init::SmallRandom`] and [`Init::LargeRandom`] stand for.
//!
//! [`Init::Zeros`]: super::Init::Zeros
//! [`Init::Ones`]: super::Init::Ones
//! [`Init::SmallRandom`]: super::Init::SmallRandom
//! [`Init::LargeRandom`]: super::Init::LargeRandom

use crate::distribution::{Constant, Normal};

/// All zeros ([`Init::Zeros`](crate::Init::Zeros); PyTorch `zeros_`, Keras `Zeros`).
///
/// `w = 0`. A specialization of [`Constant`]. The usual bias initializer (Keras, Flax); as a
/// weight it makes every unit of a layer identical, and gradient descent keeps them so
/// (Rumelhart, Hinton & Williams 1986, "Learning internal representations by error
/// propagation", in *Parallel Distributed Processing* vol. 1: the symmetry is broken by starting
/// from small random weights).
///
/// ```
/// use burn_init::{HostRng, TensorInitExt, zeros};
/// assert_eq!(zeros().host_vec(&[2, 2], None, HostRng::new(0))?, vec![0.0; 4]);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn zeros() -> Constant {
    Constant::raw(0.0)
}

/// All ones ([`Init::Ones`](crate::Init::Ones); PyTorch `ones_`, Keras `Ones`).
///
/// `w = 1`. A specialization of [`Constant`]: how Burn, PyTorch and Keras initialize the scale
/// `γ` of batch normalization (Ioffe & Szegedy 2015, "Batch Normalization: Accelerating Deep
/// Network Training by Reducing Internal Covariate Shift").
///
/// ```
/// use burn_init::{HostRng, TensorInitExt, ones};
/// assert_eq!(ones().host_vec(&[3], None, HostRng::new(0))?, vec![1.0; 3]);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn ones() -> Constant {
    Constant::raw(1.0)
}

/// "Small random" ([`Init::SmallRandom`](crate::Init::SmallRandom)): `w ~ N(0, 0.01²)`, i.e. `0.01·N(0, 1)`.
///
/// A specialization of [`Normal`] (mean 0, std 0.01), whatever the fans: in a deep network
/// with `fan_in · 0.01² ≪ 1` the activations shrink layer by layer and so do the gradients
/// (LeCun, Bottou, Orr & Müller 1998, "Efficient BackProp", §4.6: weights too small make
/// learning slow).
///
/// ```
/// use burn_init::{HostRng, TensorInitExt, small_random};
/// let w = small_random().host_vec(&[100, 100], None, HostRng::new(1))?;
/// let var = w.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / 1e4;
/// assert!((var.sqrt() - 0.01).abs() < 0.001);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn small_random() -> Normal {
    Normal::small_random()
}

/// "Large random" ([`Init::LargeRandom`](crate::Init::LargeRandom)): `w ~ N(0, 1)`.
///
/// A specialization of [`Normal`] (mean 0, std 1), whatever the fans: the pre-activations have
/// variance `fan_in · Var(x)`, far in the flat parts of tanh and sigmoid, which saturate
/// (LeCun, Bottou, Orr & Müller 1998, "Efficient BackProp", §4.6: weights too large saturate the
/// sigmoid and give small gradients).
///
/// ```
/// use burn_init::{HostRng, TensorInitExt, large_random};
/// let w = large_random().host_vec(&[100, 100], None, HostRng::new(1))?;
/// let var = w.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / 1e4;
/// assert!((var - 1.0).abs() < 0.05);
/// # Ok::<(), burn_init::InitError>(())
/// ```
pub const fn large_random() -> Normal {
    Normal::large_random()
}
