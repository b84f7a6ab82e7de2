//! The training protocol every suite experiment shares, fixed before any run:
//!
//! * **Seeds**: every configuration runs on the seeds of its claims' rule ([`TRAINING_SEEDS`]:
//!   3, then 6, then 10 while a claim is undecided; `--seeds N` fixes N); a seed fixes the
//!   weights' stream and the minibatch order, so two initializations on the same seed see the
//!   same batches (a paired comparison).
//! * **Choices on the validation split**: each run's epoch is the one with the best validation
//!   accuracy (early stopping); each configuration's learning rate is the grid value with the best
//!   mean validation accuracy over seeds, among the values at which **no** seed diverged. The test
//!   split only reports: the number an experiment shows is the test accuracy at the chosen epoch.
//! * **Divergence is never an accuracy**: a diverged run has no final accuracy; a configuration
//!   whose every learning rate diverged on some seed has no selection; a comparison touching one is
//!   undecided.
//! * **Chance**: the majority-class rate of the test split is printed beside every accuracy, and a
//!   net whose predictions are (almost) all one class is labelled "predicts one class"
//!   ([`ONE_CLASS_SHARE`]).
//! * **Comparisons** are paired by seed: the per-seed difference of test accuracies, its mean and
//!   95 % interval ([`crate::claims`]); undecided when a compared run diverged, when both sides
//!   predict one class on every seed, or when the interval contains 0.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::claims::{Condition, Direction, Estimate, Guards, SeedRule, fmt};
use crate::record::RunSummary;

/// Seeds of every training claim: decided at 3 seeds when it can be, else at 6, else at 10,
/// each look at level `1 − 0.05/3` (Bonferroni over the three looks). Training the 7 extra seeds
/// of an undecided claim costs its experiment about 2.3 times its first look; three looks keep
/// the per-look level usable with 3 seeds (Student's t at 98.3 % with 2 degrees of freedom is
/// 7.65, against 4.30 at 95 %).
pub const TRAINING_SEEDS: SeedRule = SeedRule::staged(&[3, 6, 10]);

/// Seeds of every forward-pass claim (no training; 10 seeds cost seconds): one look of 10.
pub const FORWARD_SEEDS: SeedRule = SeedRule::single(&[10]);

/// Mean validation accuracies closer than this tie (the smaller rate wins): far below one
/// validation example's share over 10 seeds (1/5,990 on mnist-small), far above the last bits
/// of a mean.
pub const TIE_TOLERANCE: f64 = 1e-9;

/// A net that puts at least this share of its test predictions in one class "predicts one
/// class" (a degenerate net, at the majority-class rate at best).
pub const ONE_CLASS_SHARE: f64 = 0.99;

/// Whether `run` predicts one class at its chosen epoch.
pub fn predicts_one_class(run: &RunSummary) -> bool {
    run.test_top_class_share_at_best
        .is_some_and(|s| s >= ONE_CLASS_SHARE)
}

/// One learning rate of a configuration, over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LrResult {
    /// Learning rate.
    pub lr: f64,
    /// Seeds run.
    pub runs: usize,
    /// Seeds that diverged.
    pub diverged: usize,
    /// Mean best validation accuracy over the seeds that did not diverge.
    pub valid_mean: Option<f64>,
}

/// A configuration (activation, depth, initialization, …) with its learning rate chosen on the
/// validation split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// Every learning rate tried.
    pub grid: Vec<LrResult>,
    /// The chosen learning rate (`None`: it diverged at every rate).
    pub lr: Option<f64>,
    /// Per seed at the chosen rate: `(seed, test accuracy at the best-validation epoch)`.
    pub test: Vec<(u64, f64)>,
    /// Per seed at the chosen rate: the best-validation epoch.
    pub epochs: Vec<usize>,
    /// Seeds at the chosen rate whose net predicts one class.
    pub one_class: usize,
    /// The test accuracy over seeds.
    pub estimate: Option<Estimate>,
}

