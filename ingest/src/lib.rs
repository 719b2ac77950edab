//! `fathom-ingest`: gNMI telemetry in, typed rates out.
//!
//! Two halves, as the rest of Fathom:
//!
//! - the async edge ([`spawn`]): a gNMI client per endpoint (one `*` stream that discovers the switches, or one
//!   stream per configured target over a shared channel), STREAM subscriptions (counters SAMPLEd, state
//!   ON_CHANGE), reconnect with capped, jittered exponential backoff, and one bounded channel of
//!   [`IngestEvent`]s to the consumer; when the consumer is behind, updates are coalesced per leaf (latest value
//!   wins, counted in [`MetricsSnapshot::coalesced_updates`]), so memory never grows without bound;
//! - the pure core ([`RateEngine`]): no IO, no clock. Counters become rates from deltas of notification
//!   timestamps (64-bit wrap, resets rebased, duplicates and out-of-order samples ignored and counted); a source
//!   silent for N sample intervals (or whose stream is down) is stale, never idle. [`RateEngine::snapshot`]
//!   gives the model everything it consumes: [`InterfaceView`]s, the LLDP [`NeighborView`] table,
//!   [`PrefixDemand`]s, [`SlotLoad`]s and [`SourceHealth`].
//!
//! The controller's model task runs the loop:
//!
//! ```no_run
//! # async fn run(cfg: fathom_ingest::IngestConfig) -> Result<(), fathom_ingest::IngestError> {
//! let (handle, mut events) = fathom_ingest::spawn(&cfg)?;
//! let mut engine = fathom_ingest::RateEngine::new(cfg.engine());
//! while let Some(event) = events.recv().await {
//!     engine.handle(&event, fathom_ingest::unix_now_ns());
//!     // ... every control interval: let snapshot = engine.snapshot(fathom_ingest::unix_now_ns());
//! }
//! # drop(handle); Ok(()) }
//! ```
//!
//! Prost types stay in [`convert`] (crate-private); nothing public exposes them.

mod client;
mod config;
mod convert;
mod engine;
mod error;
mod metrics;
mod path;
mod telemetry;

pub use client::{spawn, Backoff, Coalescer, IngestHandle};
pub use config::{
    default_subscriptions, BackoffConfig, EndpointConfig, IngestConfig, SubscriptionMode, SubscriptionSpec,
};
pub use convert::{decode_response, ConvertStats, Received};
pub use engine::{
    Counter, EngineConfig, EngineStats, IngestSnapshot, InterfaceView, NeighborView, Observed, PrefixDemand,
    RateEngine, SlotLoad, SourceHealth,
};
pub use error::{IngestError, Result};
pub use metrics::{IngestMetrics, MetricsSnapshot};
pub use path::{ElemSpec, PathSpec};
pub use telemetry::{AftLeaf, Batch, IfLeaf, IngestEvent, Leaf, LldpLeaf, PfcLeaf, QueueLeaf, SlotLeaf, Update, Value};

/// The wall clock as ns since the Unix epoch: what the caller passes as `now` (the engine never reads a clock).
pub fn unix_now_ns() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}
