//! Request planning and the session's rounds: SAMPLE, ON_CHANGE, TARGET_DEFINED, deletes, dropped rounds.

use std::time::Duration;

use fathom_proto::gnmi::{self, subscription_list::Mode, SubscriptionMode};
use tokio::time::Instant;
use tonic::Code;

use super::super::leaves::Class;
use super::super::plan::{plan, ListMode, Plan, Trigger};
use super::super::session::{Due, Session};
use super::fixtures::{path, snapshot, target};
use crate::telemetry::TelemetrySnapshot;

const MIN: Duration = Duration::from_millis(100);

fn list(tgt: &str, mode: Mode, subs: &[(&str, SubscriptionMode, u64)]) -> gnmi::SubscriptionList {
    let subscription = subs
        .iter()
        .map(|&(p, m, ns)| gnmi::Subscription {
            path: Some(path(p)),
            mode: m as i32,
            sample_interval: ns,
            ..Default::default()
        })
        .collect();
    gnmi::SubscriptionList {
        prefix: Some(target(tgt)),
        subscription,
        mode: mode as i32,
        encoding: gnmi::Encoding::Proto as i32,
        ..Default::default()
    }
}

fn ok_plan(l: gnmi::SubscriptionList) -> Plan {
    plan(&l, &snapshot(), MIN).unwrap()
}

fn code(l: gnmi::SubscriptionList) -> (Code, String) {
    let e = plan(&l, &snapshot(), MIN).unwrap_err();
    (e.code(), e.message().to_string())
}

const COUNTERS: &str = "/interfaces/interface[name=*]/state/counters";
const LLDP: &str = "/lldp/interfaces/interface[name=*]/neighbors";

#[test]
fn refusals_name_the_problem() {
    let (c, m) = code(list("nope", Mode::Stream, &[(COUNTERS, SubscriptionMode::Sample, 0)]));
    assert_eq!(c, Code::NotFound);
    assert!(m.contains("'nope'"), "{m}");
    let (c, m) = code(list("leaf1", Mode::Stream, &[(COUNTERS, SubscriptionMode::Sample, 1_000_000)]));
    assert_eq!(c, Code::InvalidArgument);
    assert!(m.contains("minimum") && m.contains("100000000"), "{m}");
    let (c, m) = code(list("leaf1", Mode::Poll, &[(COUNTERS, SubscriptionMode::Sample, 0)]));
    assert_eq!(c, Code::Unimplemented);
    assert!(m.contains("POLL"), "{m}");
    assert_eq!(code(list("", Mode::Stream, &[(COUNTERS, SubscriptionMode::Sample, 0)])).0, Code::InvalidArgument);
    assert_eq!(code(list("spine2", Mode::Stream, &[(COUNTERS, SubscriptionMode::Sample, 0)])).0, Code::Unavailable);
    assert_eq!(code(list("leaf1", Mode::Stream, &[])).0, Code::InvalidArgument);
    let mut bad_mode = list("leaf1", Mode::Stream, &[(COUNTERS, SubscriptionMode::Sample, 0)]);
    bad_mode.subscription[0].mode = 7;
    assert_eq!(code(bad_mode).0, Code::InvalidArgument);
}

#[test]
fn intervals_default_to_the_minimum_and_target_defined_splits() {
    let p = ok_plan(list("leaf1", Mode::Stream, &[(COUNTERS, SubscriptionMode::Sample, 0)]));
    assert_eq!(p.subs[0].trigger, Trigger::Sample { interval: MIN, suppress_redundant: false });
    let p = ok_plan(list("*", Mode::Stream, &[("/interfaces", SubscriptionMode::TargetDefined, 500_000_000)]));
    assert_eq!(p.subs.len(), 2);
    assert_eq!(p.subs[0].class, Some(Class::Counter));
    assert_eq!(p.subs[0].trigger, Trigger::Sample { interval: Duration::from_millis(500), suppress_redundant: false });
    assert_eq!((p.subs[1].class, p.subs[1].trigger), (Some(Class::State), Trigger::OnChange));
    assert_eq!(ok_plan(list("leaf1", Mode::Once, &[(LLDP, SubscriptionMode::Sample, 1)])).mode, ListMode::Once);
}

/// One wake-up the way the subscription task runs it; `sent` false plays a client too slow to take anything.
fn wake(s: &mut Session, snap: &TelemetrySnapshot, due: Due, now: Instant, sent: bool) -> Vec<gnmi::Notification> {
    let targets = s.plan().targets.clone();
    let mut out = Vec::new();
    for sw in targets.select(snap) {
        let mut part = s.build(sw, &due, snap.timestamp_ns);
        out.append(&mut part.notifications);
        if sent {
            s.commit(part);
        }
    }
    s.schedule(due, sent, now);
    out
}

