//! Requests and answers of the fabric control API, in domain terms (the gRPC layer converts to and from them).

use serde::Serialize;

/// How a slot table is given: explicit slots (egress interface per slot) or weights per egress interface.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotSpec {
    /// One egress interface name per slot; the table size is the length.
    Slots(Vec<String>),
    /// Weight per egress interface, quantized into the device's current table size.
    Weights(Vec<(String, f64)>),
}

/// Program the table of `device` (a switch, or a host for host-based path selection) for destination `prefix`.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotUpdate {
    pub device: String,
    /// `a.b.c.d/len`, one of the prefixes leaves own.
    pub prefix: String,
    pub spec: SlotSpec,
}

/// A programmed table, as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotTableView {
    pub device: String,
    pub prefix: String,
    /// Egress interface name per slot. For a host, the slot names the source leaf's uplink the flow takes.
    pub slots: Vec<String>,
    /// True when the table is the default ECMP fill (never programmed).
    pub default_ecmp: bool,
}

/// A fault to inject or clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Fault {
    /// Link `switch:interface` (both directions) loses carrier.
    LinkDown(String),
    /// A whole switch fails: every link of it goes down, its counters restart from zero when it returns.
    SwitchDown(String),
    /// A link (`switch:interface`) or a whole switch (`switch`) is drained: up, but routed around.
    Drain(String),
}

/// Inject or clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultAction {
    pub fault: Fault,
    /// `false` injects the fault, `true` clears it.
    pub clear: bool,
}

/// A switch served as a gNMI target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetInfo {
    pub name: String,
    pub role: String,
    pub up: bool,
}

/// True state of the fabric, for checking what a controller infers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GroundTruth {
    pub sim_time_ns: u64,
    pub links: Vec<LinkTruth>,
    /// Offered demand per source leaf and destination prefix (bit/s), from the flows active now.
    pub demands: Vec<DemandTruth>,
    pub flows: Vec<FlowTruth>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkTruth {
    /// `switch:interface` of the sending side.
    pub name: String,
    pub peer: String,
    pub capacity_bps: f64,
    pub load_bps: f64,
    pub utilization: f64,
    pub up: bool,
    pub drained: bool,
    pub queue_bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DemandTruth {
    pub src_leaf: String,
    pub prefix: String,
    pub bps: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FlowTruth {
    pub id: u64,
    pub src: String,
    pub dst: String,
    pub src_port: u16,
    pub dst_port: u16,
    pub protocol: u8,
    pub rate_bps: f64,
    pub remaining_bytes: f64,
    /// `switch:interface` of every hop, host NIC first.
    pub path: Vec<String>,
    pub job: String,
}
