//! `fathom-sim`: a flow-level simulator of AI data-center fabrics.
//!
//! The engine ([`engine`], [`workload`], [`scenario`], [`summary`]) is synchronous and deterministic: the same
//! scenario and seed give the same results, bit for bit. The servers ([`server`]) are the async edge: a live runner
//! that owns the [`Simulation`] and advances it in real time, a gNMI target server and the fabric control API.

pub mod control;
pub mod engine;
pub mod error;
pub mod rng;
pub mod scenario;
#[cfg(feature = "server")]
pub mod server;
pub mod summary;
pub mod telemetry;
pub mod workload;

pub use engine::Simulation;
pub use error::{Result, SimError};
pub use scenario::Scenario;
pub use summary::Summary;
