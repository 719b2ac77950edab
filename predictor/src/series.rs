//! Time series on a regular grid, with missing samples; irregular samples are bucketed onto the grid.

use crate::error::{PredictError, Result};

/// A regular time series; a missing sample is `NaN`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    values: Vec<f64>,
}

impl Series {
    /// A regular series; non-finite values count as missing.
    pub fn regular(values: Vec<f64>) -> Self {
        Series { values: values.into_iter().map(|v| if v.is_finite() { v } else { f64::NAN }).collect() }
    }

    /// Buckets irregular `(time, value)` samples onto the grid `start + k * step`, `k` in `0..len`: each bucket is
    /// the mean of the samples falling in `[start + k*step, start + (k+1)*step)`; an empty bucket is missing.
    pub fn from_samples(samples: &[(f64, f64)], start: f64, step: f64, len: usize) -> Result<Self> {
        if !(step.is_finite() && step > 0.0 && start.is_finite()) {
            return Err(PredictError::Invalid { what: "grid", reason: format!("start {start}, step {step}") });
        }
        let mut sum = vec![0.0; len];
        let mut cnt = vec![0usize; len];
        for &(t, v) in samples.iter().filter(|(t, v)| t.is_finite() && v.is_finite()) {
            let k = ((t - start) / step).floor();
            if k >= 0.0 && (k as usize) < len {
                sum[k as usize] += v;
                cnt[k as usize] += 1;
            }
        }
        let values = sum.iter().zip(&cnt).map(|(s, &c)| if c > 0 { s / c as f64 } else { f64::NAN }).collect();
        Ok(Series { values })
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }
    pub fn len(&self) -> usize {
        self.values.len()
    }
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// Number of samples present.
    pub fn observed(&self) -> usize {
        self.values.iter().filter(|v| !v.is_nan()).count()
    }

    /// The series with missing samples filled: linear interpolation inside, the nearest sample at the ends.
    /// Empty when no sample is present.
    pub fn filled(&self) -> Vec<f64> {
        let known: Vec<usize> = (0..self.values.len()).filter(|&i| !self.values[i].is_nan()).collect();
        let (Some(&first), Some(&last)) = (known.first(), known.last()) else { return Vec::new() };
        let mut out = self.values.clone();
        out[..first].iter_mut().for_each(|v| *v = self.values[first]);
        out[last..].iter_mut().for_each(|v| *v = self.values[last]);
        for w in known.windows(2) {
            let (a, b) = (w[0], w[1]);
            let (ya, yb) = (self.values[a], self.values[b]);
            for (i, v) in out.iter_mut().enumerate().take(b).skip(a + 1) {
                *v = ya + (yb - ya) * (i - a) as f64 / (b - a) as f64;
            }
        }
        out
    }
}
