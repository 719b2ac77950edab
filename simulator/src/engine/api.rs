//! The engine's read and control surface: telemetry, targets, slot tables, faults, ground truth.

use std::collections::BTreeMap;

use fathom_topology::{LinkId, NodeId, NodeKind, Prefix, PrefixId, SlotTable};

use super::state::{Class, CounterSnapshot};
use super::Simulation;
use crate::control::{
    DemandTruth, Fault, FlowTruth, GroundTruth, LinkTruth, SlotSpec, SlotTableView, SlotUpdate, TargetInfo,
};
use crate::error::{Result, SimError};
use crate::telemetry::{
    AftEntry, InterfaceTelemetry, LldpNeighbor, PfcCounters, QueueTelemetry, SwitchTelemetry, TelemetrySnapshot,
    WcmpGroupTelemetry, WcmpSlotTelemetry,
};

fn unknown(kind: &'static str, name: &str) -> SimError {
    SimError::Unknown { kind, name: name.to_string() }
}

impl Simulation {
    pub(super) fn resolve_switch(&self, name: &str) -> Result<NodeId> {
        let n = self.fabric.find(name).map_err(|_| unknown("switch", name))?;
        if self.fabric.node(n).is_switch() {
            Ok(n)
        } else {
            Err(unknown("switch", name))
        }
    }

    /// `switch:interface` to the link leaving that interface.
    pub(super) fn resolve_link(&self, name: &str) -> Result<LinkId> {
        let (sw, ifname) = name
            .split_once(':')
            .ok_or_else(|| SimError::invalid(format!("link '{name}' must be 'switch:interface'")))?;
        let n = self.fabric.find(sw).map_err(|_| unknown("switch", sw))?;
        self.fabric.interface(n, ifname).map_err(|_| unknown("interface", name))
    }

    pub(super) fn check_fault_target(&self, f: &Fault) -> Result<()> {
        match f {
            Fault::LinkDown(t) => self.resolve_link(t).map(|_| ()),
            Fault::SwitchDown(t) => self.resolve_switch(t).map(|_| ()),
            Fault::Drain(t) if t.contains(':') => self.resolve_link(t).map(|_| ()),
            Fault::Drain(t) => self.resolve_switch(t).map(|_| ()),
        }
    }

    fn resolve_prefix(&self, text: &str) -> Result<PrefixId> {
        let p: Prefix = text.parse().map_err(|e: fathom_topology::TopologyError| SimError::invalid(e.to_string()))?;
        self.fabric.find_prefix(&p).map_err(|_| unknown("prefix", text))
    }

    /// A switch restarting: its counters start again from zero.
    pub(super) fn reset_counters(&mut self, n: NodeId) {
        let now = self.now;
        for l in self.fabric.out_links(n) {
            self.settle(l.index());
            let r = self.fabric.reverse(l).index();
            self.settle(r);
            self.link_bases[l.index()][0] = self.links[l.index()].snapshot(now);
            self.link_bases[r][1] = self.links[r].snapshot(now);
        }
        let id = n.index() as u32;
        let idx = self.aft.range((id, 0)..(id + 1, 0)).map(|(_, &i)| i);
        let idx: Vec<u32> = idx.chain(self.slot_acc.range((id, 0, 0)..(id + 1, 0, 0)).map(|(_, &i)| i)).collect();
        let values = self.acc_values();
        for i in idx {
            self.acc_base[i as usize] -= values[i as usize];
        }
    }

