//! Unit and property tests of the rate engine: deltas, wrap, reset, reorder, duplicates, staleness, rebasing.

use proptest::prelude::*;

use super::*;
use crate::telemetry::{AftLeaf, IfLeaf, LldpLeaf, PfcLeaf, QueueLeaf, SlotLeaf, Value};

const S: i64 = 1_000_000_000;
const T0: i64 = 1_700_000_000 * S;

fn engine() -> RateEngine {
    RateEngine::new(EngineConfig { sample_interval_ns: S, stale_after_intervals: 3, max_counter_rate: 1e13 })
}

fn iface(name: &str, leaf: IfLeaf, v: u64) -> Update {
    Update { leaf: Leaf::Interface { name: name.into(), leaf }, value: Value::Uint(v) }
}

fn text(leaf: Leaf, s: &str) -> Update {
    Update { leaf, value: Value::Text(s.into()) }
}

fn batch(target: &str, session: u64, ts: i64, updates: Vec<Update>) -> Batch {
    Batch { endpoint: 0, session, target: target.into(), timestamp_ns: ts, updates }
}

/// One sample of `leaf1:e1` out-octets at `T0 + t` seconds, arriving at the same time.
fn out(e: &mut RateEngine, t: f64, octets: u64) {
    let ts = T0 + (t * 1e9) as i64;
    e.apply(&batch("leaf1", 1, ts, vec![iface("e1", IfLeaf::OutOctets, octets)]), ts);
}

fn out_bps(e: &mut RateEngine, now_s: f64) -> Option<f64> {
    let snap = e.snapshot(T0 + (now_s * 1e9) as i64);
    snap.interface("leaf1", "e1").unwrap().out_bps
}

#[test]
fn rates_are_deltas_over_timestamps_and_utilization_uses_speed() {
    let mut e = engine();
    let speed = Update {
        leaf: Leaf::Interface { name: "e1".into(), leaf: IfLeaf::PortSpeed },
        value: Value::Text("openconfig-if-ethernet:SPEED_100GB".into()),
    };
    e.apply(&batch("leaf1", 1, T0, vec![speed, iface("e1", IfLeaf::OutOctets, 1000)]), T0);
    assert_eq!(out_bps(&mut e, 0.0), None, "one sample is no rate");
    out(&mut e, 0.5, 1000 + 625_000_000);
    let snap = e.snapshot(T0 + S / 2);
    let v = snap.interface("leaf1", "e1").unwrap();
    assert_eq!(v.out_bps, Some(10e9));
    assert_eq!(v.out_utilization, Some(0.1));
    assert_eq!(v.speed_bps, Some(100_000_000_000));
    assert!(v.usable());
}

#[test]
fn a_64_bit_wrap_is_a_rate_not_a_reset() {
    let mut e = engine();
    out(&mut e, 0.0, u64::MAX - 99);
    out(&mut e, 1.0, 900);
    assert_eq!(out_bps(&mut e, 1.0), Some(1000.0 * 8.0));
    assert_eq!((e.stats().wraps, e.stats().resets), (1, 0));
}

#[test]
fn a_reset_after_a_restart_is_rebased_never_a_spike() {
    let mut e = engine();
    out(&mut e, 0.0, 5_000_000_000_000);
    out(&mut e, 1.0, 5_001_000_000_000);
    assert_eq!(out_bps(&mut e, 1.0), Some(8e9));
    out(&mut e, 2.0, 1_000);
    assert_eq!(out_bps(&mut e, 2.0), None, "no rate right after a reset");
    assert_eq!(e.stats().resets, 1);
    out(&mut e, 3.0, 1_000 + 2_000_000_000);
    assert_eq!(out_bps(&mut e, 3.0), Some(16e9), "the next delta is from the new base");
}

#[test]
fn duplicates_and_out_of_order_samples_are_ignored_and_counted() {
    let mut e = engine();
    out(&mut e, 0.0, 0);
    out(&mut e, 1.0, 1_000);
    out(&mut e, 1.0, 1_000);
    out(&mut e, 0.5, 10);
    assert_eq!(out_bps(&mut e, 1.0), Some(8_000.0));
    assert_eq!((e.stats().duplicates, e.stats().out_of_order), (1, 1));
}

#[test]
fn a_silent_source_turns_stale_stays_visible_and_rebases_when_back() {
    let mut e = engine();
    for t in 0..3 {
        out(&mut e, f64::from(t), 1_000 * t as u64);
    }
    let snap = e.snapshot(T0 + 5 * S / 2);
    assert!(!snap.sources[0].stale);
    let snap = e.snapshot(T0 + 6 * S);
    let v = snap.interface("leaf1", "e1").unwrap();
    assert!(v.stale && !v.usable(), "silent for 4 intervals > 3");
    assert_eq!(v.out_bps, Some(8_000.0), "last value stays visible, not zero");
    assert_eq!(snap.stale_sources().collect::<Vec<_>>(), vec!["leaf1"]);
    assert_eq!((e.stats().became_stale, e.stats().stale_sources), (1, 1));
    out(&mut e, 6.0, 1_000_000);
    assert_eq!(out_bps(&mut e, 6.0), None, "the first sample after a silence is a base");
    out(&mut e, 7.0, 1_001_000);
    assert_eq!(out_bps(&mut e, 7.0), Some(8_000.0));
    assert_eq!(e.snapshot(T0 + 7 * S).stats.stale_sources, 0);
}

