//! Counters the ingest tasks keep, for the controller's metrics endpoint.
//!
//! Shared state, on purpose: every stream task writes (relaxed atomic adds), the metrics endpoint reads a
//! [`MetricsSnapshot`]. No lock; a reader may see counters from slightly different instants.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use serde::Serialize;

/// Live counters (see the module docs).
#[derive(Debug, Default)]
pub struct IngestMetrics {
    pub(crate) notifications: AtomicU64,
    pub(crate) updates: AtomicU64,
    pub(crate) coalesced_updates: AtomicU64,
    pub(crate) unknown_paths: AtomicU64,
    pub(crate) bad_values: AtomicU64,
    pub(crate) stream_failures: AtomicU64,
    pub(crate) reconnects: AtomicU64,
    pub(crate) streams_up: AtomicI64,
}

/// One reading of [`IngestMetrics`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MetricsSnapshot {
    /// gNMI notifications received.
    pub notifications: u64,
    /// Leaf updates received (known leaves).
    pub updates: u64,
    /// Updates replaced by a newer value of the same leaf while the consumer was behind.
    pub coalesced_updates: u64,
    /// Updates whose path ingest does not know (ignored).
    pub unknown_paths: u64,
    /// Known leaves with a value of the wrong type (ignored).
    pub bad_values: u64,
    /// Streams that failed or ended (including failed connection attempts).
    pub stream_failures: u64,
    /// Streams opened after a failure.
    pub reconnects: u64,
    /// Streams up now.
    pub streams_up: i64,
}

impl IngestMetrics {
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            notifications: self.notifications.load(Relaxed),
            updates: self.updates.load(Relaxed),
            coalesced_updates: self.coalesced_updates.load(Relaxed),
            unknown_paths: self.unknown_paths.load(Relaxed),
            bad_values: self.bad_values.load(Relaxed),
            stream_failures: self.stream_failures.load(Relaxed),
            reconnects: self.reconnects.load(Relaxed),
            streams_up: self.streams_up.load(Relaxed),
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }
}
