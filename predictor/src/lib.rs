//! Fathom's demand predictor (pure, synchronous, deterministic).
//!
//! A [`Forecaster`] turns a [`Series`] (regular grid, missing samples allowed; irregular samples are bucketed by
//! [`Series::from_samples`]) into a [`Forecast`] for horizon `h`: a point and an upper quantile (p90 by default)
//! taken from the empirical distribution of the model's own past h-step errors, so callers can hedge.
//!
//! Models: [`Ewma`]; [`HoltWinters`] (additive, damped trend, season length detected by autocorrelation, which is
//! what periodic training iterations need); [`Ar`] (least squares with `linfa-linear` on lagged features, plus the
//! seasonal lag); [`Ensemble`] (inverse recent out-of-sample MSE weights per series). [`backtest`] scores models by
//! rolling origin (MAE, MAPE, quantile coverage).

pub mod backtest;
pub mod error;
pub mod forecast;
pub mod models;
pub mod series;

pub use backtest::{backtest, BacktestReport};
pub use error::{PredictError, Result};
pub use forecast::{quantile, Fit, Forecast, Forecaster, DEFAULT_QUANTILE};
pub use models::{Ar, Ensemble, Ewma, HoltWinters};
pub use series::Series;
