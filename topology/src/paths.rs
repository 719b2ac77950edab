//! Shortest-path next hops (the ECMP DAG towards a destination leaf) and k-shortest paths.

use std::collections::{BTreeSet, VecDeque};

use crate::model::{Fabric, LinkId, NodeId};

/// Unreachable distance marker.
pub const UNREACHABLE: u32 = u32::MAX;

/// For one destination leaf: every switch's hop distance to it and its shortest-path next hops.
///
/// Only usable links (up, undrained, both ends up) between switches are part of the DAG, so the DAG is loop-free
/// by construction: every next hop strictly decreases the distance.
#[derive(Debug, Clone, PartialEq)]
pub struct EcmpDag {
    pub dst: NodeId,
    /// Indexed by node index; `UNREACHABLE` for hosts and unreachable switches.
    pub dist: Vec<u32>,
    /// Indexed by node index; outgoing links towards `dst`, sorted by link id.
    pub next_hops: Vec<Vec<LinkId>>,
}

impl EcmpDag {
    /// Builds the DAG towards `dst` by a reverse breadth-first search.
    pub fn towards(f: &Fabric, dst: NodeId) -> EcmpDag {
        let n = f.node_count();
        let mut dist = vec![UNREACHABLE; n];
        let g = f.graph();
        let mut q = VecDeque::new();
        if g[dst].up && g[dst].is_switch() {
            dist[dst.index()] = 0;
            q.push_back(dst);
        }
        while let Some(v) = q.pop_front() {
            // Links u -> v are the reverses of v's out links.
            for l in f.out_links(v) {
                let back = f.reverse(l);
                let (u, _) = f.endpoints(back);
                if g[u].is_switch() && dist[u.index()] == UNREACHABLE && f.usable(back) {
                    dist[u.index()] = dist[v.index()] + 1;
                    q.push_back(u);
                }
            }
        }
        let mut next_hops = vec![Vec::new(); n];
        for u in f.switches() {
            let du = dist[u.index()];
            if du == UNREACHABLE || du == 0 {
                continue;
            }
            next_hops[u.index()] = f
                .out_links(u)
                .into_iter()
                .filter(|&l| f.usable(l) && dist[f.endpoints(l).1.index()] == du - 1)
                .collect();
        }
        EcmpDag { dst, dist, next_hops }
    }

    /// Next hops of `u` (empty at the destination or when unreachable).
    pub fn next_hops(&self, u: NodeId) -> &[LinkId] {
        &self.next_hops[u.index()]
    }

    pub fn reachable(&self, u: NodeId) -> bool {
        self.dist[u.index()] != UNREACHABLE
    }

    /// Reachable switches ordered farthest first (ties by node index): a topological order of the DAG.
    pub fn order_far_first(&self) -> Vec<NodeId> {
        let mut v: Vec<NodeId> =
            (0..self.dist.len()).filter(|&i| self.dist[i] != UNREACHABLE).map(NodeId::new).collect();
        v.sort_by(|a, b| self.dist[b.index()].cmp(&self.dist[a.index()]).then(a.cmp(b)));
        v
    }
}

/// Up to `k` loop-free shortest paths (by hop count, ties by link id) from `src` to `dst` over usable links, by
/// Yen's algorithm. Hosts are never transit nodes. Each path is its list of directed links.
pub fn k_shortest_paths(f: &Fabric, src: NodeId, dst: NodeId, k: usize) -> Vec<Vec<LinkId>> {
    let mut found: Vec<Vec<LinkId>> = Vec::new();
    if k == 0 {
        return found;
    }
    let Some(first) = bfs_path(f, src, dst, &BTreeSet::new(), &BTreeSet::new()) else {
        return found;
    };
    found.push(first);
    let mut candidates: BTreeSet<(usize, Vec<LinkId>)> = BTreeSet::new();
    while found.len() < k {
        let last = found.last().expect("non-empty").clone();
        for i in 0..last.len() {
            let spur = if i == 0 { src } else { f.endpoints(last[i - 1]).1 };
            let root = &last[..i];
            let mut banned_links = BTreeSet::new();
            for p in &found {
                if p.len() > i && p[..i] == *root {
                    banned_links.insert(p[i]);
                }
            }
            let banned_nodes: BTreeSet<NodeId> = root.iter().map(|&l| f.endpoints(l).0).collect();
            if let Some(tail) = bfs_path(f, spur, dst, &banned_nodes, &banned_links) {
                let mut p = root.to_vec();
                p.extend(tail);
                if !found.contains(&p) {
                    candidates.insert((p.len(), p));
                }
            }
        }
        match candidates.pop_first() {
            Some((_, p)) => found.push(p),
            None => break,
        }
    }
    found
}

fn bfs_path(
    f: &Fabric,
    src: NodeId,
    dst: NodeId,
    banned_nodes: &BTreeSet<NodeId>,
    banned_links: &BTreeSet<LinkId>,
) -> Option<Vec<LinkId>> {
    let n = f.node_count();
    let mut via: Vec<Option<LinkId>> = vec![None; n];
    let mut seen = vec![false; n];
    seen[src.index()] = true;
    let mut q = VecDeque::from([src]);
    while let Some(u) = q.pop_front() {
        if u == dst {
            let mut path = Vec::new();
            let mut cur = dst;
            while let Some(l) = via[cur.index()] {
                path.push(l);
                cur = f.endpoints(l).0;
            }
            path.reverse();
            return Some(path);
        }
        if u != src && !f.node(u).is_switch() {
            continue;
        }
        for l in f.out_links(u) {
            let v = f.endpoints(l).1;
            if seen[v.index()] || banned_nodes.contains(&v) || banned_links.contains(&l) || !f.usable(l) {
                continue;
            }
            seen[v.index()] = true;
            via[v.index()] = Some(l);
            q.push_back(v);
        }
    }
    None
}
