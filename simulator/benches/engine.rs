//! Engine throughput: simulated seconds per wall second and engine events per second, on one core.
//!
//! `cargo bench -p fathom-sim --bench engine [-- SCENARIO...]` (default: the two benchmark scenarios).

use std::time::Instant;

use fathom_sim::{Scenario, Simulation};

fn bench(path: &std::path::Path) {
    let sc = Scenario::from_file(path).unwrap_or_else(|e| panic!("{e}"));
    let t0 = Instant::now();
    let mut sim = Simulation::new(&sc).unwrap_or_else(|e| panic!("{e}"));
    let setup = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    sim.run();
    let wall = t1.elapsed().as_secs_f64();
    let s = sim.summary();
    let closure = sim.stats().closure_flows as f64 / sim.stats().recomputes.max(1) as f64;
    println!(
        "{:<16} setup {:>7.3} s | run {:>8.3} s wall for {:>5.1} s simulated = {:>8.1}x real time | {:>9.0} events/s | {} events, {} rate recomputes (mean closure {:.0} flows), {} flows",
        s.scenario,
        setup,
        wall,
        s.simulated_s,
        s.simulated_s / wall,
        s.events as f64 / wall,
        s.events,
        s.rate_recomputes,
        closure,
        s.flows_started
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths: Vec<std::path::PathBuf> = if args.is_empty() {
        vec![root.join("scenarios/bench-32x8.toml"), root.join("scenarios/scale-512x64.toml")]
    } else {
        args.iter().map(std::path::PathBuf::from).collect()
    };
    for p in paths {
        bench(&p);
    }
}
