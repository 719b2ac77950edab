//! The JSON topology format: lossless round trips, and malformed files rejected with a line/column or field path.

mod common;

use std::collections::BTreeSet;

use common::scenario;
use fathom_topology::file::{from_json, to_json};
use fathom_topology::{from_spec, Fabric, NodeKind, TopologyError};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Everything the format carries, keyed by names so node and prefix ids may differ between the two fabrics.
#[derive(Debug, PartialEq)]
struct Summary {
    nodes: BTreeSet<(String, String, bool)>,
    links: Vec<(String, String, String, String, u64, bool, bool)>,
    prefixes: BTreeSet<(String, String)>,
}

fn summary(f: &Fabric) -> Summary {
    let nodes = f
        .node_ids()
        .map(|n| {
            let node = f.node(n);
            let kind = match &node.kind {
                NodeKind::Switch { role, asn, router_id } => format!("{role} {asn} {router_id}"),
                NodeKind::Host { leaf, ip } => format!("host of {} {ip}", f.node(*leaf).name),
            };
            (node.name.clone(), kind, node.up)
        })
        .collect();
    let links = f
        .link_ids()
        .map(|l| {
            let (a, b) = f.endpoints(l);
            let k = f.link(l);
            let (a, b) = (f.node(a).name.clone(), f.node(b).name.clone());
            (a, k.src_if.clone(), b, k.dst_if.clone(), k.capacity_bps.to_bits(), k.up, k.drained)
        })
        .collect();
    let prefixes = f.prefixes().iter().map(|p| (p.prefix.to_string(), f.node(p.leaf).name.clone())).collect();
    Summary { nodes, links, prefixes }
}

