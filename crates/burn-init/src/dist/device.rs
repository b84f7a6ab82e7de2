//! Device-side special functions, written with tensor operations.

use burn::tensor::Tensor;

/// `erfinv` on a device tensor with `f32` accuracy (M. Giles, "Approximating the erfinv
/// function", GPU Computing Gems, 2011), for inputs in `(−1, 1)`.
pub(super) fn erfinv(x: Tensor<1>) -> Tensor<1> {
    let one_minus = x.clone().neg().add_scalar(1.0);
    let one_plus = x.clone().add_scalar(1.0);
    let w = one_minus.mul(one_plus).log().neg();
    let central = horner(
        w.clone().sub_scalar(2.5),
        &[
            2.810_226_36e-08,
            3.432_739_39e-07,
            -3.523_387_7e-06,
            -4.391_506_54e-06,
            0.000_218_580_87,
            -0.001_253_725_03,
            -0.004_177_681_64,
            0.246_640_727,
            1.501_409_41,
        ],
    );
    let tail = horner(
        w.clone().sqrt().sub_scalar(3.0),
        &[
            -0.000_200_214_257,
            0.000_100_950_558,
            0.001_349_343_22,
            -0.003_673_428_44,
            0.005_739_507_73,
            -0.007_622_461_3,
            0.009_438_870_47,
            1.001_674_06,
            2.832_976_82,
        ],
    );
    tail.mask_where(w.lower_elem(5.0), central).mul(x)
}

fn horner(w: Tensor<1>, coefficients: &[f64]) -> Tensor<1> {
    let mut p = w.zeros_like().add_scalar(coefficients[0]);
    for &c in &coefficients[1..] {
        p = p.mul(w.clone()).add_scalar(c);
    }
    p
}
