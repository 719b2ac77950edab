//! `route_demands`: flow conservation, accounting of unroutable demand, order independence, and small exact cases.

mod common;

use std::collections::BTreeMap;

use common::{close, distances_to, scenario, shuffle, switch_link, Built};
use fathom_topology::{from_spec, route_demands, Demand, Fabric, LinkLoads, PrefixId, SlotTable, WcmpState};
use proptest::prelude::*;

/// Checks conservation for `demands` routed as `loads`: at every node, inflow + injected == outflow + terminating,
/// where only demands the oracle finds routable are injected and terminate at their prefix's leaf; what reaches
/// the destination leaves plus what is unroutable is what was offered.
fn check_conservation(f: &Fabric, demands: &[Demand], loads: &LinkLoads) -> std::result::Result<(), TestCaseError> {
    let n = f.node_count();
    let (mut injected, mut terminating) = (vec![0.0; n], vec![0.0; n]);
    let (mut offered, mut unroutable) = (0.0, 0.0);
    let mut dist_cache = BTreeMap::new();
    for d in demands {
        let leaf = f.prefixes()[d.prefix].leaf;
        let dist = dist_cache.entry(leaf).or_insert_with(|| distances_to(f, leaf));
        offered += d.bps;
        if dist[d.src.index()].is_some() {
            injected[d.src.index()] += d.bps;
            terminating[leaf.index()] += d.bps;
        } else {
            unroutable += d.bps;
        }
    }
    prop_assert!(close(loads.unroutable_bps, unroutable, 1e-9), "unroutable {} != {unroutable}", loads.unroutable_bps);

    let (mut inflow, mut outflow) = (vec![0.0; n], vec![0.0; n]);
    prop_assert_eq!(loads.load_bps.len(), f.link_count());
    for l in f.link_ids() {
        let x = loads.load_bps[l.index()];
        prop_assert!(x.is_finite() && x >= 0.0, "{}: load {x}", f.link_name(l));
        if x > 0.0 {
            prop_assert!(switch_link(f, l), "{} carries {x} but is not a usable switch link", f.link_name(l));
        }
        let (a, b) = f.endpoints(l);
        outflow[a.index()] += x;
        inflow[b.index()] += x;
    }
    let mut delivered = 0.0;
    for v in f.node_ids() {
        let i = v.index();
        let (lhs, rhs) = (inflow[i] + injected[i], outflow[i] + terminating[i]);
        prop_assert!(
            close(lhs, rhs, 1e-6),
            "{}: in {} + injected {} != out {} + terminating {}",
            f.node(v).name,
            inflow[i],
            injected[i],
            outflow[i],
            terminating[i]
        );
        if terminating[i] > 0.0 {
            delivered += lhs - outflow[i];
        }
    }
    prop_assert!(
        close(delivered + loads.unroutable_bps, offered, 1e-6),
        "delivered {delivered} + unroutable {} != offered {offered}",
        loads.unroutable_bps
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Conservation for the whole matrix and for each prefix alone; per-prefix loads add up to the whole.
    #[test]
    fn flow_is_conserved_at_every_switch(s in scenario()) {
        let Built { fabric: f, wcmp, demands } = s.build();
        let loads = route_demands(&f, &wcmp, &demands);
        check_conservation(&f, &demands, &loads)?;

        let mut by_prefix: BTreeMap<PrefixId, Vec<Demand>> = BTreeMap::new();
        for d in &demands {
            by_prefix.entry(d.prefix).or_default().push(*d);
        }
        let mut sum = vec![0.0; f.link_count()];
        for ds in by_prefix.values() {
            let part = route_demands(&f, &wcmp, ds);
            check_conservation(&f, ds, &part)?;
            sum.iter_mut().zip(&part.load_bps).for_each(|(s, x)| *s += x);
        }
        for l in f.link_ids() {
            prop_assert!(close(sum[l.index()], loads.load_bps[l.index()], 1e-9), "{}", f.link_name(l));
        }
    }

    #[test]
    fn loads_do_not_depend_on_demand_order(s in scenario(), seed in any::<u64>()) {
        let Built { fabric: f, wcmp, demands } = s.build();
        let a = route_demands(&f, &wcmp, &demands);
        let mut shuffled = demands.clone();
        shuffle(&mut shuffled, seed);
        let b = route_demands(&f, &wcmp, &shuffled);
        prop_assert!(close(a.unroutable_bps, b.unroutable_bps, 1e-9));
        for l in f.link_ids() {
            let (x, y) = (a.load_bps[l.index()], b.load_bps[l.index()]);
            prop_assert!(close(x, y, 1e-9), "{}: {x} != {y}", f.link_name(l));
        }
    }
}

fn leaf_demand(f: &Fabric, src: &str, dst_leaf: &str, bps: f64) -> Demand {
    let dst = f.find(dst_leaf).unwrap();
    Demand { src: f.find(src).unwrap(), prefix: f.prefixes_of(dst)[0], bps }
}

fn load(f: &Fabric, loads: &LinkLoads, node: &str, ifname: &str) -> f64 {
    loads.load_bps[f.interface(f.find(node).unwrap(), ifname).unwrap().index()]
}

#[test]
fn ecmp_splits_evenly_over_spines() {
    let f = from_spec("leaf-spine:2x4").unwrap();
    let loads = route_demands(&f, &WcmpState::new(), &[leaf_demand(&f, "leaf1", "leaf2", 4e9)]);
    for s in 1..=4 {
        assert_eq!(load(&f, &loads, "leaf1", &format!("Ethernet{s}")), 1e9);
        assert_eq!(load(&f, &loads, &format!("spine{s}"), "Ethernet2"), 1e9, "spine{s} -> leaf2");
    }
    assert_eq!(loads.unroutable_bps, 0.0);
    let (_, max) = loads.max_utilization(&f).unwrap();
    assert_eq!(max, 1e9 / 400e9);
}

#[test]
fn wcmp_table_sets_the_split_and_failed_members_are_refilled() {
    let mut f = from_spec("leaf-spine:2x2").unwrap();
    let leaf1 = f.find("leaf1").unwrap();
    let (up1, up2) = (f.interface(leaf1, "Ethernet1").unwrap(), f.interface(leaf1, "Ethernet2").unwrap());
    let d = leaf_demand(&f, "leaf1", "leaf2", 4e9);
    let mut wcmp = WcmpState::new();
    wcmp.set(leaf1, d.prefix, SlotTable::from_slots(vec![up1, up1, up1, up2]).unwrap());
    let loads = route_demands(&f, &wcmp, &[d]);
    assert_eq!((loads.load_bps[up1.index()], loads.load_bps[up2.index()]), (3e9, 1e9));

    f.set_link_up(up1, false);
    let loads = route_demands(&f, &wcmp, &[d]);
    assert_eq!((loads.load_bps[up1.index()], loads.load_bps[up2.index()]), (0.0, 4e9));
    assert_eq!(load(&f, &loads, "spine2", "Ethernet2"), 4e9);
}

#[test]
fn demand_to_a_down_or_cut_off_leaf_is_unroutable() {
    let mut f = from_spec("leaf-spine:3x2").unwrap();
    let demands = [leaf_demand(&f, "leaf1", "leaf2", 1e9), leaf_demand(&f, "leaf3", "leaf3", 2e9)];
    f.set_node_up(f.find("leaf2").unwrap(), false);
    let loads = route_demands(&f, &WcmpState::new(), &demands);
    assert_eq!(loads.unroutable_bps, 1e9);
    assert!(loads.load_bps.iter().all(|&x| x == 0.0), "local demand and unroutable demand load no link");

    let mut f = from_spec("leaf-spine:2x2").unwrap();
    f.set_switch_drained(f.find("leaf1").unwrap(), true);
    let loads = route_demands(&f, &WcmpState::new(), &[leaf_demand(&f, "leaf1", "leaf2", 1e9)]);
    assert_eq!(loads.unroutable_bps, 1e9);
}