fn round_trip(f: &Fabric) -> std::result::Result<(), TestCaseError> {
    let text = to_json(f);
    let back = from_json(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(summary(&back), summary(f));
    prop_assert_eq!(to_json(&back), text, "export is stable");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random sizes, oversubscribed (non-round) capacities, failed and drained links, down switches and hosts.
    #[test]
    fn json_round_trip_is_lossless(s in scenario(), down_host in any::<usize>()) {
        let mut f = s.build().fabric;
        let hosts: Vec<_> = f.hosts().collect();
        f.set_node_up(hosts[down_host % hosts.len()], false);
        round_trip(&f)?;
    }
}

#[test]
fn fat_tree_round_trips() {
    let mut f = from_spec("fat-tree:4").unwrap();
    f.set_link_drained(f.interface(f.find("agg3").unwrap(), "Ethernet2").unwrap(), true);
    f.set_link_up(f.interface(f.find("leaf5").unwrap(), "Ethernet1").unwrap(), false);
    f.set_node_up(f.find("core2").unwrap(), false);
    round_trip(&f).unwrap();
}

/// A valid file: two leaves, two spines, one host, five links.
fn base() -> Value {
    json!({
        "version": 1,
        "switches": [
            {"name": "leaf1", "role": "leaf", "asn": 65001, "router_id": "10.252.0.1", "prefixes": ["10.0.1.0/24"]},
            {"name": "leaf2", "role": "leaf", "asn": 65002, "router_id": "10.252.0.2", "prefixes": ["10.0.2.0/24"]},
            {"name": "spine1", "role": "spine", "asn": 65000, "router_id": "10.253.0.1"},
            {"name": "spine2", "role": "spine", "asn": 65000, "router_id": "10.253.0.2", "up": false},
        ],
        "hosts": [{"name": "host1-1", "leaf": "leaf1", "ip": "10.0.1.1"}],
        "links": [
            {"a": "leaf1", "a_if": "Ethernet1", "b": "spine1", "b_if": "Ethernet1", "capacity_bps": 4e11},
            {"a": "leaf1", "a_if": "Ethernet2", "b": "spine2", "b_if": "Ethernet1", "capacity_bps": 4e11},
            {"a": "leaf2", "a_if": "Ethernet1", "b": "spine1", "b_if": "Ethernet2", "capacity_bps": 4e11,
             "drained": true},
            {"a": "leaf2", "a_if": "Ethernet2", "b": "spine2", "b_if": "Ethernet2", "capacity_bps": 4e11, "up": false},
            {"a": "leaf1", "a_if": "Ethernet3", "b": "host1-1", "b_if": "eth0", "capacity_bps": 1e11},
        ],
    })
}

#[test]
fn base_file_parses_with_defaults() {
    let f = from_json(&base().to_string()).unwrap();
    assert_eq!((f.switches().count(), f.hosts().count(), f.link_count()), (4, 1, 10));
    let (leaf2, spine1) = (f.find("leaf2").unwrap(), f.find("spine1").unwrap());
    let l = f.interface(leaf2, "Ethernet1").unwrap();
    assert!(f.link(l).drained && f.link(f.reverse(l)).drained && f.link(l).up);
    assert_eq!(f.endpoints(l), (leaf2, spine1));
    assert!(!f.link(f.interface(leaf2, "Ethernet2").unwrap()).up);
    assert!(!f.node(f.find("spine2").unwrap()).up && f.node(spine1).up);
    assert_eq!(f.prefix_for("10.0.2.77".parse().unwrap()), Some(1));
    round_trip(&f).unwrap();
}

fn field_error(v: Value, field: &str, reason: &str) {
    match from_json(&v.to_string()) {
        Err(e @ TopologyError::InvalidField { .. }) => {
            let TopologyError::InvalidField { field: f, reason: r } = &e else { unreachable!() };
            assert_eq!(f, field, "{e}");
            assert!(r.contains(reason), "'{e}' should mention '{reason}'");
            assert!(e.to_string().contains(&format!("{field}: ")), "{e}");
        }
        other => panic!("expected an error on {field}, got {other:?}"),
    }
}

fn with(path: &str, value: Value) -> Value {
    let mut v = base();
    *v.pointer_mut(path).unwrap() = value;
    v
}

#[test]
fn semantic_errors_name_the_field() {
    field_error(with("/links/3/b", json!("spine9")), "links[3].b", "unknown node 'spine9'");
    field_error(with("/links/0/a", json!("nope")), "links[0].a", "unknown node");
    field_error(with("/switches/1/name", json!("leaf1")), "switches[1].name", "duplicate node name");
    field_error(with("/hosts/0/name", json!("spine2")), "hosts[0].name", "duplicate node name");
    field_error(with("/switches/0/prefixes/0", json!("10.0.1.0/33")), "switches[0].prefixes[0]", "0..=32");
    field_error(with("/switches/0/prefixes/0", json!("banana")), "switches[0].prefixes[0]", "a.b.c.d/len");
    field_error(with("/switches/1/prefixes/0", json!("10.0.1.0/24")), "switches[1].prefixes[0]", "owned twice");
    field_error(with("/hosts/0/leaf", json!("spine1")), "hosts[0].leaf", "not a leaf");
    field_error(with("/hosts/0/leaf", json!("leaf7")), "hosts[0].leaf", "unknown node");
    field_error(with("/links/1/a_if", json!("Ethernet1")), "links[1]", "already connected");
    field_error(with("/links/2/capacity_bps", json!(0)), "links[2]", "positive");
    field_error(with("/links/0/b", json!("leaf1")), "links[0]", "itself");
    field_error(with("/version", json!(2)), "version", "unsupported version 2");
}

fn json_error(text: &str, line: usize, column: usize, message: &str) {
    match from_json(text) {
        Err(TopologyError::Json { line: l, column: c, message: m }) => {
            assert_eq!((l, c), (line, column), "{m}");
            assert!(m.contains(message), "'{m}' should mention '{message}'");
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

#[test]
fn syntax_and_schema_errors_give_line_and_column() {
    let missing_comma = "{\n  \"version\": 1,\n  \"switches\": [\n    {\"name\": \"leaf1\" \"role\": \"leaf\"}\n";
    json_error(missing_comma, 4, 22, "expected `,` or `}`");
    let mut v = base();
    v["switches"][2]["colour"] = json!("red");
    let pretty = serde_json::to_string_pretty(&v).unwrap();
    let line = pretty.lines().position(|l| l.contains("colour")).unwrap() + 1;
    json_error(&pretty, line, 14, "unknown field `colour`");
    v = base();
    v["extra"] = json!(1);
    json_error(&v.to_string(), 1, 8, "unknown field `extra`");
    json_error(r#"{"version": 1, "switches": []}"#, 1, 30, "missing field `links`");
    let bad_role = with("/switches/0/role", json!("router")).to_string();
    json_error(&bad_role, 1, bad_role.find("\"router\"").unwrap() + 8, "unknown variant `router`");
    json_error("", 1, 0, "EOF");
    json_error("{\"version\": 1,}", 1, 15, "trailing comma");
    let msg = from_json(missing_comma).unwrap_err().to_string();
    assert!(msg.starts_with("topology JSON, line 4 column 22: "), "{msg}");
}
