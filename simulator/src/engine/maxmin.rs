//! Max-min fair rates by progressive filling (water-filling), for one subproblem of flows and links.
//!
//! All unfrozen flows rise together; a link saturates when the level reaches `remaining / unfrozen flows`, a flow
//! stops at its own demand cap. A heap keyed by each link's saturation level makes this `O((F·h + L) log L)` for `F`
//! flows of `h` hops over `L` links. Ties are broken by index, so the result is deterministic.

/// One subproblem: local link and flow indices.
#[derive(Debug, Default, Clone)]
pub struct Problem {
    /// Capacity available to these flows on each link, bit/s.
    pub link_cap: Vec<f64>,
    /// Links of each flow (local indices), flattened; flow `i` uses `hops[start[i]..start[i+1]]`.
    pub hops: Vec<u32>,
    pub start: Vec<u32>,
    /// Demand cap of each flow, bit/s.
    pub flow_cap: Vec<f64>,
}

/// The allocation: rate per flow and, for flows limited by a link, that link.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Allocation {
    pub rate: Vec<f64>,
    pub bottleneck: Vec<Option<u32>>,
}

impl Problem {
    pub fn clear(&mut self) {
        self.link_cap.clear();
        self.hops.clear();
        self.start.clear();
        self.flow_cap.clear();
    }
    pub fn push_flow(&mut self, links: impl IntoIterator<Item = u32>, cap: f64) {
        if self.start.is_empty() {
            self.start.push(0);
        }
        self.hops.extend(links);
        self.start.push(self.hops.len() as u32);
        self.flow_cap.push(cap);
    }
    /// Ends a flow whose links were pushed onto `hops` directly.
    pub fn end_flow(&mut self, cap: f64) {
        if self.start.is_empty() {
            self.start.push(0);
        }
        // The flow's links are the hops pushed since the previous flow ended.
        self.start.push(self.hops.len() as u32);
        self.flow_cap.push(cap);
    }
    fn flow_links(&self, f: usize) -> &[u32] {
        &self.hops[self.start[f] as usize..self.start[f + 1] as usize]
    }
    pub fn flows(&self) -> usize {
        self.flow_cap.len()
    }
}

/// Key of a non-negative f64 that orders like the number.
fn key(x: f64) -> u64 {
    x.max(0.0).to_bits()
}

/// Reusable working memory of [`solve_with`] (the engine solves thousands of small problems per second).
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    /// Per link, and one more entry whose `lstart` ends the last link's range.
    links: Vec<LinkWork>,
    lflows: Vec<u32>,
    heap: MinHeap,
    /// Tracked flows by effective cap (then index): see [`cap_entry`].
    by_cap: Vec<u128>,
    /// Per flow: its effective cap and what set it, and whether it is frozen (see [`FlowWork`]).
    flows: Vec<FlowWork>,
}

/// What the water-filling keeps per link, together (every pass over a flow's links reads several of these).
#[derive(Debug, Default, Clone, Copy)]
struct LinkWork {
    /// Capacity not yet taken by frozen flows.
    rem: f64,
    /// Sum of the demand caps of the link's flows.
    demand: f64,
    /// Level key (`DEAD`: no level).
    lkey: u64,
    /// Flows on the link not yet frozen.
    count: u32,
    /// Start of the link's range in `lflows` (the next entry's `lstart` ends it).
    lstart: u32,
    /// The link can never limit a flow (kept out of the heap).
    skip: bool,
}

/// What the water-filling keeps per flow.
#[derive(Debug, Clone, Copy)]
struct FlowWork {
    /// Effective demand cap: the flow's cap, or the room of a link only it uses if that is lower.
    ecap: f64,
    /// The link that set `ecap` (`NO_LINK` if the flow's own cap did).
    ebn: u32,
    frozen: bool,
}

/// Solves the subproblem.
pub fn solve(p: &Problem) -> Allocation {
    let mut out = Allocation::default();
    solve_with(p, &mut Scratch::default(), &mut out);
    out
}

/// Sizes `v` to `n` without clearing what it keeps: for arrays the caller writes in full before reading.
fn fit<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    v.truncate(n);
    grow(v, n, x);
}

/// Makes `v` at least `n` long, keeping what it holds: for working arrays written before they are read, and only
/// read below `n`.
fn grow<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    if v.len() < n {
        v.resize(n, x);
    }
}

/// An integer that orders like `f64::total_cmp`.
fn total_key(x: f64) -> i64 {
    let b = x.to_bits() as i64;
    b ^ ((((b >> 63) as u64) >> 1) as i64)
}

