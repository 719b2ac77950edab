//! Forecasting the model's series for the decision step: the configured predictor model (or `last`, the reactive
//! baseline) plus hedging. A series' hedged load for the next `h` rounds is the larger of the forecast's upper
//! quantile and the peak of the last `h` observed rounds, so a periodic burst that is quiet right now still
//! counts (what a training job's all-reduce looks like between iterations).

use std::collections::VecDeque;

use fathom_predictor::{Ar, Ensemble, Ewma, Forecaster, HoltWinters, Series, DEFAULT_QUANTILE};

/// The model used for every series.
pub enum Model {
    /// Forecast = last observed value, no hedging: a reactive controller.
    Last,
    Predict(Box<dyn Forecaster + Send + Sync>),
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Model::Last => f.write_str("Last"),
            Model::Predict(m) => write!(f, "Predict({})", m.name()),
        }
    }
}

impl Model {
    /// By configuration name (validated by the config).
    pub fn by_name(name: &str) -> Model {
        match name {
            "last" => Model::Last,
            "ewma" => Model::Predict(Box::<Ewma>::default()),
            "holt-winters" => Model::Predict(Box::<HoltWinters>::default()),
            "ar" => Model::Predict(Box::<Ar>::default()),
            _ => Model::Predict(Box::<Ensemble>::default()),
        }
    }
}

/// Point and hedged forecast of one series.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Outlook {
    pub now: f64,
    pub point: f64,
    pub hedged: f64,
}

/// Forecasts `h` rounds ahead. Missing samples (NaN) are allowed; a series with no sample forecasts 0.
pub fn outlook(model: &Model, history: &VecDeque<f64>, h: usize) -> Outlook {
    let last = history.iter().rev().copied().find(|v| v.is_finite()).unwrap_or(0.0);
    let h = h.max(1);
    match model {
        Model::Last => Outlook { now: last, point: last, hedged: last },
        Model::Predict(m) => {
            let recent_peak = history.iter().rev().take(h).copied().filter(|v| v.is_finite()).fold(0.0, f64::max);
            let finite = history.iter().filter(|v| v.is_finite()).count();
            if finite < 8 || history.iter().all(|v| !v.is_finite() || *v == 0.0) {
                return Outlook { now: last, point: last, hedged: recent_peak.max(last) };
            }
            let series = Series::regular(history.iter().copied().collect());
            match m.forecast(&series, h, DEFAULT_QUANTILE) {
                Ok(f) => {
                    let point = f.point.max(0.0);
                    Outlook { now: last, point, hedged: f.upper.max(point).max(recent_peak) }
                }
                Err(_) => Outlook { now: last, point: last, hedged: recent_peak.max(last) },
            }
        }
    }
}
