//! The fluid solver against the exact LP on random instances (same candidate paths).

mod common;

use common::{fabric_case, wan_instance, Rng};
use fathom_optimizer::{solve, solve_lp, FluidConfig, Instance, Scenario};

const GAP: f64 = 1.02;

fn check(inst: &Instance, scenarios: &[Scenario], label: &str) -> f64 {
    let lp = solve_lp(inst, scenarios).unwrap();
    let fl = solve(inst, scenarios, None, &FluidConfig::default()).unwrap();
    let exact = inst.objective(scenarios, &fl.splits);
    assert!((exact - fl.objective).abs() <= 1e-9 * exact, "{label}: reported objective is not the exact one");
    assert!(fl.objective >= lp.objective * (1.0 - 1e-6), "{label}: fluid {} below LP {}", fl.objective, lp.objective);
    assert!(
        fl.lower_bound <= lp.objective * (1.0 + 1e-9),
        "{label}: lower bound {} above LP {}",
        fl.lower_bound,
        lp.objective
    );
    let ratio = fl.objective / lp.objective;
    eprintln!("{label}: lp {:.5} fluid {:.5} ratio {ratio:.5} sweeps {}", lp.objective, fl.objective, fl.sweeps);
    assert!(ratio <= GAP, "{label}: fluid {} vs LP {} (ratio {ratio})", fl.objective, lp.objective);
    ratio
}

#[test]
fn wan_instances_are_within_two_percent_of_the_lp() {
    let mut worst: f64 = 1.0;
    for seed in 0..60u64 {
        let mut rng = Rng::new(seed);
        let n = [10, 20, 30, 50][seed as usize % 4];
        let (inst, sc) = wan_instance(n, 3 * n, &mut rng);
        worst = worst.max(check(&inst, &[sc], &format!("wan n={n} seed={seed}")));
    }
    eprintln!("worst wan ratio {worst:.5}");
}

#[test]
fn fabric_instances_are_within_two_percent_of_the_lp() {
    let mut worst: f64 = 1.0;
    for seed in 0..24u64 {
        let mut rng = Rng::new(100 + seed);
        let (l, s, m) = [(8, 4, 40), (16, 4, 80), (32, 8, 60), (64, 16, 40)][seed as usize % 4];
        let (inst, sc) = fabric_case(l, s, m, &mut rng);
        worst = worst.max(check(&inst, &[sc], &format!("fabric {l}x{s} seed={seed}")));
    }
    eprintln!("worst fabric ratio {worst:.5}");
}

#[test]
fn scenario_sets_are_within_two_percent_of_the_lp() {
    for seed in 0..20u64 {
        let mut rng = Rng::new(200 + seed);
        let (inst, base) = wan_instance(20, 60, &mut rng);
        let scenarios: Vec<Scenario> = (0..4)
            .map(|_| Scenario {
                demand: base.demand.iter().map(|v| v * (0.5 + rng.f())).collect(),
                scale: 0.5 + rng.f(),
            })
            .collect();
        check(&inst, &scenarios, &format!("scenarios seed={seed}"));
    }
}
