//! The rate engine: pure and synchronous. Cumulative counters become rates; sources that go quiet become stale.
//!
//! No IO and no clock: time comes from the notifications' timestamps (for rates) and from the `now_ns` the caller
//! passes (for staleness, measured against when batches *arrived*, so a switch's clock skew cannot make it look
//! fresh or stale). The same inputs give the same outputs.
//!
//! Rebasing (the next sample of a counter is a new base, not a delta) happens when a source's data comes from a
//! newer subscription session (the device or the stream restarted), when a source returns after being silent for
//! longer than the staleness limit, and per counter on a reset (a drop that is no plausible 64-bit wrap, or a
//! jump faster than `max_counter_rate`). A restart is therefore never read as a traffic spike.

mod counter;
mod snapshot;
mod state;
#[cfg(test)]
mod tests;

pub use counter::{Counter, Observed};
pub use snapshot::{IngestSnapshot, InterfaceView, NeighborView, PrefixDemand, SlotLoad, SourceHealth};

use std::sync::Arc;

use serde::Serialize;

use crate::telemetry::{Batch, IngestEvent, Leaf, Update};
use state::{Map, Obs, Source};

/// How the engine judges rates and staleness.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineConfig {
    /// The sample interval requested from targets, ns.
    pub sample_interval_ns: i64,
    /// A source (or a single series) with no data for this many sample intervals is stale.
    pub stale_after_intervals: u32,
    /// Fastest believable counter rate, units/s; a faster delta is read as a reset. Default 1e13 (80 Tb/s in octets).
    pub max_counter_rate: f64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig { sample_interval_ns: 1_000_000_000, stale_after_intervals: 3, max_counter_rate: 1e13 }
    }
}

impl EngineConfig {
    /// Silence longer than this makes a source stale, ns.
    pub fn stale_after_ns(&self) -> i64 {
        self.sample_interval_ns.saturating_mul(i64::from(self.stale_after_intervals.max(1)))
    }
}

/// What the engine counted since it started (exported as metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EngineStats {
    /// Leaf updates applied.
    pub updates: u64,
    /// Counter samples that produced a rate.
    pub rates: u64,
    /// Counter samples that became a (new) base.
    pub bases: u64,
    /// Samples with the same timestamp as the previous one of their counter (ignored).
    pub duplicates: u64,
    /// Samples older than the previous one of their counter (ignored).
    pub out_of_order: u64,
    /// Counter resets (rebased, not read as spikes).
    pub resets: u64,
    /// 64-bit counter wraps.
    pub wraps: u64,
    /// Batches from a session older than the source's current one (ignored).
    pub old_session_batches: u64,
    /// Rebases of a whole source (new session, or back after a silence).
    pub source_rebases: u64,
    /// Times a source turned stale.
    pub became_stale: u64,
    /// Sources stale at the last check (a gauge).
    pub stale_sources: u64,
}

/// Counter rates, state and staleness for every source; see the module docs.
#[derive(Debug, Default)]
pub struct RateEngine {
    cfg: EngineConfig,
    sources: Vec<Source>,
    by_name: Map<String, usize>,
    stats: EngineStats,
}

