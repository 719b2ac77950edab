//! Control-loop latency for `leaf-spine:512x64`: from the round's last telemetry sample (the rate engine's
//! snapshot) to the plan handed to the southbound, p50/p99 over the rounds; and the model's resident memory per
//! 10k links. `cargo bench -p fathom-controller --bench control_loop`.

use std::time::Instant;

use fathom_controller::daemon::brain::Controller;
use fathom_controller::daemon::config::{Config, Mode};
use fathom_controller::daemon::offline::batches;
use fathom_ingest::{EngineConfig, IngestEvent, RateEngine};
use fathom_sim::{Scenario, Simulation};

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

fn main() {
    let sc = Scenario::from_toml(
        "name = \"loop-512x64\"\nseed = 5\nduration_s = 30.0\n[topology]\nkind = \"leaf-spine\"\nleaves = 512\nspines = 64\nhosts_per_leaf = 8\n\
         [[workload]]\nkind = \"training\"\nhosts = 2048\nplacement = \"fragmented\"\nhosts_per_leaf = 4\nqps = 2\ngradient_gb = 2.0\ncompute_ms = 150.0\n",
    )
    .expect("scenario");
    let mut sim = Simulation::new(&sc).expect("simulation");
    let links = sim.fabric().link_count();
    let mut cfg = Config::default();
    cfg.control.mode = Mode::Auto;
    let mut engine = RateEngine::new(EngineConfig {
        sample_interval_ns: 100_000_000,
        stale_after_intervals: 5,
        max_counter_rate: 1e13,
    });
    let rss0 = rss_bytes();
    let mut ctl = Controller::new(cfg, 1);
    let mut lat = Vec::new();
    let mut t = 0u64;
    for round in 0..24 {
        for _ in 0..5 {
            t += 100_000_000;
            sim.run_until(t);
            engine.handle(&IngestEvent::Telemetry(batches(&sim.telemetry())), t as i64);
        }
        let start = Instant::now();
        let snap = engine.snapshot(t as i64);
        let effects = ctl.round(&snap, (t / 1_000_000) as i64);
        let secs = start.elapsed().as_secs_f64();
        if round >= 4 {
            lat.push(secs);
        }
        eprintln!("round {round}: {:.1} ms, {} writes", secs * 1e3, effects.len());
    }
    let rss1 = rss_bytes();
    lat.sort_by(f64::total_cmp);
    let q = |p: f64| lat[((p * lat.len() as f64).ceil() as usize).clamp(1, lat.len()) - 1];
    println!(
        "leaf-spine:512x64 ({links} directed links, {} slot series): control-loop latency p50 {:.1} ms, p99 {:.1} ms over {} rounds",
        ctl.model.slots.len(),
        q(0.5) * 1e3,
        q(0.99) * 1e3,
        lat.len()
    );
    println!(
        "resident memory of rate engine + model: {:.1} MiB, {:.2} MiB per 10k links",
        (rss1.saturating_sub(rss0)) as f64 / (1 << 20) as f64,
        (rss1.saturating_sub(rss0)) as f64 / (1 << 20) as f64 / (links as f64 / 10_000.0)
    );
}
