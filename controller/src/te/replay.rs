//! Offline replay: for every step t, forecast matrix t from matrices before t only, plan splits, and score them
//! on the actual matrix t.
//!
//! # The hedge, and why
//!
//! The next matrix is unknown; what is known is how traffic moved recently. The planner minimizes the
//! **worst-case ratio to optimal over a scenario set**: the last `history` matrices (12 by default) and, once
//! `min_forecast_history` matrices exist, the forecast's upper quantile (p90 per demand). Each scenario is scaled by
//! 1/its own optimum (computed by the same fluid solver when the matrix is observed), so the objective is
//! `max_s MLU_s(x) / OPT_s`: splits that are near-optimal for every recent matrix at once, which is exactly what
//! makes them near-optimal for the next one when traffic keeps moving within its recent envelope. Unlike
//! optimizing for the last matrix (over-fits to it) or for the element-wise peak of the window (a matrix that never
//! happens, over-provisions every pair at once), the scenario set keeps the demands' joint structure. Nothing here
//! is fitted to a dataset: 12 scenarios is "the recent past" at any sampling interval from 5 to 15 minutes, and
//! the hedge degrades gracefully (fewer scenarios = less hedge) when history is short.
//!
//! Defaults without history: step 0 splits every demand equally over its tunnels (the oblivious choice);
//! from step 1 on, the scenario set holds whatever matrices exist.

use std::time::Instant;

use fathom_optimizer::{plan, solve, Instance, PlanConfig, Scenario, Splits};
use fathom_predictor::{Ensemble, Ewma, Forecaster, HoltWinters, Series};

use crate::error::Result;
use crate::te::format::Tunnels;

/// Which model forecasts the upper-quantile scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForecastModel {
    None,
    Ewma,
    HoltWinters,
    Ensemble,
}

/// Replay knobs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayConfig {
    /// Recent matrices in the scenario set.
    pub history: usize,
    pub model: ForecastModel,
    /// Samples each demand's forecast looks at.
    pub forecast_window: usize,
    /// Matrices needed before the forecast scenario joins.
    pub min_forecast_history: usize,
    pub quantile: f64,
    pub plan: PlanConfig,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            history: 12,
            model: ForecastModel::Ewma,
            forecast_window: 48,
            min_forecast_history: 8,
            quantile: fathom_predictor::DEFAULT_QUANTILE,
            plan: PlanConfig::default(),
        }
    }
}

/// The outcome of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    pub step: usize,
    /// Per demand, fractions in tunnel order.
    pub splits: Vec<Vec<f64>>,
    /// Achieved max link utilization on the actual matrix.
    pub mlu: f64,
    pub ratio: Option<f64>,
    /// Wall time of forecasting and planning this step, seconds.
    pub solve_secs: f64,
    pub changed: bool,
}

/// Replay state: the history seen so far and the splits in force.
pub struct Replay {
    inst: Instance,
    pairs: Vec<(usize, usize)>,
    nodes: usize,
    cfg: ReplayConfig,
    model: Option<Box<dyn Forecaster>>,
    history: Vec<Vec<f64>>,
    optima: Vec<f64>,
    current: Splits,
    opt_warm: Option<Splits>,
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay").field("steps", &self.history.len()).field("cfg", &self.cfg).finish()
    }
}

impl Replay {
    pub fn new(inst: Instance, tunnels: &Tunnels, nodes: usize, cfg: ReplayConfig) -> Self {
        let model: Option<Box<dyn Forecaster>> = match cfg.model {
            ForecastModel::None => None,
            ForecastModel::Ewma => Some(Box::new(Ewma::default())),
            ForecastModel::HoltWinters => Some(Box::new(HoltWinters::default())),
            ForecastModel::Ensemble => Some(Box::new(Ensemble::default())),
        };
        let current = Splits::equal(&inst);
        Replay {
            inst,
            pairs: tunnels.pairs.clone(),
            nodes,
            cfg,
            model,
            history: vec![],
            optima: vec![],
            current,
            opt_warm: None,
        }
    }

