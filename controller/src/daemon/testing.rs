//! Test fixtures shared by the daemon's unit tests.

use fathom_ingest::{IngestSnapshot, InterfaceView, NeighborView, SlotLoad};

/// leaf1 -> 4 spines -> leaf2; leaf1's 16-slot table for leaf2's prefix has 4 loaded slots, all on Ethernet1.
pub fn snapshot() -> IngestSnapshot {
    let mut s = IngestSnapshot::default();
    let iface = |sw: &str, i: &str, util: f64| InterfaceView {
        switch: sw.into(),
        interface: i.into(),
        oper_up: Some(true),
        speed_bps: Some(400_000_000_000),
        out_utilization: Some(util),
        ..Default::default()
    };
    let nb = |sw: &str, i: &str, peer: &str, port: &str| NeighborView {
        switch: sw.into(),
        interface: i.into(),
        system_name: peer.into(),
        port_id: port.into(),
        ..Default::default()
    };
    for k in 1..=4 {
        let e = format!("Ethernet{k}");
        let spine = format!("spine{k}");
        s.interfaces.push(iface("leaf1", &e, if k == 1 { 1.0 } else { 0.0 }));
        s.neighbors.push(nb("leaf1", &e, &spine, "Ethernet1"));
        s.interfaces.push(iface(&spine, "Ethernet2", if k == 1 { 1.0 } else { 0.0 }));
        s.neighbors.push(nb(&spine, "Ethernet2", "leaf2", &e));
        s.slots.push(SlotLoad {
            switch: spine.as_str().into(),
            prefix: "10.0.2.0/24".into(),
            slot: 0,
            next_hop: Some("Ethernet2".into()),
            bps: Some(0.0),
            stale: false,
        });
    }
    for slot in 0..16u32 {
        let loaded = slot % 4 == 0;
        let nh = if loaded { 1 } else { 1 + slot % 4 };
        s.slots.push(SlotLoad {
            switch: "leaf1".into(),
            prefix: "10.0.2.0/24".into(),
            slot,
            next_hop: Some(format!("Ethernet{nh}").into()),
            bps: Some(if loaded { 100e9 } else { 0.0 }),
            stale: false,
        });
    }
    s
}
