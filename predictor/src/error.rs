//! The predictor's one error type.

use thiserror::Error;

/// Everything that can go wrong forecasting.
#[derive(Debug, Error)]
pub enum PredictError {
    /// Too few (non-missing) samples for the model.
    #[error("{model}: need at least {need} samples, have {have}")]
    NotEnoughData { model: &'static str, need: usize, have: usize },
    /// A parameter or input is out of range.
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    /// The least-squares fit failed.
    #[error("{model}: fit failed")]
    Fit {
        model: &'static str,
        #[source]
        source: linfa_linear::LinearError<f64>,
    },
}

/// Shorthand used across the crate.
pub type Result<T> = std::result::Result<T, PredictError>;
