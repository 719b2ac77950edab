//! The decision step (pure): given forecast loads of WCMP slots and links, move slots between next hops so the
//! predicted max link utilization falls, within the round's budget and with hysteresis.
//!
//! It starts from the **current** assignment (so the plan is a small, explainable set of moves, not a fresh
//! packing) and repeatedly moves the heaviest slot off the most utilized predicted link to the option that
//! minimizes the utilization of the links that option loads, while that strictly lowers the bottleneck. Each
//! move records the hotspot it relieves. The plan is kept only if it lowers the predicted max utilization by
//! `min_improvement` or brings a link back under the hotspot threshold (hysteresis), and it moves at most
//! `max_traffic_moved` of the managed traffic (the safety budget).

/// A link the plan can load.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkIn {
    pub name: String,
    pub capacity_bps: f64,
    /// Forecast load this plan does not place (traffic outside the managed slots), bit/s.
    pub background_bps: f64,
    /// Usable for new traffic (up, fresh, undrained).
    pub usable: bool,
}

/// A slot table: the next hops a slot can map to, each with the links it loads (uplink, spine downlink).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupIn {
    pub switch: String,
    pub prefix: String,
    /// (egress interface, links it loads).
    pub options: Vec<(String, Vec<usize>)>,
}

/// One slot with its hedged forecast load and its current option.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotIn {
    pub group: usize,
    pub slot: u32,
    /// Hedged forecast load, bit/s (what the plan places).
    pub load_bps: f64,
    /// Load measured now, bit/s (what is on the link now).
    pub now_bps: f64,
    pub current: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Problem {
    pub links: Vec<LinkIn>,
    pub groups: Vec<GroupIn>,
    pub slots: Vec<SlotIn>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecideConfig {
    pub hotspot_threshold: f64,
    pub min_improvement: f64,
    pub max_traffic_moved: f64,
    /// Upper bound on moves per round (a second safety net).
    pub max_moves: usize,
}

/// One slot move and the hotspot it relieves.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub slot: usize,
    pub from: usize,
    pub to: usize,
    pub load_bps: f64,
    /// The link this move takes load off, with its predicted utilization before and after the move.
    pub relieves: String,
    /// Index of that link in the problem.
    pub relieves_link: usize,
    pub before: f64,
    pub after: f64,
}

/// The outcome of a decision step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Proposal {
    pub moves: Vec<Move>,
    pub util_before: Vec<f64>,
    pub util_after: Vec<f64>,
    pub max_before: f64,
    pub max_after: f64,
    /// Share of the managed traffic the moves shift.
    pub moved_share: f64,
    /// Why the plan is empty or kept (for the decision record).
    pub reason: String,
}

fn utilization(p: &Problem, assign: &[usize]) -> Vec<f64> {
    let mut load: Vec<f64> = p.links.iter().map(|l| l.background_bps).collect();
    for (s, &o) in p.slots.iter().zip(assign) {
        for &e in &p.groups[s.group].options[o].1 {
            load[e] += s.load_bps;
        }
    }
    load.iter().zip(&p.links).map(|(x, l)| x / l.capacity_bps).collect()
}

fn max_of(u: &[f64]) -> (usize, f64) {
    u.iter().copied().enumerate().fold((0, f64::NEG_INFINITY), |a, (i, x)| if x > a.1 { (i, x) } else { a })
}

