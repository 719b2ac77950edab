//! gNMI paths to [`Leaf`]s: the served OpenConfig and `fathom` leaves are recognised by their element names, over
//! elements borrowed from the wire buffer ([`ElemRef`]); only the list keys a leaf keeps are copied. Anything else
//! is `None` (counted by the caller).

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

/// Most list keys one element may have (served lists have one).
const MAX_KEYS: usize = 1;
/// Most elements a path may have (served leaves have at most 8).
const MAX_ELEMS: usize = 9;

/// One path element, borrowed. Names and keys stay bytes: only the keys a leaf keeps are checked as UTF-8.
#[derive(Debug, Clone, Copy, Default)]
pub struct ElemRef<'a> {
    pub name: &'a [u8],
    keys: [(&'a [u8], &'a [u8]); MAX_KEYS],
    nkeys: usize,
}

impl<'a> ElemRef<'a> {
    #[cfg(test)]
    pub fn new(name: &'a str) -> Self {
        ElemRef { name: name.as_bytes(), ..ElemRef::default() }
    }

    /// Adds a key; false when the element has too many to be a served one.
    pub fn push_key(&mut self, k: &'a [u8], v: &'a [u8]) -> bool {
        let Some(slot) = self.keys.get_mut(self.nkeys) else { return false };
        *slot = (k, v);
        self.nkeys += 1;
        true
    }

    fn key(&self, k: &str) -> Option<&'a str> {
        let v = self.keys[..self.nkeys].iter().find(|(name, _)| *name == k.as_bytes()).map(|(_, v)| *v)?;
        std::str::from_utf8(v).ok()
    }
}

/// A path's elements (prefix elements first) on the stack; `overflow` when the path cannot be a served leaf.
#[derive(Debug, Clone, Copy, Default)]
pub struct Elems<'a> {
    items: [ElemRef<'a>; MAX_ELEMS],
    len: usize,
    pub overflow: bool,
}

impl<'a> Elems<'a> {
    pub fn push(&mut self, e: ElemRef<'a>) {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = e;
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }

    pub fn as_slice(&self) -> &[ElemRef<'a>] {
        &self.items[..self.len]
    }
}

/// The leaf named by `elems` (the full path from the root).
pub fn leaf(origin: Origin, elems: &Elems<'_>) -> Option<Leaf> {
    if elems.overflow {
        return None;
    }
    let elems = elems.as_slice();
    match (origin, name(elems, 0)) {
        (Origin::OpenConfig, b"interfaces") => interface(elems),
        (Origin::OpenConfig, b"qos") => queue(elems),
        (Origin::OpenConfig, b"lldp") => lldp(elems),
        (Origin::OpenConfig, b"network-instances") => aft(elems),
        (Origin::Fathom, b"interfaces") => pfc(elems),
        (Origin::Fathom, b"wcmp") => slot(elems),
        _ => None,
    }
}

/// Element `i`'s name, `""` past the end (no served element has an empty name).
fn name<'a>(e: &[ElemRef<'a>], i: usize) -> &'a [u8] {
    e.get(i).map_or(b"", |e| e.name)
}

