//! What a stream holds while the consumer is behind: the latest value per (target, leaf). Cumulative counters
//! lose only resolution when intermediate samples are dropped, state keeps its newest value, so memory is
//! bounded by the number of distinct leaves (and the stream stops reading at `max_pending_updates`).

use std::collections::{BTreeMap, HashMap};

use crate::telemetry::{Batch, Leaf, Update, Value};

#[derive(Debug, Clone)]
struct Entry {
    endpoint: u32,
    session: u64,
    timestamp_ns: i64,
    value: Value,
}

/// Latest value per key; see the module docs.
#[derive(Debug, Default)]
pub struct Coalescer {
    latest: HashMap<(String, Leaf), Entry, foldhash::fast::RandomState>,
}

impl Coalescer {
    /// Number of distinct leaves held.
    pub fn len(&self) -> usize {
        self.latest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }

    /// Merges a batch; returns how many held updates it replaced (or that were older than what is held).
    pub fn absorb(&mut self, batch: Batch) -> u64 {
        let mut coalesced = 0;
        let (endpoint, session, ts) = (batch.endpoint, batch.session, batch.timestamp_ns);
        for Update { leaf, value } in batch.updates {
            let entry = Entry { endpoint, session, timestamp_ns: ts, value };
            match self.latest.get_mut(&(batch.target.clone(), leaf.clone())) {
                Some(held) => {
                    coalesced += 1;
                    if (session, ts) >= (held.session, held.timestamp_ns) {
                        *held = entry;
                    }
                }
                None => {
                    self.latest.insert((batch.target.clone(), leaf), entry);
                }
            }
        }
        coalesced
    }

    /// Everything held, as batches per (target, session, timestamp) in time order; leaves the coalescer empty.
    pub fn drain(&mut self) -> Vec<Batch> {
        let mut groups: BTreeMap<(i64, u64, String, u32), Vec<Update>> = BTreeMap::new();
        for ((target, leaf), e) in self.latest.drain() {
            groups
                .entry((e.timestamp_ns, e.session, target, e.endpoint))
                .or_default()
                .push(Update { leaf, value: e.value });
        }
        groups
            .into_iter()
            .map(|((timestamp_ns, session, target, endpoint), mut updates)| {
                updates.sort_by(|a, b| a.leaf.cmp(&b.leaf));
                Batch { endpoint, session, target, timestamp_ns, updates }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::IfLeaf;

    fn batch(target: &str, ts: i64, values: &[(&str, u64)]) -> Batch {
        let updates = values
            .iter()
            .map(|(name, v)| Update {
                leaf: Leaf::Interface { name: name.to_string(), leaf: IfLeaf::OutOctets },
                value: Value::Uint(*v),
            })
            .collect();
        Batch { endpoint: 0, session: 1, target: target.into(), timestamp_ns: ts, updates }
    }

    #[test]
    fn latest_value_wins_and_replacements_are_counted() {
        let mut c = Coalescer::default();
        assert_eq!(c.absorb(batch("leaf1", 10, &[("e1", 1), ("e2", 2)])), 0);
        assert_eq!(c.absorb(batch("leaf1", 20, &[("e1", 5)])), 1);
        assert_eq!(c.absorb(batch("leaf1", 15, &[("e2", 9)])), 1, "older than held e2? no: 15 > 10, replaces");
        assert_eq!(c.absorb(batch("leaf2", 20, &[("e1", 7)])), 0, "another target is another key");
        assert_eq!(c.len(), 3);
        let out = c.drain();
        assert!(c.is_empty());
        let got: Vec<(i64, &str, usize)> =
            out.iter().map(|b| (b.timestamp_ns, b.target.as_str(), b.updates.len())).collect();
        assert_eq!(got, vec![(15, "leaf1", 1), (20, "leaf1", 1), (20, "leaf2", 1)]);
        assert_eq!(out[1].updates[0].value, Value::Uint(5));
    }

    #[test]
    fn an_older_sample_never_replaces_a_newer_one() {
        let mut c = Coalescer::default();
        c.absorb(batch("leaf1", 20, &[("e1", 5)]));
        assert_eq!(c.absorb(batch("leaf1", 10, &[("e1", 1)])), 1);
        assert_eq!(c.drain()[0].updates[0].value, Value::Uint(5));
    }
}
