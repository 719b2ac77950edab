//! Building instances from a [`Fabric`]: candidate paths from the ECMP DAG (data-center fabrics) or k-shortest
//! paths (general, e.g. WAN, graphs). Failed and drained links are excluded by both path sources.

use std::collections::BTreeMap;

use fathom_topology::{k_shortest_paths, EcmpDag, Fabric, LinkId, NodeId};

use crate::error::{invalid, Result};
use crate::instance::{Instance, LinkSpec};

/// Where candidate paths come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidates {
    /// Every shortest path of the ECMP DAG, at most `max_paths` (in DAG order).
    Ecmp { max_paths: usize },
    /// Up to `k` loop-free shortest paths (Yen).
    KShortest(usize),
}

/// Link specs of a fabric, indexed by link index: capacity in bit/s, usable as the fabric says.
pub fn link_specs(f: &Fabric) -> Vec<LinkSpec> {
    f.link_ids().map(|l| LinkSpec { usable: f.usable(l), ..LinkSpec::new(f.link(l).capacity_bps) }).collect()
}

/// Every path of the ECMP DAG from `src` to `dag.dst` (up to `limit`), each a list of links.
pub fn dag_paths(f: &Fabric, dag: &EcmpDag, src: NodeId, limit: usize) -> Vec<Vec<LinkId>> {
    let mut out = Vec::new();
    let mut stack = Vec::new();
    dfs(f, dag, src, &mut stack, &mut out, limit);
    out
}

fn dfs(f: &Fabric, dag: &EcmpDag, u: NodeId, stack: &mut Vec<LinkId>, out: &mut Vec<Vec<LinkId>>, limit: usize) {
    if out.len() >= limit {
        return;
    }
    if u == dag.dst {
        out.push(stack.clone());
        return;
    }
    for &l in dag.next_hops(u) {
        stack.push(l);
        dfs(f, dag, f.endpoints(l).1, stack, out, limit);
        stack.pop();
    }
}

/// An instance with one demand per `(src, dst)` pair, in the given order.
pub fn fabric_instance(f: &Fabric, pairs: &[(NodeId, NodeId)], cand: Candidates) -> Result<Instance> {
    let mut dags: BTreeMap<NodeId, EcmpDag> = BTreeMap::new();
    let mut paths = Vec::with_capacity(pairs.len());
    for &(s, d) in pairs {
        let ps = match cand {
            Candidates::Ecmp { max_paths } => {
                let dag = dags.entry(d).or_insert_with(|| EcmpDag::towards(f, d));
                dag_paths(f, dag, s, max_paths)
            }
            Candidates::KShortest(k) => k_shortest_paths(f, s, d, k),
        };
        if ps.is_empty() {
            return invalid(format!("pair {} -> {}", f.node(s).name, f.node(d).name), "no path");
        }
        paths.push(ps.into_iter().map(|p| p.into_iter().map(|l| l.index()).collect()).collect());
    }
    Instance::new(link_specs(f), &paths)
}
