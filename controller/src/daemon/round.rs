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

/// Forecasts every fresh link and every slot and demand that carried traffic recently.
pub fn forecast(model: &Model, fm: &ForecastModel, h: usize, envelope: usize) -> Forecasts {
    let mut out = Forecasts::default();
    for (name, l) in &model.links {
        if !l.stale {
            out.links.insert(name.clone(), outlook(fm, &l.history, h, envelope));
        }
    }
    for (k, s) in &model.slots {
        if !s.stale && s.history.iter().any(|v| v.is_finite() && *v > 0.0) {
            out.slots.insert(k.clone(), outlook(fm, &s.history, h, envelope));
        }
    }
    for (k, d) in &model.demands {
        if !d.stale && d.history.iter().any(|v| v.is_finite() && *v > 0.0) {
            out.demands.insert(k.clone(), outlook(fm, &d.history, h, envelope));
        }
    }
    out
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
    let mut link_idx: BTreeMap<String, usize> = BTreeMap::new();
    let mut link_of = |p: &mut Problem, name: &str| -> usize {
        *link_idx.entry(name.to_string()).or_insert_with(|| {
            let l = model.links.get(name);
            let cap = l.map_or(0.0, |l| l.capacity_bps).max(1.0);
            // The load measured now; the managed slots' current loads come off below, leaving the traffic no
            // plan can move. (A link's own history would count slots that have since moved away.)
            let util = fc.links.get(name).map_or(0.0, |o| o.now);
            p.links.push(LinkIn {
                name: name.to_string(),
                capacity_bps: cap,
                background_bps: util * cap,
                usable: model.usable(name),
            });
            p.links.len() - 1
        })
    };
    // Next hop of each (switch, prefix) as seen in its slot telemetry (first slot).
    let mut next_of: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    let mut members: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for ((sw, pre, _), s) in &model.slots {
        if s.next_hop.is_empty() {
            continue;
        }
        next_of.entry((sw.as_str(), pre.as_str())).or_insert(s.next_hop.as_str());
        let m = members.entry((sw.as_str(), pre.as_str())).or_default();
        if !m.contains(&s.next_hop.as_str()) {
            m.push(s.next_hop.as_str());
        }
    }
    for ((sw, pre), mut opts) in members {
        if opts.len() < 2 {
            continue;
        }
        opts.sort_unstable();
        let options: Vec<(String, Vec<usize>)> = opts
            .iter()
            .map(|iface| {
                let up = format!("{sw}:{iface}");
                let mut links = vec![link_of(&mut p, &up)];
                let peer_sw = model.links.get(&up).and_then(|l| l.peer.split(':').next().map(str::to_string));
                if let Some(nh) = peer_sw.as_deref().and_then(|ps| next_of.get(&(ps, pre))) {
                    let down = format!("{}:{nh}", peer_sw.as_deref().unwrap_or_default());
                    links.push(link_of(&mut p, &down));
                }
                (iface.to_string(), links)
            })
            .collect();
        let g = p.groups.len();
        p.groups.push(GroupIn { switch: sw.to_string(), prefix: pre.to_string(), options });
        // Only slots carrying traffic (those with a forecast) matter to the plan; idle slots keep their next hop.
        let range = (sw.to_string(), pre.to_string(), 0)..=(sw.to_string(), pre.to_string(), u32::MAX);
        for (key, o) in fc.slots.range(range) {
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
}
