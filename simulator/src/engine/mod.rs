//! The flow-level engine: an event loop on a simulated clock (ns). Events at the same instant are processed as one
//! batch, then max-min fair rates are recomputed for the flows the batch affected only (see [`Simulation::recompute`]).
//! Queues and counters are integrated lazily between events. Deterministic: no hash-map iteration, no wall clock.

mod api;
mod events;
pub mod forward;
pub mod maxmin;
pub mod queue;
pub mod state;
mod stats;

use std::collections::{BTreeMap, BinaryHeap};

use fathom_topology::{Fabric, LinkId, NodeId, WcmpState};

use crate::control::{Fault, FaultAction};
use crate::error::Result;
use crate::rng::{FastMap, Rng};
use crate::scenario::Scenario;
use crate::workload::placement::HostPool;
use crate::workload::spec::BuildCx;
use crate::workload::{Action, Cx, FlowSpec, Workload};
use forward::{Forwarder, RouteCache};
use queue::{ClassQueue, QueueParams};
use state::{span_f64, CounterSnapshot, FiveTuple, Flow, Hop, LinkState, Owner, NO_SLOT};
pub use stats::Stats;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Timer { workload: u32, tag: u64 },
    FlowDone { flow: u32, version: u32 },
    Fault { index: u32, clear: bool },
}

/// A scheduled event, ordered by (time, sequence number) packed into one integer, earliest first (the sequence
/// number is unique, so the event itself never takes part in the order).
#[derive(Debug, Clone, Copy)]
struct Queued {
    key: u128,
    event: Event,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    /// Reversed: `BinaryHeap` is a max-heap.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.key.cmp(&self.key)
    }
}

/// Flows and links whose rates must be recomputed at the end of the current batch.
#[derive(Debug, Default)]
struct Dirty {
    links: Vec<u32>,
    flows: Vec<u32>,
    /// Flows whose demand cap changed (and nothing else, unless they are also in `flows`).
    capped: Vec<u32>,
}

/// Largest batch of cap changes `apply_direct_caps` takes. Above it, the per-link checks are random accesses
/// over more link state than the caches hold, and one joint solve (which reads flows in slab order and links
/// once each) is faster: at 100,000 changes (scale-512x64) the direct path made the run ~20% slower, at 512
/// (bench-32x8) it makes it ~5% faster.
const DIRECT_CAPS_MAX_BATCH: usize = 8192;

/// Tags below this have their connection's path cached by (workload, tag) (see [`PathCache`]).
const DENSE_TAGS: u64 = 1 << 14;

/// Flows each link's flow list has room for when the simulation is built.
const LINK_FLOWS_RESERVE: usize = 8;

/// A flow's path and the counters it feeds, kept after it ends.
type Binding = (Vec<Hop>, Vec<u32>);

/// Paths and counter bindings of ended flows, for reuse when the same 5-tuple starts again under the same
/// forwarding state. A path is a function of the 5-tuple and the tables, so a hit and a miss give the same flow:
/// the cache changes speed only. Workloads number their connections with small tags and start each one's flows
/// on one 5-tuple (an RDMA queue pair of a collective sends on one path every iteration): those are kept by
/// (workload, tag), an index rather than a hash; other flows by 5-tuple. Looked up only, never iterated.
#[derive(Debug, Default)]
struct PathCache {
    /// Per workload, per tag below `DENSE_TAGS`: the 5-tuple and binding of the connection's last ended flow.
    by_conn: Vec<Vec<Option<(FiveTuple, Binding)>>>,
    by_tuple: FastMap<FiveTuple, Binding>,
}

impl PathCache {
    /// Takes the binding of `tuple`, if cached (looked for under the flow's connection first).
    fn take(&mut self, w: u32, tag: u64, tuple: &FiveTuple) -> Option<Binding> {
        if tag < DENSE_TAGS {
            let e = self.by_conn.get_mut(w as usize).and_then(|v| v.get_mut(tag as usize));
            if let Some(e) = e.filter(|e| e.as_ref().is_some_and(|(t, _)| t == tuple)) {
                return e.take().map(|(_, b)| b);
            }
        }
        self.by_tuple.remove(tuple)
    }

    /// Keeps the binding of an ended flow; the 5-tuple map is cleared when it reaches `bound` entries (flows with
    /// ever new 5-tuples, short flows on random ports, must not grow it without end).
    fn put(&mut self, owner: Owner, tuple: FiveTuple, path: Vec<Hop>, accs: Vec<u32>, bound: usize) {
        if owner.tag < DENSE_TAGS {
            let (w, tag) = (owner.workload as usize, owner.tag as usize);
            if self.by_conn.len() <= w {
                self.by_conn.resize_with(w + 1, Vec::new);
            }
            let v = &mut self.by_conn[w];
            if v.len() <= tag {
                v.resize_with(tag + 1, || None);
            }
            v[tag] = Some((tuple, (path, accs)));
            return;
        }
        if self.by_tuple.len() >= bound {
            self.by_tuple.clear();
        }
        self.by_tuple.insert(tuple, (path, accs));
    }

    fn clear(&mut self) {
        self.by_conn.iter_mut().for_each(Vec::clear);
        self.by_tuple.clear();
    }
}

/// Open-ended flows (slab indices) by (workload, tag): indexed for tags below `DENSE_TAGS` (a background
/// workload redraws the caps of all its connections at once), hashed above. Looked up only, never iterated.
#[derive(Debug, Default)]
struct OpenFlows {
    by_conn: Vec<Vec<Vec<u32>>>,
    by_key: FastMap<(u32, u64), Vec<u32>>,
}

impl OpenFlows {
    fn get(&self, w: u32, tag: u64) -> &[u32] {
        if tag < DENSE_TAGS {
            self.by_conn.get(w as usize).and_then(|v| v.get(tag as usize)).map_or(&[], Vec::as_slice)
        } else {
            self.by_key.get(&(w, tag)).map_or(&[], Vec::as_slice)
        }
    }

    fn add(&mut self, w: u32, tag: u64, i: u32) {
        if tag < DENSE_TAGS {
            let (w, tag) = (w as usize, tag as usize);
            if self.by_conn.len() <= w {
                self.by_conn.resize_with(w + 1, Vec::new);
            }
            let v = &mut self.by_conn[w];
            if v.len() <= tag {
                v.resize_with(tag + 1, Vec::new);
            }
            v[tag].push(i);
        } else {
            self.by_key.entry((w, tag)).or_default().push(i);
        }
    }

    fn remove(&mut self, w: u32, tag: u64, i: u32) {
        let v = if tag < DENSE_TAGS {
            self.by_conn.get_mut(w as usize).and_then(|v| v.get_mut(tag as usize))
        } else {
            self.by_key.get_mut(&(w, tag))
        };
        if let Some(v) = v {
            v.retain(|&x| x != i);
        }
    }
}

/// Link index meaning "no link" (a flow not bottlenecked at a link).
const NO_LINK: u32 = u32::MAX;

/// No counter yet (in `Simulation::aft_dense`).
const NO_ACC: u32 = u32::MAX;

/// The destination prefix of every node's address (hosts only): the longest match, as `Fabric::prefix_for` finds
/// it, with one hash lookup per prefix length instead of a scan of every prefix.
fn host_prefixes(fabric: &Fabric) -> Vec<Option<usize>> {
    let mask = |len: u8| if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let mut by_net: FastMap<(u8, u32), usize> = FastMap::default();
    let mut lens: Vec<u8> = Vec::new();
    for (i, e) in fabric.prefixes().iter().enumerate() {
        // A later equal prefix replaces an earlier one: `prefix_for` keeps the last of equally long matches.
        by_net.insert((e.prefix.len, u32::from(e.prefix.addr)), i);
        lens.push(e.prefix.len);
    }
    lens.sort_unstable_by(|a, b| b.cmp(a));
    lens.dedup();
    fabric
        .node_ids()
        .map(|n| {
            let ip = u32::from(fabric.host_ip(n)?);
            lens.iter().find_map(|&len| by_net.get(&(len, ip & mask(len))).copied())
        })
        .collect()
}

