//! WCMP state: per switch and destination prefix, a slot table of N hash slots each mapped to a next hop.
//!
//! Quantization uses the largest-remainder method: for weights `w` normalised to sum 1 and `n` slots, every member
//! gets `floor(n*w_i)` or `floor(n*w_i)+1` slots, so **`|count_i/n - w_i| < 1/n`** for every member (the stated
//! error bound, checked by property tests). Rebalancing an existing table to new weights moves the minimum number
//! of slots: a member keeps every slot it had up to its new count.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Result, TopologyError};
use crate::model::{LinkId, NodeId, PrefixId};

/// Default slot-table size (hash buckets per ECMP group), as on common merchant silicon.
pub const DEFAULT_SLOTS: usize = 64;

/// Quantizes non-negative weights to integer counts summing to `n` (largest remainder; ties by index).
pub fn quantize(weights: &[f64], n: usize) -> Result<Vec<usize>> {
    let bad = |reason: String| Err(TopologyError::InvalidWcmp { reason });
    if n == 0 {
        return bad("slot count must be at least 1".into());
    }
    if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
        return bad(format!("weights must be finite and non-negative, got {w}"));
    }
    let max = weights.iter().copied().fold(0.0, f64::max);
    if max <= 0.0 {
        return bad("at least one weight must be positive".into());
    }
    // Scale by the largest weight first: summing raw weights near f64::MAX would overflow to infinity.
    let total: f64 = weights.iter().map(|w| w / max).sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / max / total * n as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let assigned: usize = counts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take(n.saturating_sub(assigned)) {
        counts[i] += 1;
    }
    Ok(counts)
}

/// [`quantize`]s the weights of distinct members; a member listed twice is an error.
fn member_counts(weights: &[(LinkId, f64)], n: usize) -> Result<Vec<usize>> {
    let mut seen = BTreeSet::new();
    if let Some((l, _)) = weights.iter().find(|(l, _)| !seen.insert(*l)) {
        return Err(TopologyError::InvalidWcmp { reason: format!("member link {} listed twice", l.index()) });
    }
    quantize(&weights.iter().map(|w| w.1).collect::<Vec<_>>(), n)
}

/// N hash slots, each naming the outgoing link (next hop) that flows hashing to it take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotTable {
    slots: Vec<LinkId>,
}

impl SlotTable {
    /// Takes slots as they are. Fails on an empty table.
    pub fn from_slots(slots: Vec<LinkId>) -> Result<Self> {
        if slots.is_empty() {
            return Err(TopologyError::InvalidWcmp { reason: "a slot table needs at least one slot".into() });
        }
        Ok(SlotTable { slots })
    }

    /// Equal-cost table: members are replicated round-robin over `n` slots, as ASICs fill ECMP groups.
    pub fn ecmp(members: &[LinkId], n: usize) -> Result<Self> {
        if members.is_empty() || n == 0 {
            return Err(TopologyError::InvalidWcmp { reason: "ECMP needs at least one member and one slot".into() });
        }
        Self::from_slots((0..n).map(|i| members[i % members.len()]).collect())
    }

    /// Weighted table: counts by [`quantize`], slots interleaved so each member's slots are spread over the table.
    /// Fails on invalid weights or a member listed twice.
    pub fn from_weights(weights: &[(LinkId, f64)], n: usize) -> Result<Self> {
        let counts = member_counts(weights, n)?;
        let mut left = counts.clone();
        let mut slots = Vec::with_capacity(n);
        while slots.len() < n {
            for (i, (l, _)) in weights.iter().enumerate() {
                if left[i] > 0 {
                    left[i] -= 1;
                    slots.push(*l);
                }
            }
        }
        Self::from_slots(slots)
    }

