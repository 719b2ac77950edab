//! The optimizer's one error type.

use thiserror::Error;

/// Everything that can go wrong building or solving an optimization instance.
#[derive(Debug, Error)]
pub enum OptError {
    /// An input is inconsistent (lengths, indices, non-finite or negative numbers).
    #[error("invalid input: {what}: {reason}")]
    Invalid { what: String, reason: String },
    /// A demand with positive volume has no candidate path over usable links.
    #[error("demand {demand} has positive volume but no usable candidate path")]
    NoUsablePath { demand: usize },
    /// The exact LP solver failed (infeasible, unbounded or numerical trouble).
    #[error("LP solver failed: {reason}")]
    Lp { reason: String },
    /// Quantizing splits or weights to what devices hold failed.
    #[error("quantization failed")]
    Quantize {
        #[source]
        source: fathom_topology::TopologyError,
    },
}

/// Shorthand used across the crate.
pub type Result<T> = std::result::Result<T, OptError>;

pub(crate) fn invalid<T>(what: impl Into<String>, reason: impl Into<String>) -> Result<T> {
    Err(OptError::Invalid { what: what.into(), reason: reason.into() })
}
