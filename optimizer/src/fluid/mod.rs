//! The fast fluid solver: minimize the max over scenarios and links of scaled utilization, by Gauss-Seidel
//! path shifting on a log-sum-exp smoothing of the max with a rising sharpness (continuation).
//!
//! `F_b(x) = M/b * ln sum_{s,e} exp(b * (u_se(x) - M) / M)` over-estimates the max `max u_se` by at most
//! `M * ln(#entries) / b`. For every demand in turn, flow moves from each of its paths to the path of least
//! first derivative, by a Newton step scaled with the diagonal of the Hessian (Bertsekas-Gallager projection);
//! link states are updated at once, so later demands see earlier moves. The sharpness `b` grows geometrically from
//! `b_start` (global moves) to `b_end` (fine equalization of the bottlenecks); the best solution by the exact max
//! is kept. Each sweep costs O(sum of path lengths * scenarios).

use crate::error::Result;
use crate::instance::{Instance, Scenario, Splits};

/// Tuning of the fluid solver (defaults are instance-independent: they are in units of the current max).
#[derive(Debug, Clone, PartialEq)]
pub struct FluidConfig {
    /// First sharpness for a cold start.
    pub b_start: f64,
    /// First sharpness when warm-started from given splits (they are presumably near-optimal already).
    pub b_warm: f64,
    /// Final sharpness: the smoothing error is at most `ln(#tied entries) / b_end` relative to the max.
    pub b_end: f64,
    /// Factor between stages.
    pub growth: f64,
    /// Sweeps per intermediate stage (at most).
    pub stage_sweeps: usize,
    /// Sweeps at the final sharpness (at most).
    pub final_sweeps: usize,
    /// A stage ends when a sweep improves the max by less than this fraction.
    pub tol: f64,
}

impl Default for FluidConfig {
    fn default() -> Self {
        FluidConfig {
            b_start: 16.0,
            b_warm: 256.0,
            b_end: 8192.0,
            growth: 4.0,
            stage_sweeps: 50,
            final_sweeps: 400,
            tol: 1e-6,
        }
    }
}

/// The fluid solver's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct FluidSolution {
    pub splits: Splits,
    /// The exact objective (max scaled utilization over usable capacity) of `splits`.
    pub objective: f64,
    pub sweeps: usize,
}

/// Solves the hedged min-max-utilization problem over `scenarios`, starting from `warm` when given.
pub fn solve(
    inst: &Instance,
    scenarios: &[Scenario],
    warm: Option<&Splits>,
    cfg: &FluidConfig,
) -> Result<FluidSolution> {
    for s in scenarios {
        inst.check_demand(&s.demand)?;
    }
    let mut x = warm.cloned().unwrap_or_else(|| Splits::equal(inst));
    if x.x.len() != inst.path_count() {
        x = Splits::equal(inst);
    }
    x.repair(inst);
    let mut st = State::new(inst, scenarios, x.x);
    let mut best = (st.max_u(), st.x.clone());
    let mut sweeps = 0;
    if best.0 <= 0.0 || st.active.is_empty() {
        return Ok(FluidSolution { splits: Splits { x: best.1 }, objective: best.0, sweeps });
    }
    let mut b = if warm.is_some() { cfg.b_warm.min(cfg.b_end) } else { cfg.b_start.min(cfg.b_end) };
    loop {
        let last = b >= cfg.b_end;
        // The sharpness is fixed for the stage, so the smoothed max is one function and must keep decreasing.
        st.beta = b / st.max_u();
        let mut f = st.refresh();
        for _ in 0..if last { cfg.final_sweeps } else { cfg.stage_sweeps } {
            st.sweep();
            sweeps += 1;
            st.recompute_u();
            let m = st.max_u();
            if m < best.0 {
                best = (m, st.x.clone());
            }
            let f2 = st.refresh();
            if f - f2 < cfg.tol * f2 {
                break;
            }
            f = f2;
        }
        if last {
            break;
        }
        b = (b * cfg.growth).min(cfg.b_end);
    }
    Ok(FluidSolution { splits: Splits { x: best.1 }, objective: best.0, sweeps })
}

/// Largest exponent evaluated; beyond it the weight is clamped (the next refresh re-centres).
const EXP_CLAMP: f64 = 500.0;
/// Doublings of a move at most.
const EXPANSIONS: usize = 12;

struct State<'a> {
    inst: &'a Instance,
    ns: usize,
    /// `scale_s * demand_s[d]`, at `d * ns + s`.
    a: Vec<f64>,
    /// Demands with positive volume and at least two usable paths.
    active: Vec<u32>,
    inv_c: Vec<f64>,
    /// Scaled utilization at `e * ns + s`.
    u: Vec<f64>,
    /// `exp(beta * (u - mref))`, same layout.
    w: Vec<f64>,
    beta: f64,
    mref: f64,
    /// Sum of `w`, kept up to date by `add_flow`.
    z: f64,
    x: Vec<f64>,
}

impl<'a> State<'a> {
    fn new(inst: &'a Instance, scenarios: &[Scenario], x: Vec<f64>) -> Self {
        let ns = scenarios.len();
        let nd = inst.demand_count();
        let mut a = vec![0.0; nd * ns];
        for (s, sc) in scenarios.iter().enumerate() {
            for d in 0..nd {
                a[d * ns + s] = sc.scale * sc.demand[d];
            }
        }
        let active = (0..nd)
            .filter(|&d| a[d * ns..(d + 1) * ns].iter().any(|&v| v > 0.0))
            .filter(|&d| inst.paths_of(d).filter(|&p| inst.path_usable(p)).count() > 1)
            .map(|d| d as u32)
            .collect();
        let inv_c = (0..inst.links().len()).map(|e| 1.0 / inst.usable_capacity(e)).collect();
        let ne = inst.links().len();
        let mut st = State {
            inst,
            ns,
            a,
            active,
            inv_c,
            u: vec![0.0; ne * ns],
            w: vec![0.0; ne * ns],
            beta: 0.0,
            mref: 0.0,
            z: 0.0,
            x,
        };
        st.recompute_u();
        st
    }

