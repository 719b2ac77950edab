//! Engine throughput: simulated seconds per wall second and engine events per second, on one core.
//!
//! `cargo bench -p fathom-sim --bench engine [-- [--repeat N] [--seeds S1,S2,...] SCENARIO...]` (default: the two
//! benchmark scenarios, each run 5 times with its own seed). `--seeds` runs each scenario once per seed instead
//! (one line each, `NAME@seedS`): a scenario's cost depends on its random realization (how many flows collide,
//! how many background flows arrive), so a figure for one seed is one sample of it. Every repetition builds the simulation anew and runs it to the end; the line printed per
//! scenario gives the first run (cold: the process's first touch of its memory), then the median and the best of
//! all the runs. Every repetition must give the same event count (the engine is deterministic).
//! `FATHOM_SIM_BENCH_VERBOSE=1` also prints event statistics per run; `FATHOM_SIM_BENCH_SUMMARY=FILE` writes the
//! last run's summary as JSON to FILE (to check that an engine change leaves results bit for bit the same).
//! The first line names the host's CPU: figures from different hosts of one machine kind are not comparable.

use std::time::Instant;

use fathom_sim::{Scenario, Simulation};

struct Run {
    setup: f64,
    wall: f64,
}

fn bench(path: &std::path::Path, seed: Option<u64>, repeat: usize) {
    let mut sc = Scenario::from_file(path).unwrap_or_else(|e| panic!("{e}"));
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
    let label = match seed {
        Some(seed) => {
            sc.seed = seed;
            format!("{stem}@seed{seed}")
        }
        None => stem.to_string(),
    };
    let mut runs = Vec::with_capacity(repeat);
    let mut last = None;
    let mut direct = 0;
    let mut solves = 0;
    for _ in 0..repeat {
        let t0 = Instant::now();
        let mut sim = Simulation::new(&sc).unwrap_or_else(|e| panic!("{e}"));
        sim.set_direct_caps(std::env::var_os("FATHOM_SIM_NO_DIRECT").is_none());
        let setup = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        sim.run();
        let wall = t1.elapsed().as_secs_f64();
        let s = sim.summary();
        let closure = sim.stats().closure_flows as f64 / sim.stats().recomputes.max(1) as f64;
        if let Some((events, _, _, _)) = last {
            assert_eq!(events, s.events, "the same scenario gave another event count: not deterministic");
        }
        last = Some((s.events, s.rate_recomputes, closure, s.flows_started));
        direct = sim.stats().direct_caps;
        solves = sim.stats().solves;
        if std::env::var_os("FATHOM_SIM_BENCH_VERBOSE").is_some() {
            let st = sim.stats();
            eprintln!(
                "  {} events ({} stale completions), {} batches, {} recomputes, {} flows completed",
                st.events, st.stale_events, st.batches, st.recomputes, st.flows_completed
            );
        }
        if let Some(out) = std::env::var_os("FATHOM_SIM_BENCH_SUMMARY") {
            // The last run's full summary, to compare engine versions' results bit for bit.
            let json = serde_json::to_string_pretty(&s).expect("summary serializes");
            std::fs::write(&out, json).unwrap_or_else(|e| panic!("{}: {e}", out.to_string_lossy()));
        }
        runs.push(Run { setup, wall });
    }
    let sc_s = sc.duration_s;
    let first = &runs[0];
    let mut walls: Vec<f64> = runs.iter().map(|r| r.wall).collect();
    walls.sort_by(f64::total_cmp);
    let median = walls[walls.len() / 2];
    let best = walls[0];
    let mut setups: Vec<f64> = runs.iter().map(|r| r.setup).collect();
    setups.sort_by(f64::total_cmp);
    let (events, recomputes, closure, flows) = last.expect("at least one run");
    println!(
        "{:<22} {} runs | setup {:.3} s (median) | run wall first {:.4} s, median {:.4} s, best {:.4} s for {:.1} s simulated \
         = {:.1}x / {:.1}x / {:.1}x real time | {:.0} events/s (median) | {} events, {} rate recomputes (mean closure {:.0} flows), {} flows, {} solves, {} caps direct",
        label,
        runs.len(),
        setups[setups.len() / 2],
        first.wall,
        median,
        best,
        sc_s,
        sc_s / first.wall,
        sc_s / median,
        sc_s / best,
        events as f64 / median,
        events,
        recomputes,
        closure,
        flows,
        solves,
        direct
    );
}

/// The CPU the figures come from (hosts of one machine kind differ by a third in speed): model name, family and
/// model from `/proc/cpuinfo`, and the number of CPUs the process may run on.
fn host() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim() == name).map(|(_, v)| v.trim().to_string()))
            .unwrap_or_else(|| "?".to_string())
    };
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{} (cpu family {}, model {}), {cpus} CPUs available",
        field("model name"),
        field("cpu family"),
        field("model")
    )
}

fn main() {
    println!("host: {}", host());
    let mut repeat = 5usize;
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    let mut seeds: Vec<Option<u64>> = vec![None];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--repeat" {
            repeat = args.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0).expect("--repeat takes a count > 0");
        } else if a == "--seeds" {
            let list = args.next().expect("--seeds takes a comma-separated list of seeds");
            seeds = list
                .split(',')
                .map(|s| Some(s.trim().parse().unwrap_or_else(|_| panic!("--seeds: `{s}` is not a seed (an integer)"))))
                .collect();
        } else if !a.starts_with("--") {
            paths.push(a.into());
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    if paths.is_empty() {
        paths = vec![root.join("scenarios/bench-32x8.toml"), root.join("scenarios/scale-512x64.toml")];
    }
    for p in paths {
        for &seed in &seeds {
            bench(&p, seed, repeat);
        }
    }
}
