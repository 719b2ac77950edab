//! The controller library's one error type.

use std::path::PathBuf;

use thiserror::Error;

/// Errors of the controller library.
#[derive(Debug, Error)]
pub enum ControllerError {
    /// An input file could not be read.
    #[error("{}: {source}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An input file is malformed; `line` is 1-based (0 when the whole file is at fault).
    #[error("{}:{line}: {reason}", file.display())]
    Malformed { file: PathBuf, line: usize, reason: String },
    /// The optimizer rejected an instance.
    #[error("optimizer")]
    Optimizer {
        #[from]
        source: fathom_optimizer::OptError,
    },
    /// The predictor failed.
    #[error("predictor")]
    Predictor {
        #[from]
        source: fathom_predictor::PredictError,
    },
}

/// Shorthand used across the crate.
pub type Result<T> = std::result::Result<T, ControllerError>;

pub(crate) fn malformed<T>(file: &std::path::Path, line: usize, reason: impl Into<String>) -> Result<T> {
    Err(ControllerError::Malformed { file: file.to_path_buf(), line, reason: reason.into() })
}