/// A flow's place in the cap order, packed so that one integer compare orders by cap (`total_cmp`), then index.
fn cap_entry(cap: f64, f: u32) -> u128 {
    let k = (total_key(cap) as u64) ^ (1 << 63);
    ((k as u128) << 32) | f as u128
}

fn flow_of(e: u128) -> usize {
    (e as u32) as usize
}

/// Solves the subproblem into `out`, reusing `s`.
///
/// A link's level `rem / count` never falls while the water rises (a flow leaving it is frozen at most at that
/// level), so the heap is updated lazily: a popped entry whose level has risen is pushed again with the new level,
/// and a freeze pushes only in the rare case rounding lowered a level. The order of saturations, and so the
/// result, is exactly that of a heap updated on every change.
pub fn solve_with(p: &Problem, s: &mut Scratch, out: &mut Allocation) {
    let nf = p.flows();
    let nl = p.link_cap.len();
    // Every flow's rate and bottleneck are written below (each flow ends frozen, with both set).
    fit(&mut out.rate, nf, 0.0);
    fit(&mut out.bottleneck, nf, None);
    if nf == 0 {
        return;
    }
    if nf == 1 && p.hops.len() == nl && p.hops.iter().enumerate().all(|(i, &l)| l as usize == i) {
        // One flow over distinct links: what the water-filling below does, directly. A link limits it only if
        // it has less room than the cap (each link's level is its room), the lowest such link (first by index
        // among equals) at its level.
        let cap = p.flow_cap[0];
        let top = (0..nl).filter(|&l| !(p.link_cap[l] >= cap)).map(|l| (key(p.link_cap[l]), l)).min();
        match top {
            Some((k, l)) if cap > f64::from_bits(k) => {
                out.rate[0] = f64::from_bits(k);
                out.bottleneck[0] = Some(l as u32);
            }
            _ => {
                out.rate[0] = cap;
                out.bottleneck[0] = None;
            }
        }
        return;
    }
    // Three passes set everything up: links' flow counts and demands (over the hops), then per link whether it
    // is tracked, its level and the end of its CSR range (over the links), then per flow its effective cap and its
    // place in the CSR of its tracked links (over the hops again).
    s.links.clear();
    s.links.extend(p.link_cap.iter().map(|&rem| LinkWork { rem, ..LinkWork::default() }));
    s.links.push(LinkWork::default());
    // (The hop loops work on slices taken once: through `s`, every access would reload the vectors' headers.)
    let lw = &mut s.links[..];
    for (w, &cap) in p.start.windows(2).zip(&p.flow_cap) {
        for &l in &p.hops[w[0] as usize..w[1] as usize] {
            let e = &mut lw[l as usize];
            e.count += 1;
            e.demand += cap;
        }
    }
    // A link with room for every one of its flows at its cap never limits any of them: its level stays at or
    // above the smallest cap still rising, where the cap wins. Such links stay out of the heap and are not
    // tracked, which changes no decision. The margin covers rounding in `rem`. A link used by one flow only is
    // not tracked either: see the effective caps below.
    s.heap.0.clear();
    let mut end = 0u32;
    for (l, e) in s.links[..nl].iter_mut().enumerate() {
        e.skip = e.count <= 1 || e.rem >= e.demand * (1.0 + 1e-6);
        if e.skip {
            // `DEAD`: never a level (it also marks a tracked link once all its flows are frozen).
            e.lkey = DEAD;
        } else {
            let k = key(e.rem / e.count as f64);
            e.lkey = k;
            s.heap.0.push(entry(k, l));
            end += e.count;
        }
        // The end of the link's range in `lflows`; filled backwards below, it ends as the range's start.
        e.lstart = end;
    }
    s.links[nl].lstart = end;
    s.heap.heapify();
    grow(&mut s.lflows, end as usize, 0);
    // A link used by one flow only has a constant level (its room) until that flow stops: it acts as a lower
    // cap for that flow, reached at the same water level, so it is folded into the flow's effective cap. Among
    // equal rooms the lowest link index wins, as in the heap; a room equal to the cap leaves the cap in charge,
    // as the cap test below does. A flow on untracked links only runs at its effective cap and changes no
    // tracked link: it is settled here, out of the filling. Flows are visited last to first, so that each link's
    // flows end up in `lflows` in increasing order.
    // (Every entry is written below before it is read.)
    fit(&mut s.flows, nf, FlowWork { ecap: 0.0, ebn: NO_LINK, frozen: false });
    let mut left = nf;
    s.by_cap.clear();
    let (lw, lflows, fw, by_cap) = (&mut s.links[..], &mut s.lflows[..], &mut s.flows[..], &mut s.by_cap);
    for (f, (w, &cap)) in p.start.windows(2).zip(&p.flow_cap).enumerate().rev() {
        let links = &p.hops[w[0] as usize..w[1] as usize];
        let (mut ecap, mut ebn, mut tracked) = (cap, NO_LINK, false);
        // The least room among the flow's tracked links.
        let mut room = f64::INFINITY;
        // One pass: the effective cap, and the flow's place among each tracked link's flows (written only for
        // tracked links, so a flow that turns out untracked wrote nothing).
        for &l in links {
            let e = &mut lw[l as usize];
            if e.count == 1 {
                let r = e.rem;
                if r < ecap || (r == ecap && ebn != NO_LINK && l < ebn) {
                    ecap = r;
                    ebn = l;
                }
            }
            if !e.skip {
                tracked = true;
                // (A compare, not `f64::min`: no NaN to take care of, and only `room < ecap` reads it.)
                if e.rem < room {
                    room = e.rem;
                }
                e.lstart -= 1;
                lflows[e.lstart as usize] = f as u32;
            }
        }
        fw[f] = FlowWork { ecap, ebn, frozen: !tracked };
        if tracked {
            // A flow whose cap is above the room of one of its tracked links never stops at its cap: that link's
            // level never exceeds its room, so the link freezes the flow first (at the latest when it saturates).
            // Such a flow stays out of the cap order, which decides nothing for it.
            if !(room < ecap) {
                by_cap.push(cap_entry(ecap, f as u32));
            }
        } else {
            left -= 1;
            out.rate[f] = ecap;
            out.bottleneck[f] = (ebn != NO_LINK).then_some(ebn);
        }
    }
    s.by_cap.sort_unstable();
    let nc = s.by_cap.len();
    let mut next_cap = 0usize;
    let Scratch { links: lw, lflows, heap, by_cap, flows: fw } = s;
    let (lw, lflows, by_cap, fw) = (&mut lw[..], &lflows[..], &by_cap[..], &mut fw[..]);
    let freeze = |f: usize, r: f64, lw: &mut [LinkWork], heap: &mut MinHeap| {
        for &l in p.flow_links(f) {
            let l = l as usize;
            let e = &mut lw[l];
            if e.skip {
                continue;
            }
            e.rem -= r;
            e.count -= 1;
            if e.count > 0 {
                let k = key(e.rem / e.count as f64);
                if k < e.lkey {
                    heap.push(entry(k, l));
                }
                e.lkey = k;
            } else {
                e.lkey = DEAD;
            }
        }
    };
    // A flow that reaches its own cap before any link saturates: its rate is the cap.
    macro_rules! freeze_at_cap {
        ($f:expr) => {{
            let f = $f;
            let w = &mut fw[f];
            w.frozen = true;
            left -= 1;
            let r = w.ecap;
            out.rate[f] = r;
            out.bottleneck[f] = (w.ebn != NO_LINK).then_some(w.ebn);
            freeze(f, r, lw, heap);
        }};
    }
    while left > 0 {
        while next_cap < nc && fw[flow_of(by_cap[next_cap])].frozen {
            next_cap += 1;
        }
        // A cap at or below the heap's smallest key is reached before any link saturates (levels only rise, so
        // that key bounds every link's level from below): freeze it without bringing the heap up to date.
        if let (Some(&c), Some(e)) = (by_cap.get(next_cap), heap.peek()) {
            let f = flow_of(c);
            if fw[f].ecap <= f64::from_bits((e >> 32) as u64) {
                freeze_at_cap!(f);
                continue;
            }
        }
        // The lowest valid link level.
        let mut top = None;
        while let Some(e) = heap.peek() {
            let (k, l) = ((e >> 32) as u64, (e as u32) as usize);
            let now = lw[l].lkey;
            if now == k {
                top = Some((f64::from_bits(k), l));
                break;
            }
            if now != DEAD && now > k {
                heap.replace_top(entry(now, l));
            } else {
                heap.pop();
            }
        }
        // (`next_cap` is still the first unfrozen cap: finding the top link freezes no flow.)
        let cap_flow = by_cap.get(next_cap).map(|&c| flow_of(c));
        match (top, cap_flow) {
            (Some((level, l)), cap) if cap.is_none_or(|f| fw[f].ecap > level) => {
                heap.pop();
                for &g in &lflows[lw[l].lstart as usize..lw[l + 1].lstart as usize] {
                    let g = g as usize;
                    if fw[g].frozen {
                        continue;
                    }
                    fw[g].frozen = true;
                    left -= 1;
                    out.rate[g] = level;
                    out.bottleneck[g] = Some(l as u32);
                    freeze(g, level, lw, heap);
                }
            }
            (_, Some(f)) => {
                freeze_at_cap!(f);
            }
            // (No link and no cap left: every flow is frozen.)
            _ => break,
        }
    }
}

