//! `fathomd demo`: one command, no external service. The fabric simulator runs the scenario twice: once as fast
//! as possible under static ECMP, once live (in process, over loopback gRPC and gNMI exactly as a separate
//! simulator would be reached) with `fathomd` in `auto` mode closing the loop. Then the two runs side by side.

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use fathom_proto::sim::v1 as simpb;
use fathom_proto::v1 as pb;
use fathom_sim::{Scenario, Simulation};
use serde::Serialize;

use super::config::{Config, Endpoint, Mode};

/// The scenario the demo runs unless told otherwise.
pub const DEFAULT_SCENARIO: &str = include_str!("../../../simulator/scenarios/fathom-demo.toml");

/// One run's figures.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RunFigures {
    pub congested_link_seconds: f64,
    pub p99_link_utilization: f64,
    pub max_link_utilization: f64,
    pub drops_pkts: u64,
    pub pfc_pause_s: f64,
    pub ecn_marked_pkts: u64,
    /// Per training job: (name, p50 / ideal, p99 / ideal).
    pub jobs: Vec<(String, f64, f64)>,
    pub decisions: u64,
    pub slots_moved: u64,
}

/// Both runs.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DemoReport {
    pub scenario: String,
    pub simulated_s: f64,
    pub ecmp: RunFigures,
    pub fathom: RunFigures,
}

fn free_port() -> Result<SocketAddr, String> {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| format!("no free loopback port: {e}"))
}

pub fn figures_of(s: &fathom_sim::Summary) -> RunFigures {
    RunFigures {
        congested_link_seconds: s.congested_link_seconds,
        p99_link_utilization: s.p99_link_utilization,
        max_link_utilization: s.max_link_utilization,
        drops_pkts: s.drops_pkts,
        pfc_pause_s: s.pfc_pause_s,
        ecn_marked_pkts: s.ecn_marked_pkts,
        jobs: s.jobs.iter().filter_map(|j| Some((j.name.clone(), j.slowdown_p50?, j.slowdown_p99?))).collect(),
        decisions: 0,
        slots_moved: 0,
    }
}

/// Runs the demo. `progress` is told the simulated seconds done of the live run.
pub async fn run(
    scenario: Scenario,
    forecaster: &str,
    mut progress: impl FnMut(f64, f64),
) -> Result<DemoReport, String> {
    let duration = scenario.duration_s;
    // 1. Static ECMP, as fast as possible.
    let mut ecmp = Simulation::new(&scenario).map_err(|e| e.to_string())?;
    ecmp.run();
    let ecmp_fig = figures_of(&ecmp.summary());

    // 2. The same scenario live, with fathomd in auto mode.
    let (gnmi, control) = (free_port()?, free_port()?);
    let sim = Simulation::new(&scenario).map_err(|e| e.to_string())?;
    let (stop_sim_tx, stop_sim_rx) = tokio::sync::oneshot::channel::<()>();
    let opts = fathom_sim::server::ServeOptions { gnmi_addr: gnmi, control_addr: control, ..Default::default() };
    let sim_task = tokio::spawn(async move {
        fathom_sim::server::serve(sim, opts, async {
            let _ = stop_sim_rx.await;
        })
        .await
    });
    let mut cfg = Config::default();
    cfg.control.mode = Mode::Auto;
    cfg.control.forecaster = forecaster.to_string();
    cfg.telemetry.sample_interval_ms = 100;
    cfg.telemetry.endpoints = vec![Endpoint { address: gnmi.to_string(), targets: Vec::new() }];
    cfg.southbound.kind = "simulator".into();
    cfg.southbound.endpoint = format!("http://{control}");
    cfg.api.listen = free_port()?;
    cfg.metrics.listen = free_port()?;
    let (stop_fd_tx, stop_fd_rx) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let fd_task = tokio::spawn(super::run::run(
        cfg,
        async {
            let _ = stop_fd_rx.await;
        },
        Some(ready_tx),
    ));
    let listening = ready_rx.await.map_err(|_| "fathomd did not start".to_string())?;
    let mut sim_client = connect_sim(control).await?;
    let started = Instant::now();
    let summary = loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let s = sim_client
            .get_summary(simpb::GetSummaryRequest {})
            .await
            .map_err(|e| e.message().to_string())?
            .into_inner();
        let done = s.sim_time_ns as f64 / 1e9;
        progress(done, duration);
        if done >= duration - 1e-9 || started.elapsed() > Duration::from_secs_f64(duration * 3.0 + 30.0) {
            break s;
        }
    };
    let mut op = fathom_proto::v1::operator_client::OperatorClient::connect(format!("http://{}", listening.api))
        .await
        .map_err(|e| e.to_string())?;
    let decisions = op
        .list_decisions(pb::ListDecisionsRequest { limit: 0 })
        .await
        .map_err(|e| e.message().to_string())?
        .into_inner();
    let _ = stop_fd_tx.send(());
    let _ = stop_sim_tx.send(());
    let _ = fd_task.await;
    let _ = sim_task.await;
    let full: fathom_sim::Summary =
        serde_json::from_str(&summary.json).map_err(|e| format!("simulator summary: {e}"))?;
    let mut fathom = figures_of(&full);
    let applied: Vec<&pb::Decision> =
        decisions.decisions.iter().filter(|d| d.state == "applied" || d.state == "rolled-back").collect();
    fathom.decisions = applied.len() as u64;
    fathom.slots_moved = applied.iter().flat_map(|d| &d.changes).map(|c| u64::from(c.slots_moved)).sum();
    Ok(DemoReport { scenario: scenario.name.clone(), simulated_s: duration, ecmp: ecmp_fig, fathom })
}

