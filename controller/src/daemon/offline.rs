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
    let topology = cfg.load_topology().map_err(|e| e.to_string())?;
    let mut ctl = Controller::new(cfg, fathom_southbound::SINGLE_REPLICA_EPOCH);
    if let Some(f) = topology {
        ctl = ctl.with_topology(f);
    }
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

/// One arm of an offline comparison.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq)]
pub struct Arm {
    /// `static ECMP`, `reactive (last)` or `Fathom (<forecaster>)`.
    pub name: String,
    pub figures: super::demo::RunFigures,
    /// Applied changes made while the link they relieve was still under the threshold (forecast to cross).
    pub preemptive_changes: u64,
    /// Mean forecast lead time of the preemptive changes, ms.
    pub mean_lead_time_ms: f64,
}

/// Static ECMP, a reactive controller and Fathom on one scenario, all offline and deterministic.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq)]
pub struct Comparison {
    pub scenario: String,
    pub simulated_s: f64,
    pub arms: Vec<Arm>,
}

fn arm(name: String, summary: &Summary, decisions: &[super::decision::Decision]) -> Arm {
    let mut figures = super::demo::figures_of(summary);
    let applied: Vec<_> = decisions.iter().filter(|d| matches!(d.state.as_str(), "applied" | "rolled-back")).collect();
    figures.decisions = applied.len() as u64;
    figures.slots_moved = applied.iter().flat_map(|d| &d.changes).map(|c| u64::from(c.slots_moved)).sum();
    let leads: Vec<f64> =
        applied.iter().flat_map(|d| &d.changes).map(|c| c.lead_time_ms).filter(|&l| l > 0.0).collect();
    Arm {
        name,
        figures,
        preemptive_changes: leads.len() as u64,
        mean_lead_time_ms: if leads.is_empty() { 0.0 } else { leads.iter().sum::<f64>() / leads.len() as f64 },
    }
}

/// Runs `scenario` under static ECMP, under the controller with forecast = last observed value (reactive), and
/// under the controller as configured by `cfg` (mode forced to `auto`). `progress` is told each finished arm.
pub fn compare(scenario: &Scenario, cfg: &Config, mut progress: impl FnMut(&str)) -> Result<Comparison, String> {
    let mut cfg = cfg.clone();
    cfg.control.mode = super::config::Mode::Auto;
    let mut ecmp = Simulation::new(scenario).map_err(|e| e.to_string())?;
    ecmp.run();
    let mut arms = vec![arm("static ECMP".into(), &ecmp.summary(), &[])];
    progress(&arms[0].name);
    let mut reactive_cfg = cfg.clone();
    reactive_cfg.control.forecaster = "last".into();
    let r = run(scenario, reactive_cfg)?;
    arms.push(arm("reactive (last)".into(), &r.summary, &r.decisions));
    progress(&arms[1].name);
    let name = format!("Fathom ({})", cfg.control.forecaster);
    let f = run(scenario, cfg)?;
    arms.push(arm(name, &f.summary, &f.decisions));
    progress(&arms[2].name);
    Ok(Comparison { scenario: scenario.name.clone(), simulated_s: scenario.duration_s, arms })
}

impl Comparison {
    /// The arms side by side; changes are against the first arm (static ECMP).
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "scenario {} ({:.0} s simulated, offline)\n", self.scenario, self.simulated_s);
        let _ = write!(s, "{:<34}", "");
        for a in &self.arms {
            let _ = write!(s, " {:>22}", a.name);
        }
        s.push('\n');
        let base = &self.arms[0].figures;
        let mut row = |label: &str, f: &dyn Fn(&super::demo::RunFigures) -> f64, prec: usize, rel: bool| {
            let _ = write!(s, "{label:<34}");
            for a in &self.arms {
                let (x, b) = (f(&a.figures), f(base));
                let change = if rel && b > 0.0 && !std::ptr::eq(a, &self.arms[0]) {
                    format!(" ({:+.0}%)", (x - b) / b * 100.0)
                } else {
                    String::new()
                };
                let _ = write!(s, " {:>22}", format!("{x:.prec$}{change}"));
            }
            s.push('\n');
        };
        row("congested link-seconds", &|f| f.congested_link_seconds, 2, true);
        row("p99 link utilization", &|f| f.p99_link_utilization, 3, false);
        row("drops (packets)", &|f| f.drops_pkts as f64, 0, true);
        row("PFC pause time (s)", &|f| f.pfc_pause_s, 4, true);
        row("ECN-marked packets", &|f| f.ecn_marked_pkts as f64, 0, true);
        for (j, (name, _, _)) in base.jobs.iter().enumerate() {
            row(&format!("{name}: iteration p50 / ideal"), &|f| f.jobs.get(j).map_or(f64::NAN, |x| x.1), 3, false);
            row(&format!("{name}: iteration p99 / ideal"), &|f| f.jobs.get(j).map_or(f64::NAN, |x| x.2), 3, false);
        }
        row("decisions applied", &|f| f.decisions as f64, 0, false);
        row("WCMP slots moved", &|f| f.slots_moved as f64, 0, false);
        let _ = write!(s, "{:<34}", "preemptive changes (mean lead ms)");
        for a in &self.arms {
            let _ = write!(s, " {:>22}", format!("{} ({:.0})", a.preemptive_changes, a.mean_lead_time_ms));
        }
        s.push('\n');
        s
    }
}
