//! The engine's typed outputs, what the controller's model task consumes: per interface rates and state, the LLDP
//! neighbor table, AFT demand per (switch, prefix), per-slot WCMP load, and health per source. Everything is sorted
//! by name. Values of a stale source stay visible (the last known rates) but carry `stale: true`: exclude them
//! from decisions, never read them as zero.

use std::sync::Arc;

use serde::Serialize;

use super::counter::Counter;
use super::state::{Interface, Source};
use super::EngineStats;

/// Everything ingest knows at `now_ns`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IngestSnapshot {
    pub now_ns: i64,
    pub interfaces: Vec<InterfaceView>,
    pub neighbors: Vec<NeighborView>,
    pub demands: Vec<PrefixDemand>,
    pub slots: Vec<SlotLoad>,
    pub sources: Vec<SourceHealth>,
    pub stats: EngineStats,
}

impl IngestSnapshot {
    /// The interface `switch:interface`.
    pub fn interface(&self, switch: &str, interface: &str) -> Option<&InterfaceView> {
        let i = self.interfaces.binary_search_by(|v| (&*v.switch, &*v.interface).cmp(&(switch, interface))).ok()?;
        Some(&self.interfaces[i])
    }

    /// Names of the stale sources.
    pub fn stale_sources(&self) -> impl Iterator<Item = &str> {
        self.sources.iter().filter(|s| s.stale).map(|s| s.name.as_str())
    }
}

/// One interface of one switch. Rates are `None` until two samples of the current epoch arrived (and, for a fresh
/// source, when that series itself has been silent past the staleness limit).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InterfaceView {
    pub switch: Arc<str>,
    pub interface: Arc<str>,
    /// The source is stale: these values are the last known ones, not current.
    pub stale: bool,
    pub oper_up: Option<bool>,
    pub admin_up: Option<bool>,
    pub speed_bps: Option<u64>,
    pub in_bps: Option<f64>,
    pub out_bps: Option<f64>,
    /// `in_bps / speed_bps`.
    pub in_utilization: Option<f64>,
    /// `out_bps / speed_bps` (the load of the link this interface sends on).
    pub out_utilization: Option<f64>,
    /// ECN-marked packets per second, all egress queues.
    pub ecn_marks_per_s: Option<f64>,
    /// Dropped packets per second, all egress queues (out-discards when no queue counters come).
    pub drops_per_s: Option<f64>,
    /// PFC pause frames received per second, all priorities (802.3x pause frames when no PFC counters come).
    pub pause_rx_per_s: Option<f64>,
    pub pause_tx_per_s: Option<f64>,
    /// Fraction of time the port was paused by its peer (PFC pause duration), 0..=1.
    pub paused_fraction: Option<f64>,
    /// Largest egress queue high-water mark of the last sample, bytes.
    pub max_queue_bytes: Option<u64>,
}

impl InterfaceView {
    /// Whether decisions may use this interface's load: fresh, with a current outgoing rate.
    pub fn usable(&self) -> bool {
        !self.stale && self.out_bps.is_some()
    }
}

/// One LLDP adjacency as the switch reports it: `switch:interface` sees `system_name:port_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NeighborView {
    pub switch: Arc<str>,
    pub interface: Arc<str>,
    /// LLDP chassis id.
    pub neighbor_id: Arc<str>,
    pub system_name: Arc<str>,
    pub port_id: Arc<str>,
    pub stale: bool,
}

/// Traffic a switch forwards towards a destination prefix (AFT octets-forwarded), bits/s.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PrefixDemand {
    pub switch: Arc<str>,
    pub prefix: Arc<str>,
    pub bps: Option<f64>,
    pub stale: bool,
}

/// Load of one WCMP hash slot, bits/s.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlotLoad {
    /// Shared strings: a fabric has hundreds of thousands of slots and few distinct names.
    pub switch: Arc<str>,
    pub prefix: Arc<str>,
    pub slot: u32,
    /// Egress interface of the slot.
    pub next_hop: Option<Arc<str>>,
    pub bps: Option<f64>,
    pub stale: bool,
}

/// Health of one source (gNMI target).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceHealth {
    pub name: String,
    pub endpoint: u32,
    pub stale: bool,
    /// Its stream is down (stale at once, before the silence limit).
    pub disconnected: bool,
    /// `now` when its last data arrived.
    pub last_arrival_ns: Option<i64>,
    /// Its latest notification timestamp.
    pub last_timestamp_ns: i64,
    /// Updates applied from it.
    pub updates: u64,
    /// Times its data resumed on a new subscription session (a reconnect).
    pub reconnects: u64,
}

/// Reads counters of one source: all last-known rates when the source is stale, only fresh ones otherwise.
struct Reader {
    epoch: u32,
    stale: bool,
    fresh_after_ns: i64,
}

impl Reader {
    fn rate(&self, c: &Counter) -> Option<f64> {
        if self.stale {
            c.rate(self.epoch)
        } else {
            c.fresh_rate(self.epoch, self.fresh_after_ns)
        }
    }

    fn bits(&self, c: &Counter) -> Option<f64> {
        self.rate(c).map(|r| r * 8.0)
    }
}

/// Sum of all rates; `None` if there are none or one is unknown.
fn sum(mut rates: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let first = rates.next()??;
    rates.try_fold(first, |acc, r| Some(acc + r?))
}

