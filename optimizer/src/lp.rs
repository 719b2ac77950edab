//! The exact optimum of the same problem as the fluid solver, by linear programming with `microlp` (a maintained
//! pure-Rust simplex). Used to check the fast solver in tests and benchmarks; its cost grows quickly with size.
//!
//! Variables: a fraction per usable candidate path of every demand with positive volume, and `t`. Minimize `t`
//! subject to: each demand's fractions sum to 1, and for every scenario `s` and link `e` used by some path,
//! `sum_p scale_s * demand_s[d(p)] * x_p / usable_capacity(e) <= t`.

use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, Variable};

use crate::error::{OptError, Result};
use crate::instance::{Instance, Scenario, Splits};

/// The exact solution.
#[derive(Debug, Clone, PartialEq)]
pub struct LpSolution {
    pub splits: Splits,
    pub objective: f64,
}

/// Solves the hedged min-max-utilization LP exactly.
pub fn solve_lp(inst: &Instance, scenarios: &[Scenario]) -> Result<LpSolution> {
    for s in scenarios {
        inst.check_demand(&s.demand)?;
    }
    let mut pb = Problem::new(OptimizationDirection::Minimize);
    let t = pb.add_var(1.0, (0.0, f64::INFINITY));
    let mut vars: Vec<Option<Variable>> = vec![None; inst.path_count()];
    let ne = inst.links().len();
    let mut rows: Vec<Vec<LinearExpr>> = vec![vec![LinearExpr::empty(); ne]; scenarios.len()];
    let mut used = vec![false; ne];
    for d in 0..inst.demand_count() {
        if scenarios.iter().all(|s| s.demand[d] <= 0.0) {
            continue;
        }
        let mut sum = LinearExpr::empty();
        for p in inst.paths_of(d).filter(|&p| inst.path_usable(p)) {
            let v = pb.add_var(0.0, (0.0, 1.0));
            vars[p] = Some(v);
            sum.add(v, 1.0);
            for &e in inst.path(p) {
                let e = e as usize;
                used[e] = true;
                for (s, sc) in scenarios.iter().enumerate() {
                    let k = sc.scale * sc.demand[d] / inst.usable_capacity(e);
                    if k > 0.0 {
                        rows[s][e].add(v, k);
                    }
                }
            }
        }
        pb.add_constraint(sum, ComparisonOp::Eq, 1.0);
    }
    for row in rows {
        for (e, mut expr) in row.into_iter().enumerate() {
            if used[e] {
                expr.add(t, -1.0);
                pb.add_constraint(expr, ComparisonOp::Le, 0.0);
            }
        }
    }
    let sol = pb.solve().map_err(|e| OptError::Lp { reason: e.to_string() })?;
    let mut splits = Splits::equal(inst);
    for d in 0..inst.demand_count() {
        if inst.paths_of(d).any(|p| vars[p].is_some()) {
            for p in inst.paths_of(d) {
                splits.x[p] = vars[p].map_or(0.0, |v| sol.var_value(v).max(0.0));
            }
        }
    }
    Ok(LpSolution { objective: *sol.var_value(t), splits })
}