/// No link (a flow limited by its own cap).
const NO_LINK: u32 = u32::MAX;

/// Level key of a link with no flow left to limit.
const DEAD: u64 = u64::MAX;

/// A heap entry: level key and link, ordered by key then link.
fn entry(k: u64, l: usize) -> u128 {
    ((k as u128) << 32) | l as u128
}

/// A binary min-heap of packed entries (one integer compare per step).
#[derive(Debug, Default, Clone)]
struct MinHeap(Vec<u128>);

impl MinHeap {
    fn heapify(&mut self) {
        for i in (0..self.0.len() / 2).rev() {
            self.sift_down(i);
        }
    }
    fn peek(&self) -> Option<u128> {
        self.0.first().copied()
    }
    fn push(&mut self, x: u128) {
        let i = self.0.len();
        self.0.push(x);
        self.sift_up(i, x);
    }
    /// Places `x` at or above hole `i`.
    #[inline]
    fn sift_up(&mut self, mut i: usize, x: u128) {
        let v = &mut self.0;
        while i > 0 {
            let p = (i - 1) / 2;
            if v[p] <= x {
                break;
            }
            v[i] = v[p];
            i = p;
        }
        v[i] = x;
    }
    fn pop(&mut self) {
        let Some(x) = self.0.pop() else { return };
        let v = &mut self.0;
        let n = v.len();
        if n == 0 {
            return;
        }
        // The hole at the root goes down along the smaller children to a leaf (one compare per level), then the
        // last entry rises from there: it usually belongs near the bottom. Same heap order as a sift-down of it.
        let mut i = 0;
        loop {
            let c = 2 * i + 1;
            if c >= n {
                break;
            }
            let c = c + usize::from(c + 1 < n && v[c + 1] < v[c]);
            v[i] = v[c];
            i = c;
        }
        self.sift_up(i, x);
    }
    /// Replaces the smallest entry by `x`, which is not smaller.
    fn replace_top(&mut self, x: u128) {
        self.0[0] = x;
        self.sift_down(0);
    }
    fn sift_down(&mut self, mut i: usize) {
        let v = &mut self.0;
        let n = v.len();
        let x = v[i];
        loop {
            let c = 2 * i + 1;
            if c >= n {
                break;
            }
            // The smaller child, without a branch on which one it is (the compare is unpredictable).
            let c = c + usize::from(c + 1 < n && v[c + 1] < v[c]);
            if v[c] >= x {
                break;
            }
            v[i] = v[c];
            i = c;
        }
        v[i] = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(caps: &[f64], flows: &[(&[u32], f64)]) -> Problem {
        let mut p = Problem { link_cap: caps.to_vec(), ..Default::default() };
        for (links, cap) in flows {
            p.push_flow(links.iter().copied(), *cap);
        }
        p
    }

    /// Progressive filling by brute force: the water level rises to the next link saturation or cap.
    fn reference(p: &Problem) -> Vec<f64> {
        let nf = p.flows();
        let mut rate = vec![0.0; nf];
        let mut frozen = vec![false; nf];
        loop {
            if frozen.iter().all(|&x| x) {
                return rate;
            }
            let mut w = f64::INFINITY;
            for (f, &c) in p.flow_cap.iter().enumerate() {
                if !frozen[f] {
                    w = w.min(c);
                }
            }
            let level = |l: usize, rate: &[f64], frozen: &[bool]| {
                let (mut used, mut n) = (0.0, 0);
                for f in 0..nf {
                    if p.flow_links(f).contains(&(l as u32)) {
                        if frozen[f] {
                            used += rate[f];
                        } else {
                            n += 1;
                        }
                    }
                }
                (n > 0).then(|| (p.link_cap[l] - used).max(0.0) / n as f64)
            };
            for l in 0..p.link_cap.len() {
                if let Some(x) = level(l, &rate, &frozen) {
                    w = w.min(x);
                }
            }
            let tight: Vec<bool> = (0..p.link_cap.len())
                .map(|l| level(l, &rate, &frozen).is_some_and(|x| x <= w * (1.0 + 1e-12)))
                .collect();
            for f in 0..nf {
                if !frozen[f] {
                    rate[f] = w;
                    if p.flow_cap[f] <= w * (1.0 + 1e-12) || p.flow_links(f).iter().any(|&l| tight[l as usize]) {
                        frozen[f] = true;
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn water_filling_matches_brute_force(
            caps in proptest::collection::vec(1u32..8, 1..7),
            flows in proptest::collection::vec((proptest::collection::vec(0u32..7, 1..4), 1u32..12), 1..12),
        ) {
            let nl = caps.len() as u32;
            let mut p = Problem { link_cap: caps.iter().map(|&c| f64::from(c) * 100.0).collect(), ..Default::default() };
            for (links, cap) in &flows {
                let mut ls: Vec<u32> = links.iter().map(|&l| l % nl).collect();
                ls.sort_unstable();
                ls.dedup();
                p.push_flow(ls, f64::from(*cap) * 37.0);
            }
            let got = solve(&p);
            let want = reference(&p);
            for (f, &w) in want.iter().enumerate() {
                proptest::prop_assert!((got.rate[f] - w).abs() <= 1e-9 * 1000.0, "flow {}: {} vs {}", f, got.rate[f], w);
                if let Some(b) = got.bottleneck[f] {
                    // A flow's bottleneck is saturated and no flow there runs faster.
                    let on_b = || (0..p.flows()).filter(|&g| p.flow_links(g).contains(&b)).map(|g| got.rate[g]);
                    proptest::prop_assert!((on_b().sum::<f64>() - p.link_cap[b as usize]).abs() <= 1e-6);
                    proptest::prop_assert!(on_b().fold(0.0, f64::max) <= got.rate[f] + 1e-9);
                } else {
                    proptest::prop_assert!((got.rate[f] - p.flow_cap[f]).abs() <= 1e-9);
                }
            }
        }
    }

    fn arb_problem() -> impl proptest::strategy::Strategy<Value = Problem> {
        use proptest::strategy::Strategy;
        (
            proptest::collection::vec(1u32..8, 1..9),
            proptest::collection::vec((proptest::collection::vec(0u32..9, 1..4), 1u32..12), 1..14),
        )
            .prop_map(|(caps, flows)| {
                let nl = caps.len() as u32;
                let mut p =
                    Problem { link_cap: caps.iter().map(|&c| f64::from(c) * 100.0).collect(), ..Default::default() };
                for (links, cap) in &flows {
                    let mut ls: Vec<u32> = links.iter().map(|&l| l % nl).collect();
                    ls.sort_unstable();
                    ls.dedup();
                    p.push_flow(ls, f64::from(*cap) * 37.0);
                }
                p
            })
    }

    proptest::proptest! {
        /// Working memory and the output reused from earlier solves (of other sizes) give exactly a fresh solve.
        #[test]
        fn reused_scratch_solves_like_a_fresh_one(ps in proptest::collection::vec(arb_problem(), 1..6)) {
            let (mut s, mut out) = (Scratch::default(), Allocation::default());
            for p in &ps {
                solve_with(p, &mut s, &mut out);
                proptest::prop_assert_eq!(&out, &solve(p));
            }
        }
    }

    #[test]
    fn two_flows_share_a_link_equally() {
        let a = solve(&problem(&[400.0], &[(&[0], 1e9), (&[0], 1e9)]));
        assert_eq!(a.rate, vec![200.0, 200.0]);
        assert_eq!(a.bottleneck, vec![Some(0), Some(0)]);
    }

    #[test]
    fn capped_flow_leaves_room_for_others() {
        let a = solve(&problem(&[400.0], &[(&[0], 100.0), (&[0], 1e9)]));
        assert_eq!(a.rate, vec![100.0, 300.0]);
        assert_eq!(a.bottleneck[0], None);
    }

    #[test]
    fn classic_parking_lot() {
        // Flow 0 crosses links 0 and 1; flows 1 and 2 use one link each. Max-min gives 0.5 / 0.5 / 0.5 on
        // capacity-1 links.
        let a = solve(&problem(&[1.0, 1.0], &[(&[0, 1], 9.0), (&[0], 9.0), (&[1], 9.0)]));
        assert_eq!(a.rate, vec![0.5, 0.5, 0.5]);
        // A fatter second link lets flow 2 take the rest.
        let a = solve(&problem(&[1.0, 2.0], &[(&[0, 1], 9.0), (&[0], 9.0), (&[1], 9.0)]));
        assert_eq!(a.rate, vec![0.5, 0.5, 1.5]);
    }
}
