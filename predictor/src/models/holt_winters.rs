//! Additive Holt-Winters with a damped trend and the season length detected from the data.
//!
//! The smoothing factors are chosen per series from a small grid by the in-sample h-step squared error (each
//! prediction only uses earlier samples, so the choice is honest up to the grid's 18 candidates). Without a
//! detected season (or with fewer than two seasons of data) the model is Holt's damped linear trend.

use crate::error::Result;
use crate::forecast::{need, Fit, Forecaster};
use crate::models::season::detect_period;

const ALPHAS: [f64; 3] = [0.1, 0.3, 0.6];
const BETAS: [f64; 2] = [0.0, 0.05];
const GAMMAS: [f64; 3] = [0.1, 0.3, 0.6];
/// Trend damping per step.
const PHI: f64 = 0.9;

/// Holt-Winters; `period: None` detects the season (up to `max_period`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HoltWinters {
    pub period: Option<usize>,
    pub max_period: usize,
}

impl Default for HoltWinters {
    fn default() -> Self {
        HoltWinters { period: None, max_period: 96 }
    }
}

impl Forecaster for HoltWinters {
    fn name(&self) -> &'static str {
        "holt-winters"
    }

    fn fit(&self, y: &[f64], h: usize) -> Result<Fit> {
        need("holt-winters", 3, y.len())?;
        let m = self.period.or_else(|| detect_period(y, self.max_period)).filter(|&m| m >= 2 && y.len() >= 2 * m);
        let m = m.unwrap_or(1);
        let mut best: Option<(f64, Fit)> = None;
        for &a in &ALPHAS {
            for &b in &BETAS {
                for &g in if m > 1 { &GAMMAS[..] } else { &GAMMAS[..1] } {
                    let fit = run(y, h, m, [a, b, g]);
                    let sse = sse(y, &fit.in_sample);
                    if best.as_ref().is_none_or(|(s, _)| sse < *s) {
                        best = Some((sse, fit));
                    }
                }
            }
        }
        Ok(best.map(|b| b.1).unwrap_or_else(|| run(y, h, m, [0.3, 0.0, 0.1])))
    }
}

fn sse(y: &[f64], pred: &[f64]) -> f64 {
    y.iter().zip(pred).filter(|(_, p)| p.is_finite()).map(|(v, p)| (v - p) * (v - p)).sum()
}

/// `sum_{k=1..h} PHI^k`: how much of the trend an h-step forecast carries.
fn damp(h: usize) -> f64 {
    (1..=h).map(|k| PHI.powi(k as i32)).sum()
}

/// One Holt-Winters pass with season `m` (1 = none) and factors `[alpha, beta, gamma]`.
fn run(y: &[f64], h: usize, m: usize, [a, b, g]: [f64; 3]) -> Fit {
    let n = y.len();
    let init = m.max(2).min(n);
    let mut level = y[..init].iter().sum::<f64>() / init as f64;
    let mut trend = 0.0;
    let mut season: Vec<f64> = if m > 1 { y[..m].iter().map(|v| v - level).collect() } else { vec![0.0] };
    let mut in_sample = vec![f64::NAN; n];
    let dh = damp(h);
    let ahead = |level: f64, trend: f64, season: &[f64], t: usize| level + dh * trend + season[(t + h) % m];
    for t in init..n {
        let s = season[t % m];
        let prev = level;
        level = a * (y[t] - s) + (1.0 - a) * (prev + PHI * trend);
        trend = b * (level - prev) + (1.0 - b) * PHI * trend;
        if m > 1 {
            season[t % m] = g * (y[t] - level) + (1.0 - g) * s;
        }
        if t + h < n {
            in_sample[t + h] = ahead(level, trend, &season, t);
        }
    }
    let next = ahead(level, trend, &season, n - 1);
    Fit { in_sample, next }
}
