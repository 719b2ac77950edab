//! An optimization instance: links with capacities and caps, candidate paths per demand, demand scenarios and
//! splits (a fraction per candidate path).

use std::ops::Range;

use crate::error::{invalid, OptError, Result};

/// One directed link as the optimizer sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkSpec {
    /// Capacity (any unit, the same as demands).
    pub capacity: f64,
    /// Utilization cap in (0, 1]: the optimizer treats `capacity * util_cap` as the usable capacity.
    pub util_cap: f64,
    /// False for failed or drained links: no new traffic is placed on paths that cross them.
    pub usable: bool,
}

impl LinkSpec {
    /// A usable link with no utilization cap.
    pub fn new(capacity: f64) -> Self {
        LinkSpec { capacity, util_cap: 1.0, usable: true }
    }
}

/// Links plus candidate paths per demand, stored flat (CSR) so solvers can stream over them.
#[derive(Debug, Clone)]
pub struct Instance {
    links: Vec<LinkSpec>,
    demand_start: Vec<u32>,
    path_start: Vec<u32>,
    path_links: Vec<u32>,
    path_ok: Vec<bool>,
}

impl Instance {
    /// Builds an instance; `paths[d]` lists demand `d`'s candidate paths, each a list of link indices.
    pub fn new(links: Vec<LinkSpec>, paths: &[Vec<Vec<usize>>]) -> Result<Self> {
        for (i, l) in links.iter().enumerate() {
            if !(l.capacity.is_finite() && l.capacity > 0.0) {
                return invalid(format!("link {i}"), format!("capacity must be positive, got {}", l.capacity));
            }
            if !(l.util_cap > 0.0 && l.util_cap <= 1.0) {
                return invalid(format!("link {i}"), format!("utilization cap must be in (0, 1], got {}", l.util_cap));
            }
        }
        let mut inst =
            Instance { links, demand_start: vec![0], path_start: vec![0], path_links: vec![], path_ok: vec![] };
        for (d, cands) in paths.iter().enumerate() {
            if cands.is_empty() {
                return invalid(format!("demand {d}"), "no candidate path");
            }
            for p in cands {
                inst.push_path(d, p)?;
            }
            inst.demand_start.push(to_u32(inst.path_ok.len())?);
        }
        Ok(inst)
    }

    fn push_path(&mut self, d: usize, p: &[usize]) -> Result<()> {
        if p.is_empty() {
            return invalid(format!("demand {d}"), "empty path");
        }
        let mut ok = true;
        for &e in p {
            let Some(l) = self.links.get(e) else {
                return invalid(format!("demand {d}"), format!("path uses unknown link {e}"));
            };
            ok &= l.usable;
            self.path_links.push(to_u32(e)?);
        }
        self.path_ok.push(ok);
        self.path_start.push(to_u32(self.path_links.len())?);
        Ok(())
    }

    pub fn links(&self) -> &[LinkSpec] {
        &self.links
    }
    pub fn demand_count(&self) -> usize {
        self.demand_start.len() - 1
    }
    pub fn path_count(&self) -> usize {
        self.path_ok.len()
    }
    /// Flat indices of demand `d`'s paths.
    #[inline]
    pub fn paths_of(&self, d: usize) -> Range<usize> {
        self.demand_start[d] as usize..self.demand_start[d + 1] as usize
    }
    /// Links of path `p` (flat index).
    #[inline]
    pub fn path(&self, p: usize) -> &[u32] {
        &self.path_links[self.path_start[p] as usize..self.path_start[p + 1] as usize]
    }
    /// Whether every link of path `p` is usable.
    #[inline]
    pub fn path_usable(&self, p: usize) -> bool {
        self.path_ok[p]
    }
    /// Usable capacity `capacity * util_cap` of link `e`.
    pub fn usable_capacity(&self, e: usize) -> f64 {
        self.links[e].capacity * self.links[e].util_cap
    }

