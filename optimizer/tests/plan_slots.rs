//! Planner (damping, hysteresis, explanations), quantization and the slot-level mode.

mod common;

use common::{wan_instance, Rng};
use fathom_optimizer::plan::moved_share;
use fathom_optimizer::{
    assign_slots, percent_weights, plan, quantize_splits, slot_counts, Instance, LinkSpec, PlanConfig, Quantization,
    Scenario, SlotGroup, SlotProblem, Splits,
};

/// Two parallel links of capacity 10 between the same ends, one demand over both.
fn two_links() -> Instance {
    Instance::new(vec![LinkSpec::new(10.0), LinkSpec::new(10.0)], &[vec![vec![0], vec![1]]]).unwrap()
}

#[test]
fn a_forecast_hotspot_is_relieved_and_explained() {
    let inst = two_links();
    let cur = Splits { x: vec![1.0, 0.0] };
    let p = plan(&inst, &[Scenario::new(vec![12.0])], &[12.0], &cur, &PlanConfig::default()).unwrap();
    assert!(p.changed);
    assert!((p.splits.x[0] - 0.5).abs() < 1e-3, "{:?}", p.splits);
    assert!((p.util_before[0] - 1.2).abs() < 1e-9 && (p.util_after[0] - 0.6).abs() < 1e-3);
    let h = p.changes[0].relieves.unwrap();
    assert_eq!(h.link, 0);
    assert!(h.util_after < h.util_before);
}

#[test]
fn hysteresis_keeps_splits_when_the_gain_is_small() {
    let inst = two_links();
    let cur = Splits { x: vec![0.505, 0.495] };
    let p = plan(&inst, &[Scenario::new(vec![5.0])], &[5.0], &cur, &PlanConfig::default()).unwrap();
    assert!(!p.changed && p.changes.is_empty());
    assert_eq!(p.splits, cur);
    let eager = PlanConfig { hysteresis: 0.0, ..PlanConfig::default() };
    assert!(plan(&inst, &[Scenario::new(vec![5.0])], &[5.0], &cur, &eager).unwrap().changed);
}

#[test]
fn damping_bounds_the_traffic_moved_per_round() {
    for seed in 0..5 {
        let mut rng = Rng::new(300 + seed);
        let (inst, sc) = wan_instance(20, 60, &mut rng);
        let cur = Splits::equal(&inst);
        let cfg = PlanConfig { max_move: 0.05, hysteresis: 0.0, ..PlanConfig::default() };
        let p = plan(&inst, std::slice::from_ref(&sc), &sc.demand, &cur, &cfg).unwrap();
        let moved = moved_share(&inst, &sc.demand, &cur, &p.splits);
        assert!(moved <= 0.05 + 1e-9, "moved {moved}");
        assert!(p.objective_after <= p.objective_before + 1e-9);
    }
}

#[test]
fn failed_links_carry_nothing() {
    let links = vec![LinkSpec::new(10.0), LinkSpec { usable: false, ..LinkSpec::new(10.0) }, LinkSpec::new(5.0)];
    let inst = Instance::new(links, &[vec![vec![0], vec![1], vec![2]]]).unwrap();
    let p = plan(&inst, &[Scenario::new(vec![9.0])], &[9.0], &Splits::equal(&inst), &PlanConfig::default()).unwrap();
    assert_eq!(p.splits.x[1], 0.0);
    assert!((p.splits.x[0] - 2.0 / 3.0).abs() < 1e-3, "{:?}", p.splits);
}

#[test]
fn utilization_caps_shift_load_away() {
    let links = vec![LinkSpec { util_cap: 0.5, ..LinkSpec::new(10.0) }, LinkSpec::new(10.0)];
    let inst = Instance::new(links, &[vec![vec![0], vec![1]]]).unwrap();
    let p = plan(&inst, &[Scenario::new(vec![9.0])], &[9.0], &Splits::equal(&inst), &PlanConfig::default()).unwrap();
    assert!((p.splits.x[0] - 1.0 / 3.0).abs() < 1e-3, "{:?}", p.splits);
}

#[test]
fn quantization_to_slots_and_percent_weights() {
    assert_eq!(percent_weights(&[0.5, 0.333, 0.167, 0.0]), vec![50, 33, 16, 0]);
    assert_eq!(percent_weights(&[0.999, 0.001]), vec![99, 1]);
    assert_eq!(slot_counts(&[0.5, 0.25, 0.25], 8).unwrap(), vec![4, 2, 2]);
    let inst = Instance::new(vec![LinkSpec::new(1.0); 3], &[vec![vec![0], vec![1], vec![2]]]).unwrap();
    let s = Splits { x: vec![0.6, 0.3, 0.1] };
    let q = quantize_splits(&inst, &s, Quantization::Slots(16)).unwrap();
    assert!(q.x.iter().all(|v| (v * 16.0 - (v * 16.0).round()).abs() < 1e-9));
    assert!(q.x.iter().zip(&s.x).all(|(a, b)| (a - b).abs() < 1.0 / 16.0));
    let p = quantize_splits(&inst, &s, Quantization::Percent).unwrap();
    assert!((p.x.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

/// One destination leaf behind `spines` spines; `leaves` source leaves, each with a slot table.
fn slot_case(leaves: usize, spines: usize, slots: usize, rng: &mut Rng) -> SlotProblem {
    // links: uplinks leaf l -> spine s at l*spines+s, then downlinks spine s -> destination.
    let down = leaves * spines;
    let mut capacity = vec![100.0; down + spines];
    capacity[down] = 50.0; // one slower downlink (mixed speeds)
    let groups = (0..leaves)
        .map(|l| SlotGroup {
            loads: (0..slots).map(|_| if rng.f() < 0.05 { 20.0 } else { rng.f() }).collect(),
            options: (0..spines).map(|s| vec![l * spines + s, down + s]).collect(),
        })
        .collect();
    SlotProblem { background: vec![0.0; capacity.len()], capacity, groups }
}

#[test]
fn slot_assignment_beats_static_hashing_and_respects_the_bound() {
    for seed in 0..5 {
        let mut rng = Rng::new(400 + seed);
        let p = slot_case(16, 8, 64, &mut rng);
        let a = assign_slots(&p, 10_000).unwrap();
        // Static ECMP hashing: slot i on spine i % spines.
        let mut load = p.background.clone();
        for g in &p.groups {
            g.loads.iter().enumerate().for_each(|(i, l)| g.options[i % 8].iter().for_each(|&e| load[e] += l));
        }
        let ecmp = load.iter().zip(&p.capacity).map(|(l, c)| l / c).fold(0.0, f64::max);
        // Lower bound: every downlink carries its share of the total at best.
        let total: f64 = p.groups.iter().flat_map(|g| &g.loads).sum();
        let down_cap: f64 = p.capacity[16 * 8..].iter().sum();
        let biggest = p.groups.iter().flat_map(|g| &g.loads).fold(0.0f64, |a, &b| a.max(b));
        let bound = (total / down_cap).max(biggest / 100.0);
        assert!(a.max_util <= ecmp + 1e-9, "greedy {} vs ecmp {ecmp}", a.max_util);
        assert!(a.max_util <= 1.1 * bound, "seed {seed}: {} vs bound {bound}", a.max_util);
        for (g, grp) in p.groups.iter().enumerate() {
            assert_eq!(a.assign[g].len(), grp.loads.len());
        }
    }
}
