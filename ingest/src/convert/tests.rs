//! Wire messages as the simulator sends them, converted to domain batches.

use std::collections::BTreeMap;

use fathom_proto::gnmi::{self, subscribe_response::Response, typed_value::Value as Tv};

use super::reference::response;
use super::*;
use crate::telemetry::{AftLeaf, PfcLeaf, QueueLeaf, SlotLeaf, Update};

/// `a/b[k=v]/c` -> path elements.
fn elems(path: &str) -> Vec<gnmi::PathElem> {
    crate::path::PathSpec::parse(path)
        .unwrap()
        .elems
        .into_iter()
        .map(|e| gnmi::PathElem { name: e.name, key: e.keys.into_iter().collect::<BTreeMap<_, _>>() })
        .collect()
}

fn update(path: &str, v: Tv) -> gnmi::Update {
    let path = gnmi::Path { elem: elems(path), ..Default::default() };
    gnmi::Update { path: Some(path), val: Some(gnmi::TypedValue { value: Some(v) }), duplicates: 0 }
}

fn note(origin: &str, updates: Vec<gnmi::Update>, delete: Vec<&str>) -> gnmi::SubscribeResponse {
    let prefix = gnmi::Path { target: "leaf1".into(), origin: origin.into(), ..Default::default() };
    let delete = delete.into_iter().map(|p| gnmi::Path { elem: elems(p), ..Default::default() }).collect();
    let n = gnmi::Notification { timestamp: 42, prefix: Some(prefix), update: updates, delete, atomic: false };
    gnmi::SubscribeResponse { response: Some(Response::Update(n)), ..Default::default() }
}

fn convert(r: gnmi::SubscribeResponse) -> (Batch, ConvertStats) {
    let mut stats = ConvertStats::default();
    match response(r, 3, 9, &mut stats) {
        Received::Batch(b) => (b, stats),
        other => panic!("not a batch: {other:?}"),
    }
}

#[test]
fn openconfig_leaves_are_classified_and_keys_moved() {
    let r = note(
        "openconfig",
        vec![
            update("interfaces/interface[name=Ethernet1]/state/counters/in-octets", Tv::UintVal(5)),
            update("interfaces/interface[name=Ethernet1]/state/oper-status", Tv::StringVal("UP".into())),
            update("interfaces/interface[name=Ethernet1]/ethernet/state/counters/in-mac-pause-frames", Tv::UintVal(1)),
            update("qos/interfaces/interface[interface-id=Ethernet1]/output/queues/queue[name=lossy]/state/ecn-marked-pkts", Tv::UintVal(2)),
            update("network-instances/network-instance[name=default]/afts/ipv4-unicast/ipv4-entry[prefix=10.0.1.0/24]/state/counters/octets-forwarded", Tv::JsonIetfVal(b"\"77\"".to_vec())),
            update("interfaces/interface[name=Ethernet1]/state/bogus", Tv::UintVal(1)),
            update("interfaces/interface[name=Ethernet1]/state/counters/in-octets", Tv::StringVal("x".into())),
        ],
        vec!["lldp/interfaces/interface[name=Ethernet2]/neighbors/neighbor[id=10.1.0.2]/state/system-name"],
    );
    let (b, stats) = convert(r);
    assert_eq!((b.endpoint, b.session, b.target.as_str(), b.timestamp_ns), (3, 9, "leaf1", 42));
    assert_eq!((stats.unknown_paths, stats.bad_values), (1, 1));
    let e1 = || "Ethernet1".to_string();
    let want = vec![
        Update { leaf: Leaf::Interface { name: e1(), leaf: IfLeaf::InOctets }, value: Value::Uint(5) },
        Update { leaf: Leaf::Interface { name: e1(), leaf: IfLeaf::OperStatus }, value: Value::Text("UP".into()) },
        Update { leaf: Leaf::Interface { name: e1(), leaf: IfLeaf::InMacPause }, value: Value::Uint(1) },
        Update {
            leaf: Leaf::Queue { interface: e1(), queue: "lossy".into(), leaf: QueueLeaf::EcnMarkedPkts },
            value: Value::Uint(2),
        },
        Update {
            leaf: Leaf::Aft { prefix: "10.0.1.0/24".into(), leaf: AftLeaf::OctetsForwarded },
            value: Value::Uint(77),
        },
        Update {
            leaf: Leaf::Lldp { interface: "Ethernet2".into(), neighbor: "10.1.0.2".into(), leaf: LldpLeaf::SystemName },
            value: Value::Deleted,
        },
    ];
    assert_eq!(b.updates, want);
}

#[test]
fn fathom_origin_leaves_are_classified() {
    let r = note(
        "fathom",
        vec![
            update("interfaces/interface[name=Ethernet1]/pfc/priority[id=3]/state/rx-pause-frames", Tv::UintVal(4)),
            update(
                "wcmp/groups/group[prefix=10.0.1.0/24]/slots/slot[id=7]/state/next-hop",
                Tv::StringVal("Ethernet3".into()),
            ),
        ],
        vec![],
    );
    let (b, _) = convert(r);
    assert_eq!(
        b.updates[0].leaf,
        Leaf::Pfc { interface: "Ethernet1".into(), priority: 3, leaf: PfcLeaf::RxPauseFrames }
    );
    assert_eq!(b.updates[1].leaf, Leaf::Slot { prefix: "10.0.1.0/24".into(), slot: 7, leaf: SlotLeaf::NextHop });
}

