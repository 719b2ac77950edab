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

/// A span of simulated time in nanoseconds as an `f64`, the value `ns as f64` gives (through a signed conversion:
/// one instruction, where an unsigned one takes several; spans stay far below 2^63 ns, ~292 years).
#[inline]
pub fn span_f64(ns: u64) -> f64 {
    debug_assert!(ns < 1 << 63, "time span {ns} ns");
    ns as i64 as f64
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

/// A flow: bytes to move between two hosts at its max-min fair rate. Laid out so that what rate changes read and
/// write (rate, cap, byte accounting, path) shares the first cache line.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct Flow {
    pub rate: f64,
    /// Demand cap: NIC rate, or the application's rate.
    pub cap_bps: f64,
    pub since: u64,
    /// Bytes left at `since` (infinite for open-ended flows).
    pub remaining: f64,
    /// Bytes sent up to `since`.
    pub sent: f64,
    /// Empty while the destination is unreachable (the flow is stalled).
    pub path: Vec<Hop>,
    /// Bumped whenever the scheduled completion changes; stale completion events are ignored.
    pub version: u32,
    pub class: Class,
    pub started_ns: u64,
    /// `sent` when the flow was bound to `accs` (its contribution to them is what it sent since).
    pub acc_from: f64,
    /// Counters this flow's rate feeds (indices into the engine's counter arena).
    pub accs: Vec<u32>,
    pub id: u64,
    pub src: NodeId,
    pub dst: NodeId,
    pub prefix: PrefixId,
    pub tuple: FiveTuple,
    pub owner: Owner,
}

impl Flow {
    /// Changes the rate at `now`, folding what was sent at the old rate into `sent` and `remaining`.
    pub fn rebase(&mut self, now: u64, rate: f64) {
        self.remaining = self.remaining_at(now);
        self.sent = self.sent_at(now);
        self.since = now;
        self.rate = rate;
    }
    /// Bytes sent up to `now`.
    pub fn sent_at(&self, now: u64) -> f64 {
        self.sent + self.rate / 8.0 * span_f64(now - self.since) * 1e-9
    }
    pub fn remaining_at(&self, now: u64) -> f64 {
        (self.remaining - self.rate / 8.0 * span_f64(now - self.since) * 1e-9).max(0.0)
    }
}

/// Per directed link state. The first cache line holds what every rate change and settle touches (a settle of a
/// link whose queues are quiet reads and writes nothing else); the queues and then the flow list follow.
#[derive(Debug, Clone, Default)]
#[repr(C, align(64))]
pub struct LinkState {
    /// When queues and statistics were last settled.
    pub settled: u64,
    /// Fair-share rate served per class, bit/s.
    pub served: [f64; 2],
    /// Bytes each class sent up to `settled` (the queues' transmit counters; the link's byte counter is their sum
    /// plus what the served rates sent since).
    pub tx: [f64; 2],
    /// Seconds congested (utilization above threshold, or at the queue limit).
    pub congested_s: f64,
    /// Capacity, bit/s (the engine's `link_cap`, kept here too: what reads the served rate usually needs it).
    pub cap: f64,
    /// When set, no queue holds bytes or receives overshoot (`ClassQueue::idle` of both), so a settle only has to
    /// count the served bytes: the queues stay empty, and their high-water marks roll to later telemetry windows
    /// lazily, with the same result, when next touched. (Clear is always safe: the full settle recomputes it.)
    pub quiet: bool,
    /// Whether the link joins fabric statistics (switch to switch).
    pub fabric: bool,
    /// PFC: time the sender of this link was paused, seconds, and pause frames it received.
    pub paused_s: f64,
    pub pause_frames: f64,
    pub queues: [ClassQueue; 2],
    /// Flows on this link (slab indices), unordered; in one cache line of its own, after the queues.
    pub flows: Vec<u32>,
}

impl LinkState {
    pub fn total_rate(&self) -> f64 {
        self.served[0] + self.served[1]
    }
    /// Bytes sent by class `c` up to `now` (not before `settled`).
    pub fn tx_at(&self, c: usize, now: u64) -> f64 {
        self.tx[c] + self.served[c] * span_f64(now.saturating_sub(self.settled)) * 1e-9 / 8.0
    }
    /// Bytes sent over the link's life, up to `now`.
    pub fn bytes_at(&self, now: u64) -> f64 {
        self.tx_at(0, now) + self.tx_at(1, now)
    }
    pub fn snapshot(&self, now: u64) -> CounterSnapshot {
        CounterSnapshot {
            bytes: self.bytes_at(now),
            queue_tx: [self.tx_at(0, now), self.tx_at(1, now)],
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
