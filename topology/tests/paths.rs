//! ECMP DAGs and k-shortest paths, against independent oracles (relaxation distances, exhaustive path enumeration).

mod common;

use std::collections::BTreeSet;

use common::{distances_to, physical_links, scenario, switch_link, Scenario};
use fathom_topology::paths::UNREACHABLE;
use fathom_topology::{from_spec, k_shortest_paths, EcmpDag, Fabric, LinkId, NodeId};
use proptest::prelude::*;

/// Checks one DAG against the relaxation oracle.
fn check_dag(f: &Fabric, dst: NodeId) -> std::result::Result<(), TestCaseError> {
    let dag = EcmpDag::towards(f, dst);
    let oracle = distances_to(f, dst);
    prop_assert_eq!(dag.dst, dst);
    for u in f.node_ids() {
        let name = &f.node(u).name;
        let d = dag.dist[u.index()];
        prop_assert_eq!((d != UNREACHABLE).then_some(d), oracle[u.index()], "dist of {}", name);
        prop_assert_eq!(dag.reachable(u), oracle[u.index()].is_some());
        let nh = dag.next_hops(u);
        prop_assert!(nh.windows(2).all(|w| w[0] < w[1]), "next hops of {} not sorted", name);
        for &l in nh {
            let (a, b) = f.endpoints(l);
            prop_assert_eq!(a, u, "next hop {} of {} starts elsewhere", f.link_name(l), name);
            prop_assert!(switch_link(f, l), "next hop {} is not a usable switch link", f.link_name(l));
            prop_assert_eq!(dag.dist[b.index()].checked_add(1), Some(d), "{} does not decrease dist", f.link_name(l));
        }
        if dag.reachable(u) && u != dst {
            let all: Vec<LinkId> = f
                .link_ids()
                .filter(|&l| {
                    let (a, b) = f.endpoints(l);
                    a == u && switch_link(f, l) && oracle[b.index()].map(|db| db + 1) == Some(d)
                })
                .collect();
            prop_assert!(!nh.is_empty(), "reachable {} has no next hop", name);
            prop_assert_eq!(nh, &all[..], "next hops of {} are not every shortest-path link", name);
        } else {
            prop_assert!(nh.is_empty(), "{} (dst or unreachable) has next hops", name);
        }
    }
    let order = dag.order_far_first();
    let reachable: BTreeSet<NodeId> = f.node_ids().filter(|&u| dag.reachable(u)).collect();
    prop_assert_eq!(order.iter().copied().collect::<BTreeSet<_>>(), reachable);
    prop_assert_eq!(order.len(), dag.dist.iter().filter(|&&d| d != UNREACHABLE).count());
    for w in order.windows(2) {
        prop_assert!(dag.dist[w[0].index()] >= dag.dist[w[1].index()], "order_far_first is not far-first");
    }
    Ok(())
}

/// Every loop-free path from `src` to `dst` over usable links whose transit nodes are switches.
fn all_simple_paths(f: &Fabric, src: NodeId, dst: NodeId) -> Vec<Vec<LinkId>> {
    fn walk(
        f: &Fabric,
        u: NodeId,
        dst: NodeId,
        on: &mut Vec<NodeId>,
        path: &mut Vec<LinkId>,
        out: &mut Vec<Vec<LinkId>>,
    ) {
        if u == dst {
            out.push(path.clone());
            return;
        }
        if !path.is_empty() && !f.node(u).is_switch() {
            return;
        }
        for l in f.link_ids() {
            let (a, b) = f.endpoints(l);
            if a != u || !f.usable(l) || on.contains(&b) {
                continue;
            }
            on.push(b);
            path.push(l);
            walk(f, b, dst, on, path, out);
            path.pop();
            on.pop();
        }
    }
    let mut out = Vec::new();
    walk(f, src, dst, &mut vec![src], &mut Vec::new(), &mut out);
    out
}

