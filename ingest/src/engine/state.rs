//! Per-source (per-target) state the engine keeps: interfaces with their counters, queues, PFC priorities and
//! LLDP neighbor; AFT entries; WCMP slots. Updated in place, one leaf at a time.

use std::collections::HashMap;
use std::sync::Arc;

use super::counter::{Counter, Observed};
use crate::telemetry::{AftLeaf, IfLeaf, LldpLeaf, PfcLeaf, QueueLeaf, SlotLeaf, Value};

/// Fast, non-cryptographic hashing: keys come from the fabric's own names.
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Slot ids at or above this are ignored (switch group tables hold at most a few thousand slots).
pub(crate) const MAX_SLOTS: usize = 1 << 16;

/// One source: a gNMI target (a switch).
#[derive(Debug, Default)]
pub(crate) struct Source {
    pub name: Arc<str>,
    pub endpoint: u32,
    /// The subscription session the data comes from; a newer session rebases every counter.
    pub session: u64,
    /// Bumped on every rebase (new session, return from silence); counters from older epochs have no rate.
    pub epoch: u32,
    /// `now` when the last batch arrived, if any did.
    pub last_arrival_ns: Option<i64>,
    /// Latest notification timestamp.
    pub last_timestamp_ns: i64,
    /// The stream carrying this source is down (set by `StreamDown`, cleared by data).
    pub disconnected: bool,
    /// Whether the last staleness check found it stale (to count transitions).
    pub stale: bool,
    /// Updates applied from it.
    pub updates: u64,
    /// Times its data resumed on a new subscription session after the first one.
    pub reconnects: u64,
    pub interfaces: Map<Arc<str>, Interface>,
    pub aft: Map<Arc<str>, [Counter; 2]>,
    pub wcmp: Map<Arc<str>, Vec<Slot>>,
}

#[derive(Debug, Default)]
pub(crate) struct Interface {
    pub oper_up: Option<bool>,
    pub admin_up: Option<bool>,
    pub speed_bps: Option<u64>,
    pub ifindex: Option<u64>,
    pub counters: [Counter; IfLeaf::COUNTERS],
    pub queues: Vec<Queue>,
    pub pfc: Vec<Pfc>,
    pub neighbor: Option<Neighbor>,
}

#[derive(Debug, Default)]
pub(crate) struct Queue {
    pub name: String,
    /// Transmit octets, transmit pkts, dropped pkts, ECN-marked pkts.
    pub counters: [Counter; 4],
    pub max_len: Option<u64>,
}

#[derive(Debug, Default)]
pub(crate) struct Pfc {
    pub priority: u8,
    /// Rx pause frames, tx pause frames, rx pause duration (µs).
    pub counters: [Counter; 3],
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Neighbor {
    pub id: Arc<str>,
    pub system_name: Option<Arc<str>>,
    pub port_id: Option<Arc<str>>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Slot {
    pub next_hop: Option<Arc<str>>,
    pub octets: Counter,
}

/// Everything one counter observation needs besides the counter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Obs {
    pub ts_ns: i64,
    pub now_ns: i64,
    pub epoch: u32,
    pub max_rate: f64,
}

impl Obs {
    pub fn counter(&self, c: &mut Counter, v: &Value) -> Option<Observed> {
        match v {
            Value::Uint(u) => Some(c.observe(self.ts_ns, *u, self.now_ns, self.epoch, self.max_rate)),
            _ => None,
        }
    }
}

fn up(v: &Value) -> Option<bool> {
    match v {
        Value::Text(s) => Some(s == "UP"),
        _ => None,
    }
}

/// `openconfig-if-ethernet:SPEED_400GB` -> 400e9 (`None` for `SPEED_UNKNOWN` and anything unparsable).
pub(crate) fn speed_bps(identity: &str) -> Option<u64> {
    let s = identity.rsplit(':').next()?.strip_prefix("SPEED_")?;
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let mult = match unit {
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        _ => return None,
    };
    n.parse::<u64>().ok()?.checked_mul(mult)
}

impl Interface {
    pub fn apply(&mut self, leaf: IfLeaf, v: &Value, obs: &Obs) -> Option<Observed> {
        if let Some(i) = leaf.counter_index() {
            return obs.counter(&mut self.counters[i], v);
        }
        match (leaf, v) {
            (IfLeaf::OperStatus, v) => self.oper_up = up(v),
            (IfLeaf::AdminStatus, v) => self.admin_up = up(v),
            (IfLeaf::PortSpeed, Value::Text(s)) => self.speed_bps = speed_bps(s),
            (IfLeaf::Ifindex, Value::Uint(u)) => self.ifindex = Some(*u),
            (IfLeaf::PortSpeed, _) => self.speed_bps = None,
            _ => self.ifindex = None,
        }
        None
    }