async fn connect_sim(
    addr: SocketAddr,
) -> Result<fathom_proto::sim::v1::fabric_control_client::FabricControlClient<tonic::transport::Channel>, String> {
    for _ in 0..100 {
        if let Ok(c) =
            fathom_proto::sim::v1::fabric_control_client::FabricControlClient::connect(format!("http://{addr}")).await
        {
            return Ok(c);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("the simulator at {addr} did not come up"))
}

impl DemoReport {
    /// The side-by-side table.
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let (a, b) = (&self.ecmp, &self.fathom);
        let mut s = String::new();
        let _ = writeln!(s, "scenario {} ({:.0} s simulated)\n", self.scenario, self.simulated_s);
        let _ = writeln!(s, "{:<34} {:>14} {:>14} {:>9}", "", "static ECMP", "Fathom (auto)", "change");
        let pct = |x: f64, y: f64| if x > 0.0 { format!("{:+.0}%", (y - x) / x * 100.0) } else { "-".into() };
        let rows: Vec<(String, String, String, String)> = vec![
            (
                "congested link-seconds".into(),
                format!("{:.2}", a.congested_link_seconds),
                format!("{:.2}", b.congested_link_seconds),
                pct(a.congested_link_seconds, b.congested_link_seconds),
            ),
            (
                "p99 link utilization".into(),
                format!("{:.3}", a.p99_link_utilization),
                format!("{:.3}", b.p99_link_utilization),
                pct(a.p99_link_utilization, b.p99_link_utilization),
            ),
            (
                "drops (packets)".into(),
                a.drops_pkts.to_string(),
                b.drops_pkts.to_string(),
                pct(a.drops_pkts as f64, b.drops_pkts as f64),
            ),
            (
                "PFC pause time (s)".into(),
                format!("{:.4}", a.pfc_pause_s),
                format!("{:.4}", b.pfc_pause_s),
                pct(a.pfc_pause_s, b.pfc_pause_s),
            ),
            (
                "ECN-marked packets".into(),
                a.ecn_marked_pkts.to_string(),
                b.ecn_marked_pkts.to_string(),
                pct(a.ecn_marked_pkts as f64, b.ecn_marked_pkts as f64),
            ),
        ];
        for (k, x, y, c) in rows {
            let _ = writeln!(s, "{k:<34} {x:>14} {y:>14} {c:>9}");
        }
        for ((name, p50a, p99a), (_, p50b, p99b)) in a.jobs.iter().zip(&b.jobs) {
            let _ = writeln!(
                s,
                "{:<34} {:>14} {:>14} {:>9}",
                format!("{name}: iteration p50 / ideal"),
                format!("{p50a:.3}"),
                format!("{p50b:.3}"),
                pct(*p50a, *p50b)
            );
            let _ = writeln!(
                s,
                "{:<34} {:>14} {:>14} {:>9}",
                format!("{name}: iteration p99 / ideal"),
                format!("{p99a:.3}"),
                format!("{p99b:.3}"),
                pct(*p99a, *p99b)
            );
        }
        let _ = writeln!(s, "{:<34} {:>14} {:>14}", "decisions applied", "-", b.decisions);
        let _ = writeln!(s, "{:<34} {:>14} {:>14}", "WCMP slots moved", "-", b.slots_moved);
        s
    }
}
