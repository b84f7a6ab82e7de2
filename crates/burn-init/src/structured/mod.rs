//! Structured initializers: orthogonal, identity, Dirac, delta-orthogonal and sparse.
//!
//! Each is a validated parameter struct with its host fill (bit-reproducible) and its device
//! sampler; the sampling trait is implemented for them in the `init` layer.

/// The parameter plumbing of a structured initializer whose one parameter is a `gain`: the
/// constructor validating it with `$check` ([`positive`](crate::error::positive) or
/// [`finite`](crate::error::finite), described as `$condition` in its errors), the accessor
/// (documented as `$meaning`), the default (gain 1), deserialization through the constructor,
/// and the name for reports, `$name(gain=…)`.
macro_rules! gain_parameter {
    ($ty:ident, $name:literal, $check:ident, $condition:literal, $meaning:literal) => {
        impl $ty {
            #[doc = concat!(
                "# Errors\n[`InvalidParameter`](crate::InitError::InvalidParameter) naming `gain` \
                 if it is not ", $condition, " in `f32`."
            )]
            pub fn new(gain: f64) -> Result<Self> {
                Ok(Self {
                    gain: crate::error::$check("gain", gain)?,
                })
            }

            #[doc = $meaning]
            pub const fn gain(&self) -> f64 {
                self.gain
            }

            /// A short name for reports.
            pub(crate) fn describe(&self) -> String {
                format!(concat!($name, "(gain={})"), self.gain)
            }
        }

        impl Default for $ty {
            /// Gain 1.
            fn default() -> Self {
                Self { gain: 1.0 }
            }
        }

        crate::error::deserialize_through!($ty { gain: f64 = 1.0 } => $ty::new);
    };
}

mod dirac;
mod identity;
mod orthogonal;
mod qr;
mod sparse;

pub use self::dirac::{DeltaOrthogonal, Dirac};
pub use self::identity::Identity;
pub use self::orthogonal::Orthogonal;
pub use self::sparse::Sparse;

use burn::tensor::{Bool, Device, Int, Tensor};

use crate::error::{InitError, Result, element_count};

pub(crate) fn shape_error(name: &str, shape: &[usize], reason: &str) -> InitError {
    InitError::InvalidShape {
        initializer: name.into(),
        shape: shape.to_vec(),
        reason: reason.into(),
    }
}

fn check_matrix(name: &str, shape: &[usize]) -> Result<(usize, usize)> {
    element_count(name, shape)?;
    if shape.len() < 2 {
        return Err(shape_error(
            name,
            shape,
            "needs at least 2 dimensions (a 1-D bias has no orthogonal structure; give it its own initializer)",
        ));
    }
    let rows = shape[0];
    let cols: usize = shape[1..].iter().product();
    if rows == 0 || cols == 0 {
        return Err(shape_error(name, shape, "has a zero dimension"));
    }
    Ok((rows, cols))
}

/// `[rows, cols]` on the device: true where `row mod modulus == col` (built on the device from two
/// `arange`s, nothing uploaded).
fn index_equal(
    rows: usize,
    cols: usize,
    modulus: Option<usize>,
    device: &Device,
) -> Tensor<2, Bool> {
    let r = Tensor::<1, Int>::arange(0..rows as i64, device);
    let r = match modulus {
        Some(m) => r.remainder_scalar(m as i64),
        None => r,
    };
    let c = Tensor::<1, Int>::arange(0..cols as i64, device);
    r.reshape([rows, 1])
        .expand([rows, cols])
        .equal(c.reshape([1, cols]).expand([rows, cols]))
}

/// Places `centre` (`[c_out · c_in]`) at the centre tap of a zero `[c_out, c_in, k…]` kernel.
fn at_centre_tap(shape: &[usize], centre: Tensor<1>, device: &Device) -> Tensor<1> {
    let (co, ci) = (shape[0], shape[1]);
    let taps: usize = shape[2..].iter().product();
    let centre_tap = shape[2..].iter().fold(0, |acc, &k| acc * k + k / 2);
    Tensor::<2>::zeros([co * ci, taps], device)
        .slice_assign(
            [0..co * ci, centre_tap..centre_tap + 1],
            centre.reshape([co * ci, 1]),
        )
        .reshape([co * ci * taps])
}

fn check_conv(name: &str, shape: &[usize]) -> Result<()> {
    element_count(name, shape)?;
    if !(3..=5).contains(&shape.len()) {
        return Err(shape_error(
            name,
            shape,
            "needs a convolution weight [c_out, c_in/groups, k…] with 3 to 5 dimensions",
        ));
    }
    if shape.contains(&0) {
        return Err(shape_error(name, shape, "has a zero dimension"));
    }
    Ok(())
}

/// Row-major offset of the centre tap of a conv weight for channels `(o, i)`.
fn centre_offset(shape: &[usize], o: usize, i: usize) -> usize {
    let kernel = &shape[2..];
    let mut off = o * shape[1] + i;
    for &k in kernel {
        off = off * k + k / 2;
    }
    off
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_errors() {
        assert!(matches!(
            Orthogonal::new(1.0).unwrap().check_shape(&[5]),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(matches!(
            Dirac::new(1).unwrap().check_shape(&[4, 4]),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(matches!(
            Dirac::new(3).unwrap().check_shape(&[4, 4, 3]),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(matches!(
            DeltaOrthogonal::new(1.0).unwrap().check_shape(&[2, 4, 3]),
            Err(InitError::InvalidShape { .. })
        ));
        assert!(Sparse::new(-0.1, 0.01).is_err());
        assert!(Dirac::new(0).is_err());
        assert!(matches!(
            Identity::new(1.0).unwrap().check_shape(&[2, 2, 2]),
            Err(InitError::InvalidShape { .. })
        ));
    }
}
