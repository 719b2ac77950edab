//! Loading a dataset and running a replay over it.

use std::path::PathBuf;

use crate::error::{malformed, Result};
use crate::te::format::{load_matrices, load_optima, load_topology, load_tunnels};
use crate::te::replay::{Replay, ReplayConfig, StepResult};
use crate::te::stats::Summary;

/// The files of a replay.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayInputs {
    pub topology: PathBuf,
    pub tunnels: PathBuf,
    pub matrices: PathBuf,
    pub opt: Option<PathBuf>,
    /// Replay only the first `limit` matrices.
    pub limit: Option<usize>,
}

/// Per-step results (splits dropped) and summaries.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayReport {
    pub steps: Vec<StepResult>,
    pub mlu: Summary,
    pub ratio: Option<Summary>,
    pub solve_secs: Summary,
}

/// Loads the inputs and replays every matrix; `on_step(result, pairs, total)` sees each step (with its splits) in
/// order.
pub fn run_replay(
    inputs: &ReplayInputs,
    cfg: ReplayConfig,
    mut on_step: impl FnMut(&StepResult, &[(usize, usize)], usize) -> Result<()>,
) -> Result<ReplayReport> {
    let topo = load_topology(&inputs.topology)?;
    let tunnels = load_tunnels(&inputs.tunnels, &topo)?;
    let mut matrices = load_matrices(&inputs.matrices, topo.nodes)?;
    if let Some(l) = inputs.limit {
        matrices.truncate(l);
    }
    check_pairs(inputs, &matrices, &tunnels.pairs, topo.nodes)?;
    let optima = match &inputs.opt {
        Some(f) => {
            let o = load_optima(f)?;
            if o.len() < matrices.len() {
                return malformed(f, o.len() + 1, format!("{} optima for {} matrices", o.len(), matrices.len()));
            }
            Some(o)
        }
        None => None,
    };
    let mut replay = Replay::new(tunnels.instance(&topo)?, &tunnels, topo.nodes, cfg);
    let mut steps = Vec::with_capacity(matrices.len());
    for (t, m) in matrices.iter().enumerate() {
        let mut r = replay.step(m, optima.as_ref().map(|o| o[t]))?;
        on_step(&r, &tunnels.pairs, matrices.len())?;
        r.splits = Vec::new();
        steps.push(r);
    }
    let col = |f: fn(&StepResult) -> Option<f64>| steps.iter().filter_map(f).collect::<Vec<f64>>();
    let empty = Summary { n: 0, mean: f64::NAN, p50: f64::NAN, p90: f64::NAN, p99: f64::NAN, max: f64::NAN };
    let mlu = Summary::of(&col(|s| Some(s.mlu))).unwrap_or(empty);
    let solve_secs = Summary::of(&col(|s| Some(s.solve_secs))).unwrap_or(empty);
    let ratio = Summary::of(&col(|s| s.ratio));
    Ok(ReplayReport { steps, mlu, ratio, solve_secs })
}

/// Every positive entry of every matrix must have tunnels (a demand nobody can route is a malformed input).
fn check_pairs(inputs: &ReplayInputs, matrices: &[Vec<f64>], pairs: &[(usize, usize)], n: usize) -> Result<()> {
    let mut has = vec![false; n * n];
    pairs.iter().for_each(|&(s, d)| has[s * n + d] = true);
    for (t, m) in matrices.iter().enumerate() {
        if let Some(i) = (0..n * n).find(|&i| m[i] > 0.0 && !has[i] && i / n != i % n) {
            let reason = format!("demand {} -> {} is positive but has no tunnels", i / n, i % n);
            return malformed(&inputs.matrices, t + 1, reason);
        }
    }
    Ok(())
}
