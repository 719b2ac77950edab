//! One subscription stream: connect, subscribe, forward batches, and on any failure report the stream down, wait
//! (backoff) and start again with a new session. When the consumer is behind, batches are coalesced per leaf.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::watch;
use tonic::transport::Channel;

use super::backoff::Backoff;
use super::coalesce::Coalescer;
use crate::convert::{ConvertStats, Received, SubscribeSpec, Subscription};
use crate::error::{IngestError, Result};
use crate::metrics::IngestMetrics;
use crate::telemetry::{Batch, IngestEvent};

/// Everything one stream task owns.
#[derive(Debug)]
pub(crate) struct StreamTask {
    pub endpoint: u32,
    pub address: String,
    pub channel: Channel,
    pub spec: SubscribeSpec,
    pub backoff: Backoff,
    pub tx: mpsc::Sender<IngestEvent>,
    pub metrics: Arc<IngestMetrics>,
    pub max_pending: usize,
    pub stop: watch::Receiver<bool>,
    /// Session ids, shared by all streams so they are unique and increasing.
    pub sessions: Arc<AtomicU64>,
}

/// Resolves when `stop` turns true or its sender is gone.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

impl StreamTask {
    fn target(&self) -> Option<String> {
        (self.spec.target != "*").then(|| self.spec.target.clone())
    }

    pub async fn run(mut self) {
        let mut failed = false;
        loop {
            let session = self.sessions.fetch_add(1, Ordering::Relaxed) + 1;
            match self.session(session, failed).await {
                Ok(()) | Err(IngestError::ConsumerGone) => return,
                Err(e) => {
                    failed = true;
                    self.metrics.stream_failures.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(endpoint = %self.address, error = %e, "gNMI stream down");
                    let down = IngestEvent::StreamDown {
                        endpoint: self.endpoint,
                        session,
                        target: self.target(),
                        reason: e.to_string(),
                    };
                    if !self.send(down).await {
                        return;
                    }
                }
            }
            let delay = self.backoff.next_delay();
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = stopped(&mut self.stop) => return,
            }
        }
    }

    /// Sends a control event unless stopped first; false when ingest should end.
    async fn send(&mut self, ev: IngestEvent) -> bool {
        tokio::select! {
            r = self.tx.send(ev) => r.is_ok(),
            _ = stopped(&mut self.stop) => false,
        }
    }

    /// One session: `Ok` on shutdown, an error when the stream failed or ended.
    async fn session(&mut self, session: u64, reconnect: bool) -> Result<()> {
        let open = Subscription::open(self.channel.clone(), &self.spec);
        let mut sub = tokio::select! {
            r = open => r.map_err(|s| self.subscribe_error(s))?,
            _ = stopped(&mut self.stop) => return Ok(()),
        };
        if reconnect {
            self.metrics.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        let up = IngestEvent::StreamUp { endpoint: self.endpoint, session, target: self.target() };
        if !self.send(up).await {
            return Ok(());
        }
        self.metrics.streams_up.fetch_add(1, Ordering::Relaxed);
        let mut pending = Coalescer::default();
        let result = self.pump(&mut sub, session, &mut pending).await;
        self.metrics.streams_up.fetch_sub(1, Ordering::Relaxed);
        if !pending.is_empty() && !self.send(IngestEvent::Telemetry(pending.drain())).await {
            return Ok(());
        }
        result
    }

    fn subscribe_error(&self, s: tonic::Status) -> IngestError {
        IngestError::Subscribe { endpoint: self.address.clone(), target: self.spec.target.clone(), source: Box::new(s) }
    }

    async fn pump(&mut self, sub: &mut Subscription, session: u64, pending: &mut Coalescer) -> Result<()> {
        let mut stats = ConvertStats::default();
        let mut first = true;
        loop {
            let can_read = pending.len() < self.max_pending;
            tokio::select! {
                biased;
                _ = stopped(&mut self.stop) => return Ok(()),
                permit = self.tx.reserve(), if !pending.is_empty() => {
                    permit.map_err(|_| IngestError::ConsumerGone)?.send(IngestEvent::Telemetry(pending.drain()));
                }
                msg = sub.next(self.endpoint, session, &mut stats), if can_read => {
                    let msg = msg.map_err(|s| self.subscribe_error(s))?;
                    self.record(&mut stats);
                    match msg {
                        None => return Err(self.ended()),
                        Some(Received::Batch(b)) => {
                            if std::mem::take(&mut first) {
                                self.backoff.reset();
                            }
                            self.deliver(b, pending)?;
                        }
                        Some(Received::Error(message)) => return Err(self.target_error(message)),
                        Some(Received::Sync | Received::Nothing) => {}
                    }
                }
            }
        }
    }

    fn ended(&self) -> IngestError {
        IngestError::StreamEnded { endpoint: self.address.clone(), target: self.spec.target.clone() }
    }

    fn target_error(&self, message: String) -> IngestError {
        IngestError::Target { endpoint: self.address.clone(), target: self.spec.target.clone(), message }
    }

    fn record(&self, stats: &mut ConvertStats) {
        let s = std::mem::take(stats);
        IngestMetrics::add(&self.metrics.unknown_paths, s.unknown_paths);
        IngestMetrics::add(&self.metrics.bad_values, s.bad_values);
    }

    /// Straight to the consumer when there is room and nothing is held; otherwise into the coalescer.
    fn deliver(&self, b: Batch, pending: &mut Coalescer) -> Result<()> {
        IngestMetrics::add(&self.metrics.notifications, 1);
        IngestMetrics::add(&self.metrics.updates, b.updates.len() as u64);
        let b = if pending.is_empty() {
            match self.tx.try_send(IngestEvent::Telemetry(vec![b])) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Closed(_)) => return Err(IngestError::ConsumerGone),
                Err(TrySendError::Full(IngestEvent::Telemetry(mut v))) => v.pop(),
                Err(TrySendError::Full(_)) => None,
            }
        } else {
            Some(b)
        };
        if let Some(b) = b {
            IngestMetrics::add(&self.metrics.coalesced_updates, pending.absorb(b));
        }
        Ok(())
    }
}