#[test]
fn unknown_origins_sync_and_targetless_notifications() {
    let (b, stats) = convert(note(
        "vendor-x",
        vec![update("interfaces/interface[name=e]/state/counters/in-octets", Tv::UintVal(1))],
        vec![],
    ));
    assert!(b.updates.is_empty());
    assert_eq!(stats.unknown_paths, 1);
    let mut stats = ConvertStats::default();
    let sync = gnmi::SubscribeResponse { response: Some(Response::SyncResponse(true)), ..Default::default() };
    assert_eq!(response(sync, 0, 0, &mut stats), Received::Sync);
    let mut r = note("", vec![], vec![]);
    if let Some(Response::Update(n)) = &mut r.response {
        n.prefix = None;
    }
    assert_eq!(response(r, 0, 0, &mut stats), Received::Nothing);
}

mod equivalence {
    //! The in-place decoder against the reference (prost decode + conversion) on generated messages.

    use fathom_proto::gnmi::{self, subscribe_response::Response, typed_value::Value as Tv};
    use proptest::prelude::*;
    use prost::Message;

    use super::super::{decode, reference};
    use super::elems;
    use crate::convert::ConvertStats;

    const PATHS: &[&str] = &[
        "interfaces/interface[name=E1]/state/counters/in-octets",
        "interfaces/interface[name=E2]/state/counters/out-discards",
        "interfaces/interface[name=E1]/state/oper-status",
        "interfaces/interface[name=E1]/ethernet/state/port-speed",
        "interfaces/interface[name=E1]/ethernet/state/counters/out-mac-pause-frames",
        "interfaces/interface[name=E1]/state/unknown",
        "interfaces/interface[name=E1][extra=1][more=2]/state/counters/in-octets",
        "qos/interfaces/interface[interface-id=E1]/output/queues/queue[name=lossy]/state/dropped-pkts",
        "qos/interfaces/interface[interface-id=E1]/output/queues/queue[name=lossy]/state/max-queue-len",
        "lldp/interfaces/interface[name=E3]/neighbors/neighbor[id=1.2.3.4]/state/port-id",
        "network-instances/network-instance[name=default]/afts/ipv4-unicast/ipv4-entry[prefix=10.0.0.0/24]/state/counters/octets-forwarded",
        "interfaces/interface[name=E1]/pfc/priority[id=3]/state/tx-pause-frames",
        "interfaces/interface[name=E1]/pfc/priority[id=x]/state/tx-pause-frames",
        "wcmp/groups/group[prefix=10.0.0.0/24]/slots/slot[id=5]/state/octets",
        "wcmp/groups/group[prefix=10.0.0.0/24]/slots/slot[id=5]/state/next-hop",
        "a/b/c/d/e/f/g/h/i/j/k/l/m/n",
    ];

    fn typed_value() -> impl Strategy<Value = Option<Tv>> {
        prop_oneof![
            any::<u64>().prop_map(|u| Some(Tv::UintVal(u))),
            any::<i64>().prop_map(|i| Some(Tv::IntVal(i))),
            "[A-Za-z0-9_:]{0,12}".prop_map(|s| Some(Tv::StringVal(s))),
            (0u64..1_000_000).prop_map(|u| Some(Tv::JsonIetfVal(format!("\"{u}\"").into_bytes()))),
            Just(Some(Tv::JsonVal(b"\"UP\"".to_vec()))),
            any::<bool>().prop_map(|b| Some(Tv::BoolVal(b))),
            Just(None),
        ]
    }

    fn update() -> impl Strategy<Value = gnmi::Update> {
        (0..PATHS.len(), typed_value(), prop_oneof![Just(""), Just("fathom"), Just("vendor")]).prop_map(|(i, v, o)| {
            let path = gnmi::Path { elem: elems(PATHS[i]), origin: o.into(), ..Default::default() };
            gnmi::Update { path: Some(path), val: v.map(|v| gnmi::TypedValue { value: Some(v) }), duplicates: 0 }
        })
    }

    fn response() -> impl Strategy<Value = gnmi::SubscribeResponse> {
        let prefix = (prop_oneof![Just(""), Just("leaf1")], prop_oneof![Just(""), Just("openconfig"), Just("fathom")]);
        let note = (
            any::<i64>(),
            prefix,
            proptest::collection::vec(update(), 0..12),
            proptest::collection::vec(0..PATHS.len(), 0..3),
        );
        prop_oneof![
            8 => note.prop_map(|(timestamp, (target, origin), update, del)| {
                let prefix = Some(gnmi::Path { target: target.into(), origin: origin.into(), ..Default::default() });
                let delete = del.into_iter().map(|i| gnmi::Path { elem: elems(PATHS[i]), ..Default::default() }).collect();
                let n = gnmi::Notification { timestamp, prefix, update, delete, atomic: false };
                gnmi::SubscribeResponse { response: Some(Response::Update(n)), extension: vec![] }
            }),
            1 => any::<bool>().prop_map(|b| gnmi::SubscribeResponse { response: Some(Response::SyncResponse(b)), extension: vec![] }),
        ]
    }

    proptest! {
        #[test]
        fn in_place_decoding_equals_prost_plus_conversion(r in response()) {
            let bytes = r.encode_to_vec();
            let (mut a, mut b) = (ConvertStats::default(), ConvertStats::default());
            let fast = decode::response(&bytes, 1, 2, &mut a).unwrap();
            let slow = reference::response(gnmi::SubscribeResponse::decode(bytes.as_slice()).unwrap(), 1, 2, &mut b);
            prop_assert_eq!(fast, slow);
            prop_assert_eq!(a, b);
        }

        /// Arbitrary bytes never panic the decoder (they may be rejected).
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode::response(&bytes, 0, 0, &mut ConvertStats::default());
        }
    }
}
