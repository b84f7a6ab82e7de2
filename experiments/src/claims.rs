//! Claims: a statement from the literature, decided by a protocol fixed before the run.
//!
//! Every claim names its metric, a threshold (with the reason it sits where it does), the
//! direction in which the claim holds, the theory's prediction where there is one, and the
//! per-seed measurements. The outcome follows one rule for the whole suite:
//!
//! * the 95 % interval of the mean over seeds (Student's t) lies entirely on the claim's side of
//!   the threshold: `confirmed`;
//! * entirely on the other side: `refuted`;
//! * otherwise — the interval contains the threshold (a tie within seed noise), fewer than two
//!   seeds, a diverged run among the compared ones, a degenerate baseline (every compared net
//!   predicting one class), or a missing measurement — `undecided`, with the reason.
//!
//! A claim with several conditions (e.g. "at every layer") is confirmed when every condition is,
//! refuted when any condition is, undecided otherwise; its headline value is the deciding
//! condition's (the refuted one, the undecided one, or the one with the least margin).
//!
//! **Seeds by power, fixed in advance** ([`SeedRule`]): every claim declares its looks, the seed
//! counts `n_min = n₁ < n₂ < … < n_K = n_max` at which it may be decided. A claim still undecided
//! at look `k` gets the seeds of look `k + 1` (the harness trains only the new ones,
//! [`crate::sequential`]); at every look the interval has level `1 − α/K` (a Bonferroni split of
//! `α` = 0.05 over the `K` looks), so the chance that a claim is decided wrongly at any of its
//! looks stays at most `α` whatever the looks show. A decided claim is final at the look that
//! decided it (later looks of other claims do not reopen it). An undecided claim reports the
//! half-width of its last interval: the smallest effect those seeds could have detected.
//! `--seeds N` on the command line replaces the rule by one look of `N` seeds at level `1 − α`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Confidence level of an interval decided at a single look (`1 − ALPHA`).
pub const LEVEL: f64 = 0.95;

/// The error rate every claim is held to, over all its looks together.
pub const ALPHA: f64 = 0.05;

/// How many seeds a claim is decided on, fixed before the run: its looks (seed counts, in
/// increasing order) and the error rate `α` spent over them by a Bonferroni split (each look's
/// interval has level `1 − α/K` for `K` looks). See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedRule {
    /// Seed counts of the looks, increasing (`looks[0]` is `n_min`, the last `n_max`).
    pub looks: &'static [usize],
    /// The error rate over all looks.
    pub alpha: f64,
}

impl SeedRule {
    /// One look of `n` seeds at level `1 − α` (`looks` holds one count).
    pub const fn single(looks: &'static [usize]) -> Self {
        Self::staged(looks)
    }

    /// Looks at `looks` seeds, `α` split evenly over them.
    pub const fn staged(looks: &'static [usize]) -> Self {
        Self {
            looks,
            alpha: ALPHA,
        }
    }

    /// The first look's seeds.
    pub fn n_min(&self) -> usize {
        self.looks.first().copied().unwrap_or(1)
    }

    /// The last look's seeds.
    pub fn n_max(&self) -> usize {
        self.looks.last().copied().unwrap_or(1)
    }

    /// The level of each look's interval: `1 − α/K`.
    pub fn level(&self) -> f64 {
        1.0 - self.alpha / self.looks.len().max(1) as f64
    }

    /// The seeds of look `index` (0-based; past the last look, the last look's).
    pub fn seeds_at(&self, index: usize) -> usize {
        self.looks
            .get(index)
            .or(self.looks.last())
            .copied()
            .unwrap_or(1)
    }
}

/// The seeds under which a claim was decided (one entry of `claims.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedRecord {
    /// `bonferroni` (looks declared in advance, `α` split evenly), or `fixed` (`--seeds N`: one
    /// look).
    pub rule: String,
    /// The overall error rate.
    pub alpha: f64,
    /// The declared looks (seed counts).
    pub looks: Vec<usize>,
    /// `n_min`.
    pub n_min: usize,
    /// `n_max`.
    pub n_max: usize,
    /// The look (1-based) at which the claim was decided, or its last look.
    pub look: usize,
    /// The level of that look's interval.
    pub level: f64,
}

