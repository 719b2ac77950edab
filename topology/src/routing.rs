//! Routing a demand matrix onto links: a fluid split by WCMP weights along each prefix's ECMP DAG.

use std::collections::BTreeMap;

use crate::model::{Fabric, LinkId, NodeId, PrefixId};
use crate::paths::EcmpDag;
use crate::wcmp::WcmpState;

/// Traffic entering the fabric at `src` (a switch, normally a leaf) towards `prefix`, in bit/s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Demand {
    pub src: NodeId,
    pub prefix: PrefixId,
    pub bps: f64,
}

/// Per-link load from [`route_demands`].
#[derive(Debug, Clone, PartialEq)]
pub struct LinkLoads {
    /// Indexed by link index, bit/s.
    pub load_bps: Vec<f64>,
    /// Demand whose source cannot reach its prefix's leaf.
    pub unroutable_bps: f64,
}

impl LinkLoads {
    /// Utilization (load / capacity) of every link, indexed by link index.
    pub fn utilization(&self, f: &Fabric) -> Vec<f64> {
        f.link_ids().map(|l| self.load_bps[l.index()] / f.link(l).capacity_bps).collect()
    }
    /// The most utilized link and its utilization.
    pub fn max_utilization(&self, f: &Fabric) -> Option<(LinkId, f64)> {
        f.link_ids().map(|l| (l, self.load_bps[l.index()] / f.link(l).capacity_bps)).max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// The weights switch `u` splits traffic for `prefix` with: its slot table resolved against its live DAG next
/// hops, or equal weights over them when it has no table.
pub fn split_weights(dag: &EcmpDag, wcmp: &WcmpState, u: NodeId, prefix: PrefixId) -> Vec<(LinkId, f64)> {
    let nh = dag.next_hops(u);
    if nh.is_empty() {
        return Vec::new();
    }
    match wcmp.get(u, prefix) {
        Some(t) => t.effective_weights(nh),
        None => nh.iter().map(|&l| (l, 1.0 / nh.len() as f64)).collect(),
    }
}

/// Routes switch-level demands onto links. The result does not depend on the order of `demands` beyond
/// floating-point summation order.
pub fn route_demands(f: &Fabric, wcmp: &WcmpState, demands: &[Demand]) -> LinkLoads {
    let mut by_prefix: BTreeMap<PrefixId, Vec<Demand>> = BTreeMap::new();
    for d in demands {
        by_prefix.entry(d.prefix).or_default().push(*d);
    }
    let mut load = vec![0.0; f.link_count()];
    let mut unroutable = 0.0;
    let mut inflow = vec![0.0; f.node_count()];
    for (prefix, ds) in by_prefix {
        let dag = EcmpDag::towards(f, f.prefixes()[prefix].leaf);
        inflow.iter_mut().for_each(|x| *x = 0.0);
        for d in ds {
            if dag.reachable(d.src) {
                inflow[d.src.index()] += d.bps;
            } else {
                unroutable += d.bps;
            }
        }
        for u in dag.order_far_first() {
            let x = inflow[u.index()];
            if x == 0.0 || u == dag.dst {
                continue;
            }
            for (l, w) in split_weights(&dag, wcmp, u, prefix) {
                load[l.index()] += x * w;
                inflow[f.endpoints(l).1.index()] += x * w;
            }
        }
    }
    LinkLoads { load_bps: load, unroutable_bps: unroutable }
}