    pub fn apply_queue(&mut self, queue: &str, leaf: QueueLeaf, v: &Value, obs: &Obs) -> Option<Observed> {
        let q = match self.queues.iter().position(|q| q.name == queue) {
            Some(i) => &mut self.queues[i],
            None => {
                self.queues.push(Queue { name: queue.to_string(), ..Queue::default() });
                self.queues.last_mut()?
            }
        };
        let i = match leaf {
            QueueLeaf::TransmitOctets => 0,
            QueueLeaf::TransmitPkts => 1,
            QueueLeaf::DroppedPkts => 2,
            QueueLeaf::EcnMarkedPkts => 3,
            QueueLeaf::MaxQueueLen => {
                q.max_len = if let Value::Uint(u) = v { Some(*u) } else { None };
                return None;
            }
        };
        obs.counter(&mut q.counters[i], v)
    }

    pub fn apply_pfc(&mut self, priority: u8, leaf: PfcLeaf, v: &Value, obs: &Obs) -> Option<Observed> {
        let p = match self.pfc.iter().position(|p| p.priority == priority) {
            Some(i) => &mut self.pfc[i],
            None => {
                self.pfc.push(Pfc { priority, ..Pfc::default() });
                self.pfc.last_mut()?
            }
        };
        obs.counter(&mut p.counters[leaf as usize], v)
    }

    pub fn apply_lldp(&mut self, id: &str, leaf: LldpLeaf, v: &Value) {
        let Value::Text(s) = v else {
            // A delete of any of its leaves removes the neighbor (a link down loses the adjacency).
            self.neighbor = None;
            return;
        };
        let n = match &mut self.neighbor {
            Some(n) if &*n.id == id => n,
            other => other.insert(Neighbor { id: Arc::from(id), system_name: None, port_id: None }),
        };
        let field = match leaf {
            LldpLeaf::SystemName => &mut n.system_name,
            LldpLeaf::PortId => &mut n.port_id,
        };
        if field.as_deref() != Some(s.as_str()) {
            *field = Some(Arc::from(s.as_str()));
        }
    }
}

impl Source {
    pub fn apply_aft(&mut self, prefix: &str, leaf: AftLeaf, v: &Value, obs: &Obs) -> Option<Observed> {
        if !self.aft.contains_key(prefix) {
            self.aft.insert(Arc::from(prefix), Default::default());
        }
        let c = self.aft.get_mut(prefix)?;
        obs.counter(&mut c[leaf as usize], v)
    }

    pub fn apply_slot(&mut self, prefix: &str, slot: u32, leaf: SlotLeaf, v: &Value, obs: &Obs) -> Option<Observed> {
        if !self.wcmp.contains_key(prefix) {
            self.wcmp.insert(Arc::from(prefix), Vec::new());
        }
        let slots = self.wcmp.get_mut(prefix)?;
        let i = slot as usize;
        if i >= MAX_SLOTS {
            return None;
        }
        if slots.len() <= i {
            slots.resize(i + 1, Slot::default());
        }
        match (leaf, v) {
            (SlotLeaf::Octets, v) => obs.counter(&mut slots[i].octets, v),
            (SlotLeaf::NextHop, Value::Text(s)) => {
                if slots[i].next_hop.as_deref() != Some(s.as_str()) {
                    slots[i].next_hop = Some(Arc::from(s.as_str()));
                }
                None
            }
            (SlotLeaf::NextHop, _) => {
                slots[i].next_hop = None;
                None
            }
        }
    }

    /// The interface `name`, created on first sight.
    pub fn interface(&mut self, name: &str) -> &mut Interface {
        if !self.interfaces.contains_key(name) {
            self.interfaces.insert(Arc::from(name), Interface::default());
        }
        self.interfaces.get_mut(name).expect("inserted above")
    }
}
