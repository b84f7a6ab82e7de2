//! Modules: Burn layers built with their own weight and bias initializers, and re-initialization
//! of any `#[derive(Module)]` model by rules.

mod layer;
mod reinit;

pub use self::layer::{InitLayer, ParamInits};
pub use self::reinit::{ReinitEntry, ReinitReport, Role, Rule, reinit};
