//! Exponentially weighted moving average: the forecast at every horizon is the current level.

use crate::error::{PredictError, Result};
use crate::forecast::{need, Fit, Forecaster};

/// EWMA with smoothing factor `alpha` in (0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ewma {
    pub alpha: f64,
}

impl Default for Ewma {
    fn default() -> Self {
        Ewma { alpha: 0.3 }
    }
}

impl Forecaster for Ewma {
    fn name(&self) -> &'static str {
        "ewma"
    }

    fn fit(&self, y: &[f64], h: usize) -> Result<Fit> {
        if !(self.alpha > 0.0 && self.alpha <= 1.0) {
            return Err(PredictError::Invalid { what: "ewma alpha", reason: format!("{}", self.alpha) });
        }
        need("ewma", 1, y.len())?;
        let mut in_sample = vec![f64::NAN; y.len()];
        let mut level = y[0];
        for (i, &v) in y.iter().enumerate() {
            level = if i == 0 { v } else { self.alpha * v + (1.0 - self.alpha) * level };
            if i + h < y.len() {
                in_sample[i + h] = level;
            }
        }
        Ok(Fit { in_sample, next: level })
    }
}
