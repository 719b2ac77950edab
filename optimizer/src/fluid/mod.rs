//! The fast fluid solver: minimize the max over scenarios and links of scaled utilization, by Gauss-Seidel
//! path shifting on a log-sum-exp smoothing of the max with a rising sharpness (continuation), stopped by an
//! LP-duality certificate.
//!
//! `F_b(x) = M/b * ln sum_{s,e} exp(b * (u_se(x) - M) / M)` over-estimates the max `max u_se` by at most
//! `M * ln(#entries) / b`. For every demand in turn, flow moves from its dearer paths to the path of least
//! first derivative, by a Newton step scaled with the diagonal of the Hessian (Bertsekas-Gallager projection);
//! link states are updated at once, so later demands see earlier moves. The sharpness `b` grows geometrically from
//! `b_start` (global moves) to `b_end` (fine equalization of the bottlenecks); the best solution by the exact max
//! is kept.
//!
//! Before every sweep a read-only pricing pass evaluates every path under the normalized weights: it yields a
//! lower bound on the optimum (so the solver stops as soon as the best max is provably within `gap`), each
//! demand's Frank-Wolfe gap (demands that are balanced within the stage's resolution are skipped), and the
//! stage's total gap (a stage ends once it is solved to its resolution). Each sweep costs O(sum of path lengths
//! * scenarios); late sweeps touch only the few demands that still matter.

mod state;
mod sweep;

use state::State;

use crate::error::Result;
use crate::instance::{Instance, Scenario, Splits};

/// Tuning of the fluid solver (defaults are instance-independent: they are in units of the current max).
#[derive(Debug, Clone, PartialEq)]
pub struct FluidConfig {
    /// First sharpness for a cold start (from the capacity-proportional split).
    pub b_start: f64,
    /// First sharpness when warm-started from given splits (they are presumably near-optimal already).
    pub b_warm: f64,
    /// Final sharpness: the smoothing error is at most `ln(#tied entries) / b_end` relative to the max.
    pub b_end: f64,
    /// Factor between stages.
    pub growth: f64,
    /// Sweeps per intermediate stage (at most).
    pub stage_sweeps: usize,
    /// Sweeps at the final sharpness (at most).
    pub final_sweeps: usize,
    /// A stage ends when a sweep improves the smoothed max by less than this fraction.
    pub tol: f64,
    /// The solver stops once the best max is provably within this fraction of the optimum.
    pub gap: f64,
    /// An intermediate stage also ends once its Frank-Wolfe gap (a bound on its distance to the stage optimum)
    /// is below this fraction of the stage's resolution `max / b`...
    pub stage_gap: f64,
    /// ...or below the resolution itself after a sweep that improved the exact max by less than this fraction.
    pub stall: f64,
    /// A sweep skips demands whose gap is below this fraction of the resolution spread over the demands.
    pub skip: f64,
}

impl Default for FluidConfig {
    fn default() -> Self {
        FluidConfig {
            b_start: 64.0,
            b_warm: 256.0,
            b_end: 8192.0,
            growth: 4.0,
            stage_sweeps: 50,
            final_sweeps: 400,
            tol: 1e-6,
            gap: 1e-3,
            stage_gap: 0.1,
            stall: 1e-3,
            skip: 0.1,
        }
    }
}

/// The fluid solver's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct FluidSolution {
    pub splits: Splits,
    /// The exact objective (max scaled utilization over usable capacity) of `splits`.
    pub objective: f64,
    /// A lower bound on the optimum (LP duality): `objective / lower_bound - 1` bounds the relative gap.
    pub lower_bound: f64,
    pub sweeps: usize,
}

/// Solves the hedged min-max-utilization problem over `scenarios`, starting from `warm` when given and from the
/// capacity-proportional split otherwise.
pub fn solve(
    inst: &Instance,
    scenarios: &[Scenario],
    warm: Option<&Splits>,
    cfg: &FluidConfig,
) -> Result<FluidSolution> {
    for s in scenarios {
        inst.check_demand(&s.demand)?;
    }
    let x = match warm {
        Some(w) if w.x.len() == inst.path_count() => {
            let mut x = w.clone();
            x.repair(inst);
            x
        }
        _ => Splits::by_capacity(inst),
    };
    let mut st = State::new(inst, scenarios, x.x);
    let mut best = Best { max: st.max_u(), x: st.x.clone(), lower: 0.0 };
    let mut sweeps = 0;
    if best.max > 0.0 && !st.active.is_empty() {
        let mut b = if warm.is_some() { cfg.b_warm } else { cfg.b_start }.min(cfg.b_end);
        loop {
            let last = b >= cfg.b_end;
            let budget = if last { cfg.final_sweeps } else { cfg.stage_sweeps };
            if stage(&mut st, &mut best, b, budget, cfg, &mut sweeps) || last {
                break;
            }
            b = (b * cfg.growth).min(cfg.b_end);
        }
    }
    let splits = Splits { x: best.x };
    let objective = inst.objective(scenarios, &splits);
    Ok(FluidSolution { objective, lower_bound: best.lower.min(objective), splits, sweeps })
}

/// The best splits so far (by the exact max) and the best lower bound on the optimum.
struct Best {
    max: f64,
    x: Vec<f64>,
    lower: f64,
}

/// Runs up to `budget` sweeps at sharpness `b` (relative to the current max); true when the gap is closed.
fn stage(st: &mut State, best: &mut Best, b: f64, budget: usize, cfg: &FluidConfig, sweeps: &mut usize) -> bool {
    // The sharpness is fixed for the stage, so the smoothed max is one function and must keep decreasing.
    st.beta = b / st.max_u();
    let mut f = st.refresh();
    let mut stalled = false;
    for _ in 0..budget {
        let pricing = st.price();
        best.lower = best.lower.max(pricing.lower_bound);
        if best.max <= best.lower * (1.0 + cfg.gap) {
            return true;
        }
        let resolution = st.max_u() / b;
        let g = pricing.total_gap;
        if b < cfg.b_end && (g <= cfg.stage_gap * resolution || (stalled && g <= resolution)) {
            return false;
        }
        let before = st.max_u();
        st.sweep(&pricing.gap, cfg.skip * resolution / st.active.len() as f64);
        *sweeps += 1;
        let m = st.max_u();
        if m < best.max {
            best.max = m;
            st.sync(&mut best.x);
        }
        stalled = m > before * (1.0 - cfg.stall);
        let f2 = st.refresh();
        if f - f2 < cfg.tol * f2 {
            return false;
        }
        f = f2;
    }
    false
}
