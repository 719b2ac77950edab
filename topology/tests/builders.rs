//! Builders: sizes, names, capacities, addressing and ASN plan of `leaf-spine:LxS` and `fat-tree:K`.

use std::collections::{BTreeMap, BTreeSet};

use fathom_topology::{from_spec, Fabric, FatTreeSpec, LeafSpineSpec, NodeKind, Role, TopologyError};

fn count(f: &Fabric, role: Role) -> usize {
    f.with_role(role).count()
}

fn names(f: &Fabric, role: Role) -> Vec<String> {
    f.with_role(role).map(|n| f.node(n).name.clone()).collect()
}

fn capacity(f: &Fabric, node: &str, ifname: &str) -> f64 {
    f.link(f.interface(f.find(node).unwrap(), ifname).unwrap()).capacity_bps
}

fn asn(f: &Fabric, n: fathom_topology::NodeId) -> u32 {
    match f.node(n).kind {
        NodeKind::Switch { asn, .. } => asn,
        NodeKind::Host { .. } => unreachable!("switches only"),
    }
}

/// Every leaf has its own ASN, no leaf shares one with another tier (eBGP would drop routes as AS-path loops),
/// router IDs are unique, every host sits in its leaf's prefix.
fn check_identities(f: &Fabric) {
    let mut leaf_asns = BTreeSet::new();
    for l in f.with_role(Role::Leaf) {
        assert!(leaf_asns.insert(asn(f, l)), "{} shares its ASN with another leaf", f.node(l).name);
    }
    for n in f.switches().filter(|&n| f.node(n).role() != Some(Role::Leaf)) {
        assert!(!leaf_asns.contains(&asn(f, n)), "{} has a leaf's ASN {}", f.node(n).name, asn(f, n));
    }
    let ids: BTreeSet<_> = f
        .switches()
        .map(|n| match f.node(n).kind {
            NodeKind::Switch { router_id, .. } => router_id,
            NodeKind::Host { .. } => unreachable!(),
        })
        .collect();
    assert_eq!(ids.len(), f.switches().count(), "router IDs are unique");
    for h in f.hosts() {
        let leaf = f.host_leaf(h).unwrap();
        let p = f.prefix_for(f.host_ip(h).unwrap()).unwrap();
        assert_eq!(f.prefixes()[p].leaf, leaf, "{} is addressed from its leaf's prefix", f.node(h).name);
        assert_eq!(f.endpoints(f.host_uplink(h).unwrap()), (h, leaf));
    }
}

#[test]
fn leaf_spine_32x8() {
    let f = from_spec("leaf-spine:32x8").unwrap();
    assert_eq!((count(&f, Role::Leaf), count(&f, Role::Spine), count(&f, Role::SuperSpine)), (32, 8, 0));
    assert_eq!(f.hosts().count(), 256);
    assert_eq!(f.link_count(), 2 * (32 * 8 + 256), "two directed links per leaf-spine and host link");
    assert!(f.link_ids().all(|l| f.link(l).capacity_bps == 400e9 && f.link(l).up && !f.link(l).drained));
    assert_eq!(names(&f, Role::Leaf)[..3], ["leaf1", "leaf2", "leaf3"]);
    assert_eq!(names(&f, Role::Spine).last().unwrap(), "spine8");

    let leaf3 = f.find("leaf3").unwrap();
    let up = f.interface(leaf3, "Ethernet8").unwrap();
    assert_eq!(f.node(f.endpoints(up).1).name, "spine8");
    assert_eq!(f.link(up).dst_if, "Ethernet3", "spine ports follow leaf order");
    let h = f.find("host3-2").unwrap();
    assert_eq!(f.host_ip(h), Some("10.0.3.2".parse().unwrap()));
    assert_eq!(f.link_name(f.host_uplink(h).unwrap()), "host3-2:eth0");
    assert_eq!(f.prefixes()[f.prefixes_of(leaf3)[0]].prefix.to_string(), "10.0.3.0/24");
    check_identities(&f);
}

#[test]
fn oversubscription_derives_uplink_speed() {
    let spec = LeafSpineSpec { hosts_per_leaf: 48, oversubscription: 3.0, ..LeafSpineSpec::new(4, 8) };
    let f = spec.build().unwrap();
    let up = capacity(&f, "leaf1", "Ethernet1");
    assert_eq!(up, 48.0 * 400e9 / (8.0 * 3.0));
    assert_eq!(capacity(&f, "spine1", "Ethernet1"), up, "both directions");
    assert_eq!(capacity(&f, "leaf1", "Ethernet9"), 400e9, "host port");
    let down: f64 = 48.0 * 400e9;
    assert_eq!(down / (8.0 * up), 3.0, "downlink/uplink is the oversubscription");

    let fixed = LeafSpineSpec { fabric_bps: 100e9, oversubscription: 3.0, ..LeafSpineSpec::new(2, 2) };
    assert_eq!(capacity(&fixed.build().unwrap(), "leaf2", "Ethernet2"), 100e9, "explicit speed wins");
}