impl RateEngine {
    pub fn new(cfg: EngineConfig) -> Self {
        RateEngine { cfg, ..RateEngine::default() }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// Applies one event from the ingest tasks that arrived at `now_ns`.
    pub fn handle(&mut self, event: &IngestEvent, now_ns: i64) {
        match event {
            IngestEvent::Telemetry(batches) => batches.iter().for_each(|b| self.apply(b, now_ns)),
            IngestEvent::StreamUp { .. } => {}
            IngestEvent::StreamDown { endpoint, target, .. } => self.disconnect(*endpoint, target.as_deref()),
        }
    }

    /// Marks the sources a failed stream carried as disconnected: stale at once, not after N intervals.
    pub fn disconnect(&mut self, endpoint: u32, target: Option<&str>) {
        for s in self.sources.iter_mut().filter(|s| s.endpoint == endpoint) {
            if target.is_none_or(|t| *s.name == *t) {
                s.disconnected = true;
            }
        }
    }

    /// Applies one batch that arrived at `now_ns`.
    pub fn apply(&mut self, batch: &Batch, now_ns: i64) {
        let stale_after = self.cfg.stale_after_ns();
        let idx = self.source_index(&batch.target, batch.endpoint);
        let src = &mut self.sources[idx];
        if batch.session < src.session {
            self.stats.old_session_batches += 1;
            return;
        }
        let silent = src.last_arrival_ns.is_some_and(|t| now_ns.saturating_sub(t) > stale_after);
        if batch.session > src.session || silent || src.disconnected {
            if batch.session > src.session && src.last_arrival_ns.is_some() {
                src.reconnects += 1;
            }
            if src.last_arrival_ns.is_some() {
                src.epoch = src.epoch.wrapping_add(1);
                self.stats.source_rebases += 1;
            }
            src.session = batch.session;
        }
        src.endpoint = batch.endpoint;
        src.disconnected = false;
        src.last_arrival_ns = Some(now_ns);
        src.last_timestamp_ns = src.last_timestamp_ns.max(batch.timestamp_ns);
        let obs = Obs { ts_ns: batch.timestamp_ns, now_ns, epoch: src.epoch, max_rate: self.cfg.max_counter_rate };
        for u in &batch.updates {
            let seen = apply_update(src, u, &obs);
            count(&mut self.stats, seen);
        }
        src.updates += batch.updates.len() as u64;
        self.stats.updates += batch.updates.len() as u64;
    }

    fn source_index(&mut self, target: &str, endpoint: u32) -> usize {
        if let Some(&i) = self.by_name.get(target) {
            return i;
        }
        let i = self.sources.len();
        self.sources.push(Source { name: Arc::from(target), endpoint, ..Source::default() });
        self.by_name.insert(target.to_string(), i);
        i
    }

    /// Re-evaluates every source's staleness at `now_ns`, counting sources that turned stale.
    pub fn check_staleness(&mut self, now_ns: i64) {
        let limit = self.cfg.stale_after_ns();
        let mut stale_now = 0;
        for s in &mut self.sources {
            let stale = s.disconnected || s.last_arrival_ns.is_none_or(|t| now_ns.saturating_sub(t) > limit);
            if stale && !s.stale {
                self.stats.became_stale += 1;
            }
            s.stale = stale;
            stale_now += u64::from(stale);
        }
        self.stats.stale_sources = stale_now;
    }

    /// Checks staleness at `now_ns`, then returns everything the model needs, sorted by name.
    pub fn snapshot(&mut self, now_ns: i64) -> IngestSnapshot {
        self.check_staleness(now_ns);
        snapshot::build(&self.sources, now_ns, now_ns.saturating_sub(self.cfg.stale_after_ns()), self.stats)
    }
}

fn apply_update(src: &mut Source, u: &Update, obs: &Obs) -> Option<Observed> {
    let v = &u.value;
    match &u.leaf {
        Leaf::Interface { name, leaf } => src.interface(name).apply(*leaf, v, obs),
        Leaf::Queue { interface, queue, leaf } => src.interface(interface).apply_queue(queue, *leaf, v, obs),
        Leaf::Pfc { interface, priority, leaf } => src.interface(interface).apply_pfc(*priority, *leaf, v, obs),
        Leaf::Lldp { interface, neighbor, leaf } => {
            src.interface(interface).apply_lldp(neighbor, *leaf, v);
            None
        }
        Leaf::Aft { prefix, leaf } => src.apply_aft(prefix, *leaf, v, obs),
        Leaf::Slot { prefix, slot, leaf } => src.apply_slot(prefix, *slot, *leaf, v, obs),
    }
}

fn count(stats: &mut EngineStats, seen: Option<Observed>) {
    match seen {
        None => {}
        Some(Observed::Base) => stats.bases += 1,
        Some(Observed::Rate) => stats.rates += 1,
        Some(Observed::Wrap) => {
            stats.wraps += 1;
            stats.rates += 1;
        }
        Some(Observed::Reset) => stats.resets += 1,
        Some(Observed::Duplicate) => stats.duplicates += 1,
        Some(Observed::OutOfOrder) => stats.out_of_order += 1,
    }
}