impl SeedRecord {
    /// `3→6→10 seeds, Bonferroni α = 0.05 (98.3 % per look); decided at look 2`.
    pub fn describe(&self) -> String {
        let looks = self
            .looks
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join("→");
        if self.rule == "fixed" {
            format!(
                "{looks} seeds (fixed by --seeds), level {}",
                percent_level(self.level)
            )
        } else {
            format!(
                "looks at {looks} seeds, Bonferroni α = {} ({} per look); look {}",
                fmt(self.alpha),
                percent_level(self.level),
                self.look
            )
        }
    }
}

/// `95 %`, `98.3 %`.
pub fn percent_level(level: f64) -> String {
    let p = format!("{:.1}", 100.0 * level);
    format!("{} %", p.trim_end_matches(".0"))
}

/// The state of the look being run, set by [`with_stage`] (the harness's
/// [`crate::sequential::run_staged`]) for the length of one look; outside it, the first look of
/// every rule.
#[derive(Debug, Clone, Default)]
pub struct Stage {
    /// The look (0-based).
    pub index: usize,
    /// `--seeds N`: one look of `N` seeds replaces every rule.
    pub fixed_seeds: Option<usize>,
    /// The profile the run uses (`quick`, `default`, `paper`), recorded in every claim.
    pub scale: String,
    /// Claims decided at an earlier look: final, returned as they were.
    pub frozen: std::collections::BTreeMap<String, Claim>,
}

thread_local! {
    static STAGE: std::cell::RefCell<Stage> = std::cell::RefCell::new(Stage::default());
}

/// Runs `f` with `stage` as the current look (restored afterwards, also on a panic's unwind).
pub fn with_stage<T>(stage: Stage, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Stage>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(s) = self.0.take() {
                STAGE.with(|c| *c.borrow_mut() = s);
            }
        }
    }
    let previous = STAGE.with(|c| std::mem::replace(&mut *c.borrow_mut(), stage));
    let _restore = Restore(Some(previous));
    f()
}

/// The current look.
pub fn current_stage() -> Stage {
    STAGE.with(|c| c.borrow().clone())
}

/// The seeds `rule` asks for at the current look (or `--seeds N`).
pub fn seeds_for(rule: &SeedRule) -> usize {
    STAGE.with(|c| {
        let s = c.borrow();
        s.fixed_seeds.unwrap_or_else(|| rule.seeds_at(s.index))
    })
}

/// The outcome of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The interval lies on the claim's side of the threshold.
    Confirmed,
    /// The interval lies on the other side.
    Refuted,
    /// The data cannot decide (the reason says why).
    Undecided,
}

impl Status {
    /// `confirmed`, `refuted`, `undecided`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Refuted => "refuted",
            Self::Undecided => "undecided",
        }
    }

    /// `Some(true)`, `Some(false)`, `None`.
    pub fn holds(self) -> Option<bool> {
        match self {
            Self::Confirmed => Some(true),
            Self::Refuted => Some(false),
            Self::Undecided => None,
        }
    }
}

/// On which side of the threshold a claim holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The claim holds when the value is above the threshold.
    Above,
    /// The claim holds when the value is below the threshold.
    Below,
}

impl Direction {
    /// `>` or `<`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Above => ">",
            Self::Below => "<",
        }
    }
}

/// Mean and 95 % interval of per-seed values (Student's t with `n − 1` degrees of freedom).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean over seeds.
    pub mean: f64,
    /// Sample standard deviation over seeds (0 for one seed).
    pub sd: f64,
    /// Lower end of the interval (`None` for fewer than two seeds).
    pub lo: Option<f64>,
    /// Upper end of the interval.
    pub hi: Option<f64>,
    /// Number of seeds.
    pub n: usize,
}

impl Estimate {
    /// The estimate of `values` with a [`LEVEL`] interval (every value must be finite; `None` if
    /// there is none or one is not finite).
    pub fn of(values: &[f64]) -> Option<Self> {
        Self::at_level(values, LEVEL)
    }