    /// Demand vector (tunnel order) of an N*N matrix.
    pub fn demands(&self, matrix: &[f64]) -> Vec<f64> {
        self.pairs.iter().map(|&(s, d)| matrix[s * self.nodes + d]).collect()
    }

    /// Plans step `t = self.steps()` without seeing `matrix`, then scores on it and adds it to the history.
    pub fn step(&mut self, matrix: &[f64], opt: Option<f64>) -> Result<StepResult> {
        let start = Instant::now();
        let mut changed = false;
        if !self.history.is_empty() {
            let (scenarios, reference) = self.scenarios()?;
            let p = plan(&self.inst, &scenarios, &reference, &self.current, &self.cfg.plan)?;
            changed = p.changed;
            self.current = p.splits;
        }
        let solve_secs = start.elapsed().as_secs_f64();
        let actual = self.demands(matrix);
        let mlu = self.inst.mlu(&actual, &self.current);
        let step = self.history.len();
        let splits = (0..self.inst.demand_count()).map(|d| self.current.of(&self.inst, d).to_vec()).collect();
        self.observe(actual)?;
        Ok(StepResult { step, splits, mlu, ratio: opt.map(|o| mlu / o), solve_secs, changed })
    }

    /// Adds an observed matrix to the history with its optimum (its scale in later scenario sets).
    fn observe(&mut self, actual: Vec<f64>) -> Result<()> {
        let sol = solve(&self.inst, &[Scenario::new(actual.clone())], self.opt_warm.as_ref(), &self.cfg.plan.fluid)?;
        self.optima.push(sol.objective);
        self.opt_warm = Some(sol.splits);
        self.history.push(actual);
        Ok(())
    }

    fn scenarios(&self) -> Result<(Vec<Scenario>, Vec<f64>)> {
        let n = self.history.len();
        let lo = n.saturating_sub(self.cfg.history.max(1));
        let mut out: Vec<Scenario> = (lo..n).map(|i| scaled(self.history[i].clone(), self.optima[i])).collect();
        let mut reference = self.history[n - 1].clone();
        if let (Some(m), true) = (&self.model, n >= self.cfg.min_forecast_history) {
            let (point, upper) = self.forecast(m.as_ref())?;
            let o = solve(&self.inst, &[Scenario::new(upper.clone())], Some(&self.current), &self.cfg.plan.fluid)?;
            out.push(scaled(upper, o.objective));
            reference = point;
        }
        Ok((out, reference))
    }

    /// Per demand, the point forecast and upper quantile of the next matrix (both clamped at 0).
    fn forecast(&self, m: &dyn Forecaster) -> Result<(Vec<f64>, Vec<f64>)> {
        let n = self.history.len();
        let lo = n.saturating_sub(self.cfg.forecast_window);
        let (mut point, mut upper) = (Vec::new(), Vec::new());
        for d in 0..self.inst.demand_count() {
            let y: Vec<f64> = self.history[lo..].iter().map(|h| h[d]).collect();
            if y.iter().all(|v| *v == 0.0) {
                point.push(0.0);
                upper.push(0.0);
                continue;
            }
            let f = m.forecast(&Series::regular(y), 1, self.cfg.quantile)?;
            point.push(f.point.max(0.0));
            upper.push(f.upper.max(f.point).max(0.0));
        }
        Ok((point, upper))
    }
}

fn scaled(demand: Vec<f64>, opt: f64) -> Scenario {
    let scale = if opt > 0.0 { 1.0 / opt } else { 1.0 };
    Scenario { demand, scale }
}

/// The JSON line of a step: `{"step": t, "splits": {"s d": [f1, ...]}}`, pairs in tunnel order.
pub fn splits_json_line(r: &StepResult, pairs: &[(usize, usize)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .zip(&r.splits)
        .map(|((s, d), f)| {
            let fr: Vec<String> = f.iter().map(|v| format!("{v}")).collect();
            format!("\"{s} {d}\": [{}]", fr.join(", "))
        })
        .collect();
    format!("{{\"step\": {}, \"splits\": {{{}}}}}", r.step, body.join(", "))
}
