//! An ensemble weighting its members per series by their recent out-of-sample error.
//!
//! At every time the weights are the inverse mean squared h-step errors over the last `window` samples already
//! known then, so the ensemble's own in-sample predictions (and thus its quantiles) stay out-of-sample too. Members
//! that cannot fit the series (too short, singular) are left out.

use crate::error::{PredictError, Result};
use crate::forecast::{Fit, Forecaster};
use crate::models::{Ar, Ewma, HoltWinters};

/// Weighted combination of forecasters.
pub struct Ensemble {
    pub members: Vec<Box<dyn Forecaster + Send + Sync>>,
    pub window: usize,
}

impl std::fmt::Debug for Ensemble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.members.iter().map(|m| m.name()).collect();
        f.debug_struct("Ensemble").field("members", &names).field("window", &self.window).finish()
    }
}

impl Default for Ensemble {
    fn default() -> Self {
        Ensemble {
            members: vec![Box::new(Ewma::default()), Box::new(HoltWinters::default()), Box::new(Ar::default())],
            window: 24,
        }
    }
}

/// Prefix sums of squared errors and their counts for one member.
struct Errors {
    se: Vec<f64>,
    cnt: Vec<usize>,
}

impl Errors {
    fn new(y: &[f64], pred: &[f64]) -> Self {
        let (mut se, mut cnt) = (vec![0.0], vec![0]);
        for (v, p) in y.iter().zip(pred) {
            let ok = p.is_finite();
            se.push(se.last().unwrap() + if ok { (v - p) * (v - p) } else { 0.0 });
            cnt.push(cnt.last().unwrap() + usize::from(ok));
        }
        Errors { se, cnt }
    }
    /// Mean squared error over targets `lo..=hi`, if any.
    fn mse(&self, lo: usize, hi: usize) -> Option<f64> {
        let c = self.cnt[hi + 1] - self.cnt[lo];
        (c > 0).then(|| (self.se[hi + 1] - self.se[lo]) / c as f64)
    }
}

impl Ensemble {
    /// Combines member predictions `preds` (one per member) using errors on targets `..=hi` (None: equal).
    fn combine(&self, preds: &[f64], errs: &[Errors], hi: Option<usize>, scale: f64) -> f64 {
        let mse: Vec<Option<f64>> = match hi {
            Some(hi) => errs.iter().map(|e| e.mse((hi + 1).saturating_sub(self.window), hi)).collect(),
            None => vec![None; errs.len()],
        };
        let any = mse.iter().zip(preds).any(|(m, p)| m.is_some() && p.is_finite());
        let (mut num, mut den) = (0.0, 0.0);
        for (m, p) in mse.iter().zip(preds).filter(|(_, p)| p.is_finite()) {
            let w = match (any, m) {
                (false, _) => 1.0,
                (true, Some(m)) => 1.0 / (m + 1e-12 * scale + f64::MIN_POSITIVE),
                (true, None) => 0.0,
            };
            num += w * p;
            den += w;
        }
        if den > 0.0 {
            num / den
        } else {
            f64::NAN
        }
    }
}

impl Forecaster for Ensemble {
    fn name(&self) -> &'static str {
        "ensemble"
    }

    fn fit(&self, y: &[f64], h: usize) -> Result<Fit> {
        let fits: Vec<Fit> = self.members.iter().filter_map(|m| m.fit(y, h).ok()).collect();
        if fits.is_empty() {
            return Err(PredictError::NotEnoughData { model: "ensemble", need: 1, have: y.len() });
        }
        let errs: Vec<Errors> = fits.iter().map(|f| Errors::new(y, &f.in_sample)).collect();
        let scale = y.iter().map(|v| v * v).sum::<f64>() / y.len() as f64;
        let mut in_sample = vec![f64::NAN; y.len()];
        let mut preds = vec![0.0; fits.len()];
        for (i, slot) in in_sample.iter_mut().enumerate() {
            fits.iter().zip(preds.iter_mut()).for_each(|(f, p)| *p = f.in_sample[i]);
            *slot = self.combine(&preds, &errs, i.checked_sub(h), scale);
        }
        fits.iter().zip(preds.iter_mut()).for_each(|(f, p)| *p = f.next);
        let next = self.combine(&preds, &errs, Some(y.len() - 1), scale);
        Ok(Fit { in_sample, next })
    }
}
