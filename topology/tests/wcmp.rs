//! WCMP: quantization bounds, weighted tables, minimal-move rebalancing, and slot resolution under failures.

use std::collections::BTreeMap;

use fathom_topology::{quantize, LinkId, SlotTable, TopologyError, WcmpState};
use proptest::prelude::*;

/// Non-negative finite weights over the whole f64 range, zeros included, at least one positive.
fn weights() -> impl Strategy<Value = Vec<f64>> {
    let w = prop_oneof![
        2 => Just(0.0),
        4 => 0.0..1.0f64,
        4 => 1.0..1e6f64,
        2 => (1u32..100).prop_map(f64::from),
        1 => 1e300..f64::MAX,
        1 => Just(f64::MIN_POSITIVE * 1e-10),
    ];
    prop::collection::vec(w, 1..20).prop_filter("one positive weight", |ws| ws.iter().any(|&w| w > 0.0))
}

/// Each weight's share of the total, computed without overflow.
fn shares(ws: &[f64]) -> Vec<f64> {
    let max = ws.iter().copied().fold(0.0, f64::max);
    let scaled: Vec<f64> = ws.iter().map(|w| w / max).collect();
    let total: f64 = scaled.iter().sum();
    scaled.iter().map(|w| w / total).collect()
}

fn members(ws: &[f64]) -> Vec<(LinkId, f64)> {
    ws.iter().enumerate().map(|(i, &w)| (LinkId::new(3 * i + 1), w)).collect()
}

/// Expected slot counts per member (zero counts omitted), from `quantize`.
fn expected_counts(ms: &[(LinkId, f64)], n: usize) -> BTreeMap<LinkId, usize> {
    let counts = quantize(&ms.iter().map(|m| m.1).collect::<Vec<_>>(), n).unwrap();
    ms.iter().zip(counts).filter(|(_, c)| *c > 0).map(|(m, c)| (m.0, c)).collect()
}

fn table() -> impl Strategy<Value = SlotTable> {
    prop::collection::vec(0usize..12, 1..=80)
        .prop_map(|s| SlotTable::from_slots(s.into_iter().map(LinkId::new).collect()).unwrap())
}

