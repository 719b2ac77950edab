//! Engine state records: flows, per-link state, lazily integrated counters.

use fathom_topology::{LinkId, NodeId, PrefixId};

use super::queue::ClassQueue;

/// Traffic class: RoCE (lossless, PFC priority 3) or everything else (lossy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Lossless,
    Lossy,
}

impl Class {
    pub fn index(self) -> usize {
        match self {
            Class::Lossless => 0,
            Class::Lossy => 1,
        }
    }
    pub const ALL: [Class; 2] = [Class::Lossless, Class::Lossy];
    pub fn queue_name(self) -> &'static str {
        match self {
            Class::Lossless => "lossless",
            Class::Lossy => "lossy",
        }
    }
    /// PFC priority of the class (lossy traffic is never paused).
    pub const PFC_PRIORITY: u8 = 3;
}

/// A quantity integrated lazily: `value + rate·(t - since)`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Acc {
    pub value: f64,
    pub rate: f64,
    pub since: u64,
}

impl Acc {
    pub fn at(&self, now: u64) -> f64 {
        self.value + self.rate * (now - self.since) as f64 * 1e-9
    }
    pub fn add_rate(&mut self, now: u64, delta: f64) {
        self.value = self.at(now);
        self.since = now;
        self.rate += delta;
        if self.rate.abs() < 1e-6 {
            self.rate = 0.0;
        }
    }
}

/// The 5-tuple a switch hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FiveTuple {
    pub src_ip: u32,
    pub dst_ip: u32,
    pub src_port: u16,
    pub dst_port: u16,
    pub protocol: u8,
}

/// One hop: the link taken and the slot that chose it (`NO_SLOT` where there was no choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    pub link: LinkId,
    /// The device whose table chose this link (a switch, or the source host for host-based selection).
    pub chooser: NodeId,
    pub slot: u16,
}

pub const NO_SLOT: u16 = u16::MAX;

/// Who started a flow and what to tell it on completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub workload: u32,
    pub tag: u64,
}

/// A flow: bytes to move between two hosts at its max-min fair rate.
#[derive(Debug, Clone)]
pub struct Flow {
    pub id: u64,
    pub src: NodeId,
    pub dst: NodeId,
    pub prefix: PrefixId,
    pub tuple: FiveTuple,
    pub class: Class,
    pub owner: Owner,
    /// Demand cap: NIC rate, or the application's rate.
    pub cap_bps: f64,
    /// Bytes left at `since` (infinite for open-ended flows).
    pub remaining: f64,
    pub since: u64,
    pub rate: f64,
    /// Bytes sent up to `since`.
    pub sent: f64,
    /// `sent` when the flow was bound to `accs` (its contribution to them is what it sent since).
    pub acc_from: f64,
    /// Empty while the destination is unreachable (the flow is stalled).
    pub path: Vec<Hop>,
    /// Counters this flow's rate feeds (indices into the engine's counter arena).
    pub accs: Vec<u32>,
    pub started_ns: u64,
    /// Bumped whenever the scheduled completion changes; stale completion events are ignored.
    pub version: u32,
}

impl Flow {
    /// Bytes sent up to `now`.
    pub fn sent_at(&self, now: u64) -> f64 {
        self.sent + self.rate / 8.0 * (now - self.since) as f64 * 1e-9
    }
    pub fn remaining_at(&self, now: u64) -> f64 {
        (self.remaining - self.rate / 8.0 * (now - self.since) as f64 * 1e-9).max(0.0)
    }
}

/// Per directed link state.
#[derive(Debug, Clone, Default)]
pub struct LinkState {
    /// Flows on this link (slab indices), unordered.
    pub flows: Vec<u32>,
    /// Fair-share rate served per class, bit/s.
    pub served: [f64; 2],
    pub queues: [ClassQueue; 2],
    /// When queues and statistics were last settled.
    pub settled: u64,
    /// Bytes sent, over the link's life.
    pub tx: Acc,
    /// PFC: time the sender of this link was paused, seconds, and pause frames it received.
    pub paused_s: f64,
    pub pause_frames: f64,
    /// Seconds congested (utilization above threshold, or at the queue limit).
    pub congested_s: f64,
    /// Whether the link joins fabric statistics (switch to switch).
    pub fabric: bool,
}

impl LinkState {
    pub fn total_rate(&self) -> f64 {
        self.served[0] + self.served[1]
    }
    pub fn snapshot(&self, now: u64) -> CounterSnapshot {
        CounterSnapshot {
            bytes: self.tx.at(now),
            queue_tx: [self.queues[0].tx_bytes, self.queues[1].tx_bytes],
            dropped: [self.queues[0].dropped_bytes, self.queues[1].dropped_bytes],
            marked: [self.queues[0].marked_pkts, self.queues[1].marked_pkts],
            paused_s: self.paused_s,
            pause_frames: self.pause_frames,
        }
    }
}

/// Cumulative counters of a link at an instant (used as reset bases).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CounterSnapshot {
    pub bytes: f64,
    pub queue_tx: [f64; 2],
    pub dropped: [f64; 2],
    pub marked: [f64; 2],
    pub paused_s: f64,
    pub pause_frames: f64,
}