impl Selection {
    /// Chooses among `runs` (one configuration, every learning rate and seed) by the rule of this
    /// module.
    pub fn choose(runs: &[&RunSummary]) -> Self {
        let mut by_lr: BTreeMap<u64, Vec<&RunSummary>> = BTreeMap::new();
        for r in runs {
            by_lr.entry(r.lr.to_bits()).or_default().push(r);
        }
        let grid: Vec<LrResult> = by_lr
            .values()
            .map(|rs| {
                let finite: Vec<f64> = rs
                    .iter()
                    .filter(|r| !r.diverged)
                    .filter_map(|r| r.best_valid_accuracy)
                    .collect();
                LrResult {
                    lr: rs[0].lr,
                    runs: rs.len(),
                    diverged: rs.iter().filter(|r| r.diverged).count(),
                    valid_mean: (!finite.is_empty())
                        .then(|| finite.iter().sum::<f64>() / finite.len() as f64),
                }
            })
            .collect();
        let eligible: Vec<(f64, f64)> = grid
            .iter()
            .filter(|g| g.diverged == 0)
            .filter_map(|g| g.valid_mean.map(|v| (g.lr, v)))
            .collect();
        // Highest mean validation accuracy; rates within TIE_TOLERANCE of it tie, and the
        // smallest of them is chosen (so the last bits of a mean never pick the rate).
        let best = eligible
            .iter()
            .map(|e| e.1)
            .fold(f64::NEG_INFINITY, f64::max);
        let chosen = eligible
            .iter()
            .filter(|(_, v)| *v >= best - TIE_TOLERANCE)
            .map(|(lr, _)| *lr)
            .min_by(f64::total_cmp);
        let at: Vec<&RunSummary> = chosen.map_or_else(Vec::new, |lr| {
            let mut v: Vec<&RunSummary> = by_lr.get(&lr.to_bits()).cloned().unwrap_or_default();
            v.sort_by_key(|r| r.seed);
            v
        });
        let test: Vec<(u64, f64)> = at
            .iter()
            .filter_map(|r| r.test_accuracy_at_best.map(|a| (r.seed, a)))
            .collect();
        let values: Vec<f64> = test.iter().map(|t| t.1).collect();
        Self {
            grid,
            lr: chosen,
            epochs: at.iter().filter_map(|r| r.best_epoch).collect(),
            one_class: at.iter().filter(|r| predicts_one_class(r)).count(),
            estimate: Estimate::of(&values),
            test,
        }
    }

    /// Seeds at the chosen rate.
    pub fn n(&self) -> usize {
        self.test.len()
    }

    /// Whether every seed at the chosen rate predicts one class (or nothing was chosen).
    pub fn degenerate(&self) -> bool {
        self.lr.is_none() || (self.one_class > 0 && self.one_class == self.n())
    }

    /// `mean [lo, hi] % (n seeds, lr x)`, `predicts one class k/n`, or `diverged at every rate`.
    pub fn describe(&self) -> String {
        let Some(lr) = self.lr else {
            let d: usize = self.grid.iter().map(|g| g.diverged).sum();
            let n: usize = self.grid.iter().map(|g| g.runs).sum();
            return format!("diverged at every rate ({d}/{n} runs)");
        };
        let mut s = self.estimate.map_or("—".into(), |e| e.percent());
        let _ = write!(s, " (lr {}", fmt(lr));
        if self.one_class > 0 {
            let _ = write!(s, "; predicts one class {}/{}", self.one_class, self.n());
        }
        s.push(')');
        s
    }
}

/// The runs among `runs` trained at the first one's learning rate (what does not depend on the
/// rate, such as the initialization or the pretraining, is read from one rate's seeds).
pub fn at_first_rate<'a>(runs: &[&'a RunSummary]) -> Vec<&'a RunSummary> {
    let Some(lr) = runs.first().map(|r| r.lr) else {
        return Vec::new();
    };
    runs.iter()
        .copied()
        .filter(|r| r.lr.to_bits() == lr.to_bits())
        .collect()
}