fn key(e: &[ElemRef<'_>], i: usize, k: &str) -> Option<String> {
    e.get(i)?.key(k).map(str::to_string)
}

fn interface(e: &[ElemRef<'_>]) -> Option<Leaf> {
    if name(e, 1) != b"interface" {
        return None;
    }
    let leaf = match (name(e, 2), name(e, 3), name(e, 4), name(e, 5)) {
        (b"state", b"counters", c, b"") => if_counter(c)?,
        (b"state", s, b"", b"") => if_state(s)?,
        (b"ethernet", b"state", b"port-speed", b"") => IfLeaf::PortSpeed,
        (b"ethernet", b"state", b"counters", b"in-mac-pause-frames") if e.len() == 6 => IfLeaf::InMacPause,
        (b"ethernet", b"state", b"counters", b"out-mac-pause-frames") if e.len() == 6 => IfLeaf::OutMacPause,
        _ => return None,
    };
    Some(Leaf::Interface { name: key(e, 1, "name")?, leaf })
}

fn if_counter(c: &[u8]) -> Option<IfLeaf> {
    Some(match c {
        b"in-octets" => IfLeaf::InOctets,
        b"out-octets" => IfLeaf::OutOctets,
        b"in-pkts" => IfLeaf::InPkts,
        b"out-pkts" => IfLeaf::OutPkts,
        b"in-discards" => IfLeaf::InDiscards,
        b"out-discards" => IfLeaf::OutDiscards,
        b"in-errors" => IfLeaf::InErrors,
        b"out-errors" => IfLeaf::OutErrors,
        _ => return None,
    })
}

fn if_state(s: &[u8]) -> Option<IfLeaf> {
    Some(match s {
        b"oper-status" => IfLeaf::OperStatus,
        b"admin-status" => IfLeaf::AdminStatus,
        b"ifindex" => IfLeaf::Ifindex,
        _ => return None,
    })
}

/// `qos/interfaces/interface[interface-id]/output/queues/queue[name]/state/<leaf>`
fn queue(e: &[ElemRef<'_>]) -> Option<Leaf> {
    let shape = ["qos", "interfaces", "interface", "output", "queues", "queue", "state"];
    if e.len() != 8 || !shape.iter().enumerate().all(|(i, n)| name(e, i) == n.as_bytes()) {
        return None;
    }
    let leaf = match name(e, 7) {
        b"transmit-octets" => QueueLeaf::TransmitOctets,
        b"transmit-pkts" => QueueLeaf::TransmitPkts,
        b"dropped-pkts" => QueueLeaf::DroppedPkts,
        b"ecn-marked-pkts" => QueueLeaf::EcnMarkedPkts,
        b"max-queue-len" => QueueLeaf::MaxQueueLen,
        _ => return None,
    };
    Some(Leaf::Queue { interface: key(e, 2, "interface-id")?, queue: key(e, 5, "name")?, leaf })
}

/// `lldp/interfaces/interface[name]/neighbors/neighbor[id]/state/<leaf>`; a delete may stop at the neighbor.
fn lldp(e: &[ElemRef<'_>]) -> Option<Leaf> {
    let shape = ["lldp", "interfaces", "interface", "neighbors", "neighbor"];
    if e.len() < 5 || !shape.iter().enumerate().all(|(i, n)| name(e, i) == n.as_bytes()) {
        return None;
    }
    let leaf = match (name(e, 5), name(e, 6), e.len()) {
        (b"state", b"system-name", 7) => LldpLeaf::SystemName,
        (b"state", b"port-id", 7) | (b"", b"", 5) | (b"state", b"", 6) => LldpLeaf::PortId,
        _ => return None,
    };
    Some(Leaf::Lldp { interface: key(e, 2, "name")?, neighbor: key(e, 4, "id")?, leaf })
}

/// `network-instances/network-instance[name]/afts/ipv4-unicast/ipv4-entry[prefix]/state/counters/<leaf>`
fn aft(e: &[ElemRef<'_>]) -> Option<Leaf> {
    let shape = ["network-instances", "network-instance", "afts", "ipv4-unicast", "ipv4-entry", "state", "counters"];
    if e.len() != 8 || !shape.iter().enumerate().all(|(i, n)| name(e, i) == n.as_bytes()) {
        return None;
    }
    let leaf = match name(e, 7) {
        b"octets-forwarded" => AftLeaf::OctetsForwarded,
        b"packets-forwarded" => AftLeaf::PacketsForwarded,
        _ => return None,
    };
    Some(Leaf::Aft { prefix: key(e, 4, "prefix")?, leaf })
}

/// `fathom:/interfaces/interface[name]/pfc/priority[id]/state/<leaf>`
fn pfc(e: &[ElemRef<'_>]) -> Option<Leaf> {
    let shape = ["interfaces", "interface", "pfc", "priority", "state"];
    if e.len() != 6 || !shape.iter().enumerate().all(|(i, n)| name(e, i) == n.as_bytes()) {
        return None;
    }
    let leaf = match name(e, 5) {
        b"rx-pause-frames" => PfcLeaf::RxPauseFrames,
        b"tx-pause-frames" => PfcLeaf::TxPauseFrames,
        b"rx-pause-duration-us" => PfcLeaf::RxPauseDurationUs,
        _ => return None,
    };
    let priority = e.get(3)?.key("id")?.parse().ok()?;
    Some(Leaf::Pfc { interface: key(e, 1, "name")?, priority, leaf })
}

/// `fathom:/wcmp/groups/group[prefix]/slots/slot[id]/state/<leaf>`
fn slot(e: &[ElemRef<'_>]) -> Option<Leaf> {
    let shape = ["wcmp", "groups", "group", "slots", "slot", "state"];
    if e.len() != 7 || !shape.iter().enumerate().all(|(i, n)| name(e, i) == n.as_bytes()) {
        return None;
    }
    let leaf = match name(e, 6) {
        b"next-hop" => SlotLeaf::NextHop,
        b"octets" => SlotLeaf::Octets,
        _ => return None,
    };
    let slot = e.get(4)?.key("id")?.parse().ok()?;
    Some(Leaf::Slot { prefix: key(e, 2, "prefix")?, slot, leaf })
}
