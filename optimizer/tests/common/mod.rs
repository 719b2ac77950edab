//! Random instances for the optimizer tests and benchmarks (seeded, deterministic).
#![allow(dead_code)] // reason: each test binary uses a different subset of the helpers

use std::net::Ipv4Addr;

use fathom_optimizer::{fabric_instance, Candidates, Instance, Scenario};
use fathom_topology::{Fabric, LeafSpineSpec, NodeId, Role};

/// splitmix64: a tiny seeded generator, enough for test instances.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Heavy-tailed positive volume.
    pub fn volume(&mut self) -> f64 {
        let e = -(1.0 - self.f()).ln();
        e * e + 0.01
    }
}

/// A random connected WAN of `n` nodes: a ring plus `n` random chords, capacities 1, 2.5 or 10 G.
pub fn wan(n: usize, rng: &mut Rng) -> Fabric {
    let mut f = Fabric::new();
    let ids: Vec<NodeId> = (0..n)
        .map(|i| f.add_switch(&format!("r{i}"), Role::Spine, 65000 + i as u32, Ipv4Addr::from(i as u32 + 1)).unwrap())
        .collect();
    let mut port = vec![0usize; n];
    let mut edges = std::collections::BTreeSet::new();
    let caps = [1e9, 2.5e9, 10e9];
    let mut add = |f: &mut Fabric, a: usize, b: usize, cap: f64| {
        if a == b || !edges.insert((a.min(b), a.max(b))) {
            return;
        }
        port[a] += 1;
        port[b] += 1;
        f.connect(ids[a], &format!("p{}", port[a]), ids[b], &format!("p{}", port[b]), cap).unwrap();
    };
    for i in 0..n {
        let c = caps[rng.below(3)];
        add(&mut f, i, (i + 1) % n, c);
    }
    for _ in 0..n {
        let (a, b, c) = (rng.below(n), rng.below(n), caps[rng.below(3)]);
        add(&mut f, a, b, c);
    }
    f
}

/// `m` random distinct ordered pairs among `nodes`.
pub fn pairs(nodes: &[NodeId], m: usize, rng: &mut Rng) -> Vec<(NodeId, NodeId)> {
    let mut all: Vec<(NodeId, NodeId)> =
        nodes.iter().flat_map(|&a| nodes.iter().filter(move |&&b| b != a).map(move |&b| (a, b))).collect();
    for i in (1..all.len()).rev() {
        all.swap(i, rng.below(i + 1));
    }
    all.truncate(m);
    all.sort();
    all
}

/// A random WAN instance (k = 4 shortest paths) and one demand scenario.
pub fn wan_instance(n: usize, m: usize, rng: &mut Rng) -> (Instance, Scenario) {
    let f = wan(n, rng);
    let nodes: Vec<NodeId> = f.node_ids().collect();
    let ps = pairs(&nodes, m, rng);
    let inst = fabric_instance(&f, &ps, Candidates::KShortest(4)).unwrap();
    let demand = (0..ps.len()).map(|_| rng.volume() * 1e8).collect();
    (inst, Scenario::new(demand))
}

/// A leaf-spine fabric with mixed link speeds and a few failed links.
pub fn leaf_spine(leaves: usize, spines: usize, rng: &mut Rng) -> Fabric {
    let mut f = LeafSpineSpec::new(leaves, spines).build().unwrap();
    let fabric_links: Vec<_> = f
        .link_ids()
        .filter(|&l| {
            let (a, b) = f.endpoints(l);
            f.node(a).is_switch() && f.node(b).is_switch() && a.index() < b.index()
        })
        .collect();
    for l in fabric_links {
        let r = rng.f();
        let rev = f.reverse(l);
        if r < 0.03 {
            f.set_link_up(l, false);
            f.set_link_up(rev, false);
        } else if r < 0.25 {
            f.link_mut(l).capacity_bps *= 0.5;
            f.link_mut(rev).capacity_bps *= 0.5;
        }
    }
    f
}

/// A random leaf-spine instance over ECMP DAG paths with `m` leaf pairs.
pub fn fabric_case(leaves: usize, spines: usize, m: usize, rng: &mut Rng) -> (Instance, Scenario) {
    let f = leaf_spine(leaves, spines, rng);
    let ls: Vec<NodeId> = f.with_role(Role::Leaf).collect();
    let ps = pairs(&ls, m, rng);
    let inst = fabric_instance(&f, &ps, Candidates::Ecmp { max_paths: 64 }).unwrap();
    let demand = (0..ps.len()).map(|_| rng.volume() * 1e11).collect();
    (inst, Scenario::new(demand))
}
