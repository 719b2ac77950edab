//! Pipeline-parallel training: microbatches flow stage to stage as point-to-point activation transfers, then a
//! backward compute phase; one iteration is every microbatch through every stage.

use fathom_topology::NodeId;

use super::{Cx, FlowSpec, JobReport, Workload, ROCE_PORT};
use crate::engine::state::Class;

const SEND: u64 = 1 << 40;
const BACKWARD_DONE: u64 = 1 << 41;
const START: u64 = 1 << 42;

/// Parameters of a pipeline job.
#[derive(Debug, Clone)]
pub struct PipelineParams {
    pub name: String,
    /// Stages in order, one host each.
    pub hosts: Vec<NodeId>,
    pub microbatches: u64,
    pub activation_bytes: f64,
    pub compute_ns: u64,
    pub start_ns: u64,
    pub iterations: Option<u64>,
    pub nic_bps: f64,
    pub class: Class,
}

/// A pipeline-parallel job.
#[derive(Debug, Clone)]
pub struct Pipeline {
    p: PipelineParams,
    ports: Vec<u16>,
    arrived: u64,
    iter_start: u64,
    done: u64,
    durations: Vec<u64>,
}

impl Pipeline {
    pub fn new(p: PipelineParams, mut port: impl FnMut() -> u16) -> Self {
        let ports = (0..p.hosts.len()).map(|_| port()).collect();
        Pipeline { p, ports, arrived: 0, iter_start: 0, done: 0, durations: Vec::new() }
    }

    fn stages(&self) -> u64 {
        self.p.hosts.len() as u64
    }

    fn begin(&mut self, cx: &mut Cx) {
        if self.p.iterations.is_some_and(|n| self.done >= n) || self.stages() < 2 {
            return;
        }
        self.iter_start = cx.now;
        self.arrived = 0;
        for mb in 0..self.p.microbatches {
            cx.timer(cx.now + (mb + 1) * self.p.compute_ns, SEND | (mb * self.stages()));
        }
    }

    fn ideal_ns(&self) -> u64 {
        let s = self.stages() as f64;
        let c = self.p.compute_ns as f64;
        let xfer = self.p.activation_bytes * 8.0 / self.p.nic_bps * 1e9;
        let m = self.p.microbatches as f64;
        (m * c + (s - 1.0) * (xfer + c) + 2.0 * m * c).round() as u64
    }
}

impl Workload for Pipeline {
    fn name(&self) -> &str {
        &self.p.name
    }

    fn start(&mut self, cx: &mut Cx) {
        cx.timer(self.p.start_ns, START);
    }

    fn on_timer(&mut self, tag: u64, cx: &mut Cx) {
        if tag == START {
            self.begin(cx);
        } else if tag == BACKWARD_DONE {
            self.durations.push(cx.now - self.iter_start);
            self.done += 1;
            self.begin(cx);
        } else if tag & SEND != 0 {
            let key = tag & !SEND;
            let stage = (key % self.stages()) as usize;
            cx.start(FlowSpec {
                src: self.p.hosts[stage],
                dst: self.p.hosts[stage + 1],
                bytes: self.p.activation_bytes,
                cap_bps: self.p.nic_bps,
                class: self.p.class,
                src_port: self.ports[stage],
                dst_port: ROCE_PORT,
                protocol: 17,
                tag: key,
            });
        }
    }

    fn on_flow_done(&mut self, tag: u64, cx: &mut Cx) {
        let s = self.stages();
        let (mb, stage) = (tag / s, tag % s);
        let next = stage + 1;
        if next + 1 < s {
            cx.timer(cx.now + self.p.compute_ns, SEND | (mb * s + next));
        } else {
            self.arrived += 1;
            if self.arrived == self.p.microbatches {
                // Last stage computes the final microbatch, then the backward pass runs.
                cx.timer(cx.now + self.p.compute_ns + 2 * self.p.microbatches * self.p.compute_ns, BACKWARD_DONE);
            }
        }
    }

    fn report(&self) -> JobReport {
        JobReport {
            name: self.p.name.clone(),
            kind: "pipeline".into(),
            iterations_ns: self.durations.clone(),
            ideal_iteration_ns: Some(self.ideal_ns()),
            completions_ns: Vec::new(),
        }
    }
}
