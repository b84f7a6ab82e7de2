//! Seeds by power: an experiment of the suite runs look by look under its claims'
//! [`SeedRule`](crate::claims::SeedRule)s, fixed before the run.
//!
//! Look 1 trains every configuration on each rule's first seed count (`n_min`) and decides every
//! claim at its rule's per-look level. A claim decided there is final: it is frozen and returned
//! unchanged by later looks. While a claim is still undecided before its last look, the next look
//! runs the same experiment again with that look's seed count: the sweeps resume, so only the
//! new seeds train, and the untrained studies are computed again on the larger seed set. After
//! the last look an undecided claim stays undecided, reporting the smallest effect its interval
//! could have detected. `--seeds N` on the command line runs one look of `N` seeds instead, at
//! level `1 − α`. Each look is recorded in the experiment's `sequential.json`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Context;
use crate::claims::{Claim, Stage, Status, with_stage};
use crate::error::Result;
use crate::experiments::Experiment;
use crate::options::Scale;
use crate::record::{read_json, write_json};

/// A guard against a rule with more looks than any declared (the suite's have at most 3).
pub const MAX_LOOKS: usize = 16;

/// One look of an experiment (`sequential.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Look {
    /// 1-based.
    pub look: usize,
    /// The experiment's own seeds at this look (its descriptor's rule; parts with their own rule
    /// say so in their report).
    pub seeds: usize,
    /// Claims decided at this look, by id.
    pub decided: Vec<String>,
    /// Claims still open after it (undecided before their last look), by id.
    pub open: Vec<String>,
    /// Wall time of the look.
    pub wall_seconds: f64,
}

/// Runs `look(k)` for `k = 0, 1, …` with the stage of look `k` set ([`with_stage`]), freezing
/// each claim at the first look that decides it, until no claim is open (or after one look with
/// `fixed_seeds`). Returns the claims of the last look (frozen ones as they were decided) and the
/// looks.
///
/// # Errors
/// The first error of `look`.
pub fn run_staged(
    scale: Scale,
    fixed_seeds: Option<usize>,
    max_looks: usize,
    mut look: impl FnMut(usize) -> Result<(usize, Vec<Claim>)>,
) -> Result<(Vec<Claim>, Vec<Look>)> {
    let mut frozen: BTreeMap<String, Claim> = BTreeMap::new();
    let mut looks = Vec::new();
    let mut last = Vec::new();
    for k in 0..max_looks.clamp(1, MAX_LOOKS) {
        let stage = Stage {
            index: k,
            fixed_seeds,
            scale: scale.name().into(),
            frozen: frozen.clone(),
        };
        let t = std::time::Instant::now();
        let (seeds, claims) = with_stage(stage, || look(k))?;
        let mut decided = Vec::new();
        for c in &claims {
            if c.decision.status != Status::Undecided && !frozen.contains_key(&c.id) {
                decided.push(c.id.clone());
                frozen.insert(c.id.clone(), c.clone());
            }
        }
        let open: Vec<String> = claims
            .iter()
            .filter(|c| c.open())
            .map(|c| c.id.clone())
            .collect();
        looks.push(Look {
            look: k + 1,
            seeds,
            decided,
            open: open.clone(),
            wall_seconds: t.elapsed().as_secs_f64(),
        });
        last = claims;
        if open.is_empty() || fixed_seeds.is_some() || k + 1 >= max_looks {
            break;
        }
        eprintln!(
            "look {} left {} undecided ({}): adding seeds by the rule fixed before the run",
            k + 1,
            open.len(),
            open.join(", ")
        );
    }
    Ok((last, looks))
}