    /// The estimate of `values` with an interval of `level`.
    pub fn at_level(values: &[f64], level: f64) -> Option<Self> {
        let n = values.len();
        if n == 0 || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Some(Self {
                mean,
                sd: 0.0,
                lo: None,
                hi: None,
                n,
            });
        }
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let half = t_quantile_at(n - 1, level) * sd / (n as f64).sqrt();
        Some(Self {
            mean,
            sd,
            lo: Some(mean - half),
            hi: Some(mean + half),
            n,
        })
    }

    /// The interval as `[lo, hi]`, if there is one.
    pub fn interval(&self) -> Option<[f64; 2]> {
        Some([self.lo?, self.hi?])
    }

    /// The estimate of a fraction as percentages: `mean % [lo, hi]` (one decimal), or
    /// `mean %` without an interval.
    pub fn percent(&self) -> String {
        match self.interval() {
            Some([lo, hi]) => format!(
                "{:.1} % [{:.1}, {:.1}]",
                100.0 * self.mean,
                100.0 * lo,
                100.0 * hi
            ),
            None => format!("{:.1} %", 100.0 * self.mean),
        }
    }

    /// Whether `x` lies inside the interval (`false` without one).
    pub fn contains(&self, x: f64) -> bool {
        matches!((self.lo, self.hi), (Some(lo), Some(hi)) if lo <= x && x <= hi)
    }
}

/// The `(1 + LEVEL)/2` quantile of Student's t with `df` degrees of freedom (12.706 for 1, 4.303
/// for 2, 2.262 for 9, → 1.960).
pub fn t_quantile(df: usize) -> f64 {
    t_quantile_at(df, LEVEL)
}

/// The `(1 + level)/2` quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile_at(df: usize, level: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df.max(1) as f64)
        .map(|t| t.inverse_cdf(0.5 + level / 2.0))
        .unwrap_or(f64::NAN)
}

/// One measured condition of a claim: a metric over seeds against a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// What is measured (e.g. `layer 3: std(L3)/std(L1)`).
    pub metric: String,
    /// Mean over seeds (`None`: not measurable, e.g. every run diverged).
    pub value: Option<f64>,
    /// 95 % interval over seeds.
    pub interval: Option<[f64; 2]>,
    /// Seeds measured.
    pub n_seeds: usize,
    /// The per-seed values the condition was decided on (so it can be decided again at another
    /// level).
    #[serde(default)]
    pub values: Vec<f64>,
    /// The level of `interval`.
    #[serde(default = "default_level")]
    pub level: f64,
    /// What made the condition undecided before its numbers were looked at (a diverged run, a
    /// degenerate baseline), at any level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<String>,
    /// Threshold.
    pub threshold: f64,
    /// The side on which the condition holds.
    pub direction: Direction,
    /// The theory's value of the metric, where theory gives one.
    pub prediction: Option<f64>,
    /// The outcome of this condition.
    pub status: Status,
    /// Why it is undecided (or what decided it, when worth saying).
    pub reason: Option<String>,
}

fn default_level() -> f64 {
    LEVEL
}

/// What can make a condition undecided before its numbers are looked at.
#[derive(Debug, Clone, Default)]
pub struct Guards {
    /// Runs that diverged among those the condition compares: `(diverged, total)`.
    pub diverged: Option<(usize, usize)>,
    /// Set when the baseline the condition needs is degenerate (the text says how).
    pub degenerate: Option<String>,
}

impl Guards {
    /// The reason these guards make a condition undecided, if they do.
    fn reason(&self) -> Option<String> {
        if let Some((k, n)) = self.diverged.filter(|(k, _)| *k > 0) {
            return Some(format!("{k} of {n} compared runs diverged"));
        }
        self.degenerate
            .as_ref()
            .map(|why| format!("degenerate baseline: {why}"))
    }
}

impl Condition {
    /// Decides `values` (one per seed) against `threshold` in `direction`, at level [`LEVEL`]
    /// (a claim decides it again at its rule's level, [`Claim::new`]).
    pub fn decide(
        metric: impl Into<String>,
        values: &[f64],
        threshold: f64,
        direction: Direction,
        prediction: Option<f64>,
        guards: &Guards,
    ) -> Self {
        Self {
            metric: metric.into(),
            value: None,
            interval: None,
            n_seeds: values.len(),
            values: values.to_vec(),
            level: LEVEL,
            guard: guards.reason(),
            threshold,
            direction,
            prediction,
            status: Status::Undecided,
            reason: None,
        }
        .at_level(LEVEL)
    }