/// The paired comparison "`a` beats `b`" (test accuracy at each one's chosen rate and epoch, per
/// seed), decided by its interval. Undecided when either side has no selection, when the seeds
/// do not match, or when both sides predict one class on every seed.
pub fn beats(metric: impl Into<String>, a: &Selection, b: &Selection) -> Condition {
    let metric = metric.into();
    let mut guards = Guards::default();
    let missing: usize = [a, b].iter().filter(|s| s.lr.is_none()).count();
    if missing > 0 {
        let d: usize = [a, b]
            .iter()
            .filter(|s| s.lr.is_none())
            .flat_map(|s| s.grid.iter().map(|g| g.diverged))
            .sum();
        let n: usize = [a, b]
            .iter()
            .filter(|s| s.lr.is_none())
            .flat_map(|s| s.grid.iter().map(|g| g.runs))
            .sum();
        guards.diverged = Some((d.max(1), n.max(1)));
    } else if a.degenerate() && b.degenerate() {
        guards.degenerate = Some("both predict one class on every seed".into());
    }
    let b_of: BTreeMap<u64, f64> = b.test.iter().copied().collect();
    let diffs: Vec<f64> = a
        .test
        .iter()
        .filter_map(|(seed, x)| b_of.get(seed).map(|y| x - y))
        .collect();
    if missing == 0 && diffs.len() != a.n().max(b.n()) {
        guards.degenerate = Some(format!(
            "only {} of {} seeds have both runs",
            diffs.len(),
            a.n().max(b.n())
        ));
    }
    Condition::decide(metric, &diffs, 0.0, Direction::Above, None, &guards)
}

/// A Markdown table of the learning-rate grid of `selections` (rows) — mean validation accuracy
/// and divergences per rate — with the chosen rate in bold.
pub fn grid_table(rows: &[(String, &Selection)]) -> String {
    let lrs: Vec<f64> = rows
        .first()
        .map_or_else(Vec::new, |(_, s)| s.grid.iter().map(|g| g.lr).collect());
    let mut t = String::from("| configuration |");
    for lr in &lrs {
        let _ = write!(t, " lr {} |", fmt(*lr));
    }
    let _ = writeln!(t, "\n|---|{}", "---|".repeat(lrs.len()));
    for (name, s) in rows {
        let _ = write!(t, "| {name} |");
        for g in &s.grid {
            let cell = match (g.valid_mean, g.diverged) {
                (_, d) if d == g.runs => format!("diverged {d}/{}", g.runs),
                (Some(v), 0) => format!("{:.1} %", 100.0 * v),
                (Some(v), d) => format!("{:.1} %, diverged {d}/{}", 100.0 * v, g.runs),
                (None, _) => "—".into(),
            };
            if s.lr == Some(g.lr) {
                let _ = write!(t, " **{cell}** |");
            } else {
                let _ = write!(t, " {cell} |");
            }
        }
        t.push('\n');
    }
    t
}

/// The learning rates an experiment tries: `--lr` alone when given, else the experiment's grid.
pub fn lr_grid(options: &crate::Options, default: &[f64]) -> Vec<f64> {
    options.lr.map_or_else(|| default.to_vec(), |lr| vec![lr])
}

