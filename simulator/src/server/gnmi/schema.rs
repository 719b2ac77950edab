//! Every leaf path the target serves, per origin, as templates (`list[key]` names the list's key). Requests are
//! validated against these; a unit test checks that the leaf walk (`leaves.rs`) produces exactly these shapes.
//! `simulator/GNMI.md` documents the same list for users.

use std::sync::OnceLock;

use super::path::{Origin, PatElem};

/// OpenConfig leaves (origin `""` or `openconfig`).
pub const OPENCONFIG: &[&str] = &[
    "interfaces/interface[name]/state/oper-status",
    "interfaces/interface[name]/state/admin-status",
    "interfaces/interface[name]/state/ifindex",
    "interfaces/interface[name]/state/counters/in-octets",
    "interfaces/interface[name]/state/counters/out-octets",
    "interfaces/interface[name]/state/counters/in-pkts",
    "interfaces/interface[name]/state/counters/out-pkts",
    "interfaces/interface[name]/state/counters/in-discards",
    "interfaces/interface[name]/state/counters/out-discards",
    "interfaces/interface[name]/state/counters/in-errors",
    "interfaces/interface[name]/state/counters/out-errors",
    "interfaces/interface[name]/ethernet/state/port-speed",
    "interfaces/interface[name]/ethernet/state/counters/in-mac-pause-frames",
    "interfaces/interface[name]/ethernet/state/counters/out-mac-pause-frames",
    "qos/interfaces/interface[interface-id]/output/queues/queue[name]/state/transmit-octets",
    "qos/interfaces/interface[interface-id]/output/queues/queue[name]/state/transmit-pkts",
    "qos/interfaces/interface[interface-id]/output/queues/queue[name]/state/dropped-pkts",
    "qos/interfaces/interface[interface-id]/output/queues/queue[name]/state/max-queue-len",
    "qos/interfaces/interface[interface-id]/output/queues/queue[name]/state/ecn-marked-pkts",
    "lldp/interfaces/interface[name]/neighbors/neighbor[id]/state/system-name",
    "lldp/interfaces/interface[name]/neighbors/neighbor[id]/state/port-id",
    "network-instances/network-instance[name]/afts/ipv4-unicast/ipv4-entry[prefix]/state/counters/octets-forwarded",
    "network-instances/network-instance[name]/afts/ipv4-unicast/ipv4-entry[prefix]/state/counters/packets-forwarded",
];

/// Fathom-specific leaves (origin `fathom`).
pub const FATHOM: &[&str] = &[
    "interfaces/interface[name]/pfc/priority[id]/state/rx-pause-frames",
    "interfaces/interface[name]/pfc/priority[id]/state/tx-pause-frames",
    "interfaces/interface[name]/pfc/priority[id]/state/rx-pause-duration-us",
    "wcmp/groups/group[prefix]/slots/slot[id]/state/next-hop",
    "wcmp/groups/group[prefix]/slots/slot[id]/state/octets",
];

/// One parsed template element: name and optional key name.
type TplElem = (&'static str, Option<&'static str>);

fn parse(t: &'static str) -> Vec<TplElem> {
    t.split('/')
        .map(|e| match e.split_once('[') {
            Some((name, key)) => (name, Some(key.trim_end_matches(']'))),
            None => (e, None),
        })
        .collect()
}

fn templates(origin: Origin) -> &'static [Vec<TplElem>] {
    static OC: OnceLock<Vec<Vec<TplElem>>> = OnceLock::new();
    static FT: OnceLock<Vec<Vec<TplElem>>> = OnceLock::new();
    match origin {
        Origin::OpenConfig => OC.get_or_init(|| OPENCONFIG.iter().copied().map(parse).collect()),
        Origin::Fathom => FT.get_or_init(|| FATHOM.iter().copied().map(parse).collect()),
    }
}

/// Whether at least one served leaf lies at or below `pat` (names, wildcards and key names are checked).
pub fn serves(origin: Origin, pat: &[PatElem]) -> bool {
    templates(origin).iter().any(|t| fits(pat, t))
}

fn fits(pat: &[PatElem], tpl: &[TplElem]) -> bool {
    match pat.split_first() {
        None => true,
        Some((PatElem::AnyDepth, rest)) => (0..=tpl.len()).any(|i| fits(rest, &tpl[i..])),
        Some((PatElem::Named { name, keys }, rest)) => match tpl.split_first() {
            None => false,
            Some(((tname, tkey), tail)) => {
                (name == "*" || name == tname) && keys.keys().all(|k| Some(k.as_str()) == *tkey) && fits(rest, tail)
            }
        },
    }
}

/// A short list of the served subtrees, for error messages.
pub fn roots_help() -> &'static str {
    "/interfaces, /qos/interfaces, /lldp/interfaces, /network-instances/network-instance[name=default]/afts \
     (origin \"\" or openconfig); fathom:/interfaces/interface/pfc, fathom:/wcmp/groups (see GNMI.md)"
}
