//! Slot-level mode: assign WCMP hash slots (each with a forecast load) to next hops so that the max link
//! utilization is minimal. A bin-packing: longest-processing-time greedy, then local search that moves single
//! slots off the bottleneck link while that strictly lowers it (the sorted utilization vector decreases
//! lexicographically with every move, so the search cannot cycle).

use crate::error::{invalid, Result};

/// One slot table: a load per slot and the links each next-hop option loads.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotGroup {
    pub loads: Vec<f64>,
    /// Per next hop, the links a slot assigned to it loads (e.g. the uplink and the spine's downlink).
    pub options: Vec<Vec<usize>>,
}

/// Slot tables sharing links.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotProblem {
    pub capacity: Vec<f64>,
    /// Load on each link from traffic this problem does not place.
    pub background: Vec<f64>,
    pub groups: Vec<SlotGroup>,
}

/// The assignment: per group, per slot, the chosen option.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotAssignment {
    pub assign: Vec<Vec<usize>>,
    pub util: Vec<f64>,
    pub max_util: f64,
    /// Local-search moves made after the greedy.
    pub moves: usize,
}

impl SlotProblem {
    fn validate(&self) -> Result<()> {
        let ne = self.capacity.len();
        if self.background.len() != ne || self.capacity.iter().any(|c| !(c.is_finite() && *c > 0.0)) {
            return invalid("slot problem", "need a positive capacity and a background load per link");
        }
        for (g, grp) in self.groups.iter().enumerate() {
            if grp.options.is_empty() || grp.options.iter().flatten().any(|&e| e >= ne) {
                return invalid(format!("slot group {g}"), "needs options over known links");
            }
            if grp.loads.iter().any(|l| !(l.is_finite() && *l >= 0.0)) {
                return invalid(format!("slot group {g}"), "slot loads must be finite and non-negative");
            }
        }
        Ok(())
    }
}

struct Search<'a> {
    p: &'a SlotProblem,
    load: Vec<f64>,
    assign: Vec<Vec<usize>>,
    /// For each link, the (group, option) pairs that load it.
    users: Vec<Vec<(u32, u32)>>,
}

impl Search<'_> {
    fn util_with(&self, opt: &[usize], extra: f64) -> f64 {
        opt.iter().map(|&e| (self.load[e] + extra) / self.p.capacity[e]).fold(0.0, f64::max)
    }
    fn place(&mut self, g: usize, i: usize, o: usize, sign: f64) {
        let l = self.p.groups[g].loads[i];
        self.p.groups[g].options[o].iter().for_each(|&e| self.load[e] += sign * l);
        if sign > 0.0 {
            self.assign[g][i] = o;
        }
    }
    fn greedy(&mut self) {
        let mut order: Vec<(usize, usize)> =
            self.p.groups.iter().enumerate().flat_map(|(g, grp)| (0..grp.loads.len()).map(move |i| (g, i))).collect();
        order.sort_by(|a, b| self.p.groups[b.0].loads[b.1].total_cmp(&self.p.groups[a.0].loads[a.1]).then(a.cmp(b)));
        for (g, i) in order {
            let grp = &self.p.groups[g];
            let l = grp.loads[i];
            let best = (0..grp.options.len())
                .min_by(|&a, &b| self.util_with(&grp.options[a], l).total_cmp(&self.util_with(&grp.options[b], l)))
                .unwrap_or(0);
            self.place(g, i, best, 1.0);
        }
    }
    /// One improving move off the bottleneck link `e`, if any.
    fn improve(&mut self, e: usize) -> bool {
        let target = self.load[e] / self.p.capacity[e];
        let mut best: Option<(f64, usize, usize, usize)> = None;
        for &(g, o) in &self.users[e] {
            let (g, o) = (g as usize, o as usize);
            let grp = &self.p.groups[g];
            for i in (0..grp.loads.len()).filter(|&i| self.assign[g][i] == o && grp.loads[i] > 0.0) {
                for o2 in (0..grp.options.len()).filter(|&o2| o2 != o && !grp.options[o2].contains(&e)) {
                    let u = self.util_with(&grp.options[o2], grp.loads[i]);
                    if u < target * (1.0 - 1e-12) && best.is_none_or(|b| u < b.0) {
                        best = Some((u, g, i, o2));
                    }
                }
            }
        }
        let Some((_, g, i, o2)) = best else { return false };
        let o = self.assign[g][i];
        self.place(g, i, o, -1.0);
        self.place(g, i, o2, 1.0);
        true
    }
    fn bottleneck(&self) -> (usize, f64) {
        self.load.iter().zip(&self.p.capacity).map(|(l, c)| l / c).enumerate().fold((0, 0.0), |a, b| {
            if b.1 > a.1 {
                b
            } else {
                a
            }
        })
    }
}

/// Greedy plus at most `max_moves` local-search moves.
pub fn assign_slots(p: &SlotProblem, max_moves: usize) -> Result<SlotAssignment> {
    p.validate()?;
    let mut users = vec![Vec::new(); p.capacity.len()];
    for (g, grp) in p.groups.iter().enumerate() {
        for (o, opt) in grp.options.iter().enumerate() {
            opt.iter().for_each(|&e| users[e].push((g as u32, o as u32)));
        }
    }
    let assign = p.groups.iter().map(|g| vec![0; g.loads.len()]).collect();
    let mut s = Search { p, load: p.background.clone(), assign, users };
    s.greedy();
    let mut moves = 0;
    while moves < max_moves && s.improve(s.bottleneck().0) {
        moves += 1;
    }
    let util: Vec<f64> = s.load.iter().zip(&p.capacity).map(|(l, c)| l / c).collect();
    let max_util = util.iter().copied().fold(0.0, f64::max);
    Ok(SlotAssignment { assign: s.assign, util, max_util, moves })
}
