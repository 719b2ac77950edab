//! One Gauss-Seidel pass of the fluid solver, and the read-only pass before it that prices every demand with the
//! current weights: a lower bound on the optimum (LP duality) and each demand's share of the duality gap.

use super::state::State;

/// Doublings of a move at most.
const EXPANSIONS: usize = 12;
/// A Newton step that left less than this fraction of the gradient difference was accurate: no doubling. (A step
/// in a locally linear region only shrinks it by the exponential's own factor, about `1/e`.)
const SETTLED: f64 = 0.2;
/// A path whose part of its demand's gap is below this fraction of the mean part keeps its flow in a sweep.
const PATH_SKIP: f64 = 0.1;

/// What the pricing pass found.
pub(super) struct Pricing {
    /// A lower bound on the optimum of the (unsmoothed) problem.
    pub lower_bound: f64,
    /// Per active demand (same order as `State::active`): its Frank-Wolfe gap, in units of the objective.
    pub gap: Vec<f64>,
    /// Sum of `gap`.
    pub total_gap: f64,
}

impl State<'_> {
    /// Prices every demand with the weights `y = w / Z` (a probability distribution over the (link, scenario)
    /// entries). For any such `y`, `sum_d min_p (cost of path p under y)` is at most the optimum: the max of the
    /// entries is at least their `y`-average, which is the `y`-cost of the routing.
    pub fn price(&self) -> Pricing {
        let inv_z = 1.0 / self.z;
        let mut lower = 0.0;
        let mut gap = Vec::with_capacity(self.active.len());
        let mut next_active = 0;
        for &d in &self.loaded {
            let d = d as usize;
            let (mut gmin, mut lin) = (f64::INFINITY, 0.0);
            for p in self.inst.paths_of(d).filter(|&p| self.inst.path_usable(p)) {
                let g = self.grad(d, p);
                gmin = gmin.min(g);
                lin += self.x[p] * g;
            }
            lower += gmin;
            if self.active.get(next_active) == Some(&(d as u32)) {
                gap.push(((lin - gmin) * inv_z).max(0.0));
                next_active += 1;
            }
        }
        let total_gap = gap.iter().sum();
        Pricing { lower_bound: lower * inv_z * (1.0 - 1e-12), gap, total_gap }
    }

    /// Shifts flow of every active demand whose gap is at least `min_gap`.
    pub fn sweep(&mut self, gap: &[f64], min_gap: f64) {
        for (i, &g) in gap.iter().enumerate() {
            let d = self.active[i] as usize;
            if g >= min_gap && self.shift_demand(d) {
                self.mark_dirty(d);
            }
        }
    }

    /// Moves flow of `d` from its dearer paths to its cheapest one, skipping paths whose part of the demand's gap
    /// is negligible; true when something moved.
    fn shift_demand(&mut self, d: usize) -> bool {
        let r = self.inst.paths_of(d);
        let mut g = std::mem::take(&mut self.scratch);
        g.clear();
        g.extend(r.clone().map(|p| if self.inst.path_usable(p) { self.grad(d, p) } else { f64::INFINITY }));
        let (qi, gq) = g.iter().enumerate().fold((0, f64::INFINITY), |m, (i, &v)| if v < m.1 { (i, v) } else { m });
        let xs = &self.x[r.clone()];
        let gap: f64 = xs.iter().zip(&g).filter(|(x, _)| **x > 0.0).map(|(x, v)| x * (v - gq)).sum();
        let min_part = PATH_SKIP * gap / r.len() as f64;
        let q = r.start + qi;
        let mut moved = false;
        for (i, p) in r.clone().enumerate() {
            if i == qi || self.x[p] <= 0.0 || self.x[p] * (g[i] - gq) <= min_part {
                continue;
            }
            let (gp, gq) = (self.grad(d, p), self.grad(d, q));
            if gp <= gq * (1.0 + 1e-12) {
                continue;
            }
            self.newton_move(d, p, q, gp - gq);
            moved = true;
        }
        self.scratch = g;
        moved
    }

    /// Moves flow of `d` from `p` to the cheaper `q`: a Newton step scaled by the diagonal of the Hessian (never
    /// too long: the diagonal over-estimates the curvature). Where the max is locally linear that step is far too
    /// short, which shows as a gradient difference that did not nearly vanish: then the move is doubled while the
    /// smoothed max keeps falling.
    fn newton_move(&mut self, d: usize, p: usize, q: usize, dg: f64) {
        let h = self.curvature(d, p, q);
        let mut moved = if h > 0.0 { (dg / (self.beta * h)).min(self.x[p]) } else { self.x[p] };
        self.shift(d, p, q, moved);
        if self.x[p] <= 0.0 || self.grad(d, p) - self.grad(d, q) < SETTLED * dg {
            return;
        }
        for _ in 0..EXPANSIONS {
            let step = moved.min(self.x[p]);
            if step <= 0.0 {
                return;
            }
            let z0 = self.z;
            self.shift(d, p, q, step);
            if self.z >= z0 {
                self.shift(d, p, q, -step);
                return;
            }
            moved += step;
        }
    }
}
