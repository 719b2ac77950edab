//! The closed loop offline (deterministic, faster than real time) on the demo scenario: three training jobs whose
//! collectives overlap in changing combinations. Fathom against static ECMP and a reactive controller (the same
//! controller with forecast = last observed value), through `offline::compare`, as `fathomd compare` runs it.

use fathom_controller::daemon::config::Config;
use fathom_controller::daemon::offline;
use fathom_sim::Scenario;

fn scenario() -> Scenario {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../simulator/scenarios/fathom-demo.toml");
    Scenario::from_file(&p).unwrap()
}

fn cfg() -> Config {
    let mut c = Config::default();
    c.telemetry.sample_interval_ms = 100;
    c
}

#[test]
fn offline_closed_loop_beats_ecmp_and_the_reactive_controller() {
    let sc = scenario();
    let cmp = offline::compare(&sc, &cfg(), |_| {}).unwrap();
    eprintln!("{}", cmp.table());
    let [ecmp, reactive, fathom] = &cmp.arms[..] else { panic!("three arms") };
    let (e, r, f) = (
        ecmp.figures.congested_link_seconds,
        reactive.figures.congested_link_seconds,
        fathom.figures.congested_link_seconds,
    );
    assert!(f <= 0.2 * e, "Fathom {f:.2} vs ECMP {e:.2} congested link-seconds: less than 80% fewer");
    assert!(f <= 0.7 * r, "Fathom {f:.2} vs reactive {r:.2} congested link-seconds: less than 30% fewer");
    for (j, (name, _, p99)) in fathom.figures.jobs.iter().enumerate() {
        assert!(*p99 <= ecmp.figures.jobs[j].2 + 1e-9, "job {name}: p99 {p99:.3} worse than under ECMP");
    }
    assert!(fathom.preemptive_changes > 0, "some changes are made before the link they relieve crosses");
    // Deterministic: the same run twice gives the same figures.
    let again = offline::compare(&sc, &cfg(), |_| {}).unwrap();
    assert_eq!(again, cmp);
}