#[test]
fn a_stream_down_makes_its_sources_stale_at_once_and_a_new_session_rebases() {
    let mut e = engine();
    out(&mut e, 0.0, 0);
    out(&mut e, 1.0, 1_000);
    let down = IngestEvent::StreamDown { endpoint: 0, session: 1, target: None, reason: "gone".into() };
    e.handle(&down, T0 + S);
    assert!(e.snapshot(T0 + S).interface("leaf1", "e1").unwrap().stale);
    // The restarted device counts from zero but has already passed the old value: only the session tells.
    let ts = T0 + 3 * S / 2;
    e.apply(&batch("leaf1", 2, ts, vec![iface("e1", IfLeaf::OutOctets, 50_000)]), ts);
    let v = e.snapshot(ts).interface("leaf1", "e1").cloned().unwrap();
    assert!(!v.stale);
    assert_eq!(v.out_bps, None, "no spike from the restart: a new base");
    e.apply(&batch("leaf1", 1, ts + 1, vec![iface("e1", IfLeaf::OutOctets, 2_000)]), ts);
    assert_eq!(e.stats().old_session_batches, 1);
    let src = e.snapshot(ts).sources.into_iter().find(|s| s.name == "leaf1").unwrap();
    assert_eq!((src.updates, src.reconnects), (3, 1), "per-source counts: 3 updates applied, one new session");
}

#[test]
fn a_quiet_series_of_a_fresh_source_has_no_rate() {
    let mut e = engine();
    out(&mut e, 0.0, 0);
    out(&mut e, 1.0, 1_000);
    for t in 2..8 {
        let ts = T0 + t * S;
        e.apply(&batch("leaf1", 1, ts, vec![iface("e2", IfLeaf::OutOctets, t as u64)]), ts);
    }
    let snap = e.snapshot(T0 + 7 * S);
    assert_eq!(snap.interface("leaf1", "e1").unwrap().out_bps, None);
    assert_eq!(snap.interface("leaf1", "e2").unwrap().out_bps, Some(8.0));
}

fn queue(q: &str, leaf: QueueLeaf, v: u64) -> Update {
    Update { leaf: Leaf::Queue { interface: "e1".into(), queue: q.into(), leaf }, value: Value::Uint(v) }
}

fn pfc(leaf: PfcLeaf, v: u64) -> Update {
    Update { leaf: Leaf::Pfc { interface: "e1".into(), priority: 3, leaf }, value: Value::Uint(v) }
}

#[test]
fn queue_ecn_drop_and_pfc_rates_aggregate_per_interface() {
    let mut e = engine();
    for (t, k) in [(0, 0u64), (1, 1)] {
        let ups = vec![
            queue("lossless", QueueLeaf::EcnMarkedPkts, 100 * k),
            queue("lossy", QueueLeaf::EcnMarkedPkts, 10 * k),
            queue("lossless", QueueLeaf::DroppedPkts, 0),
            queue("lossy", QueueLeaf::DroppedPkts, 7 * k),
            queue("lossy", QueueLeaf::MaxQueueLen, 4096 * k),
            pfc(PfcLeaf::RxPauseFrames, 20 * k),
            pfc(PfcLeaf::TxPauseFrames, 0),
            pfc(PfcLeaf::RxPauseDurationUs, 250_000 * k),
        ];
        e.apply(&batch("leaf1", 1, T0 + t * S, ups), T0 + t * S);
    }
    let snap = e.snapshot(T0 + S);
    let v = snap.interface("leaf1", "e1").unwrap();
    assert_eq!((v.ecn_marks_per_s, v.drops_per_s), (Some(110.0), Some(7.0)));
    assert_eq!((v.pause_rx_per_s, v.pause_tx_per_s), (Some(20.0), Some(0.0)));
    assert_eq!((v.paused_fraction, v.max_queue_bytes), (Some(0.25), Some(4096)));
}

fn lldp(ifname: &str, leaf: LldpLeaf, value: Value) -> Update {
    Update { leaf: Leaf::Lldp { interface: ifname.into(), neighbor: "10.1.0.1".into(), leaf }, value }
}

