//! The telemetry a simulated switch exports: a read-only snapshot of cumulative counters and state, the input of
//! the gNMI target server. Counters only ever grow (until a fault resets a switch).

use serde::Serialize;

/// All switches at one instant.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TelemetrySnapshot {
    /// Simulated time since the start, nanoseconds.
    pub sim_time_ns: u64,
    /// Wall-clock timestamp for notifications: the run's epoch plus `sim_time_ns`, nanoseconds since the Unix epoch.
    pub timestamp_ns: i64,
    /// Sorted by name.
    pub switches: Vec<SwitchTelemetry>,
}

impl TelemetrySnapshot {
    pub fn switch(&self, name: &str) -> Option<&SwitchTelemetry> {
        self.switches.binary_search_by(|s| s.name.as_str().cmp(name)).ok().map(|i| &self.switches[i])
    }
}

/// One switch, as its gNMI target.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SwitchTelemetry {
    pub name: String,
    /// `leaf`, `spine` or `super-spine`.
    pub role: String,
    pub up: bool,
    pub interfaces: Vec<InterfaceTelemetry>,
    /// AFT: octets forwarded per destination prefix (cumulative).
    pub aft: Vec<AftEntry>,
    /// Per-slot WCMP counters per destination prefix.
    pub wcmp: Vec<WcmpGroupTelemetry>,
}

/// One interface of a switch.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InterfaceTelemetry {
    pub name: String,
    pub ifindex: u32,
    pub oper_up: bool,
    pub admin_up: bool,
    pub speed_bps: u64,
    pub in_octets: u64,
    pub out_octets: u64,
    pub in_pkts: u64,
    pub out_pkts: u64,
    pub in_discards: u64,
    pub out_discards: u64,
    pub in_errors: u64,
    pub out_errors: u64,
    /// 802.3x-style pause frames (the sum over priorities).
    pub in_pause_frames: u64,
    pub out_pause_frames: u64,
    /// Per-priority PFC counters (Fathom-specific path: OpenConfig has none).
    pub pfc: Vec<PfcCounters>,
    pub queues: Vec<QueueTelemetry>,
    pub lldp: Option<LldpNeighbor>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PfcCounters {
    pub priority: u8,
    pub rx_pause_frames: u64,
    pub tx_pause_frames: u64,
    /// Time this port was paused (it received pause), microseconds.
    pub rx_pause_duration_us: u64,
}

/// One egress queue.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueTelemetry {
    /// Queue name, e.g. `lossless` (RoCE, PFC priority 3) or `lossy`.
    pub name: String,
    pub transmit_octets: u64,
    pub transmit_pkts: u64,
    pub dropped_pkts: u64,
    pub ecn_marked_pkts: u64,
    /// High-water mark of the queue since the last sample, bytes.
    pub max_queue_len: u64,
    /// Occupancy now, bytes.
    pub queue_len: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LldpNeighbor {
    /// Neighbor chassis id (we use its router id).
    pub id: String,
    pub system_name: String,
    pub port_id: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AftEntry {
    pub prefix: String,
    pub octets_forwarded: u64,
    pub packets_forwarded: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WcmpGroupTelemetry {
    pub prefix: String,
    pub slots: Vec<WcmpSlotTelemetry>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WcmpSlotTelemetry {
    pub slot: u32,
    /// Egress interface name of the slot's next hop.
    pub next_hop: String,
    pub octets: u64,
}
