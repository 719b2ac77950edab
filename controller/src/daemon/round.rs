//! One control round, pure: the model and its forecasts become a decision problem, the decision step proposes
//! slot moves, and the moves become a southbound plan with its explanation.

use std::collections::BTreeMap;

use fathom_southbound::{PlanEntry, TableSpec};
use fathom_topology::Prefix;

use super::decide::{self, DecideConfig, GroupIn, LinkIn, Problem, Proposal, SlotIn};
use super::decision::ChangeRecord;
use super::forecast::{outlook, Model as ForecastModel, Outlook};
use super::model::Model;

/// Forecasts of the round: per link (utilization) and per slot (bit/s).
#[derive(Debug, Clone, Default)]
pub struct Forecasts {
    pub links: BTreeMap<String, Outlook>,
    pub slots: BTreeMap<(String, String, u32), Outlook>,
    /// Per (switch, prefix) demand from AFT counters, for demands that carried traffic recently.
    pub demands: BTreeMap<(String, String), Outlook>,
}

/// Forecasts every fresh link and every slot and demand that carried traffic recently. Series are independent:
/// they are forecast on every core (scoped threads; the result does not depend on how they are split).
pub fn forecast(model: &Model, fm: &ForecastModel, h: usize, envelope: usize) -> Forecasts {
    type Hist = std::collections::VecDeque<f64>;
    let busy = |h: &Hist| h.iter().any(|v| v.is_finite() && *v > 0.0);
    let links: Vec<(&String, &Hist)> =
        model.links.iter().filter(|(_, l)| !l.stale).map(|(k, l)| (k, &l.history)).collect();
    let slots: Vec<(&super::model::SlotKey, &Hist)> =
        model.slots.iter().filter(|(_, s)| !s.stale && busy(&s.history)).map(|(k, s)| (k, &s.history)).collect();
    let demands: Vec<(&(String, String), &Hist)> =
        model.demands.iter().filter(|(_, d)| !d.stale && busy(&d.history)).map(|(k, d)| (k, &d.history)).collect();
    let run = |series: &[&Hist]| -> Vec<Outlook> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        if threads == 1 || series.len() < 256 {
            return series.iter().map(|hist| outlook(fm, hist, h, envelope)).collect();
        }
        let chunk = series.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> = series
                .chunks(chunk)
                .map(|c| scope.spawn(move || c.iter().map(|hist| outlook(fm, hist, h, envelope)).collect::<Vec<_>>()))
                .collect();
            parts.into_iter().flat_map(|t| t.join().expect("a forecast thread panicked")).collect()
        })
    };
    let mut all: Vec<&Hist> = Vec::with_capacity(links.len() + slots.len() + demands.len());
    all.extend(links.iter().map(|x| x.1));
    all.extend(slots.iter().map(|x| x.1));
    all.extend(demands.iter().map(|x| x.1));
    let mut out = run(&all).into_iter();
    Forecasts {
        links: links.iter().map(|(k, _)| ((*k).clone(), out.next().unwrap_or_default())).collect(),
        slots: slots.iter().map(|(k, _)| ((*k).clone(), out.next().unwrap_or_default())).collect(),
        demands: demands.iter().map(|(k, _)| ((*k).clone(), out.next().unwrap_or_default())).collect(),
    }
}

/// A proposal with what is needed to apply and explain it.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub proposal: Proposal,
    pub problem: Problem,
    /// Full slot tables of the groups that change (what the southbound programs).
    pub entries: Vec<PlanEntry>,
    /// Per changed group: what changes and the link it relieves (lead times are filled in by the caller).
    pub changes: Vec<ChangeRecord>,
    /// Links forecast above the threshold now: (name, observed utilization, hedged forecast).
    pub hotspots: Vec<(String, f64, f64)>,
}