pub(super) fn build(sources: &[Source], now_ns: i64, fresh_after_ns: i64, stats: EngineStats) -> IngestSnapshot {
    let mut snap = IngestSnapshot { now_ns, stats, ..IngestSnapshot::default() };
    // Sources in name order and each source's maps in key order: slots come out sorted without a global sort
    // (hundreds of thousands of them at fabric scale).
    let mut order: Vec<&Source> = sources.iter().collect();
    order.sort_by(|a, b| a.name.cmp(&b.name));
    for s in order {
        let r = Reader { epoch: s.epoch, stale: s.stale, fresh_after_ns };
        let mut ifaces: Vec<(&Arc<str>, &Interface)> = s.interfaces.iter().collect();
        ifaces.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (name, i) in ifaces {
            snap.interfaces.push(interface_view(s.name.clone(), name, i, &r));
            if let Some(n) = &i.neighbor {
                let (Some(system_name), Some(port_id)) = (n.system_name.clone(), n.port_id.clone()) else { continue };
                let (interface, neighbor_id) = (name.clone(), n.id.clone());
                snap.neighbors.push(NeighborView {
                    switch: s.name.clone(),
                    interface,
                    neighbor_id,
                    system_name,
                    port_id,
                    stale: s.stale,
                });
            }
        }
        let mut aft: Vec<(&Arc<str>, &[Counter; 2])> = s.aft.iter().collect();
        aft.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (prefix, c) in aft {
            snap.demands.push(PrefixDemand {
                switch: s.name.clone(),
                prefix: prefix.clone(),
                bps: r.bits(&c[0]),
                stale: s.stale,
            });
        }
        let mut groups: Vec<(&Arc<str>, &Vec<super::state::Slot>)> = s.wcmp.iter().collect();
        groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (prefix, slots) in groups {
            for (i, slot) in slots.iter().enumerate() {
                let (next_hop, bps, slot) = (slot.next_hop.clone(), r.bits(&slot.octets), i as u32);
                snap.slots.push(SlotLoad {
                    switch: s.name.clone(),
                    prefix: prefix.clone(),
                    slot,
                    next_hop,
                    bps,
                    stale: s.stale,
                });
            }
        }
        snap.sources.push(health(s));
    }
    debug_assert_sorted(&snap);
    snap
}

fn health(s: &Source) -> SourceHealth {
    SourceHealth {
        name: s.name.to_string(),
        endpoint: s.endpoint,
        stale: s.stale,
        disconnected: s.disconnected,
        last_arrival_ns: s.last_arrival_ns,
        last_timestamp_ns: s.last_timestamp_ns,
        updates: s.updates,
        reconnects: s.reconnects,
    }
}

/// Every list is built in order (sources by name, each source's maps by key): nothing to sort.
fn debug_assert_sorted(snap: &IngestSnapshot) {
    debug_assert!(snap.sources.is_sorted_by(|a, b| a.name <= b.name));
    debug_assert!(snap.interfaces.is_sorted_by(|a, b| (&a.switch, &a.interface) <= (&b.switch, &b.interface)));
    debug_assert!(snap.neighbors.is_sorted_by(|a, b| (&a.switch, &a.interface) <= (&b.switch, &b.interface)));
    debug_assert!(snap.demands.is_sorted_by(|a, b| (&a.switch, &a.prefix) <= (&b.switch, &b.prefix)));
    debug_assert!(snap.slots.is_sorted_by(|a, b| (&a.switch, &a.prefix, a.slot) <= (&b.switch, &b.prefix, b.slot)));
}

fn interface_view(switch: Arc<str>, name: &Arc<str>, i: &Interface, r: &Reader) -> InterfaceView {
    use crate::telemetry::IfLeaf as L;
    let c = |l: L| l.counter_index().and_then(|k| r.rate(&i.counters[k]));
    let bits = |l: L| c(l).map(|v| v * 8.0);
    let util = |bps: Option<f64>| Some(bps? / i.speed_bps.filter(|s| *s > 0)? as f64);
    let (in_bps, out_bps) = (bits(L::InOctets), bits(L::OutOctets));
    let queues = |k: usize| sum(i.queues.iter().map(|q| r.rate(&q.counters[k])));
    let pfc = |k: usize| sum(i.pfc.iter().map(|p| r.rate(&p.counters[k])));
    let or_if = |v: Option<f64>, present: bool, fallback: L| if present { v } else { c(fallback) };
    let paused = i.pfc.iter().filter_map(|p| r.rate(&p.counters[2])).reduce(f64::max);
    InterfaceView {
        switch,
        interface: name.clone(),
        stale: r.stale,
        oper_up: i.oper_up,
        admin_up: i.admin_up,
        speed_bps: i.speed_bps,
        in_bps,
        out_bps,
        in_utilization: util(in_bps),
        out_utilization: util(out_bps),
        ecn_marks_per_s: queues(3),
        drops_per_s: or_if(queues(2), !i.queues.is_empty(), L::OutDiscards),
        pause_rx_per_s: or_if(pfc(0), !i.pfc.is_empty(), L::InMacPause),
        pause_tx_per_s: or_if(pfc(1), !i.pfc.is_empty(), L::OutMacPause),
        paused_fraction: paused.map(|us| (us / 1e6).clamp(0.0, 1.0)),
        max_queue_bytes: i.queues.iter().filter_map(|q| q.max_len).max(),
    }
}
