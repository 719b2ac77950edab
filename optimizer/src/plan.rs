//! Hedged, damped planning: solve over the demand scenarios, then bound how much traffic moves (damping), keep
//! the current splits unless the change relieves a forecast hotspot or improves the objective enough
//! (hysteresis), quantize to what devices hold, and explain every change.

use crate::error::Result;
use crate::fluid::{solve, FluidConfig};
use crate::instance::{Instance, Scenario, Splits};
use crate::quantize::{quantize_splits, Quantization};

/// Damping and reporting knobs.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanConfig {
    /// Minimum relative improvement of the hedged objective for a change without a relieved hotspot.
    pub hysteresis: f64,
    /// Utilization (over the usable capacity) above which a link is a hotspot under the reference forecast.
    pub hotspot: f64,
    /// Maximum share of the reference traffic moved per round, in (0, 1].
    pub max_move: f64,
    pub quantization: Quantization,
    pub fluid: FluidConfig,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            hysteresis: 0.01,
            hotspot: 0.9,
            max_move: 1.0,
            quantization: Quantization::None,
            fluid: FluidConfig::default(),
        }
    }
}

/// A forecast hotspot a change relieves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hotspot {
    pub link: usize,
    pub util_before: f64,
    pub util_after: f64,
}

/// One demand's new split and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub demand: usize,
    pub from: Vec<f64>,
    pub to: Vec<f64>,
    /// The hottest link the demand moved traffic off, if it was a hotspot that got cooler.
    pub relieves: Option<Hotspot>,
}

/// The outcome of one planning round.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Splits to install (the current ones when the plan holds).
    pub splits: Splits,
    /// False when hysteresis kept the current splits.
    pub changed: bool,
    pub objective_before: f64,
    pub objective_after: f64,
    /// Utilization per link under the reference demand, before and after.
    pub util_before: Vec<f64>,
    pub util_after: Vec<f64>,
    pub changes: Vec<Change>,
}

/// Plans one round. `reference` is the demand utilizations are reported for (e.g. the point forecast).
pub fn plan(
    inst: &Instance,
    scenarios: &[Scenario],
    reference: &[f64],
    current: &Splits,
    cfg: &PlanConfig,
) -> Result<Plan> {
    inst.check_demand(reference)?;
    let mut cur = current.clone();
    cur.repair(inst);
    let sol = solve(inst, scenarios, Some(&cur), &cfg.fluid)?;
    let damped = damp(inst, reference, &cur, &sol.splits, cfg.max_move);
    let new = quantize_splits(inst, &damped, cfg.quantization)?;
    let (ob, oa) = (inst.objective(scenarios, &cur), inst.objective(scenarios, &new));
    let util_before = capped_util(inst, reference, &cur);
    let util_after = capped_util(inst, reference, &new);
    let changes = explain(inst, &cur, &new, &util_before, &util_after, cfg.hotspot);
    let relieves = changes.iter().any(|c| c.relieves.is_some());
    let changed = !changes.is_empty() && (relieves || oa < ob * (1.0 - cfg.hysteresis));
    let (splits, changes, util_after, objective_after) = match changed {
        true => (new, changes, util_after, oa),
        false => (cur, Vec::new(), util_before.clone(), ob),
    };
    Ok(Plan { splits, changed, objective_before: ob, objective_after, util_before, util_after, changes })
}

fn capped_util(inst: &Instance, demand: &[f64], s: &Splits) -> Vec<f64> {
    inst.loads(demand, s).iter().enumerate().map(|(e, l)| l / inst.usable_capacity(e)).collect()
}

/// Share of `demand` that moves between `a` and `b`.
pub fn moved_share(inst: &Instance, demand: &[f64], a: &Splits, b: &Splits) -> f64 {
    let total: f64 = demand.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let moved: f64 = (0..inst.demand_count())
        .map(|d| demand[d] * inst.paths_of(d).map(|p| (a.x[p] - b.x[p]).abs()).sum::<f64>() / 2.0)
        .sum();
    moved / total
}

/// Moves from `cur` towards `new` by at most `max_move` of the traffic (the objective is convex, so the partial
/// step is no worse than the worse end).
fn damp(inst: &Instance, demand: &[f64], cur: &Splits, new: &Splits, max_move: f64) -> Splits {
    let moved = moved_share(inst, demand, cur, new);
    if moved <= max_move {
        return new.clone();
    }
    let lambda = max_move / moved;
    Splits { x: cur.x.iter().zip(&new.x).map(|(c, n)| c + lambda * (n - c)).collect() }
}

fn explain(inst: &Instance, cur: &Splits, new: &Splits, ub: &[f64], ua: &[f64], hot: f64) -> Vec<Change> {
    let mut out = Vec::new();
    for d in 0..inst.demand_count() {
        let (from, to) = (cur.of(inst, d), new.of(inst, d));
        if from.iter().zip(to).all(|(a, b)| (a - b).abs() <= 1e-6) {
            continue;
        }
        let hottest = inst
            .paths_of(d)
            .zip(from.iter().zip(to))
            .filter(|(_, (a, b))| b < a)
            .flat_map(|(p, _)| inst.path(p).iter().map(|&e| e as usize))
            .max_by(|&a, &b| ub[a].total_cmp(&ub[b]));
        let relieves = hottest.filter(|&e| ub[e] > hot && ua[e] < ub[e]).map(|e| Hotspot {
            link: e,
            util_before: ub[e],
            util_after: ua[e],
        });
        out.push(Change { demand: d, from: from.to_vec(), to: to.to_vec(), relieves });
    }
    out
}