/// Nanoseconds until a completion `secs` away: `(secs·1e9).ceil().max(1.0) as u64`, without the libm call.
fn completion_delay_ns(secs: f64) -> u64 {
    let x = secs * 1e9;
    // Truncates (saturating, at 2^63 - 1 ns, ~292 years; NaN gives 0); exact below 2^53, and above it `x` is
    // already an integer. (Signed conversions: one instruction each way, where unsigned ones take several.)
    let t = x as i64;
    let c = if (t as f64) < x { t.saturating_add(1) } else { t };
    c.max(1) as u64
}

/// Invalidates flow `f`'s scheduled completion after a rate change; returns when and with which version its
/// new completion is due (none while it does not send or never ends).
fn reschedule(f: &mut Flow, now: u64) -> Option<(u64, u32)> {
    f.version = f.version.wrapping_add(1);
    (f.rate > 0.0 && f.remaining.is_finite())
        .then(|| (now + completion_delay_ns(f.remaining * 8.0 / f.rate), f.version))
}

/// Puts the saturated links of flow `f` that are not yet in S (marked `m`) into S, and into the expansion queue
/// those where flows are bottlenecked.
fn push_saturated_links(
    f: &Flow,
    m: u32,
    link_mark: &mut [u32],
    links: &[LinkState],
    bn_flows: &[Vec<u32>],
    pending: &mut Vec<usize>,
) {
    for h in &f.path {
        let l = h.link.index();
        if link_mark[l] != m && saturated(links[l].total_rate(), links[l].cap) {
            link_mark[l] = m;
            if !bn_flows[l].is_empty() {
                pending.push(l);
            }
        }
    }
}

/// Takes the flows of link `l` not yet in F (marked `m`) that run faster than `above` into F (`out`), their
/// saturated links into S; returns whether it took any. (Always inlined: both callers are on the recompute's hot
/// path, and a call costs more than the loop for the few flows of a link.)
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn take_flows_above(
    l: usize,
    above: f64,
    m: u32,
    links: &[LinkState],
    flows: &[Option<Flow>],
    bn_flows: &[Vec<u32>],
    flow_mark: &mut [u32],
    link_mark: &mut [u32],
    out: &mut Vec<u32>,
    pending: &mut Vec<usize>,
) -> bool {
    let mut took = false;
    for &fi in &links[l].flows {
        if flow_mark[fi as usize] == m {
            continue;
        }
        if let Some(f) = flows[fi as usize].as_ref().filter(|f| f.rate > above) {
            flow_mark[fi as usize] = m;
            out.push(fi);
            push_saturated_links(f, m, link_mark, links, bn_flows, pending);
            took = true;
        }
    }
    took
}

/// [`Simulation::schedule_done`] on the two fields it changes (for callers that hold other parts of the simulation).
fn schedule_done_in(seq: &mut u64, done: &mut events::CompletionQueue, fi: u32, when: Option<(u64, u32)>) {
    match when {
        Some((at, version)) => {
            *seq += 1;
            done.set(fi, (u128::from(at) << 64) | u128::from(*seq), version);
        }
        None => done.remove(fi),
    }
}

/// Adds what flow `f` sent since it was bound to its counters to their bases.
fn fold_into_accs(f: &Flow, now: u64, acc_base: &mut [f64]) {
    let bytes = f.sent_at(now) - f.acc_from;
    for &a in &f.accs {
        acc_base[a as usize] += bytes;
    }
}

/// A link's capacity divided among its flows, with a margin for rounding: the lowest level the link can saturate
/// at. (Of a contested link whose flows together do not run above it, no flow does.)
fn mean_share(link: &LinkState) -> f64 {
    link.cap / f64::from(link.flows.len().max(1) as u32) * (1.0 + 1e-9)
}

/// Whether a link serving `total` bit/s of its capacity `cap` is saturated (to within rounding).
fn saturated(total: f64, cap: f64) -> bool {
    total >= cap * (1.0 - 1e-9)
}

/// Records that flow `i` is bottlenecked at link `l` (`NO_LINK`: at none) in both directions of the relation.
fn set_bottleneck_in(bneck: &mut [u32], bn_flows: &mut [Vec<u32>], i: u32, l: u32) {
    let old = bneck[i as usize];
    if old == l {
        return;
    }
    if old != NO_LINK {
        let v = &mut bn_flows[old as usize];
        if let Some(p) = v.iter().position(|&x| x == i) {
            v.swap_remove(p);
        }
    }
    if l != NO_LINK {
        bn_flows[l as usize].push(i);
    }
    bneck[i as usize] = l;
}

/// Per link, in a recompute with cap changes: room below saturation left by the batch's cap rises, and the
/// served rate per class its directly applied changes add.
#[derive(Debug, Clone, Copy, Default)]
struct DirectRoom {
    mark: u32,
    room: f64,
    delta: [f64; 2],
}

/// A link's place in the last solve that used it; valid only while `round` is that solve's.
#[derive(Debug, Clone, Copy, Default)]
struct LocalLink {
    round: u32,
    /// Its local index in the subproblem.
    index: u32,
    /// What flows outside the solved set use on it, bit/s (read again by the validation).
    outside: f64,
}

/// The working sets of one recompute (see [`Simulation::recompute`]).
#[derive(Debug, Default)]
struct ClosureScratch {
    /// F: the flows whose rates are re-solved, sorted before each solve.
    f_set: Vec<u32>,
    /// Links of S not yet expanded.
    pending: Vec<usize>,
    /// Flows the validation adds to F.
    add: Vec<u32>,
    /// Local -> global link index of the last solve.
    local: Vec<usize>,
    /// Links a flow starting now cannot get its cap on (contested links).
    hot: Vec<usize>,
    alloc: maxmin::Allocation,
}

