//! The fabric model the control loop decides on: owned by one task, fed one ingest snapshot per control round,
//! published to readers as an immutable [`ModelView`]. Pure: no IO, no clock.
//!
//! Per round it keeps a bounded history of every directed link's utilization and every WCMP slot's load, the
//! series the predictor forecasts. Stale sources' links are marked stale and excluded from decisions; their last
//! values are kept for display but never read as idle.

use std::collections::{BTreeMap, VecDeque};

use fathom_ingest::IngestSnapshot;

/// Rounds of history kept per series (enough for seasonal models to see several periods).
pub const HISTORY: usize = 256;

/// One directed link, named by its sending side (`switch:interface`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkState {
    pub peer: String,
    pub capacity_bps: f64,
    pub up: bool,
    pub stale: bool,
    /// Drained by an operator through the API.
    pub drained: bool,
    pub utilization: f64,
    pub ecn_marks_per_s: f64,
    pub pfc_pauses_per_s: f64,
    pub drops_per_s: f64,
    /// Utilization per round, oldest first (NaN where the sample was missing or stale).
    pub history: VecDeque<f64>,
    /// The last round that reported it.
    pub seen_round: u64,
}

/// Key of a WCMP slot: (switch, prefix, slot).
pub type SlotKey = (String, String, u32);

/// One WCMP hash slot of a switch's group for a prefix.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlotState {
    /// Egress interface the slot maps to now.
    pub next_hop: String,
    pub bps: f64,
    pub stale: bool,
    /// Load per round, bit/s, oldest first.
    pub history: VecDeque<f64>,
}

/// Demand of one (switch, prefix) from AFT counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DemandState {
    pub bps: f64,
    pub stale: bool,
    pub history: VecDeque<f64>,
}

/// The model.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub round: u64,
    pub links: BTreeMap<String, LinkState>,
    pub slots: BTreeMap<SlotKey, SlotState>,
    pub demands: BTreeMap<(String, String), DemandState>,
    /// Switch names seen as targets.
    pub switches: Vec<String>,
    /// The fabric graph built from LLDP (see [`super::lldp`]); rebuilt when the neighbor table changes.
    pub fabric: Option<fathom_topology::Fabric>,
    neighbor_sig: u64,
    pub stale_sources: Vec<String>,
    /// The static topology (configured file): the fallback for peers and the graph while LLDP has not
    /// converged, or the only source with `topology.source = "file"`.
    static_fabric: Option<fathom_topology::Fabric>,
    static_peers: BTreeMap<String, String>,
    /// `topology.source = "file"`: LLDP is not used for the graph or peers.
    lldp_ignored: bool,
    /// Where [`Model::fabric`] comes from now: `lldp`, `file` or `none`.
    pub topology_source: &'static str,
}

fn push(h: &mut VecDeque<f64>, v: f64) {
    if h.len() == HISTORY {
        h.pop_front();
    }
    h.push_back(v);
}

/// One sample of a series: the last finite value is kept for display; the history records it (NaN when stale or
/// missing) once the series has ever carried traffic (most series of a large fabric never do).
fn fold_sample(last: &mut f64, history: &mut VecDeque<f64>, stale: bool, value: Option<f64>) {
    let v = if stale { f64::NAN } else { value.unwrap_or(f64::NAN) };
    if v.is_finite() {
        *last = v;
    }
    if !history.is_empty() || v > 0.0 {
        push(history, v);
    }
}

/// A series with no sample this round: stale, and a missing value in its history if it keeps one.
fn missing_sample(stale: &mut bool, history: &mut VecDeque<f64>) {
    *stale = true;
    if !history.is_empty() {
        push(history, f64::NAN);
    }
}

