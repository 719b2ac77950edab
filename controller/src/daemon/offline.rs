//! The closed loop without wires or wall time: the simulator's telemetry is turned into the same typed updates
//! gNMI ingest produces, fed to the same rate engine and [`Controller`], and the controller's plans are applied
//! through the simulator's control surface. Deterministic and much faster than real time: for tests, tuning
//! studies and what-if runs. (The wire path is exercised by the end-to-end tests.)

use fathom_ingest::{
    Batch, EngineConfig, IfLeaf, IngestEvent, Leaf, LldpLeaf, QueueLeaf, RateEngine, SlotLeaf, Update, Value,
};
use fathom_sim::control::{SlotSpec, SlotUpdate};
use fathom_sim::telemetry::TelemetrySnapshot;
use fathom_sim::{Scenario, Simulation, Summary};
use fathom_southbound::{SouthboundError, TableSpec};

use super::brain::{Controller, Effect};
use super::config::Config;

/// The typed updates gNMI ingest would produce from a simulator telemetry snapshot, one batch per switch.
pub fn batches(t: &TelemetrySnapshot) -> Vec<Batch> {
    t.switches
        .iter()
        .filter(|s| s.up)
        .map(|s| {
            let mut u = Vec::new();
            let mut push = |leaf: Leaf, value: Value| u.push(Update { leaf, value });
            for i in &s.interfaces {
                let n = || i.name.clone();
                push(Leaf::Interface { name: n(), leaf: IfLeaf::InOctets }, Value::Uint(i.in_octets));
                push(Leaf::Interface { name: n(), leaf: IfLeaf::OutOctets }, Value::Uint(i.out_octets));
                push(Leaf::Interface { name: n(), leaf: IfLeaf::OutDiscards }, Value::Uint(i.out_discards));
                push(Leaf::Interface { name: n(), leaf: IfLeaf::InMacPause }, Value::Uint(i.in_pause_frames));
                let status = if i.oper_up { "UP" } else { "DOWN" };
                push(Leaf::Interface { name: n(), leaf: IfLeaf::OperStatus }, Value::Text(status.into()));
                let speed = format!("openconfig-if-ethernet:SPEED_{}GB", i.speed_bps / 1_000_000_000);
                push(Leaf::Interface { name: n(), leaf: IfLeaf::PortSpeed }, Value::Text(speed));
                let ecn: u64 = i.queues.iter().map(|q| q.ecn_marked_pkts).sum();
                push(
                    Leaf::Queue { interface: n(), queue: "all".into(), leaf: QueueLeaf::EcnMarkedPkts },
                    Value::Uint(ecn),
                );
                if let Some(l) = &i.lldp {
                    push(
                        Leaf::Lldp { interface: n(), neighbor: l.id.clone(), leaf: LldpLeaf::SystemName },
                        Value::Text(l.system_name.clone()),
                    );
                    push(
                        Leaf::Lldp { interface: n(), neighbor: l.id.clone(), leaf: LldpLeaf::PortId },
                        Value::Text(l.port_id.clone()),
                    );
                }
            }
            for g in &s.wcmp {
                for sl in &g.slots {
                    let p = || g.prefix.clone();
                    push(
                        Leaf::Slot { prefix: p(), slot: sl.slot, leaf: SlotLeaf::NextHop },
                        Value::Text(sl.next_hop.clone()),
                    );
                    push(Leaf::Slot { prefix: p(), slot: sl.slot, leaf: SlotLeaf::Octets }, Value::Uint(sl.octets));
                }
            }
            Batch { endpoint: 0, session: 1, target: s.name.clone(), timestamp_ns: t.sim_time_ns as i64, updates: u }
        })
        .collect()
}

fn to_sim(entries: &[fathom_southbound::PlanEntry]) -> Vec<SlotUpdate> {
    entries
        .iter()
        .map(|e| SlotUpdate {
            device: e.device.clone(),
            prefix: e.prefix.to_string(),
            spec: match &e.spec {
                TableSpec::Slots(s) => SlotSpec::Slots(s.clone()),
                TableSpec::Weights(w) => SlotSpec::Weights(w.clone()),
            },
        })
        .collect()
}

/// What an offline closed-loop run produced.
#[derive(Debug, Clone)]
pub struct OfflineRun {
    pub summary: Summary,
    pub decisions: Vec<super::decision::Decision>,
}

/// Runs `scenario` with the controller in the loop (`cfg.control`, `cfg.telemetry.sample_interval_ms`).
pub fn run(scenario: &Scenario, cfg: Config) -> Result<OfflineRun, String> {
    let mut sim = Simulation::new(scenario).map_err(|e| e.to_string())?;
    sim.set_epoch_unix_ns(0);
    let sample_ns = cfg.telemetry.sample_interval_ms * 1_000_000;
    let round_ns = cfg.control.interval_ms * 1_000_000;
    let mut engine = RateEngine::new(EngineConfig {
        sample_interval_ns: sample_ns as i64,
        stale_after_intervals: cfg.telemetry.stale_after_intervals,
        max_counter_rate: 1e13,
    });
    let mut ctl = Controller::new(cfg, fathom_southbound::SINGLE_REPLICA_EPOCH);
    let mut t = 0;
    let mut next_round = round_ns;
    while t < sim.duration_ns() {
        t += sample_ns;
        sim.run_until(t);
        engine.handle(&IngestEvent::Telemetry(batches(&sim.telemetry())), t as i64);
        if t >= next_round {
            next_round += round_ns;
            let snap = engine.snapshot(t as i64);
            for Effect::Apply { decision, plan } in ctl.round(&snap, (t / 1_000_000) as i64) {
                let previous = ctl.current_tables(&plan);
                let res = sim
                    .apply_slot_updates_fenced(&to_sim(&plan.entries), plan.token)
                    .map(|n| n as u64)
                    .map_err(|e| SouthboundError::Rejected { writer: "simulator", reason: e.to_string() });
                ctl.applied(decision, res, previous);
            }
        }
    }
    sim.run();
    Ok(OfflineRun { summary: sim.summary(), decisions: ctl.log.recent(0) })
}