/// Runs `experiment` (a suite experiment) in `out` look by look: each look sets its seeds (the
/// descriptor's rule, unless `--seeds` was given), runs it, and reads the `claims.json` it wrote.
/// Writes `sequential.json` beside it. Returns the final claims.
///
/// # Errors
/// Those of the experiment; a `claims.json` that cannot be read.
pub fn run_experiment(experiment: &Experiment, ctx: &Context, out: &Path) -> Result<Vec<Claim>> {
    let o = &ctx.options;
    let given = o.was_given("seeds").then(|| o.seeds());
    // The quick profile runs one look of each rule's first seeds: it checks the code paths, it
    // decides nothing.
    let max_looks = if o.scale == Scale::Quick {
        1
    } else {
        MAX_LOOKS
    };
    let (claims, looks) = run_staged(o.scale, given, max_looks, |k| {
        let mut sub = ctx.clone();
        let seeds = given.unwrap_or_else(|| experiment.seeds.map_or(1, |r| r.seeds_at(k)));
        sub.options.seeds = Some(seeds);
        sub.options.out = Some(out.to_path_buf());
        (experiment.run)(&sub)?;
        Ok((seeds, read_json(&out.join("claims.json"))?))
    })?;
    write_json(&out.join("sequential.json"), &looks)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::SeedRule;

    const RULE: SeedRule = SeedRule::staged(&[3, 6, 10]);

    /// A claim of "the effect is above 0" on the first `n` of `values`.
    fn claim(id: &'static str, values: &[f64], n: usize) -> Claim {
        crate::claims::above_zero(id, &values[..n], RULE)
    }

    #[test]
    fn a_claim_straddling_its_threshold_gets_the_staged_seeds_and_the_declared_level() {
        // The first 3 seeds straddle 0; 6 seeds show a clear effect at 98.3 %.
        let straddling = [0.6, -0.1, 0.4, 0.5, 0.5, 0.5, 0.6, 0.65, 0.55, 0.6];
        // Decided at once.
        let clear = [0.5, 0.52, 0.51, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
        // Never decided: a tie at every look.
        let tie = [0.1, -0.1, 0.05, -0.05, 0.1, -0.1, 0.05, -0.05, 0.02, -0.02];
        let mut ran = Vec::new();
        let (claims, looks) = run_staged(Scale::Default, None, MAX_LOOKS, |k| {
            let n = crate::claims::seeds_for(&RULE);
            ran.push((k, n));
            Ok((
                n,
                vec![
                    claim("straddling", &straddling, n),
                    claim("clear", &clear, n),
                    claim("tie", &tie, n),
                ],
            ))
        })
        .unwrap();
        assert_eq!(ran, vec![(0, 3), (1, 6), (2, 10)], "the declared looks ran");
        let by = |id: &str| claims.iter().find(|c| c.id == id).unwrap();
        let level = 1.0 - 0.05 / 3.0;
        let s = by("straddling");
        assert_eq!(s.decision.status, Status::Confirmed);
        assert_eq!(
            (s.seeds.look, s.decision.n_seeds),
            (2, 6),
            "decided at look 2"
        );
        assert!((s.seeds.level - level).abs() < 1e-15, "{}", s.seeds.level);
        assert!((s.decision.level - level).abs() < 1e-15);
        assert_eq!((s.seeds.alpha, s.seeds.rule.as_str()), (0.05, "bonferroni"));
        assert_eq!((s.seeds.n_min, s.seeds.n_max), (3, 10));
        // At 95 % the first 3 seeds would not decide either, and at look 1 they did not.
        assert_eq!(looks[0].open, vec!["straddling".to_string(), "tie".into()]);
        assert_eq!(looks[0].decided, vec!["clear".to_string()]);
        // Frozen at look 1, not re-decided on 10 seeds.
        let c = by("clear");
        assert_eq!((c.seeds.look, c.decision.n_seeds), (1, 3));
        // Undecided after the last look, with its detectable effect.
        let t = by("tie");
        assert_eq!((t.decision.status, t.seeds.look), (Status::Undecided, 3));
        let [lo, hi] = t.decision.interval.unwrap();
        assert_eq!(t.detectable_effect, Some((hi - lo) / 2.0));
        assert!(
            t.reason_text().contains("no effect larger than"),
            "{}",
            t.reason_text()
        );
        assert_eq!(looks.len(), 3);
    }

    #[test]
    fn fixed_seeds_run_one_look_at_the_single_look_level() {
        let values = [0.6, -0.1, 0.4, 0.5, 0.5, 0.5];
        let mut calls = 0;
        let (claims, looks) = run_staged(Scale::Default, Some(6), MAX_LOOKS, |_| {
            calls += 1;
            let n = crate::claims::seeds_for(&RULE);
            Ok((n, vec![claim("x", &values, n)]))
        })
        .unwrap();
        assert_eq!((calls, looks.len()), (1, 1));
        assert_eq!(claims[0].seeds.rule, "fixed");
        assert_eq!(claims[0].decision.n_seeds, 6);
        assert!((claims[0].seeds.level - 0.95).abs() < 1e-15);
    }
}
