//! The async edge: one task per subscription stream, feeding one bounded channel.
//!
//! ```text
//!  endpoint A (target "*")  ──stream task──┐
//!  endpoint B, target leaf1 ──stream task──┼──▶ mpsc<IngestEvent> (channel_capacity) ──▶ consumer: RateEngine::handle
//!  endpoint B, target leaf2 ──stream task──┘      full? the task coalesces per leaf (latest wins) and keeps reading
//! ```
//!
//! Streams of one endpoint share one HTTP/2 channel. Each task reconnects on its own with backoff; every (re)connect
//! is a new session id, so the engine rebases counters that may have restarted. Dropping the [`IngestHandle`]
//! aborts every task; [`IngestHandle::shutdown`] stops them cleanly.

mod backoff;
mod coalesce;
mod stream;

pub use backoff::Backoff;
pub use coalesce::Coalescer;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};

use crate::config::{EndpointConfig, IngestConfig};
use crate::convert::SubscribeSpec;
use crate::error::{IngestError, Result};
use crate::metrics::{IngestMetrics, MetricsSnapshot};
use crate::path::PathSpec;
use crate::telemetry::IngestEvent;
use stream::StreamTask;

/// Running ingest: stops its tasks when dropped.
#[derive(Debug)]
pub struct IngestHandle {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    metrics: Arc<IngestMetrics>,
}

impl IngestHandle {
    /// The counters now.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.metrics.snapshot()
    }

    /// Shared access to the live counters (for a metrics endpoint that outlives borrows of the handle).
    pub fn metrics_handle(&self) -> Arc<IngestMetrics> {
        Arc::clone(&self.metrics)
    }

    /// Signals every task to stop and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
    }
}

impl Drop for IngestHandle {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

/// Validates `cfg` and starts one stream task per endpoint (`*`) or per configured target. Call from within a
/// tokio runtime. Events arrive on the returned receiver; feed them to [`crate::RateEngine::handle`].
pub fn spawn(cfg: &IngestConfig) -> Result<(IngestHandle, mpsc::Receiver<IngestEvent>)> {
    cfg.validate()?;
    let paths =
        cfg.subscriptions.iter().map(|s| Ok((PathSpec::parse(&s.path)?, s.mode))).collect::<Result<Vec<_>>>()?;
    let (tx, rx) = mpsc::channel(cfg.channel_capacity);
    let (stop, stop_rx) = watch::channel(false);
    let (metrics, sessions) = (Arc::new(IngestMetrics::default()), Arc::new(AtomicU64::new(0)));
    let mut tasks = Vec::new();
    for (i, ep) in cfg.endpoints.iter().enumerate() {
        let channel = channel(ep, cfg.sample_interval_ms)?;
        let targets = if ep.targets.is_empty() { vec!["*".to_string()] } else { ep.targets.clone() };
        for target in targets {
            let seed = cfg.backoff.seed.unwrap_or_else(|| backoff::seed_for(&ep.address, &target));
            let spec =
                SubscribeSpec { target, paths: paths.clone(), sample_interval_ns: cfg.sample_interval_ms * 1_000_000 };
            let task = StreamTask {
                endpoint: i as u32,
                address: ep.address.clone(),
                channel: channel.clone(),
                spec,
                backoff: Backoff::new(cfg.backoff, seed),
                tx: tx.clone(),
                metrics: Arc::clone(&metrics),
                max_pending: cfg.max_pending_updates,
                stop: stop_rx.clone(),
                sessions: Arc::clone(&sessions),
            };
            tasks.push(tokio::spawn(task.run()));
        }
    }
    Ok((IngestHandle { stop, tasks, metrics }, rx))
}

/// A lazily connected channel; HTTP/2 keepalive detects a dead peer within about two sample intervals.
fn channel(ep: &EndpointConfig, sample_interval_ms: u64) -> Result<Channel> {
    let keepalive = Duration::from_millis(sample_interval_ms.clamp(1_000, 30_000));
    let endpoint = Endpoint::from_shared(format!("http://{}", ep.address))
        .map_err(|source| IngestError::Endpoint { endpoint: ep.address.clone(), source })?
        .connect_timeout(Duration::from_secs(3))
        .http2_keep_alive_interval(keepalive)
        .keep_alive_timeout(keepalive)
        .keep_alive_while_idle(true);
    Ok(endpoint.connect_lazy())
}
