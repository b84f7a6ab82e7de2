//! `<activation>-<init>`: one MLP, one activation, one initializer (`relu-he`, `tanh-xavier`,
//! `sigmoid-small`, `tanh-zeros`, `relu-orthogonal`, …); `--seeds N` makes it a sweep of N
//! seeds.

use burn_init::Init;
use burn_init::Nonlinearity;

use super::Experiment;
use crate::Context;
use crate::error::Result;
use crate::strategy::InitStrategy;
use crate::sweep::run_sweep;
use crate::train::RunSpec;

/// The registry entry.
pub const EXPERIMENT: Experiment = Experiment {
    name: "<activation>-<init>",
    description: "train one MLP (default: the tutorial's 5 hidden layers x 50 units) with one activation \
                  and one initializer; --seeds N repeats it with N seeds (a resumable sweep)",
    matches,
    run,
    details,
    epochs: None,
    seeds: None,
};

/// Activations offered on the command line (the library's).
pub const ACTIVATIONS: [&str; 6] = Nonlinearity::NAMES;

fn matches(name: &str) -> bool {
    name.split_once('-')
        .is_some_and(|(a, _)| Nonlinearity::from_name(a).is_ok())
}

/// Parses `<activation>-<init>`.
///
/// # Errors
/// An unknown activation or initializer, listing the valid names and the closest one.
pub fn parse(name: &str) -> Result<(Nonlinearity, Init)> {
    let (a, i) = name.split_once('-').unwrap_or((name, ""));
    Ok((Nonlinearity::from_name(a)?, Init::from_name(i)?))
}

/// Parses `<activation>-<strategy>`: any initializer name, or `lsuv`, or `pretrain`.
///
/// # Errors
/// As [`parse`].
pub fn parse_strategy(name: &str) -> Result<(Nonlinearity, InitStrategy)> {
    let (a, i) = name.split_once('-').unwrap_or((name, ""));
    Ok((Nonlinearity::from_name(a)?, InitStrategy::from_name(i)?))
}

/// Every `<activation>-<init>` name with an initializer name or alias (for suggestions).
pub fn example_names() -> Vec<String> {
    ACTIVATIONS
        .iter()
        .flat_map(|a| {
            Init::NAMES
                .iter()
                .copied()
                .chain(Init::ALIASES.iter().map(|(al, _)| *al))
                .map(move |i| format!("{a}-{i}"))
        })
        .collect()
}

fn details() -> Vec<String> {
    vec![
        format!("activations:  {}", ACTIVATIONS.join(", ")),
        format!("initializers: {}, lsuv, pretrain (alias greedy)", Init::NAMES.join(", ")),
        format!("aliases:      {}", Init::ALIASES.iter().map(|(a, n)| format!("{a}={n}")).collect::<Vec<_>>().join(", ")),
        "e.g.          relu-he, tanh-xavier, sigmoid-xavier, sigmoid-small, tanh-zeros, relu-orthogonal, tanh-lsuv, sigmoid-pretrain".into(),
    ]
}

/// The runs of `name` with the context's seeds.
///
/// # Errors
/// An unknown activation or initializer.
pub fn specs(ctx: &Context) -> Result<Vec<RunSpec>> {
    let (activation, strategy) = parse_strategy(&ctx.name)?;
    Ok(RunSpec::per_seed(activation, &strategy, &ctx.options))
}

fn run(ctx: &Context) -> Result<()> {
    let specs = specs(ctx)?;
    run_sweep(ctx, &ctx.name, specs).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::assert_error_mentions;

    #[test]
    fn names_parse_with_aliases_and_typos_are_explained() {
        assert_eq!(
            parse("relu-he").unwrap(),
            (Nonlinearity::Relu, Init::HeNormal)
        );
        assert_eq!(
            parse("tanh-xavier").unwrap(),
            (Nonlinearity::Tanh, Init::GlorotUniform)
        );
        assert!(matches("sigmoid-small") && matches("leaky_relu-he") && !matches("relu_he"));
        assert_error_mentions(
            parse("relu-hee"),
            &["unknown initializer `hee`", "he_normal"],
        );
        assert!(example_names().contains(&"tanh-zeros".to_string()));
        assert_eq!(
            parse_strategy("tanh-lsuv").unwrap(),
            (Nonlinearity::Tanh, InitStrategy::Lsuv)
        );
        assert_eq!(
            parse_strategy("sigmoid-greedy").unwrap().1,
            InitStrategy::Pretrain
        );
        assert_eq!(
            parse_strategy("relu-he").unwrap().1,
            InitStrategy::Plain(Init::HeNormal)
        );
    }
}
