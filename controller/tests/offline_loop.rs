//! The closed loop offline (deterministic, faster than real time): Fathom against static ECMP and a reactive
//! controller on the closed-loop scenario.

use fathom_controller::daemon::config::{Config, Mode};
use fathom_controller::daemon::offline;
use fathom_sim::{Scenario, Simulation};

fn scenario() -> Scenario {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios/closed-loop.toml");
    Scenario::from_file(&p).unwrap()
}

fn cfg(forecaster: &str) -> Config {
    let mut c = Config::default();
    c.control.mode = Mode::Auto;
    c.control.forecaster = forecaster.into();
    c.telemetry.sample_interval_ms = 100;
    c
}

#[test]
fn offline_closed_loop_cuts_congestion() {
    let sc = scenario();
    let mut ecmp = Simulation::new(&sc).unwrap();
    ecmp.run();
    let e = ecmp.summary();
    let f = offline::run(&sc, cfg("ensemble")).unwrap();
    let r = offline::run(&sc, cfg("last")).unwrap();
    let applied = |d: &[fathom_controller::daemon::decision::Decision]| {
        d.iter().filter(|x| x.state.as_str() == "applied").count()
    };
    eprintln!(
        "congested link-s: ECMP {:.2} reactive {:.2} ({} applied) Fathom {:.2} ({} applied); p50/p99: ECMP {:?}/{:?} reactive {:?}/{:?} Fathom {:?}/{:?}",
        e.congested_link_seconds,
        r.summary.congested_link_seconds,
        applied(&r.decisions),
        f.summary.congested_link_seconds,
        applied(&f.decisions),
        e.jobs[0].slowdown_p50,
        e.jobs[0].slowdown_p99,
        r.summary.jobs[0].slowdown_p50,
        r.summary.jobs[0].slowdown_p99,
        f.summary.jobs[0].slowdown_p50,
        f.summary.jobs[0].slowdown_p99
    );
    let (fe, fr) = (f.summary.congested_link_seconds, r.summary.congested_link_seconds);
    assert!(
        fe <= 0.5 * e.congested_link_seconds,
        "Fathom {fe:.2} vs ECMP {:.2} congested link-seconds",
        e.congested_link_seconds
    );
    assert!(fe <= fr * 1.05, "Fathom {fe:.2} should not be worse than the reactive controller {fr:.2}");
    let (fj, ej) = (&f.summary.jobs[0], &e.jobs[0]);
    assert!(
        fj.slowdown_p50.unwrap() < 1.05,
        "the job runs at its ideal once collisions are spread: {:?}",
        fj.slowdown_p50
    );
    assert!(
        fj.iteration_p99_ms.unwrap() <= ej.iteration_p99_ms.unwrap() * 1.001,
        "no iteration slower than under ECMP"
    );
    // Deterministic: the same run twice gives the same summary.
    let again = offline::run(&sc, cfg("ensemble")).unwrap();
    assert_eq!(again.summary, f.summary);
}