/// The report header every training experiment of the suite opens with: what ran, where, on
/// which data (with its chance level), and the protocol.
pub fn header(
    ctx: &crate::Context,
    out: &std::path::Path,
    device: &str,
    wall: f64,
    lrs: &[f64],
) -> String {
    let o = &ctx.options;
    let record: Option<crate::record::Record> =
        crate::record::read_json(&out.join("record.json")).ok();
    let data = record.as_ref().map(|r| &r.dataset);
    let mut s = String::new();
    let _ = write!(
        s,
        "Dataset {} ({} train / {} validation (carved from the training images, stratified) / {} test examples); \
         chance (the test split's majority-class rate) **{:.1} %**. {} seed(s) from {}, {} epochs, batch {}, {} \
         (momentum {}), learning rate(s) {}; scale {}; device {}; wall time {wall:.1} s; git {}. Command: `{}`.\n\n",
        data.map_or_else(|| o.dataset().name().to_string(), |d| d.name.clone()),
        data.map_or(0, |d| d.train_examples),
        data.map_or(0, |d| d.valid_examples),
        data.map_or(0, |d| d.test_examples),
        100.0 * data.map_or(f64::NAN, |d| d.test_majority_rate),
        o.seeds(),
        o.seed,
        o.epochs(),
        o.batch_size,
        o.optimizer.name(),
        o.momentum,
        lrs.iter().map(|l| fmt(*l)).collect::<Vec<_>>().join(", "),
        o.scale.name(),
        device,
        crate::record::git_commit(),
        crate::record::command_line(&ctx.command)
    );
    s.push_str(
        "Protocol (fixed before the run): each run's epoch is the one with the best validation accuracy; each \
         configuration's learning rate is the grid value with the best mean validation accuracy over seeds among the \
         values at which no seed diverged; reported numbers are **test** accuracies at those choices, mean [95 % \
         interval] over seeds; comparisons are paired by seed. A diverged run is never an accuracy; a net that puts \
         ≥ 99 % of its test predictions in one class is labelled \"predicts one class\". Seeds are added by each \
         claim's rule, fixed before the run (3, then 6, then 10 while a claim is undecided, each look's interval at \
         level 1 − 0.05/3: a Bonferroni split over the looks); `sequential.json` lists the looks.\n",
    );
    s
}

/// The chance level of the validation split (its majority-class rate) of `runs`, if recorded.
pub fn valid_chance(runs: &[RunSummary]) -> Option<f64> {
    runs.iter()
        .map(|r| r.valid_majority_rate)
        .find(|r| r.is_finite() && *r > 0.0)
}

/// The chance level (test majority-class rate) of `runs`, if recorded.
pub fn chance(runs: &[RunSummary]) -> Option<f64> {
    runs.iter()
        .map(|r| r.test_majority_rate)
        .find(|r| r.is_finite() && *r > 0.0)
}

/// Synthetic run summaries for the protocol's tests (and the experiments' report tests).
#[cfg(test)]
pub(crate) mod fake {
    use crate::record::RunSummary;

    /// A finished run: `test` accuracy at its best epoch (also its validation accuracy), or a
    /// diverged run when `test` is `None`; `one_class`: its predictions are all one class.
    pub fn run(init: &str, lr: f64, seed: u64, test: Option<f64>, one_class: bool) -> RunSummary {
        let diverged = test.is_none();
        serde_json::from_value(serde_json::json!({
            "run": format!("tanh-{init}-lr{lr}-s{seed}"),
            "activation": "tanh",
            "init": init,
            "depth": 5,
            "width": 50,
            "seed": seed,
            "lr": lr,
            "epochs": 10,
            "epochs_completed": if diverged { 3 } else { 10 },
            "final_train_loss": if diverged { None } else { Some(0.5) },
            "final_valid_loss": if diverged { None } else { Some(0.5) },
            "final_valid_accuracy": test,
            "final_test_accuracy": test,
            "best_epoch": if diverged { Some(2) } else { Some(7) },
            "best_valid_accuracy": test.or(Some(0.6)),
            "test_accuracy_at_best": test.or(Some(0.6)),
            "test_top_class_share_at_best": if one_class { 1.0 } else { 0.2 },
            "target_accuracy": 0.9,
            "epochs_to_target": null,
            "diverged": diverged,
            "diverged_at": if diverged { Some(4) } else { None },
            "last_finite_epoch": 3,
            "valid_majority_rate": 0.11,
            "test_majority_rate": 0.126,
            "init_stats": [],
            "wall_seconds": 1.0,
            "samples_per_second": 1.0,
            "device": "flex",
        }))
        .expect("a valid summary")
    }
}

