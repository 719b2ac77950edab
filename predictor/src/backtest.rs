//! Rolling-origin evaluation: forecast from every origin, compare with what happened.

use crate::error::{PredictError, Result};
use crate::forecast::Forecaster;
use crate::series::Series;

/// Accuracy of one model over a rolling-origin backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestReport {
    pub model: &'static str,
    /// Number of forecasts evaluated.
    pub n: usize,
    pub mae: f64,
    /// Mean absolute percentage error over actual values that are not zero (percent).
    pub mape: f64,
    /// Share of actual values at or below the forecast upper quantile.
    pub coverage: f64,
}

/// Rolling origin: for origins `min_train, min_train + stride, ...`, forecast `h` steps from `y[..origin]` and
/// score against `y[origin + h - 1]` (missing actual values are skipped).
pub fn backtest(
    models: &[&dyn Forecaster],
    y: &Series,
    h: usize,
    q: f64,
    min_train: usize,
    stride: usize,
) -> Result<Vec<BacktestReport>> {
    if h == 0 || stride == 0 || min_train == 0 || min_train + h > y.len() {
        let reason = format!("h={h}, stride={stride}, min_train={min_train}, len={}", y.len());
        return Err(PredictError::Invalid { what: "backtest", reason });
    }
    models.iter().map(|m| run(*m, y, h, q, min_train, stride)).collect()
}

fn run(m: &dyn Forecaster, y: &Series, h: usize, q: f64, min_train: usize, stride: usize) -> Result<BacktestReport> {
    let v = y.values();
    let (mut n, mut abs, mut pct, mut npct, mut cover) = (0usize, 0.0, 0.0, 0usize, 0usize);
    for o in (min_train..=v.len() - h).step_by(stride) {
        let actual = v[o + h - 1];
        if actual.is_nan() {
            continue;
        }
        let f = m.forecast(&Series::regular(v[..o].to_vec()), h, q)?;
        n += 1;
        abs += (actual - f.point).abs();
        if actual != 0.0 {
            pct += ((actual - f.point) / actual).abs();
            npct += 1;
        }
        cover += usize::from(actual <= f.upper);
    }
    let div = |a: f64, b: usize| if b > 0 { a / b as f64 } else { f64::NAN };
    Ok(BacktestReport {
        model: m.name(),
        n,
        mae: div(abs, n),
        mape: 100.0 * div(pct, npct),
        coverage: div(cover as f64, n),
    })
}
