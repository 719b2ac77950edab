//! Workloads: seeded generators of flows. Each reacts to timers and to the completion of its own flows by
//! emitting [`Action`]s; the engine owns time and flows.
//!
//! Defaults follow published AI-fabric facts: 400G NICs, a few fat synchronized flows per NIC (one or two RDMA
//! queue pairs per ring connection, fixed for the job's life so their hashes never change), GB-scale gradient
//! all-reduce per iteration, and communication taking 20-50% of an iteration at line rate.

mod background;
mod collective;
mod incast;
mod inference;
mod pipeline;
pub mod placement;
pub mod spec;

use fathom_topology::NodeId;
use serde::Serialize;

use crate::engine::state::Class;
use crate::rng::Rng;

pub use background::Background;
pub use collective::{Collective, Pattern};
pub use incast::Incast;
pub use inference::Inference;
pub use pipeline::Pipeline;
pub use spec::WorkloadSpec;

/// RoCEv2 UDP destination port.
pub const ROCE_PORT: u16 = 4791;

/// A flow to start now.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowSpec {
    pub src: NodeId,
    pub dst: NodeId,
    /// Bytes to move; `f64::INFINITY` for an open-ended flow.
    pub bytes: f64,
    /// Application rate limit, bit/s (the NIC rate caps it further).
    pub cap_bps: f64,
    pub class: Class,
    pub src_port: u16,
    pub dst_port: u16,
    pub protocol: u8,
    /// Returned to the workload on completion.
    pub tag: u64,
}

/// What a workload asks of the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Start(FlowSpec),
    /// Change the rate cap of this workload's open flows with `tag`.
    SetCap {
        tag: u64,
        cap_bps: f64,
    },
    Timer {
        at_ns: u64,
        tag: u64,
    },
}

/// The engine's side of a workload callback.
#[derive(Debug)]
pub struct Cx<'a> {
    pub now: u64,
    pub rng: &'a mut Rng,
    pub out: &'a mut Vec<Action>,
}

impl Cx<'_> {
    pub fn start(&mut self, f: FlowSpec) {
        self.out.push(Action::Start(f));
    }
    pub fn timer(&mut self, at_ns: u64, tag: u64) {
        self.out.push(Action::Timer { at_ns, tag });
    }
}

/// Per-workload results for the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JobReport {
    pub name: String,
    pub kind: String,
    /// Duration of every completed iteration (training, MoE, pipeline), ns.
    pub iterations_ns: Vec<u64>,
    /// Iteration time with no contention (compute + communication at NIC line rate), ns.
    pub ideal_iteration_ns: Option<u64>,
    /// Completion time of each request or incast round, ns.
    pub completions_ns: Vec<u64>,
}

/// A workload.
pub trait Workload: std::fmt::Debug + Send {
    fn name(&self) -> &str;
    fn start(&mut self, cx: &mut Cx);
    fn on_timer(&mut self, tag: u64, cx: &mut Cx);
    fn on_flow_done(&mut self, tag: u64, cx: &mut Cx);
    fn report(&self) -> JobReport;
}

pub(crate) fn ms(x: f64) -> u64 {
    (x * 1e6).round().max(0.0) as u64
}