    /// This condition decided again on its values at `level`.
    pub fn at_level(&self, level: f64) -> Self {
        let estimate = Estimate::at_level(&self.values, level);
        let (status, reason) = self.outcome(estimate.as_ref(), level);
        Self {
            value: estimate.map(|e| e.mean),
            interval: estimate.and_then(|e| e.interval()),
            n_seeds: self.values.len(),
            level,
            status,
            reason,
            ..self.clone()
        }
    }

    /// This condition made undecided by `why` whatever its numbers (e.g. a degenerate baseline
    /// found after deciding).
    pub fn guarded(self, why: impl Into<String>) -> Self {
        let level = self.level;
        Self {
            guard: Some(why.into()),
            ..self
        }
        .at_level(level)
    }

    fn outcome(&self, estimate: Option<&Estimate>, level: f64) -> (Status, Option<String>) {
        if let Some(why) = &self.guard {
            return (Status::Undecided, Some(why.clone()));
        }
        let Some(e) = estimate else {
            return (Status::Undecided, Some("no finite measurement".to_string()));
        };
        let (Some(lo), Some(hi)) = (e.lo, e.hi) else {
            return (
                Status::Undecided,
                Some(format!("{} seed(s): no interval (at least 2 needed)", e.n)),
            );
        };
        let threshold = self.threshold;
        let (side, other) = match self.direction {
            Direction::Above => (lo > threshold, hi < threshold),
            Direction::Below => (hi < threshold, lo > threshold),
        };
        if side {
            (Status::Confirmed, None)
        } else if other {
            (Status::Refuted, None)
        } else {
            (
                Status::Undecided,
                Some(format!(
                    "tie: the {} interval [{}, {}] contains the threshold {}",
                    percent_level(level),
                    fmt(lo),
                    fmt(hi),
                    fmt(threshold)
                )),
            )
        }
    }

    /// Half the width of the interval: the smallest effect these seeds could have detected.
    pub fn detectable_effect(&self) -> Option<f64> {
        self.interval.map(|[lo, hi]| (hi - lo) / 2.0)
    }

    /// How far the interval lies on the claim's side of the threshold (negative: the other side).
    fn margin(&self) -> f64 {
        match (self.interval, self.direction) {
            (Some([lo, _]), Direction::Above) => lo - self.threshold,
            (Some([_, hi]), Direction::Below) => self.threshold - hi,
            _ => f64::NEG_INFINITY,
        }
    }

    /// The measurement in words: `metric = estimate (threshold > t, prediction p) — reason`
    /// (for the terminal and the suite's summary).
    pub fn measured_text(&self) -> String {
        let (metric, estimate, threshold) = self.measured_parts();
        format!(
            "{metric} = {estimate} (threshold {threshold}{}){}",
            self.prediction
                .map_or(String::new(), |p| format!(", prediction {}", fmt(p))),
            self.reason
                .as_ref()
                .map_or(String::new(), |r| format!(" — {r}"))
        )
    }

    /// The measured cells of a claims table row: `metric: estimate | direction threshold |
    /// prediction | seeds` (shared by the reports' table and the README's).
    pub fn measured_cells(&self) -> String {
        let (metric, estimate, threshold) = self.measured_parts();
        let prediction = self.prediction.map_or("—".into(), fmt);
        format!(
            "{metric}: {estimate} | {threshold} | {prediction} | {}",
            self.n_seeds
        )
    }

    /// What every rendering of the measurement shows: the metric, the estimate with its
    /// interval, and the threshold after its direction (`> 0.5`).
    fn measured_parts(&self) -> (&str, String, String) {
        (
            &self.metric,
            fmt_estimate(self.value, self.interval),
            format!("{} {}", self.direction.symbol(), fmt(self.threshold)),
        )
    }

    /// Whether the prediction lies outside the measurement's interval.
    pub fn prediction_outside_interval(&self) -> bool {
        matches!((self.prediction, self.interval), (Some(p), Some([lo, hi])) if p < lo || p > hi)
    }
}