/// A running simulation: fabric, workloads, flows, queues and counters, advanced by events on a simulated clock.
#[derive(Debug)]
pub struct Simulation {
    name: String,
    seed: u64,
    fabric: Fabric,
    wcmp: WcmpState,
    routes: RouteCache,
    qp: QueueParams,
    threshold: f64,
    slots: usize,
    hash_seed: u64,
    now: u64,
    duration: u64,
    window_ns: u64,
    epoch_unix_ns: i64,
    /// Timers and faults.
    events: BinaryHeap<Queued>,
    /// Flow completions (at most one per flow).
    done: events::CompletionQueue,
    seq: u64,
    flows: Vec<Option<Flow>>,
    free: Vec<u32>,
    next_flow_id: u64,
    /// Open-ended flows by (workload, tag), for rate-cap changes.
    open: OpenFlows,
    /// Path and counter binding of ended flows, reused when the same 5-tuple starts again under the same
    /// forwarding state; cleared whenever tables or the topology change.
    path_cache: PathCache,
    links: Vec<LinkState>,
    /// Per link: counter bases for switch resets, the source side's (tx) and the destination side's (rx); kept
    /// apart from `links`, which the engine reads on every rate change.
    link_bases: Vec<[CounterSnapshot; 2]>,
    workloads: Vec<Box<dyn Workload>>,
    wl_rng: Vec<Rng>,
    /// Byte counters (AFT per switch and prefix, WCMP per device, prefix and slot), indexed by the maps below;
    /// flows hold the indices of the counters they feed. A counter's value is its entry here (bytes of flows
    /// no longer bound to it) plus what each flow bound to it sent since binding (see `Simulation::acc_values`).
    acc_base: Vec<f64>,
    /// Destination prefix of each host (by node index).
    host_prefix: Vec<Option<usize>>,
    /// Every node's IPv4 address as an integer (hosts only), as `Fabric::host_ip` gives it.
    host_ip: Vec<Option<u32>>,
    aft: BTreeMap<(u32, u32), u32>,
    slot_acc: BTreeMap<(u32, u32, u16), u32>,
    /// Per counter (slot counters only): the next hop its traffic last took (what telemetry reports for
    /// unprogrammed tables).
    slot_link: Vec<Option<LinkId>>,
    /// Lookup copies of `aft` and `slot_acc` (hashed; the ordered maps serve per-switch listings).
    acc_index: FastMap<(u32, u32, u16), u32>,
    /// ECMP members of each (switch, prefix) group seen by a flow, for reporting unprogrammed tables whole.
    group_nh: FastMap<(u32, u32), std::sync::Arc<[LinkId]>>,
    /// Dense copies for binding a new path without hashing, by `switch index * prefixes + prefix`: the AFT
    /// counter (`NO_ACC` until a flow crosses the switch towards the prefix) and whether `group_nh` has the group.
    aft_dense: Vec<u32>,
    group_seen: Vec<bool>,
    faults: Vec<Fault>,
    /// Highest fencing token a slot-table write carried.
    fence: u64,
    dirty: Box<Dirty>,
    /// Actions of the last workload callback, cleared, kept for their capacity.
    actions: Vec<Action>,
    /// The previous batch's dirty lists, cleared, kept for their capacity.
    dirty_spare: Option<Box<Dirty>>,
    stats: Stats,
    // scratch for recompute
    link_mark: Vec<u32>,
    /// Per link: the mark of the last recompute that listed it as contested.
    hot_mark: Vec<u32>,
    /// Per link: working state of `apply_direct_caps` (valid when its mark is this recompute's).
    direct_room: Vec<DirectRoom>,
    /// Links `apply_direct_caps` touched, kept for its capacity.
    direct_links: Vec<u32>,
    /// Whether cap changes that cannot couple rates skip the solve (on; off solves every change, for comparison).
    direct_caps: bool,
    /// Per link: its place in the last solve that used it (see [`LocalLink`]).
    link_local: Vec<LocalLink>,
    local_round: u32,
    flow_mark: Vec<u32>,
    /// Per flow slot: the link the flow is bottlenecked at (`NO_LINK` if none), read by the closure search.
    bneck: Vec<u32>,
    /// Per link: the flows bottlenecked there (`bneck[f] == l`), unordered.
    bn_flows: Vec<Vec<u32>>,
    mark: u32,
    problem: maxmin::Problem,
    solver: maxmin::Scratch,
    /// `Fabric::usable` of every link, refreshed on topology change (read on every solve).
    link_usable: Vec<bool>,
    /// Capacity of every link, bit/s.
    link_cap: Vec<f64>,
    /// Working sets of `recompute`, kept for their capacity.
    closure: Option<Box<ClosureScratch>>,
    /// Per local link of a solve, in validation: rate added by the subproblem's flows, and its fair level. Kept
    /// at 0 and minus infinity (no level) between uses (each use restores what it reads), so a solve does not
    /// clear them.
    scratch_added: Vec<f64>,
    scratch_level: Vec<f64>,
    /// Per local link, in `apply_allocation`: change of served rate and overshoot per class. Kept at 0 between
    /// uses, as above.
    scratch_delta: Vec<[f64; 4]>,
    /// Upstream links of a pausing link (`attribute_pause`), kept for its capacity.
    pause_ups: Vec<usize>,
}