    /// Every switch, as gNMI targets.
    pub fn targets(&self) -> Vec<TargetInfo> {
        let mut v: Vec<TargetInfo> = self
            .fabric
            .switches()
            .map(|n| {
                let node = self.fabric.node(n);
                TargetInfo {
                    name: node.name.clone(),
                    role: node.role().map(|r| r.to_string()).unwrap_or_default(),
                    up: node.up,
                }
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    fn device(&self, name: &str) -> Result<NodeId> {
        self.fabric.find(name).map_err(|_| unknown("device", name))
    }

    /// The table `dev` uses for `prefix`: programmed, or the default ECMP fill over its next hops.
    fn table_view(&mut self, dev: NodeId, prefix: PrefixId) -> Option<SlotTableView> {
        let at = match self.fabric.node(dev).kind {
            NodeKind::Host { leaf, .. } => leaf,
            NodeKind::Switch { .. } => dev,
        };
        let (slots, default_ecmp) = match self.wcmp.get(dev, prefix) {
            Some(t) => (t.slots().to_vec(), false),
            None => {
                let nh = self.routes.next_hops(&self.fabric, at, prefix);
                if nh.is_empty() || matches!(self.fabric.node(dev).kind, NodeKind::Host { .. }) {
                    return None;
                }
                (SlotTable::ecmp(&nh, self.slots).ok()?.slots().to_vec(), true)
            }
        };
        Some(SlotTableView {
            device: self.fabric.node(dev).name.clone(),
            prefix: self.fabric.prefixes()[prefix].prefix.to_string(),
            slots: slots.iter().map(|&l| self.fabric.link(l).src_if.clone()).collect(),
            default_ecmp,
        })
    }

    /// Programmed (or default) tables, filtered by device and prefix when given. Unknown names are errors.
    pub fn slot_tables(&mut self, device: Option<&str>, prefix: Option<&str>) -> Result<Vec<SlotTableView>> {
        let devs: Vec<NodeId> = match device {
            Some(d) => vec![self.device(d)?],
            None => self
                .fabric
                .switches()
                .collect::<Vec<_>>()
                .into_iter()
                .chain(self.wcmp.iter().map(|(k, _)| k.0))
                .collect(),
        };
        let prefixes: Vec<PrefixId> = match prefix {
            Some(p) => vec![self.resolve_prefix(p)?],
            None => (0..self.fabric.prefixes().len()).collect(),
        };
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for d in devs {
            if !seen.insert(d) {
                continue;
            }
            for &p in &prefixes {
                out.extend(self.table_view(d, p));
            }
        }
        Ok(out)
    }

    /// Validates one update into a table, against the device's current next hops.
    fn validate_update(&mut self, u: &SlotUpdate) -> Result<(NodeId, PrefixId, SlotTable)> {
        let dev = self.device(&u.device)?;
        let prefix = self.resolve_prefix(&u.prefix)?;
        let at = match self.fabric.node(dev).kind {
            NodeKind::Host { leaf, .. } => leaf,
            NodeKind::Switch { .. } => dev,
        };
        let nh = self.routes.next_hops(&self.fabric, at, prefix);
        if nh.is_empty() {
            return Err(SimError::invalid(format!(
                "{} has no path choice towards {} (it is the destination leaf or cut off)",
                u.device, u.prefix
            )));
        }
        let link_of = |ifname: &str| -> Result<LinkId> {
            let l = self
                .fabric
                .interface(at, ifname)
                .map_err(|_| unknown("interface", &format!("{}:{ifname}", self.fabric.node(at).name)))?;
            if nh.contains(&l) {
                Ok(l)
            } else {
                Err(SimError::invalid(format!(
                    "{}:{ifname} is not a next hop towards {} (next hops: {})",
                    self.fabric.node(at).name,
                    u.prefix,
                    nh.iter().map(|&l| self.fabric.link(l).src_if.clone()).collect::<Vec<_>>().join(", ")
                )))
            }
        };
        let table = match &u.spec {
            SlotSpec::Slots(s) => {
                if s.is_empty() || s.len() > 4096 {
                    return Err(SimError::invalid(format!(
                        "{} {}: a slot table needs 1..=4096 slots, got {}",
                        u.device,
                        u.prefix,
                        s.len()
                    )));
                }
                SlotTable::from_slots(s.iter().map(|i| link_of(i)).collect::<Result<_>>()?)?
            }
            SlotSpec::Weights(w) => {
                let ws: Vec<(LinkId, f64)> = w.iter().map(|(i, x)| Ok((link_of(i)?, *x))).collect::<Result<_>>()?;
                let mut sorted: Vec<LinkId> = ws.iter().map(|w| w.0).collect();
                sorted.sort();
                if sorted.windows(2).any(|p| p[0] == p[1]) {
                    return Err(SimError::invalid(format!(
                        "{} {}: an interface appears twice in the weights",
                        u.device, u.prefix
                    )));
                }
                let n = self.wcmp.get(dev, prefix).map_or(self.slots, SlotTable::len);
                match self.wcmp.get(dev, prefix) {
                    Some(t) => t.rebalance(&ws)?,
                    None => SlotTable::ecmp(&nh, n)?.rebalance(&ws)?,
                }
            }
        };
        Ok((dev, prefix, table))
    }

    /// Validates the whole batch, then applies it atomically. Returns the number of slots that changed.
    pub fn apply_slot_updates(&mut self, batch: &[SlotUpdate]) -> Result<usize> {
        self.apply_slot_updates_fenced(batch, 0)
    }

    /// Highest fencing token accepted so far (0 if none).
    pub fn fencing_token(&self) -> u64 {
        self.fence
    }

    /// As [`Simulation::apply_slot_updates`], refusing the batch (changing nothing) when `token` is non-zero and
    /// lower than the highest token accepted before; on success the token becomes the highest.
    pub fn apply_slot_updates_fenced(&mut self, batch: &[SlotUpdate], token: u64) -> Result<usize> {
        if token != 0 && token < self.fence {
            return Err(SimError::Fenced { token, highest: self.fence });
        }
        let n = self.apply_batch(batch)?;
        self.fence = self.fence.max(token);
        Ok(n)
    }

    fn apply_batch(&mut self, batch: &[SlotUpdate]) -> Result<usize> {
        let mut staged = Vec::with_capacity(batch.len());
        for (i, u) in batch.iter().enumerate() {
            let v = self.validate_update(u).map_err(|e| match e {
                SimError::Invalid { reason } => SimError::invalid(format!("update {i}: {reason}")),
                other => other,
            })?;
            staged.push(v);
        }
        let mut changed = 0;
        let mut prefixes = std::collections::BTreeSet::new();
        for (dev, prefix, table) in staged {
            let before: Vec<LinkId> = match self.wcmp.get(dev, prefix) {
                Some(t) => t.slots().to_vec(),
                None => Vec::new(),
            };
            changed += table.slots().iter().enumerate().filter(|(i, l)| before.get(*i) != Some(l)).count();
            self.wcmp.set(dev, prefix, table);
            prefixes.insert(prefix);
        }
        for p in prefixes {
            self.repath(Some(p));
        }
        self.recompute();
        Ok(changed)
    }

    fn queue_now(&self, l: usize, c: usize) -> super::queue::ClassQueue {
        let link = &self.links[l];
        let mut q = link.queues[c].clone();
        let dt = super::state::span_f64(self.now - link.settled.min(self.now)) * 1e-9;
        let cap = self.fabric.link(LinkId::new(l)).capacity_bps;
        let total = link.total_rate();
        let w = if total > 0.0 { link.served[c] / total } else { 0.5 };
        q.roll_to(link.settled.min(self.now) / self.window_ns);
        q.advance(&self.qp, dt, link.served[c], (cap - total).max(self.qp.drain_frac * cap) * w, c == 0);
        q.roll_to(self.now / self.window_ns);
        q
    }

    fn counters_now(&self, l: usize) -> CounterSnapshot {
        let (q0, q1) = (self.queue_now(l, 0), self.queue_now(l, 1));
        let link = &self.links[l];
        CounterSnapshot {
            bytes: link.bytes_at(self.now),
            queue_tx: [link.tx_at(0, self.now), link.tx_at(1, self.now)],
            dropped: [q0.dropped_bytes, q1.dropped_bytes],
            marked: [q0.marked_pkts, q1.marked_pkts],
            paused_s: link.paused_s,
            pause_frames: link.pause_frames,
        }
    }

    fn interface(&self, l: LinkId, index: usize) -> InterfaceTelemetry {
        let f = &self.fabric;
        let (a, b) = f.endpoints(l);
        let r = f.reverse(l);
        let link = f.link(l);
        let pkt = self.qp.pkt_bytes;
        let tx = self.counters_now(l.index());
        let txb = self.link_bases[l.index()][0];
        let rx = self.counters_now(r.index());
        let rxb = self.link_bases[r.index()][1];
        let out_octets = (tx.bytes - txb.bytes).max(0.0);
        let in_octets = (rx.bytes - rxb.bytes).max(0.0);
        let dropped = |s: &CounterSnapshot, base: &CounterSnapshot| {
            (s.dropped[0] + s.dropped[1] - base.dropped[0] - base.dropped[1]).max(0.0) / pkt
        };
        let queues = Class::ALL
            .iter()
            .map(|c| {
                let i = c.index();
                let q = self.queue_now(l.index(), i);
                let sent = (tx.queue_tx[i] - txb.queue_tx[i]).max(0.0);
                QueueTelemetry {
                    name: c.queue_name().into(),
                    transmit_octets: sent as u64,
                    transmit_pkts: (sent / pkt) as u64,
                    dropped_pkts: ((tx.dropped[i] - txb.dropped[i]).max(0.0) / pkt) as u64,
                    ecn_marked_pkts: (tx.marked[i] - txb.marked[i]).max(0.0) as u64,
                    max_queue_len: q.recent_peak() as u64,
                    queue_len: q.q_bytes as u64,
                }
            })
            .collect();
        let rx_pause = (tx.pause_frames - txb.pause_frames).max(0.0);
        let tx_pause = (rx.pause_frames - rxb.pause_frames).max(0.0);
        let nb = f.node(b);
        let up = link.up && f.node(a).up && nb.up;
        InterfaceTelemetry {
            name: link.src_if.clone(),
            ifindex: index as u32 + 1,
            oper_up: up,
            admin_up: true,
            speed_bps: link.capacity_bps as u64,
            in_octets: in_octets as u64,
            out_octets: out_octets as u64,
            in_pkts: (in_octets / pkt) as u64,
            out_pkts: (out_octets / pkt) as u64,
            in_discards: dropped(&rx, &rxb) as u64,
            out_discards: dropped(&tx, &txb) as u64,
            in_errors: 0,
            out_errors: 0,
            in_pause_frames: rx_pause as u64,
            out_pause_frames: tx_pause as u64,
            pfc: vec![PfcCounters {
                priority: Class::PFC_PRIORITY,
                rx_pause_frames: rx_pause as u64,
                tx_pause_frames: tx_pause as u64,
                rx_pause_duration_us: ((tx.paused_s - txb.paused_s).max(0.0) * 1e6) as u64,
            }],
            queues,
            lldp: up.then(|| LldpNeighbor {
                id: match nb.kind {
                    NodeKind::Switch { router_id, .. } => router_id.to_string(),
                    NodeKind::Host { ip, .. } => ip.to_string(),
                },
                system_name: nb.name.clone(),
                port_id: link.dst_if.clone(),
            }),
        }
    }

    fn switch_telemetry(&self, n: NodeId, accs: &[f64]) -> SwitchTelemetry {
        let f = &self.fabric;
        let node = f.node(n);
        let id = n.index() as u32;
        let pkt = self.qp.pkt_bytes;
        let aft = self
            .aft
            .range((id, 0)..(id + 1, 0))
            .map(|(&(_, p), &i)| {
                let o = accs[i as usize].max(0.0);
                AftEntry {
                    prefix: f.prefixes()[p as usize].prefix.to_string(),
                    octets_forwarded: o as u64,
                    packets_forwarded: (o / pkt) as u64,
                }
            })
            .collect();
        let mut groups: BTreeMap<u32, Vec<(u16, f64, Option<LinkId>)>> = BTreeMap::new();
        for (&(_, p, s), &i) in self.slot_acc.range((id, 0, 0)..(id + 1, 0, 0)) {
            let link = self.slot_link[i as usize];
            groups.entry(p).or_default().push((s, accs[i as usize], link));
        }
        let wcmp = groups
            .into_iter()
            .map(|(p, used)| {
                let table = self.wcmp.get(n, p as usize);
                let n_slots = table.map_or(self.slots, SlotTable::len);
                let used_slot = |s: usize| used.iter().find(|u| u.0 as usize == s);
                let members = self.group_nh.get(&(id, p)).filter(|m| !m.is_empty());
                let name_of = |s: usize| -> String {
                    match (table, used_slot(s).and_then(|u| u.2), members) {
                        (Some(t), _, _) => f.link(t.slots()[s]).src_if.clone(),
                        (None, Some(l), _) => f.link(l).src_if.clone(),
                        (None, None, Some(m)) => f.link(m[s % m.len()]).src_if.clone(),
                        (None, None, None) => String::new(),
                    }
                };
                WcmpGroupTelemetry {
                    prefix: f.prefixes()[p as usize].prefix.to_string(),
                    slots: (0..n_slots)
                        .map(|s| WcmpSlotTelemetry {
                            slot: s as u32,
                            next_hop: name_of(s),
                            octets: used_slot(s).map_or(0, |u| u.1.max(0.0) as u64),
                        })
                        .collect(),
                }
            })
            .collect();
        SwitchTelemetry {
            name: node.name.clone(),
            role: node.role().map(|r| r.to_string()).unwrap_or_default(),
            up: node.up,
            interfaces: f.out_links(n).into_iter().enumerate().map(|(i, l)| self.interface(l, i)).collect(),
            aft,
            wcmp,
        }
    }

    /// Cumulative counters and state of every switch at `now_ns()`.
    pub fn telemetry(&self) -> TelemetrySnapshot {
        let accs = self.acc_values();
        let mut switches: Vec<SwitchTelemetry> =
            self.fabric.switches().map(|n| self.switch_telemetry(n, &accs)).collect();
        switches.sort_by(|a, b| a.name.cmp(&b.name));
        TelemetrySnapshot { sim_time_ns: self.now, timestamp_ns: self.epoch_unix_ns + self.now as i64, switches }
    }

    /// True per-link load, leaf-to-prefix demand and (optionally) every flow with its path.
    pub fn ground_truth(&self, include_flows: bool) -> GroundTruth {
        let f = &self.fabric;
        let links = f
            .link_ids()
            .map(|l| {
                let (a, b) = f.endpoints(l);
                let k = f.link(l);
                let load = self.links[l.index()].total_rate();
                LinkTruth {
                    name: f.link_name(l),
                    peer: format!("{}:{}", f.node(b).name, k.dst_if),
                    capacity_bps: k.capacity_bps,
                    load_bps: load,
                    utilization: load / k.capacity_bps,
                    up: k.up && f.node(a).up && f.node(b).up,
                    drained: k.drained,
                    queue_bytes: (self.queue_now(l.index(), 0).q_bytes + self.queue_now(l.index(), 1).q_bytes) as u64,
                }
            })
            .collect();
        let mut demand: BTreeMap<(NodeId, usize), f64> = BTreeMap::new();
        let mut flows = Vec::new();
        for fl in self.flows.iter().flatten() {
            let leaf = f.host_leaf(fl.src).expect("flows start at hosts");
            *demand.entry((leaf, fl.prefix)).or_insert(0.0) += fl.rate;
            if include_flows {
                flows.push(FlowTruth {
                    id: fl.id,
                    src: f.node(fl.src).name.clone(),
                    dst: f.node(fl.dst).name.clone(),
                    src_port: fl.tuple.src_port,
                    dst_port: fl.tuple.dst_port,
                    protocol: fl.tuple.protocol,
                    rate_bps: fl.rate,
                    remaining_bytes: fl.remaining_at(self.now),
                    path: fl.path.iter().map(|h| f.link_name(h.link)).collect(),
                    job: self.workloads[fl.owner.workload as usize].name().to_string(),
                });
            }
        }
        let demands = demand
            .into_iter()
            .filter(|(_, bps)| *bps > 0.0)
            .map(|((leaf, p), bps)| DemandTruth {
                src_leaf: f.node(leaf).name.clone(),
                prefix: f.prefixes()[p].prefix.to_string(),
                bps,
            })
            .collect();
        flows.sort_by_key(|x| x.id);
        GroundTruth { sim_time_ns: self.now, links, demands, flows }
    }
}
