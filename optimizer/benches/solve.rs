//! Solve times: fluid solver vs the exact LP (microlp) on the same instances, the fluid solver on
//! leaf-spine:512x64 with a full leaf-to-leaf matrix, and the slot optimizer for 512 leaves x 64 slots.
//! `cargo bench -p fathom-optimizer --bench solve` (GEANT data from `../shared/data/te` beside the repository).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::{fabric_case, leaf_spine, Rng};
use fathom_optimizer::{
    assign_slots, fabric_instance, solve, solve_lp, Candidates, FluidConfig, Instance, LinkSpec, Scenario, SlotGroup,
    SlotProblem,
};
use fathom_topology::{NodeId, Role};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/te/GEANT");

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let s = Instant::now();
    let v = f();
    (v, s.elapsed().as_secs_f64())
}

/// GEANT links, tunnels and its first test matrices, parsed minimally (the controller owns the real parser).
fn geant() -> (Instance, Vec<Vec<f64>>) {
    let topo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/GEANT.json")).unwrap()).unwrap();
    let links: Vec<(u64, u64, f64)> = topo["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["source"].as_u64().unwrap(), l["target"].as_u64().unwrap(), l["capacity"].as_f64().unwrap()))
        .collect();
    let idx = |a: u64, b: u64| links.iter().position(|l| l.0 == a && l.1 == b).unwrap();
    let mut pairs = Vec::new();
    let mut paths = Vec::new();
    for line in std::fs::read_to_string(format!("{DATA}/tunnels.txt")).unwrap().lines() {
        let (head, list) = line.split_once(':').unwrap();
        let sd: Vec<usize> = head.split_whitespace().map(|v| v.parse().unwrap()).collect();
        pairs.push((sd[0], sd[1]));
        paths.push(
            list.split(',')
                .map(|p| {
                    let n: Vec<u64> = p.split('-').map(|v| v.parse().unwrap()).collect();
                    n.windows(2).map(|w| idx(w[0], w[1])).collect()
                })
                .collect::<Vec<Vec<usize>>>(),
        );
    }
    let inst = Instance::new(links.iter().map(|l| LinkSpec::new(l.2)).collect(), &paths).unwrap();
    let n = topo["nodes"].as_array().unwrap().len();
    let text = std::fs::read_to_string(format!("{DATA}/test/7.hist")).unwrap();
    let ms = text
        .lines()
        .take(13)
        .map(|l| {
            let v: Vec<f64> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
            pairs.iter().map(|&(s, d)| v[s * n + d]).collect()
        })
        .collect();
    (inst, ms)
}

fn versus_lp(label: &str, inst: &Instance, sc: &[Scenario]) {
    let (fl, tf) = time(|| solve(inst, sc, None, &FluidConfig::default()).unwrap());
    let (lp, tl) = time(|| solve_lp(inst, sc).unwrap());
    println!(
        "{label:<34} fluid {:>9.2} ms  LP {:>10.2} ms  speedup {:>7.1}x  fluid/LP objective {:.5}",
        tf * 1e3,
        tl * 1e3,
        tl / tf,
        fl.objective / lp.objective
    );
}

fn full_512x64() {
    let mut rng = Rng::new(7);
    let f = leaf_spine(512, 64, &mut rng);
    let leaves: Vec<NodeId> = f.with_role(Role::Leaf).collect();
    let pairs: Vec<(NodeId, NodeId)> =
        leaves.iter().flat_map(|&a| leaves.iter().filter(move |&&b| b != a).map(move |&b| (a, b))).collect();
    let (inst, tb) = time(|| fabric_instance(&f, &pairs, Candidates::Ecmp { max_paths: 64 }).unwrap());
    let demand: Vec<f64> = (0..pairs.len()).map(|_| rng.volume() * 2e8).collect();
    let sc = [Scenario::new(demand)];
    let (sol, ts) = time(|| solve(&inst, &sc, None, &FluidConfig::default()).unwrap());
    let ecmp = inst.objective(&sc, &fathom_optimizer::Splits::equal(&inst));
    println!(
        "fluid leaf-spine:512x64 full matrix ({} demands, {} paths; 3% links failed, 22% at half speed): \
         build {tb:.2} s, solve {ts:.2} s, {} sweeps, max util {:.5} (certified within {:.3}% of optimal; ECMP {:.4})",
        inst.demand_count(),
        inst.path_count(),
        sol.sweeps,
        sol.objective,
        100.0 * (sol.objective / sol.lower_bound - 1.0),
        ecmp
    );
}

fn slots_512x64() {
    let (leaves, spines, slots) = (512, 64, 64);
    let mut rng = Rng::new(9);
    let down = leaves * spines;
    let capacity = vec![400e9; down + spines];
    let groups = (0..leaves)
        .map(|l| SlotGroup {
            loads: (0..slots).map(|_| if rng.f() < 0.05 { 10e9 } else { rng.f() * 0.2e9 }).collect(),
            options: (0..spines).map(|s| vec![l * spines + s, down + s]).collect(),
        })
        .collect();
    let p = SlotProblem { background: vec![0.0; capacity.len()], capacity, groups };
    let (a, t) = time(|| assign_slots(&p, 100_000).unwrap());
    println!(
        "slots 512 leaves x 64 slots -> 64 spines (one destination group): {:.3} s, {} local moves, max util {:.4}",
        t, a.moves, a.max_util
    );
}

fn main() {
    // An optional argument runs only the benchmark whose name contains it (`-- 512x64`, `-- geant`, `-- slots`).
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_default();
    let run = |name: &str| name.contains(only.as_str());
    if run("geant") {
        geant_benches();
    }
    if run("fabric-64x16") {
        let mut rng = Rng::new(64);
        let (inst, sc) = fabric_case(64, 16, 400, &mut rng);
        versus_lp("leaf-spine 64x16 (400 leaf pairs)", &inst, &[sc]);
    }
    if run("slots") {
        slots_512x64();
    }
    if run("512x64") {
        full_512x64();
    }
}

fn geant_benches() {
    let (inst, ms) = geant();
    versus_lp("GEANT step (1 matrix)", &inst, &[Scenario::new(ms[0].clone())]);
    let robust: Vec<Scenario> = ms.iter().map(|m| Scenario::new(m.clone())).collect();
    versus_lp("GEANT hedged step (13 scenarios)", &inst, &robust);
}