    /// Moves the fewest slots so the table's counts become those of `weights`. Members absent from `weights`
    /// lose all their slots. Fails like [`SlotTable::from_weights`].
    pub fn rebalance(&self, weights: &[(LinkId, f64)]) -> Result<Self> {
        let n = self.slots.len();
        let counts = member_counts(weights, n)?;
        let target: BTreeMap<LinkId, usize> = weights.iter().map(|w| w.0).zip(counts).collect();
        let mut kept: BTreeMap<LinkId, usize> = BTreeMap::new();
        let mut slots: Vec<Option<LinkId>> = Vec::with_capacity(n);
        for &l in &self.slots {
            let k = kept.entry(l).or_insert(0);
            if *k < target.get(&l).copied().unwrap_or(0) {
                *k += 1;
                slots.push(Some(l));
            } else {
                slots.push(None);
            }
        }
        let mut deficits: Vec<(LinkId, usize)> =
            target.iter().map(|(&l, &t)| (l, t - kept.get(&l).copied().unwrap_or(0))).filter(|d| d.1 > 0).collect();
        let mut di = 0;
        for s in slots.iter_mut().filter(|s| s.is_none()) {
            while deficits[di].1 == 0 {
                di += 1;
            }
            deficits[di].1 -= 1;
            *s = Some(deficits[di].0);
        }
        Self::from_slots(slots.into_iter().map(|s| s.expect("every slot refilled")).collect())
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
    pub fn slots(&self) -> &[LinkId] {
        &self.slots
    }
    /// Sets one slot; the caller validates that `l` is a next hop.
    pub fn set_slot(&mut self, i: usize, l: LinkId) -> Result<()> {
        let n = self.slots.len();
        let s = self
            .slots
            .get_mut(i)
            .ok_or_else(|| TopologyError::InvalidWcmp { reason: format!("slot {i} out of range 0..{n}") })?;
        *s = l;
        Ok(())
    }

    /// Slots per member, by link id.
    pub fn counts(&self) -> BTreeMap<LinkId, usize> {
        let mut m = BTreeMap::new();
        for &l in &self.slots {
            *m.entry(l).or_insert(0) += 1;
        }
        m
    }

    /// Fractional weights (slot share) per member, by link id; they sum to 1.
    pub fn weights(&self) -> Vec<(LinkId, f64)> {
        let n = self.slots.len() as f64;
        self.counts().into_iter().map(|(l, c)| (l, c as f64 / n)).collect()
    }

    /// The next hop of a flow hashing to `i` given the live members `alive` (sorted). The flow takes slot
    /// `s = i % len()`; a slot whose member is not alive falls to `alive[s % alive.len()]`, as hardware fast-reroute
    /// refills dead members, so every hash of one slot resolves alike. `None` if nothing is alive.
    pub fn resolve(&self, i: usize, alive: &[LinkId]) -> Option<LinkId> {
        if alive.is_empty() {
            return None;
        }
        let s = i % self.slots.len();
        let l = self.slots[s];
        if alive.binary_search(&l).is_ok() {
            Some(l)
        } else {
            Some(alive[s % alive.len()])
        }
    }

    /// Weights after resolving every slot against `alive` (consistent with [`SlotTable::resolve`]).
    pub fn effective_weights(&self, alive: &[LinkId]) -> Vec<(LinkId, f64)> {
        let mut m: BTreeMap<LinkId, usize> = BTreeMap::new();
        for i in 0..self.slots.len() {
            if let Some(l) = self.resolve(i, alive) {
                *m.entry(l).or_insert(0) += 1;
            }
        }
        let n = self.slots.len() as f64;
        m.into_iter().map(|(l, c)| (l, c as f64 / n)).collect()
    }
}

/// Which device holds a slot table: a switch, or a host choosing its path (as the host eBPF program does).
pub type TableKey = (NodeId, PrefixId);

/// All programmed slot tables. Switches without a table for a prefix use ECMP over their DAG next hops.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WcmpState {
    tables: BTreeMap<TableKey, SlotTable>,
}

impl WcmpState {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn get(&self, node: NodeId, prefix: PrefixId) -> Option<&SlotTable> {
        self.tables.get(&(node, prefix))
    }
    pub fn set(&mut self, node: NodeId, prefix: PrefixId, table: SlotTable) {
        self.tables.insert((node, prefix), table);
    }
    pub fn remove(&mut self, node: NodeId, prefix: PrefixId) -> Option<SlotTable> {
        self.tables.remove(&(node, prefix))
    }
    pub fn iter(&self) -> impl Iterator<Item = (&TableKey, &SlotTable)> {
        self.tables.iter()
    }
    pub fn len(&self) -> usize {
        self.tables.len()
    }
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}