/// Builds the decision problem: one group per (leaf switch, prefix) with more than one next hop seen; options load
/// the uplink and the next switch's link towards the prefix (learned from its own slot telemetry).
pub fn problem(model: &Model, fc: &Forecasts) -> Problem {
    let mut p = Problem::default();
    let by_name: std::collections::HashMap<&str, &super::model::LinkState> =
        model.links.iter().map(|(k, l)| (k.as_str(), l)).collect();
    let mut link_idx: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut link_of = |p: &mut Problem, name: &str| -> usize {
        if let Some(&i) = link_idx.get(name) {
            return i;
        }
        let l = by_name.get(name);
        let cap = l.map_or(0.0, |l| l.capacity_bps).max(1.0);
        // The load measured now (a stale link's is unknown: 0, and it is unusable); the managed slots' current
        // loads come off below, leaving the traffic no plan can move. (A link's own history would count slots
        // that have since moved away.)
        let util = l.filter(|l| !l.stale).map_or(0.0, |l| l.utilization);
        p.links.push(LinkIn {
            name: name.to_string(),
            capacity_bps: cap,
            background_bps: util * cap,
            usable: l.is_some_and(|l| l.up && !l.stale && !l.drained && l.capacity_bps > 0.0),
        });
        link_idx.insert(name.to_string(), p.links.len() - 1);
        p.links.len() - 1
    };
    fn group(sw: &str, pre: &str) -> std::ops::RangeInclusive<(String, String, u32)> {
        (sw.to_string(), pre.to_string(), 0)..=(sw.to_string(), pre.to_string(), u32::MAX)
    }
    // Only groups with slots carrying traffic (those with a forecast) matter to the plan; idle slots keep their
    // next hop, and groups without traffic are not built at all (most of a large fabric's groups, most rounds).
    let mut traffic: Vec<(&str, &str)> = Vec::new();
    for (sw, pre, _) in fc.slots.keys() {
        if traffic.last() != Some(&(sw.as_str(), pre.as_str())) {
            traffic.push((sw.as_str(), pre.as_str()));
        }
    }
    // Next hop of each (switch, prefix) as seen in its slot telemetry (first slot that has one): one pass over the
    // sorted slots, one entry per group.
    let mut next_of: std::collections::HashMap<(&str, &str), &str> = std::collections::HashMap::new();
    let mut last: Option<(&str, &str)> = None;
    for ((sw, pre, _), st) in &model.slots {
        let k = (sw.as_str(), pre.as_str());
        if last != Some(k) && !st.next_hop.is_empty() {
            next_of.insert(k, st.next_hop.as_str());
            last = Some(k);
        }
    }
    for (sw, pre) in traffic {
        let mut opts: Vec<&str> = Vec::new();
        for (_, s) in model.slots.range(group(sw, pre)) {
            if !s.next_hop.is_empty() && !opts.contains(&s.next_hop.as_str()) {
                opts.push(s.next_hop.as_str());
            }
        }
        if opts.len() < 2 {
            continue;
        }
        opts.sort_unstable();
        let options: Vec<(String, Vec<usize>)> = opts
            .iter()
            .map(|iface| {
                let up = format!("{sw}:{iface}");
                let mut links = vec![link_of(&mut p, &up)];
                let peer_sw = by_name.get(up.as_str()).and_then(|l| l.peer.split(':').next()).filter(|s| !s.is_empty());
                if let Some((ps, nh)) = peer_sw.and_then(|ps| next_of.get(&(ps, pre)).map(|nh| (ps, nh))) {
                    links.push(link_of(&mut p, &format!("{ps}:{nh}")));
                }
                (iface.to_string(), links)
            })
            .collect();
        let g = p.groups.len();
        p.groups.push(GroupIn { switch: sw.to_string(), prefix: pre.to_string(), options });
        for (key, o) in fc.slots.range(group(sw, pre)) {
            let Some(s) = model.slots.get(key) else { continue };
            let Some(cur) = p.groups[g].options.iter().position(|opt| opt.0 == s.next_hop) else { continue };
            if o.hedged > 0.0 || o.now > 0.0 {
                p.slots.push(SlotIn { group: g, slot: key.2, load_bps: o.hedged, now_bps: o.now, current: cur });
            }
        }
    }
    // Background: the link load now minus the managed slots' loads now.
    let mut managed = vec![0.0; p.links.len()];
    for s in &p.slots {
        for &e in &p.groups[s.group].options[s.current].1 {
            managed[e] += s.now_bps;
        }
    }
    for (l, m) in p.links.iter_mut().zip(managed) {
        l.background_bps = (l.background_bps - m).max(0.0);
    }
    p
}

