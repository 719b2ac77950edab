//! The controller state machine: modes, approval, outcome judging and rollback.

use fathom_southbound::SouthboundError;

use super::brain::{Controller, Effect};
use super::config::{Config, Mode};
use super::decision::State;
use super::testing::snapshot;

fn controller(mode: Mode) -> Controller {
    let mut cfg = Config::default();
    cfg.control.mode = mode;
    cfg.control.forecaster = "last".into();
    Controller::new(cfg, 1)
}

fn quiet() -> fathom_ingest::IngestSnapshot {
    let mut s = snapshot();
    for i in &mut s.interfaces {
        i.out_utilization = Some(0.01);
    }
    for sl in &mut s.slots {
        sl.bps = sl.bps.map(|b| b / 100.0);
    }
    s
}

#[test]
fn auto_mode_applies_and_records_the_outcome() {
    let mut c = controller(Mode::Auto);
    let fx = c.round(&snapshot(), 1000);
    let [Effect::Apply { decision, plan }] = fx.as_slice() else { panic!("one write expected: {fx:?}") };
    assert_eq!(plan.token, 1, "writes carry the epoch");
    let prev = c.current_tables(plan);
    c.applied(*decision, Ok(4), prev);
    assert_eq!(c.log.get(*decision).unwrap().state, State::Applied);
    // The next rounds see a calm fabric: outcomes are recorded, nothing is rolled back.
    c.round(&quiet(), 1500);
    c.round(&quiet(), 2000);
    let d = c.log.get(*decision).unwrap();
    assert_eq!(d.outcomes.len(), 2);
    assert!(!d.outcomes.iter().any(|o| o.rolled_back));
    assert_eq!(d.changes[0].relieves, "leaf1:Ethernet1");
}

#[test]
fn a_change_that_makes_things_worse_is_rolled_back() {
    let mut c = controller(Mode::Auto);
    let fx = c.round(&quiet(), 0);
    assert!(fx.is_empty(), "a calm fabric needs no change");
    // Observed 0.8 at most when the change is decided (the slots' forecast collides at 1.0).
    let mut before = snapshot();
    for i in &mut before.interfaces {
        i.out_utilization = i.out_utilization.map(|u| u.min(0.8));
    }
    let fx = c.round(&before, 500);
    let Effect::Apply { decision, plan } = fx[0].clone();
    let prev = c.current_tables(&plan);
    c.applied(decision, Ok(4), prev.clone());
    // Two rounds later the fabric is even hotter than before the change.
    let mut hot = snapshot();
    for i in &mut hot.interfaces {
        i.out_utilization = Some(1.0);
    }
    c.round(&hot, 1000);
    let fx = c.round(&hot, 1500);
    let rollback = fx.iter().find(|e| matches!(e, Effect::Apply { decision: d, .. } if *d == decision));
    let Some(Effect::Apply { plan, .. }) = rollback else { panic!("expected a rollback write: {fx:?}") };
    assert_eq!(plan.entries, prev, "rollback restores the tables the change replaced");
    assert_eq!(c.log.get(decision).unwrap().state, State::RolledBack);
}

#[test]
fn advise_waits_for_approval_and_observe_never_writes() {
    let mut c = controller(Mode::Advise);
    assert!(c.round(&snapshot(), 0).is_empty());
    let pending = c.pending_plans();
    assert_eq!(pending.len(), 1);
    assert!(c.approve(999, "alice").unwrap_err().contains("fathomctl plans"));
    c.approve(pending[0].id, "alice").unwrap();
    let fx = c.round(&snapshot(), 500);
    assert!(fx.iter().any(|e| matches!(e, Effect::Apply { decision, .. } if *decision == pending[0].id)));
    assert_eq!(c.log.get(pending[0].id).unwrap().approved_by.as_deref(), Some("alice"));

    let mut o = controller(Mode::Observe);
    for t in 0..3 {
        assert!(o.round(&snapshot(), t * 500).is_empty());
    }
    assert!(o.log.recent(0).iter().all(|d| d.state == State::Observed));
}

#[test]
fn a_rejected_plan_leaves_the_record_consistent() {
    let mut c = controller(Mode::Auto);
    let fx = c.round(&snapshot(), 0);
    let Effect::Apply { decision, .. } = fx[0].clone();
    c.applied(
        decision,
        Err(SouthboundError::Rejected { writer: "simulator", reason: "unknown interface".into() }),
        vec![],
    );
    let d = c.log.get(decision).unwrap();
    assert_eq!(d.state, State::Rejected);
    assert!(d.error.as_deref().unwrap().contains("unknown interface"));
    // Nothing is being watched for a rollback: the next rounds make a fresh decision instead.
    let fx = c.round(&snapshot(), 500);
    assert!(matches!(fx.as_slice(), [Effect::Apply { decision: d2, .. }] if *d2 != decision));
}
