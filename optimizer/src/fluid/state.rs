//! The solver's working state: splits, scaled utilization per (link, scenario) entry, and the log-sum-exp
//! weights of those entries, kept up to date incrementally as flow moves.

use crate::instance::{Instance, Scenario};

/// Largest exponent evaluated; beyond it the weight is clamped (the next refresh re-centres).
const EXP_CLAMP: f64 = 500.0;

/// One (link, scenario) entry.
#[derive(Clone, Copy, Default)]
struct Entry {
    /// Scaled utilization.
    u: f64,
    /// `exp(beta * (u - mref))`.
    w: f64,
    /// 1 / usable capacity of the link.
    inv_c: f64,
}

pub(super) struct State<'a> {
    pub inst: &'a Instance,
    pub ns: usize,
    /// `scale_s * demand_s[d]`, at `d * ns + s`.
    pub a: Vec<f64>,
    /// Demands with positive volume (each has a usable path), ascending.
    pub loaded: Vec<u32>,
    /// Loaded demands with at least two usable paths, ascending.
    pub active: Vec<u32>,
    /// Utilization and weight of each (link, scenario) entry, at `e * ns + s`: what a move updates, together.
    ent: Vec<Entry>,
    /// `w / usable capacity`, same layout: the price of the entry per unit of flow (what pricing reads).
    wc: Vec<f64>,
    pub beta: f64,
    mref: f64,
    /// Sum of `w`, kept up to date by `add_flow`.
    pub z: f64,
    pub x: Vec<f64>,
    /// Demands whose splits changed since the last snapshot, and a flag per demand.
    dirty: Vec<u32>,
    is_dirty: Vec<bool>,
    /// Per-path gradients of the demand being shifted.
    pub scratch: Vec<f64>,
}

impl<'a> State<'a> {
    pub fn new(inst: &'a Instance, scenarios: &[Scenario], x: Vec<f64>) -> Self {
        let ns = scenarios.len();
        let nd = inst.demand_count();
        let mut a = vec![0.0; nd * ns];
        for (s, sc) in scenarios.iter().enumerate() {
            for d in 0..nd {
                a[d * ns + s] = sc.scale * sc.demand[d];
            }
        }
        let loaded: Vec<u32> =
            (0..nd).filter(|&d| a[d * ns..(d + 1) * ns].iter().any(|&v| v > 0.0)).map(|d| d as u32).collect();
        let active = loaded
            .iter()
            .copied()
            .filter(|&d| inst.paths_of(d as usize).filter(|&p| inst.path_usable(p)).count() > 1)
            .collect();
        let ne = inst.links().len();
        let ent =
            (0..ne * ns).map(|i| Entry { inv_c: 1.0 / inst.usable_capacity(i / ns), ..Entry::default() }).collect();
        let mut st = State {
            inst,
            ns,
            a,
            loaded,
            active,
            ent,
            wc: vec![0.0; ne * ns],
            beta: 0.0,
            mref: 0.0,
            z: 0.0,
            x,
            dirty: Vec::new(),
            is_dirty: vec![false; nd],
            scratch: Vec::new(),
        };
        st.recompute_u();
        st
    }

    pub fn mark_dirty(&mut self, d: usize) {
        if !self.is_dirty[d] {
            self.is_dirty[d] = true;
            self.dirty.push(d as u32);
        }
    }

    /// Brings `snapshot` (a copy of the splits as of the previous call) up to date, copying changed demands only.
    pub fn sync(&mut self, snapshot: &mut [f64]) {
        for &d in &self.dirty {
            let r = self.inst.paths_of(d as usize);
            snapshot[r.clone()].copy_from_slice(&self.x[r]);
            self.is_dirty[d as usize] = false;
        }
        self.dirty.clear();
    }

    /// Demand `d`'s scaled volume per scenario.
    pub fn volumes(&self, d: usize) -> &[f64] {
        &self.a[d * self.ns..(d + 1) * self.ns]
    }