    fn recompute_u(&mut self) {
        let ns = self.ns;
        self.u.iter_mut().for_each(|v| *v = 0.0);
        for d in 0..self.inst.demand_count() {
            let ad = &self.a[d * ns..(d + 1) * ns];
            for p in self.inst.paths_of(d) {
                let xp = self.x[p];
                if xp <= 0.0 {
                    continue;
                }
                for &e in self.inst.path(p) {
                    let (e, k) = (e as usize, xp * self.inv_c[e as usize]);
                    self.u[e * ns..(e + 1) * ns].iter_mut().zip(ad).for_each(|(u, a)| *u += a * k);
                }
            }
        }
    }

    fn max_u(&self) -> f64 {
        self.u.iter().copied().fold(0.0, f64::max)
    }

    /// Re-centres the weights on the current max (keeping `beta`) and returns the smoothed max.
    fn refresh(&mut self) -> f64 {
        self.mref = self.max_u();
        let (beta, mref) = (self.beta, self.mref);
        let mut z = 0.0;
        for (w, u) in self.w.iter_mut().zip(&self.u) {
            *w = (beta * (u - mref)).min(EXP_CLAMP).exp();
            z += *w;
        }
        self.z = z;
        mref + z.ln() / beta
    }

    /// First derivative (up to the common factor `1/Z`) of the smoothed max along path `p` of demand `d`.
    fn grad(&self, d: usize, p: usize) -> f64 {
        let ns = self.ns;
        let ad = &self.a[d * ns..(d + 1) * ns];
        let mut g = 0.0;
        for &e in self.inst.path(p) {
            let e = e as usize;
            let ws = &self.w[e * ns..(e + 1) * ns];
            g += self.inv_c[e] * ad.iter().zip(ws).map(|(a, w)| a * w).sum::<f64>();
        }
        g
    }

    /// Diagonal second derivative (over `beta / Z`) of moving flow of `d` from `p` to `q` (links on one only).
    fn curvature(&self, d: usize, p: usize, q: usize) -> f64 {
        let ns = self.ns;
        let ad = &self.a[d * ns..(d + 1) * ns];
        let (lp, lq) = (self.inst.path(p), self.inst.path(q));
        let mut h = 0.0;
        for &e in lp.iter().filter(|e| !lq.contains(e)).chain(lq.iter().filter(|e| !lp.contains(e))) {
            let e = e as usize;
            let ws = &self.w[e * ns..(e + 1) * ns];
            let c2 = self.inv_c[e] * self.inv_c[e];
            h += c2 * ad.iter().zip(ws).map(|(a, w)| a * a * w).sum::<f64>();
        }
        h
    }

    fn add_flow(&mut self, d: usize, p: usize, delta: f64) {
        let ns = self.ns;
        let (beta, mref) = (self.beta, self.mref);
        let mut dz = 0.0;
        for &e in self.inst.path(p) {
            let e = e as usize;
            let k = delta * self.inv_c[e];
            let ad = &self.a[d * ns..(d + 1) * ns];
            let (us, ws) = (&mut self.u[e * ns..(e + 1) * ns], &mut self.w[e * ns..(e + 1) * ns]);
            for ((u, w), a) in us.iter_mut().zip(ws.iter_mut()).zip(ad) {
                if *a > 0.0 {
                    *u += a * k;
                    let nw = (beta * (*u - mref)).min(EXP_CLAMP).exp();
                    dz += nw - *w;
                    *w = nw;
                }
            }
        }
        self.z += dz;
        self.x[p] += delta;
    }

    /// Moves `delta` of demand `d` from path `p` to path `q`.
    fn shift(&mut self, d: usize, p: usize, q: usize, delta: f64) {
        self.add_flow(d, p, -delta);
        self.add_flow(d, q, delta);
    }

    /// Moves flow of `d` from `p` to the cheaper `q`: a Newton step scaled by the diagonal of the Hessian (never
    /// too long: the diagonal over-estimates the curvature), then doubled while the smoothed max keeps falling
    /// (where the max is locally linear the diagonal step is far too short).
    fn newton_move(&mut self, d: usize, p: usize, q: usize, dg: f64) {
        let h = self.curvature(d, p, q);
        let mut moved = if h > 0.0 { (dg / (self.beta * h)).min(self.x[p]) } else { self.x[p] };
        self.shift(d, p, q, moved);
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

    fn sweep(&mut self) {
        for i in 0..self.active.len() {
            let d = self.active[i] as usize;
            self.shift_demand(d);
        }
    }

    fn shift_demand(&mut self, d: usize) {
        let inst = self.inst;
        let mut q = usize::MAX;
        let mut gmin = f64::INFINITY;
        for p in inst.paths_of(d).filter(|&p| inst.path_usable(p)) {
            let g = self.grad(d, p);
            if g < gmin {
                (q, gmin) = (p, g);
            }
        }
        for p in inst.paths_of(d).filter(|&p| inst.path_usable(p)) {
            if p == q || self.x[p] <= 0.0 {
                continue;
            }
            let (gp, gq) = (self.grad(d, p), self.grad(d, q));
            if gp <= gq * (1.0 + 1e-12) {
                continue;
            }
            self.newton_move(d, p, q, gp - gq);
        }
    }
}
