//! Inference serving: requests arrive as a Poisson process whose rate swings diurnally; each request moves a
//! response (KV cache / tokens) from a server to a client. Records request completion times.

use fathom_topology::NodeId;

use super::{Cx, FlowSpec, JobReport, Workload};
use crate::engine::state::Class;

const ARRIVAL: u64 = u64::MAX;

/// Parameters of an inference service.
#[derive(Debug, Clone)]
pub struct InferenceParams {
    pub name: String,
    pub clients: Vec<NodeId>,
    pub servers: Vec<NodeId>,
    /// Mean requests per second.
    pub rate_per_s: f64,
    /// Relative swing of the rate, 0..1.
    pub diurnal_amplitude: f64,
    pub diurnal_period_s: f64,
    pub response_bytes: f64,
    pub sigma: f64,
    pub start_ns: u64,
    pub nic_bps: f64,
    pub class: Class,
}

/// An inference service.
#[derive(Debug, Clone)]
pub struct Inference {
    p: InferenceParams,
    starts: Vec<u64>,
    completions: Vec<u64>,
}

impl Inference {
    pub fn new(p: InferenceParams) -> Self {
        Inference { p, starts: Vec::new(), completions: Vec::new() }
    }
    fn max_rate(&self) -> f64 {
        self.p.rate_per_s * (1.0 + self.p.diurnal_amplitude)
    }
    fn schedule_next(&mut self, cx: &mut Cx) {
        if self.max_rate() <= 0.0 {
            return;
        }
        let gap = cx.rng.exp(1.0 / self.max_rate());
        cx.timer(cx.now + (gap * 1e9).ceil() as u64, ARRIVAL);
    }
}

impl Workload for Inference {
    fn name(&self) -> &str {
        &self.p.name
    }

    fn start(&mut self, cx: &mut Cx) {
        let now = cx.now;
        cx.now = self.p.start_ns.max(now);
        self.schedule_next(cx);
        cx.now = now;
    }

    fn on_timer(&mut self, _tag: u64, cx: &mut Cx) {
        let t = cx.now as f64 * 1e-9;
        let phase = std::f64::consts::TAU * t / self.p.diurnal_period_s.max(1e-9);
        let rate = self.p.rate_per_s * (1.0 + self.p.diurnal_amplitude * phase.sin());
        // Thinning: accept the candidate arrival with probability rate / max rate.
        if cx.rng.f64() * self.max_rate() < rate {
            let server = self.p.servers[cx.rng.below(self.p.servers.len())];
            let client = self.p.clients[cx.rng.below(self.p.clients.len())];
            let bytes = cx.rng.lognormal(self.p.response_bytes, self.p.sigma).max(1.0);
            let port = 10_000 + cx.rng.below(50_000) as u16;
            let tag = self.starts.len() as u64;
            self.starts.push(cx.now);
            cx.start(FlowSpec {
                src: server,
                dst: client,
                bytes,
                cap_bps: self.p.nic_bps,
                class: self.p.class,
                src_port: port,
                dst_port: 8443,
                protocol: 6,
                tag,
            });
        }
        self.schedule_next(cx);
    }

    fn on_flow_done(&mut self, tag: u64, cx: &mut Cx) {
        if let Some(&s) = self.starts.get(tag as usize) {
            self.completions.push(cx.now - s);
        }
    }

    fn report(&self) -> JobReport {
        JobReport {
            name: self.p.name.clone(),
            kind: "inference".into(),
            iterations_ns: Vec::new(),
            ideal_iteration_ns: None,
            completions_ns: self.completions.clone(),
        }
    }
}