/// Small leaf-spine fabrics (at most 4x3, one host per leaf) with failures, for exhaustive path enumeration.
fn small_scenario() -> impl Strategy<Value = Scenario> {
    (scenario(), 1usize..=4, 1usize..=3).prop_map(|(s, leaves, spines)| Scenario {
        leaves,
        spines,
        hosts_per_leaf: 1,
        ..s
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// DAGs towards every prefix leaf and towards one more arbitrary node (spine, host, down switch, ...).
    #[test]
    fn ecmp_dags_are_loop_free_complete_and_use_only_usable_links(s in scenario(), other in any::<usize>()) {
        let f = s.build().fabric;
        let mut dsts: BTreeSet<NodeId> = f.prefixes().iter().map(|p| p.leaf).collect();
        dsts.insert(NodeId::new(other % f.node_count()));
        for dst in dsts {
            check_dag(&f, dst)?;
        }
    }

    /// Yen's algorithm returns exactly the k shortest loop-free paths (by hop count) of exhaustive enumeration.
    #[test]
    fn k_shortest_paths_are_the_k_shortest_loop_free_paths(
        s in small_scenario(), src in any::<usize>(), dst in any::<usize>(), k in 0usize..12,
    ) {
        let f = s.build().fabric;
        let (src, dst) = (NodeId::new(src % f.node_count()), NodeId::new(dst % f.node_count()));
        let paths = k_shortest_paths(&f, src, dst, k);
        let all = all_simple_paths(&f, src, dst);
        let mut all_lens: Vec<usize> = all.iter().map(Vec::len).collect();
        all_lens.sort();
        prop_assert_eq!(paths.len(), k.min(all.len()));
        prop_assert_eq!(paths.iter().map(Vec::len).collect::<Vec<_>>(), all_lens[..paths.len()].to_vec());
        prop_assert_eq!(paths.iter().collect::<BTreeSet<_>>().len(), paths.len(), "duplicate paths");
        for p in &paths {
            prop_assert!(all.contains(p), "{:?} is not a loop-free usable path", p);
        }
    }
}

fn names(f: &Fabric, path: &[LinkId]) -> Vec<String> {
    path.iter().map(|&l| f.link_name(l)).collect()
}

#[test]
fn k_shortest_paths_on_a_small_fabric() {
    let mut f = from_spec("leaf-spine:3x2").unwrap();
    let (leaf1, leaf2) = (f.find("leaf1").unwrap(), f.find("leaf2").unwrap());
    let paths = k_shortest_paths(&f, leaf1, leaf2, 10);
    let expected = [
        vec!["leaf1:Ethernet1", "spine1:Ethernet2"],
        vec!["leaf1:Ethernet2", "spine2:Ethernet2"],
        vec!["leaf1:Ethernet1", "spine1:Ethernet3", "leaf3:Ethernet2", "spine2:Ethernet2"],
        vec!["leaf1:Ethernet2", "spine2:Ethernet3", "leaf3:Ethernet1", "spine1:Ethernet2"],
    ];
    assert_eq!(paths.iter().map(|p| names(&f, p)).collect::<Vec<_>>(), expected);
    assert_eq!(k_shortest_paths(&f, leaf1, leaf2, 2).len(), 2);
    assert!(k_shortest_paths(&f, leaf1, leaf2, 0).is_empty());

    // Host to host: the access links are the first and last hop.
    let (h1, h2) = (f.find("host1-1").unwrap(), f.find("host2-1").unwrap());
    let hp = k_shortest_paths(&f, h1, h2, 1);
    assert_eq!(names(&f, &hp[0]), ["host1-1:eth0", "leaf1:Ethernet1", "spine1:Ethernet2", "leaf2:Ethernet3"]);

    let cut = f.interface(leaf1, "Ethernet1").unwrap();
    f.set_link_up(cut, false);
    let paths = k_shortest_paths(&f, leaf1, leaf2, 10);
    let expected = [
        vec!["leaf1:Ethernet2", "spine2:Ethernet2"],
        vec!["leaf1:Ethernet2", "spine2:Ethernet3", "leaf3:Ethernet1", "spine1:Ethernet2"],
    ];
    assert_eq!(paths.iter().map(|p| names(&f, p)).collect::<Vec<_>>(), expected);
    assert!(paths.iter().flatten().all(|&l| l != cut && l != f.reverse(cut)));

    f.set_link_drained(f.interface(leaf1, "Ethernet2").unwrap(), true);
    assert!(k_shortest_paths(&f, leaf1, leaf2, 10).is_empty(), "leaf1 is cut off");
}

#[test]
fn fat_tree_dag_distances() {
    let f = from_spec("fat-tree:4").unwrap();
    let dag = EcmpDag::towards(&f, f.find("leaf1").unwrap());
    let dist = |n: &str| dag.dist[f.find(n).unwrap().index()];
    assert_eq!(
        [dist("leaf1"), dist("agg1"), dist("leaf2"), dist("core1"), dist("agg3"), dist("leaf3")],
        [0, 1, 2, 2, 3, 4]
    );
    assert_eq!(dist("host1-1"), UNREACHABLE, "hosts are not part of the DAG");
    assert_eq!(dag.next_hops(f.find("leaf3").unwrap()).len(), 2);
    assert_eq!(physical_links(&f).len(), 48);
}
