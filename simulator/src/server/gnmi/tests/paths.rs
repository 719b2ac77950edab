//! Paths, the leaf walk, the schema and value encodings.

use std::collections::BTreeSet;

use fathom_proto::gnmi::typed_value::Value as Tv;
use tonic::Code;

use super::super::encode::{self, Encoding};
use super::super::leaves::{self, Class, Value};
use super::super::path::{leaf_key, Pattern};
use super::super::schema;
use super::fixtures::{leaf1, path};

fn pattern(text: &str) -> Pattern {
    Pattern::new(None, Some(&path(text))).unwrap()
}

fn keys(text: &str) -> Vec<String> {
    leaves::collect(&leaf1(), &pattern(text)).iter().map(|l| leaf_key(&l.path)).collect()
}

#[test]
fn wildcard_counters_subscription_returns_every_counter_of_every_interface() {
    let got = keys("/interfaces/interface[name=*]/state/counters");
    assert_eq!(got.len(), 16);
    assert!(got.iter().all(|k| k.contains("/state/counters/")));
    assert!(got.contains(&"interfaces/interface[name=eth2]/state/counters/out-errors".to_string()));
    assert_eq!(keys("openconfig:/interfaces/interface/state/counters"), got, "a missing key is a wildcard");
}

#[test]
fn a_root_returns_everything_under_it_and_nothing_else() {
    let got = keys("/interfaces");
    assert_eq!(got.len(), 2 * (3 + 8 + 1 + 2));
    assert!(got.iter().all(|k| k.starts_with("interfaces/interface[name=")));
    let all = keys("/");
    assert!(all.iter().any(|k| k.starts_with("qos/")) && all.iter().any(|k| k.starts_with("lldp/")));
    assert!(all.iter().any(|k| k.starts_with("network-instances/")));
}

#[test]
fn exact_keys_select_one_entry_and_values_are_right() {
    let p = pattern("/interfaces/interface[name=eth1]/state/counters/in-octets");
    let got = leaves::collect(&leaf1(), &p);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].value, Value::Uint(1000));
    assert_eq!(got[0].class, Class::Counter);
    let lldp = leaves::collect(&leaf1(), &pattern("/lldp/interfaces/interface[name=eth2]"));
    let vals: Vec<_> = lldp.iter().map(|l| (leaf_key(&l.path), l.value.clone())).collect();
    assert_eq!(vals.len(), 2);
    assert_eq!(vals[0].0, "lldp/interfaces/interface[name=eth2]/neighbors/neighbor[id=spine2-id]/state/system-name");
    assert_eq!(vals[0].1, Value::Str("spine2".into()));
    assert_eq!(vals[1].1, Value::Str("eth1".into()));
}

#[test]
fn wildcards_in_names_and_any_depth() {
    assert_eq!(keys("/interfaces/*/state/counters/in-octets").len(), 2);
    assert_eq!(keys("/.../in-octets").len(), 2);
    let q = keys("/qos/.../queue[name=lossy]/state/dropped-pkts");
    assert_eq!(
        q,
        vec![
            "qos/interfaces/interface[interface-id=eth1]/output/queues/queue[name=lossy]/state/dropped-pkts",
            "qos/interfaces/interface[interface-id=eth2]/output/queues/queue[name=lossy]/state/dropped-pkts"
        ]
    );
}

#[test]
fn fathom_origin_serves_pfc_and_wcmp() {
    let pfc = keys("fathom:/interfaces/interface[name=eth1]/pfc/priority[id=3]/state");
    assert_eq!(pfc.len(), 3);
    let w = leaves::collect(&leaf1(), &pattern("fathom:/wcmp/groups/group[prefix=10.0.2.0/24]/slots/slot[id=1]"));
    let vals: Vec<_> = w.iter().map(|l| l.value.clone()).collect();
    assert_eq!(vals, vec![Value::Str("eth2".into()), Value::Uint(200)]);
    let aft =
        keys("/network-instances/network-instance[name=default]/afts/ipv4-unicast/ipv4-entry[prefix=10.0.2.0/24]");
    assert_eq!(aft.len(), 2);
}