#[test]
fn lldp_neighbors_form_the_table_and_deletes_remove_them() {
    let mut e = engine();
    let ups = vec![
        lldp("e1", LldpLeaf::SystemName, Value::Text("spine1".into())),
        lldp("e1", LldpLeaf::PortId, Value::Text("Ethernet3".into())),
        lldp("e2", LldpLeaf::SystemName, Value::Text("spine2".into())),
        lldp("e2", LldpLeaf::PortId, Value::Text("Ethernet3".into())),
    ];
    e.apply(&batch("leaf1", 1, T0, ups), T0);
    let n = e.snapshot(T0).neighbors;
    let got: Vec<(&str, &str, &str)> = n.iter().map(|n| (&*n.interface, &*n.system_name, &*n.port_id)).collect();
    assert_eq!(got, vec![("e1", "spine1", "Ethernet3"), ("e2", "spine2", "Ethernet3")]);
    e.apply(&batch("leaf1", 1, T0 + S, vec![lldp("e1", LldpLeaf::SystemName, Value::Deleted)]), T0 + S);
    assert_eq!(e.snapshot(T0 + S).neighbors.len(), 1);
}

#[test]
fn aft_demand_and_wcmp_slot_loads_are_bits_per_second() {
    let mut e = engine();
    for (t, k) in [(0, 0u64), (1, 1)] {
        let aft = Update {
            leaf: Leaf::Aft { prefix: "10.0.2.0/24".into(), leaf: AftLeaf::OctetsForwarded },
            value: Value::Uint(1_000 * k),
        };
        let slot = |slot, leaf, value| Update { leaf: Leaf::Slot { prefix: "10.0.2.0/24".into(), slot, leaf }, value };
        let ups = vec![
            aft,
            slot(1, SlotLeaf::Octets, Value::Uint(500 * k)),
            slot(1, SlotLeaf::NextHop, Value::Text("e3".into())),
        ];
        e.apply(&batch("leaf1", 1, T0 + t * S, ups), T0 + t * S);
    }
    let snap = e.snapshot(T0 + S);
    assert_eq!(snap.demands[0].bps, Some(8_000.0));
    assert_eq!(snap.slots.len(), 2, "slot 0 exists (no data), slot 1 has load");
    assert_eq!((snap.slots[1].next_hop.as_deref(), snap.slots[1].bps), (Some("e3"), Some(4_000.0)));
    assert_eq!(snap.slots[0].bps, None);
}

#[test]
fn oper_status_and_unknown_speed() {
    let mut e = engine();
    let st = |leaf, s| text(Leaf::Interface { name: "e1".into(), leaf }, s);
    let ups = vec![st(IfLeaf::OperStatus, "DOWN"), st(IfLeaf::PortSpeed, "openconfig-if-ethernet:SPEED_UNKNOWN")];
    e.apply(&batch("leaf1", 1, T0, ups), T0);
    let snap = e.snapshot(T0);
    let v = snap.interface("leaf1", "e1").unwrap();
    assert_eq!((v.oper_up, v.speed_bps), (Some(false), None));
    assert_eq!(state::speed_bps("openconfig-if-ethernet:SPEED_2500MB"), Some(2_500_000_000));
    assert_eq!(state::speed_bps("SPEED_800GB"), Some(800_000_000_000));
}

proptest! {
    /// Whatever the samples (any order, values, wraps, resets), a rate is finite, >= 0 and <= the limit.
    #[test]
    fn rates_are_never_negative_nor_above_the_limit(
        samples in proptest::collection::vec((0i64..20, any::<u64>(), any::<bool>()), 1..60),
    ) {
        let mut c = Counter::default();
        let mut ts = T0;
        for (step, v, small) in samples {
            ts += step * S / 10 - S / 2; // sometimes backwards
            let v = if small { v % 10_000 } else { v };
            c.observe(ts, v, ts, 0, 1e12);
            if let Some(r) = c.rate(0) {
                prop_assert!(r.is_finite() && (0.0..=1e12).contains(&r), "rate {r}");
            }
        }
    }

    /// A monotonic counter sampled in order gives exactly delta / dt, whatever the (increasing) spacing.
    #[test]
    fn monotonic_counters_give_exact_rates(steps in proptest::collection::vec((1i64..5_000, 0u64..1_000_000), 2..40)) {
        let (mut c, mut ts, mut v) = (Counter::default(), T0, 0u64);
        c.observe(ts, v, ts, 0, 1e13);
        for (dt_ms, dv) in steps {
            ts += dt_ms * 1_000_000;
            v += dv;
            prop_assert_eq!(c.observe(ts, v, ts, 0, 1e13), Observed::Rate);
            let want = dv as f64 / (dt_ms as f64 / 1e3);
            prop_assert!((c.rate(0).unwrap() - want).abs() <= want * 1e-12);
        }
    }

    /// A restart (a drop to a small value from a large one) is a reset, never a rate, from any steady state.
    #[test]
    fn a_restart_is_never_a_spike(base in 1_000_000u64..u64::MAX / 2, rate in 0u64..50_000_000_000, after in 0u64..100_000) {
        let mut c = Counter::default();
        c.observe(T0, base, T0, 0, 1e13);
        c.observe(T0 + S, base + rate, T0 + S, 0, 1e13);
        prop_assert_eq!(c.observe(T0 + 2 * S, after, T0 + 2 * S, 0, 1e13), Observed::Reset);
        prop_assert_eq!(c.rate(0), None);
    }
}
