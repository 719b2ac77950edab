//! gNMI paths to [`Leaf`]s: the served OpenConfig and `fathom` leaves are recognised by their element names; list
//! keys are moved (not copied) out of the decoded message. Anything else is `None` (counted by the caller).

use fathom_proto::gnmi::PathElem;

use crate::telemetry::{AftLeaf, IfLeaf, Leaf, LldpLeaf, PfcLeaf, QueueLeaf, SlotLeaf};

/// The schema a path's origin selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    OpenConfig,
    Fathom,
}

impl Origin {
    pub fn parse(origin: &str) -> Option<Origin> {
        match origin {
            "" | "openconfig" => Some(Origin::OpenConfig),
            "fathom" => Some(Origin::Fathom),
            _ => None,
        }
    }
}

/// The leaf named by `elems` (the full path from the root), taking its list keys.
pub fn leaf(origin: Origin, elems: &mut [PathElem]) -> Option<Leaf> {
    match (origin, name(elems, 0)) {
        (Origin::OpenConfig, "interfaces") => interface(elems),
        (Origin::OpenConfig, "qos") => queue(elems),
        (Origin::OpenConfig, "lldp") => lldp(elems),
        (Origin::OpenConfig, "network-instances") => aft(elems),
        (Origin::Fathom, "interfaces") => pfc(elems),
        (Origin::Fathom, "wcmp") => slot(elems),
        _ => None,
    }
}

/// Element `i`'s name, `""` past the end (no served element has an empty name).
fn name(e: &[PathElem], i: usize) -> &str {
    e.get(i).map_or("", |e| e.name.as_str())
}

fn key(e: &mut [PathElem], i: usize, k: &str) -> Option<String> {
    e.get_mut(i)?.key.remove(k)
}

fn interface(e: &mut [PathElem]) -> Option<Leaf> {
    if name(e, 1) != "interface" {
        return None;
    }
    let leaf = match (name(e, 2), name(e, 3), name(e, 4), name(e, 5)) {
        ("state", "counters", c, "") => if_counter(c)?,
        ("state", s, "", "") => if_state(s)?,
        ("ethernet", "state", "port-speed", "") => IfLeaf::PortSpeed,
        ("ethernet", "state", "counters", "in-mac-pause-frames") if e.len() == 6 => IfLeaf::InMacPause,
        ("ethernet", "state", "counters", "out-mac-pause-frames") if e.len() == 6 => IfLeaf::OutMacPause,
        _ => return None,
    };
    Some(Leaf::Interface { name: key(e, 1, "name")?, leaf })
}

fn if_counter(c: &str) -> Option<IfLeaf> {
    Some(match c {
        "in-octets" => IfLeaf::InOctets,
        "out-octets" => IfLeaf::OutOctets,
        "in-pkts" => IfLeaf::InPkts,
        "out-pkts" => IfLeaf::OutPkts,
        "in-discards" => IfLeaf::InDiscards,
        "out-discards" => IfLeaf::OutDiscards,
        "in-errors" => IfLeaf::InErrors,
        "out-errors" => IfLeaf::OutErrors,
        _ => return None,
    })
}

fn if_state(s: &str) -> Option<IfLeaf> {
    Some(match s {
        "oper-status" => IfLeaf::OperStatus,
        "admin-status" => IfLeaf::AdminStatus,
        "ifindex" => IfLeaf::Ifindex,
        _ => return None,
    })
}

/// `qos/interfaces/interface[interface-id]/output/queues/queue[name]/state/<leaf>`
fn queue(e: &mut [PathElem]) -> Option<Leaf> {
    let shape = ["qos", "interfaces", "interface", "output", "queues", "queue", "state"];
    if e.len() != 8 || !shape.iter().enumerate().all(|(i, n)| name(e, i) == *n) {
        return None;
    }
    let leaf = match name(e, 7) {
        "transmit-octets" => QueueLeaf::TransmitOctets,
        "transmit-pkts" => QueueLeaf::TransmitPkts,
        "dropped-pkts" => QueueLeaf::DroppedPkts,
        "ecn-marked-pkts" => QueueLeaf::EcnMarkedPkts,
        "max-queue-len" => QueueLeaf::MaxQueueLen,
        _ => return None,
    };
    Some(Leaf::Queue { interface: key(e, 2, "interface-id")?, queue: key(e, 5, "name")?, leaf })
}

/// `lldp/interfaces/interface[name]/neighbors/neighbor[id]/state/<leaf>`; a delete may stop at the neighbor.
fn lldp(e: &mut [PathElem]) -> Option<Leaf> {
    let shape = ["lldp", "interfaces", "interface", "neighbors", "neighbor"];
    if e.len() < 5 || !shape.iter().enumerate().all(|(i, n)| name(e, i) == *n) {
        return None;
    }
    let leaf = match (name(e, 5), name(e, 6), e.len()) {
        ("state", "system-name", 7) => LldpLeaf::SystemName,
        ("state", "port-id", 7) | ("", "", 5) | ("state", "", 6) => LldpLeaf::PortId,
        _ => return None,
    };
    Some(Leaf::Lldp { interface: key(e, 2, "name")?, neighbor: key(e, 4, "id")?, leaf })
}

/// `network-instances/network-instance[name]/afts/ipv4-unicast/ipv4-entry[prefix]/state/counters/<leaf>`
fn aft(e: &mut [PathElem]) -> Option<Leaf> {
    let shape = ["network-instances", "network-instance", "afts", "ipv4-unicast", "ipv4-entry", "state", "counters"];
    if e.len() != 8 || !shape.iter().enumerate().all(|(i, n)| name(e, i) == *n) {
        return None;
    }
    let leaf = match name(e, 7) {
        "octets-forwarded" => AftLeaf::OctetsForwarded,
        "packets-forwarded" => AftLeaf::PacketsForwarded,
        _ => return None,
    };
    Some(Leaf::Aft { prefix: key(e, 4, "prefix")?, leaf })
}

/// `fathom:/interfaces/interface[name]/pfc/priority[id]/state/<leaf>`
fn pfc(e: &mut [PathElem]) -> Option<Leaf> {
    let shape = ["interfaces", "interface", "pfc", "priority", "state"];
    if e.len() != 6 || !shape.iter().enumerate().all(|(i, n)| name(e, i) == *n) {
        return None;
    }
    let leaf = match name(e, 5) {
        "rx-pause-frames" => PfcLeaf::RxPauseFrames,
        "tx-pause-frames" => PfcLeaf::TxPauseFrames,
        "rx-pause-duration-us" => PfcLeaf::RxPauseDurationUs,
        _ => return None,
    };
    let priority = key(e, 3, "id")?.parse().ok()?;
    Some(Leaf::Pfc { interface: key(e, 1, "name")?, priority, leaf })
}

/// `fathom:/wcmp/groups/group[prefix]/slots/slot[id]/state/<leaf>`
fn slot(e: &mut [PathElem]) -> Option<Leaf> {
    let shape = ["wcmp", "groups", "group", "slots", "slot", "state"];
    if e.len() != 7 || !shape.iter().enumerate().all(|(i, n)| name(e, i) == *n) {
        return None;
    }
    let leaf = match name(e, 6) {
        "next-hop" => SlotLeaf::NextHop,
        "octets" => SlotLeaf::Octets,
        _ => return None,
    };
    let slot = key(e, 4, "id")?.parse().ok()?;
    Some(Leaf::Slot { prefix: key(e, 2, "prefix")?, slot, leaf })
}