/// Runs the decision step.
pub fn propose(p: &Problem, cfg: &DecideConfig) -> Proposal {
    let mut assign: Vec<usize> = p.slots.iter().map(|s| s.current).collect();
    let before = utilization(p, &assign);
    let (_, max_before) = max_of(&before);
    let total: f64 = p.slots.iter().map(|s| s.load_bps).sum();
    let budget = cfg.max_traffic_moved * total;
    let mut util = before.clone();
    let mut moved = 0.0;
    let mut moves: Vec<Move> = Vec::new();
    // Links no move can relieve (e.g. two fat flows hashed into one slot): skipped, so the rest still improve.
    let mut stuck = vec![false; p.links.len()];
    let mut heap: std::collections::BinaryHeap<(u64, std::cmp::Reverse<usize>)> =
        util.iter().enumerate().map(|(e, u)| (u.max(0.0).to_bits(), std::cmp::Reverse(e))).collect();
    // Loaded slots currently on each link, kept up to date as slots move.
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); p.links.len()];
    for (i, sl) in p.slots.iter().enumerate().filter(|(_, sl)| sl.load_bps > 0.0) {
        for &e in &p.groups[sl.group].options[assign[i]].1 {
            users[e].push(i);
        }
    }
    while moves.len() < cfg.max_moves {
        // The most utilized link not known to be stuck (a max-heap with lazy invalidation; ties: lowest index).
        let mut found = None;
        while let Some(&(k, std::cmp::Reverse(e))) = heap.peek() {
            if stuck[e] || util[e].max(0.0).to_bits() != k {
                heap.pop();
                continue;
            }
            found = Some((e, util[e]));
            break;
        }
        let Some((hot, hot_u)) = found else { break };
        if hot_u <= 0.0 {
            break;
        }
        // Heaviest movable slot on the hot link first.
        let mut on_hot: Vec<usize> = users[hot].clone();
        on_hot.sort_by(|&a, &b| p.slots[b].load_bps.total_cmp(&p.slots[a].load_bps).then(a.cmp(&b)));
        let mut best: Option<(usize, usize, f64)> = None;
        for &i in &on_hot {
            let s = &p.slots[i];
            if moved + s.load_bps > budget + 1e-9 {
                continue;
            }
            let g = &p.groups[s.group];
            for (o, (_, links)) in g.options.iter().enumerate() {
                if o == assign[i] || links.iter().any(|&e| !p.links[e].usable) || links.contains(&hot) {
                    continue;
                }
                // Worst utilization the move creates on the option's links.
                let worst = links.iter().map(|&e| util[e] + s.load_bps / p.links[e].capacity_bps).fold(0.0, f64::max);
                if worst < hot_u - 1e-12 && best.is_none_or(|b| worst < b.2) {
                    best = Some((i, o, worst));
                }
            }
            if best.is_some() {
                break;
            }
        }
        let Some((i, o, _)) = best else {
            stuck[hot] = true;
            continue;
        };
        let s = &p.slots[i];
        let from = assign[i];
        assign[i] = o;
        let before_hot = util[hot];
        // Only the links of the two options change.
        for &e in &p.groups[s.group].options[from].1 {
            util[e] -= s.load_bps / p.links[e].capacity_bps;
            users[e].retain(|&x| x != i);
            heap.push((util[e].max(0.0).to_bits(), std::cmp::Reverse(e)));
        }
        for &e in &p.groups[s.group].options[o].1 {
            util[e] += s.load_bps / p.links[e].capacity_bps;
            users[e].push(i);
            heap.push((util[e].max(0.0).to_bits(), std::cmp::Reverse(e)));
        }
        moves.push(Move {
            slot: i,
            from,
            to: o,
            load_bps: s.load_bps,
            relieves: p.links[hot].name.clone(),
            relieves_link: hot,
            before: before_hot,
            after: util[hot],
        });
        moved += s.load_bps;
    }
    // Re-derive exactly (the incremental updates accumulate rounding).
    let util = utilization(p, &assign);
    let (_, max_after) = max_of(&util);
    let relieved = before.iter().zip(&util).any(|(b, a)| *b > cfg.hotspot_threshold && *a <= cfg.hotspot_threshold);
    let gain = max_before - max_after;
    let mut out = Proposal {
        moves,
        util_before: before,
        util_after: util,
        max_before,
        max_after,
        moved_share: if total > 0.0 { moved / total } else { 0.0 },
        reason: String::new(),
    };
    if out.moves.is_empty() {
        out.reason = "no move lowers the predicted bottleneck within the budget".into();
    } else if gain < cfg.min_improvement && !relieved {
        out.reason = format!("hysteresis: gain {gain:.3} below {:.3} and no hotspot relieved", cfg.min_improvement);
        out.moves.clear();
        out.util_after = out.util_before.clone();
        out.max_after = out.max_before;
        out.moved_share = 0.0;
    } else {
        out.reason = format!(
            "predicted max utilization {:.3} -> {:.3} moving {:.1}% of managed traffic{}",
            max_before,
            max_after,
            out.moved_share * 100.0,
            if relieved { "; relieves a forecast hotspot" } else { "" }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One leaf with `spines` uplinks (links 0..spines) and downlinks at the spines (spines..2*spines), eight
    /// slots of equal load, all currently hashed onto uplinks 0 and 1.
    fn colliding(spines: usize) -> Problem {
        let mut links = Vec::new();
        for i in 0..spines {
            links.push(LinkIn {
                name: format!("leaf1:Ethernet{}", i + 1),
                capacity_bps: 400e9,
                background_bps: 0.0,
                usable: true,
            });
        }
        for i in 0..spines {
            links.push(LinkIn {
                name: format!("spine{}:Ethernet2", i + 1),
                capacity_bps: 400e9,
                background_bps: 0.0,
                usable: true,
            });
        }
        let options = (0..spines).map(|i| (format!("Ethernet{}", i + 1), vec![i, spines + i])).collect();
        let groups = vec![GroupIn { switch: "leaf1".into(), prefix: "10.0.2.0/24".into(), options }];
        let slots = (0..8)
            .map(|k| SlotIn { group: 0, slot: k, load_bps: 200e9, now_bps: 200e9, current: (k % 2) as usize })
            .collect();
        Problem { links, groups, slots }
    }

    fn cfg() -> DecideConfig {
        DecideConfig { hotspot_threshold: 0.9, min_improvement: 0.05, max_traffic_moved: 1.0, max_moves: 64 }
    }

    #[test]
    fn spreads_colliding_slots_over_free_uplinks() {
        let p = propose(&colliding(8), &cfg());
        assert!((p.max_before - 2.0).abs() < 1e-9, "4 x 200G on one 400G uplink");
        assert!((p.max_after - 0.5).abs() < 1e-9, "one slot per uplink, got {}", p.max_after);
        assert_eq!(p.moves.len(), 6);
        assert!(p.moves.iter().all(|m| m.relieves.starts_with("leaf1:Ethernet") && m.after < m.before));
    }

    #[test]
    fn budget_and_drains_are_respected() {
        let mut c = cfg();
        c.max_traffic_moved = 0.25; // two of eight equal slots
        let p = propose(&colliding(8), &c);
        assert_eq!(p.moves.len(), 2);
        assert!(p.moved_share <= 0.25 + 1e-9);
        let mut prob = colliding(8);
        for l in 2..8 {
            prob.links[l].usable = false; // uplinks 3..8 drained
        }
        let p = propose(&prob, &cfg());
        assert!(p.moves.is_empty(), "nowhere to go: {:?}", p.moves);
    }

    #[test]
    fn hysteresis_keeps_small_gains_out() {
        let mut prob = colliding(8);
        for s in &mut prob.slots {
            s.load_bps = 10e9; // 4 x 10G on an uplink: 0.1 utilization, nothing hot
        }
        let mut c = cfg();
        c.min_improvement = 0.2;
        let p = propose(&prob, &c);
        assert!(p.moves.is_empty() && p.reason.starts_with("hysteresis"), "{}", p.reason);
    }
}
