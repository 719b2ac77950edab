//! A small hand-built fabric snapshot and a text-to-`gnmi::Path` helper.

use std::collections::BTreeMap;

use fathom_proto::gnmi;

use crate::telemetry::*;

pub fn interface(name: &str, ifindex: u32, base: u64, neighbor: Option<(&str, &str)>) -> InterfaceTelemetry {
    InterfaceTelemetry {
        name: name.into(),
        ifindex,
        oper_up: true,
        admin_up: true,
        speed_bps: 400_000_000_000,
        in_octets: base,
        out_octets: base + 1,
        in_pkts: base + 2,
        out_pkts: base + 3,
        in_discards: 4,
        out_discards: 5,
        in_errors: 6,
        out_errors: 7,
        in_pause_frames: 8,
        out_pause_frames: 9,
        pfc: vec![PfcCounters { priority: 3, rx_pause_frames: 10, tx_pause_frames: 11, rx_pause_duration_us: 12 }],
        queues: vec![
            QueueTelemetry { name: "lossless".into(), transmit_octets: 13, transmit_pkts: 14, ..Default::default() },
            QueueTelemetry { name: "lossy".into(), dropped_pkts: 15, ecn_marked_pkts: 16, ..Default::default() },
        ],
        lldp: neighbor.map(|(sys, port)| LldpNeighbor {
            id: format!("{sys}-id"),
            system_name: sys.into(),
            port_id: port.into(),
        }),
    }
}

pub fn leaf1() -> SwitchTelemetry {
    SwitchTelemetry {
        name: "leaf1".into(),
        role: "leaf".into(),
        up: true,
        interfaces: vec![
            interface("eth1", 1, 1000, Some(("spine1", "eth1"))),
            interface("eth2", 2, 2000, Some(("spine2", "eth1"))),
        ],
        aft: vec![AftEntry { prefix: "10.0.2.0/24".into(), octets_forwarded: 500, packets_forwarded: 5 }],
        wcmp: vec![WcmpGroupTelemetry {
            prefix: "10.0.2.0/24".into(),
            slots: vec![
                WcmpSlotTelemetry { slot: 0, next_hop: "eth1".into(), octets: 300 },
                WcmpSlotTelemetry { slot: 1, next_hop: "eth2".into(), octets: 200 },
            ],
        }],
    }
}

pub fn snapshot() -> TelemetrySnapshot {
    let spine1 = SwitchTelemetry {
        name: "spine1".into(),
        role: "spine".into(),
        up: true,
        interfaces: vec![interface("eth1", 1, 7000, Some(("leaf1", "eth1")))],
        ..Default::default()
    };
    let spine2 = SwitchTelemetry { name: "spine2".into(), role: "spine".into(), up: false, ..Default::default() };
    TelemetrySnapshot {
        sim_time_ns: 1_000_000,
        timestamp_ns: 1_700_000_000_001_000_000,
        switches: vec![leaf1(), spine1, spine2],
    }
}

/// `origin:/a/b[k=v]/c` to a path; `/` inside brackets belongs to the key value.
pub fn path(text: &str) -> gnmi::Path {
    let (origin, rest) = match text.split_once(":/") {
        Some((o, r)) if !o.contains('/') && !o.contains('[') => (o, r),
        _ => ("", text.trim_start_matches('/')),
    };
    let mut elems = Vec::new();
    let (mut cur, mut depth) = (String::new(), 0);
    for c in rest.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '/' if depth == 0 => {
                elems.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        elems.push(cur);
    }
    gnmi::Path { origin: origin.into(), elem: elems.iter().map(|e| elem(e)).collect(), target: String::new() }
}

fn elem(text: &str) -> gnmi::PathElem {
    let (name, keys) = text.split_once('[').unwrap_or((text, ""));
    let mut key = BTreeMap::new();
    for kv in keys.split('[').filter(|s| !s.is_empty()) {
        let (k, v) = kv.trim_end_matches(']').split_once('=').unwrap();
        key.insert(k.to_string(), v.to_string());
    }
    gnmi::PathElem { name: name.into(), key }
}

pub fn target(name: &str) -> gnmi::Path {
    gnmi::Path { target: name.into(), ..Default::default() }
}