#[test]
fn unknown_roots_origins_and_keys_are_refused_naming_the_path() {
    let err = Pattern::new(None, Some(&path("/bogus/thing"))).unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert!(err.message().contains("/bogus/thing"), "{}", err.message());
    let err = Pattern::new(None, Some(&path("/interfaces/interface[id=1]"))).unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = Pattern::new(None, Some(&path("fathom:/qos"))).unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = Pattern::new(None, Some(&path("vendor:/interfaces"))).unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("vendor"));
    let mut prefix = path("openconfig:/interfaces");
    prefix.origin = "fathom".into();
    assert!(Pattern::new(Some(&prefix), Some(&path("openconfig:/state"))).is_err());
}

#[test]
fn prefix_elements_come_first() {
    let prefix = path("/interfaces/interface[name=eth2]");
    let p = Pattern::new(Some(&prefix), Some(&path("state/oper-status"))).unwrap();
    let got = leaves::collect(&leaf1(), &p);
    assert_eq!(got.len(), 1);
    assert_eq!(leaf_key(&got[0].path), "interfaces/interface[name=eth2]/state/oper-status");
    assert_eq!(got[0].value, Value::Str("UP".into()));
}

/// Name-and-key-name shape of a leaf path, in the schema's template syntax.
fn shape(l: &leaves::Leaf) -> String {
    let parts: Vec<String> = l
        .path
        .iter()
        .map(|e| match &e.key {
            Some((k, _)) => format!("{}[{k}]", e.name),
            None => e.name.to_string(),
        })
        .collect();
    parts.join("/")
}

#[test]
fn the_walk_produces_exactly_the_schema() {
    for (root, templates) in [("/", schema::OPENCONFIG), ("fathom:/", schema::FATHOM)] {
        let walked: BTreeSet<String> = leaves::collect(&leaf1(), &pattern(root)).iter().map(shape).collect();
        let declared: BTreeSet<String> = templates.iter().map(|s| s.to_string()).collect();
        assert_eq!(walked, declared, "origin {root}");
    }
}

#[test]
fn encodings() {
    let proto = encode::typed_value(&Value::Uint(42), Encoding::Proto);
    assert_eq!(proto.value, Some(Tv::UintVal(42)));
    let json = encode::typed_value(&Value::Uint(42), Encoding::JsonIetf);
    assert_eq!(json.value, Some(Tv::JsonIetfVal(b"\"42\"".to_vec())));
    let s = encode::typed_value(&Value::Str("a\"b".into()), Encoding::JsonIetf);
    assert_eq!(s.value, Some(Tv::JsonIetfVal(br#""a\"b""#.to_vec())));
    assert_eq!(leaves::port_speed(400_000_000_000), "openconfig-if-ethernet:SPEED_400GB");
    assert_eq!(leaves::port_speed(123), "openconfig-if-ethernet:SPEED_UNKNOWN");
    assert_eq!(Encoding::from_wire(3).unwrap_err().code(), Code::Unimplemented);
    assert_eq!(Encoding::from_wire(99).unwrap_err().code(), Code::InvalidArgument);
}

#[test]
fn notifications_are_chunked_and_carry_target_and_origin() {
    let p = pattern("/interfaces");
    let leaf = &leaves::collect(&leaf1(), &p)[0];
    let updates = vec![encode::update(leaf, Encoding::Proto); encode::MAX_UPDATES_PER_NOTIFICATION + 1];
    let batch = encode::Batch { updates, deletes: vec![encode::path(&leaf.path)] };
    let notes = encode::notifications("leaf1", "openconfig", 7, batch);
    assert_eq!(notes.len(), 3);
    assert_eq!(notes[0].update.len(), encode::MAX_UPDATES_PER_NOTIFICATION);
    assert_eq!(notes[2].delete.len(), 1);
    let prefix = notes[0].prefix.as_ref().unwrap();
    assert_eq!((prefix.target.as_str(), prefix.origin.as_str(), notes[0].timestamp), ("leaf1", "openconfig", 7));
}
