//! The one error type of `fathom-topology`.

use thiserror::Error;

/// Everything that can go wrong while building, importing or querying a fabric.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TopologyError {
    /// A builder spec such as `leaf-spine:32x8` could not be parsed or is out of range.
    #[error("invalid topology spec '{spec}': {reason}")]
    InvalidSpec { spec: String, reason: String },
    /// A topology JSON file is not valid JSON or does not match the schema.
    #[error("topology JSON, line {line} column {column}: {message}")]
    Json { line: usize, column: usize, message: String },
    /// A field of a topology file is semantically invalid (unknown node, duplicate name, ...).
    #[error("topology field {field}: {reason}")]
    InvalidField { field: String, reason: String },
    /// A switch, host or interface name that the fabric does not have.
    #[error("unknown {kind} '{name}'")]
    Unknown { kind: &'static str, name: String },
    /// A prefix string that is not `a.b.c.d/len`.
    #[error("invalid prefix '{text}': {reason}")]
    InvalidPrefix { text: String, reason: String },
    /// A WCMP weight vector or slot table that cannot be used.
    #[error("invalid WCMP table: {reason}")]
    InvalidWcmp { reason: String },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, TopologyError>;
