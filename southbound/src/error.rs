//! The one error type of `fathom-southbound`.

use thiserror::Error;

/// Why a southbound operation failed.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SouthboundError {
    /// The device refused the write because a newer leader has written since: this replica must stop writing.
    #[error("fenced off: token {token} is older than token {highest} the fabric accepted; this replica is no longer the leader")]
    Fenced { token: u64, highest: u64 },
    /// The device rejected the plan as invalid (unknown switch, prefix or next hop); nothing was applied.
    #[error("{writer} rejected the plan: {reason}")]
    Rejected { writer: &'static str, reason: String },
    /// The device could not be reached or did not answer; the plan may or may not have been applied: read back.
    #[error("{writer} at {endpoint} unavailable: {reason}")]
    Unavailable { writer: &'static str, endpoint: String, reason: String },
    /// The plan itself is malformed (caught before anything is sent).
    #[error("invalid plan: {reason}")]
    InvalidPlan { reason: String },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, SouthboundError>;