/// Merges `loads` into `map` in one pass: both sorted by the same key (`load_key` and `map_key` give it as borrowed
/// parts, so no key is built for an entry the map has). Matches and new entries get `fold`; entries with no load
/// this round get `missing`. Unsorted input is sorted first (the rate engine's snapshots are sorted).
fn merge_sorted<L, K: Ord, V: Default>(
    map: &mut BTreeMap<K, V>,
    loads: &[L],
    loads_cmp: impl Fn(&L, &L) -> std::cmp::Ordering,
    load_vs_key: impl Fn(&L, &K) -> std::cmp::Ordering,
    owned_key: impl Fn(&L) -> K,
    fold: impl Fn(&mut V, &L),
    missing: impl Fn(&mut V),
) {
    use std::cmp::Ordering;
    let mut sorted: Vec<&L> = loads.iter().collect();
    if !sorted.is_sorted_by(|a, b| loads_cmp(a, b) != Ordering::Greater) {
        sorted.sort_by(|a, b| loads_cmp(a, b));
    }
    let mut fresh: Vec<&L> = Vec::new();
    let mut it = sorted.into_iter().peekable();
    for (k, v) in map.iter_mut() {
        let mut seen = false;
        while let Some(&l) = it.peek() {
            match load_vs_key(l, k) {
                Ordering::Less => fresh.push(l),
                Ordering::Equal => {
                    fold(v, l);
                    seen = true;
                }
                Ordering::Greater => break,
            }
            it.next();
            if seen {
                break;
            }
        }
        if !seen {
            missing(v);
        }
    }
    fresh.extend(it);
    for l in fresh {
        fold(map.entry(owned_key(l)).or_default(), l);
    }
}

fn neighbor_signature(snap: &IngestSnapshot) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for n in snap.neighbors.iter().filter(|n| !n.stale) {
        (&n.switch, &n.interface, &n.system_name, &n.port_id).hash(&mut h);
    }
    h.finish()
}

impl Model {
    pub fn new() -> Self {
        Model { topology_source: "none", ..Self::default() }
    }

    /// Uses `fabric` (a static topology file) as the fallback for peers and the graph; with `lldp` false it is
    /// the only source and LLDP is ignored.
    pub fn with_static_topology(mut self, fabric: fathom_topology::Fabric, lldp: bool) -> Self {
        self.static_peers = fabric
            .link_ids()
            .map(|l| {
                let r = fabric.reverse(l);
                (fabric.link_name(l), fabric.link_name(r))
            })
            .collect();
        self.fabric = Some(fabric.clone());
        self.static_fabric = Some(fabric);
        self.lldp_ignored = !lldp;
        self.topology_source = "file";
        self
    }

    /// Folds one round of telemetry in. Series that got no fresh sample this round record a missing value.
    pub fn observe(&mut self, snap: &IngestSnapshot) {
        self.round += 1;
        let mut switches: Vec<String> = Vec::new();
        let peers: BTreeMap<(&str, &str), (&str, &str)> = snap
            .neighbors
            .iter()
            .filter(|_| !self.lldp_ignored)
            .map(|n| ((&*n.switch, &*n.interface), (&*n.system_name, &*n.port_id)))
            .collect();
        let round = self.round;
        let mut name = String::new();
        for i in &snap.interfaces {
            if switches.last().map(String::as_str) != Some(&*i.switch) {
                switches.push(i.switch.to_string());
            }
            name.clear();
            name.push_str(&i.switch);
            name.push(':');
            name.push_str(&i.interface);
            if !self.links.contains_key(name.as_str()) {
                self.links.insert(name.clone(), LinkState::default());
            }
            let l = self.links.get_mut(name.as_str()).expect("inserted above");
            l.seen_round = round;
            match peers.get(&(&*i.switch, &*i.interface)) {
                Some((sys, port)) => {
                    let same = l.peer.len() == sys.len() + 1 + port.len()
                        && l.peer.starts_with(sys)
                        && l.peer[sys.len()..].starts_with(':')
                        && l.peer.ends_with(port);
                    if !same {
                        l.peer = format!("{sys}:{port}");
                    }
                }
                None => match self.static_peers.get(name.as_str()) {
                    Some(p) if *p != l.peer => l.peer = p.clone(),
                    Some(_) => {}
                    None => l.peer.clear(),
                },
            }
            l.capacity_bps = i.speed_bps.unwrap_or(0) as f64;
            l.up = i.oper_up.unwrap_or(false);
            l.stale = i.stale;
            l.ecn_marks_per_s = i.ecn_marks_per_s.unwrap_or(0.0);
            l.pfc_pauses_per_s = i.pause_rx_per_s.unwrap_or(0.0);
            l.drops_per_s = i.drops_per_s.unwrap_or(0.0);
            // Like slots, a link that never carried traffic keeps no series (most host ports of a large fabric).
            fold_sample(&mut l.utilization, &mut l.history, i.stale, i.out_utilization);
        }
        for l in self.links.values_mut().filter(|l| l.seen_round != round) {
            missing_sample(&mut l.stale, &mut l.history);
        }
        self.observe_slots(&snap.slots);
        self.observe_demands(&snap.demands);
        switches.sort();
        switches.dedup();
        self.switches = switches;
        let sig = neighbor_signature(snap);
        if !self.lldp_ignored && (sig != self.neighbor_sig || self.topology_source != "lldp") {
            self.neighbor_sig = sig;
            match super::lldp::fabric(&snap.neighbors, &snap.interfaces) {
                Ok(f) if f.link_count() > 0 => {
                    self.fabric = Some(f);
                    self.topology_source = "lldp";
                }
                _ => {
                    self.fabric = self.static_fabric.clone();
                    self.topology_source = if self.fabric.is_some() { "file" } else { "none" };
                }
            }
        }
        self.stale_sources = snap.sources.iter().filter(|s| s.stale).map(|s| s.name.clone()).collect();
    }

