//! Data-parallel training (ring all-reduce) and mixture-of-experts (all-to-all): iterations of compute followed by
//! a collective whose flows all start together; the iteration ends when the last flow completes.

use fathom_topology::NodeId;

use super::{Cx, FlowSpec, JobReport, Workload, ROCE_PORT};
use crate::engine::state::Class;

/// The communication pattern of a collective job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Ring all-reduce: each member sends `2(N-1)/N · G` bytes to its ring successor.
    Ring,
    /// All-to-all: each member sends `G/N` bytes to every other member.
    AllToAll,
}

#[derive(Debug, Clone)]
struct Conn {
    src: NodeId,
    dst: NodeId,
    src_port: u16,
}

const TIMER_COMPUTE_DONE: u64 = 1;
const TIMER_START: u64 = 0;

/// A collective job.
#[derive(Debug, Clone)]
pub struct Collective {
    name: String,
    pattern: Pattern,
    conns: Vec<Conn>,
    bytes_per_flow: f64,
    compute_ns: u64,
    jitter: f64,
    start_ns: u64,
    iterations: Option<u64>,
    nic_bps: f64,
    class: Class,
    // state
    outstanding: usize,
    iter_start: u64,
    done: u64,
    durations: Vec<u64>,
    ideal_ns: u64,
}

/// Parameters of a collective job.
#[derive(Debug, Clone)]
pub struct CollectiveParams {
    pub name: String,
    pub pattern: Pattern,
    /// Members in ring order.
    pub hosts: Vec<NodeId>,
    /// Gradient bytes (ring) or bytes each member sends in total (all-to-all).
    pub bytes: f64,
    pub compute_ns: u64,
    pub jitter: f64,
    pub start_ns: u64,
    pub iterations: Option<u64>,
    /// Queue pairs (flows) per connection.
    pub qps: usize,
    pub nic_bps: f64,
    pub class: Class,
}

impl Collective {
    /// Builds the job; `ports` yields the fixed source port of each queue pair.
    pub fn new(p: CollectiveParams, mut ports: impl FnMut() -> u16) -> Self {
        let n = p.hosts.len();
        let mut conns = Vec::new();
        let per_host_bytes = match p.pattern {
            Pattern::Ring => {
                for i in 0..n {
                    for _ in 0..p.qps {
                        conns.push(Conn { src: p.hosts[i], dst: p.hosts[(i + 1) % n], src_port: ports() });
                    }
                }
                2.0 * (n as f64 - 1.0) / n as f64 * p.bytes
            }
            Pattern::AllToAll => {
                for i in 0..n {
                    for j in 0..n {
                        if i != j {
                            for _ in 0..p.qps {
                                conns.push(Conn { src: p.hosts[i], dst: p.hosts[j], src_port: ports() });
                            }
                        }
                    }
                }
                (n as f64 - 1.0) / n as f64 * p.bytes
            }
        };
        let flows_per_host = (conns.len() / n.max(1)).max(1) as f64;
        let ideal_comm_ns = per_host_bytes * 8.0 / p.nic_bps * 1e9;
        Collective {
            name: p.name,
            pattern: p.pattern,
            bytes_per_flow: per_host_bytes / flows_per_host,
            conns,
            compute_ns: p.compute_ns,
            jitter: p.jitter,
            start_ns: p.start_ns,
            iterations: p.iterations,
            nic_bps: p.nic_bps,
            class: p.class,
            outstanding: 0,
            iter_start: 0,
            done: 0,
            durations: Vec::new(),
            ideal_ns: p.compute_ns + ideal_comm_ns.round() as u64,
        }
    }

    fn begin_iteration(&mut self, cx: &mut Cx) {
        if self.iterations.is_some_and(|n| self.done >= n) || self.conns.is_empty() {
            return;
        }
        self.iter_start = cx.now;
        let j = 1.0 + self.jitter * (2.0 * cx.rng.f64() - 1.0);
        cx.timer(cx.now + (self.compute_ns as f64 * j).round() as u64, TIMER_COMPUTE_DONE);
    }
}

impl Workload for Collective {
    fn name(&self) -> &str {
        &self.name
    }

    fn start(&mut self, cx: &mut Cx) {
        cx.timer(self.start_ns, TIMER_START);
    }

    fn on_timer(&mut self, tag: u64, cx: &mut Cx) {
        match tag {
            TIMER_START => self.begin_iteration(cx),
            _ => {
                self.outstanding = self.conns.len();
                for (i, c) in self.conns.iter().enumerate() {
                    cx.start(FlowSpec {
                        src: c.src,
                        dst: c.dst,
                        bytes: self.bytes_per_flow,
                        cap_bps: self.nic_bps,
                        class: self.class,
                        src_port: c.src_port,
                        dst_port: ROCE_PORT,
                        protocol: 17,
                        tag: i as u64,
                    });
                }
            }
        }
    }

    fn on_flow_done(&mut self, _tag: u64, cx: &mut Cx) {
        self.outstanding = self.outstanding.saturating_sub(1);
        if self.outstanding == 0 {
            self.durations.push(cx.now - self.iter_start);
            self.done += 1;
            self.begin_iteration(cx);
        }
    }

    fn report(&self) -> JobReport {
        JobReport {
            name: self.name.clone(),
            kind: match self.pattern {
                Pattern::Ring => "training".into(),
                Pattern::AllToAll => "moe".into(),
            },
            iterations_ns: self.durations.clone(),
            ideal_iteration_ns: Some(self.ideal_ns),
            completions_ns: Vec::new(),
        }
    }
}
