//! Autoregressive model fitted by ordinary least squares (`linfa-linear`) on lagged features, direct strategy:
//! `y[t+h] ~ c + sum_k a_k y[t-k] (+ a_s y[t+h-m])`, where the seasonal term uses the detected season `m >= h`.
//!
//! The in-sample predictions are honest: the coefficients used for them are fitted on the earlier rows only
//! (a hold-out of the last quarter, at most `holdout` rows); the forecast uses coefficients fitted on all rows.

use linfa::traits::{Fit as _, Predict as _};
use linfa::Dataset;
use linfa_linear::{FittedLinearRegression, LinearRegression};
use ndarray::{Array1, Array2};

use crate::error::{PredictError, Result};
use crate::forecast::{need, Fit, Forecaster};
use crate::models::season::detect_period;

/// AR(`order`) with an optional seasonal lag.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ar {
    pub order: usize,
    pub seasonal: bool,
    pub max_period: usize,
    pub holdout: usize,
}

impl Default for Ar {
    fn default() -> Self {
        Ar { order: 4, seasonal: true, max_period: 96, holdout: 48 }
    }
}

struct Design {
    order: usize,
    season: Option<usize>,
    h: usize,
}

impl Design {
    fn width(&self) -> usize {
        self.order + usize::from(self.season.is_some())
    }
    /// First origin `t` with all features defined.
    fn first(&self) -> usize {
        let s = self.season.map_or(0, |m| m - self.h);
        (self.order - 1).max(s)
    }
    fn row(&self, y: &[f64], t: usize, out: &mut Vec<f64>) {
        out.extend((0..self.order).map(|k| y[t - k]));
        if let Some(m) = self.season {
            out.push(y[t + self.h - m]);
        }
    }
    fn matrix(&self, y: &[f64], origins: std::ops::Range<usize>) -> Array2<f64> {
        let mut v = Vec::with_capacity(origins.len() * self.width());
        origins.clone().for_each(|t| self.row(y, t, &mut v));
        Array2::from_shape_vec((origins.len(), self.width()), v).expect("row-major design")
    }
}

fn ols(x: Array2<f64>, y: Array1<f64>) -> Result<FittedLinearRegression<f64>> {
    LinearRegression::new().fit(&Dataset::new(x, y)).map_err(|source| PredictError::Fit { model: "ar", source })
}

impl Forecaster for Ar {
    fn name(&self) -> &'static str {
        "ar"
    }

    fn fit(&self, y: &[f64], h: usize) -> Result<Fit> {
        let season = if self.seasonal { detect_period(y, self.max_period).filter(|&m| m >= h) } else { None };
        let d = Design { order: self.order.max(1), season, h };
        let n = y.len();
        let first = d.first();
        let rows = n.saturating_sub(first + h);
        need("ar", first + h + 2 * d.width() + 4, n)?;
        let hold = (rows / 4).min(self.holdout);
        let split = first + rows - hold;
        let target = |r: std::ops::Range<usize>| r.map(|t| y[t + h]).collect::<Array1<f64>>();
        let early = ols(d.matrix(y, first..split), target(first..split))?;
        let mut in_sample = vec![f64::NAN; n];
        if hold > 0 {
            let p = early.predict(&d.matrix(y, split..first + rows));
            (split..first + rows).zip(p.iter()).for_each(|(t, v)| in_sample[t + h] = *v);
        }
        let all = ols(d.matrix(y, first..first + rows), target(first..first + rows))?;
        let next = all.predict(&d.matrix(y, n - 1..n))[0];
        Ok(Fit { in_sample, next })
    }
}