    /// Folds the slot loads in: one merge pass (see [`merge_sorted`]); idle slots keep no history.
    fn observe_slots(&mut self, loads: &[fathom_ingest::SlotLoad]) {
        merge_sorted::<fathom_ingest::SlotLoad, _, _>(
            &mut self.slots,
            loads,
            |a, b| (&*a.switch, &*a.prefix, a.slot).cmp(&(&*b.switch, &*b.prefix, b.slot)),
            |s, k: &SlotKey| (&*s.switch, &*s.prefix, s.slot).cmp(&(k.0.as_str(), k.1.as_str(), k.2)),
            |s| (s.switch.to_string(), s.prefix.to_string(), s.slot),
            |st: &mut SlotState, s| {
                let nh = s.next_hop.as_deref().unwrap_or_default();
                if st.next_hop != nh {
                    st.next_hop = nh.to_string();
                }
                st.stale = s.stale;
                fold_sample(&mut st.bps, &mut st.history, s.stale, s.bps);
            },
            |st| missing_sample(&mut st.stale, &mut st.history),
        );
    }

    /// Folds the AFT demands in, like [`Model::observe_slots`].
    fn observe_demands(&mut self, loads: &[fathom_ingest::PrefixDemand]) {
        merge_sorted::<fathom_ingest::PrefixDemand, _, _>(
            &mut self.demands,
            loads,
            |a, b| (&*a.switch, &*a.prefix).cmp(&(&*b.switch, &*b.prefix)),
            |d, k: &(String, String)| (&*d.switch, &*d.prefix).cmp(&(k.0.as_str(), k.1.as_str())),
            |d| (d.switch.to_string(), d.prefix.to_string()),
            |st: &mut DemandState, d| {
                st.stale = d.stale;
                fold_sample(&mut st.bps, &mut st.history, d.stale, d.bps);
            },
            |st| missing_sample(&mut st.stale, &mut st.history),
        );
    }

    /// Links usable for decisions: up, fresh and not drained.
    pub fn usable(&self, link: &str) -> bool {
        self.links.get(link).is_some_and(|l| l.up && !l.stale && !l.drained && l.capacity_bps > 0.0)
    }

    /// Drains (or undrains) a link `switch:interface` or every link of a switch. Returns how many links changed.
    pub fn drain(&mut self, target: &str, drained: bool) -> usize {
        let mut n = 0;
        let sw = |x: &str| x.split(':').next().map(str::to_string).unwrap_or_default();
        for (name, l) in self.links.iter_mut() {
            // Both directions: the link itself and its reverse (whose peer is the target).
            let hit = if target.contains(':') {
                name == target || l.peer == target
            } else {
                sw(name) == target || sw(&l.peer) == target
            };
            if hit && l.drained != drained {
                l.drained = drained;
                n += 1;
            }
        }
        n
    }

