//! The fabric model: prefixes, node and link bookkeeping, and the errors of building a fabric by hand.

use std::net::Ipv4Addr;

use fathom_topology::{from_spec, Fabric, Prefix, Role, TopologyError};
use proptest::prelude::*;

fn p(s: &str) -> Prefix {
    s.parse().unwrap()
}

#[test]
fn prefix_parse_display_contains() {
    assert_eq!(p("10.1.2.0/24").to_string(), "10.1.2.0/24");
    assert_eq!(p("10.1.2.3/24"), p("10.1.2.0/24"), "host bits are masked");
    assert_eq!(p("10.1.2.3/32").to_string(), "10.1.2.3/32");
    assert_eq!(p("10.1.2.3/0").to_string(), "0.0.0.0/0");
    let net = p("10.1.2.0/23");
    assert_eq!(net.to_string(), "10.1.2.0/23");
    assert!(net.contains(Ipv4Addr::new(10, 1, 3, 255)));
    assert!(!net.contains(Ipv4Addr::new(10, 1, 4, 0)));
    assert!(!net.contains(Ipv4Addr::new(10, 1, 1, 255)));
    assert!(p("0.0.0.0/0").contains(Ipv4Addr::new(255, 255, 255, 255)));
    assert!(p("10.0.0.1/32").contains(Ipv4Addr::new(10, 0, 0, 1)));
    assert!(!p("10.0.0.1/32").contains(Ipv4Addr::new(10, 0, 0, 2)));
    assert_eq!(Prefix::new(Ipv4Addr::new(192, 168, 7, 9), 16).unwrap(), p("192.168.0.0/16"));
}

#[test]
fn bad_prefixes_are_rejected_with_a_reason() {
    for (text, reason) in [
        ("10.0.0.0", "a.b.c.d/len"),
        ("10.0.0/24", "dotted IPv4"),
        ("10.0.0.256/24", "dotted IPv4"),
        ("10.0.0.0/33", "0..=32"),
        ("10.0.0.0/x", "not a number"),
        ("10.0.0.0/-1", "not a number"),
        ("", "a.b.c.d/len"),
    ] {
        match text.parse::<Prefix>() {
            Err(TopologyError::InvalidPrefix { text: t, reason: r }) => {
                assert_eq!(t, text);
                assert!(r.contains(reason), "{text}: '{r}' should mention '{reason}'");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(Prefix::new(Ipv4Addr::LOCALHOST, 40).is_err());
}

proptest! {
    #[test]
    fn prefix_display_parses_back_and_contains_matches_the_top_bits(
        addr in any::<u32>(), len in 0u8..=32, ip in any::<u32>(),
    ) {
        let pre = Prefix::new(Ipv4Addr::from(addr), len).unwrap();
        prop_assert_eq!(pre.to_string().parse::<Prefix>().unwrap(), pre);
        prop_assert_eq!(Prefix::new(pre.addr, len).unwrap(), pre, "masking is idempotent");
        prop_assert!(pre.contains(Ipv4Addr::from(addr)));
        let shift = 32 - u32::from(len);
        let same_top = u64::from(ip) >> shift == u64::from(addr) >> shift;
        prop_assert_eq!(pre.contains(Ipv4Addr::from(ip)), same_top);
    }
}

#[test]
fn prefix_for_is_longest_match() {
    let mut f = from_spec("leaf-spine:2x1").unwrap();
    let (l1, l2) = (f.find("leaf1").unwrap(), f.find("leaf2").unwrap());
    let wide = f.add_prefix(l1, p("172.16.0.0/12")).unwrap();
    let narrow = f.add_prefix(l2, p("172.16.5.0/24")).unwrap();
    assert_eq!(f.prefix_for(Ipv4Addr::new(172, 16, 5, 9)), Some(narrow));
    assert_eq!(f.prefix_for(Ipv4Addr::new(172, 17, 0, 1)), Some(wide));
    assert_eq!(f.prefix_for(Ipv4Addr::new(192, 0, 2, 1)), None);
    assert_eq!(f.prefixes_of(l2), [1, narrow]);
    assert_eq!(f.find_prefix(&p("172.16.5.0/24")), Ok(narrow));
    assert!(matches!(f.find_prefix(&p("1.0.0.0/8")), Err(TopologyError::Unknown { kind: "prefix", .. })));
    assert!(matches!(f.add_prefix(l2, p("172.16.0.0/12")), Err(TopologyError::InvalidField { .. })));
}

#[test]
fn links_come_in_reverse_pairs_and_state_changes_both() {
    let mut f = from_spec("fat-tree:4").unwrap();
    for l in f.link_ids() {
        let r = f.reverse(l);
        assert_ne!(r, l);
        assert_eq!(f.reverse(r), l);
        let ((a, b), (c, d)) = (f.endpoints(l), f.endpoints(r));
        assert_eq!((a, b), (d, c));
        assert_eq!((&f.link(l).src_if, &f.link(l).dst_if), (&f.link(r).dst_if, &f.link(r).src_if));
        assert_eq!(f.interface(a, &f.link(l).src_if), Ok(l));
        assert!(f.out_links(a).contains(&l));
    }
    let leaf1 = f.find("leaf1").unwrap();
    let l = f.interface(leaf1, "Ethernet1").unwrap();
    f.set_link_up(l, false);
    assert!(!f.link(f.reverse(l)).up && !f.usable(l) && !f.usable(f.reverse(l)));
    f.set_link_up(f.reverse(l), true);
    assert!(f.usable(l));
    f.set_switch_drained(leaf1, true);
    assert!(f.out_links(leaf1).iter().all(|&l| f.link(l).drained && f.link(f.reverse(l)).drained));
    f.set_switch_drained(leaf1, false);
    f.set_node_up(f.find("agg1").unwrap(), false);
    assert!(!f.usable(l) && !f.usable(f.reverse(l)), "a link to a down switch is unusable");
    assert!(f.usable(f.interface(leaf1, "Ethernet2").unwrap()));
}

#[test]
fn hand_built_fabric_errors() {
    let mut f = Fabric::new();
    let a = f.add_switch("a", Role::Leaf, 1, Ipv4Addr::new(1, 1, 1, 1)).unwrap();
    let b = f.add_switch("b", Role::Spine, 2, Ipv4Addr::new(1, 1, 1, 2)).unwrap();
    assert!(matches!(f.add_switch("a", Role::Spine, 3, Ipv4Addr::LOCALHOST), Err(TopologyError::InvalidField { .. })));
    assert!(f.add_host("b", a, Ipv4Addr::LOCALHOST).is_err(), "hosts share the switch namespace");
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(f.connect(a, "e1", b, "e1", bad).is_err(), "capacity {bad}");
    }
    let (ab, ba) = f.connect(a, "e1", b, "e1", 1e9).unwrap();
    assert_eq!((f.reverse(ab), f.link_name(ba)), (ba, "b:e1".to_string()));
    assert!(f.connect(a, "e1", b, "e2", 1e9).is_err(), "a:e1 is taken");
    assert!(f.connect(a, "e2", b, "e1", 1e9).is_err(), "b:e1 is taken");
    assert!(f.connect(a, "e2", a, "e3", 1e9).is_err(), "self loop");
    assert_eq!(f.link_count(), 2, "failed connects add nothing");
    assert_eq!(f.find("zz"), Err(TopologyError::Unknown { kind: "node", name: "zz".into() }));
    assert!(matches!(f.interface(a, "e9"), Err(TopologyError::Unknown { kind: "interface", .. })));
    assert_eq!(f.host_leaf(a), None);
    assert_eq!(f.node(b).role(), Some(Role::Spine));
}