/// Rounds until link `link` of the problem is forecast to cross `threshold` under the current assignment: 0 if it
/// is over it now. Each slot on the link is forecast by its season (seasonal naive: the value one detected period
/// earlier, periods detected by autocorrelation over its history); a slot with no detectable season counts with
/// its planning load from the next round on (its burst may come at any time). `None` if no crossing is forecast
/// within `max_rounds`.
pub fn lead_rounds(p: &Problem, model: &Model, link: usize, threshold: f64, max_rounds: usize) -> Option<usize> {
    let l = &p.links[link];
    let on_link: Vec<&SlotIn> =
        p.slots.iter().filter(|s| p.groups[s.group].options[s.current].1.contains(&link)).collect();
    let now = l.background_bps + on_link.iter().map(|s| s.now_bps).sum::<f64>();
    if now / l.capacity_bps > threshold {
        return Some(0);
    }
    // Per slot: its history (missing samples as 0) and detected period.
    let series: Vec<(Vec<f64>, Option<usize>, f64)> = on_link
        .iter()
        .map(|s| {
            let g = &p.groups[s.group];
            let key = (g.switch.clone(), g.prefix.clone(), s.slot);
            let h: Vec<f64> = model
                .slots
                .get(&key)
                .map(|st| st.history.iter().map(|v| if v.is_finite() { *v } else { 0.0 }).collect())
                .unwrap_or_default();
            let period = fathom_predictor::models::season::detect_period(&h, 96);
            (h, period, s.load_bps)
        })
        .collect();
    (1..=max_rounds.max(1)).find(|&h| {
        let load: f64 = series
            .iter()
            .map(|(hist, period, planned)| match period {
                Some(m) if !hist.is_empty() => {
                    let back = m * h.div_ceil(*m);
                    let i = (hist.len() - 1 + h).checked_sub(back);
                    i.and_then(|i| hist.get(i)).copied().unwrap_or(*planned)
                }
                _ => *planned,
            })
            .sum();
        (l.background_bps + load) / l.capacity_bps > threshold
    })
}

