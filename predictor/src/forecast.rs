//! The `Forecaster` trait, forecasts with an upper quantile from empirical residuals.

use crate::error::{PredictError, Result};
use crate::series::Series;

/// Default upper quantile callers hedge with.
pub const DEFAULT_QUANTILE: f64 = 0.9;
/// Residuals older than this many samples do not shape the quantile (regimes change).
pub const RESIDUAL_WINDOW: usize = 256;

/// A point forecast and an upper quantile for one horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    pub point: f64,
    /// `point` plus the `quantile` of past h-step residuals.
    pub upper: f64,
    pub quantile: f64,
}

/// A model's h-step-ahead predictions over a (filled) history.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// `in_sample[i]` predicts `y[i]` from `y[..=i-h]` only; `NaN` where the model cannot (warm-up).
    pub in_sample: Vec<f64>,
    /// The forecast of `y[n-1+h]`.
    pub next: f64,
}

/// A forecasting model. Implementations are stateless configurations: `fit` sees the whole history each time.
pub trait Forecaster {
    fn name(&self) -> &'static str;

    /// h-step-ahead predictions over `y` (no missing values), `h >= 1`.
    fn fit(&self, y: &[f64], h: usize) -> Result<Fit>;

    /// Forecast of the sample `h` steps after the last one of `series`, with its `q` upper quantile.
    fn forecast(&self, series: &Series, h: usize, q: f64) -> Result<Forecast> {
        forecast_with(self, series, h, q)
    }
}

/// The default `forecast`: fill gaps, fit, take the `q` quantile of the residuals at observed samples.
pub fn forecast_with<F: Forecaster + ?Sized>(m: &F, series: &Series, h: usize, q: f64) -> Result<Forecast> {
    if h == 0 || !(q > 0.0 && q < 1.0) {
        return Err(PredictError::Invalid { what: "horizon or quantile", reason: format!("h={h}, q={q}") });
    }
    let y = series.filled();
    let fit = m.fit(&y, h)?;
    let start = y.len().saturating_sub(RESIDUAL_WINDOW);
    let res: Vec<f64> = (start..y.len())
        .filter(|&i| !series.values()[i].is_nan() && fit.in_sample[i].is_finite())
        .map(|i| y[i] - fit.in_sample[i])
        .collect();
    let upper = fit.next + quantile(&res, q).unwrap_or(0.0);
    Ok(Forecast { point: fit.next, upper, quantile: q })
}

/// Empirical `q` quantile (linear interpolation between order statistics); `None` for no data.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (pos - lo as f64))
}

pub(crate) fn need(model: &'static str, need: usize, have: usize) -> Result<()> {
    match have >= need {
        true => Ok(()),
        false => Err(PredictError::NotEnoughData { model, need, have }),
    }
}
