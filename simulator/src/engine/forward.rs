//! Forwarding as on hardware: at every hop a flow's 5-tuple is hashed (with a per-device seed, so hashing is not
//! polarized) into the slot table of that device for the destination prefix; the slot names the next hop.

use std::sync::Arc;

use fathom_topology::{Fabric, LinkId, NodeId, PrefixId, WcmpState};

use super::state::{FiveTuple, Hop, NO_SLOT};
use crate::rng::fmix64;

/// The switch hash of a 5-tuple under a device seed: the fields are folded in one at a time, each followed by a
/// full 64-bit finalizer, so no combination of fields can cancel out (as XOR-ing independently hashed fields can).
pub fn flow_hash(t: &FiveTuple, seed: u64) -> u64 {
    let ips = ((t.src_ip as u64) << 32) | t.dst_ip as u64;
    let ports = ((t.src_port as u64) << 24) | ((t.dst_port as u64) << 8) | t.protocol as u64;
    fmix64(fmix64(seed ^ ips).wrapping_add(ports.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
}

/// Per-prefix next hops of every switch (compact), computed lazily and dropped on topology change. A switch whose
/// next hops towards a prefix are all its usable switch links (a leaf towards a remote leaf, the common case) shares
/// one list for every such prefix.
#[derive(Debug, Default)]
pub struct RouteCache {
    per_prefix: Vec<Option<Vec<Arc<[LinkId]>>>>,
    /// Node index -> switch index (`u32::MAX` for hosts).
    switch_slot: Vec<u32>,
    switches: Vec<NodeId>,
    /// Per switch: its links to other switches, sorted by link id.
    out_sw: Vec<Vec<LinkId>>,
    /// Per link: the switch index of its far end (`u32::MAX` for a host), and whether it and its reverse are
    /// usable (refreshed on `invalidate`).
    far: Vec<u32>,
    usable: Vec<bool>,
    back_usable: Vec<bool>,
    /// Per switch: all its usable switch links.
    all_usable: Vec<Arc<[LinkId]>>,
    empty: Arc<[LinkId]>,
}

impl RouteCache {
    pub fn new(f: &Fabric) -> Self {
        let mut switch_slot = vec![u32::MAX; f.node_count()];
        let switches: Vec<NodeId> = f.switches().collect();
        for (i, s) in switches.iter().enumerate() {
            switch_slot[s.index()] = i as u32;
        }
        let out_sw = switches
            .iter()
            .map(|&s| f.out_links(s).into_iter().filter(|&l| f.node(f.endpoints(l).1).is_switch()).collect())
            .collect();
        let far = f.link_ids().map(|l| switch_slot[f.endpoints(l).1.index()]).collect();
        let mut rc = RouteCache {
            per_prefix: vec![None; f.prefixes().len()],
            switch_slot,
            switches,
            out_sw,
            far,
            empty: Arc::from(Vec::new()),
            ..Default::default()
        };
        rc.refresh(f);
        rc
    }

    fn refresh(&mut self, f: &Fabric) {
        self.usable = f.link_ids().map(|l| f.usable(l)).collect();
        self.back_usable = f.link_ids().map(|l| self.usable[f.reverse(l).index()]).collect();
        self.all_usable = self
            .out_sw
            .iter()
            .map(|ls| Arc::from(ls.iter().copied().filter(|l| self.usable[l.index()]).collect::<Vec<_>>()))
            .collect();
    }

    /// Drops every route (after a topology change of `f`).
    pub fn invalidate(&mut self, f: &Fabric) {
        self.per_prefix.iter_mut().for_each(|p| *p = None);
        self.refresh(f);
    }

    /// Shortest-path next hops of every switch towards `dst` (reverse BFS over usable switch links). The same DAG
    /// as `fathom_topology::EcmpDag::towards`, restricted to switches.
    fn compute(&self, f: &Fabric, dst: NodeId) -> Vec<Arc<[LinkId]>> {
        let n = self.switches.len();
        let mut dist = vec![u32::MAX; n];
        let mut queue = std::collections::VecDeque::new();
        let d = self.switch_slot[dst.index()];
        if d != u32::MAX && f.node(dst).up {
            dist[d as usize] = 0;
            queue.push_back(d as usize);
        }
        while let Some(v) = queue.pop_front() {
            // `u` reaches `v` over the reverse of each of `v`'s switch links.
            for &l in &self.out_sw[v] {
                let u = self.far[l.index()] as usize;
                if dist[u] == u32::MAX && self.back_usable[l.index()] {
                    dist[u] = dist[v] + 1;
                    queue.push_back(u);
                }
            }
        }
        let mut nh = Vec::new();
        (0..n)
            .map(|u| {
                if dist[u] == u32::MAX || dist[u] == 0 {
                    return self.empty.clone();
                }
                nh.clear();
                nh.extend(
                    self.out_sw[u]
                        .iter()
                        .copied()
                        .filter(|&l| self.usable[l.index()] && dist[self.far[l.index()] as usize] == dist[u] - 1),
                );
                if nh.len() == self.all_usable[u].len() {
                    self.all_usable[u].clone()
                } else {
                    Arc::from(nh.as_slice())
                }
            })
            .collect()
    }

    /// Next hops of switch `u` towards `prefix` (shared; cloning is cheap).
    /// The switch index of node `n` (`None` for a host).
    pub fn switch_index(&self, n: NodeId) -> Option<usize> {
        self.switch_slot.get(n.index()).filter(|&&i| i != u32::MAX).map(|&i| i as usize)
    }

    /// How many switches the fabric has.
    pub fn switch_count(&self) -> usize {
        self.switches.len()
    }

    pub fn next_hops(&mut self, f: &Fabric, u: NodeId, prefix: PrefixId) -> Arc<[LinkId]> {
        let idx = self.switch_slot[u.index()];
        if idx == u32::MAX {
            return self.empty.clone();
        }
        if self.per_prefix[prefix].is_none() {
            self.per_prefix[prefix] = Some(self.compute(f, f.prefixes()[prefix].leaf));
        }
        self.per_prefix[prefix].as_ref().expect("filled above")[idx as usize].clone()
    }
}

/// Everything path computation needs.
#[derive(Debug)]
pub struct Forwarder<'a> {
    pub fabric: &'a Fabric,
    pub wcmp: &'a WcmpState,
    pub routes: &'a mut RouteCache,
    pub default_slots: usize,
    pub hash_seed: u64,
}

impl Forwarder<'_> {
    fn seed(&self, n: NodeId) -> u64 {
        fmix64(self.hash_seed ^ (n.index() as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407))
    }

    /// Picks the next hop of `chooser`'s table (or default ECMP) among `nh` for this tuple.
    fn pick(&self, chooser: NodeId, prefix: PrefixId, nh: &[LinkId], t: &FiveTuple) -> Option<(LinkId, u16)> {
        if nh.is_empty() {
            return None;
        }
        let h = flow_hash(t, self.seed(chooser));
        match self.wcmp.get(chooser, prefix) {
            Some(table) => {
                let slot = (h % table.len() as u64) as usize;
                table.resolve(slot, nh).map(|l| (l, slot as u16))
            }
            None => {
                let slot = (h % self.default_slots as u64) as usize;
                Some((nh[slot % nh.len()], slot as u16))
            }
        }
    }

    /// The path of a flow from host `src` to host `dst`, or `None` if the destination is unreachable.
    pub fn path(&mut self, src: NodeId, dst: NodeId, prefix: PrefixId, t: &FiveTuple) -> Option<Vec<Hop>> {
        let f = self.fabric;
        let src_leaf = f.host_leaf(src)?;
        let dst_leaf = f.prefixes()[prefix].leaf;
        let up = f.host_uplink(src)?;
        let down = f.reverse(f.host_uplink(dst)?);
        if !f.usable(up) || !f.usable(down) {
            return None;
        }
        // Host uplink, at most two hops up and two down in a three-tier fabric, host downlink: one allocation.
        let mut hops = Vec::with_capacity(8);
        hops.push(Hop { link: up, chooser: src, slot: NO_SLOT });
        let mut cur = src_leaf;
        if src_leaf != dst_leaf && self.wcmp.get(src, prefix).is_some() {
            // Host-based path selection: the host's table picks the source leaf's uplink.
            let nh = self.routes.next_hops(f, cur, prefix);
            let (l, slot) = self.pick(src, prefix, &nh, t)?;
            hops.push(Hop { link: l, chooser: src, slot });
            cur = f.endpoints(l).1;
        }
        let mut guard = 0;
        while cur != dst_leaf {
            let nh = self.routes.next_hops(f, cur, prefix);
            let (l, slot) = self.pick(cur, prefix, &nh, t)?;
            hops.push(Hop { link: l, chooser: cur, slot });
            cur = f.endpoints(l).1;
            guard += 1;
            if guard > 64 {
                return None;
            }
        }
        hops.push(Hop { link: down, chooser: dst_leaf, slot: NO_SLOT });
        Some(hops)
    }
}
