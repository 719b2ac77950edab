//! Completion events, one per flow at most, in a binary min-heap indexed by flow so that a rate change moves a
//! flow's completion in place. (A lazily deleted heap pushes a new event on every change and later pops the stale
//! one: a third of all events in a collective with colliding flows.) Keys are (time, sequence number) packed into
//! one integer, as for every event, and unique, so the order is total and the same pushes give the same pops.

const NONE: u32 = u32::MAX;

/// A heap entry, 24 bytes: the key as two words (a `u128` would align the entry to 32 bytes).
#[derive(Debug, Clone, Copy)]
struct Entry {
    at: u64,
    seq: u64,
    flow: u32,
    version: u32,
}

impl Entry {
    fn key(&self) -> u128 {
        (u128::from(self.at) << 64) | u128::from(self.seq)
    }
    /// Orders like the key.
    fn before(&self, o: &Entry) -> bool {
        // One branch-free 128-bit compare rather than a comparison of two fields.
        self.key() < o.key()
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct CompletionQueue {
    heap: Vec<Entry>,
    /// Per flow slot: its entry's index in `heap`, or `NONE`.
    pos: Vec<u32>,
}

impl CompletionQueue {
    /// The smallest key.
    pub(crate) fn peek_key(&self) -> Option<u128> {
        self.heap.first().map(Entry::key)
    }

    /// Removes the earliest completion: `(key, flow, version)`.
    pub(crate) fn pop(&mut self) -> Option<(u128, u32, u32)> {
        let top = *self.heap.first()?;
        self.pos[top.flow as usize] = NONE;
        let last = self.heap.pop().expect("non-empty");
        let n = self.heap.len();
        if n > 0 {
            // The hole at the root goes down along the smaller children to a leaf (one comparison per level), then
            // the last entry rises from there: it usually belongs near the bottom.
            // (On slices: their pointers and lengths stay in registers.)
            let (heap, pos) = (&mut self.heap[..], &mut self.pos[..]);
            let mut i = 0;
            loop {
                let mut c = 2 * i + 1;
                if c >= n {
                    break;
                }
                // The smaller child, without a branch on which one it is (the compare is unpredictable).
                c += usize::from(c + 1 < n && heap[c + 1].before(&heap[c]));
                let ce = heap[c];
                heap[i] = ce;
                pos[ce.flow as usize] = i as u32;
                i = c;
            }
            self.sift_up(i, last);
        }
        Some((top.key(), top.flow, top.version))
    }

    /// Schedules flow `flow`'s completion at `key` (replacing the one it had).
    pub(crate) fn set(&mut self, flow: u32, key: u128, version: u32) {
        let f = flow as usize;
        if self.pos.len() <= f {
            self.pos.resize(f + 1, NONE);
        }
        let e = Entry { at: (key >> 64) as u64, seq: key as u64, flow, version };
        match self.pos[f] {
            NONE => {
                self.heap.push(e);
                self.sift_up(self.heap.len() - 1, e);
            }
            i => {
                let i = i as usize;
                if e.before(&self.heap[i]) {
                    self.sift_up(i, e);
                } else {
                    self.sift_down(i, e);
                }
            }
        }
    }

    /// Drops flow `flow`'s completion, if it has one.
    pub(crate) fn remove(&mut self, flow: u32) {
        if let Some(&i) = self.pos.get(flow as usize) {
            if i != NONE {
                self.remove_at(i as usize);
            }
        }
    }

    fn remove_at(&mut self, i: usize) {
        let gone = self.heap[i].flow;
        self.pos[gone as usize] = NONE;
        let last = self.heap.pop().expect("non-empty");
        if i < self.heap.len() {
            if last.before(&self.heap[i]) {
                self.sift_up(i, last);
            } else {
                self.sift_down(i, last);
            }
        }
    }

    /// Places `e` at or above hole `i`.
    fn sift_up(&mut self, mut i: usize, e: Entry) {
        let (heap, pos) = (&mut self.heap[..], &mut self.pos[..]);
        while i > 0 {
            let p = (i - 1) / 2;
            let pe = heap[p];
            if !e.before(&pe) {
                break;
            }
            heap[i] = pe;
            pos[pe.flow as usize] = i as u32;
            i = p;
        }
        heap[i] = e;
        pos[e.flow as usize] = i as u32;
    }

    /// Places `e` at or below hole `i`.
    fn sift_down(&mut self, mut i: usize, e: Entry) {
        let (heap, pos) = (&mut self.heap[..], &mut self.pos[..]);
        let n = heap.len();
        loop {
            let mut c = 2 * i + 1;
            if c >= n {
                break;
            }
            c += usize::from(c + 1 < n && heap[c + 1].before(&heap[c]));
            let ce = heap[c];
            if !ce.before(&e) {
                break;
            }
            heap[i] = ce;
            pos[ce.flow as usize] = i as u32;
            i = c;
        }
        heap[i] = e;
        pos[e.flow as usize] = i as u32;
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Against a model (the latest key of every flow, earliest first): set, move, remove and pop in any
        /// interleaving keep the heap and its index consistent.
        #[test]
        fn matches_a_model(ops in proptest::collection::vec((0u8..4, 0u32..24, 0u64..50), 0..500)) {
            let mut q = CompletionQueue::default();
            let mut model: std::collections::BTreeMap<u32, u128> = std::collections::BTreeMap::new();
            for (seq, (op, flow, t)) in ops.into_iter().enumerate() {
                match op {
                    0 | 1 => {
                        let key = (u128::from(t) << 64) | seq as u128;
                        q.set(flow, key, seq as u32);
                        model.insert(flow, key);
                    }
                    2 => {
                        q.remove(flow);
                        model.remove(&flow);
                    }
                    _ => {
                        let want = model.iter().min_by_key(|(_, &k)| k).map(|(&f, &k)| (k, f));
                        let got = q.pop().map(|(k, f, _)| (k, f));
                        prop_assert_eq!(got, want);
                        if let Some((_, f)) = want {
                            model.remove(&f);
                        }
                    }
                }
                prop_assert_eq!(q.len(), model.len());
                prop_assert_eq!(q.peek_key(), model.values().min().copied());
            }
        }
    }
}