impl Simulation {
    /// Builds the fabric, places and starts the workloads, and schedules the faults.
    pub fn new(scenario: &Scenario) -> Result<Self> {
        let fabric = scenario.build_fabric()?;
        let p = &scenario.fabric;
        let nic_bps = fabric
            .hosts()
            .filter_map(|h| fabric.host_uplink(h))
            .map(|l| fabric.link(l).capacity_bps)
            .fold(0.0, f64::max);
        let host_prefix = host_prefixes(&fabric);
        let host_ip = fabric.node_ids().map(|n| fabric.host_ip(n).map(u32::from)).collect();
        let mut sim = Simulation {
            name: scenario.name.clone(),
            seed: scenario.seed,
            routes: RouteCache::new(&fabric),
            links: fabric
                .link_ids()
                .map(|l| {
                    let (a, b) = fabric.endpoints(l);
                    LinkState {
                        fabric: fabric.node(a).is_switch() && fabric.node(b).is_switch(),
                        cap: fabric.link(l).capacity_bps,
                        quiet: true,
                        // Room for a few flows up front: the lists would otherwise grow one by one as flows start.
                        flows: Vec::with_capacity(LINK_FLOWS_RESERVE),
                        ..Default::default()
                    }
                })
                .collect(),
            link_mark: vec![0; fabric.link_count()],
            hot_mark: vec![0; fabric.link_count()],
            direct_room: vec![DirectRoom::default(); fabric.link_count()],
            direct_links: Vec::new(),
            direct_caps: true,
            link_bases: vec![[CounterSnapshot::default(); 2]; fabric.link_count()],
            link_local: vec![LocalLink::default(); fabric.link_count()],
            local_round: 0,
            fabric,
            wcmp: WcmpState::new(),
            qp: p.queue(),
            threshold: p.congestion_threshold,
            slots: p.slots,
            hash_seed: if p.hash_seed == 0 { crate::rng::fmix64(scenario.seed ^ 0x5EED) } else { p.hash_seed },
            now: 0,
            duration: scenario.duration_ns(),
            window_ns: ((p.telemetry_window_ms * 1e6) as u64).max(1),
            epoch_unix_ns: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as i64)
                .unwrap_or(0),
            events: BinaryHeap::new(),
            done: events::CompletionQueue::default(),
            seq: 0,
            flows: Vec::new(),
            free: Vec::new(),
            next_flow_id: 1,
            open: OpenFlows::default(),
            path_cache: PathCache::default(),
            workloads: Vec::new(),
            wl_rng: Vec::new(),
            acc_base: Vec::new(),
            host_prefix,
            host_ip,
            aft: BTreeMap::new(),
            slot_acc: BTreeMap::new(),
            slot_link: Vec::new(),
            acc_index: FastMap::default(),
            group_nh: FastMap::default(),
            aft_dense: Vec::new(),
            group_seen: Vec::new(),
            faults: Vec::new(),
            fence: 0,
            dirty: Box::default(),
            actions: Vec::new(),
            dirty_spare: Some(Box::default()),
            stats: Stats::default(),
            flow_mark: Vec::new(),
            bneck: Vec::new(),
            bn_flows: Vec::new(),
            mark: 0,
            problem: maxmin::Problem::default(),
            solver: maxmin::Scratch::default(),
            link_usable: Vec::new(),
            link_cap: Vec::new(),
            closure: Some(Box::default()),
            scratch_added: Vec::new(),
            scratch_level: Vec::new(),
            scratch_delta: Vec::new(),
            pause_ups: Vec::new(),
        };
        sim.link_usable = sim.fabric.link_ids().map(|l| sim.fabric.usable(l)).collect();
        sim.link_cap = sim.fabric.link_ids().map(|l| sim.fabric.link(l).capacity_bps).collect();
        sim.bn_flows = vec![Vec::new(); sim.link_cap.len()];
        let dense = sim.routes.switch_count() * sim.fabric.prefixes().len();
        sim.aft_dense = vec![NO_ACC; dense];
        sim.group_seen = vec![false; dense];
        let mut pool = HostPool::new(&sim.fabric);
        let mut place_rng = Rng::derive(scenario.seed, 0xF1ACE);
        for (i, w) in scenario.workloads.iter().enumerate() {
            let mut rng = Rng::derive(scenario.seed, i as u64 + 1);
            let built =
                w.build(BuildCx { fabric: &sim.fabric, pool: &mut pool, rng: &mut place_rng, nic_bps, index: i })?;
            rng.next_u64();
            sim.workloads.push(built);
            sim.wl_rng.push(rng);
        }
        for (i, f) in scenario.faults.iter().enumerate() {
            let fault = f.fault()?;
            sim.check_fault_target(&fault)?;
            sim.faults.push(fault);
            sim.push(crate::workload::ms(f.at_s * 1e3), Event::Fault { index: i as u32, clear: false });
            if let Some(u) = f.until_s {
                sim.push(crate::workload::ms(u * 1e3), Event::Fault { index: i as u32, clear: true });
            }
        }
        for w in 0..sim.workloads.len() {
            sim.callback(w, |wl, cx| wl.start(cx));
        }
        sim.recompute();
        Ok(sim)
    }

    fn push(&mut self, at: u64, e: Event) {
        self.seq += 1;
        self.events.push(Queued { key: (u128::from(at) << 64) | u128::from(self.seq), event: e });
    }

    /// (Re)schedules flow `fi`'s completion after a rate change (`when` from [`reschedule`]; none: it has none).
    fn schedule_done(&mut self, fi: u32, when: Option<(u64, u32)>) {
        schedule_done_in(&mut self.seq, &mut self.done, fi, when);
    }

    /// The key of the next event of either queue.
    fn next_key(&self) -> Option<u128> {
        match (self.events.peek().map(|q| q.key), self.done.peek_key()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether cap changes that cannot couple rates are applied without a solve (default on; the results are
    /// the same max-min rates either way).
    pub fn set_direct_caps(&mut self, on: bool) {
        self.direct_caps = on;
    }

    /// Simulated time now, ns since start.
    pub fn now_ns(&self) -> u64 {
        self.now
    }
    /// Scenario duration, ns.
    pub fn duration_ns(&self) -> u64 {
        self.duration
    }
    pub fn fabric(&self) -> &Fabric {
        &self.fabric
    }
    pub fn wcmp(&self) -> &WcmpState {
        &self.wcmp
    }
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// Sets the wall-clock instant that simulated time 0 maps to (telemetry timestamps).
    pub fn set_epoch_unix_ns(&mut self, t: i64) {
        self.epoch_unix_ns = t;
    }

    /// Runs to the end of the scenario.
    pub fn run(&mut self) {
        self.run_until(self.duration);
        self.settle_all();
    }

    /// Processes every event up to `t_ns` (never past the scenario's end) and moves the clock there.
    pub fn run_until(&mut self, t_ns: u64) {
        let t_ns = t_ns.min(self.duration);
        while let Some(at) = self.next_key().map(|k| (k >> 64) as u64) {
            if at > t_ns {
                break;
            }
            self.now = at.max(self.now);
            self.stats.batches += 1;
            // Both queues' events of this instant, in key order.
            while let Some(key) = self.next_key() {
                if (key >> 64) as u64 != at {
                    break;
                }
                let e = if self.done.peek_key() == Some(key) {
                    let (_, flow, version) = self.done.pop().expect("peeked");
                    Event::FlowDone { flow, version }
                } else {
                    self.events.pop().expect("peeked").event
                };
                self.stats.events += 1;
                self.handle(e);
            }
            self.recompute();
        }
        self.now = t_ns.max(self.now);
    }

    fn handle(&mut self, e: Event) {
        match e {
            Event::Timer { workload, tag } => self.callback(workload as usize, |w, cx| w.on_timer(tag, cx)),
            Event::FlowDone { flow, version } => {
                let ok = self.flows.get(flow as usize).and_then(Option::as_ref).is_some_and(|f| f.version == version);
                if ok {
                    debug_assert!(
                        self.flows[flow as usize].as_ref().is_some_and(|f| f.remaining_at(self.now) < 1.0),
                        "flow slot {flow} completed with bytes left"
                    );
                    let owner = self.remove_flow(flow);
                    self.stats.flows_completed += 1;
                    self.callback(owner.workload as usize, |w, cx| w.on_flow_done(owner.tag, cx));
                } else {
                    self.stats.stale_events += 1;
                }
            }
            Event::Fault { index, clear } => {
                let action = FaultAction { fault: self.faults[index as usize].clone(), clear };
                if let Err(e) = self.apply_fault(&action) {
                    tracing::warn!(error = %e, "scheduled fault failed");
                }
            }
        }
    }

    /// Runs a workload callback and applies what it asked for.
    fn callback(&mut self, w: usize, f: impl FnOnce(&mut dyn Workload, &mut Cx)) {
        // The action list is kept between callbacks (a background redraw emits one action per connection).
        let mut out = std::mem::take(&mut self.actions);
        {
            let mut cx = Cx { now: self.now, rng: &mut self.wl_rng[w], out: &mut out };
            f(self.workloads[w].as_mut(), &mut cx);
        }
        for a in out.drain(..) {
            match a {
                Action::Start(spec) => self.start_flow(w as u32, spec),
                Action::Timer { at_ns, tag } => {
                    self.push(at_ns.max(self.now), Event::Timer { workload: w as u32, tag })
                }
                Action::SetCap { tag, cap_bps } => {
                    for &i in self.open.get(w as u32, tag) {
                        if let Some(f) = self.flows[i as usize].as_mut() {
                            f.cap_bps = cap_bps.max(0.0);
                            self.dirty.capped.push(i);
                        }
                    }
                }
            }
        }
        self.actions = out;
    }

    fn forwarder(&mut self) -> Forwarder<'_> {
        Forwarder {
            fabric: &self.fabric,
            wcmp: &self.wcmp,
            routes: &mut self.routes,
            default_slots: self.slots,
            hash_seed: self.hash_seed,
        }
    }

    /// The path a packet of this 5-tuple takes from host `src` to host `dst` now.
    pub fn trace(&mut self, src: NodeId, dst: NodeId, tuple: &FiveTuple) -> Option<Vec<Hop>> {
        let prefix = self.fabric.prefix_for(self.fabric.host_ip(dst)?)?;
        self.forwarder().path(src, dst, prefix, tuple)
    }

    fn start_flow(&mut self, w: u32, s: FlowSpec) {
        let ip = |n: NodeId| self.host_ip.get(n.index()).copied().flatten();
        let (Some(src_ip), Some(dst_ip)) = (ip(s.src), ip(s.dst)) else { return };
        let Some(prefix) = self.host_prefix[s.dst.index()] else { return };
        let tuple = FiveTuple { src_ip, dst_ip, src_port: s.src_port, dst_port: s.dst_port, protocol: s.protocol };
        let (path, accs) = match self.path_cache.take(w, s.tag, &tuple) {
            Some(cached) => cached,
            None => {
                let path = self.forwarder().path(s.src, s.dst, prefix, &tuple).unwrap_or_default();
                let accs = self.bind_accs(prefix, &path);
                (path, accs)
            }
        };
        let idx = self.free.pop().unwrap_or_else(|| {
            self.flows.push(None);
            self.flow_mark.push(0);
            self.bneck.push(NO_LINK);
            (self.flows.len() - 1) as u32
        });
        let flow = Flow {
            id: self.next_flow_id,
            src: s.src,
            dst: s.dst,
            prefix,
            tuple,
            class: s.class,
            owner: Owner { workload: w, tag: s.tag },
            cap_bps: s.cap_bps,
            remaining: s.bytes,
            since: self.now,
            rate: 0.0,
            sent: 0.0,
            acc_from: 0.0,
            path,
            accs,
            started_ns: self.now,
            version: 0,
        };
        self.next_flow_id += 1;
        self.stats.flows_started += 1;
        self.bneck[idx as usize] = NO_LINK;
        if s.bytes.is_infinite() {
            self.open.add(w, s.tag, idx);
        }
        for h in &flow.path {
            self.links[h.link.index()].flows.push(idx);
        }
        self.flows[idx as usize] = Some(flow);
        self.dirty.flows.push(idx);
    }

    /// Takes a flow out of the fabric (settling its counters at `now`); returns who started it.
    fn remove_flow(&mut self, i: u32) -> Owner {
        self.set_bottleneck(i, NO_LINK);
        // The path and counters move to the cache; the rest of the flow is dropped in place (not copied out).
        let f = self.flows[i as usize].as_mut().expect("caller checked");
        // (`unbind_accs` without re-binding: the flow is dropped.)
        fold_into_accs(f, self.now, &mut self.acc_base);
        let (path, accs) = (std::mem::take(&mut f.path), std::mem::take(&mut f.accs));
        let (owner, tuple, open_ended) = (f.owner, f.tuple, f.remaining.is_infinite());
        let (rate, class) = (f.rate, f.class.index());
        self.flows[i as usize] = None;
        // One pass over the path: each link is settled with the flow still counted, then loses its rate and its
        // place in the link's flow list, and is marked for the recompute where flows are bottlenecked.
        for h in &path {
            let l = h.link.index();
            if rate != 0.0 {
                self.settle(l);
                let served = &mut self.links[l].served[class];
                *served = (*served - rate).max(0.0);
            }
            let v = &mut self.links[l].flows;
            if let Some(p) = v.iter().rposition(|&x| x == i) {
                v.swap_remove(p);
            }
            // The capacity freed here matters only to flows bottlenecked at the link (a link no flow is limited by
            // changes no rate; if the recompute's new rates saturate it, validation still finds it).
            if !self.bn_flows[l].is_empty() {
                self.dirty.links.push(l as u32);
            }
        }
        if open_ended {
            self.open.remove(owner.workload, owner.tag, i);
        }
        self.free.push(i);
        let bound = 4096 + self.flows.len();
        self.path_cache.put(owner, tuple, path, accs, bound);
        owner
    }

    fn unlink(&mut self, i: u32, path: &[Hop]) {
        for h in path {
            let l = h.link.index();
            let v = &mut self.links[l].flows;
            if let Some(p) = v.iter().rposition(|&x| x == i) {
                v.swap_remove(p);
            }
            self.dirty.links.push(l as u32);
        }
    }

    /// Re-resolves the path of every flow (after a topology or table change); flows whose path changed move.
    fn repath(&mut self, only_prefix: Option<usize>) {
        self.path_cache.clear();
        for i in 0..self.flows.len() {
            let Some(f) = self.flows[i].as_ref() else { continue };
            if only_prefix.is_some_and(|p| p != f.prefix) {
                continue;
            }
            let (src, dst, prefix, tuple) = (f.src, f.dst, f.prefix, f.tuple);
            let new = self.forwarder().path(src, dst, prefix, &tuple).unwrap_or_default();
            if new != self.flows[i].as_ref().expect("checked").path {
                self.set_rate(i as u32, 0.0);
                // Its completion is rescheduled when the recompute gives it a rate on the new path (none while
                // the destination is unreachable).
                self.done.remove(i as u32);
                self.unbind_accs(i as u32);
                let accs = self.bind_accs(prefix, &new);
                let fl = self.flows[i].as_mut().expect("checked");
                fl.accs = accs;
                fl.acc_from = fl.sent;
                let old = std::mem::replace(&mut fl.path, new.clone());
                self.unlink(i as u32, &old);
                for h in &new {
                    self.links[h.link.index()].flows.push(i as u32);
                }
                self.dirty.flows.push(i as u32);
            }
        }
    }

    /// Integrates link `l`'s queues and statistics up to `now`.
    ///
    /// The common case, a quiet link (nothing queued or arriving above the fair rates), is inlined: only the served
    /// bytes and the utilization statistics count. (The telemetry window is not rolled: the next roll of an empty
    /// queue, however many windows later, gives what rolling it now would.) The rest is
    /// [`Simulation::settle_queues`].
    #[inline]
    fn settle(&mut self, l: usize) {
        let now = self.now;
        let link = &mut self.links[l];
        if link.settled >= now {
            return;
        }
        if !link.quiet {
            self.settle_queues(l);
            return;
        }
        let dt = span_f64(now - link.settled) * 1e-9;
        let total = link.total_rate();
        link.tx[0] += link.served[0] * dt / 8.0;
        link.tx[1] += link.served[1] * dt / 8.0;
        link.settled = now;
        let util = total / link.cap;
        let congested = if util > self.threshold { dt } else { 0.0 };
        link.congested_s += congested;
        if link.fabric {
            self.stats.add_utilization(util, dt);
            self.stats.congested_link_s += congested;
        }
    }

    /// [`Simulation::settle`] of a link whose queues are not quiet.
    #[inline(never)]
    fn settle_queues(&mut self, l: usize) {
        let now = self.now;
        let link = &mut self.links[l];
        let dt = span_f64(now - link.settled) * 1e-9;
        let total = link.total_rate();
        let mut limit_s: f64 = 0.0;
        let mut paused = 0.0;
        for c in 0..2 {
            link.tx[c] += link.served[c] * dt / 8.0;
        }
        {
            let cap = link.cap;
            let window = link.settled / self.window_ns;
            link.settled = now;
            let spare = (cap - total).max(self.qp.drain_frac * cap);
            for c in 0..2 {
                link.queues[c].roll_to(window);
                if link.queues[c].q_bytes == 0.0 && link.queues[c].excess_bps == 0.0 {
                    // Empty with nothing arriving above the fair rates: `advance` would change nothing.
                    continue;
                }
                let w = if total > 0.0 { link.served[c] / total } else { 0.5 };
                let iv = link.queues[c].advance(&self.qp, dt, link.served[c], spare * w, c == 0);
                limit_s = limit_s.max(iv.limit_s);
                if c == 0 {
                    paused = iv.limit_s;
                }
                self.stats.dropped_pkts += iv.dropped_bytes / self.qp.pkt_bytes;
            }
            link.quiet = link.queues.iter().all(ClassQueue::idle);
        }
        let util = total / link.cap;
        let congested = if util > self.threshold { dt } else { limit_s };
        link.congested_s += congested;
        if link.fabric {
            self.stats.add_utilization(util, dt);
            self.stats.congested_link_s += congested;
        }
        if paused > 0.0 {
            self.stats.pfc_pause_s += paused;
            self.attribute_pause(l, paused);
        }
    }

    /// PFC: the lossless queue of link `l` sat at Xoff for `secs`; pause the upstream links feeding it.
    fn attribute_pause(&mut self, l: usize, secs: f64) {
        let mut ups = std::mem::take(&mut self.pause_ups);
        ups.clear();
        for &fi in &self.links[l].flows {
            let Some(f) = self.flows[fi as usize].as_ref() else { continue };
            if f.class.index() != 0 {
                continue;
            }
            if let Some(p) = f.path.iter().position(|h| h.link.index() == l) {
                if p > 0 {
                    ups.push(f.path[p - 1].link.index());
                }
            }
        }
        ups.sort_unstable();
        ups.dedup();
        for &u in &ups {
            self.links[u].paused_s += secs;
            self.links[u].pause_frames += secs / self.qp.pause_refresh_s;
        }
        self.pause_ups = ups;
    }

    /// Changes one flow's rate at `now`, updating every lazily integrated quantity it feeds.
    fn set_rate(&mut self, i: u32, rate: f64) {
        let now = self.now;
        let Some(f) = self.flows[i as usize].as_mut() else { return };
        let old = f.rate;
        if old == rate {
            return;
        }
        f.rebase(now, rate);
        let (class, delta) = (f.class.index(), rate - old);
        let hops = std::mem::take(&mut f.path);
        for h in &hops {
            let l = h.link.index();
            self.settle(l);
            let link = &mut self.links[l];
            link.served[class] = (link.served[class] + delta).max(0.0);
        }
        if let Some(f) = self.flows[i as usize].as_mut() {
            f.path = hops;
        }
    }

    /// The counters a flow on `path` towards `prefix` feeds: AFT at every switch it crosses, WCMP slots it used.
    fn bind_accs(&mut self, prefix: usize, path: &[Hop]) -> Vec<u32> {
        let mut out = Vec::with_capacity(path.len() * 2);
        let p = prefix as u32;
        let np = self.fabric.prefixes().len();
        for h in path.iter().filter(|h| h.slot != NO_SLOT) {
            let Some(si) = self.routes.switch_index(h.chooser) else { continue };
            if !self.group_seen[si * np + prefix] {
                self.group_seen[si * np + prefix] = true;
                let nh = self.routes.next_hops(&self.fabric, h.chooser, prefix);
                self.group_nh.insert((h.chooser.index() as u32, p), nh);
            }
        }
        for (k, h) in path.iter().enumerate() {
            if k > 0 {
                let sw = self.fabric.endpoints(h.link).0;
                let d = self.routes.switch_index(sw).map(|si| si * np + prefix);
                let a = match d.map(|d| self.aft_dense[d]) {
                    Some(a) if a != NO_ACC => a,
                    _ => {
                        // AFT counters are keyed with `NO_SLOT` in the lookup table.
                        let key = (sw.index() as u32, p, NO_SLOT);
                        let a = match self.acc_index.get(&key) {
                            Some(&a) => a,
                            None => {
                                let a = self.new_acc(key);
                                self.aft.insert((key.0, p), a);
                                a
                            }
                        };
                        if let Some(d) = d {
                            self.aft_dense[d] = a;
                        }
                        a
                    }
                };
                out.push(a);
            }
            if h.slot != NO_SLOT {
                let key = (h.chooser.index() as u32, p, h.slot);
                let a = match self.acc_index.get(&key) {
                    Some(&a) => a,
                    None => {
                        let a = self.new_acc(key);
                        self.slot_acc.insert(key, a);
                        a
                    }
                };
                self.slot_link[a as usize] = Some(h.link);
                out.push(a);
            }
        }
        out
    }

    fn new_acc(&mut self, key: (u32, u32, u16)) -> u32 {
        self.acc_base.push(0.0);
        self.slot_link.push(None);
        let a = (self.acc_base.len() - 1) as u32;
        self.acc_index.insert(key, a);
        a
    }

    /// Moves what flow `i` sent since binding into its counters' bases (before it leaves them).
    fn unbind_accs(&mut self, i: u32) {
        let Some(f) = self.flows[i as usize].as_mut() else { return };
        fold_into_accs(f, self.now, &mut self.acc_base);
        f.acc_from = f.sent_at(self.now);
    }

    /// The value of every byte counter at `now`.
    pub(crate) fn acc_values(&self) -> Vec<f64> {
        let mut v = self.acc_base.clone();
        for f in self.flows.iter().flatten() {
            let bytes = f.sent_at(self.now) - f.acc_from;
            for &a in &f.accs {
                v[a as usize] += bytes;
            }
        }
        v
    }

    /// Records that flow `i` is bottlenecked at link `l` (`NO_LINK`: at none).
    fn set_bottleneck(&mut self, i: u32, l: u32) {
        set_bottleneck_in(&mut self.bneck, &mut self.bn_flows, i, l);
    }

    fn next_mark(&mut self) -> u32 {
        self.mark = self.mark.wrapping_add(1);
        if self.mark == 0 {
            self.link_mark.iter_mut().for_each(|m| *m = 0);
            self.hot_mark.iter_mut().for_each(|m| *m = 0);
            self.direct_room.iter_mut().for_each(|e| e.mark = 0);
            self.flow_mark.iter_mut().for_each(|m| *m = 0);
            self.mark = 1;
        }
        self.mark
    }

    /// Recomputes max-min rates for the flows the current batch affected.
    ///
    /// Starting from the links of changed flows, the affected set grows through every *saturated* link of an affected
    /// flow (only saturated links couple rates); after solving, any further link the new rates saturate joins and the
    /// set is solved again. Flows outside the set keep their rates, which stay max-min fair because they share only
    /// unsaturated links with it.
    fn recompute(&mut self) {
        if self.dirty.links.is_empty() && self.dirty.flows.is_empty() && self.dirty.capped.is_empty() {
            return;
        }
        // Boxed, so that taking them out of `self` for the recompute moves pointers, not the lists' headers.
        let spare = self.dirty_spare.take().unwrap_or_default();
        let mut dirty = std::mem::replace(&mut self.dirty, spare);
        let mut cs = self.closure.take().unwrap_or_default();
        self.stats.recomputes += 1;
        let m = self.next_mark();
        cs.f_set.clear();
        cs.pending.clear();
        cs.add.clear();
        // A link joins S (marked); it is queued for expansion only if flows are bottlenecked there (the
        // expansion of any other link adds nothing to F).
        for &l in &dirty.links {
            let l = l as usize;
            if self.link_mark[l] != m {
                self.link_mark[l] = m;
                if !self.bn_flows[l].is_empty() {
                    cs.pending.push(l);
                }
            }
        }
        if !dirty.capped.is_empty() {
            if self.direct_caps && dirty.capped.len() <= DIRECT_CAPS_MAX_BATCH {
                self.apply_direct_caps(&mut dirty, m, &mut cs.pending);
            } else {
                dirty.flows.extend_from_slice(&dirty.capped);
            }
        }
        cs.hot.clear();
        for &fi in &dirty.flows {
            if let Some(f) = self.flows[fi as usize].as_ref() {
                if self.flow_mark[fi as usize] != m {
                    self.flow_mark[fi as usize] = m;
                    cs.f_set.push(fi);
                }
                let fresh = f.rate == 0.0 && f.started_ns == self.now;
                for h in &f.path {
                    let l = h.link.index();
                    if self.link_mark[l] != m {
                        self.link_mark[l] = m;
                        if !self.bn_flows[l].is_empty() {
                            cs.pending.push(l);
                        }
                    }
                    let link = &self.links[l];
                    if fresh && self.hot_mark[l] != m && link.total_rate() + f.cap_bps > link.cap * (1.0 - 1e-9) {
                        self.hot_mark[l] = m;
                        // Only a link whose flows together run above its mean share can have a flow above it
                        // (the scan below looks for those).
                        if link.total_rate() > mean_share(link) {
                            cs.hot.push(l);
                        }
                    }
                }
            }
        }
        // Flows of a contested link that run above its mean share may have to slow down for the new flows (a
        // saturated link's level is at least its mean share, so no other flow can be above it): take them into
        // F now rather than after a first solve. Any F is exact; the validation below still checks.
        {
            let ClosureScratch { hot, f_set, pending, .. } = &mut *cs;
            let (links, flows, bn_flows) = (&self.links[..], &self.flows[..], &self.bn_flows[..]);
            let (flow_mark, link_mark) = (&mut self.flow_mark[..], &mut self.link_mark[..]);
            for &l in hot.iter() {
                let share = mean_share(&links[l]);
                take_flows_above(l, share, m, links, flows, bn_flows, flow_mark, link_mark, f_set, pending);
            }
        }
        let mut solved = 0;
        loop {
            // Grow F through S: the flows bottlenecked at an S link can change; their saturated links join S.
            {
                let ClosureScratch { f_set, pending, .. } = &mut *cs;
                let (links, flows, bn_flows) = (&self.links[..], &self.flows[..], &self.bn_flows[..]);
                let (flow_mark, link_mark) = (&mut self.flow_mark[..], &mut self.link_mark[..]);
                while let Some(l) = pending.pop() {
                    for &fi in &bn_flows[l] {
                        if flow_mark[fi as usize] == m {
                            continue;
                        }
                        flow_mark[fi as usize] = m;
                        f_set.push(fi);
                        if let Some(f) = flows[fi as usize].as_ref() {
                            push_saturated_links(f, m, link_mark, links, bn_flows, pending);
                        }
                    }
                }
            }
            if cs.f_set.is_empty() {
                // No flow can change rate: the batch only freed capacity no flow was limited by.
                break;
            }
            if cs.f_set.len() == solved {
                // S grew but F did not: the solve depends on F only, so the allocation stands (and passes).
                break;
            }
            solved = cs.f_set.len();
            // A large set is solved in slab order, so it is read in memory order (a small one is cached anyway, and
            // solved in discovery order, which is as deterministic).
            if cs.f_set.len() > 256 {
                cs.f_set.sort_unstable();
            }
            self.solve(&cs.f_set, &mut cs.local, &mut cs.alloc);
            self.stats.solves += 1;
            if !self.validate_closure(&mut cs, m) {
                break;
            }
            cs.f_set.append(&mut cs.add);
        }
        self.stats.closure_flows += cs.f_set.len() as u64;
        if !cs.f_set.is_empty() {
            self.apply_allocation(&cs.f_set, &cs.alloc, &cs.local);
        }
        dirty.links.clear();
        dirty.flows.clear();
        dirty.capped.clear();
        self.dirty_spare = Some(dirty);
        self.closure = Some(cs);
    }

    /// Cap changes that cannot couple rates are applied without a solve: a flow limited by its own cap (at no
    /// link) whose links all stay unsaturated when every cap change of the batch is added to them runs at its new
    /// cap, and no other flow changes for it. Its links still join S where flows are bottlenecked there (a lower
    /// cap frees capacity they may take). The rest join `dirty.flows` and are solved. Exact either way: the new
    /// rate counts as outside usage in the solve, and if the solve saturates one of its links, validation takes it
    /// into F (it then runs faster than that link's level).
    fn apply_direct_caps(&mut self, dirty: &mut Dirty, m: u32, pending: &mut Vec<usize>) {
        // Per link: the room left below saturation if every cap change of the batch took full effect (falls
        // count as 0; an unusable link has none), then the served rate the direct changes add per class.
        let mut touched = std::mem::take(&mut self.direct_links);
        touched.clear();
        for &fi in &dirty.capped {
            let Some(f) = self.flows[fi as usize].as_ref() else { continue };
            if self.bneck[fi as usize] != NO_LINK && f.cap_bps >= f.rate {
                // Held at its bottleneck, below its new cap: it keeps its rate (see below).
                continue;
            }
            let d = (f.cap_bps - f.rate).max(0.0);
            for h in &f.path {
                let l = h.link.index();
                let e = &mut self.direct_room[l];
                if e.mark != m {
                    let room = if self.link_usable[l] {
                        self.links[l].cap * (1.0 - 1e-6) - self.links[l].total_rate()
                    } else {
                        f64::NEG_INFINITY
                    };
                    *e = DirectRoom { mark: m, room, delta: [0.0; 2] };
                    touched.push(l as u32);
                }
                e.room -= d;
            }
        }
        let now = self.now;
        let mut direct = 0u64;
        let Dirty { capped, flows: solve, .. } = dirty;
        for &fi in capped.iter() {
            let Some(f) = self.flows[fi as usize].as_mut() else { continue };
            if self.bneck[fi as usize] != NO_LINK && f.cap_bps >= f.rate {
                // A flow held below its cap by a saturated link where it runs at the link's level keeps that
                // bottleneck whatever its cap as long as the cap is not below its rate: the allocation stays max-min
                // fair (and it is the only one), so nothing changes. (A change elsewhere in the batch that moves
                // the link's level brings the flow into F through the link, with its new cap.)
                direct += 1;
                continue;
            }
            let ok = f.rate > 0.0
                && !f.path.is_empty()
                && self.bneck[fi as usize] == NO_LINK
                && f.path.iter().all(|h| self.direct_room[h.link.index()].room > 0.0);
            if !ok {
                solve.push(fi);
                continue;
            }
            direct += 1;
            let (cap, class) = (f.cap_bps, f.class.index());
            let d = cap - f.rate;
            if d != 0.0 {
                f.rebase(now, cap);
                for h in &f.path {
                    self.direct_room[h.link.index()].delta[class] += d;
                }
            }
            let when = reschedule(f, now);
            self.schedule_done(fi, when);
        }
        // Each link settled once, however many of its flows changed; a link where flows are bottlenecked joins S.
        for &l in &touched {
            let l = l as usize;
            let d = self.direct_room[l].delta;
            if d[0] != 0.0 || d[1] != 0.0 {
                self.add_to_link(l, d, [0.0; 2]);
                if self.link_mark[l] != m && !self.bn_flows[l].is_empty() {
                    self.link_mark[l] = m;
                    pending.push(l);
                }
            }
        }
        self.stats.direct_caps += direct;
        self.direct_links = touched;
    }

    /// Checks a closure's solution against the flows left outside it. Returns true (and what to add) when
    /// - a link outside S is saturated by the new rates (it joins S), or
    /// - a flow outside F on a link of the subproblem runs faster than that link's new fair level (it joins F).
    fn validate_closure(&mut self, cs: &mut ClosureScratch, m: u32) -> bool {
        let ClosureScratch { pending, add, local, alloc, .. } = cs;
        let mut added = std::mem::take(&mut self.scratch_added);
        let mut level = std::mem::take(&mut self.scratch_level);
        // Both hold their resting values (0, minus infinity: no level) wherever they are long enough.
        if added.len() < local.len() {
            added.resize(local.len(), 0.0);
        }
        if level.len() < local.len() {
            level.resize(local.len(), f64::NEG_INFINITY);
        }
        let p = &self.problem;
        for ((w, &rate), &bottleneck) in p.start.windows(2).zip(&alloc.rate).zip(&alloc.bottleneck) {
            for &li in &p.hops[w[0] as usize..w[1] as usize] {
                added[li as usize] += rate;
            }
            if let Some(b) = bottleneck {
                // (A compare, not `f64::max`: rates are never NaN.)
                let lv = &mut level[b as usize];
                if rate > *lv {
                    *lv = rate;
                }
            }
        }
        let mut grew = false;
        let per_link = local.iter().zip(&self.problem.link_cap).zip(added.iter_mut().zip(level.iter_mut()));
        for ((&l, &room), (added, level)) in per_link {
            // Read once, and put back to rest.
            let (added, level) = (std::mem::take(added), std::mem::replace(level, f64::NEG_INFINITY));
            let cap = self.link_cap[l];
            if self.link_mark[l] != m {
                let new_total = cap - room + added;
                if saturated(new_total, cap) {
                    self.link_mark[l] = m;
                    pending.push(l);
                    grew = true;
                }
            }
            let lim = level * (1.0 + 1e-9) + 1e-6;
            // No outside flow can run faster than the level when all of them together do not.
            if level.is_finite() && self.link_local[l].outside > lim {
                let (links, flows, bn_flows) = (&self.links[..], &self.flows[..], &self.bn_flows[..]);
                let (flow_mark, link_mark) = (&mut self.flow_mark[..], &mut self.link_mark[..]);
                grew |= take_flows_above(l, lim, m, links, flows, bn_flows, flow_mark, link_mark, add, pending);
            }
        }
        self.scratch_added = added;
        self.scratch_level = level;
        grew
    }

    /// Builds and solves the max-min subproblem of `f_set`; returns the allocation and the local→global link map.
    fn solve(&mut self, f_set: &[u32], local: &mut Vec<usize>, alloc: &mut maxmin::Allocation) {
        self.local_round = self.local_round.wrapping_add(1).max(1);
        let lm = self.local_round;
        local.clear();
        let mut p = std::mem::take(&mut self.problem);
        p.clear();
        // In the same pass: what flows outside the set use on each link, the link's total minus the set's
        // current rates, kept with the link's local index.
        // (The hop list grows by `extend` over a slice: one capacity check per flow, not per hop.)
        let (link_local, links) = (&mut self.link_local[..], &self.links[..]);
        for &fi in f_set {
            let f = self.flows[fi as usize].as_ref().expect("in set");
            let rate = f.rate;
            p.hops.extend(f.path.iter().map(|h| {
                let l = h.link.index();
                let e = &mut link_local[l];
                if e.round != lm {
                    *e = LocalLink { round: lm, index: local.len() as u32, outside: links[l].total_rate() };
                    local.push(l);
                }
                e.outside -= rate;
                e.index
            }));
            let cap = if f.path.is_empty() { 0.0 } else { f.cap_bps };
            p.end_flow(cap);
        }
        let (link_cap, usable) = (&self.link_cap, &self.link_usable);
        p.link_cap.extend(local.iter().map(|&l| {
            let o = &mut link_local[l].outside;
            *o = o.max(0.0);
            if usable[l] {
                (link_cap[l] - *o).max(0.0)
            } else {
                0.0
            }
        }));
        maxmin::solve_with(&p, &mut self.solver, alloc);
        self.problem = p;
    }

    /// Applies new rates: counters, queue overshoot at each flow's bottleneck, completion events.
    ///
    /// The flows' rate changes and queue overshoots are summed per link first, so each link is settled and updated
    /// once however many of its flows changed.
    fn apply_allocation(&mut self, f_set: &[u32], alloc: &maxmin::Allocation, local: &[usize]) {
        let now = self.now;
        // Per local link: change of served rate per class, then overshoot added to the queue per class (all 0
        // wherever the array is long enough).
        let mut delta = std::mem::take(&mut self.scratch_delta);
        if delta.len() < local.len() {
            delta.resize(local.len(), [0.0; 4]);
        }
        // (Slices, taken once: their pointers and lengths stay in registers.)
        let (p, link_cap, flows) = (&self.problem, &self.link_cap[..], &mut self.flows[..]);
        let (bneck, bn_flows, seq, done) = (&mut self.bneck[..], &mut self.bn_flows[..], &mut self.seq, &mut self.done);
        let per_flow = f_set.iter().zip(p.start.windows(2)).zip(&alloc.rate).zip(&alloc.bottleneck);
        for (((&fi, w), &new), &bottleneck) in per_flow {
            let Some(f) = flows[fi as usize].as_mut() else { continue };
            let fresh = f.since == now && f.rate == 0.0 && f.started_ns == now;
            let first = f.path.first().map(|h| h.link.index());
            let sending = if fresh { f.cap_bps.min(first.map_or(0.0, |l| link_cap[l])) } else { f.rate };
            let class = f.class.index();
            let changed = new != f.rate || fresh;
            if new != f.rate {
                let d = new - f.rate;
                f.rebase(now, new);
                for &li in &p.hops[w[0] as usize..w[1] as usize] {
                    delta[li as usize][class] += d;
                }
            }
            set_bottleneck_in(bneck, bn_flows, fi, bottleneck.map_or(NO_LINK, |b| local[b as usize] as u32));
            if let Some(b) = bottleneck {
                let overshoot = sending - new;
                if overshoot > 0.0 && first != Some(local[b as usize]) {
                    delta[b as usize][2 + class] += overshoot;
                }
            }
            if changed {
                let when = reschedule(f, now);
                schedule_done_in(seq, done, fi, when);
            }
        }
        for (&l, e) in local.iter().zip(delta.iter_mut()) {
            // Read once, and put back to rest.
            let e = std::mem::take(e);
            let (d, x) = ([e[0], e[1]], [e[2], e[3]]);
            // (Element by element: an array compare goes through a slice compare.)
            if e.iter().any(|&v| v != 0.0) {
                self.add_to_link(l, d, x);
            }
        }
        self.scratch_delta = delta;
    }

    /// Settles link `l` at `now`, then adds `d` to its served rate per class and `x` to its queues' overshoot.
    fn add_to_link(&mut self, l: usize, d: [f64; 2], x: [f64; 2]) {
        self.settle(l);
        let link = &mut self.links[l];
        for c in 0..2 {
            if d[c] != 0.0 {
                link.served[c] = (link.served[c] + d[c]).max(0.0);
            }
            if x[c] != 0.0 {
                link.queues[c].excess_bps += x[c];
                link.quiet = false;
            }
        }
    }

    /// Injects or clears a fault now. Unknown targets are rejected and change nothing.
    pub fn apply_fault(&mut self, action: &FaultAction) -> Result<()> {
        self.check_fault_target(&action.fault)?;
        let up = action.clear;
        match &action.fault {
            Fault::LinkDown(t) => {
                let l = self.resolve_link(t)?;
                self.fabric.set_link_up(l, up);
            }
            Fault::SwitchDown(t) => {
                let n = self.resolve_switch(t)?;
                if up && !self.fabric.node(n).up {
                    self.reset_counters(n);
                }
                self.fabric.set_node_up(n, up);
            }
            Fault::Drain(t) => {
                if t.contains(':') {
                    let l = self.resolve_link(t)?;
                    self.fabric.set_link_drained(l, !up);
                } else {
                    let n = self.resolve_switch(t)?;
                    self.fabric.set_switch_drained(n, !up);
                }
            }
        }
        self.routes.invalidate(&self.fabric);
        self.group_nh.clear();
        self.group_seen.fill(false);
        self.link_usable = self.fabric.link_ids().map(|l| self.fabric.usable(l)).collect();
        self.repath(None);
        self.recompute();
        Ok(())
    }
}

impl Simulation {
    /// Every workload's raw report (iteration and completion times).
    pub fn job_reports(&self) -> Vec<crate::workload::JobReport> {
        self.workloads.iter().map(|w| w.report()).collect()
    }

    /// Settles every link at `now` (called at the end of a run so statistics cover all of it).
    pub fn settle_all(&mut self) {
        for l in 0..self.links.len() {
            self.settle(l);
        }
    }

    pub(crate) fn build_summary(&self) -> crate::summary::Summary {
        use crate::summary::{JobSummary, Summary};
        let ms = |ns: u64| ns as f64 / 1e6;
        let jobs = self
            .workloads
            .iter()
            .map(|w| {
                let r = w.report();
                let it = |q: f64| (!r.iterations_ns.is_empty()).then(|| ms(stats::percentile(&r.iterations_ns, q)));
                let co = |q: f64| (!r.completions_ns.is_empty()).then(|| ms(stats::percentile(&r.completions_ns, q)));
                let ideal = r.ideal_iteration_ns.map(ms);
                let ratio = |x: Option<f64>| x.zip(ideal).map(|(a, b)| if b > 0.0 { a / b } else { 0.0 });
                JobSummary {
                    name: r.name.clone(),
                    kind: r.kind.clone(),
                    iterations: r.iterations_ns.len(),
                    ideal_iteration_ms: ideal,
                    iteration_p50_ms: it(0.5),
                    iteration_p99_ms: it(0.99),
                    slowdown_p50: ratio(it(0.5)),
                    slowdown_p99: ratio(it(0.99)),
                    completions: r.completions_ns.len(),
                    completion_p50_ms: co(0.5),
                    completion_p99_ms: co(0.99),
                }
            })
            .collect();
        let ecn: f64 = (0..self.links.len())
            .filter(|&l| self.links[l].fabric)
            .map(|l| self.links[l].queues[0].marked_pkts + self.links[l].queues[1].marked_pkts)
            .sum();
        Summary {
            scenario: self.name.clone(),
            seed: self.seed,
            simulated_s: self.now as f64 / 1e9,
            switches: self.fabric.switches().count(),
            hosts: self.fabric.hosts().count(),
            fabric_links: self.links.iter().filter(|l| l.fabric).count(),
            max_link_utilization: self.stats.max_util,
            p99_link_utilization: self.stats.utilization_quantile(0.99),
            mean_link_utilization: self.stats.utilization_mean(),
            congested_link_seconds: self.stats.congested_link_s,
            congestion_threshold: self.threshold,
            drops_pkts: self.stats.dropped_pkts.round() as u64,
            pfc_pause_s: self.stats.pfc_pause_s,
            ecn_marked_pkts: ecn.round() as u64,
            flows_started: self.stats.flows_started,
            flows_completed: self.stats.flows_completed,
            events: self.stats.events,
            rate_recomputes: self.stats.recomputes,
            jobs,
        }
    }
}

impl Simulation {
    /// Diagnostics: solves max-min over every flow from scratch and returns the largest difference from the
    /// incrementally maintained rates, relative to the flow's demand cap. Used by tests to check the closure.
    pub fn max_min_gap(&mut self) -> f64 {
        let all: Vec<u32> = (0..self.flows.len() as u32).filter(|&i| self.flows[i as usize].is_some()).collect();
        let m = self.next_mark();
        for &i in &all {
            self.flow_mark[i as usize] = m;
        }
        let (mut local, mut alloc) = (Vec::new(), maxmin::Allocation::default());
        self.solve(&all, &mut local, &mut alloc);
        all.iter()
            .enumerate()
            .map(|(k, &i)| {
                let f = self.flows[i as usize].as_ref().expect("listed");
                (alloc.rate[k] - f.rate).abs() / f.cap_bps.max(1.0)
            })
            .fold(0.0, f64::max)
    }
}
