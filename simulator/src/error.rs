//! The one error type of `fathom-sim`.

use fathom_topology::TopologyError;
use thiserror::Error;

/// Everything the simulator can refuse or fail at.
#[derive(Debug, Error)]
pub enum SimError {
    /// A scenario file that does not parse or does not validate; `field` names the TOML key or line.
    #[error("scenario {field}: {reason}")]
    Scenario { field: String, reason: String },
    /// The topology could not be built or loaded.
    #[error(transparent)]
    Topology(#[from] TopologyError),
    /// A control request naming a switch, host, prefix, interface or link the fabric does not have.
    #[error("unknown {kind} '{name}'")]
    Unknown { kind: &'static str, name: String },
    /// A control request that is well-formed but not acceptable (e.g. a next hop not on the shortest-path DAG).
    #[error("invalid request: {reason}")]
    Invalid { reason: String },
    /// The live servers (gNMI, control API) could not start or stopped abnormally: a bind failure, a transport
    /// error, or the simulation task ending early.
    #[error("server: {reason}")]
    Server { reason: String },
    /// A write carrying a fencing token older than one the fabric already accepted (a deposed leader).
    #[error(
        "stale fencing token {token}: the fabric has accepted token {highest}; this writer is no longer the leader"
    )]
    Fenced { token: u64, highest: u64 },
    /// File IO while reading a scenario or topology.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl SimError {
    pub fn invalid(reason: impl Into<String>) -> Self {
        SimError::Invalid { reason: reason.into() }
    }
    pub fn server(reason: impl Into<String>) -> Self {
        SimError::Server { reason: reason.into() }
    }
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, SimError>;
