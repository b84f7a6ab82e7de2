//! `f64` fields that may be NaN or infinite: written as JSON `null`, read back as NaN.

use serde::{Deserialize, Deserializer, Serializer};

/// Writes a finite value as a number, anything else as `null`.
///
/// # Errors
/// Those of the serializer.
pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_f64(*v)
    } else {
        s.serialize_none()
    }
}

/// Reads a number, or `null` as NaN.
///
/// # Errors
/// Those of the deserializer.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}