fn initial(s: &mut Session, snap: &TelemetrySnapshot, now: Instant) -> Vec<gnmi::Notification> {
    let due = s.due_all();
    wake(s, snap, due, now, true)
}

fn round(s: &mut Session, snap: &TelemetrySnapshot, now: Instant, sent: bool) -> Vec<gnmi::Notification> {
    let due = s.due_at(now);
    wake(s, snap, due, now, sent)
}

fn count_updates(notes: &[gnmi::Notification]) -> usize {
    notes.iter().map(|n| n.update.len()).sum()
}

#[test]
fn sample_sends_every_round_at_its_interval() {
    let t0 = Instant::now();
    let p = ok_plan(list("leaf1", Mode::Stream, &[(COUNTERS, SubscriptionMode::Sample, 200_000_000)]));
    let mut s = Session::new(p, t0, MIN);
    let snap = snapshot();
    let first = initial(&mut s, &snap, t0);
    assert_eq!(count_updates(&first), 16);
    assert_eq!(first[0].timestamp, snap.timestamp_ns);
    assert_eq!(s.next_wake(), t0 + Duration::from_millis(200));
    assert!(round(&mut s, &snap, t0 + Duration::from_millis(100), true).is_empty());
    assert_eq!(count_updates(&round(&mut s, &snap, t0 + Duration::from_millis(200), true)), 16);
    assert_eq!(s.next_wake(), t0 + Duration::from_millis(400));
}

fn with_lldp_changed(f: impl FnOnce(&mut TelemetrySnapshot)) -> TelemetrySnapshot {
    let mut snap = snapshot();
    f(&mut snap);
    snap
}

#[test]
fn on_change_sends_initial_then_changes_and_deletes_and_coalesces_dropped_rounds() {
    let t0 = Instant::now();
    let p = ok_plan(list("leaf1", Mode::Stream, &[(LLDP, SubscriptionMode::OnChange, 0)]));
    let mut s = Session::new(p, t0, MIN);
    assert_eq!(count_updates(&initial(&mut s, &snapshot(), t0)), 4);
    let t1 = t0 + MIN;
    assert!(round(&mut s, &snapshot(), t1, true).is_empty());

    let renamed = with_lldp_changed(|s| s.switches[0].interfaces[0].lldp.as_mut().unwrap().port_id = "eth9".into());
    let t2 = t1 + MIN;
    let dropped = round(&mut s, &renamed, t2, false); // the client was slow: nothing recorded as sent
    assert_eq!(count_updates(&dropped), 1);

    let gone = with_lldp_changed(|s| {
        s.switches[0].interfaces[0].lldp.as_mut().unwrap().port_id = "eth9".into();
        s.switches[0].interfaces[1].lldp = None;
    });
    let t3 = t2 + MIN;
    let notes = round(&mut s, &gone, t3, true);
    let update = &notes[0].update;
    assert_eq!(update.len(), 1, "the dropped change is sent now");
    assert_eq!(update[0].val.as_ref().unwrap().value, Some(gnmi::typed_value::Value::StringVal("eth9".into())));
    let deletes: usize = notes.iter().map(|n| n.delete.len()).sum();
    assert_eq!(deletes, 2, "eth2's neighbor leaves are deleted");
    assert!(round(&mut s, &gone, t3 + MIN, true).is_empty());
}

#[test]
fn all_targets_name_themselves_and_down_switches_are_silent() {
    let t0 = Instant::now();
    let mut s = Session::new(ok_plan(list("*", Mode::Stream, &[(COUNTERS, SubscriptionMode::Sample, 0)])), t0, MIN);
    initial(&mut s, &snapshot(), t0);
    let notes = round(&mut s, &snapshot(), t0 + MIN, true);
    let targets: Vec<_> = notes.iter().map(|n| n.prefix.as_ref().unwrap().target.clone()).collect();
    assert_eq!(targets, vec!["leaf1", "spine1"], "spine2 is down and silent");
}

#[test]
fn heartbeat_resends_unchanged_on_change_leaves() {
    let t0 = Instant::now();
    let mut l = list("leaf1", Mode::Stream, &[(LLDP, SubscriptionMode::OnChange, 0)]);
    l.subscription[0].heartbeat_interval = 300_000_000;
    let mut s = Session::new(ok_plan(l), t0, MIN);
    initial(&mut s, &snapshot(), t0);
    assert!(round(&mut s, &snapshot(), t0 + MIN, true).is_empty());
    assert_eq!(count_updates(&round(&mut s, &snapshot(), t0 + 3 * MIN, true)), 4);
}