    /// Checks that a demand vector fits the instance and that every positive demand has a usable path.
    pub fn check_demand(&self, demand: &[f64]) -> Result<()> {
        if demand.len() != self.demand_count() {
            return invalid("demand", format!("{} values for {} demands", demand.len(), self.demand_count()));
        }
        for (d, &v) in demand.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0) {
                return invalid(format!("demand {d}"), format!("volume must be finite and non-negative, got {v}"));
            }
            if v > 0.0 && !self.paths_of(d).any(|p| self.path_ok[p]) {
                return Err(OptError::NoUsablePath { demand: d });
            }
        }
        Ok(())
    }

    /// Load per link when `demand` is split by `splits`.
    pub fn loads(&self, demand: &[f64], splits: &Splits) -> Vec<f64> {
        let mut load = vec![0.0; self.links.len()];
        for (d, &v) in demand.iter().enumerate() {
            if v <= 0.0 {
                continue;
            }
            for p in self.paths_of(d) {
                let f = v * splits.x[p];
                if f > 0.0 {
                    self.path(p).iter().for_each(|&e| load[e as usize] += f);
                }
            }
        }
        load
    }

    /// Utilization (load / capacity, not the capped capacity) per link.
    pub fn utilization(&self, demand: &[f64], splits: &Splits) -> Vec<f64> {
        let load = self.loads(demand, splits);
        load.iter().zip(&self.links).map(|(l, s)| l / s.capacity).collect()
    }

    /// Max link utilization.
    pub fn mlu(&self, demand: &[f64], splits: &Splits) -> f64 {
        self.utilization(demand, splits).into_iter().fold(0.0, f64::max)
    }

    /// The hedged objective: max over scenarios and links of `scale * load / usable capacity`.
    pub fn objective(&self, scenarios: &[Scenario], splits: &Splits) -> f64 {
        let mut worst: f64 = 0.0;
        for s in scenarios {
            let load = self.loads(&s.demand, splits);
            for (e, l) in load.iter().enumerate() {
                worst = worst.max(s.scale * l / self.usable_capacity(e));
            }
        }
        worst
    }
}

fn to_u32(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| OptError::Invalid { what: "instance".into(), reason: "more than 2^32 entries".into() })
}

/// One demand scenario: a volume per demand and a weight that scales its utilization in the objective
/// (e.g. `1 / optimum` so that every scenario counts as a ratio to its own optimum).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub demand: Vec<f64>,
    pub scale: f64,
}

impl Scenario {
    pub fn new(demand: Vec<f64>) -> Self {
        Scenario { demand, scale: 1.0 }
    }
}

/// A fraction per candidate path (flat, in the instance's path order); each demand's fractions sum to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Splits {
    pub x: Vec<f64>,
}

impl Splits {
    /// Equal split over each demand's usable paths (over all its paths when none is usable).
    pub fn equal(inst: &Instance) -> Self {
        let mut x = vec![0.0; inst.path_count()];
        for d in 0..inst.demand_count() {
            let r = inst.paths_of(d);
            let ok = r.clone().filter(|&p| inst.path_usable(p)).count();
            for p in r.clone() {
                x[p] = match ok {
                    0 => 1.0 / r.len() as f64,
                    _ if inst.path_usable(p) => 1.0 / ok as f64,
                    _ => 0.0,
                };
            }
        }
        Splits { x }
    }

    /// Split over each demand's usable paths in proportion to their bottleneck (least usable) capacity, the
    /// static weighted-cost split a fabric would use (equal over all paths when none is usable).
    pub fn by_capacity(inst: &Instance) -> Self {
        let mut x = vec![0.0; inst.path_count()];
        for d in 0..inst.demand_count() {
            let r = inst.paths_of(d);
            let mut sum = 0.0;
            for p in r.clone().filter(|&p| inst.path_usable(p)) {
                x[p] = inst.path(p).iter().map(|&e| inst.usable_capacity(e as usize)).fold(f64::INFINITY, f64::min);
                sum += x[p];
            }
            let n = r.len() as f64;
            r.for_each(|p| x[p] = if sum > 0.0 { x[p] / sum } else { 1.0 / n });
        }
        Splits { x }
    }

    /// Builds splits from per-demand fraction lists (normalized; a zero list becomes an equal split).
    pub fn from_fractions(inst: &Instance, fr: &[Vec<f64>]) -> Result<Self> {
        if fr.len() != inst.demand_count() {
            return invalid("splits", format!("{} demands, instance has {}", fr.len(), inst.demand_count()));
        }
        let mut s = Splits::equal(inst);
        for (d, f) in fr.iter().enumerate() {
            let r = inst.paths_of(d);
            if f.len() != r.len() || f.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
                return invalid(format!("splits of demand {d}"), "need one non-negative fraction per path");
            }
            let sum: f64 = f.iter().sum();
            if sum > 0.0 {
                r.zip(f).for_each(|(p, v)| s.x[p] = v / sum);
            }
        }
        Ok(s)
    }

    /// Fractions of demand `d`.
    pub fn of(&self, inst: &Instance, d: usize) -> &[f64] {
        &self.x[inst.paths_of(d)]
    }

    /// Moves every fraction on an unusable path to the demand's usable paths, proportionally (equally when
    /// the demand had nothing on usable paths).
    pub fn repair(&mut self, inst: &Instance) {
        for d in 0..inst.demand_count() {
            let r = inst.paths_of(d);
            if !r.clone().any(|p| inst.path_usable(p)) {
                continue;
            }
            let ok: f64 = r.clone().filter(|&p| inst.path_usable(p)).map(|p| self.x[p]).sum();
            let n = r.clone().filter(|&p| inst.path_usable(p)).count() as f64;
            for p in r {
                self.x[p] = match inst.path_usable(p) {
                    false => 0.0,
                    true if ok > 1e-12 => self.x[p] / ok,
                    true => 1.0 / n,
                };
            }
        }
    }
}
