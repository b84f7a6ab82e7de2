//! Re-initialize any `#[derive(Module)]` model by rules, as PyTorch users do with
//! `model.apply(fn)`.
//!
//! Each float parameter is re-initialized by the **first** [`Rule`] that matches it. A rule
//! matches on any combination of the parameter's role ([`Role::Weight`], [`Role::Bias`]), the
//! kind of layer that holds it (`"Linear"`, `"Conv2d"`, … — Burn's struct name) and a path
//! pattern (`"encoder.layers.*.weight"`; `*` is one path segment, `**` any number). Fans are
//! derived from the holding layer's type ([`Fans`] for Burn's layouts); a bias gets the fans of
//! its layer's weight. Buffers that are not learnable (BatchNorm's `running_mean`/`running_var`)
//! are only touched by a rule whose path pattern names them. A rule that matches nothing is an
//! error, so a typo cannot silently do nothing; all rules are validated against every matched
//! parameter before anything is changed.
//!
//! Convolution groups are not visible while walking a module, so the conv `fan_out` is taken
//! as `c_out · ∏k` (PyTorch's convention; exact for `groups = 1`).
//!
//! ```
//! use burn::nn::LinearConfig;
//! use burn::tensor::Device;
//! use burn_init::{Init, Orthogonal, Role, Rule, Source, reinit};
//!
//! let device = Device::flex();
//! let layer = LinearConfig::new(8, 4).init(&device);
//! let rules = [Rule::new(Orthogonal::default()).role(Role::Weight), Rule::new(Init::Zeros).role(Role::Bias)];
//! let (layer, report) = reinit(layer, &rules, Source::Device, &device)?;
//! assert_eq!(report.entries.len(), 2);
//! assert_eq!(report.entries[0].path, "weight");
//! # Ok::<(), burn_init::InitError>(())
//! ```

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{InitError, Result};
use crate::init::{Init, Source, TensorInit, TensorSpec, sample_flat};
use crate::scale::Fans;

/// What a parameter is for, from its field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// `weight` (also `gamma` of normalization layers).
    Weight,
    /// `bias` (also `beta`).
    Bias,
    /// A buffer that is not learned (`running_mean`, `running_var`).
    Buffer,
    /// Anything else.
    Other,
}

impl Role {
    fn of(name: &str) -> Self {
        match name {
            "weight" | "gamma" => Self::Weight,
            "bias" | "beta" => Self::Bias,
            "running_mean" | "running_var" => Self::Buffer,
            _ => Self::Other,
        }
    }
}

/// A re-initialization rule: an initializer and the conditions under which it applies (all
/// given conditions must hold; a rule with none matches every learnable parameter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The initializer to apply.
    pub init: Init,
    /// Only parameters with this role.
    pub role: Option<Role>,
    /// Only parameters held by this layer type (Burn's struct name, e.g. `"Linear"`).
    pub layer: Option<String>,
    /// Only parameters whose dotted path matches this pattern.
    pub path: Option<String>,
}

impl Rule {
    /// A rule applying `init` (an [`Init`] or any parameter struct that converts to one) to
    /// every learnable parameter.
    pub fn new(init: impl Into<Init>) -> Self {
        Self {
            init: init.into(),
            role: None,
            layer: None,
            path: None,
        }
    }

    /// Restricts to a role.
    pub fn role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    /// Restricts to a layer type.
    pub fn layer(mut self, layer: impl Into<String>) -> Self {
        self.layer = Some(layer.into());
        self
    }

    /// Restricts to a path pattern.
    pub fn path(mut self, pattern: impl Into<String>) -> Self {
        self.path = Some(pattern.into());
        self
    }

    fn matches(&self, p: &ParamInfo) -> bool {
        if p.role == Role::Buffer && !self.path.as_deref().is_some_and(|pat| glob(pat, &p.path)) {
            return false;
        }
        self.role.is_none_or(|r| r == p.role)
            && self.layer.as_deref().is_none_or(|l| l == p.layer)
            && self.path.as_deref().is_none_or(|pat| glob(pat, &p.path))
    }

    fn describe(&self) -> String {
        let mut parts = vec![self.init.name()];
        if let Some(r) = self.role {
            parts.push(format!("role={r:?}"));
        }
        if let Some(l) = &self.layer {
            parts.push(format!("layer={l}"));
        }
        if let Some(p) = &self.path {
            parts.push(format!("path={p}"));
        }
        parts.join(", ")
    }
}