/// A claim of the suite (one entry of `claims.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// Stable id.
    pub id: String,
    /// The claim, in words.
    pub claim: String,
    /// Where it comes from (paper, section).
    pub source: String,
    /// The deciding condition, with the claim's outcome and the reason for it (its fields sit
    /// at the top level of the JSON entry).
    #[serde(flatten)]
    pub decision: Condition,
    /// Why the threshold sits where it does (fixed before the run).
    pub threshold_reason: String,
    /// `true` confirmed, `false` refuted, `null` undecided.
    pub holds: Option<bool>,
    /// Every condition (one for simple claims; one per layer for per-layer claims).
    pub conditions: Vec<Condition>,
    /// The seeds it was decided on and the rule that added them.
    pub seeds: SeedRecord,
    /// Undecided claims: half the width of the deciding interval, the smallest effect the seeds
    /// could have detected ("no effect larger than this").
    pub detectable_effect: Option<f64>,
    /// The profile of the run (`quick`, `default`, `paper`).
    pub scale: String,
}

/// The text of a claim before it is decided.
#[derive(Debug, Clone)]
pub struct ClaimText {
    /// Stable id.
    pub id: &'static str,
    /// The claim, in words.
    pub claim: String,
    /// Where it comes from.
    pub source: &'static str,
    /// Why the thresholds sit where they do.
    pub threshold_reason: String,
    /// Its seeds: the looks and the rule, fixed before the run.
    pub seeds: SeedRule,
}

impl Claim {
    /// A claim decided by its `conditions` (at least one), each decided again at the level of
    /// the claim's look under its [`SeedRule`] (or as frozen at an earlier look, see [`Stage`]).
    pub fn new(text: ClaimText, conditions: Vec<Condition>) -> Self {
        let stage = current_stage();
        if let Some(frozen) = stage.frozen.get(text.id) {
            return frozen.clone();
        }
        let seeds = match stage.fixed_seeds {
            Some(n) => SeedRecord {
                rule: "fixed".into(),
                alpha: text.seeds.alpha,
                looks: vec![n],
                n_min: n,
                n_max: n,
                look: 1,
                level: 1.0 - text.seeds.alpha,
            },
            None => SeedRecord {
                rule: "bonferroni".into(),
                alpha: text.seeds.alpha,
                looks: text.seeds.looks.to_vec(),
                n_min: text.seeds.n_min(),
                n_max: text.seeds.n_max(),
                look: stage.index.min(text.seeds.looks.len().saturating_sub(1)) + 1,
                level: text.seeds.level(),
            },
        };
        let conditions: Vec<Condition> =
            conditions.iter().map(|c| c.at_level(seeds.level)).collect();
        let status = if conditions.is_empty() {
            Status::Undecided
        } else if conditions.iter().all(|c| c.status == Status::Confirmed) {
            Status::Confirmed
        } else if conditions.iter().any(|c| c.status == Status::Refuted) {
            Status::Refuted
        } else {
            Status::Undecided
        };
        let deciding = match status {
            Status::Confirmed => conditions
                .iter()
                .min_by(|a, b| a.margin().total_cmp(&b.margin())),
            Status::Refuted => conditions.iter().find(|c| c.status == Status::Refuted),
            Status::Undecided => conditions.iter().find(|c| c.status == Status::Undecided),
        };
        let reason = match (status, deciding) {
            (_, None) => Some("nothing was measured".to_string()),
            (Status::Confirmed, Some(_)) if conditions.len() > 1 => Some(format!(
                "all {} conditions hold; the closest is shown",
                conditions.len()
            )),
            (_, Some(d)) if conditions.len() > 1 => Some(match &d.reason {
                Some(r) => format!("{}: {r}", d.metric),
                None => format!("{}: interval on the wrong side", d.metric),
            }),
            (_, Some(d)) => d.reason.clone(),
        };
        let decision = match deciding {
            Some(d) => Condition {
                status,
                reason,
                ..d.clone()
            },
            None => Condition {
                metric: String::new(),
                value: None,
                interval: None,
                n_seeds: 0,
                values: Vec::new(),
                level: seeds.level,
                guard: None,
                threshold: f64::NAN,
                direction: Direction::Above,
                prediction: None,
                status,
                reason,
            },
        };
        let detectable_effect = (status == Status::Undecided)
            .then(|| decision.detectable_effect())
            .flatten();
        Self {
            id: text.id.into(),
            claim: text.claim,
            source: text.source.into(),
            decision,
            threshold_reason: text.threshold_reason,
            holds: status.holds(),
            conditions,
            seeds,
            detectable_effect,
            scale: if stage.scale.is_empty() {
                "default".into()
            } else {
                stage.scale
            },
        }
    }