#[test]
fn fat_tree_4() {
    let f = from_spec("fat-tree:4").unwrap();
    assert_eq!(f.switches().count(), 20);
    assert_eq!(f.hosts().count(), 16);
    assert_eq!(names(&f, Role::Leaf), (1..=8).map(|i| format!("leaf{i}")).collect::<Vec<_>>());
    assert_eq!(names(&f, Role::Spine), (1..=8).map(|i| format!("agg{i}")).collect::<Vec<_>>());
    assert_eq!(names(&f, Role::SuperSpine), (1..=4).map(|i| format!("core{i}")).collect::<Vec<_>>());
    assert_eq!(f.link_count(), 2 * 48);
    // k ports on every aggregation and core switch, k/2 up and k/2 down on every leaf.
    let degree: BTreeMap<String, usize> =
        f.switches().map(|n| (f.node(n).name.clone(), f.out_links(n).len())).collect();
    assert!(degree.values().all(|&d| d == 4), "{degree:?}");
    // Pod 0 (agg1, agg2) reaches every core exactly once.
    let cores_of = |agg: &str| -> BTreeSet<String> {
        let a = f.find(agg).unwrap();
        f.out_links(a)
            .into_iter()
            .map(|l| f.node(f.endpoints(l).1).name.clone())
            .filter(|n| n.starts_with("core"))
            .collect()
    };
    let (c1, c2) = (cores_of("agg1"), cores_of("agg2"));
    assert_eq!(c1.len() + c2.len(), 4);
    assert!(c1.is_disjoint(&c2));
    check_identities(&f);
}

#[test]
fn asn_plan_has_no_collisions_at_scale() {
    check_identities(&from_spec("fat-tree:16").unwrap());
    check_identities(&LeafSpineSpec { hosts_per_leaf: 1, ..LeafSpineSpec::new(600, 2) }.build().unwrap());
}

fn invalid(r: fathom_topology::Result<Fabric>, spec: &str, reason: &str) {
    match r {
        Err(TopologyError::InvalidSpec { spec: s, reason: r }) => {
            assert_eq!(s, spec);
            assert!(r.contains(reason), "'{r}' should mention '{reason}'");
        }
        other => panic!("{spec}: expected InvalidSpec, got {other:?}"),
    }
}

#[test]
fn invalid_specs_say_why() {
    invalid(from_spec("leaf-spine:0x8"), "leaf-spine:0x8", "at least 1");
    invalid(from_spec("leaf-spine:8"), "leaf-spine:8", "LxS");
    invalid(from_spec("leaf-spine:ax8"), "leaf-spine:ax8", "leaf count");
    invalid(from_spec("leaf-spine:8xb"), "leaf-spine:8xb", "spine count");
    invalid(from_spec("leaf-spine:4x300"), "leaf-spine:4x300", "254 hosts");
    invalid(from_spec("fat-tree:3"), "fat-tree:3", "even");
    invalid(from_spec("fat-tree:0"), "fat-tree:0", "even");
    invalid(from_spec("fat-tree:130"), "fat-tree:130", "2..=128");
    invalid(from_spec("fat-tree:k"), "fat-tree:k", "not a number");
    invalid(from_spec("torus:4"), "torus:4", "unknown kind");
    invalid(from_spec("leaf-spine"), "leaf-spine", "expected");
    let ls = |s: LeafSpineSpec| s.build();
    invalid(ls(LeafSpineSpec { host_bps: -1.0, ..LeafSpineSpec::new(2, 2) }), "leaf-spine:2x2", "speeds");
    invalid(ls(LeafSpineSpec { fabric_bps: -1.0, ..LeafSpineSpec::new(2, 2) }), "leaf-spine:2x2", "speeds");
    invalid(ls(LeafSpineSpec { fabric_bps: f64::INFINITY, ..LeafSpineSpec::new(2, 2) }), "leaf-spine:2x2", "speeds");
    invalid(ls(LeafSpineSpec { oversubscription: 0.0, ..LeafSpineSpec::new(2, 2) }), "leaf-spine:2x2", "oversub");
    invalid(ls(LeafSpineSpec { oversubscription: f64::NAN, ..LeafSpineSpec::new(2, 2) }), "leaf-spine:2x2", "oversub");
    invalid(FatTreeSpec { fabric_bps: 0.0, ..Default::default() }.build(), "fat-tree:4", "speeds");
    invalid(FatTreeSpec { host_bps: f64::NAN, ..Default::default() }.build(), "fat-tree:4", "speeds");
    let msg = from_spec("fat-tree:3").unwrap_err().to_string();
    assert_eq!(msg, "invalid topology spec 'fat-tree:3': k must be even, 2..=128");
}