/// Dotted-path glob: `*` matches one segment, `**` any number (including none).
fn glob(pattern: &str, path: &str) -> bool {
    fn go(p: &[&str], s: &[&str]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(&"**"), _) => go(&p[1..], s) || (!s.is_empty() && go(p, &s[1..])),
            (Some(&"*"), Some(_)) => go(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &s[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let s: Vec<&str> = path.split('.').collect();
    go(&p, &s)
}

/// What the walk knows about one float parameter.
#[derive(Debug, Clone)]
struct ParamInfo {
    path: String,
    role: Role,
    layer: String,
    shape: Vec<usize>,
    fans: Option<Fans>,
}

/// One re-initialized parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReinitEntry {
    /// Dotted path (`hidden.0.weight`).
    pub path: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Fans used.
    pub fans: Option<Fans>,
    /// Layer type holding it.
    pub layer: String,
    /// Index of the rule that applied.
    pub rule: usize,
    /// Name of the initializer.
    pub init: String,
    /// Standard deviation of the new values.
    pub std: f64,
}

/// What [`reinit`] did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ReinitReport {
    /// Re-initialized parameters, in traversal order.
    pub entries: Vec<ReinitEntry>,
    /// Paths left untouched.
    pub untouched: Vec<String>,
}

/// Tracks the dotted path and the type of the struct holding the current field.
#[derive(Default)]
struct Walk {
    path: Vec<String>,
    containers: Vec<String>,
    /// Weight fans of the layer at a given container path, for its bias.
    last_weight: Option<(String, Fans)>,
}

impl Walk {
    fn enter(&mut self, name: &str, container: &str) {
        self.path.push(name.to_string());
        self.containers.push(container.to_string());
    }
    fn exit(&mut self) {
        self.path.pop();
        self.containers.pop();
    }
    fn info(&mut self, shape: Vec<usize>) -> ParamInfo {
        let path = self.path.join(".");
        let name = self.path.last().cloned().unwrap_or_default();
        let layer = self
            .containers
            .last()
            .map(|c| c.split_once(':').map_or(c.as_str(), |(_, t)| t).to_string())
            .unwrap_or_default();
        let parent = self.path[..self.path.len().saturating_sub(1)].join(".");
        let role = Role::of(&name);
        let fans = match role {
            Role::Weight => {
                let f = weight_fans(&layer, &shape);
                if let Some(f) = f {
                    self.last_weight = Some((parent.clone(), f));
                }
                f
            }
            Role::Bias => self
                .last_weight
                .as_ref()
                .filter(|(p, _)| *p == parent)
                .map(|(_, f)| *f),
            _ => None,
        };
        ParamInfo {
            path,
            role,
            layer,
            shape,
            fans,
        }
    }
}

/// Fans of a weight of shape `shape` held by a layer of type `layer`.
fn weight_fans(layer: &str, shape: &[usize]) -> Option<Fans> {
    if layer.starts_with("ConvTranspose") {
        Fans::conv_transpose(shape, 1).ok()
    } else if layer.starts_with("Conv") || layer.starts_with("DeformConv") {
        Fans::conv(shape, 1).ok()
    } else if shape.len() == 2 {
        // Linear [d_in, d_out], Embedding [n, d] and other 2-D weights.
        Fans::linear_weight(shape).ok()
    } else {
        None
    }
}

struct Collector {
    walk: Walk,
    params: Vec<ParamInfo>,
}

impl ModuleVisitor for Collector {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.walk.enter(name, container_type);
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.walk.exit();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let shape = param.lazy_shape().dims::<D>().to_vec();
        let info = self.walk.info(shape);
        self.params.push(info);
    }
}

struct Mapper<'a> {
    walk: Walk,
    plan: &'a [Option<usize>],
    rules: &'a [Rule],
    source: Source,
    index: usize,
    device: &'a Device,
    entries: Vec<ReinitEntry>,
    untouched: Vec<String>,
    /// The first sampling error (after validation, only a failed allocation).
    error: Option<InitError>,
}

