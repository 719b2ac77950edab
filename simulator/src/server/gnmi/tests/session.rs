//! Request planning and the session's rounds: SAMPLE, ON_CHANGE, TARGET_DEFINED, deletes, dropped rounds.

use std::time::Duration;

use fathom_proto::gnmi::{self, subscription_list::Mode, SubscriptionMode};
use tokio::time::Instant;
use tonic::Code;

use super::super::leaves::Class;
use super::super::plan::{plan, ListMode, Plan, Trigger};
use super::super::session::Session;
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

fn count_updates(notes: &[gnmi::Notification]) -> usize {
    notes.iter().map(|n| n.update.len()).sum()
}

#[test]
fn sample_sends_every_round_at_its_interval() {
    let t0 = Instant::now();
    let p = ok_plan(list("leaf1", Mode::Stream, &[(COUNTERS, SubscriptionMode::Sample, 200_000_000)]));
    let mut s = Session::new(p, t0, MIN);
    let snap = snapshot();
    let first = s.initial(&snap, t0);
    assert_eq!(count_updates(&first), 16);
    assert_eq!(first[0].timestamp, snap.timestamp_ns);
    assert_eq!(s.next_wake(), t0 + Duration::from_millis(200));
    let early = s.round(&snap, t0 + Duration::from_millis(100));
    assert!(early.notifications.is_empty());
    let round = s.round(&snap, t0 + Duration::from_millis(200));
    assert_eq!(count_updates(&round.notifications), 16);
    s.finish(round, true, t0 + Duration::from_millis(200));
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
    assert_eq!(count_updates(&s.initial(&snapshot(), t0)), 4);
    let t1 = t0 + MIN;
    let quiet = s.round(&snapshot(), t1);
    assert!(quiet.notifications.is_empty());
    s.finish(quiet, true, t1);

    let renamed = with_lldp_changed(|s| s.switches[0].interfaces[0].lldp.as_mut().unwrap().port_id = "eth9".into());
    let t2 = t1 + MIN;
    let dropped = s.round(&renamed, t2);
    assert_eq!(count_updates(&dropped.notifications), 1);
    s.finish(dropped, false, t2); // the client was slow: nothing recorded as sent

    let gone = with_lldp_changed(|s| {
        s.switches[0].interfaces[0].lldp.as_mut().unwrap().port_id = "eth9".into();
        s.switches[0].interfaces[1].lldp = None;
    });
    let t3 = t2 + MIN;
    let round = s.round(&gone, t3);
    let update = &round.notifications[0].update;
    assert_eq!(update.len(), 1, "the dropped change is sent now");
    assert_eq!(update[0].val.as_ref().unwrap().value, Some(gnmi::typed_value::Value::StringVal("eth9".into())));
    let deletes: usize = round.notifications.iter().map(|n| n.delete.len()).sum();
    assert_eq!(deletes, 2, "eth2's neighbor leaves are deleted");
    s.finish(round, true, t3);
    assert!(s.round(&gone, t3 + MIN).notifications.is_empty());
}

#[test]
fn updates_only_skips_the_initial_set_and_all_targets_name_themselves() {
    let t0 = Instant::now();
    let mut l = list("*", Mode::Stream, &[(COUNTERS, SubscriptionMode::Sample, 0)]);
    l.updates_only = true;
    let mut s = Session::new(ok_plan(l), t0, MIN);
    assert!(s.initial(&snapshot(), t0).is_empty());
    let round = s.round(&snapshot(), t0 + MIN);
    let targets: Vec<_> = round.notifications.iter().map(|n| n.prefix.as_ref().unwrap().target.clone()).collect();
    assert_eq!(targets, vec!["leaf1", "spine1"], "spine2 is down and silent");
}
