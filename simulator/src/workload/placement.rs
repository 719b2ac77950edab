//! Seeded placement of jobs onto hosts. Jobs get hosts of their own; shared workloads draw from every host.

use fathom_topology::{Fabric, NodeId};
use serde::{Deserialize, Serialize};

use crate::error::{Result, SimError};
use crate::rng::Rng;

/// How a job's hosts are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// Fill leaf after leaf, in order.
    Packed,
    /// A few hosts from each of randomly chosen leaves (what a busy scheduler ends up doing).
    #[default]
    Fragmented,
    /// Uniformly random free hosts.
    Random,
}

/// Free hosts, per leaf, in leaf order.
#[derive(Debug, Clone)]
pub struct HostPool {
    leaves: Vec<Vec<NodeId>>,
}

impl HostPool {
    pub fn new(f: &Fabric) -> Self {
        let mut leaves: Vec<(NodeId, Vec<NodeId>)> = Vec::new();
        for h in f.hosts() {
            let leaf = f.host_leaf(h).expect("hosts have leaves");
            match leaves.iter_mut().find(|(l, _)| *l == leaf) {
                Some((_, v)) => v.push(h),
                None => leaves.push((leaf, vec![h])),
            }
        }
        leaves.sort_by_key(|(l, _)| *l);
        HostPool { leaves: leaves.into_iter().map(|(_, v)| v).collect() }
    }

    pub fn free(&self) -> usize {
        self.leaves.iter().map(Vec::len).sum()
    }

    /// Takes `n` hosts for job `job` by `policy`; `per_leaf` bounds hosts per leaf for fragmented placement
    /// (0: half a leaf).
    pub fn take(
        &mut self,
        job: &str,
        n: usize,
        policy: Placement,
        per_leaf: usize,
        rng: &mut Rng,
    ) -> Result<Vec<NodeId>> {
        if n == 0 || n > self.free() {
            return Err(SimError::Scenario {
                field: format!("workload '{job}'.hosts"),
                reason: format!("needs {n} hosts but {} are free (jobs do not share hosts)", self.free()),
            });
        }
        let mut out = Vec::with_capacity(n);
        match policy {
            Placement::Packed => {
                for leaf in &mut self.leaves {
                    while out.len() < n && !leaf.is_empty() {
                        out.push(leaf.remove(0));
                    }
                }
            }
            Placement::Random => {
                let mut all: Vec<(usize, usize)> =
                    self.leaves.iter().enumerate().flat_map(|(li, v)| (0..v.len()).map(move |i| (li, i))).collect();
                rng.shuffle(&mut all);
                let mut chosen: Vec<(usize, usize)> = all.into_iter().take(n).collect();
                chosen.sort_by(|a, b| b.cmp(a));
                for (li, i) in chosen {
                    out.push(self.leaves[li].remove(i));
                }
                out.sort();
            }
            Placement::Fragmented => {
                let mut order: Vec<usize> = (0..self.leaves.len()).collect();
                rng.shuffle(&mut order);
                let mut chunk = per_leaf;
                while out.len() < n {
                    let before = out.len();
                    for &li in &order {
                        let leaf = &mut self.leaves[li];
                        let c = if chunk == 0 { leaf.len().div_ceil(2).max(1) } else { chunk };
                        let mut took = 0;
                        while out.len() < n && took < c && !leaf.is_empty() {
                            out.push(leaf.remove(0));
                            took += 1;
                        }
                    }
                    if out.len() == before {
                        chunk = usize::MAX;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Every host of the fabric (for shared workloads), in order.
    pub fn all(f: &Fabric) -> Vec<NodeId> {
        f.hosts().collect()
    }
}

/// Orders a job's hosts into a ring. `interleaved` puts consecutive ring members on different leaves (as NCCL
/// rings across a rail do), so every ring edge crosses the spine layer.
pub fn ring_order(f: &Fabric, hosts: &[NodeId], interleaved: bool) -> Vec<NodeId> {
    let mut keyed: Vec<(usize, NodeId, NodeId)> = Vec::with_capacity(hosts.len());
    let mut seen: Vec<(NodeId, usize)> = Vec::new();
    for &h in hosts {
        let leaf = f.host_leaf(h).expect("hosts have leaves");
        let pos = match seen.iter_mut().find(|(l, _)| *l == leaf) {
            Some((_, c)) => {
                *c += 1;
                *c
            }
            None => {
                seen.push((leaf, 0));
                0
            }
        };
        keyed.push((pos, leaf, h));
    }
    if interleaved {
        keyed.sort();
    } else {
        keyed.sort_by_key(|k| (k.1, k.0));
    }
    keyed.into_iter().map(|k| k.2).collect()
}