    /// Recomputes the utilization from the splits (drops the rounding of incremental updates).
    pub fn recompute_u(&mut self) {
        let ns = self.ns;
        self.ent.iter_mut().for_each(|v| v.u = 0.0);
        for d in 0..self.inst.demand_count() {
            let ad = &self.a[d * ns..(d + 1) * ns];
            for p in self.inst.paths_of(d) {
                let xp = self.x[p];
                if xp <= 0.0 {
                    continue;
                }
                for &e in self.inst.path(p) {
                    let es = &mut self.ent[e as usize * ns..(e as usize + 1) * ns];
                    es.iter_mut().zip(ad).for_each(|(v, a)| v.u += a * xp * v.inv_c);
                }
            }
        }
    }

    pub fn max_u(&self) -> f64 {
        self.ent.iter().map(|v| v.u).fold(0.0, f64::max)
    }

    /// Re-centres the weights on the current max (keeping `beta`) and returns the smoothed max.
    pub fn refresh(&mut self) -> f64 {
        self.mref = self.max_u();
        let (beta, mref) = (self.beta, self.mref);
        let mut z = 0.0;
        for (v, wc) in self.ent.iter_mut().zip(&mut self.wc) {
            v.w = (beta * (v.u - mref)).min(EXP_CLAMP).exp();
            *wc = v.w * v.inv_c;
            z += v.w;
        }
        self.z = z;
        mref + z.ln() / beta
    }

    /// First derivative (times `Z`) of the smoothed max along path `p` of demand `d`.
    #[inline(always)]
    pub fn grad(&self, d: usize, p: usize) -> f64 {
        if self.ns == 1 {
            let mut g = 0.0;
            for &e in self.inst.path(p) {
                g += self.wc[e as usize];
            }
            self.a[d] * g
        } else {
            self.grad_scenarios(d, p)
        }
    }

    #[inline(never)]
    fn grad_scenarios(&self, d: usize, p: usize) -> f64 {
        let (ns, ad) = (self.ns, self.volumes(d));
        let entry = |e: u32| {
            let ws = &self.wc[e as usize * ns..(e as usize + 1) * ns];
            ad.iter().zip(ws).map(|(a, w)| a * w).sum::<f64>()
        };
        self.inst.path(p).iter().map(|&e| entry(e)).sum()
    }

    /// Diagonal second derivative (times `Z / beta`) of moving flow of `d` from `p` to `q` (links on one only).
    pub fn curvature(&self, d: usize, p: usize, q: usize) -> f64 {
        let ns = self.ns;
        let ad = self.volumes(d);
        let (lp, lq) = (self.inst.path(p), self.inst.path(q));
        let mut h = 0.0;
        for &e in lp.iter().filter(|e| !lq.contains(e)).chain(lq.iter().filter(|e| !lp.contains(e))) {
            let e = e as usize;
            let ws = &self.wc[e * ns..(e + 1) * ns];
            h += self.ent[e * ns].inv_c * ad.iter().zip(ws).map(|(a, w)| a * a * w).sum::<f64>();
        }
        h
    }

    fn add_flow(&mut self, d: usize, p: usize, delta: f64) {
        let ns = self.ns;
        let (beta, mref) = (self.beta, self.mref);
        let mut dz = 0.0;
        for &e in self.inst.path(p) {
            let r = e as usize * ns..(e as usize + 1) * ns;
            let ad = &self.a[d * ns..(d + 1) * ns];
            for ((v, wc), a) in self.ent[r.clone()].iter_mut().zip(&mut self.wc[r]).zip(ad) {
                if *a > 0.0 {
                    v.u += a * delta * v.inv_c;
                    let nw = (beta * (v.u - mref)).min(EXP_CLAMP).exp();
                    dz += nw - v.w;
                    v.w = nw;
                    *wc = nw * v.inv_c;
                }
            }
        }
        self.z += dz;
        self.x[p] += delta;
    }

    /// Moves `delta` of demand `d` from path `p` to path `q`.
    pub fn shift(&mut self, d: usize, p: usize, q: usize, delta: f64) {
        self.add_flow(d, p, -delta);
        self.add_flow(d, q, delta);
    }
}