/// Runs the round's decision step and drafts the plan. `envelope` bounds the lead-time forecast (rounds);
/// `interval_ms` converts rounds to time.
pub fn draft(model: &Model, fc: &Forecasts, cfg: &DecideConfig, envelope: usize, interval_ms: u64) -> Draft {
    let problem = problem(model, fc);
    let proposal = decide::propose(&problem, cfg);
    let hotspots = fc
        .links
        .iter()
        .filter(|(n, o)| o.hedged > cfg.hotspot_threshold && model.usable(n))
        .map(|(n, o)| (n.clone(), o.now, o.hedged))
        .collect();
    let mut by_group: BTreeMap<usize, Vec<&decide::Move>> = BTreeMap::new();
    for m in &proposal.moves {
        by_group.entry(problem.slots[m.slot].group).or_default().push(m);
    }
    let mut entries = Vec::new();
    let mut changes = Vec::new();
    for (g, moves) in by_group {
        let grp = &problem.groups[g];
        let Ok(prefix) = grp.prefix.parse::<Prefix>() else { continue };
        // The whole table: current next hops with the moves applied.
        let mut slots: BTreeMap<u32, String> = model
            .slots
            .range((grp.switch.clone(), grp.prefix.clone(), 0)..=(grp.switch.clone(), grp.prefix.clone(), u32::MAX))
            .map(|((_, _, s), st)| (*s, st.next_hop.clone()))
            .collect();
        for m in &moves {
            slots.insert(problem.slots[m.slot].slot, grp.options[m.to].0.clone());
        }
        let complete = slots.keys().copied().eq(0..slots.len() as u32);
        if !complete || slots.values().any(String::is_empty) {
            continue; // partial telemetry of the table: do not guess the rest
        }
        let group_load: f64 = problem.slots.iter().filter(|s| s.group == g).map(|s| s.load_bps).sum();
        let moved: f64 = moves.iter().map(|m| m.load_bps).sum();
        let first = moves[0];
        let observed_before = model.links.get(&first.relieves).map_or(0.0, |l| l.utilization);
        let lead = lead_rounds(&problem, model, first.relieves_link, cfg.hotspot_threshold, envelope);
        changes.push(ChangeRecord {
            device: grp.switch.clone(),
            prefix: grp.prefix.clone(),
            slots_moved: moves.len() as u32,
            traffic_moved: if group_load > 0.0 { moved / group_load } else { 0.0 },
            relieves: first.relieves.clone(),
            predicted_before: first.before,
            predicted_after: moves
                .iter()
                .filter(|m| m.relieves == first.relieves)
                .map(|m| m.after)
                .fold(f64::INFINITY, f64::min),
            observed_before,
            lead_time_ms: lead.map_or(0.0, |h| (h as u64 * interval_ms) as f64),
        });
        entries.push(PlanEntry {
            device: grp.switch.clone(),
            prefix,
            spec: TableSpec::Slots(slots.into_values().collect()),
        });
    }
    Draft { proposal, problem, entries, changes, hotspots }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::testing::snapshot;

    #[test]
    fn colliding_slots_become_a_plan_that_spreads_them() {
        let mut m = Model::new();
        for _ in 0..3 {
            m.observe(&snapshot());
        }
        let fc = forecast(&m, &ForecastModel::Last, 1, 1);
        let cfg = DecideConfig { hotspot_threshold: 0.9, min_improvement: 0.05, max_traffic_moved: 1.0, max_moves: 64 };
        let d = draft(&m, &fc, &cfg, 4, 500);
        assert_eq!(d.problem.groups.len(), 1, "spines have one next hop: only leaf1's group is a choice");
        assert_eq!(d.problem.groups[0].options[0].1.len(), 2, "an option loads the uplink and the spine's downlink");
        assert!((d.proposal.max_before - 1.0).abs() < 1e-9);
        assert!((d.proposal.max_after - 0.25).abs() < 1e-9, "{}", d.proposal.max_after);
        assert_eq!(d.entries.len(), 1);
        let TableSpec::Slots(slots) = &d.entries[0].spec else { panic!("slot tables") };
        assert_eq!(slots.len(), 16);
        let loaded: std::collections::BTreeSet<&String> = [0, 4, 8, 12].iter().map(|&i| &slots[i]).collect();
        assert_eq!(loaded.len(), 4, "the four loaded slots use four different uplinks: {slots:?}");
        assert_eq!(d.hotspots.len(), 2, "leaf1:Ethernet1 and spine1:Ethernet2 are hot");
        assert_eq!(d.changes[0].relieves, "leaf1:Ethernet1");
        assert_eq!(d.changes[0].lead_time_ms, 0.0, "the link is over the threshold now: a reactive change");
    }

    #[test]
    fn forecasts_split_over_threads_equal_one_by_one_forecasts() {
        // Enough busy series (> 256) for the threaded path, each with its own periodic shape.
        let mut m = Model::new();
        for k in 0..600u32 {
            let st = m.slots.entry(("leaf1".into(), "10.0.2.0/24".into(), k)).or_default();
            st.next_hop = "Ethernet1".into();
            st.history =
                (0..40).map(|t| if (t + k) % (3 + k % 5) == 0 { 1e9 * f64::from(k + 1) } else { 0.0 }).collect();
        }
        let fm = ForecastModel::by_name("ensemble");
        let fc = forecast(&m, &fm, 4, 20);
        assert_eq!(fc.slots.len(), 600);
        for (k, st) in &m.slots {
            assert_eq!(fc.slots[k], outlook(&fm, &st.history, 4, 20), "slot {k:?}");
        }
    }
}
