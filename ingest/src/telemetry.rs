//! Domain telemetry: what gNMI notifications say, classified into typed leaves. No prost types here: the
//! [`convert`](crate::convert) module builds these from the wire messages.

/// A leaf of `/interfaces/interface[name]/...` (counters, state, and the 802.3x pause counters under `ethernet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IfLeaf {
    InOctets,
    OutOctets,
    InPkts,
    OutPkts,
    InDiscards,
    OutDiscards,
    InErrors,
    OutErrors,
    InMacPause,
    OutMacPause,
    OperStatus,
    AdminStatus,
    Ifindex,
    PortSpeed,
}

impl IfLeaf {
    /// Number of cumulative counters ([`IfLeaf::counter_index`] is below this).
    pub const COUNTERS: usize = 10;

    /// Index of a cumulative counter leaf, `None` for state leaves.
    pub fn counter_index(self) -> Option<usize> {
        let i = self as usize;
        (i < Self::COUNTERS).then_some(i)
    }
}

/// A leaf of `/qos/interfaces/interface[interface-id]/output/queues/queue[name]/state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueLeaf {
    TransmitOctets,
    TransmitPkts,
    DroppedPkts,
    EcnMarkedPkts,
    /// A gauge (bytes, high-water mark since the previous sample), not a counter.
    MaxQueueLen,
}

/// A per-priority PFC counter (`fathom:/interfaces/interface[name]/pfc/priority[id]/state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PfcLeaf {
    RxPauseFrames,
    TxPauseFrames,
    RxPauseDurationUs,
}

/// A leaf of `/lldp/interfaces/interface[name]/neighbors/neighbor[id]/state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LldpLeaf {
    SystemName,
    PortId,
}

/// A counter of `.../afts/ipv4-unicast/ipv4-entry[prefix]/state/counters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AftLeaf {
    OctetsForwarded,
    PacketsForwarded,
}

/// A leaf of `fathom:/wcmp/groups/group[prefix]/slots/slot[id]/state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SlotLeaf {
    /// The egress interface of the slot (state).
    NextHop,
    Octets,
}

/// One leaf a target serves, identified within that target.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Leaf {
    Interface { name: String, leaf: IfLeaf },
    Queue { interface: String, queue: String, leaf: QueueLeaf },
    Pfc { interface: String, priority: u8, leaf: PfcLeaf },
    Lldp { interface: String, neighbor: String, leaf: LldpLeaf },
    Aft { prefix: String, leaf: AftLeaf },
    Slot { prefix: String, slot: u32, leaf: SlotLeaf },
}

/// A leaf's new value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Counters, gauges, `ifindex`.
    Uint(u64),
    /// Enumerations, identities, names.
    Text(String),
    /// The leaf disappeared (a gNMI `delete`, e.g. an LLDP neighbor behind a link that went down).
    Deleted,
}

/// One leaf update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub leaf: Leaf,
    pub value: Value,
}

/// The updates of one target at one timestamp (one gNMI notification, or a coalesced part of several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Index of the endpoint in the ingest configuration.
    pub endpoint: u32,
    /// The subscription stream that delivered it; a new session means counters may have restarted.
    pub session: u64,
    /// The switch (`prefix.target`).
    pub target: String,
    /// Notification timestamp, ns since the Unix epoch.
    pub timestamp_ns: i64,
    pub updates: Vec<Update>,
}

/// What the ingest tasks send to the consumer (the controller's model task).
#[derive(Debug, Clone, PartialEq)]
pub enum IngestEvent {
    /// Telemetry, one batch per notification; several when the consumer fell behind and updates were coalesced.
    Telemetry(Vec<Batch>),
    /// A subscription stream is up (`target` `None` for a `*` subscription covering the whole endpoint).
    StreamUp { endpoint: u32, session: u64, target: Option<String> },
    /// A subscription stream ended or failed; its sources are stale until data flows again.
    StreamDown { endpoint: u32, session: u64, target: Option<String>, reason: String },
}