    pub fn stale_links(&self) -> usize {
        self.links.values().filter(|l| l.stale).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fathom_ingest::{InterfaceView, NeighborView, SlotLoad};

    fn iface(sw: &str, i: &str, util: f64, stale: bool) -> InterfaceView {
        InterfaceView {
            switch: sw.into(),
            interface: i.into(),
            stale,
            oper_up: Some(true),
            speed_bps: Some(400_000_000_000),
            out_utilization: Some(util),
            ..Default::default()
        }
    }

    fn snap(util: f64, stale: bool) -> IngestSnapshot {
        IngestSnapshot {
            interfaces: vec![iface("leaf1", "Ethernet1", util, stale), iface("spine1", "Ethernet1", 0.1, false)],
            neighbors: vec![
                NeighborView {
                    switch: "leaf1".into(),
                    interface: "Ethernet1".into(),
                    system_name: "spine1".into(),
                    port_id: "Ethernet1".into(),
                    ..Default::default()
                },
                NeighborView {
                    switch: "spine1".into(),
                    interface: "Ethernet1".into(),
                    system_name: "leaf1".into(),
                    port_id: "Ethernet1".into(),
                    ..Default::default()
                },
            ],
            slots: vec![SlotLoad {
                switch: "leaf1".into(),
                prefix: "10.0.2.0/24".into(),
                slot: 3,
                next_hop: Some("Ethernet1".into()),
                bps: Some(1e9),
                stale,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn stale_samples_are_missing_never_zero() {
        let mut m = Model::new();
        m.observe(&snap(0.7, false));
        m.observe(&snap(0.0, true));
        let l = &m.links["leaf1:Ethernet1"];
        assert!(l.stale && !m.usable("leaf1:Ethernet1"));
        assert_eq!(l.utilization, 0.7, "the last fresh value is kept for display");
        assert!(l.history[1].is_nan(), "a stale round is a missing sample, not an idle one");
        assert!(
            m.slots[&("leaf1".to_string(), "10.0.2.0/24".to_string(), 3)].history[1].is_nan(),
            "a slot with traffic keeps a history"
        );
        assert_eq!(l.peer, "spine1:Ethernet1");
    }

    #[test]
    fn draining_a_switch_takes_both_directions_of_its_links() {
        let mut m = Model::new();
        m.observe(&snap(0.5, false));
        assert_eq!(m.drain("spine1", true), 2);
        assert!(!m.usable("leaf1:Ethernet1") && !m.usable("spine1:Ethernet1"));
        assert_eq!(m.drain("spine1", false), 2);
        assert!(m.usable("leaf1:Ethernet1"));
    }

    #[test]
    fn a_static_topology_file_stands_in_until_lldp_converges() {
        let full = crate::daemon::testing::snapshot();
        // The topology file: the same fabric, written and read back in the fathom-topology JSON format.
        let built = super::super::lldp::fabric(&full.neighbors, &full.interfaces).unwrap();
        let file = fathom_topology::file::from_json(&fathom_topology::file::to_json(&built)).unwrap();
        let mut quiet = full.clone();
        quiet.neighbors.clear();

        let mut m = Model::new().with_static_topology(file.clone(), true);
        m.observe(&quiet);
        assert_eq!(m.topology_source, "file", "no LLDP yet: the file is the graph");
        assert_eq!(m.links["leaf1:Ethernet3"].peer, "spine3:Ethernet1", "peers come from the file");
        let fc = super::super::round::forecast(&m, &super::super::forecast::Model::Last, 1, 1);
        let p = super::super::round::problem(&m, &fc);
        assert_eq!(p.groups[0].options[0].1.len(), 2, "options load the uplink and the spine's downlink");
        m.observe(&full);
        assert_eq!(m.topology_source, "lldp", "LLDP takes over once it has converged");

        let mut only_file = Model::new().with_static_topology(file, false);
        only_file.observe(&full);
        assert_eq!(only_file.topology_source, "file", "topology.source = file ignores LLDP");
        assert!(Model::new().fabric.is_none() && Model::new().topology_source == "none");
    }
}
