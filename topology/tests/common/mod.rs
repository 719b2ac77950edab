//! Shared strategies and independent oracles for the `fathom-topology` integration tests.
//!
//! The oracles deliberately avoid the code under test: distances are computed by relaxing every link until nothing
//! changes, not by the crate's breadth-first search over `out_links`/`reverse`.

// reason: every test binary compiles this module but uses a different subset of it.
#![allow(dead_code)]

use fathom_topology::{Demand, Fabric, LeafSpineSpec, LinkId, NodeId, SlotTable, WcmpState};
use proptest::prelude::*;

/// A random leaf-spine fabric with failures, WCMP tables and demands. Picks are raw numbers reduced modulo the
/// relevant count when built, so the description shrinks well and never needs a dependent strategy.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub leaves: usize,
    pub spines: usize,
    pub hosts_per_leaf: usize,
    pub oversubscription: f64,
    /// Physical links whose carrier is down.
    pub failed: Vec<usize>,
    /// Physical links that are drained.
    pub drained: Vec<usize>,
    /// Switches that are down.
    pub down: Vec<usize>,
    pub tables: Vec<TablePick>,
    pub demands: Vec<DemandPick>,
}

/// A slot table on a random switch for a random prefix. Each slot names one of the switch's own out links, or
/// (when `foreign`) any link of the fabric, as a stale or misprogrammed table would.
#[derive(Debug, Clone)]
pub struct TablePick {
    pub switch: usize,
    pub prefix: usize,
    pub slots: Vec<(bool, usize)>,
}

#[derive(Debug, Clone)]
pub struct DemandPick {
    pub src: usize,
    pub prefix: usize,
    pub bps: f64,
}

/// A built [`Scenario`].
#[derive(Debug)]
pub struct Built {
    pub fabric: Fabric,
    pub wcmp: WcmpState,
    pub demands: Vec<Demand>,
}

fn picks(max: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(any::<usize>(), 0..max)
}

fn table_pick() -> impl Strategy<Value = TablePick> {
    (any::<usize>(), any::<usize>(), prop::collection::vec((prop::bool::weighted(0.1), any::<usize>()), 1..=64))
        .prop_map(|(switch, prefix, slots)| TablePick { switch, prefix, slots })
}

fn demand_pick() -> impl Strategy<Value = DemandPick> {
    let bps = prop_oneof![1 => Just(0.0), 4 => 1.0..1e12f64, 2 => 1.0..1e3f64];
    (any::<usize>(), any::<usize>(), bps).prop_map(|(src, prefix, bps)| DemandPick { src, prefix, bps })
}

/// Leaf-spine fabrics of 1..=12 leaves and 1..=8 spines with random failures, tables and demands.
pub fn scenario() -> impl Strategy<Value = Scenario> {
    let sizes = (1usize..=12, 1usize..=8, 1usize..=3, prop_oneof![Just(1.0), 0.5..4.0f64]);
    let faults = (picks(10), picks(4), picks(2));
    let traffic = (prop::collection::vec(table_pick(), 0..10), prop::collection::vec(demand_pick(), 0..40));
    (sizes, faults, traffic).prop_map(
        |((leaves, spines, hosts_per_leaf, oversubscription), (failed, drained, down), (tables, demands))| Scenario {
            leaves,
            spines,
            hosts_per_leaf,
            oversubscription,
            failed,
            drained,
            down,
            tables,
            demands,
        },
    )
}

impl Scenario {
    pub fn build(&self) -> Built {
        let spec = LeafSpineSpec {
            leaves: self.leaves,
            spines: self.spines,
            hosts_per_leaf: self.hosts_per_leaf,
            oversubscription: self.oversubscription,
            ..Default::default()
        };
        let mut f = spec.build().expect("valid spec");
        let phys = physical_links(&f);
        for &i in &self.failed {
            f.set_link_up(phys[i % phys.len()], false);
        }
        for &i in &self.drained {
            f.set_link_drained(phys[i % phys.len()], true);
        }
        let switches: Vec<NodeId> = f.switches().collect();
        for &i in &self.down {
            f.set_node_up(switches[i % switches.len()], false);
        }
        let all: Vec<LinkId> = f.link_ids().collect();
        let prefixes = f.prefixes().len();
        let mut wcmp = WcmpState::new();
        for t in &self.tables {
            let sw = switches[t.switch % switches.len()];
            let own = f.out_links(sw);
            let slots =
                t.slots.iter().map(|&(foreign, i)| if foreign { all[i % all.len()] } else { own[i % own.len()] });
            wcmp.set(sw, t.prefix % prefixes, SlotTable::from_slots(slots.collect()).unwrap());
        }
        let demands = self
            .demands
            .iter()
            .map(|d| Demand { src: switches[d.src % switches.len()], prefix: d.prefix % prefixes, bps: d.bps })
            .collect();
        Built { fabric: f, wcmp, demands }
    }
}

/// One directed link per physical link (the one created first).
pub fn physical_links(f: &Fabric) -> Vec<LinkId> {
    f.link_ids().filter(|&l| l < f.reverse(l)).collect()
}

/// Whether a link may carry switch-to-switch traffic: usable, with a switch at both ends.
pub fn switch_link(f: &Fabric, l: LinkId) -> bool {
    let (a, b) = f.endpoints(l);
    f.node(a).is_switch() && f.node(b).is_switch() && f.usable(l)
}

/// Hop distance of every node to `dst` over usable switch-to-switch links, by relaxation (Bellman-Ford).
/// `None` for hosts, for unreachable switches, and for everything when `dst` is down or not a switch.
pub fn distances_to(f: &Fabric, dst: NodeId) -> Vec<Option<u32>> {
    let mut dist = vec![None; f.node_count()];
    if !(f.node(dst).is_switch() && f.node(dst).up) {
        return dist;
    }
    dist[dst.index()] = Some(0);
    loop {
        let mut changed = false;
        for l in f.link_ids().filter(|&l| switch_link(f, l)) {
            let (u, v) = f.endpoints(l);
            if let Some(dv) = dist[v.index()] {
                if dist[u.index()].is_none_or(|du| du > dv + 1) {
                    dist[u.index()] = Some(dv + 1);
                    changed = true;
                }
            }
        }
        if !changed {
            return dist;
        }
    }
}

/// `|a - b| <= rel * max(|a|, |b|, 1)`: relative, with an absolute floor of `rel` for values near zero.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// Fisher-Yates shuffle driven by splitmix64, so a proptest-chosen seed reproduces the permutation.
pub fn shuffle<T>(v: &mut [T], mut seed: u64) {
    let mut next = || {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in (1..v.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}
