//! Incast: every period, many senders send to one receiver at once (storage reads, parameter-server pulls).
//! Records each round's completion time.

use std::collections::BTreeMap;

use fathom_topology::NodeId;

use super::{Cx, FlowSpec, JobReport, Workload, ROCE_PORT};
use crate::engine::state::Class;

const ROUND: u64 = u64::MAX;

/// Parameters of an incast generator.
#[derive(Debug, Clone)]
pub struct IncastParams {
    pub name: String,
    pub hosts: Vec<NodeId>,
    pub senders: usize,
    pub bytes: f64,
    pub period_ns: u64,
    pub start_ns: u64,
    pub nic_bps: f64,
    pub class: Class,
}

/// An incast generator.
#[derive(Debug, Clone)]
pub struct Incast {
    p: IncastParams,
    rounds: BTreeMap<u64, (u64, usize)>,
    next_round: u64,
    completions: Vec<u64>,
}

impl Incast {
    pub fn new(p: IncastParams) -> Self {
        Incast { p, rounds: BTreeMap::new(), next_round: 0, completions: Vec::new() }
    }
}

impl Workload for Incast {
    fn name(&self) -> &str {
        &self.p.name
    }

    fn start(&mut self, cx: &mut Cx) {
        cx.timer(self.p.start_ns, ROUND);
    }

    fn on_timer(&mut self, _tag: u64, cx: &mut Cx) {
        let mut pool = self.p.hosts.clone();
        cx.rng.shuffle(&mut pool);
        let senders = self.p.senders.min(pool.len().saturating_sub(1));
        if senders > 0 {
            let round = self.next_round;
            self.next_round += 1;
            let receiver = pool[0];
            for &s in &pool[1..=senders] {
                let port = 10_000 + cx.rng.below(50_000) as u16;
                cx.start(FlowSpec {
                    src: s,
                    dst: receiver,
                    bytes: self.p.bytes,
                    cap_bps: self.p.nic_bps,
                    class: self.p.class,
                    src_port: port,
                    dst_port: ROCE_PORT,
                    protocol: 17,
                    tag: round,
                });
            }
            self.rounds.insert(round, (cx.now, senders));
        }
        cx.timer(cx.now + self.p.period_ns.max(1), ROUND);
    }

    fn on_flow_done(&mut self, tag: u64, cx: &mut Cx) {
        if let Some(r) = self.rounds.get_mut(&tag) {
            r.1 -= 1;
            if r.1 == 0 {
                self.completions.push(cx.now - r.0);
                self.rounds.remove(&tag);
            }
        }
    }

    fn report(&self) -> JobReport {
        JobReport {
            name: self.p.name.clone(),
            kind: "incast".into(),
            iterations_ns: Vec::new(),
            ideal_iteration_ns: None,
            completions_ns: self.completions.clone(),
        }
    }
}