    /// Whether more seeds may still decide it: undecided before its last look.
    pub fn open(&self) -> bool {
        self.decision.status == Status::Undecided && self.seeds.look < self.seeds.looks.len()
    }

    /// The reason cell: why it is undecided (with the detectable effect), or what decided it.
    pub fn reason_text(&self) -> String {
        let mut r = self.decision.reason.clone().unwrap_or_default();
        if let Some(h) = self.detectable_effect {
            if !r.is_empty() {
                r.push_str("; ");
            }
            r.push_str(&format!(
                "no effect larger than ±{} detectable on {} seeds",
                fmt(h),
                self.decision.n_seeds
            ));
        }
        r
    }
}

/// A number with four significant digits (scientific outside `[1e-3, 1e4)`).
pub fn fmt(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e4).contains(&a) {
        format!("{v:.3e}")
    } else {
        let s = format!("{v:.4}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// `value [lo, hi]`, or `—`.
pub fn fmt_estimate(value: Option<f64>, interval: Option<[f64; 2]>) -> String {
    match (value, interval) {
        (Some(v), Some([lo, hi])) => format!("{} [{}, {}]", fmt(v), fmt(lo), fmt(hi)),
        (Some(v), None) => fmt(v),
        _ => "—".into(),
    }
}

/// The Markdown table of claims (status, value with interval, threshold, prediction), then one
/// line per claim on why its threshold sits where it does.
pub fn table(claims: &[Claim]) -> String {
    let mut s = String::from(
        "| claim | status | measured (interval at the look's level) | threshold | prediction | seeds | reason |\n|---|---|---|---|---|---|---|\n",
    );
    for c in claims {
        let _ = writeln!(
            s,
            "| `{}`: {} | **{}** | {} | {} |",
            c.id,
            c.claim,
            c.decision.status.name(),
            c.decision.measured_cells(),
            c.reason_text(),
        );
    }
    s.push('\n');
    for c in claims {
        let _ = writeln!(
            s,
            "- `{}` (source: {}; scale {}; seeds: {}): threshold fixed before the run — {}",
            c.id,
            c.source,
            c.scale,
            c.seeds.describe(),
            c.threshold_reason
        );
    }
    s
}

/// Prints one line per claim to the terminal.
pub fn print(claims: &[Claim]) {
    println!("\nclaims:");
    for c in claims {
        println!(
            "  {:<30} {:<10} {}",
            c.id,
            c.decision.status.name(),
            c.decision.measured_text()
        );
    }
}

/// A claim of "the effect is above 0" on `values`, under `seeds` (for the suite's tests).
#[cfg(test)]
pub(crate) fn above_zero(id: &'static str, values: &[f64], seeds: SeedRule) -> Claim {
    Claim::new(
        ClaimText {
            id,
            claim: id.into(),
            source: "test",
            threshold_reason: "0".into(),
            seeds,
        },
        vec![Condition::decide(
            "effect",
            values,
            0.0,
            Direction::Above,
            None,
            &Guards::default(),
        )],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(values: &[f64], guards: &Guards) -> Condition {
        Condition::decide("m", values, 0.0, Direction::Above, None, guards)
    }

    #[test]
    fn t_quantiles_match_tables() {
        // Standard tables of t_{0.975}.
        for (df, t) in [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262), (29, 2.045)] {
            assert!(
                (t_quantile(df) - t).abs() < 1e-3,
                "df {df}: {}",
                t_quantile(df)
            );
        }
    }

    #[test]
    fn intervals_decide_and_ties_do_not() {
        let g = Guards::default();
        assert_eq!(decide(&[0.5, 0.6, 0.55], &g).status, Status::Confirmed);
        assert_eq!(decide(&[-0.5, -0.6, -0.55], &g).status, Status::Refuted);
        let tie = decide(&[0.3, -0.2, 0.1], &g);
        assert_eq!(tie.status, Status::Undecided);
        assert!(tie.reason.unwrap().contains("tie"));
        // Exactly equal nets: a zero-width interval at the threshold is a tie, not a "no".
        assert_eq!(decide(&[0.0, 0.0, 0.0], &g).status, Status::Undecided);
        // One seed: no interval, never decided.
        assert_eq!(decide(&[0.9], &g).status, Status::Undecided);
        let below = Condition::decide("m", &[0.1, 0.2, 0.15], 0.5, Direction::Below, None, &g);
        assert_eq!(below.status, Status::Confirmed);
    }

    #[test]
    fn divergence_degeneracy_and_missing_values_are_undecided() {
        let diverged = Guards {
            diverged: Some((1, 6)),
            ..Guards::default()
        };
        let c = decide(&[0.5, 0.6, 0.55], &diverged);
        assert_eq!(c.status, Status::Undecided);
        assert!(c.reason.unwrap().contains("diverged"));
        let degenerate = Guards {
            degenerate: Some("every net predicts one class".into()),
            ..Guards::default()
        };
        assert_eq!(
            decide(&[0.5, 0.6, 0.55], &degenerate).status,
            Status::Undecided
        );
        let nan = decide(&[0.5, f64::NAN], &Guards::default());
        assert_eq!((nan.status, nan.value), (Status::Undecided, None));
        assert_eq!(decide(&[], &Guards::default()).status, Status::Undecided);
    }

    #[test]
    fn table_rows_hold_every_cell() {
        let one_seed = Condition::decide(
            "m",
            &[0.9],
            0.5,
            Direction::Above,
            Some(0.75),
            &Guards::default(),
        );
        let c = Claim::new(
            ClaimText {
                id: "x",
                claim: "y".into(),
                source: "s",
                threshold_reason: "r".into(),
                seeds: SeedRule::single(&[3]),
            },
            vec![one_seed],
        );
        assert_eq!(c.decision.measured_cells(), "m: 0.9 | > 0.5 | 0.75 | 1");
        let reason = c
            .decision
            .reason
            .clone()
            .expect("one seed is undecided, with a reason");
        assert_eq!(
            c.decision.measured_text(),
            format!("m = 0.9 (threshold > 0.5, prediction 0.75) — {reason}")
        );
        let t = table(std::slice::from_ref(&c));
        assert!(
            t.contains("| `x`: y | **undecided** | m: 0.9 | > 0.5 | 0.75 | 1 | "),
            "{t}"
        );
    }

    #[test]
    fn claims_combine_conditions() {
        let g = Guards::default();
        let text = || ClaimText {
            id: "x",
            claim: "x".into(),
            source: "s",
            threshold_reason: "r".into(),
            seeds: SeedRule::single(&[3]),
        };
        let yes = decide(&[0.5, 0.6, 0.55], &g);
        let close = decide(&[0.1, 0.12, 0.11], &g);
        let tie = decide(&[0.3, -0.2, 0.1], &g);
        let no = decide(&[-0.5, -0.6, -0.55], &g);
        let c = Claim::new(text(), vec![yes.clone(), close.clone()]);
        assert_eq!(
            (c.decision.status, c.holds),
            (Status::Confirmed, Some(true))
        );
        assert_eq!(
            c.decision.value, close.value,
            "the closest condition is the headline"
        );
        let c = Claim::new(text(), vec![yes.clone(), tie.clone()]);
        assert_eq!((c.decision.status, c.holds), (Status::Undecided, None));
        let c = Claim::new(text(), vec![yes, tie, no.clone()]);
        assert_eq!((c.decision.status, c.holds), (Status::Refuted, Some(false)));
        assert_eq!(c.decision.value, no.value);
        assert_eq!(
            Claim::new(text(), vec![]).decision.status,
            Status::Undecided
        );
        let json = serde_json::to_value(&c).unwrap();
        for field in [
            "status",
            "value",
            "interval",
            "n_seeds",
            "threshold",
            "holds",
            "prediction",
        ] {
            assert!(json.get(field).is_some(), "{field}");
        }
        assert_eq!(json["status"], "refuted");
    }
}
