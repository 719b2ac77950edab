//! Background traffic from a gravity model: leaves get log-normal weights; a connection between leaves `i` and `j`
//! carries rate in proportion to `w_i·w_j`, scaled so the total is `load` of the hosts' NIC capacity. Long-lived
//! connections are app-limited and their rates are redrawn (log-normal noise around the gravity value) every
//! `change_ns`; optional short flows arrive as a Poisson process between gravity-drawn pairs.

use fathom_topology::{Fabric, NodeId};

use super::{Cx, FlowSpec, JobReport, Workload};
use crate::engine::state::Class;
use crate::rng::{LogNormal, Rng};

const REDRAW: u64 = u64::MAX;
const ARRIVAL: u64 = u64::MAX - 1;
const SHORT: u64 = 1 << 62;

/// Parameters of background traffic.
#[derive(Debug, Clone)]
pub struct BackgroundParams {
    pub name: String,
    pub load: f64,
    pub connections: usize,
    pub change_ns: u64,
    pub arrivals_per_s: f64,
    pub flow_bytes: f64,
    pub start_ns: u64,
    pub nic_bps: f64,
    pub class: Class,
}

#[derive(Debug, Clone)]
struct Conn {
    src: NodeId,
    dst: NodeId,
    port: u16,
    base_bps: f64,
}

/// A background traffic generator.
#[derive(Debug, Clone)]
pub struct Background {
    p: BackgroundParams,
    leaves: Vec<Vec<NodeId>>,
    cumw: Vec<f64>,
    conns: Vec<Conn>,
    /// Noise of a redrawn connection rate, and the size of a short flow.
    noise: LogNormal,
    size: LogNormal,
}

impl Background {
    pub fn new(p: BackgroundParams, f: &Fabric, rng: &mut Rng) -> Self {
        // Leaves in order of their first host, with their hosts.
        let mut leaves: Vec<Vec<NodeId>> = Vec::new();
        let mut slot_of: Vec<u32> = vec![u32::MAX; f.node_count()];
        for h in f.hosts() {
            let l = f.host_leaf(h).expect("hosts have leaves");
            match slot_of[l.index()] {
                u32::MAX => {
                    slot_of[l.index()] = leaves.len() as u32;
                    leaves.push(vec![h]);
                }
                i => leaves[i as usize].push(h),
            }
        }
        let mut acc = 0.0;
        let cumw = leaves
            .iter()
            .map(|_| {
                acc += rng.lognormal(1.0, 1.0);
                acc
            })
            .collect();
        let (noise, size) = (LogNormal::new(1.0, 0.3), LogNormal::new(p.flow_bytes, 1.0));
        let mut bg = Background { p, leaves, cumw, conns: Vec::new(), noise, size };
        let total_bps = bg.p.load * f.hosts().count() as f64 * bg.p.nic_bps;
        let mut conns = Vec::with_capacity(bg.p.connections);
        for _ in 0..bg.p.connections {
            let (src, dst, w) = bg.pair(rng);
            conns.push(Conn { src, dst, port: 10_000 + rng.below(50_000) as u16, base_bps: w });
        }
        let sum: f64 = conns.iter().map(|c| c.base_bps).sum();
        for c in &mut conns {
            c.base_bps = (c.base_bps / sum.max(1e-300) * total_bps).min(bg.p.nic_bps);
        }
        bg.conns = conns;
        bg
    }

    fn leaf(&self, rng: &mut Rng) -> usize {
        let x = rng.f64() * self.cumw.last().copied().unwrap_or(0.0);
        self.cumw.partition_point(|&c| c <= x).min(self.cumw.len() - 1)
    }

    /// A gravity-drawn (src host, dst host, weight) with distinct hosts.
    fn pair(&self, rng: &mut Rng) -> (NodeId, NodeId, f64) {
        loop {
            let (i, j) = (self.leaf(rng), self.leaf(rng));
            let (a, b) = (&self.leaves[i], &self.leaves[j]);
            let (s, d) = (a[rng.below(a.len())], b[rng.below(b.len())]);
            if s != d {
                let wi = self.cumw[i] - if i > 0 { self.cumw[i - 1] } else { 0.0 };
                let wj = self.cumw[j] - if j > 0 { self.cumw[j - 1] } else { 0.0 };
                return (s, d, wi * wj);
            }
        }
    }

    fn schedule_arrival(&self, cx: &mut Cx) {
        if self.p.arrivals_per_s > 0.0 {
            let gap = cx.rng.exp(1.0 / self.p.arrivals_per_s);
            cx.timer(cx.now + (gap * 1e9).ceil() as u64, ARRIVAL);
        }
    }
}

impl Workload for Background {
    fn name(&self) -> &str {
        &self.p.name
    }

    fn start(&mut self, cx: &mut Cx) {
        for (i, c) in self.conns.iter().enumerate() {
            cx.start(FlowSpec {
                src: c.src,
                dst: c.dst,
                bytes: f64::INFINITY,
                cap_bps: c.base_bps,
                class: self.p.class,
                src_port: c.port,
                dst_port: 443,
                protocol: 6,
                tag: i as u64,
            });
        }
        if !self.conns.is_empty() && self.p.change_ns > 0 {
            cx.timer(self.p.start_ns + self.p.change_ns, REDRAW);
        }
        let now = cx.now;
        cx.now = self.p.start_ns.max(now);
        self.schedule_arrival(cx);
        cx.now = now;
    }

    fn on_timer(&mut self, tag: u64, cx: &mut Cx) {
        if tag == REDRAW {
            for (i, c) in self.conns.iter().enumerate() {
                let cap = (c.base_bps * self.noise.sample(cx.rng)).min(self.p.nic_bps);
                cx.out.push(super::Action::SetCap { tag: i as u64, cap_bps: cap });
            }
            cx.timer(cx.now + self.p.change_ns, REDRAW);
        } else {
            let (src, dst, _) = self.pair(cx.rng);
            let bytes = self.size.sample(cx.rng).max(1.0);
            let port = 10_000 + cx.rng.below(50_000) as u16;
            cx.start(FlowSpec {
                src,
                dst,
                bytes,
                cap_bps: self.p.nic_bps,
                class: self.p.class,
                src_port: port,
                dst_port: 443,
                protocol: 6,
                tag: SHORT,
            });
            self.schedule_arrival(cx);
        }
    }

    fn on_flow_done(&mut self, _tag: u64, _cx: &mut Cx) {}

    fn report(&self) -> JobReport {
        JobReport { name: self.p.name.clone(), kind: "background".into(), ..Default::default() }
    }
}