fn alive() -> impl Strategy<Value = Vec<LinkId>> {
    prop::collection::btree_set(0usize..12, 0..12).prop_map(|s| s.into_iter().map(LinkId::new).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn quantize_sums_to_n_within_one_slot_of_the_exact_share(ws in weights(), n in 1usize..=256) {
        let counts = quantize(&ws, n).unwrap();
        prop_assert_eq!(counts.len(), ws.len());
        prop_assert_eq!(counts.iter().sum::<usize>(), n, "counts {:?}", counts);
        let nf = n as f64;
        for (i, (&c, share)) in counts.iter().zip(shares(&ws)).enumerate() {
            prop_assert!((c as f64 / nf - share).abs() < 1.0 / nf, "member {i}: {c}/{n} vs share {share}");
            if ws[i] == 0.0 {
                prop_assert_eq!(c, 0, "a zero weight gets no slot");
            }
        }
        // Largest remainder is monotone: a larger weight never gets fewer slots.
        for i in 0..ws.len() {
            for j in 0..ws.len() {
                if ws[i] > ws[j] {
                    prop_assert!(counts[i] >= counts[j], "w{i} > w{j} but {} < {}", counts[i], counts[j]);
                }
            }
        }
    }

    #[test]
    fn from_weights_and_rebalance_give_quantized_counts(ws in weights(), old in table()) {
        let ms = members(&ws);
        let n = old.len();
        let fresh = SlotTable::from_weights(&ms, n).unwrap();
        let moved = old.rebalance(&ms).unwrap();
        let expected = expected_counts(&ms, n);
        prop_assert_eq!(fresh.len(), n);
        prop_assert_eq!(moved.len(), n);
        prop_assert_eq!(fresh.counts(), expected.clone());
        prop_assert_eq!(moved.counts(), expected);
    }

    /// Rebalancing changes exactly sum(max(0, old - new)) slots, the minimum, and keeps slots of kept members.
    #[test]
    fn rebalance_moves_the_minimum_number_of_slots(ws in weights(), old in table()) {
        let ms = members(&ws);
        let new = old.rebalance(&ms).unwrap();
        let (before, after) = (old.counts(), new.counts());
        let minimum: usize = before.iter().map(|(l, &c)| c.saturating_sub(after.get(l).copied().unwrap_or(0))).sum();
        let changed = old.slots().iter().zip(new.slots()).filter(|(a, b)| a != b).count();
        prop_assert_eq!(changed, minimum);
    }

    #[test]
    fn resolve_and_effective_weights_agree(t in table(), alive in alive(), hash_base in 0usize..1_000_000) {
        let n = t.len();
        let eff = t.effective_weights(&alive);
        if alive.is_empty() {
            prop_assert!(eff.is_empty());
            prop_assert!((0..n).all(|i| t.resolve(i, &alive).is_none()));
            return Ok(());
        }
        let mut hist: BTreeMap<LinkId, usize> = BTreeMap::new();
        for i in 0..n {
            let l = t.resolve(i, &alive).unwrap();
            prop_assert!(alive.contains(&l), "slot {i} resolves to dead {l:?}");
            if alive.contains(&t.slots()[i]) {
                prop_assert_eq!(l, t.slots()[i], "a live member keeps its slot");
            }
            // A flow hash selects slot hash % n: every hash of the same slot resolves alike.
            let hash = hash_base * n + i;
            prop_assert_eq!(t.resolve(hash, &alive), Some(l), "hash {} of slot {}", hash, i);
            *hist.entry(l).or_insert(0) += 1;
        }
        let from_resolve: Vec<(LinkId, f64)> = hist.into_iter().map(|(l, c)| (l, c as f64 / n as f64)).collect();
        prop_assert_eq!(&eff, &from_resolve);
        prop_assert!((eff.iter().map(|e| e.1).sum::<f64>() - 1.0).abs() < 1e-9);

        let members: Vec<LinkId> = t.counts().into_keys().collect();
        prop_assert_eq!(t.effective_weights(&members), t.weights(), "with every member alive nothing changes");
    }
}

fn is_wcmp_error<T: std::fmt::Debug>(r: Result<T, TopologyError>) -> bool {
    matches!(r, Err(TopologyError::InvalidWcmp { .. }))
}

#[test]
fn quantize_examples_and_errors() {
    assert_eq!(quantize(&[1.0, 1.0, 1.0], 64).unwrap(), [22, 21, 21]);
    assert_eq!(quantize(&[3.0, 1.0], 4).unwrap(), [3, 1]);
    assert_eq!(quantize(&[0.0, 2.0], 5).unwrap(), [0, 5]);
    assert_eq!(quantize(&[f64::MAX, f64::MAX], 4).unwrap(), [2, 2], "no overflow in the total");
    assert!(is_wcmp_error(quantize(&[1.0], 0)));
    assert!(is_wcmp_error(quantize(&[], 4)));
    assert!(is_wcmp_error(quantize(&[0.0, 0.0], 4)));
    assert!(is_wcmp_error(quantize(&[1.0, -1.0], 4)));
    assert!(is_wcmp_error(quantize(&[1.0, f64::NAN], 4)));
    assert!(is_wcmp_error(quantize(&[f64::INFINITY], 4)));
}

#[test]
fn tables_reject_bad_input() {
    let (a, b) = (LinkId::new(1), LinkId::new(2));
    assert!(is_wcmp_error(SlotTable::from_slots(vec![])));
    assert!(is_wcmp_error(SlotTable::ecmp(&[], 4)));
    assert!(is_wcmp_error(SlotTable::ecmp(&[a], 0)));
    assert!(is_wcmp_error(SlotTable::from_weights(&[(a, 1.0), (a, 1.0)], 4)), "duplicate member");
    let t = SlotTable::ecmp(&[a, b], 4).unwrap();
    assert!(is_wcmp_error(t.rebalance(&[(a, 1.0), (b, 1.0), (a, 2.0)])), "duplicate member");
    assert!(is_wcmp_error(t.rebalance(&[(a, 0.0)])));
    let mut t = t;
    assert!(is_wcmp_error(t.set_slot(4, a)));
    t.set_slot(3, a).unwrap();
    assert_eq!(t.slots(), [a, b, a, a]);
}

#[test]
fn ecmp_and_weighted_tables() {
    let (a, b, c) = (LinkId::new(1), LinkId::new(2), LinkId::new(3));
    let t = SlotTable::ecmp(&[a, b, c], 6).unwrap();
    assert_eq!(t.slots(), [a, b, c, a, b, c]);
    assert_eq!(t.weights(), [(a, 2.0 / 6.0), (b, 2.0 / 6.0), (c, 2.0 / 6.0)]);
    let w = SlotTable::from_weights(&[(a, 3.0), (b, 1.0)], 8).unwrap();
    assert_eq!(w.slots(), [a, b, a, b, a, a, a, a], "interleaved while both members have slots left");
    // b dies: its slots fall to the live members round-robin by slot index.
    assert_eq!(w.resolve(1, &[a, c]), Some(c));
    assert_eq!(w.resolve(3, &[a, c]), Some(c));
    assert_eq!(w.effective_weights(&[a, c]), [(a, 0.75), (c, 0.25)]);
}

#[test]
fn wcmp_state_keys_by_switch_and_prefix() {
    use fathom_topology::NodeId;
    let mut s = WcmpState::new();
    assert!(s.is_empty());
    let t = SlotTable::ecmp(&[LinkId::new(0)], 2).unwrap();
    s.set(NodeId::new(1), 0, t.clone());
    s.set(NodeId::new(1), 1, t.clone());
    assert_eq!(s.len(), 2);
    assert_eq!(s.get(NodeId::new(1), 0), Some(&t));
    assert_eq!(s.get(NodeId::new(2), 0), None);
    assert_eq!(s.remove(NodeId::new(1), 0), Some(t));
    assert_eq!(s.iter().count(), 1);
}