#[cfg(test)]
mod tests {
    use super::fake::run;
    use super::*;
    use crate::claims::Status;

    fn choose(runs: &[RunSummary]) -> Selection {
        Selection::choose(&runs.iter().collect::<Vec<_>>())
    }

    #[test]
    fn the_rate_is_chosen_on_validation_among_rates_without_divergence() {
        let runs = [
            // lr 0.1: best validation mean, but one seed diverged: not eligible.
            run("a", 0.1, 0, Some(0.95), false),
            run("a", 0.1, 1, None, false),
            run("a", 0.01, 0, Some(0.80), false),
            run("a", 0.01, 1, Some(0.82), false),
            run("a", 0.03, 0, Some(0.90), false),
            run("a", 0.03, 1, Some(0.88), false),
        ];
        let s = choose(&runs);
        assert_eq!(s.lr, Some(0.03));
        assert_eq!(s.test, vec![(0, 0.90), (1, 0.88)]);
        assert!(s.describe().contains("lr 0.03"), "{}", s.describe());
        let grid = grid_table(&[("`a`".into(), &s)]);
        assert!(grid.contains("diverged 1/2"), "{grid}");
    }

    #[test]
    fn a_diverged_configuration_is_never_an_accuracy_and_decides_nothing() {
        let diverged = choose(&[run("a", 0.1, 0, None, false), run("a", 0.1, 1, None, false)]);
        assert_eq!((diverged.lr, diverged.estimate), (None, None));
        let text = diverged.describe();
        assert!(
            text.contains("diverged at every rate") && !text.contains('%'),
            "{text}"
        );
        let other = choose(&[
            run("b", 0.1, 0, Some(0.5), false),
            run("b", 0.1, 1, Some(0.6), false),
        ]);
        let c = beats("m", &other, &diverged);
        assert_eq!(c.status, Status::Undecided);
        assert!(c.reason.unwrap().contains("diverged"));
        assert_eq!(c.value, None, "no number from a diverged run");
    }

    #[test]
    fn ties_and_degenerate_baselines_are_undecided() {
        let a = choose(&[
            run("a", 0.1, 0, Some(0.90), false),
            run("a", 0.1, 1, Some(0.80), false),
            run("a", 0.1, 2, Some(0.85), false),
        ]);
        let b = choose(&[
            run("b", 0.1, 0, Some(0.85), false),
            run("b", 0.1, 1, Some(0.86), false),
            run("b", 0.1, 2, Some(0.84), false),
        ]);
        let tie = beats("m", &a, &b);
        assert_eq!(tie.status, Status::Undecided);
        assert!(tie.reason.unwrap().contains("tie"));
        let stuck = |init: &str| {
            choose(&[
                run(init, 0.1, 0, Some(0.126), true),
                run(init, 0.1, 1, Some(0.126), true),
                run(init, 0.1, 2, Some(0.126), true),
            ])
        };
        let c = beats("m", &stuck("x"), &stuck("y"));
        assert_eq!(c.status, Status::Undecided);
        assert!(c.reason.unwrap().contains("degenerate"));
        assert!(stuck("x").describe().contains("predicts one class 3/3"));
        // A clear win is decided.
        let good = choose(&[
            run("g", 0.1, 0, Some(0.90), false),
            run("g", 0.1, 1, Some(0.91), false),
            run("g", 0.1, 2, Some(0.92), false),
        ]);
        assert_eq!(beats("m", &good, &stuck("x")).status, Status::Confirmed);
        assert_eq!(beats("m", &stuck("x"), &good).status, Status::Refuted);
    }
}