impl ModuleMapper for Mapper<'_> {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.walk.enter(name, container_type);
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.walk.exit();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let i = self.index;
        self.index += 1;
        let shape = param.lazy_shape().dims::<D>().to_vec();
        let info = self.walk.info(shape.clone());
        let Some(rule) = self.plan[i] else {
            self.untouched.push(info.path);
            return param;
        };
        let init = &self.rules[rule].init;
        let source = self.source.stream(i as u64);
        let flat = match sample_flat(
            init,
            TensorSpec::new(&shape, info.fans),
            source,
            self.device,
        ) {
            Ok(flat) => flat,
            Err(e) => {
                self.error.get_or_insert(e);
                self.untouched.push(info.path);
                return param;
            }
        };
        let (id, old, mapper) = param.consume();
        let require_grad = old.is_require_grad();
        drop(old);
        let std = flat.clone().var(0).sqrt().into_scalar::<f32>() as f64;
        let mut t: Tensor<D> = flat.reshape(burn::tensor::Shape::from(shape.clone()));
        if require_grad {
            t = t.require_grad();
        }
        self.entries.push(ReinitEntry {
            path: info.path,
            shape,
            fans: info.fans,
            layer: info.layer,
            rule,
            init: init.name(),
            std: if std.is_finite() { std } else { 0.0 },
        });
        Param::from_mapped_value(id, t, mapper)
    }
}

/// Re-initializes the float parameters of `module` by `rules`, drawing from `source`
/// ([`Source::Device`], or a `u64` seed for the host stream); new values are created on `device`
/// (normally the module's own). Parameter `i` (in traversal order) draws from
/// `source.stream(i)` ([`Source::stream`]), so with a host source the result is bit-identical
/// on every device.
///
/// # Errors
/// [`InitError::RuleMatchedNothing`] for a rule that matches no parameter; an initializer's
/// error for a parameter it cannot fill (e.g. orthogonal on a 1-D bias, missing fans): all
/// rules are checked against every parameter before anything is sampled. A sampling failure
/// after that (memory running out) returns the error and drops the module.
pub fn reinit<M: Module>(
    module: M,
    rules: &[Rule],
    source: impl Into<Source>,
    device: &Device,
) -> Result<(M, ReinitReport)> {
    let source = source.into();
    let mut collector = Collector {
        walk: Walk::default(),
        params: Vec::new(),
    };
    module.visit(&mut collector);
    let params = collector.params;
    let plan: Vec<Option<usize>> = params
        .iter()
        .map(|p| rules.iter().position(|r| r.matches(p)))
        .collect();
    for (index, rule) in rules.iter().enumerate() {
        if !params.iter().any(|p| rule.matches(p)) {
            return Err(InitError::RuleMatchedNothing {
                index,
                rule: rule.describe(),
                available: params.iter().map(|p| p.path.clone()).collect(),
            });
        }
    }
    for (p, r) in params.iter().zip(&plan) {
        if let Some(r) = r {
            rules[*r]
                .init
                .check(TensorSpec::new(&p.shape, p.fans))
                .map_err(|e| match e {
                    InitError::InvalidShape {
                        initializer,
                        shape,
                        reason,
                    } => InitError::InvalidShape {
                        initializer,
                        shape,
                        reason: format!("{reason} (parameter `{}`)", p.path),
                    },
                    InitError::MissingFans { initializer } => InitError::MissingFans {
                        initializer: format!("{initializer} for parameter `{}`", p.path),
                    },
                    other => other,
                })?;
        }
    }
    let mut mapper = Mapper {
        walk: Walk::default(),
        plan: &plan,
        rules,
        source,
        index: 0,
        device,
        entries: Vec::new(),
        untouched: Vec::new(),
        error: None,
    };
    let module = module.map(&mut mapper);
    if let Some(e) = mapper.error {
        return Err(e);
    }
    Ok((
        module,
        ReinitReport {
            entries: mapper.entries,
            untouched: mapper.untouched,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("encoder.layers.*.weight", "encoder.layers.3.weight"));
        assert!(!glob("encoder.layers.*.weight", "encoder.layers.3.bias"));
        assert!(glob("**.bias", "a.b.c.bias"));
        assert!(glob("**.bias", "bias"));
        assert!(!glob("*.bias", "a.b.bias"));
        assert!(glob("a.**.w", "a.w"));
    }
}
